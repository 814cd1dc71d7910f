"""The whole app driven with Pilot, on the real model, index and article."""

from __future__ import annotations

import shutil

import pytest
from textual.widgets import DataTable

from qa.tui import make_app
from qa.tui.render import QUOTE_STYLE
from qa.tui.screens.glossary import GlossaryScreen
from qa.tui.screens.help import HelpScreen
from qa.tui.screens.prompt import PromptScreen
from qa.tui.screens.reader import ReaderScreen
from qa.tui.widgets.chat_log import TurnView
from qa.tui.widgets.sources import SourceItem

from .conftest import OUT_OF_SCOPE, QUESTION, answer_and_focus_sources, ask, plain, wait_idle, wait_until


def source_titles(app) -> list[str]:
    return [str(item.query_one(".source-title").content) for item in app.query(SourceItem)]


async def test_real_stack_loads_in_a_worker_and_answers_a_question_typed_meanwhile(corpus_dir, index_dir,
                                                                                     retriever, data_dir):
    """No retriever given: the app paints, loads the (already built) index in a worker, and answers
    the question that was typed before the index was ready."""
    app = make_app(corpus_dir=corpus_dir, index_dir=index_dir, data_dir=data_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        assert app.session is None
        app.question_input.value = QUESTION
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.answers, 120, "the first answer")
        await wait_idle(pilot)
        answer = app.answers[1]
        assert "10 mg/day" in plain(answer.text)
        assert app.status.text.startswith("Ready · Overcoming resistance")


async def test_ask_shows_answer_and_its_sources(retriever, data_dir):
    app = make_app(retriever=retriever, data_dir=data_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_idle(pilot)
        answer = await ask(pilot, QUESTION, type_it=True)
        turn = app.query_one(TurnView)
        assert "10 mg/day" in plain(str(turn.answer_view.content))
        assert "‹1›" in str(turn.answer_view.content)
        titles = source_titles(app)
        assert titles and "supporting clinical data" in titles[0]
        refs = " ".join(str(s.content) for s in app.query(".source-refs"))
        assert "Andre F et al." in refs and "PMID 20975068" in refs
        passage = app.query_one(".source-passage").content
        quoted = [passage.plain[s.start:s.end] for s in passage.spans if s.style == QUOTE_STYLE]
        assert quoted and "10" in quoted[0] and plain(quoted[0]) in plain(answer.citations[0].sentence)


async def test_open_source_shows_the_highlighted_passage_in_its_section(retriever, data_dir):
    app = make_app(retriever=retriever, data_dir=data_dir)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_idle(pilot)
        answer = await ask(pilot, QUESTION)
        await pilot.press("ctrl+o")
        assert app.focused.id == "source-list"
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ReaderScreen), 10, "the reader")
        await pilot.pause(0.2)
        reader = app.screen
        assert "supporting clinical data" in str(reader.query_one("#reader-title").content)
        marked = list(reader.query(".-passage"))
        assert marked
        text = plain(" ".join(w.content.plain for w in marked))
        assert plain(answer.citations[0].sentence) in text
        quote = [w.content.plain[s.start:s.end] for w in marked for s in w.content.spans
                 if s.style == QUOTE_STYLE]
        assert plain(" ".join(quote)) == plain(answer.citations[0].sentence)
        body = reader.query_one("#reader-body")
        assert marked[0].region.overlaps(body.region), "the passage is scrolled into view"
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ReaderScreen)


