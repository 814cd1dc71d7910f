"""FAISS factory strings (`qa index --factory`): checked before any embedding, and the one an
existing index was built with, for commands that do not name one."""

from __future__ import annotations

import re
from pathlib import Path

from qa.errors import FactoryError

DEFAULT_FACTORY = "Flat"
DIMENSION = 384  # the bundled all-MiniLM-L6-v2
_FAISS_PREFIX = re.compile(r"^Error in .*? at \S+:\d+: (?:Error: )?")


def training_vectors_needed(factory: str, dimension: int = DIMENSION) -> int:
    """How many vectors training the index of `factory` needs at least (0: it needs no training).

    An IVF index needs one vector per list, a product quantizer one per centroid (2**bits).

    Raises:
        FactoryError: `factory` is not a FAISS factory string for inner product on `dimension`.
    """
    import faiss

    if not isinstance(factory, str) or not factory.strip():
        raise FactoryError(f"the FAISS factory must be a non-empty string, not {factory!r}; "
                           "use e.g. Flat, HNSW32 or IVF64,Flat")
    try:
        index = faiss.index_factory(dimension, factory, faiss.METRIC_INNER_PRODUCT)
    except RuntimeError as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        why = _FAISS_PREFIX.sub("", first)[:160]
        raise FactoryError(f"FAISS factory {factory!r} cannot build a {dimension}-d inner-product index "
                           f"({why}); use e.g. Flat, HNSW32 or IVF64,Flat") from None
    if index.is_trained:
        return 0
    needed = 1
    ivf = faiss.try_extract_index_ivf(index)
    if ivf is not None:
        needed = max(needed, int(ivf.nlist))
    for part in (index, ivf):
        pq = getattr(faiss.downcast_index(part), "pq", None) if part is not None else None
        if pq is not None:
            needed = max(needed, int(pq.ksub))
    return needed


def validate_factory(factory: str, n_vectors: int | None = None, dimension: int = DIMENSION) -> str:
    """`factory` if it can build the dense index, checked before any embedding.

    Args:
        factory: a FAISS factory string ("Flat", "HNSW32", "IVF64,Flat", ...).
        n_vectors: how many passage vectors will train it (the index's passages), if known.
        dimension: the embedding dimension.

    Raises:
        FactoryError: not a factory for inner product on `dimension`, or it needs more training
            vectors than `n_vectors`.
    """
    needed = training_vectors_needed(factory, dimension)
    if n_vectors is not None and needed > n_vectors:
        lists = max(1, n_vectors // 39)  # FAISS asks for 39 training vectors per centroid
        raise FactoryError(f"FAISS factory {factory!r} needs at least {needed} training vectors, but the "
                           f"corpus has {n_vectors} passages; use a smaller one (e.g. IVF{lists},Flat) or Flat")
    return factory


def existing_factory(index_dir: str | Path) -> str:
    """The factory of the index in `index_dir` (its manifest's `faiss_factory`), or `Flat` when there
    is no readable index yet: what a command without `--factory` keeps using."""
    from qa.errors import IndexCorruptError
    from qa.index import read_manifest

    try:
        manifest = read_manifest(index_dir)
    except (IndexCorruptError, OSError):
        return DEFAULT_FACTORY  # the load that follows reports the broken manifest
    factory = (manifest or {}).get("faiss_factory")
    return factory if isinstance(factory, str) and factory else DEFAULT_FACTORY
