"""Bad input: a typed exception from the library, a one-line error and non-zero exit from the CLI,
and no lost or half-written files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

import qa
from qa.chat import ChatSession
from qa.cli import app
from qa.corpus import load_corpus

PMC_MIN = ("==== Front\nJ TestJournal of Tests1234-5678Pub 10.1000/xyz1xyz1ReviewsMinimal article "
           "Smith J. 1\u00a9 The Author 2020.Background\nSome background.\n\nbackground\n"
           "==== Body\nintroduction\nA sentence about HER2.\n==== Refs\n")


def _bad_corpus(kind: str, tmp_path: Path) -> Path:
    d = tmp_path / "corpus"
    if kind == "missing folder":
        return d
    d.mkdir()
    if kind == "empty folder":
        pass
    elif kind == "empty txt":
        (d / "empty.txt").write_text("", encoding="utf-8")
    elif kind == "whitespace txt":
        (d / "blank.txt").write_text("  \n\n\t", encoding="utf-8")
    elif kind == "non-UTF-8":
        (d / "latin.txt").write_bytes(b"\xff\xfe\x00H\x00E\x00R\x002 caf\xe9")
    elif kind == "non-PMC":
        (d / "notes.txt").write_text("Just some notes about HER2.\nNothing else.\n", encoding="utf-8")
    elif kind == "a file, not a folder":
        d.rmdir()
        d.write_text(PMC_MIN, encoding="utf-8")
    elif kind == "one good one bad":
        (d / "a-good.txt").write_text(PMC_MIN, encoding="utf-8")
        (d / "b-bad.txt").write_bytes(b"\xff\xfe garbage")
    return d


BAD_CORPORA = ["missing folder", "empty folder", "empty txt", "whitespace txt", "non-UTF-8", "non-PMC",
               "a file, not a folder", "one good one bad"]


def _one_line_error(result) -> str:
    """The CLI's error message. Long messages are currently wrapped by Rich at 80 columns (a bug,
    see test_long_cli_error_is_one_line), so the lines are joined here and checked there."""
    assert result.exit_code != 0, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    err = result.stderr.strip()
    # `qa index` draws its progress bar on stderr first (see test_index_error_without_progress_noise)
    assert err.startswith("qa: error: ") or "\nqa: error: " in err, err
    assert "Traceback" not in result.output
    err = err[err.index("qa: error: "):]
    return " ".join(line.strip() for line in err.splitlines())


def _is_one_line(result) -> bool:
    return len(result.stderr.strip().splitlines()) == 1


def test_short_cli_error_is_one_line(retriever, corpus_dir, index_dir):
    r = CliRunner().invoke(app, ["search", "", "--corpus", str(corpus_dir), "--index", str(index_dir)])
    assert r.exit_code == 2
    assert _is_one_line(r), r.stderr


def test_long_cli_error_is_one_line(tmp_path):
    missing = tmp_path / ("a-rather-long-folder-name-for-the-corpus-" * 3)
    r = CliRunner().invoke(app, ["search", "HER2", "--corpus", str(missing), "--index", str(tmp_path / "i")])
    assert r.exit_code != 0
    assert _is_one_line(r), r.stderr
    r = CliRunner().invoke(app, ["search", "HER2 " * 20_000, "--corpus", str(missing)])
    assert _is_one_line(r), r.stderr


# --------------------------------------------------------------------------- corpus


@pytest.mark.parametrize("kind", BAD_CORPORA)
def test_bad_corpus_library(kind, tmp_path):
    d = _bad_corpus(kind, tmp_path)
    with pytest.raises(qa.CorpusError) as e:
        load_corpus(d)
    assert "\n" not in str(e.value)
    with pytest.raises(qa.CorpusError):
        qa.Retriever.load(corpus_dir=d, index_dir=tmp_path / "index")
    assert not (tmp_path / "index").exists() or not any((tmp_path / "index").iterdir())


def test_bad_file_is_named(tmp_path):
    d = _bad_corpus("one good one bad", tmp_path)
    with pytest.raises(qa.CorpusError) as e:
        load_corpus(d)
    assert "b-bad.txt" in str(e.value) and "UTF-8" in str(e.value)


@pytest.mark.parametrize("kind", BAD_CORPORA)
def test_bad_corpus_cli(kind, tmp_path):
    d = _bad_corpus(kind, tmp_path)
    idx = tmp_path / "index"
    runner = CliRunner()
    for args in (["search", "HER2", "--corpus", str(d), "--index", str(idx)],
                 ["ask", "HER2?", "--corpus", str(d), "--index", str(idx)],
                 ["index", "--corpus", str(d), "--index", str(idx)],
                 ["glossary", "--corpus", str(d)]):
        _one_line_error(runner.invoke(app, args))
    assert not idx.exists() or not any(idx.iterdir())


def test_index_error_without_progress_noise(tmp_path):
    d = _bad_corpus("non-PMC", tmp_path)
    r = CliRunner().invoke(app, ["index", "--corpus", str(d), "--index", str(tmp_path / "i")])
    assert r.exit_code != 0
    assert r.stderr.startswith("qa: error: "), r.stderr


def test_bad_corpus_leaves_existing_index_alone(retriever, index_dir, tmp_path):
    idx = tmp_path / "index"
    shutil.copytree(index_dir, idx)
    before = {str(p): p.read_bytes() for p in idx.rglob("*") if p.is_file()}
    d = _bad_corpus("non-PMC", tmp_path)
    _one_line_error(CliRunner().invoke(app, ["index", "--corpus", str(d), "--index", str(idx)]))
    assert {str(p): p.read_bytes() for p in idx.rglob("*") if p.is_file()} == before


# --------------------------------------------------------------------------- questions and parameters

BAD_QUESTIONS = {"empty": "", "whitespace": "  \n\t ", "100 kB": "HER2 " * 20_000}


@pytest.mark.parametrize("name", list(BAD_QUESTIONS))
def test_bad_question_library(name, retriever):
    q = BAD_QUESTIONS[name]
    with pytest.raises(qa.QuestionError) as e:
        retriever.search(q)
    assert "\n" not in str(e.value)
    session = ChatSession(retriever)
    with pytest.raises(qa.QuestionError):
        session.ask(q)
    assert session.turns == []  # a refused question is not a turn


def test_non_string_question(retriever):
    with pytest.raises(qa.QuestionError):
        retriever.search(None)  # type: ignore[arg-type]


@pytest.mark.parametrize("k", [0, -1, True, 1.5, "3"])
def test_bad_k_library(k, retriever):
    with pytest.raises(qa.QuestionError) as e:
        retriever.search("HER2", k=k)  # type: ignore[arg-type]
    assert "k must be" in str(e.value)


@pytest.mark.parametrize("mode", ["fuzzy", "", "HYBRID", None])
def test_unknown_mode_library(mode, retriever):
    with pytest.raises(qa.QuestionError) as e:
        retriever.search("HER2", mode=mode)  # type: ignore[arg-type]
    assert "hybrid" in str(e.value)
    with pytest.raises(qa.QuestionError):
        ChatSession(retriever, mode=mode).ask("HER2?")  # type: ignore[arg-type]


def test_question_error_is_a_value_error():
    assert issubclass(qa.QuestionError, ValueError)
    for cls in (qa.CorpusError, qa.IndexCorruptError, qa.StaleIndexError, qa.QuestionError):
        assert issubclass(cls, qa.QAError)


@pytest.mark.parametrize("args", [
    ["search", ""], ["search", "   "], ["search", "HER2 " * 20_000],
    ["search", "HER2", "-k", "0"], ["search", "HER2", "-k", "-3"], ["search", "HER2", "--mode", "fuzzy"],
    ["ask", ""], ["ask", "   "], ["ask", "HER2 " * 20_000],
    ["ask", "HER2?", "-k", "0"], ["ask", "HER2?", "--mode", "fuzzy"],
], ids=["search-empty", "search-blank", "search-100kB", "search-k0", "search-k-neg", "search-mode",
        "ask-empty", "ask-blank", "ask-100kB", "ask-k0", "ask-mode"])
def test_bad_question_cli(args, retriever, corpus_dir, index_dir):
    r = CliRunner().invoke(app, [*args, "--corpus", str(corpus_dir), "--index", str(index_dir)])
    _one_line_error(r)
    assert r.stdout == ""


# --------------------------------------------------------------------------- index


def test_corrupt_index_cli(retriever, corpus_dir, index_dir, tmp_path):
    idx = tmp_path / "index"
    shutil.copytree(index_dir, idx)
    gen = idx / json.loads((idx / "manifest.json").read_text(encoding="utf-8"))["generation"]
    data = (gen / "dense.faiss").read_bytes()
    (gen / "dense.faiss").write_bytes(data[: len(data) // 3])
    before = {str(p): p.read_bytes() for p in idx.rglob("*") if p.is_file()}
    for cmd in (["search", "HER2"], ["ask", "HER2?"]):
        err = _one_line_error(CliRunner().invoke(app, [*cmd, "--corpus", str(corpus_dir), "--index", str(idx)]))
        assert "qa index" in err
    assert {str(p): p.read_bytes() for p in idx.rglob("*") if p.is_file()} == before


def test_garbage_manifest_cli(retriever, corpus_dir, index_dir, tmp_path):
    idx = tmp_path / "index"
    shutil.copytree(index_dir, idx)
    (idx / "manifest.json").write_bytes(b"\x00\x01 not json")
    err = _one_line_error(CliRunner().invoke(app, ["search", "HER2", "--corpus", str(corpus_dir),
                                                   "--index", str(idx)]))
    assert "manifest.json" in err and "qa index" in err


def test_index_from_other_model_never_loads(retriever, corpus_dir, index_dir, tmp_path):
    import json

    idx = tmp_path / "index"
    shutil.copytree(index_dir, idx)
    m = json.loads((idx / "manifest.json").read_text(encoding="utf-8"))
    m["model"] = "some-other-model"
    (idx / "manifest.json").write_text(json.dumps(m), encoding="utf-8")
    with pytest.raises(qa.StaleIndexError) as e:
        qa.Retriever.load(corpus_dir=corpus_dir, index_dir=idx, rebuild="never")
    assert "some-other-model" in str(e.value) and "\n" not in str(e.value)


def test_unknown_model_is_a_model_error(corpus_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(qa.ModelError) as e:
        qa.Retriever.load(corpus_dir=corpus_dir, index_dir=tmp_path / "index",
                          model=str(tmp_path / "no-such-model"))
    assert "\n" not in str(e.value)
    assert not (tmp_path / "index" / "manifest.json").exists()