async def test_a_citation_marker_and_a_click_open_the_reader(retriever, data_dir):
    app = make_app(retriever=retriever, data_dir=data_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_idle(pilot)
        await ask(pilot, QUESTION)
        app.action_open_source(1, 1)  # what clicking the [1] marker runs
        await pilot.pause()
        assert isinstance(app.screen, ReaderScreen)
        await pilot.press("escape")
        await pilot.pause()
        await pilot.click(SourceItem)
        await wait_until(pilot, lambda: isinstance(app.screen, ReaderScreen), 10, "the reader")


async def test_out_of_scope_question_shows_the_abstention(retriever, data_dir):
    app = make_app(retriever=retriever, data_dir=data_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_idle(pilot)
        answer = await ask(pilot, OUT_OF_SCOPE)
        assert answer.abstained
        view = app.query_one(TurnView).answer_view
        assert view.has_class("-abstained")
        assert "does not answer" in str(view.content) and "Closest sections" in str(view.content)
        assert str(app.query_one("#sources-title").content).startswith("Closest sections")
        assert app.query_one("#sources").has_class("-abstained")
        assert len(app.query(SourceItem)) == len(answer.closest_sections) > 0
        await pilot.press("ctrl+o", "enter")  # a closest section opens in the reader too
        await wait_until(pilot, lambda: isinstance(app.screen, ReaderScreen), 10, "the reader")


async def test_history_follow_up_and_new_chat(retriever, data_dir):
    app = make_app(retriever=retriever, data_dir=data_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_idle(pilot)
        await ask(pilot, QUESTION)
        follow = await ask(pilot, "What were its most common side effects?")
        assert "everolimus" in follow.query.lower(), "the follow-up carries the earlier subject"
        assert len(app.session.turns) == 2
        await pilot.press("up")
        assert app.question_input.value == "What were its most common side effects?"
        await pilot.press("up")
        assert app.question_input.value == QUESTION
        await pilot.press("down", "down")
        assert app.question_input.value == ""
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert not app.query(TurnView) and app.query("#welcome")
        assert not app.query(SourceItem)
        assert app.session.turns == [] and app.answers == {}
        again = await ask(pilot, "What were its most common side effects?")
        assert again.query == "What were its most common side effects?", "no earlier turn to lean on"
        assert str(app.query_one("#sources-title").content).endswith("answer 1"), "numbered in this chat"


async def test_typing_in_the_sources_goes_on_in_the_question_box(retriever, data_dir):
    """Letters typed while the sources have the focus move to the question box and stay there."""
    app = make_app(retriever=retriever, data_dir=data_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await answer_and_focus_sources(pilot)
        await pilot.press(*"Which oral drug")
        await pilot.pause()
        await pilot.press(*" blocks EGFR?")
        await pilot.pause()
        assert app.question_input.value == "Which oral drug blocks EGFR?"


async def test_page_keys_scroll_the_chat_from_the_question_box(retriever, data_dir):
    app = make_app(retriever=retriever, data_dir=data_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_idle(pilot)
        await ask(pilot, QUESTION)
        await ask(pilot, "What were its most common side effects?")
        log = app.chat_log
        await wait_until(pilot, lambda: log.max_scroll_y > 0, 5, "a chat taller than its pane")
        log.scroll_end(animate=False)
        await pilot.pause()
        bottom = log.scroll_y
        await pilot.press("pageup")
        await pilot.pause(0.3)
        assert log.scroll_y < bottom and app.focused is app.question_input
        await pilot.press("pagedown")
        await pilot.pause(0.3)
        assert log.scroll_y > log.max_scroll_y - 1 or log.scroll_y > bottom - 1


async def _palette(pilot, text: str) -> None:
    await pilot.press("ctrl+p")
    await pilot.pause(0.2)
    await pilot.press(*text)
    await pilot.pause(0.5)
    await pilot.press("enter")
    await pilot.pause(0.2)


async def test_palette_switches_mode_and_sets_k(retriever, data_dir):
    app = make_app(retriever=retriever, data_dir=data_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_idle(pilot)
        await _palette(pilot, "Retrieval mode: BM25")
        assert app.mode == "bm25" and app.session.mode == "bm25"
        assert "BM25 · k=6" in str(app.query_one("#status-settings").content)
        await _palette(pilot, "Number of passages")
        assert isinstance(app.screen, PromptScreen)
        box = app.screen.query_one("#prompt-input")
        box.value = "99"
        await pilot.press("enter")
        assert isinstance(app.screen, PromptScreen), "99 is refused"
        assert "1 to 20" in str(app.screen.query_one("#prompt-hint").content)
        box.value = ""
        await pilot.press("3", "enter")
        await pilot.pause()
        assert app.k == 3 and app.session.k == 3
        answer = await ask(pilot, QUESTION)
        assert len(answer.passages) == 3


async def test_palette_exports_the_conversation_to_markdown(retriever, tmp_path, data_dir):
    app = make_app(retriever=retriever, data_dir=data_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_idle(pilot)
        await ask(pilot, QUESTION)
        await ask(pilot, OUT_OF_SCOPE)
        await _palette(pilot, "Export conversation")
        assert isinstance(app.screen, PromptScreen)
        target = tmp_path / "chat.md"
        box = app.screen.query_one("#prompt-input")
        box.value = str(target)
        await pilot.press("enter")
        await wait_until(pilot, target.exists, 10, "the exported file")
        await app.workers.wait_for_complete()
        md = target.read_text(encoding="utf-8")
        assert f"## 1. {QUESTION}" in md and f"## 2. {OUT_OF_SCOPE}" in md
        assert "PMID 20975068" in md and "10 mg/day" in plain(md)
        assert sorted(p.name for p in tmp_path.iterdir()) == ["chat.md"]


async def test_palette_glossary_and_help(retriever, data_dir):
    app = make_app(retriever=retriever, data_dir=data_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_idle(pilot)
        await _palette(pilot, "Abbreviation glossary")
        assert isinstance(app.screen, GlossaryScreen)
        table = app.screen.query_one(DataTable)
        assert table.row_count == len(retriever.glossary) > 5
        await pilot.press(*"HER2")
        await pilot.pause()
        assert 0 < table.row_count < len(retriever.glossary)
        await pilot.press("escape")
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_corrupt_index_is_a_notification_not_a_crash(corpus_dir, index_dir, tmp_path, retriever, data_dir):
    bad = tmp_path / "index"
    shutil.copytree(index_dir, bad)
    # the index lives in a generation folder (gen-…/dense.faiss) since the index format 10
    target = next(iter(sorted(bad.glob("gen-*/dense.faiss"))), bad / "dense.faiss")
    target.write_bytes(b"not a faiss index")
    app = make_app(corpus_dir=corpus_dir, index_dir=bad, data_dir=data_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app._notifications and not app._loading, 60, "an error")
        notes = list(app._notifications)
        assert notes[-1].severity == "error" and "could not be loaded" in notes[-1].message
        assert app.query_one("#status").has_class("-error")
        assert app.is_running
        app.question_input.value = QUESTION  # a question still waits politely
        await pilot.press("enter")
        await pilot.pause()
        assert app.answers == {} and app._queue


async def test_failed_rebuild_keeps_the_old_index_answering(retriever, tmp_path, data_dir):
    empty = tmp_path / "no-corpus"
    empty.mkdir()
    app = make_app(retriever=retriever, corpus_dir=empty, index_dir=tmp_path / "index", data_dir=data_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_idle(pilot)
        await _palette(pilot, "Rebuild index")
        await wait_until(pilot, lambda: not app._loading, 60, "the rebuild to fail")
        await pilot.pause()
        notes = list(app._notifications)
        assert notes and notes[-1].severity == "error" and "could not be rebuilt" in notes[-1].message
        answer = await ask(pilot, QUESTION)
        assert "10 mg/day" in plain(answer.text)


@pytest.mark.parametrize("size, narrow", [((80, 24), True), ((160, 48), False)])
async def test_layout_fits_small_and_uses_large_terminals(retriever, size, narrow, data_dir):
    app = make_app(retriever=retriever, data_dir=data_dir)
    async with app.run_test(size=size) as pilot:
        await wait_idle(pilot)
        await ask(pilot, QUESTION)
        assert app.screen.has_class("-narrow") is narrow
        log, sources = app.query_one("#chat-log"), app.query_one("#sources")
        if narrow:
            assert log.region.width == sources.region.width == size[0]
            assert log.region.height >= 6 and sources.region.height >= 6
        else:
            assert log.region.y == sources.region.y and log.region.width >= 70 and sources.region.width >= 70
        assert app.query_one("#question").region.bottom <= size[1] - 1


async def test_help_scrolls_at_80x24_and_keeps_every_command(retriever, data_dir):
    app = make_app(retriever=retriever, data_dir=data_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_idle(pilot)
        await pilot.press("f1")
        await pilot.pause(0.2)
        screen = app.screen
        assert isinstance(screen, HelpScreen)
        body = screen.query_one("#help-body")
        hint = screen.query_one("#help-hint")
        assert app.focused is body and body.max_scroll_y > 0
        assert body.region.bottom <= hint.region.y and hint.region.bottom <= 23  # hint on screen
        assert "escape closes" in str(hint.content)
        await pilot.press("end")
        await pilot.pause(0.2)
        last = screen.query(".help-commands .help-row").last()
        assert "Abbreviation glossary" in str(last.query_one(".help-key").content)
        assert body.region.contains_region(last.region)


async def test_first_source_quote_and_references_visible_at_80x24(retriever, data_dir):
    app = make_app(retriever=retriever, data_dir=data_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_idle(pilot)
        welcome = str(app.query_one("#welcome").content)
        assert "beside" not in welcome and "sources panel" in welcome
        await ask(pilot, QUESTION)
        await pilot.pause(0.2)
        lst = app.query_one("#source-list")
        first = app.query_one(SourceItem)
        shown = [w for w in first.query(".source-passage") if w.display]
        assert len(shown) == 1
        passage = shown[0].content
        assert any(s.style == QUOTE_STYLE for s in passage.spans)
        refs = first.query_one(".source-refs")
        assert "PMID 20975068" in str(refs.content)
        assert lst.region.contains_region(shown[0].region)
        assert lst.region.contains_region(refs.region)


async def test_footer_fits_80_columns_with_the_sources_focused(retriever, data_dir):
    """With the sources focused the footer drops "Sources" (already there) and keeps Copy and Help."""
    from textual.widgets._footer import FooterKey

    app = make_app(retriever=retriever, data_dir=data_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await answer_and_focus_sources(pilot, settle=0.5)
        shown = [k.description for k in app.query(FooterKey)]
        assert "Sources" not in shown and {"Open", "Back", "Copy", "Help"} <= set(shown), shown
        await pilot.press("escape")
        await pilot.pause(0.5)
        assert "Sources" in [k.description for k in app.query(FooterKey)]
