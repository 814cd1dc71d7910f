"""Issue 15, the parts without a new index writer: one-line errors where tracebacks were (undecodable
questions, unwritable report paths, FAISS factories, usage errors), terminal safety, question-set
checks before any model loads, and `qa index` log lines when stderr is not a terminal."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import qa
from qa import evaluation as ev
from qa.cli import app
from qa.faiss_factory import existing_factory, training_vectors_needed, validate_factory
from qa.progress import LogLines, duration
from qa.text import printable, undecodable

ROOT = Path(__file__).resolve().parent.parent
ESC_TITLE = "\x1b]0;owned\x07"  # retitles the terminal window
ESC_CLEAR = "\x1b[2J"  # clears the screen


def _error_line(result) -> str:
    """The CLI's one-line error: exit 2, one line on stderr, no traceback."""
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("qa: error: "), lines[0]
    assert "Traceback" not in result.output
    return lines[0]


# --------------------------------------------------------------------------- undecodable questions

SURROGATES = {"byte from the shell": "caf\udce9", "lone surrogate": "\ud800 what is HER2?"}


def test_undecodable_names_the_byte_or_the_surrogate():
    assert undecodable("What is HER2? café") is None
    assert "0xe9" in undecodable("caf\udce9") and "character 4" in undecodable("caf\udce9")
    assert "U+D800" in undecodable("\ud800")


@pytest.mark.parametrize("name", list(SURROGATES))
def test_undecodable_question_library(name, retriever, session):
    for call in (lambda q: qa.check_question(q), lambda q: retriever.search(q), session.ask):
        with pytest.raises(qa.QuestionError) as e:
            call(SURROGATES[name])
        assert "\n" not in str(e.value) and "cannot be read" in str(e.value)


@pytest.mark.parametrize("command", ["ask", "search"])
def test_undecodable_question_cli(command, retriever, corpus_dir, index_dir):
    r = CliRunner().invoke(app, [command, "caf\udce9", "--corpus", str(corpus_dir), "--index", str(index_dir)])
    line = _error_line(r)
    assert "byte 0xe9" in line and "not UTF-8" in line


def test_non_utf8_byte_from_a_real_shell(retriever, corpus_dir, index_dir):
    """`qa ask $'caf\\xe9'` in a real process: argv holds the raw byte."""
    qa_cmd = [sys.executable, "-c", "from qa.cli import main; main()"]
    p = subprocess.run([*qa_cmd, "ask", b"caf\xe9", "--corpus", str(corpus_dir), "--index", str(index_dir)],
                       capture_output=True, timeout=120, cwd=ROOT)
    err = p.stderr.decode("utf-8", "replace").strip()
    assert p.returncode == 2, err
    assert err.splitlines() == [err] and "byte 0xe9" in err


def test_undecodable_question_from_stdin(retriever, corpus_dir, index_dir):
    r = CliRunner().invoke(app, ["ask", "-", "--corpus", str(corpus_dir), "--index", str(index_dir)],
                           input=b"caf\xe9?\n")
    assert "byte 0xe9" in _error_line(r)


# --------------------------------------------------------------------------- report paths


@pytest.fixture()
def one_case(tmp_path) -> Path:
    line = json.dumps({"id": "f1", "question": "What is the maximum tolerated dose of everolimus?",
                       "evidence": ["maximum tolerated dose of everolimus"], "answer": ["10 mg/day"],
                       "kind": "fact"})
    path = tmp_path / "set.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("option", ["--json", "--markdown"])
def test_unwritable_report_path_fails_before_the_evaluation(option, one_case, tmp_path):
    """Nothing is loaded: the index folder given does not even exist, and is not created."""
    index = tmp_path / "no-index"
    for target, message in ((tmp_path, "is a folder"),
                            (tmp_path / "missing" / "r.out", "does not exist"),
                            (one_case / "r.out", "is not a folder")):
        r = CliRunner().invoke(app, ["eval", str(one_case), option, str(target), "--corpus",
                                     str(tmp_path / "no-corpus"), "--index", str(index)])
        line = _error_line(r)
        assert line.startswith(f"qa: error: {option} {target}: ") and message in line, line
        assert not index.exists()


@pytest.mark.skipif(os.geteuid() == 0,
                    reason="root may write into a read-only folder")
