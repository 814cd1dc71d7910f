"""qa.evaluation: metric functions, question-set validation, the evidence check and `qa eval` end to end."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qa import evaluation as ev
from qa.chunking import Passage
from qa.errors import QAError, QuestionSetError

# --------------------------------------------------------------------------- metrics on hand-made rankings


def test_hit_at_k():
    assert ev.hit_at_k([True, False, False], 1) == 1.0
    assert ev.hit_at_k([False, True, False], 1) == 0.0
    assert ev.hit_at_k([False, True, False], 2) == 1.0
    assert ev.hit_at_k([], 5) == 0.0


def test_recall_at_k_counts_any_gold_passage():
    assert ev.recall_at_k([False, False, True, True], 3) == 1.0
    assert ev.recall_at_k([False, False, True], 2) == 0.0


def test_mrr():
    assert ev.mrr_at_k([True, False]) == 1.0
    assert ev.mrr_at_k([False, False, True]) == pytest.approx(1 / 3)
    assert ev.mrr_at_k([False, True, True]) == 0.5
    assert ev.mrr_at_k([False] * 10 + [True], 10) == 0.0  # beyond the cut-off
    assert ev.mrr_at_k([]) == 0.0


def test_ndcg_known_values():
    assert ev.ndcg_at_k([True, False, False]) == 1.0
    # one relevant item at rank 2: 1/log2(3)
    assert ev.ndcg_at_k([False, True, False]) == pytest.approx(1 / math.log2(3))
    # two relevant at ranks 1 and 3, two exist: (1 + 1/2) / (1 + 1/log2 3)
    assert ev.ndcg_at_k([True, False, True]) == pytest.approx(1.5 / (1 + 1 / math.log2(3)))
    # one found at rank 1 of two that exist
    assert ev.ndcg_at_k([True, False], n_relevant=2) == pytest.approx(1 / (1 + 1 / math.log2(3)))
    assert ev.ndcg_at_k([False, False]) == 0.0
    assert ev.ndcg_at_k([False, True], k=1, n_relevant=1) == 0.0


def test_percentile_and_facts():
    assert ev.percentile([1, 2, 3, 4, 5], 50) == 3.0
    assert ev.percentile([], 95) is None
    assert ev.contains_fact("Doses of 10\u00a0MG/day were used [1].", ["10 mg/day"])
    assert ev.contains_fact("rates of 15\u201323%", ["15-23%"])
    assert not ev.contains_fact("everolimus", ["lapatinib", "neratinib"])


def test_summarise_hand_made_results():
    def case(i, kind="fact"):
        oos = kind == "out_of_scope"
        return ev.Case(f"c{i}", kind, (f"q{i}?",), () if oos else ("x",), () if oos else ("y",))

    rs = [ev.CaseResult(case(1), relevant=[True, False], n_relevant=1),
          ev.CaseResult(case(2), relevant=[False, True], n_relevant=1),
          ev.CaseResult(case(3), relevant=[False, False], n_relevant=1),
          ev.CaseResult(case(4, "out_of_scope"))]
    m = ev.summarise(rs, k=2, answers=False)
    assert m["cases"] == 4
    assert m["hit@1"] == pytest.approx(1 / 3, abs=1e-4)
    assert m["recall@2"] == pytest.approx(2 / 3, abs=1e-4)
    assert m["mrr@10"] == pytest.approx(0.5, abs=1e-4)
    assert m["ndcg@10"] == pytest.approx((1 + 1 / math.log2(3)) / 3, abs=1e-4)


def test_gold_relevance_by_text_context_and_span():
    gold = ev.Gold(("15%-23% of breast cancers",), (("art", 100, 126),))
    p = Passage(id="a", doc_id="art", section="s", text="About 15%\u201323% of breast\ncancers", start=0, end=40)
    assert gold.holds(p)
    row = Passage(id="b", doc_id="art", section="t", text="row", start=500, end=520, kind="table_row",
                  context="Table 2: 15%-23% of breast cancers")
    assert gold.holds(row)
    span = Passage(id="c", doc_id="art", section="s", text="other text", start=90, end=130)
    assert gold.holds(span)
    assert not gold.holds(Passage(id="d", doc_id="art", section="s", text="other", start=110, end=130))
    assert not gold.holds(Passage(id="e", doc_id="other", section="s", text="other", start=90, end=130))


def test_folded_text_maps_back_to_the_original():
    raw = "Approximately\u00a015%\u201323%  of\nbreast cancers"
    ft = ev.FoldedText(raw)
    [(s, e)] = ft.find_all("15%-23% of breast")
    assert raw[s:e] == "15%\u201323%  of\nbreast"
    assert ft.find_all("not there") == []


# --------------------------------------------------------------------------- question sets

GOOD = {"id": "fact-01", "question": "What share of breast cancers overexpress HER2?",
        "evidence": ["Approximately 15%–23% of breast cancers"], "answer": ["15%"], "kind": "fact"}


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("line, message", [
    ("{not json", "invalid JSON"),
    (json.dumps({k: v for k, v in GOOD.items() if k != "evidence"} | {"id": "x-1"}), "missing key 'evidence'"),
    (json.dumps(GOOD | {"id": "x-2", "kind": "trivia"}), "'kind' is 'trivia'"),
    (json.dumps(GOOD | {"id": "x-3", "turns": ["a?", "b?"]}), "exactly one of 'question' or 'turns'"),
    (json.dumps({k: v for k, v in GOOD.items() if k != "question"} | {"id": "x-4"}),
     "exactly one of 'question' or 'turns'"),
    (json.dumps(GOOD | {"id": "x-5", "evidence": "a quote"}), "'evidence' must be a list of strings"),
    (json.dumps(GOOD | {"id": "x-6", "evidence": [1]}), "'evidence' must be a list of strings"),
    (json.dumps(GOOD | {"id": "x-7", "kind": "out_of_scope"}), "must have empty 'evidence'"),
    (json.dumps(GOOD | {"id": "x-8", "kind": "followup"}), "kind 'followup' needs 'turns'"),
    (json.dumps({k: v for k, v in GOOD.items() if k != "question"} | {"id": "x-9", "turns": ["only one"]}),
     "'turns' must be a list of at least 2"),
    (json.dumps(GOOD | {"id": "x-10", "answer": []}), "'answer' must not be empty"),
    ("[1, 2]", "must be a JSON object"),
    (json.dumps(GOOD), "duplicate id 'fact-01'"),
])
def test_broken_line_is_named_by_file_and_line(tmp_path, line, message):
    f = _write(tmp_path / "set.jsonl", [json.dumps(GOOD), "", line])
    with pytest.raises(QuestionSetError) as e:
        ev.load_question_set(f)
    text = str(e.value)
    assert text.startswith(f"{f}:3: "), text
    assert message in text
    assert "\n" not in text


def test_valid_set_loads(tmp_path):
    fu = {"id": "fu-01", "turns": ["What is T-DM1?", "How was it tested?"], "evidence": ["T-DM1"],
          "answer": ["trastuzumab"], "kind": "followup"}
    oos = {"id": "oos-01", "question": "Best pizza in Naples?", "evidence": [], "answer": [],
           "kind": "out_of_scope"}
    f = _write(tmp_path / "a.jsonl", [json.dumps(GOOD), json.dumps(fu), json.dumps(oos)])
    cases = ev.load_question_set(f)
    assert [c.id for c in cases] == ["fact-01", "fu-01", "oos-01"]
    assert cases[1].question == "How was it tested?" and cases[1].is_conversation
    assert not cases[2].in_scope
    assert cases[0].source == f"{f}:1"


def test_folders_and_missing_paths(tmp_path):
    _write(tmp_path / "a.jsonl", [json.dumps(GOOD)])
    _write(tmp_path / "b.jsonl", [json.dumps(GOOD)])
    with pytest.raises(QuestionSetError, match=r"b\.jsonl:1: duplicate id 'fact-01'"):
        ev.load_cases([tmp_path])
    with pytest.raises(QuestionSetError, match="no such question set"):
        ev.load_cases([tmp_path / "nope.jsonl"])
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(QuestionSetError, match="no .jsonl"):
        ev.load_cases([empty])


def test_project_question_set_is_valid_and_its_evidence_is_in_the_article(document):
    cases = ev.load_cases([Path(__file__).parent.parent / "eval"])
    assert len(cases) >= 200
    assert {c.kind for c in cases} == set(ev.KINDS)
    assert ev.check_evidence(cases, [document]) == []


def test_evidence_check_names_missing_quotes(tmp_path, document):
    bad = GOOD | {"id": "fact-02", "evidence": ["a sentence the review never wrote"]}
    f = _write(tmp_path / "set.jsonl", [json.dumps(GOOD), json.dumps(bad)])
    cases = ev.load_question_set(f)
    gold_ok = ev.locate_evidence(cases[:1], [document])
    assert gold_ok["fact-01"].spans
    assert ev.check_evidence(cases, [document]) == [
        f"{f}:2: fact-02: evidence not found in the corpus: 'a sentence the review never wrote'"]
    with pytest.raises(QuestionSetError, match=r"set\.jsonl:2: fact-02: evidence not found"):
        ev.locate_evidence(cases, [document])


def test_parse_floors():
    assert ev.parse_floors(["hit@1=0.7", "recall@5=0.8"], k=5) == {"hit@1": 0.7, "recall@5": 0.8}
    for spec, msg in [("hit@1", "metric=value"), ("hit@1=x", "not a number"), ("bogus=1", "unknown metric"),
                      ("recall@10=0.5", "-k 10"), ("search_p95_ms=10", "lower is better")]:
        with pytest.raises(QAError, match=msg):
            ev.parse_floors([spec], k=5)
    assert ev.below_floors({"hit@1": 0.5, "mrr@10": 0.9}, {"hit@1": 0.6, "mrr@10": 0.9}) == [
        "hit@1 = 0.5000 is below the floor 0.6"]


# --------------------------------------------------------------------------- qa eval end to end

SMALL_SET = [
    {"id": "fact-01", "question": "What share of breast cancers overexpress HER2?",
     "evidence": ["Approximately 15%–23% of breast cancers"], "answer": ["15%"], "kind": "fact"},
    {"id": "fact-02", "question": "How many new breast cancer cases were there worldwide in 2008?",
     "evidence": ["with 1.4 million incident cases in 2008"], "answer": ["1.4 million"], "kind": "fact"},
    {"id": "tab-01", "question": "What was the median PFS with everolimus in the trials of Table 2?",
     "evidence": ["mPFS: 34 weeks"], "answer": ["34 weeks"], "kind": "table"},
    {"id": "abbr-01", "question": "What does mTOR stand for?",
     "evidence": ["mammalian target of rapamycin"], "answer": ["mammalian target of rapamycin"],
     "kind": "abbreviation"},
    {"id": "fu-01", "turns": ["What is everolimus?", "What dose of it was chosen for future studies?"],
     "evidence": ["everolimus 5 mg/day versus 20 mg/week was the optimal dosing regimen"],
     "answer": ["5 mg/day", "5 mg per day"], "kind": "followup"},
    {"id": "oos-01", "question": "What is the best recipe for sourdough bread?", "evidence": [],
     "answer": [], "kind": "out_of_scope"},
]


@pytest.fixture(scope="module")
def small_set(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("evalset")
    return _write(d / "small.jsonl", [json.dumps(c, ensure_ascii=False) for c in SMALL_SET])


def _invoke(*args: str):
    """Run `qa eval ARGS`; the result's `text` is its output with line wrapping undone."""
    from qa.cli import app

    res = CliRunner().invoke(app, ["eval", *args])
    res.text = " ".join(res.output.split())
    return res


