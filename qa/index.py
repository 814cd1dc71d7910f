"""The index on disk: FAISS vectors, BM25, passages and sentences, and a manifest that says how it
was built. Everything is written to a temporary file and renamed into place; the manifest goes last
and is removed first on a rebuild, so a half-written index never passes for a valid one.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path

import numpy as np

from qa.chunking import Chunker, ChunkSettings, Passage, Sentence
from qa.corpus import Document
from qa.embedding import Embedder
from qa.errors import IndexCorruptError, StaleIndexError
from qa.lexical import LexicalIndex
from qa.text import STOPWORDS, plain_words

FORMAT_VERSION = 9  # 7: front affiliations, volume/pages; 8: no raw front context; 9: "IGF-1R" also "igf1r"
MANIFEST = "manifest.json"
PASSAGES = "passages.jsonl"
SENTENCES = "sentences.jsonl"
DENSE = "dense.faiss"
SENTENCE_VECTORS = "sentences.npy"
WORDS = "words.json"
WORD_VECTORS = "words.npy"
BM25_DIR = "bm25"

Progress = Callable[[str, float], None]  # (stage message, fraction done 0..1)


@dataclass
class Index:
    """A loaded index: passages and sentences (aligned with their vectors), FAISS and BM25."""

    passages: list[Passage]
    sentences: list[Sentence]
    dense: object  # faiss.Index
    sentence_vectors: np.ndarray
    lexical: LexicalIndex
    manifest: dict
    words: list[str]  # the article's vocabulary (`qa.text.plain_words`, stopwords and bibliography out)
    word_vectors: np.ndarray  # aligned with `words`: each word embedded alone


def _versions() -> dict[str, str]:
    out = {}
    for pkg in ("qa", "sentence-transformers", "faiss-cpu", "bm25s", "torch", "pysbd"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "unknown"
    return out


def corpus_fingerprint(docs: list[Document]) -> list[dict]:
    """What the manifest records of the corpus: each file's name, size and SHA-256."""
    return [{"doc_id": d.doc_id, "file": Path(d.path).name, "sha256": d.sha256,
             "chars": len(d.text)} for d in docs]


def expected_manifest(docs: list[Document], model_name: str, settings: ChunkSettings,
                      factory: str) -> dict:
    """The manifest fields that must match for an index to be current."""
    return {"format": FORMAT_VERSION, "corpus": corpus_fingerprint(docs), "model": model_name,
            "chunker": settings.to_dict(), "faiss_factory": factory}


def stale_reason(manifest: dict, expected: dict) -> str | None:
    """Why an index built with `manifest` does not serve `expected`, or None if it does."""
    if manifest.get("format") != expected["format"]:
        return f"index format {manifest.get('format')} is not the current {expected['format']}"
    if manifest.get("model") != expected["model"]:
        return f"index was built with model {manifest.get('model')!r}, not {expected['model']!r}"
    old = {c["file"]: c["sha256"] for c in manifest.get("corpus", [])}
    new = {c["file"]: c["sha256"] for c in expected["corpus"]}
    if old != new:
        changed = sorted(set(old) ^ set(new) | {f for f in old.keys() & new.keys() if old[f] != new[f]})
        return f"corpus changed since the index was built ({', '.join(changed)})"
    if manifest.get("chunker") != expected["chunker"]:
        return "chunker settings changed since the index was built"
    if manifest.get("faiss_factory") != expected["faiss_factory"]:
        return f"FAISS index type changed to {expected['faiss_factory']!r}"
    return None


# --------------------------------------------------------------------------- atomic writes


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write `data` to a temporary file beside `path`, fsync, and rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def _passage_record(p: Passage) -> dict:
    d = asdict(p)
    d["refs"] = [r.number for r in p.refs]
    for k in ("score", "dense_score", "bm25_score"):
        d.pop(k)
    return d


# --------------------------------------------------------------------------- build


