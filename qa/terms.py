"""Key terms: which words of a question carry its topic, how rare they are in the corpus, and how
much of them a text covers — exactly, through a lay synonym, in the surrounding passage, or through a
close word vector ("paid" ~ "funded"). Shared by the retriever's re-ranking and the answerer.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Callable, Mapping, Set as AbstractSet
from functools import lru_cache

import numpy as np

from qa.knowledge import LEXICON_OFF, NEVER, data_lines, data_pairs, data_text
from qa.lexical import tokenize
from qa.settings import SETTINGS
from qa.text import fold, plain_words

# Knowledge files are read by qa.knowledge; QA_LEXICON_OFF leaves some out, for ablations.


def data_words(name: str) -> frozenset[str]:
    """Every word of a knowledge file of word lists in `qa/data/`."""
    return frozenset(w for ln in data_lines(name) for w in ln.split())


def data_toml(name: str) -> dict:
    """A knowledge file of `qa/data/` (TOML)."""
    return tomllib.loads(data_text(name))


# General knowledge lives in data files, one entry a line, each useful beyond one article:
#   lay_terms.tsv     lay and general clinical wording -> the words articles use
#   brand_names.tsv   brand names -> generic names
#   shorthand.tsv     standard clinical and pharmacy shorthand -> what it stands for
#   drug_endings.txt  word endings that make a word a drug name (INN stems)
#   everyday_topics.txt  everyday words whose absence from an article means the question is elsewhere
#   medical_word_parts.toml  the word parts that make a word a medical term ("-itis", "cardio-")
#   question_words.txt  words of how a question is asked, not of what it is about
#   bibliographic_words.txt  words for a bibliography entry that reference lists spell otherwise
LEXICON_FILES = ("lay_terms.tsv", "brand_names.tsv", "shorthand.tsv")

DRUG_ENDINGS = "|".join(w for ln in data_lines("drug_endings.txt") for w in ln.split()) \
    if "drug_endings.txt" not in LEXICON_OFF else "mab|nib"
DRUG_NAME = re.compile(rf"(?:{DRUG_ENDINGS})$")


COMMON_WORD_ZIPF = SETTINGS.terms.common_word_zipf


@lru_cache(maxsize=4096)
def rare_word(word: str) -> bool:
    """No common English word (`wordfreq` Zipf under `common_word_zipf`): "trastuzumab", "lapatanib";
    not "combine" or "heart". Its word list loads on first use."""
    # the small list holds every word down to Zipf 3 and loads in 0.01 s (the large one in 0.17 s)
    return word_zipf(word) < COMMON_WORD_ZIPF


@lru_cache(maxsize=4096)
def word_zipf(word: str) -> float:
    """How common a word is in English (`wordfreq` Zipf, small list: 0 below Zipf 3)."""
    from wordfreq import zipf_frequency
    return zipf_frequency(word.lower(), "en", wordlist="small")


@lru_cache(maxsize=4096)
def drug_name(word: str) -> bool:
    """A drug's name by its ending, longer than six letters and no common English word ("neratinib";
    not "Gli", a short word or "combine")."""
    low = word.lower()
    return len(word) > 6 and bool(DRUG_NAME.search(low)) and rare_word(low)

# Lay words readers use for what articles say otherwise (query expansion and coverage).
LAY_TERMS: dict[str, str] = data_pairs(*LEXICON_FILES)
EVERYDAY_TOPICS = data_words("everyday_topics.txt")

# The lay phrases as whole-word patterns over folded text (`qa.text.fold`), compiled once.
LAY_PATTERNS: tuple[tuple[re.Pattern, str], ...] = tuple(
    (re.compile(rf"\b(?:{lay})\b"), formal) for lay, formal in LAY_TERMS.items())

# Words that say what kind of answer is wanted but carry no topic.
# Medical terms by their word parts (qa/data/medical_word_parts.toml): "radiotherapy",
# "thrombocytopenia", "cardiotoxicity", "immunohistochemistry".
_PARTS = data_toml("medical_word_parts.toml")
MEDICAL_TERM = re.compile(rf"(?:{'|'.join(_PARTS['suffixes'])})$|^(?:{'|'.join(_PARTS['prefixes'])})"
                          if _PARTS else NEVER)
_MEDICAL_SUFFIX = re.compile(rf"(?:{'|'.join(_PARTS['suffixes'])})$" if _PARTS else NEVER)


def medical_term(word: str) -> bool:
    """A medical noun by its word parts; an adjective by a prefix alone ("neurological evidence")
    describes rather than names a topic."""
    if _MEDICAL_SUFFIX.search(word):  # "cardiotoxic", "nephrotoxicity": its suffix names the topic
        return True
    m = MEDICAL_TERM.search(word)  # without a suffix, only a prefix can match (at the start)
    return bool(m) and not (m.end() < len(word) and re.search(r"(?:ic|ical|al)$", word))


# Words of how a question is asked, not of what it is about (qa/data/question_words.txt).
GENERIC = data_words("question_words.txt")
# Words for a bibliography entry that reference lists spell otherwise ("NEJM"; qa/data/bibliographic_words.txt).
BIBLIOGRAPHIC_ALIASES = data_words("bibliographic_words.txt")
GENERIC_TOKENS = frozenset(t for w in GENERIC for t in tokenize(w))

AROUND_CREDIT = SETTINGS.terms.around_credit  # a term found in the sentence's passage but not in the sentence
# A question word the text lacks still counts SOFT_CREDIT when one of the text's words is close to
# it as a word vector ("paid" ~ "funded" 0.65, "biggest" ~ "largest" 0.94, "recruit" ~ "enroll"
# 0.57; "radiotherapy" ~ "chemotherapy" 0.51 is also close, so the credit is partial).
SOFT_MATCH = SETTINGS.terms.soft_match
SOFT_CREDIT = SETTINGS.terms.soft_credit
UNKNOWN_WEIGHT = SETTINGS.terms.unknown_weight  # a term the corpus never uses: no text can contain it


# "this review on beating anti-HER2 drug resistance": words that name the review, not what is asked
REVIEW_TOPIC = re.compile(r"\b((?:this|the) (?:review|article|paper|piece|overview|manuscript)) (?:on|about|of|"
                           r"regarding|covering|discussing|dealing with) [^,?;]*?(?=\s+(?:printed|published|"
                           r"appear\w*|come out|was|is|in|by|for|and)\b|[,?;]|$)", re.I)


# words for an article's publication details ("which journal ...", "which licence ...")
PUBLICATION_WORDS = r"journal|periodical|publish\w*|publisher|printed|volume|issue|pages|doi|licen[cs]e|copyright"
PUBLICATION = re.compile(rf"\b(?:{PUBLICATION_WORDS})\b", re.I)


def _is_name(word: str) -> bool:
    """An acronym, a code name with digits or a drug name: "EGFR", "AUY922", "lapatinib"."""
    return (word.isupper() and len(word) >= 2) or any(ch.isdigit() for ch in word) or bool(DRUG_NAME.search(word.lower()))


@lru_cache(maxsize=8192)
def token_set(text: str) -> frozenset[str]:
    """`tokenize` as a set, memoised: a passage's text is tokenized once, not once per sentence."""
    return frozenset(tokenize(text))


