"""FAISS factory strings, checked before any embedding is done."""

from __future__ import annotations

import re

from qa.errors import IndexCorruptError

DIMENSION = 384


def validate_factory(factory: str, n_vectors: int | None = None) -> None:
    """IndexCorruptError (one line) unless FAISS accepts the factory string and, when `n_vectors`
    is given, that many vectors are enough to train it."""
    import faiss

    if not isinstance(factory, str) or not factory.strip():
        raise IndexCorruptError("the FAISS factory must be a non-empty string such as 'Flat' or 'HNSW32'")
    try:
        probe = faiss.index_factory(DIMENSION, factory, faiss.METRIC_INNER_PRODUCT)
    except Exception as e:  # faiss raises RuntimeError with a C++ trace
        raise IndexCorruptError(f"FAISS does not know the index type {factory!r}; use e.g. Flat, HNSW32 "
                                "or IVF64,Flat") from e
    if n_vectors is not None and not probe.is_trained:
        m = re.search(r"IVF(\d+)", factory)
        need = int(m.group(1)) if m else 1
        if n_vectors < need:
            raise IndexCorruptError(f"FAISS index type {factory!r} needs at least {need} passages to train; "
                                    f"the corpus has {n_vectors}: use Flat or fewer lists")
