"""Parsed articles kept between commands, so an unchanged library is not parsed again each time.

Every command that loads a corpus reads each file (its SHA-256 decides whether the index is current)
and, without this cache, parses it: 0.01-0.06 s an article, 6-12 s for a library of 200. The cache
keeps each parsed `Document` under a key of the file's bytes (SHA-256), its path, and the source of
the parsers themselves (`qa/corpus.py`, `qa/jats.py`, `qa/text.py`), so an edited article, a moved
file or a new version of qa parses afresh. Entries are pickles written to a temporary name and
renamed into place; one that cannot be read is parsed again and replaced.

Where: `QA_PARSE_CACHE` (a folder; `0` switches the cache off), else the user cache folder
(`platformdirs`, `qa/parsed`). It only ever holds what qa wrote there itself.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from functools import lru_cache
from importlib import resources
from pathlib import Path

from qa.corpus import Document, parse_bytes, read_bytes

_PARSERS = ("corpus.py", "jats.py", "text.py", "knowledge.py", "data/greek_letters.tsv")


@lru_cache(maxsize=1)
def parser_key() -> str:
    """A digest of the parsers' source: any change to them makes every cached entry stale."""
    h = hashlib.sha256()
    for name in _PARSERS:
        h.update(resources.files("qa").joinpath(name).read_bytes())
    return h.hexdigest()[:16]


def cache_dir() -> Path | None:
    """The cache folder, or None when `QA_PARSE_CACHE=0`."""
    given = os.environ.get("QA_PARSE_CACHE")
    if given == "0":
        return None
    if given:
        return Path(given).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("qa")) / "parsed"


def parse_cached(path: Path | str, doc_id: str | None = None) -> Document:
    """`qa.corpus.parse_file`, from the cache when this file (same bytes, same path) was parsed before
    by the same parsers. Raises CorpusError as `parse_file` does."""
    path = Path(path)
    data = read_bytes(path)
    folder = cache_dir()
    if folder is None:
        return parse_bytes(path, data, doc_id)
    key = hashlib.sha256(b"\0".join([data, str(path.resolve()).encode(), (doc_id or "").encode(),
                                     parser_key().encode()])).hexdigest()
    entry = folder / key[:2] / f"{key}.pickle"
    try:
        with open(entry, "rb") as f:
            doc = pickle.load(f)
        if isinstance(doc, Document):
            return doc
    except Exception:  # noqa: BLE001 - missing, truncated or from another Python: parse again
        pass
    doc = parse_bytes(path, data, doc_id)
    from qa.index import atomic_write_bytes  # only after a parse: a cached load never imports it

    try:
        atomic_write_bytes(entry, pickle.dumps(doc, protocol=pickle.HIGHEST_PROTOCOL))
    except OSError:  # a read-only or full disk, or a file where the folder should be: uncached
        pass
    return doc
