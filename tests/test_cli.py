"""The `qa` command on the real corpus and the session index."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from qa.cli import app


@pytest.fixture()
def run(retriever, corpus_dir, index_dir):
    """Invoke a subcommand with --corpus/--index pointing at the session fixtures."""
    runner = CliRunner()

    def invoke(*args: str):
        cmd, rest = args[0], list(args[1:])
        opts = ["--corpus", str(corpus_dir)]
        if cmd != "glossary":
            opts += ["--index", str(index_dir)]
        return runner.invoke(app, [cmd, *rest, *opts])

    return invoke


def test_search_json(run):
    r = run("search", "BKM120", "--json", "-k", "3")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["question"] == "BKM120"
    assert len(data["passages"]) == 3
    top = data["passages"][0]
    assert "NCT01132664" in top["text"]
    for key in ("id", "section", "score", "start", "end", "text", "refs"):
        assert key in top
    scores = [p["score"] for p in data["passages"]]
    assert scores == sorted(scores, reverse=True)


def test_search_text_mode_and_section(run):
    r = run("search", "everolimus", "--mode", "bm25", "-k", "2", "--section", "ongoing clinical trials")
    assert r.exit_code == 0, r.output
    assert r.stdout.count("ongoing clinical trials") >= 2
    assert "score" in r.stdout


def test_search_json_refs_have_pmid(run):
    r = run("search", "maximum tolerated dose of everolimus with paclitaxel", "--json", "-k", "3")
    data = json.loads(r.stdout)
    refs = [ref for p in data["passages"] for ref in p["refs"]]
    assert {"number": 71, "citation": "Andre F et al., J Clin Oncol 2010, PMID 20975068",
            "pmid": "20975068"} in refs


def test_ask_text_has_markers_and_sources(run):
    r = run("ask", "What is the maximum tolerated dose of everolimus with paclitaxel and trastuzumab?")
    assert r.exit_code == 0, r.output
    assert "10\u00a0mg/day" in r.stdout or "10 mg/day" in r.stdout
    assert "\u20391\u203a" in r.stdout  # the app's marker, never an article's "[1]"
    assert "Sources" in r.stdout
    assert "PMID 20975068" in r.stdout
    assert "supporting clinical data" in " ".join(r.stdout.split())  # rich may wrap the source line


def test_ask_shows_a_caution_above_an_answer_on_what_one_person_should_do(run):
    r = run("ask", "Should my mother with HER2-positive breast cancer take lapatinib?")
    assert r.exit_code == 0, r.output
    text = " ".join(r.stdout.split())
    assert text.startswith("The review reports what studies found and makes no recommendation"), text[:200]
    assert "\u20391\u203a" in text


def test_ask_json(run):
    r = run("ask", "How many women is BOLERO-3 expected to enroll?", "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["abstained"] is False
    assert "572" in data["answer"]
    assert data["citations"] and data["citations"][0]["sentence"] in data["answer"]


def test_ask_abstention_exits_zero(run):
    r = run("ask", "What is the capital of Australia?", "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["abstained"] is True
    assert data["citations"] == []
    r = run("ask", "What is the capital of Australia?")
    assert r.exit_code == 0
    assert "does not answer" in r.stdout
    assert "Sources" not in r.stdout


def test_glossary(run):
    r = run("glossary", "--json")
    assert r.exit_code == 0, r.output
    g = json.loads(r.stdout)
    assert g["EVE"] == "everolimus"
    assert g["CBR"].startswith("clinical benefit rate")
    r = run("glossary")
    assert r.exit_code == 0
    assert "mTOR" in r.stdout and "mammalian target of rapamycin" in r.stdout


def test_help_lists_commands():
    r = CliRunner().invoke(app, ["--help"])
    assert r.exit_code == 0
    for cmd in ("index", "search", "ask", "glossary"):
        assert cmd in r.stdout


def test_closed_pipe_is_not_an_error(retriever, corpus_dir, index_dir):
    """`qa search ... | head -1`: the reader stops early; qa exits 0, without a traceback."""
    import subprocess
    import sys
    from pathlib import Path

    qa_bin = Path(sys.executable).with_name("qa")
    proc = subprocess.Popen([str(qa_bin), "search", "everolimus", "-k", "200", "--json",
                             "--corpus", str(corpus_dir), "--index", str(index_dir)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = proc.stdout.read(100)  # far less than the ~160 kB it writes, more than a pipe buffer
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 0, err
    assert first.startswith(b"{") and "Traceback" not in err
