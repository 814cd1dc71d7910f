"""BM25 over passages with `bm25s`: exact drug, trial and NCT names that dense retrieval misses."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import bm25s
import numpy as np

from qa.text import STOPWORDS, words

try:  # PyStemmer is a dependency; stemming is skipped if it is ever missing
    import Stemmer

    _STEM = Stemmer.Stemmer("english").stemWord
except ImportError:  # pragma: no cover
    _STEM = None

logging.getLogger("bm25s").setLevel(logging.WARNING)

BM25_K1, BM25_B = 1.2, 0.75  # Robertson's classic values (Recall@5 0.947 -> 0.952 over bm25s' 1.5)


_UK_WORDS = {"tumour": "tumor", "tumours": "tumors", "colour": "color", "behaviour": "behavior",
             "favourable": "favorable", "programme": "program", "programmes": "programs",
             "centre": "center", "centres": "centers", "oestrogen": "estrogen", "oedema": "edema",
             "anaemia": "anemia", "haematological": "hematological", "paediatric": "pediatric",
             "licence": "license", "licences": "licenses", "diarrhoea": "diarrhea",
             "randomised": "randomized", "ageing": "aging", "haemoglobin": "hemoglobin"}
_UK_RULES = [(re.compile(r"aem"), "em"), (re.compile(r"(?<=\w{3})is(e|ed|es|ing|ation|ations)$"), r"iz\1"),
             (re.compile(r"(?<=[aeiou])ll(ing|ed)$"), r"l\1")]


def us_spelling(word: str) -> str:
    """British to American spelling for matching ("tumour" → "tumor", "signalling" → "signaling")."""
    if word in _UK_WORDS:
        return _UK_WORDS[word]
    for pat, rep in _UK_RULES:
        word = pat.sub(rep, word)
    return word


def tokenize(text: str) -> list[str]:
    """BM25 tokens: lower-cased words without stopwords, stemmed; a hyphenated name such as
    "bms-754807" or "t-dm1" is kept whole and also split into its parts."""
    out: list[str] = []
    for w in words(text):
        if w in STOPWORDS:
            continue
        w = us_spelling(w)
        parts = [w]
        if "-" in w or "/" in w:
            parts += [p for p in w.replace("/", "-").split("-") if p and p not in STOPWORDS]
            if "-" in w and "/" not in w and any(ch.isdigit() for ch in w):
                parts.append(w.replace("-", ""))  # "IGF-1R" is "IGF1R", "T-DM1" also "TDM1"
        for p in parts:
            out.append(_STEM(p) if _STEM and p.isalpha() else p)
    return out


class LexicalIndex:
    """A bm25s index whose scores cover every passage, for fusion with the dense scores."""

    def __init__(self, bm25: bm25s.BM25):
        self._bm25 = bm25
        self._vocab = set(bm25.vocab_dict)

    @classmethod
    def build(cls, texts: list[str]) -> "LexicalIndex":
        bm25 = bm25s.BM25(k1=BM25_K1, b=BM25_B)
        bm25.index([tokenize(t) or ["<empty>"] for t in texts], show_progress=False)
        return cls(bm25)

    @property
    def size(self) -> int:
        """How many passages the index scores."""
        scores = self._bm25.scores
        return int(scores["num_docs"]) if isinstance(scores, dict) and "num_docs" in scores else -1

    def save(self, directory: Path) -> None:
        self._bm25.save(str(directory), show_progress=False)

    @classmethod
    def load(cls, directory: Path) -> "LexicalIndex":
        return cls(bm25s.BM25.load(str(directory), show_progress=False))

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every passage for the query (zeros when no query word is in the corpus)."""
        toks = [t for t in tokenize(query) if t in self._vocab]
        n = self._bm25.scores["num_docs"] if isinstance(self._bm25.scores, dict) else None
        if not toks:
            return np.zeros(n or len(self._bm25.get_scores(["<empty>"])), dtype="float32")
        return np.asarray(self._bm25.get_scores(toks), dtype="float32")
