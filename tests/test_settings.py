"""Every weight and threshold comes from one typed settings object, loadable from a TOML file."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

import qa
from qa.settings import Settings, fitted_settings


def test_defaults_are_what_the_modules_use():
    import qa.answer as answer
    import qa.retriever as retriever
    import qa.terms as terms

    s = fitted_settings()
    assert retriever.FUSION_WEIGHTS == s.retrieval.fusion_weights
    assert retriever.RERANK_DEPTH == s.retrieval.rerank_depth
    assert terms.SOFT_MATCH == s.terms.soft_match
    assert answer.AbstentionRule().min_score == s.answer.min_score
    assert answer.SUBJECT_PENALTY == s.answer.subject_penalty


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