def test_read_only_report_folder(one_case, tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        r = CliRunner().invoke(app, ["eval", str(one_case), "--json", str(ro / "r.json"),
                                     "--index", str(tmp_path / "no-index")])
        assert "cannot write in" in _error_line(r)
    finally:
        ro.chmod(0o700)


def test_check_output_accepts_a_new_file_and_leaves_nothing(tmp_path):
    ev.check_output(tmp_path / "r.json", "--json")
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- FAISS factories


def test_factory_strings():
    assert training_vectors_needed("Flat") == 0 and training_vectors_needed("HNSW32") == 0
    assert training_vectors_needed("IVF64,Flat") == 64
    assert training_vectors_needed("PQ8") == 256  # 2**8 centroids per sub-quantizer
    assert validate_factory("IVF4,Flat", 208) == "IVF4,Flat"
    for bad in ("bogus", "", "PQ7", "LSH"):  # PQ7: 384 is no multiple of 7; LSH: no inner product
        with pytest.raises(qa.FactoryError) as e:
            validate_factory(bad)
        assert "\n" not in str(e.value)
    with pytest.raises(qa.FactoryError, match="needs at least 4096 training vectors.*208 passages"):
        validate_factory("IVF4096,Flat", 208)


def test_existing_factory(tmp_path, index_dir, retriever):
    assert existing_factory(tmp_path / "none") == "Flat"
    assert existing_factory(index_dir) == "Flat"
    (tmp_path / "manifest.json").write_text('{"faiss_factory": "HNSW32"}', encoding="utf-8")
    assert existing_factory(tmp_path) == "HNSW32"
    (tmp_path / "manifest.json").write_text("garbage", encoding="utf-8")
    assert existing_factory(tmp_path) == "Flat"  # the load that follows reports the corrupt manifest


def test_bogus_factory_fails_at_once(corpus_dir, tmp_path):
    idx = tmp_path / "index"
    line = _error_line(CliRunner().invoke(app, ["index", "--factory", "bogus", "--corpus", str(corpus_dir),
                                                "--index", str(idx)]))
    assert "FAISS factory 'bogus'" in line and "could not parse" in line
    assert not idx.exists()


def test_ivf_needing_more_vectors_than_passages_fails_before_embedding(corpus_dir, tmp_path, retriever):
    idx = tmp_path / "index"
    r = CliRunner().invoke(app, ["index", "--factory", "IVF4096,Flat", "--corpus", str(corpus_dir),
                                 "--index", str(idx)])
    line = _error_line(r)
    assert f"needs at least 4096 training vectors, but the corpus has {len(retriever.passages)} passages" in line
    assert "Embedding" not in r.stderr and not idx.exists()


# --------------------------------------------------------------------------- usage errors

USAGE = {"-k abc": ["search", "HER2", "-k", "abc"], "unknown option": ["ask", "HER2?", "--bogus"],
         "missing argument": ["eval"], "unknown top-level option": ["--bogus"],
         "bad flag value": ["index", "--factory"]}


@pytest.mark.parametrize("name", list(USAGE))
def test_usage_errors_are_one_line(name, tmp_path):
    r = CliRunner().invoke(app, [*USAGE[name]])
    line = _error_line(r)
    assert "--help`)" in line and "Usage:" not in r.stderr


# --------------------------------------------------------------------------- terminal safety


def test_printable_strips_escapes_and_controls():
    s = f"a{ESC_TITLE}b{ESC_CLEAR}c\x9b31md\re\tf\ng\x00h\x7f\x85i\x1bc \udce9 “ü” 10\u00a0mg"
    assert printable(s) == "abcde\tf\nghi \ufffd “ü” 10\u00a0mg"
    assert printable("\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\") == "link"  # OSC 8 hyperlink
    assert printable("plain text [71]") == "plain text [71]"


@pytest.fixture(scope="module")
def escape_corpus(tmp_path_factory) -> Path:
    """The real article with escape sequences in a paragraph and in a heading."""
    text = (ROOT / "corpus" / "her2-review.txt").read_text(encoding="utf-8")
    text = text.replace("In another phase I study, the combination",
                        f"In another phase I study{ESC_TITLE}{ESC_CLEAR}, the combination", 1)
    text = text.replace("\nsupporting clinical data\n", "\nsupporting \x1b[31mclinical\x1b[0m data\n", 1)
    d = tmp_path_factory.mktemp("escape-corpus")
    (d / "her2-review.txt").write_text(text, encoding="utf-8")
    return d


@pytest.fixture(scope="module")
def hnsw_index(escape_corpus, tmp_path_factory):
    """`qa index --factory HNSW32` of the escape corpus, run as under nohup (stderr not a terminal)."""
    idx = tmp_path_factory.mktemp("hnsw-index")
    r = CliRunner().invoke(app, ["index", "--factory", "HNSW32", "--corpus", str(escape_corpus),
                                 "--index", str(idx)])
    assert r.exit_code == 0, r.output
    return idx, r.stderr


def test_escape_sequences_from_the_article_are_not_printed(escape_corpus, hnsw_index):
    idx, _ = hnsw_index
    r = CliRunner().invoke(app, ["search", "everolimus with trastuzumab and vinorelbine", "-k", "3",
                                 "--corpus", str(escape_corpus), "--index", str(idx)])
    assert r.exit_code == 0, r.output
    assert "In another phase I study, the combination" in r.stdout  # the text, without its escapes
    assert "\x1b" not in r.output and "\x07" not in r.output
    r = CliRunner().invoke(app, ["ask", "What dose of everolimus with trastuzumab and vinorelbine was optimal?",
                                 "--corpus", str(escape_corpus), "--index", str(idx)])
    assert r.exit_code == 0, r.output
    assert "supporting clinical data" in r.stdout and "\x1b" not in r.output
    r = CliRunner().invoke(app, ["search", "everolimus with trastuzumab and vinorelbine", "--json",
                                 "--corpus", str(escape_corpus), "--index", str(idx)])
    assert "\x1b" not in r.stdout  # JSON escapes them as \u001b, keeping the text exact
    assert any(ESC_TITLE in p["text"] for p in json.loads(r.stdout)["passages"])


def test_escape_sequences_in_a_file_name_are_not_printed(tmp_path):
    d = tmp_path / "corpus"
    d.mkdir()
    (d / f"{ESC_TITLE}{ESC_CLEAR}bad.txt").write_bytes(b"\xff\xfe not UTF-8")
    r = CliRunner().invoke(app, ["glossary", "--corpus", str(d)])
    line = _error_line(r)
    assert "bad.txt" in line and "\x1b" not in r.stderr and "\x07" not in r.stderr


def test_escape_sequences_in_a_question_set_are_not_printed(tmp_path, corpus_dir):
    bad = tmp_path / f"set{ESC_CLEAR}.jsonl"
    bad.write_text(json.dumps({**_case(), "id": "x\x1b[2J", "kind": "nonsense"}) + "\n", encoding="utf-8")
    r = CliRunner().invoke(app, ["eval", str(bad), "--corpus", str(corpus_dir)])
    assert "set.jsonl:1" in _error_line(r) and "\x1b" not in r.stderr


# --------------------------------------------------------------------------- HNSW32 is usable


def test_hnsw_factory_is_recorded_and_kept(escape_corpus, hnsw_index):
    idx, _ = hnsw_index
    manifest = json.loads((idx / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["faiss_factory"] == "HNSW32"
    gen = idx / manifest["generation"]
    before = (gen / "dense.faiss").read_bytes()
    for args in (["search", "HER2", "-k", "2"], ["ask", "What is lapatinib?"], ["index", "--if-stale"]):
        r = CliRunner().invoke(app, [*args, "--corpus", str(escape_corpus), "--index", str(idx)])
        assert r.exit_code == 0, r.output
        assert "Rebuilding" not in r.stderr and "FAISS index type changed" not in r.stderr, r.stderr
    assert "index loaded" in r.stderr and "FAISS HNSW32" in r.stderr
    assert json.loads((idx / "manifest.json").read_text(encoding="utf-8"))["generation"] == gen.name
    assert (gen / "dense.faiss").read_bytes() == before


# --------------------------------------------------------------------------- progress log lines


class _Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class _Lines:
    def __init__(self):
        self.lines: list[str] = []

    def print(self, text, **kwargs):
        self.lines.append(text)


def test_log_lines_every_interval_with_count_rate_and_time_left():
    clock, console = _Clock(), _Lines()
    log = LogLines(console, interval=5.0, clock=clock)
    log("Chunking…", 0.05)
    log("Embedding 0/1000", 0.10)
    for done in range(50, 1001, 50):  # 50 vectors a second
        clock.now += 1.0
        log(f"Embedding {done}/1000", 0.1 + 0.85 * done / 1000)
    log("Indexing…", 0.96)
    assert console.lines[:2] == ["qa: Chunking… (5%)", "qa: Embedding 0/1000 (10%)"]
    timed = console.lines[2:-1]
    assert timed[0] == "qa: Embedding 250/1000 (31%), 50/s, about 15 s left"
    assert len(timed) == 4 and timed[-1].startswith("qa: Embedding 1000/1000")
    assert console.lines[-1] == "qa: Indexing… (96%)"


def test_duration():
    assert [duration(s) for s in (0.4, 59, 61, 3725)] == ["0 s", "59 s", "1 min 01 s", "1 h 02 min"]


def test_index_logs_progress_when_stderr_is_not_a_terminal(hnsw_index):
    _, stderr = hnsw_index
    lines = stderr.splitlines()
    assert "qa: Chunking… (5%)" in lines
    assert any(line.startswith("qa: Embedding ") and "/" in line for line in lines), stderr
    assert lines[-1].startswith("qa: index rebuilt on request: ") and "FAISS HNSW32" in lines[-1]
    assert not any("━" in line for line in lines)  # no progress bar drawn into a file


# --------------------------------------------------------------------------- question sets


def _case(**fields) -> dict:
    return {"id": "c1", "question": "What is the maximum tolerated dose of everolimus?",
            "evidence": ["maximum tolerated dose"], "answer": ["10 mg/day"], "kind": "fact", **fields}


def _write(tmp_path: Path, *records: dict) -> Path:
    path = tmp_path / "set.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_unknown_field_is_rejected_with_file_and_line(tmp_path):
    path = _write(tmp_path, _case(), _case(id="c2", sectoin="introduction"))
    with pytest.raises(qa.QuestionSetError) as e:
        ev.load_question_set(path)
    assert str(e.value).startswith(f"{path}:2: c2: unknown key 'sectoin'")


def test_article_field(tmp_path, document):
    path = _write(tmp_path, _case(article=document.doc_id), _case(id="c2"))
    cases = ev.load_question_set(path)
    assert [c.article for c in cases] == [document.doc_id, None]
    ev.locate_evidence(cases, [document])
    with pytest.raises(qa.QuestionSetError, match=":1: c1: 'article' must be a non-empty string"):
        ev.load_question_set(_write(tmp_path, _case(article=7)))
    cases = ev.load_question_set(_write(tmp_path, _case(article="no-such-article")))
    with pytest.raises(qa.QuestionSetError, match="no article 'no-such-article' in the corpus"):
        ev.locate_evidence(cases, [document])


@pytest.mark.parametrize("question, message", [("HER2?" * 450, "the limit is 2000"),
                                               ("caf\udce9?", "byte 0xe9"), ("\ud800?", "U+D800")])
def test_bad_question_in_a_set_is_named_with_file_line_and_id(tmp_path, question, message):
    path = tmp_path / "set.jsonl"
    path.write_text(json.dumps(_case()) + "\n" + json.dumps(_case(id="c2", question=question)) + "\n",
                    encoding="utf-8")
    with pytest.raises(qa.QuestionSetError) as e:
        ev.load_question_set(path)
    assert str(e.value).startswith(f"{path}:2: c2: ") and message in str(e.value)
    turns = _case(id="c3", turns=["What is everolimus?", question], kind="followup")
    del turns["question"]
    with pytest.raises(qa.QuestionSetError, match=":1: c3: "):
        ev.load_question_set(_write(tmp_path, turns))


def test_bad_set_fails_before_any_model_loads(tmp_path):
    """In a fresh process: the error, and neither torch nor the index was touched."""
    path = _write(tmp_path, _case(question="HER2?" * 450))
    code = ("import sys\nfrom qa.cli import main\n"
            f"sys.argv = ['qa', 'eval', {str(path)!r}, '--index', {str(tmp_path / 'idx')!r}]\n"
            "try:\n    main()\nexcept SystemExit as e:\n    code = e.code\n"
            "assert 'torch' not in sys.modules and 'sentence_transformers' not in sys.modules\n"
            "sys.exit(code)\n")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert p.returncode == 2, p.stderr
    assert p.stderr.strip() == (f"qa: error: {path}:1: c1: the question is 2250 characters long; "
                                "the limit is 2000: ask something shorter")
    assert not (tmp_path / "idx").exists()


def test_project_question_sets_still_load():
    cases = ev.load_cases([ROOT / "eval"])
    assert len(cases) > 100 and all(c.article is None for c in cases)
    if (ROOT / "eval" / "holdout").is_dir():
        assert ev.load_cases([ROOT / "eval" / "holdout"])


def test_escape_corpus_fixture_really_holds_escapes(escape_corpus):
    text = next(escape_corpus.glob("*.txt")).read_text(encoding="utf-8")
    assert ESC_TITLE in text and "\x1b[31m" in text
    assert ESC_TITLE not in (ROOT / "corpus" / "her2-review.txt").read_text(encoding="utf-8")
