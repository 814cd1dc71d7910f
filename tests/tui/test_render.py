"""The pure helpers: quoting, excerpts, Markdown export, atomic writes."""

from __future__ import annotations

import os
from types import SimpleNamespace

import pytest

from qa.tui.export import write_atomic
from qa.tui.render import (
    QUOTE_STYLE,
    answer_content,
    answer_with_sources_text,
    conversation_markdown,
    excerpt_around,
    find_quote,
    source_content,
    sources_of,
)

from .conftest import fake_passage


def test_find_quote_exact_and_across_whitespace():
    text = "First one. The dose was\n10 mg/day [71]. Last."
    assert find_quote(text, "First one.") == (0, 10)
    s, e = find_quote(text, "The dose was 10 mg/day [71].")
    assert text[s:e] == "The dose was\n10 mg/day [71]."
    assert find_quote(text, "absent sentence") is None
    assert find_quote(text, None) is None


def test_excerpt_keeps_the_quote_whole_and_marks_cuts():
    words = " ".join(f"w{i}" for i in range(300))
    s = words.index("w150")
    e = s + len("w150 w151")
    short, span = excerpt_around(words, (s, e), room=40)
    assert short.startswith("… ") and short.endswith(" …")
    assert short[span[0]:span[1]] == "w150 w151"
    assert len(short) < 120
    assert excerpt_around("short", (0, 5)) == ("short", (0, 5))


def test_source_content_highlights_the_sentence(fake_answer):
    source = sources_of(fake_answer)[0]
    content = source_content(source)
    quoted = [content.plain[sp.start:sp.end] for sp in content.spans if sp.style == QUOTE_STYLE]
    assert quoted == ["The maximum tolerated dose was 10 mg/day [71]."]


def test_answer_markers_are_styled_and_clickable(fake_answer):
    content = answer_content(fake_answer, turn=3)
    assert content.plain == "The maximum tolerated dose was 10 mg/day [71].‹1›"
    clicks = [sp for sp in content.spans if str(sp.style).startswith("@click=app.open_source")]
    assert len(clicks) == 1
    assert content.plain[clicks[0].start:clicks[0].end] == "‹1›"
    assert "open_source(3,1)" in str(clicks[0].style)


def test_abstention_offers_one_source_per_closest_section():
    a = fake_passage("About dosing.", section="x > dosing")
    b = fake_passage("More on dosing.", section="x > dosing")
    c = fake_passage("About safety.", section="y > safety")
    answer = SimpleNamespace(citations=(), abstained=True, passages=(a, b, c),
                             closest_sections=("x > dosing", "y > safety"))
    sources = sources_of(answer)
    assert [s.passage for s in sources] == [a, c]
    assert all(s.sentence is None and s.marker is None for s in sources)


def test_markdown_has_questions_answers_sources_and_pmids(fake_answer):
    abstained = SimpleNamespace(question="Capital of Australia?", abstained=True,
                                text="The review does not answer this question.", reason="",
                                closest_sections=("references",), citations=(), caution="")
    md = conversation_markdown([fake_answer, abstained], title="A review", mode="hybrid", k=6,
                               when="2024-01-01 10:00")
    assert md.startswith("# Conversation: A review\n")
    assert "## 1. What dose?" in md and "## 2. Capital of Australia?" in md
    assert "> “The maximum tolerated dose was 10 mg/day [71].”" in md
    assert "[71] Andre F et al., J Clin Oncol 2010, PMID 20975068" in md
    assert "https://pubmed.ncbi.nlm.nih.gov/20975068/" in md
    assert "> The review does not answer this question." in md and "- references" in md


def test_clipboard_text_has_question_answer_and_sources(fake_answer):
    text = answer_with_sources_text(fake_answer)
    assert text.startswith("Q: What dose?\n\nThe maximum tolerated dose")
    assert "was 10 mg/day [71].‹1›" in text
    assert "Sources:\n‹1› A review" in text and "    [71] Andre F et al." in text


def test_write_atomic_replaces_whole_file_and_leaves_no_temp(tmp_path):
    target = tmp_path / "chat.md"
    target.write_text("old")
    assert write_atomic(target, "new text\n") == target.resolve()
    assert target.read_text() == "new text\n"
    assert os.listdir(tmp_path) == ["chat.md"]


def test_write_atomic_failure_keeps_old_file(tmp_path, monkeypatch):
    target = tmp_path / "chat.md"
    target.write_text("old")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        write_atomic(target, "new")
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["chat.md"]


def test_write_atomic_refuses_a_folder(tmp_path):
    with pytest.raises(IsADirectoryError):
        write_atomic(tmp_path, "x")


def test_an_abstention_shows_how_it_was_read_and_no_scores(session):
    from qa.tui.render import abstention_text

    # a restated follow-up's abstention keeps "read as ..." in the TUI's first sentence
    for turn in ("What is lapatinib?", "What are its side effects?"):
        session.ask(turn)
    restated = session.ask("And T-DM1?")
    assert restated.abstained, restated.text
    assert abstention_text(restated).startswith(
        "The review does not answer this question, read as “What are T-DM1's side effects?”.")
    # the scores behind "not closely enough" stay in the reason (JSON), not in what a reader sees
    far = session.ask("What is the boiling point of ethanol?")
    assert far.abstained and "best match" in far.reason, far.reason
    shown = abstention_text(far)
    assert "best match" not in shown and "needed" not in shown, shown


def test_a_caution_is_shown_above_the_answer_copied_and_exported(fake_answer):
    from types import SimpleNamespace as NS
    note = "The review reports what studies found and makes no recommendation for any one person."
    answer = NS(**{**vars(fake_answer), "caution": note})
    answer.sources_text = fake_answer.sources_text
    shown = answer_content(answer, 1).plain
    assert shown.startswith(note + "\n") and "10 mg/day" in shown
    assert answer_with_sources_text(answer).startswith(f"Q: What dose?\n\n{note}\n\nThe maximum tolerated dose")
    assert f"_{note}_" in conversation_markdown([answer])
    assert note not in answer_content(fake_answer, 1).plain