def build_index(docs: list[Document], embedder: Embedder, index_dir: Path | str,
                settings: ChunkSettings | None = None, factory: str = "Flat",
                progress: Progress | None = None) -> Index:
    """Chunk, embed and index the documents; write the index to `index_dir` atomically."""
    import faiss

    settings = settings or ChunkSettings()
    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    say = progress or (lambda msg, frac: None)
    t0 = time.perf_counter()
    say("Loading model…", 0.0)
    count = embedder.count_tokens()
    limit = min(settings.max_tokens, embedder.max_tokens)
    settings_used = ChunkSettings(**{**settings.to_dict(), "max_tokens": limit})
    say("Chunking…", 0.05)
    passages, sentences = Chunker(count, settings_used).chunk(docs)
    # the words of the article's own text (not its bibliography), for soft word matches
    vocabulary = sorted({w for p in passages if p.kind != "reference"
                         for w in plain_words(f"{p.text} {p.context}")} - STOPWORDS)
    total = len(passages) + len(sentences) + len(vocabulary)

    def enc_progress(base: int):
        return lambda done, n: say(f"Embedding {base + done}/{total}", 0.1 + 0.85 * (base + done) / total)

    vectors = embedder.encode([p.embedding_text() for p in passages], progress=enc_progress(0))
    sent_vectors = embedder.encode([s.text for s in sentences], progress=enc_progress(len(passages)))
    word_vectors = embedder.encode(vocabulary, batch_size=128,
                                   progress=enc_progress(len(passages) + len(sentences)))
    word_vectors = word_vectors.astype("float16").astype("float32")  # as stored: half the bytes
    dim = vectors.shape[1]
    say("Indexing…", 0.96)
    if factory == "Flat":
        dense = faiss.IndexFlatIP(dim)
    else:
        dense = faiss.index_factory(dim, factory, faiss.METRIC_INNER_PRODUCT)
        if not dense.is_trained:
            dense.train(vectors)
    dense.add(vectors)
    lexical = LexicalIndex.build([f"{p.section} {p.text} {p.context}" for p in passages])

    # write: manifest removed first, written last
    (index_dir / MANIFEST).unlink(missing_ok=True)
    atomic_write_text(index_dir / PASSAGES,
                      "".join(json.dumps(_passage_record(p), ensure_ascii=False) + "\n" for p in passages))
    atomic_write_text(index_dir / SENTENCES,
                      "".join(json.dumps(asdict(s), ensure_ascii=False) + "\n" for s in sentences))
    atomic_write_bytes(index_dir / DENSE, faiss.serialize_index(dense).tobytes())
    atomic_write_bytes(index_dir / SENTENCE_VECTORS, _npy_bytes(sent_vectors))
    atomic_write_text(index_dir / WORDS, json.dumps(vocabulary, ensure_ascii=False))
    atomic_write_bytes(index_dir / WORD_VECTORS, _npy_bytes(word_vectors.astype("float16")))
    tmp_bm25 = Path(tempfile.mkdtemp(dir=index_dir, prefix=".bm25."))
    lexical.save(tmp_bm25)
    old = index_dir / BM25_DIR
    if old.exists():
        shutil.rmtree(old)
    os.replace(tmp_bm25, old)
    manifest = {
        **expected_manifest(docs, embedder.name, settings, factory),
        "chunker_effective": settings_used.to_dict(),
        "dimension": int(dim),
        "counts": {"passages": len(passages), "sentences": len(sentences), "words": len(vocabulary)},
        "built": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "build_seconds": round(time.perf_counter() - t0, 2),
        "versions": _versions(),
    }
    atomic_write_text(index_dir / MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    say("Index ready", 1.0)
    return Index(passages, sentences, dense, sent_vectors, lexical, manifest, vocabulary, word_vectors)


def _npy_bytes(a: np.ndarray) -> bytes:
    import io

    b = io.BytesIO()
    np.save(b, a, allow_pickle=False)
    return b.getvalue()


# --------------------------------------------------------------------------- load


def read_manifest(index_dir: Path | str) -> dict | None:
    """The manifest, None when there is no index; IndexCorruptError when it cannot be read."""
    path = Path(index_dir) / MANIFEST
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        return data
    except (ValueError, UnicodeDecodeError) as e:
        raise IndexCorruptError(f"{path} is corrupt ({e}); rebuild the index with `qa index`") from e


def load_index(index_dir: Path | str, docs: list[Document], expected: dict) -> Index:
    """Load and check an index. StaleIndexError if built for something else, IndexCorruptError if
    any file is missing, unreadable or inconsistent."""
    import faiss

    index_dir = Path(index_dir)
    manifest = read_manifest(index_dir)
    if manifest is None:
        raise StaleIndexError(f"no index in {index_dir}; build it with `qa index`")
    reason = stale_reason(manifest, expected)
    if reason:
        raise StaleIndexError(f"{reason}; rebuild it with `qa index`")
    refs = {d.doc_id: d.references for d in docs}
    try:
        passages = []
        with open(index_dir / PASSAGES, encoding="utf-8") as f:
            for line in f:
                r = json.loads(line)
                table = refs[r["doc_id"]]
                r["refs"] = tuple(table[n] for n in r["refs"] if n in table)
                r["section_path"] = tuple(r["section_path"])
                r["sentences"] = tuple(r["sentences"])
                passages.append(Passage(**r))
        sentences = []
        with open(index_dir / SENTENCES, encoding="utf-8") as f:
            for line in f:
                r = json.loads(line)
                r["refs"] = tuple(r["refs"])
                sentences.append(Sentence(**r))
        dense = faiss.deserialize_index(np.frombuffer((index_dir / DENSE).read_bytes(), dtype="uint8"))
        sent_vectors = np.load(index_dir / SENTENCE_VECTORS, allow_pickle=False)
        lexical = LexicalIndex.load(index_dir / BM25_DIR)
        vocabulary = json.loads((index_dir / WORDS).read_text(encoding="utf-8"))
        word_vectors = np.load(index_dir / WORD_VECTORS, allow_pickle=False).astype("float32")
    except (OSError, ValueError, KeyError, TypeError, RuntimeError) as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise IndexCorruptError(
            f"index in {index_dir} is corrupt or half-written ({first[:160]}); rebuild it with `qa index`"
        ) from e
    counts = manifest.get("counts", {})
    dim = manifest.get("dimension")
    if (len(passages) != counts.get("passages") or dense.ntotal != len(passages)
            or len(sentences) != counts.get("sentences") or sent_vectors.shape != (len(sentences), dim)
            or dense.d != dim or not isinstance(vocabulary, list)
            or len(vocabulary) != counts.get("words") or word_vectors.shape != (len(vocabulary), dim)):
        raise IndexCorruptError(
            f"index in {index_dir} is inconsistent (counts do not match its manifest); "
            "rebuild it with `qa index`")
    return Index(passages, sentences, dense, sent_vectors, lexical, manifest, vocabulary, word_vectors)
