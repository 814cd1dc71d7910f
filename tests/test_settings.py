"""Every weight and threshold comes from one typed settings object, loadable from a TOML file."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

import qa
from qa.settings import Settings, fitted_settings


def test_defaults_are_what_the_modules_use():
    from qa.scoring import SIGNALS
    import qa.answer as answer
    import qa.retriever as retriever
    import qa.terms as terms

    s = fitted_settings()
    assert retriever.FUSION_WEIGHTS == s.retrieval.fusion_weights
    assert retriever.RERANK_DEPTH == s.retrieval.rerank_depth
    assert terms.SOFT_MATCH == s.terms.soft_match
    assert answer.AbstentionRule().min_score == s.answer.min_score
    assert answer.ExtractiveAnswerer.__init__ and answer.SentenceWeights.from_settings().weights == tuple(
        getattr(s.sentences, n) for n in SIGNALS)
    import qa.chat as chat
    import qa.tables as tables

    assert chat.SHORT_QUESTION_WORDS == s.chat.short_question_words
    assert (tables.PHRASE_WORDS, tables.SHARED_LABEL_ROWS) == (s.tables.phrase_words, s.tables.shared_label_rows)


def test_every_knowledge_file_can_be_left_out_for_an_ablation():
    """QA_LEXICON_OFF: each file of qa/data/ reads as empty, its words unknown, its patterns matching nothing."""
    from importlib import resources

    names = sorted(p.name for p in resources.files("qa").joinpath("data").iterdir()
                   if p.name.endswith((".tsv", ".txt", ".toml")) and not p.name.startswith("fitted_"))
    assert {"lay_terms.tsv", "answer_types.toml", "conversation.toml", "discourse.toml"} <= set(names)
    code = ("import qa.answer as a, qa.chat as c, qa.query as q, qa.subjects, qa.tables as t, qa.terms as m\n"
            "assert all(m.data_text(n) == '' for n in m.LEXICON_OFF)\n"
            "assert not m.LAY_TERMS and not m.EVERYDAY_TOPICS and not q.ANSWER_TYPES and not q.SECTION_HINTS\n"
            "assert not m.MEDICAL_TERM.search('cardiotoxicity') and not c._ANAPHORA.search('What were its effects?')\n"
            "assert not t._SUPERLATIVE.search('the highest rate') and not a._COMPARES.search('A versus B')\n"
            "assert q.answer_type('When did the trial start?') is None\n")
    env = {**os.environ, "QA_LEXICON_OFF": ",".join(names)}
    run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    # and with every file in, each of those reads its file
    run = subprocess.run([sys.executable, "-c", "import qa.query as q, qa.chat as c; "
                          "assert q.ANSWER_TYPES and c._ANAPHORA.search('What were its effects?')"],
                         env={k: v for k, v in os.environ.items() if k != "QA_LEXICON_OFF"}, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr


def test_a_settings_file_changes_them_in_a_new_process(tmp_path):
    f = tmp_path / "settings.toml"
    f.write_text("[answer]\nmin_score = 0.61\n[retrieval]\nrerank_depth = 12\n", encoding="utf-8")
    code = ("import qa.answer as a, qa.retriever as r; "
            "print(a.AbstentionRule().min_score, r.RERANK_DEPTH)")
    out = subprocess.run([sys.executable, "-c", code], env={**os.environ, "QA_SETTINGS": str(f)},
                         capture_output=True, text=True, check=True).stdout.split()
    assert out == ["0.61", "12"]


@pytest.mark.parametrize("data", [{"answer": {"min_scor": 0.5}}, {"answers": {}}])
def test_an_unknown_setting_is_a_one_line_error(data):
    with pytest.raises(qa.QAError) as e:
        Settings.from_dict(data)
    assert "\n" not in str(e.value)


def test_a_broken_settings_file_is_a_one_line_error(tmp_path):
    f = tmp_path / "bad.toml"
    f.write_text("[answer\nmin_score = ", encoding="utf-8")
    with pytest.raises(qa.QAError) as e:
        Settings.from_file(str(f))
    assert "bad.toml" in str(e.value)
