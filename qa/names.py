"""How a corpus writes names, read once per corpus: the species it abbreviates ("M. tuberculosis"),
the words it capitalises inside sentences ("Nampula", "LipN"), and the words only its bibliography
writes ("Caenorhabditis" of a cited title). The answerer asks these of every question
(`qa.answer.ExtractiveAnswerer.named_things`); one pass over the texts replaces a scan per question."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from qa.corpus import Document

_ABBREVIATED_SPECIES = re.compile(r"(?<![\w.])([A-Z])\.\s*([a-z]{3,})\b")  # "M. tuberculosis"
_MID_SENTENCE_NAME = re.compile(r"[a-z,;]\s+([A-Z][^\W\d_]*(?:-[A-Z][^\W\d_]+)*)(?![\w-])")
_WORD = re.compile(r"[^\W\d_]+")
# names written side by side: "in ΦX174 and VSV, respectively", "LipC, LipF, LipR, LipU or LipW",
# "BOLERO-1 versus BOLERO-3" (each item checked to be a name by `is_name`)
_COORDINATED = re.compile(r"(?<![\w-])([^\W_][\w-]*(?:\s*,\s*[^\W_][\w-]*)*),?\s+(?:and|or|versus|vs\.?|&)\s+"
                          r"([^\W_][\w-]*[^\W_])(?![\w-])")


def is_name(word: str) -> bool:
    """A name by its form, whatever its place in a sentence: letters with a digit ("ΦX174", "BOLERO-3",
    "SYP028"), two capitals ("VSV", "LipY", "MmPPOX") or an inner capital ("mRNA"); not "Results"."""
    if not any(ch.isalpha() for ch in word):
        return False
    upper = sum(ch.isupper() for ch in word)
    return any(ch.isdigit() for ch in word) or upper >= 2 or (upper == 1 and not word[0].isupper())


@dataclass(frozen=True)
class CorpusNames:
    """What `names_of` read of the documents."""

    key: tuple[tuple[str, str], ...]  # (doc_id, sha256) of the documents read
    species: frozenset[tuple[str, str]]  # (genus initial, epithet) the texts write abbreviated
    genera: frozenset[str]  # initials of the genera the texts abbreviate
    words: frozenset[str]  # every word of the texts, as written
    capitalised: frozenset[str]  # words written capitalised inside a sentence
    in_text: Counter  # lower-case word -> occurrences outside the bibliography
    in_references: Counter  # lower-case word -> occurrences in bibliography entries
    # lower-case name -> the names the texts write side by side with it ("vsv": {"φx174"}): its peers,
    # things of the same kind, one of which a sentence about another is not about
    peers: dict = field(default_factory=dict, compare=False)

    def abbreviates(self, genus: str, epithet: str | None = None) -> bool:
        """True when the texts write the genus abbreviated ("M. ..."), with this epithet if given."""
        initial = genus[0]
        return (initial, epithet) in self.species if epithet else initial in self.genera

    def cited_only(self, word: str) -> bool:
        """True when every place the corpus writes the word is in its bibliography."""
        low = word.lower()
        return self.in_references[low] > 0 and self.in_text[low] <= 0


def documents_key(documents: Sequence[Document]) -> tuple[tuple[str, str], ...]:
    return tuple((d.doc_id, d.sha256) for d in documents)


def names_of(documents: Sequence[Document]) -> CorpusNames:
    """Read the documents' names in one pass over their texts and bibliographies."""
    species: set[tuple[str, str]] = set()
    words: set[str] = set()
    capitalised: set[str] = set()
    in_text: Counter = Counter()
    in_references: Counter = Counter()
    peers: dict[str, set[str]] = {}
    for d in documents:
        for m in _COORDINATED.finditer(d.text):
            items = [w.strip() for w in m.group(1).split(",")] + [m.group(2)]
            named = list(dict.fromkeys(w.lower() for w in items if is_name(w)))
            if len(named) == len(items) >= 2:
                for w in named:
                    peers.setdefault(w, set()).update(x for x in named if x != w)
        species.update(_ABBREVIATED_SPECIES.findall(d.text))
        words.update(_WORD.findall(d.text))
        capitalised.update(_MID_SENTENCE_NAME.findall(d.text))
        refs = [r.text for r in d.references.values() if r.text]
        cited = Counter(w.lower() for text in refs for w in _WORD.findall(text))
        in_references.update(cited)
        own = Counter(w.lower() for w in _WORD.findall(d.text))
        # a PMC text file holds its bibliography; a JATS rendering may not
        if any(text[:60] in d.text for text in refs[:3]):
            own.subtract(cited)
        in_text.update(own)
    return CorpusNames(documents_key(documents), frozenset(species), frozenset(g for g, _ in species),
                       frozenset(words), frozenset(capitalised), in_text, in_references,
                       {w: frozenset(p) for w, p in peers.items()})