class KeyTerms:
    """Term statistics of a corpus and the coverage of a question's key terms by a text.

    Args:
        texts: the indexed texts (passage text plus context), for document frequencies.
        vocabulary: the words that have index-time vectors.
        word_vectors: words -> normalised vectors (`Retriever.word_vectors`).
    """

    def __init__(self, texts: list[str], vocabulary: list[str],
                 word_vectors: Callable[[list[str]], np.ndarray]):
        self._df: dict[str, int] = {}
        for text in texts:
            for t in set(tokenize(text)):
                self._df[t] = self._df.get(t, 0) + 1
        self._n = len(texts)
        self._vocabulary = frozenset(vocabulary)
        self._word_vectors = word_vectors
        self._prefixes: set[str] | None = None
        self._suffixes: frozenset[str] | None = None
        self._text_cache: dict[str, np.ndarray] = {}

    def _text_vectors(self, text: str) -> np.ndarray:
        """The vectors of a text's article words (memoised: the texts are the corpus' sentences)."""
        hit = self._text_cache.get(text)
        if hit is None:
            words = [w for w in dict.fromkeys(plain_words(text)) if w in self._vocabulary]
            hit = self._word_vectors(words)
            if len(self._text_cache) > 50000:
                self._text_cache.clear()
            self._text_cache[text] = hit
        return hit

    def in_corpus(self, token: str) -> bool:
        return token in self._df

    def in_text(self, word: str) -> bool:
        """A word (`qa.text.plain_words`) of the article's own text, not only of its bibliography."""
        return word in self._vocabulary

    def known(self, token: str) -> bool:
        """A token the corpus has, or that begins a corpus token ("nct" of "nct01132664")."""
        if token in self._df:
            return True
        if len(token) >= 3:
            if self._prefixes is None:
                self._prefixes = {t[:n] for t in self._df for n in range(3, len(t) + 1)}
            return token in self._prefixes
        return False

    def known_compound(self, word: str) -> bool:
        """A hyphenated name the corpus forms the same way: a name it has ("p95") with an ending
        it puts after names ("-positive", "-based", "-resistant"); "HER2-low" is not one."""
        parts = word.lower().split("-")
        if self._suffixes is None:
            self._suffixes = frozenset(t.rsplit("-", 1)[1] for t in self._df if "-" in t)
        head = tokenize(parts[0])
        return (len(parts) == 2 and parts[1].isalpha() and parts[1] in self._suffixes
                and bool(head) and head[0] in self._df)

    def idf(self, token: str) -> float:
        return math.log(1 + self._n / (1 + self._df.get(token, 0)))

    def key_terms(self, question: str) -> list[str]:
        """The question's topical tokens (stemmed), generic question words removed."""
        if PUBLICATION.search(question):  # "which journal was this review on beating resistance printed in?"
            question = REVIEW_TOPIC.sub(r"\1", question)
        return list(dict.fromkeys(t for t in tokenize(question) if t not in GENERIC_TOKENS))

    def weights(self, question: str) -> dict[str, float]:
        """Key terms with their weights: 1, or `UNKNOWN_WEIGHT` for a term the corpus lacks."""
        terms = self.key_terms(question)
        # "everolimus-plus-herceptin" says nothing its parts do not: weigh the parts only
        whole = {t for t in terms if t not in self._df and "-" in t
                 and all(p in terms or p in GENERIC_TOKENS for p in tokenize(t.replace("-", " ")))}
        return {t: 1.0 if t in self._df else UNKNOWN_WEIGHT for t in terms if t not in whole}

    @staticmethod
    def synonyms(query: str) -> dict[str, set[str]]:
        """Key terms of lay phrases in the query → the article's words for them."""
        out: dict[str, set[str]] = {}
        folded = fold(query)
        for lay, formal in LAY_PATTERNS:
            m = lay.search(folded)
            if m:
                for t in tokenize(m.group(0)):
                    out.setdefault(t, set()).update(tokenize(formal))
        return out

    def surface(self, query: str) -> dict[str, str]:
        """Each key term → the question's word for it, whose vector is computed now (in one batch)."""
        out: dict[str, str] = {}
        # a name is matched only as itself: "EGFR" is not "IGF1R", however close their vectors
        names = {w.lower() for w in re.findall(r"[A-Za-z][\w-]*", query) if _is_name(w)}
        for word in plain_words(query):
            if word in names:
                continue
            for t in tokenize(word):
                out.setdefault(t, word)
        if out:
            self._word_vectors(list(out.values()))
        return out

    def coverage(self, weights: dict[str, float], text: str, synonyms: Mapping[str, AbstractSet[str]] | None = None,
                 around: str = "", surface: dict[str, str] | None = None, previous: str = "",
                 soft_match: float = SOFT_MATCH) -> float:
        """The idf- and `weights`-weighted share of the terms that the text contains (lay synonyms
        count); a term found only in the surrounding passage (`around`) counts `AROUND_CREDIT` ("the
        regimen" of a sentence is the paragraph's everolimus with paclitaxel); a term whose question
        word (`surface`: term -> word) is close to a word of the text counts `SOFT_CREDIT`. A number
        identifies: it counts `AROUND_CREDIT` only from the sentence just before (`previous`: "a second
        phase II study of 110 patients ... The median PFS time was 6.9 months"). `soft_match`: the
        cosine from which a word vector is close."""
        if not weights:
            return 0.0
        surface = surface or {}
        have, near, before = set(token_set(text)), token_set(around), token_set(previous)
        for term, alts in (synonyms or {}).items():
            if have & alts:
                have.add(term)
        total = sum(self.idf(t) * w for t, w in weights.items())
        # a number identifies ("the 112-patient study" is not the one of 110): only the text's own counts
        credit = {t: 1.0 if t in have else AROUND_CREDIT if t in (before if t.isdigit() else near) else 0.0
                  for t in weights}
        lacking = [t for t in weights if not credit[t] and t in surface]
        if lacking:
            text_vectors = self._text_vectors(text)
            if len(text_vectors):
                sims = self._word_vectors([surface[t] for t in lacking]) @ text_vectors.T
                for t, best in zip(lacking, sims.max(axis=1)):
                    if best >= soft_match:
                        credit[t] = SOFT_CREDIT
        got = sum(self.idf(t) * w * credit[t] for t, w in weights.items())
        return got / total if total else 0.0

    def sentence_coverage(self, weights: dict[str, float], sentence: str, passage,
                          synonyms: dict[str, set[str]] | None = None,
                          surface: dict[str, str] | None = None, previous: str = "") -> float:
        """`coverage` of one sentence of a passage, judged with its section heading and, for a table
        row, table note or bibliography entry, the passage's context (headers, caption); the rest of
        the passage counts `AROUND_CREDIT`."""
        heading = passage.section_path[-1] if passage.section_path else ""
        extra = f" {passage.context}" if passage.kind in ("table_row", "table_note", "reference") else ""
        return self.coverage(weights, f"{sentence} {heading}{extra}", synonyms, around=passage.text,
                             surface=surface, previous=previous)
