"""The index on disk: FAISS vectors, BM25, passages and sentences, and a manifest that says how it
was built.

An index folder holds generations. Each build writes a complete generation into a temporary folder
beside the current one (`.gen-….tmp`), renames it to `gen-…`, and only then replaces `manifest.json`
(temporary file + rename), which names the generation and records each of its files' size and
SHA-256. A reader therefore sees the old index or the new one, never a mix; a crash at any point of
the write leaves the old one; loading verifies every checksum. Builds on one folder are serialised
by an exclusive lock (`fcntl.flock` on `.lock`); stale temporaries and old generations are removed
under that lock. Unchanged articles keep their passages and vectors from the previous generation
(incremental build): only new or edited articles are embedded.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, replace
from importlib import metadata
from pathlib import Path

import numpy as np

from qa.chunking import Chunker, ChunkSettings, Passage, Sentence
from qa.corpus import Document
from qa.embedding import Embedder
from qa.errors import IndexCorruptError, StaleIndexError
from qa.lexical import LexicalIndex
from qa.settings import SETTINGS
from qa.text import STOPWORDS, plain_words

FORMAT_VERSION = 12  # 9: "IGF-1R" also "igf1r"; 10: generations with checksums, JATS, several articles; 11: ONNX builds, passage vectors from sentences; 12: Greek letters as their names ("phix174")
MANIFEST = "manifest.json"
PASSAGES = "passages.jsonl"
SENTENCES = "sentences.jsonl"
DENSE = "dense.faiss"
SENTENCE_VECTORS = "sentences.npy"
WORDS = "words.json"
WORD_VECTORS = "words.npy"
BM25_DIR = "bm25"
LOCK = ".lock"
GENERATION_FILES = (PASSAGES, SENTENCES, DENSE, SENTENCE_VECTORS, WORDS, WORD_VECTORS)

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
    report: BuildReport | None = None  # set by a build: what it embedded and what it reused


def _versions() -> dict[str, str]:
    out = {}
    for pkg in ("qa", "sentence-transformers", "faiss-cpu", "bm25s", "torch", "pysbd"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "unknown"
    return out


def corpus_fingerprint(docs: list[Document]) -> list[dict]:
    """What the manifest records of the corpus: each file's name, size and SHA-256, and the SHA-256
    of the text the parser read of it (a new version of qa may read the same file otherwise)."""
    return [{"doc_id": d.doc_id, "file": Path(d.path).name, "sha256": d.sha256,
             "chars": len(d.text), "text_sha256": _text_digest(d)} for d in docs]


def _text_digest(d: Document) -> str:
    return hashlib.sha256(d.text.encode("utf-8", "surrogatepass")).hexdigest()


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
    old_text = {c["file"]: c.get("text_sha256") for c in manifest.get("corpus", [])}
    reread = sorted(c["file"] for c in expected["corpus"] if old_text.get(c["file"]) != c["text_sha256"])
    if reread:
        return f"this version of qa reads {', '.join(reread)} differently from the one that built the index"
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
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600 files; honour the umask like open()
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


@dataclass(frozen=True)
class BuildReport:
    """What a build did: articles added, changed, removed and kept (their vectors reused)."""

    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    embedded_texts: int = 0

    def summary(self) -> str:
        return (f"{len(self.added)} added, {len(self.changed)} changed, {len(self.removed)} removed; "
                f"{len(self.unchanged)} unchanged")


@contextlib.contextmanager
def build_lock(index_dir: Path, say: Progress | None = None) -> Iterator[None]:
    """Hold the folder's exclusive build lock; a second builder waits (saying so) until the first ends."""
    index_dir.mkdir(parents=True, exist_ok=True)
    path = index_dir / LOCK
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as e:
        raise IndexCorruptError(f"cannot write the index folder {index_dir} ({e.strerror}); "
                                "choose another with --index") from e
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if say:
                say("Waiting for another build of this index to finish…", 0.0)
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def check_writable(index_dir: Path) -> None:
    """IndexCorruptError at once (before any embedding) when the index folder cannot be written."""
    if index_dir.exists() and not index_dir.is_dir():
        raise IndexCorruptError(f"index path {index_dir} is a file, not a folder; choose another with --index")
    probe_dir = index_dir if index_dir.exists() else next((p for p in index_dir.parents if p.exists()), Path("."))
    if not os.access(probe_dir, os.W_OK | os.X_OK):
        raise IndexCorruptError(f"cannot write the index folder {index_dir} (permission denied); "
                                "choose another with --index or fix its permissions")


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _generation_files(gen: Path) -> list[Path]:
    files = [gen / name for name in GENERATION_FILES]
    files += sorted(p for p in (gen / BM25_DIR).rglob("*") if p.is_file())
    return files


