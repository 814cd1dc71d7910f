"""Text normalisation for matching. Users always see the original text; only comparisons use this."""

from __future__ import annotations

import re

from qa.knowledge import NEVER, data_pairs

# Spaces and dashes that the PMC text uses but users do not type.
_TRANSLATE = str.maketrans(
    {
        "\u00a0": " ",  # no-break space
        "\u2002": " ",
        "\u2003": " ",  # em space
        "\u2009": " ",  # thin space
        "\u202f": " ",
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",  # en dash
        "\u2014": "-",  # em dash
        "\u2212": "-",  # minus sign
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
    }
)
_WS = re.compile(r"\s+")
# Greek letters -> the names readers type for them (qa/data/greek_letters.tsv): folded text writes
# "ΦX174" as "phix174" and "TNF-α" as "tnf-alpha", so "phiX174" and "TNF-alpha" match them
_GREEK_NAMES = data_pairs("greek_letters.tsv")
_GREEK = re.compile("|".join(map(re.escape, _GREEK_NAMES)) or NEVER)
_WORD = re.compile(r"[a-z0-9]+(?:[-./][a-z0-9]+)*")

STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further had
    has have having he her here hers him his how i if in into is it its itself just me more most my
    no nor not now of off on once only or other our out over own same she should so some such than
    that the their them then there these they this those through to too under until up very was we
    were what when where which while who whom why will with would you your yours tell me give show
    describe explain list much many one ones review article paper""".split()
)


def normalise(text: str) -> str:
    """Map exotic spaces, dashes and quotes to ASCII and collapse whitespace (case is kept)."""
    return _WS.sub(" ", text.translate(_TRANSLATE)).strip()


def fold(text: str) -> str:
    """`normalise` plus lower case, Greek letters written as their names ("ΦX174": "phix174"): the
    form used to test whether one text contains another."""
    return _GREEK.sub(lambda m: _GREEK_NAMES[m.group(0)], normalise(text)).lower()


def words(text: str) -> list[str]:
    """Lower-cased word tokens, keeping drug and trial names such as `bez235`, `nct01132664`, `t-dm1`."""
    return _WORD.findall(fold(text))


def content_words(text: str) -> list[str]:
    """`words` without stopwords."""
    return [w for w in words(text) if w not in STOPWORDS]


_PLAIN_WORD = re.compile(r"[A-Za-z][A-Za-z\-]*[A-Za-z]")


def plain_words(text: str) -> list[str]:
    """Lower-cased alphabetic words of two letters or more ("paid", "anti-her"): the vocabulary
    whose word vectors give soft matches between a question's words and the article's."""
    return [w.lower() for w in _PLAIN_WORD.findall(normalise(text))]


# --------------------------------------------------------------------------- terminal safety

# ESC sequences (CSI "ESC [ ... final", OSC/DCS/APC/PM/SOS strings up to BEL or ST, and two-byte
# ESC X), then any other C0 or C1 control but tab and newline, and DEL.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"
    r"|[\x1b][\]PX^_][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x9b[0-?]*[ -/]*[@-~]"
    r"|[\x9d\x90\x98\x9e\x9f][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -/]*[0-~]?"
)
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SURROGATES = re.compile(r"[\ud800-\udfff]")


def printable(text: str) -> str:
    """`text` safe to print on a terminal: escape sequences and control characters (C0 but tab and
    newline, DEL, C1) removed, lone surrogates (undecodable bytes of a file name) shown as U+FFFD.
    Use it on everything printed that came from a file or a user."""
    text = _CONTROLS.sub("", _ESCAPES.sub("", text))
    return _SURROGATES.sub("\ufffd", text)


def undecodable(text: str) -> str | None:
    """Why `text` is not valid Unicode text, or None if it is: a lone surrogate, which is what Python
    makes of a byte that is not UTF-8 (`qa ask $'caf\\xe9'` gives "caf\\udce9") or what a library
    caller or a JSON "\\ud800" escape can pass. The tokenizer cannot encode either."""
    m = _SURROGATES.search(text)
    if m is None:
        return None
    code = ord(m.group())
    if 0xDC80 <= code <= 0xDCFF:  # surrogateescape: the original byte
        return (f"byte 0x{code - 0xDC00:02x} at character {m.start() + 1} is not UTF-8 text; "
                "retype it or use a UTF-8 terminal")
    return f"character {m.start() + 1} is a lone surrogate (U+{code:04X}), not text; remove it"


# the scores an abstention's reason gives ("(best match 0.13, needed 0.45)", `qa.answer`): kept in
# JSON, left out of what a reader sees
_SCORES = re.compile(r"\s*\(best match -?[\d.]+, needed -?[\d.]+\)")


def without_scores(text: str) -> str:
    """An abstention's text or reason without the scores behind it."""
    return _SCORES.sub("", text)