def test_eval_command_end_to_end(tmp_path, small_set, corpus_dir, index_dir, retriever):
    out_json, out_md = tmp_path / "r.json", tmp_path / "r.md"
    res = _invoke(str(small_set), "--corpus", str(corpus_dir), "--index", str(index_dir),
                  "--json", str(out_json), "--markdown", str(out_md), "--min", "hit@1=0", "-k", "5")
    assert res.exit_code == 0, res.output
    assert "hit@1" in res.output and "answer_accuracy" in res.output and "By kind" in res.output
    report = json.loads(out_json.read_text(encoding="utf-8"))
    m = report["metrics"]
    assert report["cases"] == 6 and m["cases"] == 6
    for key in ("hit@1", "recall@5", "mrr@10", "ndcg@10", "answer_accuracy", "evidence_cited",
                "faithfulness", "abstention_oos", "false_abstention", "followup_accuracy",
                "search_p50_ms", "search_p95_ms", "ask_p50_ms", "ask_p95_ms"):
        assert key in m, key
    for key in ("hit@1", "recall@5", "mrr@10", "ndcg@10", "answer_accuracy", "evidence_cited",
                "abstention_oos", "false_abstention", "followup_accuracy"):
        assert 0.0 <= m[key] <= 1.0, key
    assert m["recall@5"] >= 0.6  # the real retriever finds most of these easy quotes
    assert m["faithfulness"] in (None, 1.0)  # extractive answers quote their passages verbatim
    assert set(report["runs"]["hybrid"]["by_kind"]) == {"fact", "table", "abbreviation", "followup",
                                                       "out_of_scope"}
    assert report["runs"]["hybrid"]["by_kind"]["followup"]["cases"] == 1
    md = out_md.read_text(encoding="utf-8")
    assert md.startswith("# qa eval report") and "## By kind" in md and "| hit@1 |" in md
    assert not list(tmp_path.glob(".*.tmp"))  # atomic writes leave no temporary files