def _reusable(previous: "Index | None", model_name: str, settings_used: ChunkSettings,
              backend: str) -> dict[str, str]:
    """doc_id -> text SHA-256 of the articles whose passages and vectors the previous index can give
    (built with the same model, chunker and encoder)."""
    if previous is None:
        return {}
    m = previous.manifest
    if (m.get("format") != FORMAT_VERSION or m.get("model") != model_name
            or m.get("chunker_effective") != settings_used.to_dict()
            or m.get("encoder", "torch") != backend
            or m.get("passage_vectors", "encoded") != SETTINGS.index.passage_vectors):
        return {}
    return {c["doc_id"]: c.get("text_sha256", "") for c in m.get("corpus", [])}


def build_index(docs: list[Document], embedder: Embedder, index_dir: Path | str,
                settings: ChunkSettings | None = None, factory: str = "Flat",
                progress: Progress | None = None, previous: "Index | None" = None) -> Index:
    """Chunk, embed and index the documents; write the index to `index_dir` as a new generation.

    Articles whose text is unchanged since `previous` (same id, SHA-256, model and chunker) keep
    their passages and vectors; only the others are embedded. The result's `report` says which.
    """
    import faiss

    from qa.faiss_factory import validate_factory

    settings = settings or ChunkSettings()
    index_dir = Path(index_dir)
    check_writable(index_dir)
    say = progress or (lambda msg, frac: None)
    t0 = time.perf_counter()
    validate_factory(factory, None)
    say("Loading model…", 0.0)
    limit = min(settings.max_tokens, embedder.max_tokens)
    settings_used = ChunkSettings(**{**settings.to_dict(), "max_tokens": limit})
    backend = embedder.document_backend(SETTINGS.index.encoder)
    reusable = _reusable(previous, embedder.name, settings_used, backend)
    keep = [d for d in docs if reusable.get(d.doc_id) == _text_digest(d)]
    kept_ids = {d.doc_id for d in keep}
    fresh = [d for d in docs if d.doc_id not in kept_ids]
    old_ids = set(reusable)
    report = BuildReport(
        added=tuple(d.doc_id for d in fresh if d.doc_id not in old_ids),
        changed=tuple(d.doc_id for d in fresh if d.doc_id in old_ids),
        removed=tuple(sorted(old_ids - {d.doc_id for d in docs})),
        unchanged=tuple(d.doc_id for d in keep))
    if previous is not None and reusable:
        say(f"Updating index: {report.summary()}", 0.02)
    say("Chunking…", 0.05)
    new_passages, new_sentences = (Chunker(embedder.count_tokens(), settings_used).chunk(fresh)
                                   if fresh else ([], []))
    # assemble in corpus order: each article's passages and sentences, old or new
    passages: list[Passage] = []
    sentences: list[Sentence] = []
    p_rows: list[tuple[str, int]] = []  # ("old"|"new", row) of each passage vector
    s_rows: list[tuple[str, int]] = []
    new_by_doc: dict[str, list[int]] = {}
    for i, p in enumerate(new_passages):
        new_by_doc.setdefault(p.doc_id, []).append(i)
    old_by_doc: dict[str, list[int]] = {}
    if previous is not None:
        for i, p in enumerate(previous.passages):
            if p.doc_id in kept_ids:
                old_by_doc.setdefault(p.doc_id, []).append(i)
    for d in docs:
        source, table, rows, sent_table = (("old", previous.passages, old_by_doc.get(d.doc_id, []),
                                            previous.sentences) if d.doc_id in kept_ids and previous else
                                           ("new", new_passages, new_by_doc.get(d.doc_id, []), new_sentences))
        remap: dict[int, int] = {}
        for r in rows:
            p = table[r]
            ids = []
            for sid in p.sentences:
                if sid not in remap:
                    remap[sid] = len(sentences)
                    sentences.append(sent_table[sid])
                    s_rows.append((source, sid))
                ids.append(remap[sid])
            passages.append(replace(p, sentences=tuple(ids)))
            p_rows.append((source, r))
    # the words of the articles' own text (not their bibliographies), for soft word matches
    vocabulary = sorted({w for p in passages if p.kind != "reference"
                         for w in plain_words(f"{p.text} {p.context}")} - STOPWORDS)
    old_words = {w: i for i, w in enumerate(previous.words)} if previous is not None and reusable else {}
    new_words = [w for w in vocabulary if w not in old_words]
    total = len(new_passages) + len(new_sentences) + len(new_words)

    def enc_progress(base: int):
        return lambda done, n: say(f"Embedding {base + done}/{total}", 0.1 + 0.85 * (base + done) / max(total, 1))

    dim_probe = embedder.dimension if (new_passages or new_words) else previous.sentence_vectors.shape[1]

    def encode(texts: list[str], base: int, batch: int) -> np.ndarray:
        if not texts:
            return np.zeros((0, dim_probe), dtype="float32")
        return embedder.encode_documents(texts, backend, batch_size=batch, progress=enc_progress(base))

    batch = SETTINGS.index.batch_size
    if SETTINGS.index.passage_vectors == "sentences":
        sent_new = encode([s.text for s in new_sentences], 0, batch)
        vec_new = _passages_from_sentences(new_passages, new_sentences, sent_new, embedder.count_tokens(),
                                           lambda texts: encode(texts, len(new_sentences), batch))
    else:
        vec_new = encode([p.embedding_text() for p in new_passages], 0, batch)
        sent_new = encode([s.text for s in new_sentences], len(new_passages), batch)
    word_new = encode(new_words, len(new_passages) + len(new_sentences), 128)
    word_new = word_new.astype("float16").astype("float32")  # as stored: half the bytes
    old_vectors = _old_passage_vectors(previous) if previous is not None and keep else None
    dim = dim_probe
    vectors = np.zeros((len(passages), dim), dtype="float32")
    for i, (src, r) in enumerate(p_rows):
        vectors[i] = vec_new[r] if src == "new" else old_vectors[r]
    sent_vectors = np.zeros((len(sentences), dim), dtype="float32")
    for i, (src, r) in enumerate(s_rows):
        sent_vectors[i] = sent_new[r] if src == "new" else previous.sentence_vectors[r]
    new_word_ids = {w: i for i, w in enumerate(new_words)}
    word_vectors = np.zeros((len(vocabulary), dim), dtype="float32")
    for i, w in enumerate(vocabulary):
        word_vectors[i] = word_new[new_word_ids[w]] if w in new_word_ids else previous.word_vectors[old_words[w]]
    say("Indexing…", 0.96)
    validate_factory(factory, len(passages))
    if factory == "Flat":
        dense = faiss.IndexFlatIP(dim)
    else:
        dense = faiss.index_factory(dim, factory, faiss.METRIC_INNER_PRODUCT)
        if not dense.is_trained:
            dense.train(vectors)
    dense.add(vectors)
    lexical = LexicalIndex.build([f"{p.section} {p.text} {p.context}" for p in passages])
    manifest = {
        **expected_manifest(docs, embedder.name, settings, factory),
        "chunker_effective": settings_used.to_dict(),
        "encoder": backend,
        "passage_vectors": SETTINGS.index.passage_vectors,
        "dimension": int(dim),
        "counts": {"passages": len(passages), "sentences": len(sentences), "words": len(vocabulary),
                   "articles": len(docs)},
        "built": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "build_seconds": round(time.perf_counter() - t0, 2),
        "last_build": {"added": list(report.added), "changed": list(report.changed),
                       "removed": list(report.removed), "unchanged": list(report.unchanged),
                       "embedded_texts": total},
        "versions": _versions(),
    }
    report = replace(report, embedded_texts=total)
    with build_lock(index_dir, say):
        manifest = _write_generation(index_dir, manifest, passages, sentences, dense, vectors,
                                     sent_vectors, vocabulary, word_vectors, lexical)
    say("Index ready", 1.0)
    return Index(passages, sentences, dense, sent_vectors, lexical, manifest, vocabulary, word_vectors,
                 report=report)


