"""How well a sentence answers a question: the one scoring that re-ranking and answering share.

A sentence's evidence is its cosine similarity to the analysed question (sentence vectors computed
at index time) and the idf-weighted share of the question's key terms it covers (`qa.terms`:
exact, lay synonym, in its passage, or a close word vector). `Retriever` re-ranks passages by their
best sentence's `value(RetrievalSettings.rerank_coverage)`; `ExtractiveAnswerer` ranks candidate
sentences by `SentenceWeights.score`: the similarity plus weighted signals (coverage, the rank of the
passage, answer type, subject, part of the article, ...), with the hand-set weights of
`SentenceSettings` (`eval/fit_sentences.py` fits them across articles; no fit has beaten them).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields

import numpy as np

from qa.chunking import Passage
from qa.query import QueryAnalysis
from qa.settings import SETTINGS, SentenceSettings

# a follow-up's share of similarity to its own words alone (`ChatSettings.own_similarity`)
OWN_SIMILARITY = SETTINGS.chat.own_similarity
from qa.terms import KeyTerms
from qa.text import fold


@dataclass(frozen=True)
class SentenceScore:
    similarity: float  # cosine of the sentence's vector to the question's
    coverage: float  # share of the question's key terms it covers, 0-1

    def value(self, coverage_weight: float) -> float:
        return self.similarity + coverage_weight * self.coverage


class SentenceScorer:
    """Scores sentences against one analysed question with the given key-term `weights` (the
    analysis' own, or the answerer's, which weigh a follow-up's carried terms less)."""

    def __init__(self, terms: KeyTerms, analysis: QueryAnalysis, weights: Mapping[str, float]):
        self.terms = terms
        self.analysis = analysis
        self.weights = dict(weights)

    def score(self, vectors: np.ndarray, texts: Sequence[str], passage: Passage | Sequence[Passage],
              previous: Sequence[str]) -> list[SentenceScore]:
        """Each sentence's score; `passage` is the passage of all of them or of each; `previous` the
        sentence before each in its passage ("" for a first)."""
        sims = vectors @ self.analysis.vector if len(texts) else np.zeros(0, dtype="float32")
        if len(texts) and self.analysis.own_vector is not None:
            # a follow-up asking in words of its own: similar to them alone, and to them with what it carried
            sims = (1 - OWN_SIMILARITY) * sims + OWN_SIMILARITY * (vectors @ self.analysis.own_vector)
        passages = [passage] * len(texts) if isinstance(passage, Passage) else list(passage)
        a = self.analysis
        return [SentenceScore(float(sim), self.terms.sentence_coverage(self.weights, self._named(text), p, a.synonyms,
                                                                       a.surface, previous=prev))
                for sim, text, p, prev in zip(sims, texts, passages, previous)]

    def _named(self, text: str) -> str:
        """The sentence with the names it writes only in full ("... the phase III Clinical Evaluation of
        Pertuzumab and Trastuzumab study ...") added, so that it covers the question's "CLEOPATRA"."""
        full = self.analysis.subjects.written_in_full
        if not full:
            return text
        folded = fold(text)
        names = [name for name, words in full if fold(words) in folded]
        return f"{text} {' '.join(names)}" if names else text


# The signals a candidate sentence is ranked by, each a field of `SentenceSettings` that weighs it.
SIGNALS: tuple[str, ...] = tuple(f.name for f in fields(SentenceSettings))


@dataclass(frozen=True)
class SentenceWeights:
    """How a candidate sentence ranks: `similarity + sum(weight x signal)` over `SIGNALS`."""

    weights: tuple[float, ...]  # in the order of `SIGNALS`

    @classmethod
    def from_settings(cls, sentences: SentenceSettings = SETTINGS.sentences) -> "SentenceWeights":
        return cls(tuple(float(getattr(sentences, name)) for name in SIGNALS))

    def score(self, similarity: float, signals: Mapping[str, float]) -> float:
        return similarity + sum(w * signals.get(name, 0.0) for name, w in zip(SIGNALS, self.weights))