def test_eval_floor_failure_exits_1(small_set, corpus_dir, index_dir, retriever):
    res = _invoke(str(small_set), "--corpus", str(corpus_dir), "--index", str(index_dir),
                  "--min", "hit@1=1.01", "--min", "abstention_oos=0")
    assert res.exit_code == 1, res.text
    assert "hit@1" in res.text and "below the floor 1.01" in res.text
    assert "abstention_oos" not in res.text.split("FAIL", 1)[1]


def test_a_floor_for_each_article_names_the_article_under_it(small_set, corpus_dir, index_dir, retriever):
    """`--min-article` holds every article to the floor, not only the pooled figure."""
    res = _invoke(str(small_set), "--corpus", str(corpus_dir), "--index", str(index_dir),
                  "--min-article", "hit@1=1.01")
    assert res.exit_code == 1, res.text
    assert "FAIL: small: hit@1" in res.text  # the set's file names its article when no case does and "below the floor 1.01" in res.text
    res = _invoke(str(small_set), "--corpus", str(corpus_dir), "--index", str(index_dir), "--min-article", "hit@1=0")
    assert res.exit_code == 0 and "floor(s) met" in res.text


def test_eval_unreadable_set_exits_2(tmp_path, corpus_dir, index_dir):
    bad = _write(tmp_path / "bad.jsonl", [json.dumps(SMALL_SET[0]), "{oops"])
    res = _invoke(str(bad), "--corpus", str(corpus_dir), "--index", str(index_dir))
    assert res.exit_code == 2
    assert f"{bad}:2: invalid JSON" in res.text
    res = _invoke(str(tmp_path / "missing.jsonl"), "--corpus", str(corpus_dir), "--index", str(index_dir))
    assert res.exit_code == 2 and "no such question set" in res.text
    res = _invoke(str(bad), "--min", "nonsense=1", "--corpus", str(corpus_dir), "--index", str(index_dir))
    assert res.exit_code == 2 and "unknown metric" in res.text


def test_baseline_and_compare_runs(small_set, retriever):
    cases = ev.load_cases([small_set])
    gold = ev.locate_evidence(cases, retriever.documents)
    base = ev.FixedSizeBaseline(retriever.documents, size=800, overlap=150)
    texts = retriever.documents[0].text
    assert base.passages[0].text == texts[:800] and base.passages[1].start == 650
    assert base.passages[-1].end == len(texts)
    run = ev.run_baseline(base, cases, gold, k=5)
    assert run.name == "baseline" and "answer_accuracy" not in run.metrics
    assert run.metrics["recall@5"] >= 0.4
    dense = ev.run_system(retriever, cases, gold, mode="dense", k=5)
    report = ev.report_dict([dense, run], "dense", 5, [small_set])
    assert set(report["runs"]) == {"dense", "baseline"}
    md = ev.markdown_report(report)
    assert "| dense | baseline |" in md


def test_evaluation_does_not_import_textual():
    import subprocess
    import sys

    code = "import sys, qa.evaluation; assert 'textual' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
