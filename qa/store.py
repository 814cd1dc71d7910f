"""The store that retrieval reads scores from: the seam where a search engine would replace the local
FAISS + bm25s index (docs/scale.md).

A store scores every passage of the corpus for a question three ways; the retriever fuses them. Today's
`LocalStore` is the one implementation: exact inner product over the passage vectors (FAISS), the best
of each passage's sentence vectors (numpy), and BM25 (bm25s).
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from qa.index import Index


class PassageStore(Protocol):
    """Scores of every passage (aligned with the index's passages) for one question."""

    def dense_scores(self, query_vector: np.ndarray) -> np.ndarray:
        """Cosine of the question to each passage vector."""
        ...

    def best_sentence_scores(self, query_vector: np.ndarray, dense: np.ndarray | None = None) -> np.ndarray:
        """Cosine of the question to each passage's best sentence (its passage score if it has none)."""
        ...

    def lexical_scores(self, query: str) -> np.ndarray:
        """BM25 score of each passage for the (expanded) question text."""
        ...


class LocalStore:
    """FAISS, sentence vectors and bm25s held in memory from an `qa.index.Index`."""

    def __init__(self, index: Index):
        self._index = index
        pairs = [(pi, si) for pi, p in enumerate(index.passages) for si in p.sentences]
        self._sent_passage = np.array([p for p, _ in pairs], dtype="int64")
        self._sent_index = np.array([s for _, s in pairs], dtype="int64")
        self.size = len(index.passages)
        # an exact (flat) index scores every passage as one matrix product; FAISS's search for all n
        # results keeps a heap of n (benchmarks/bench_build.py: search at 200 articles)
        self._flat = None
        import faiss

        if isinstance(index.dense, faiss.IndexFlat) and index.dense.ntotal == self.size and self.size:
            d = index.dense.d  # a view of the index's own vectors, not a copy
            self._flat = faiss.rev_swig_ptr(index.dense.get_xb(), self.size * d).reshape(self.size, d)

    def dense_scores(self, query_vector: np.ndarray) -> np.ndarray:
        if self._flat is not None:
            return self._flat @ query_vector
        out = np.zeros(self.size, dtype="float32")
        sims, ids = self._index.dense.search(query_vector[None, :], self.size)
        keep = ids[0] >= 0
        out[ids[0][keep]] = sims[0][keep]
        return out

    def best_sentence_scores(self, query_vector: np.ndarray, dense: np.ndarray | None = None) -> np.ndarray:
        sent = self._index.sentence_vectors @ query_vector
        best = np.full(self.size, -1.0, dtype="float32")
        np.maximum.at(best, self._sent_passage, sent[self._sent_index])
        if dense is None:
            dense = self.dense_scores(query_vector)
        missing = best < -0.5
        best[missing] = dense[missing]
        return best

    def lexical_scores(self, query: str) -> np.ndarray:
        return self._index.lexical.scores(query)
