"""How well a sentence answers a question: the one scoring that re-ranking and answering share.

A sentence's evidence is its cosine similarity to the analysed question (sentence vectors computed
at index time) and the idf-weighted share of the question's key terms it covers (`qa.terms`:
exact, lay synonym, in its passage, or a close word vector). `Retriever` re-ranks passages by their
best sentence's `value(RetrievalSettings.rerank_coverage)`; `ExtractiveAnswerer` starts each
candidate's score from `value(AnswerSettings.coverage_weight)` and adds its own evidence (answer
type, subject, part of the article).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from qa.chunking import Passage
from qa.query import QueryAnalysis
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