def _passages_from_sentences(passages: list[Passage], sentences: list[Sentence], sent_vectors: np.ndarray,
                             count: Callable[[str], int], encode: Callable[[list[str]], np.ndarray]) -> np.ndarray:
    """Passage vectors composed from their sentences' vectors instead of encoding each passage: the
    token-weighted mean of the heading's vector ("Methods: ") and its sentences' vectors, normalised
    (mean pooling over the passage's tokens, without attention across sentences). A passage whose
    embedded text is not its heading plus its sentences (a table row embeds its caption) is encoded."""
    out = np.zeros((len(passages), sent_vectors.shape[1]), dtype="float32")
    direct: list[int] = []
    prefix_of: dict[int, str] = {}
    for i, p in enumerate(passages):
        text = p.embedding_text()
        parts = [sentences[j].text for j in p.sentences]
        if (p.sentences and text.endswith(p.text) and all(t in p.text for t in parts)
                and sum(map(len, parts)) >= 0.9 * len(p.text)):
            # a bibliography entry's context is only its number ("Reference 12. "): its heading will do,
            # so a few hundred entries share one heading vector instead of one encoding each
            head = text[:len(text) - len(p.text)]
            prefix_of[i] = head.split(": ", 1)[0] + ": " if p.kind == "reference" and ": " in head else head
        else:
            direct.append(i)
    prefixes = sorted(set(prefix_of.values()))
    texts = [passages[i].embedding_text() for i in direct] + prefixes
    encoded = encode(texts) if texts else np.zeros((0, sent_vectors.shape[1]), dtype="float32")
    for n, i in enumerate(direct):
        out[i] = encoded[n]
    head_vec = {t: encoded[len(direct) + n] for n, t in enumerate(prefixes)}
    specials = count("")
    sizes: dict[int, int] = {}
    for i, head in prefix_of.items():
        p = passages[i]
        for j in p.sentences:
            if j not in sizes:
                sizes[j] = max(count(sentences[j].text) - specials, 1)
        v = head_vec[head] * max(count(head) - specials, 1)
        for j in p.sentences:
            v = v + sent_vectors[j] * sizes[j]
        out[i] = v / max(float(np.linalg.norm(v)), 1e-12)
    return out


