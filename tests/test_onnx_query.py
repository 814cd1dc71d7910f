"""The query path without torch: ONNX Runtime query vectors agree with torch's, and a built index is
loaded and searched, and the CLI starts, without importing torch (issue 16)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from qa.embedding import Embedder, OnnxEncoder, model_key, quantize_int8

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ROOT / "eval" / "questions.jsonl"


def _all_questions() -> list[str]:
    """Every question of the review's question set, each turn of a conversation included."""
    out = []
    for line in QUESTIONS.read_text(encoding="utf-8").splitlines():
        if line.strip():
            case = json.loads(line)
            out.extend([case["question"]] if "question" in case else case["turns"])
    return out


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    """The bundled model, its ONNX export made (or found) in the session's cache folder (conftest)."""
    e = Embedder()
    assert e.cache_dir == Path(os.environ["QA_ONNX_CACHE"])
    assert isinstance(e.model, OnnxEncoder)
    return e


def _torch(embedder: Embedder, texts: list[str]) -> np.ndarray:
    return embedder.sentence_transformer.encode(texts, normalize_embeddings=True, convert_to_numpy=True,
                                                show_progress_bar=False)


def test_onnx_query_vectors_agree_with_torch_on_every_question(embedder):
    qs = _all_questions()
    assert len(qs) > 200
    onnx = np.stack([embedder.encode_query(q) for q in qs])  # one at a time, as questions come
    few = embedder.encode_few(qs)  # batched with padding, as question words are
    ref = _torch(embedder, qs)
    assert onnx.dtype == np.float32 and onnx.shape == ref.shape
    assert np.allclose(np.linalg.norm(onnx, axis=1), 1.0, atol=1e-5)
    assert float(np.min(np.sum(onnx * ref, axis=1))) >= 0.999
    assert float(np.min(np.sum(few * ref, axis=1))) >= 0.999


def test_onnx_truncates_and_counts_as_torch(embedder):
    """Past 256 word pieces both truncate alike; token counts (the chunker's) are the tokenizer's."""
    long = " ".join(["trastuzumab resistance in HER2-positive breast cancer"] * 80)
    texts = [long, "HER2", "", "  spaces around  "]
    assert float(np.min(np.sum(embedder.encode_few(texts) * _torch(embedder, texts), axis=1))) >= 0.999
    hf = embedder.sentence_transformer.tokenizer
    count = embedder.count_tokens()
    for t in [long, *_all_questions()[:40]]:
        assert count(t) == len(hf(t, add_special_tokens=True, truncation=False)["input_ids"])
    assert embedder.max_tokens == 256 and embedder.dimension == 384


def test_export_is_cached_under_a_key_of_the_model_files(embedder, tmp_path):
    """Another copy of the model with one file changed gets another key; the same files the same key."""
    folder = embedder.model.folder
    assert (folder / "model.onnx").is_file() and (folder / "meta.json").is_file()
    assert not [p for p in folder.parent.rglob("*") if p.name.startswith(".")]  # no temporaries left
    src = Path(embedder.path)
    copy = tmp_path / "model"
    shutil.copytree(src, copy)
    cache = tmp_path / "cache"
    same = model_key(embedder.name, copy, cache)
    assert same == model_key(embedder.name, src, cache)
    cfg = copy / "config.json"
    cfg.write_text(cfg.read_text(encoding="utf-8").replace("}", ', "note": 1}', 1), encoding="utf-8")
    assert model_key(embedder.name, copy, cache) != same
    assert model_key("another-name", src, cache) != same


def test_int8_is_an_option_close_to_fp32(embedder):
    qs = _all_questions()
    folder = embedder.model.folder
    quantize_int8(folder)
    int8 = OnnxEncoder(folder, int8=True)
    cos = np.sum(int8.encode(qs) * _torch(embedder, qs), axis=1)
    assert float(np.min(cos)) >= 0.98  # close, not the 0.999 of fp32: hence not the default


def test_torch_fallback_when_onnx_is_switched_off(monkeypatch, tmp_path):
    monkeypatch.setenv("QA_ONNX", "0")
    e = Embedder(cache_dir=tmp_path)
    assert e.onnx() is None
    assert e.encode_query("HER2").shape == (384,)
    assert not list(tmp_path.iterdir())


def _fresh(code: str, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, env=env)


@pytest.fixture(scope="module")
def built(tmp_path_factory, embedder):
    """An index of the project's corpus built in this module's temporary folder (ONNX export cached)."""
    import qa

    corpus = tmp_path_factory.mktemp("corpus")
    for f in (ROOT / "corpus").iterdir():
        if f.suffix in (".txt", ".nxml", ".xml"):
            shutil.copy(f, corpus / f.name)
    index = tmp_path_factory.mktemp("index")
    r = qa.Retriever.load(corpus, index)
    assert r.passages
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HF_HUB_OFFLINE": "1",
           "HOME": str(tmp_path_factory.mktemp("home")), "QA_ONNX_CACHE": str(embedder.cache_dir),
           "PYTHONPATH": str(ROOT)}
    return corpus, index, env


HEAVY = "print(sorted(m for m in ('torch', 'sentence_transformers', 'transformers', 'faiss') if m in sys.modules))"


def test_loading_a_built_index_and_searching_imports_no_torch(built):
    corpus, index, env = built
    code = ("import sys\n"
            "from qa.retriever import Retriever\n"
            "r = Retriever.load(sys.argv[1], sys.argv[2], rebuild='never')\n"
            "hits = r.search('What is the maximum tolerated dose of everolimus?', k=3)\n"
            "assert hits and 'everolimus' in ' '.join(h.text for h in hits), hits\n"
            "print(type(r._embedder.model).__name__)\n" + HEAVY)
    res = _fresh(code, str(corpus), str(index), env=env)
    assert res.returncode == 0, res.stderr
    kind, heavy = res.stdout.strip().splitlines()
    assert kind == "OnnxEncoder"
    assert "torch" not in heavy and "sentence_transformers" not in heavy, heavy


def test_cli_ask_imports_no_torch(built):
    corpus, index, env = built
    code = ("import sys\nfrom qa.cli import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            + HEAVY.replace("print(", "print('HEAVY', ", 1))
    res = _fresh(code, "ask", "What is the maximum tolerated dose of everolimus?", "--corpus", str(corpus),
                 "--index", str(index), env=env)
    assert res.returncode == 0, res.stderr
    assert "maximum tolerated dose of everolimus" in res.stdout
    heavy = res.stdout.strip().splitlines()[-1]
    assert heavy.startswith("HEAVY") and "torch" not in heavy, heavy


@pytest.mark.parametrize("argv", [["--help"], ["list", "--corpus", str(ROOT / "corpus")]])
def test_cli_help_and_list_import_neither_torch_nor_faiss(argv, tmp_path):
    code = ("import sys\nsys.argv = ['qa', *sys.argv[1:]]\nfrom qa.cli import main\n"
            "try:\n    main()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('torch', 'faiss', 'sentence_transformers', 'transformers', 'onnxruntime')))")
    env = {"PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1", "HOME": str(tmp_path), "PYTHONPATH": str(ROOT)}
    res = _fresh(code, *argv, env=env)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip().splitlines()[-1] == "[]"