def _old_passage_vectors(previous: Index) -> np.ndarray:
    """The previous generation's passage vectors (a flat FAISS index gives them back exactly)."""
    return previous.dense.reconstruct_n(0, previous.dense.ntotal)


# Fault injection for tests: QA_FAIL_AT=<step> raises at that step of the write phase.
def _fault(step: str) -> None:
    if os.environ.get("QA_FAIL_AT") == step:
        raise OSError(f"injected failure at {step}")


def _write_generation(index_dir: Path, manifest: dict, passages, sentences, dense, vectors,
                      sent_vectors, vocabulary, word_vectors, lexical) -> dict:
    """Write a complete generation beside the current one, then swap the manifest. Under the lock."""
    import faiss

    _clean_stale(index_dir)
    tmp = Path(tempfile.mkdtemp(dir=index_dir, prefix=".gen-", suffix=".tmp"))
    try:
        _fault("start")
        (tmp / PASSAGES).write_text("".join(json.dumps(_passage_record(p), ensure_ascii=False) + "\n"
                                            for p in passages), encoding="utf-8")
        (tmp / SENTENCES).write_text("".join(json.dumps(asdict(s), ensure_ascii=False) + "\n"
                                             for s in sentences), encoding="utf-8")
        _fault("passages")
        (tmp / DENSE).write_bytes(faiss.serialize_index(dense).tobytes())
        (tmp / SENTENCE_VECTORS).write_bytes(_npy_bytes(sent_vectors))
        _fault("vectors")
        (tmp / WORDS).write_text(json.dumps(vocabulary, ensure_ascii=False), encoding="utf-8")
        (tmp / WORD_VECTORS).write_bytes(_npy_bytes(word_vectors.astype("float16")))
        lexical.save(tmp / BM25_DIR)
        _fault("bm25")
        mode = 0o666 & ~_umask()
        files = {}
        for f in _generation_files(tmp):
            with open(f, "rb+") as fh:
                os.fsync(fh.fileno())
            os.chmod(f, mode)
            files[str(f.relative_to(tmp))] = {"size": f.stat().st_size, "sha256": _sha256(f)}
        for d in [tmp / BM25_DIR, tmp]:
            os.chmod(d, 0o777 & ~_umask())
        name = f"gen-{time.strftime('%Y%m%d%H%M%S')}-{os.getpid()}-{os.urandom(2).hex()}"
        final = index_dir / name
        os.replace(tmp, final)
        _fault("renamed")
        manifest = {**manifest, "generation": name, "files": files}
        atomic_write_text(index_dir / MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
        _fault("manifest")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _clean_stale(index_dir, keep={name})
    return manifest


def _clean_stale(index_dir: Path, keep: set[str] | None = None) -> None:
    """Remove temporaries of crashed builds, files of the old single-generation layout, and
    generations the manifest no longer names (the previous one is kept for readers still on it)."""
    for p in index_dir.glob(".gen-*.tmp"):
        shutil.rmtree(p, ignore_errors=True)
    for p in index_dir.glob(".*.tmp"):
        with contextlib.suppress(OSError):
            p.unlink()
    for p in index_dir.glob(".bm25.*"):
        shutil.rmtree(p, ignore_errors=True)
    if keep is None:
        return
    for name in GENERATION_FILES:  # the layout before generations
        with contextlib.suppress(OSError):
            (index_dir / name).unlink()
    if (index_dir / BM25_DIR).is_dir():
        shutil.rmtree(index_dir / BM25_DIR, ignore_errors=True)
    gens = sorted((p for p in index_dir.glob("gen-*") if p.is_dir()), key=lambda p: p.stat().st_mtime)
    olds = [g for g in gens if g.name not in keep]
    for g in olds[:-1]:  # keep the newest old one: a reader may be loading it right now
        shutil.rmtree(g, ignore_errors=True)


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


def load_index(index_dir: Path | str, docs: list[Document], expected: dict, *,
               check_stale: bool = True) -> Index:
    """Load and check an index. StaleIndexError if built for something else, IndexCorruptError if
    any file is missing, unreadable, fails its checksum or is inconsistent.

    With `check_stale=False` an index built for another corpus is loaded anyway (for an incremental
    rebuild, which reuses the vectors of its unchanged articles)."""
    import faiss

    index_dir = Path(index_dir)
    if index_dir.exists() and not index_dir.is_dir():
        raise IndexCorruptError(f"index path {index_dir} is a file, not a folder; choose another with --index")
    manifest = read_manifest(index_dir)
    if manifest is None:
        raise StaleIndexError(f"no index in {index_dir}; build it with `qa index`")
    if check_stale:
        reason = stale_reason(manifest, expected)
        if reason:
            raise StaleIndexError(f"{reason}; rebuild it with `qa index`")
    elif manifest.get("format") != FORMAT_VERSION:
        raise StaleIndexError(f"index format {manifest.get('format')} is not the current {FORMAT_VERSION}")
    gen_name = manifest.get("generation")
    if not isinstance(gen_name, str) or "/" in gen_name or not gen_name.startswith("gen-"):
        raise IndexCorruptError(f"{index_dir / MANIFEST} names no generation; rebuild the index with `qa index`")
    gen = index_dir / gen_name
    files = manifest.get("files")
    if not isinstance(files, dict) or not files:
        raise IndexCorruptError(f"{index_dir / MANIFEST} lists no files; rebuild the index with `qa index`")
    for rel, meta in files.items():
        f = gen / rel
        try:
            size = f.stat().st_size
        except OSError:
            raise IndexCorruptError(f"index in {index_dir} is missing {gen_name}/{rel}; rebuild it with `qa index`") from None
        if not isinstance(meta, dict) or size != meta.get("size") or _sha256(f) != meta.get("sha256"):
            raise IndexCorruptError(f"index file {gen_name}/{rel} in {index_dir} fails its checksum "
                                    "(changed or damaged since it was built); rebuild it with `qa index`")
    present = {str(p.relative_to(gen)) for p in _generation_files(gen) if p.exists()}
    if present != set(files):
        raise IndexCorruptError(f"index in {index_dir} holds files its manifest does not list "
                                "(mixed from another build); rebuild it with `qa index`")
    refs = {d.doc_id: d.references for d in docs}
    try:
        passages = []
        with open(gen / PASSAGES, encoding="utf-8") as f:
            for line in f:
                r = json.loads(line)
                table = refs.get(r["doc_id"], {})
                r["refs"] = tuple(table[n] for n in r["refs"] if n in table)
                r["section_path"] = tuple(r["section_path"])
                r["sentences"] = tuple(r["sentences"])
                passages.append(Passage(**r))
        sentences = []
        with open(gen / SENTENCES, encoding="utf-8") as f:
            for line in f:
                r = json.loads(line)
                r["refs"] = tuple(r["refs"])
                sentences.append(Sentence(**r))
        dense = faiss.deserialize_index(np.frombuffer((gen / DENSE).read_bytes(), dtype="uint8"))
        sent_vectors = np.load(gen / SENTENCE_VECTORS, allow_pickle=False)
        lexical = LexicalIndex.load(gen / BM25_DIR)
        vocabulary = json.loads((gen / WORDS).read_text(encoding="utf-8"))
        word_vectors = np.load(gen / WORD_VECTORS, allow_pickle=False).astype("float32")
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
            or len(vocabulary) != counts.get("words") or word_vectors.shape != (len(vocabulary), dim)
            or lexical.size != len(passages)):
        raise IndexCorruptError(
            f"index in {index_dir} is inconsistent (counts do not match its manifest); "
            "rebuild it with `qa index`")
    return Index(passages, sentences, dense, sent_vectors, lexical, manifest, vocabulary, word_vectors)
