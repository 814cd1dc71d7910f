"""Reading and moving (issue 14), driven with Pilot on the real model, index and article."""

from __future__ import annotations

import os
import stat

import pytest
from rich.table import Table
from textual import events
from textual.widgets._footer import FooterKey

from qa.tui import make_app
from qa.tui.render import ARTICLE_REF_STYLE, MARKER_STYLE
from qa.tui.screens.glossary import GlossaryScreen
from qa.tui.screens.help import HelpScreen
from qa.tui.screens.prompt import PromptScreen
from qa.tui.screens.reader import ReaderScreen
from qa.tui.widgets.chat_log import AnswerView, TurnView
from qa.tui.widgets.sources import SourcesPanel

from .conftest import OUT_OF_SCOPE, QUESTION, ask, plain, wait_idle, wait_until

FOLLOW_UP = "What were its most common side effects?"


def screen_lines(widget) -> list[str]:
    """The widget's rendered lines, as text."""
    return [strip.text for strip in widget.render_lines(widget.content_region.reset_offset)]


def visible(widget, pane) -> bool:
    return pane.region.contains_region(widget.region)


async def test_the_apps_markers_differ_from_the_articles_and_never_wrap_alone(retriever, data_dir):
    app = make_app(retriever=retriever, data_dir=data_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_idle(pilot)
        answer = await ask(pilot, QUESTION)
        view = app.query_one(AnswerView)
        content = view.content
        assert "[71].‹1›" in plain(content.plain), "the app's marker is glued to its sentence"
        styles = [(content.plain[s.start:s.end], s.style) for s in content.spans]
        assert ("‹1›", MARKER_STYLE) in styles and ("[71]", ARTICLE_REF_STYLE) in styles
        assert "[1]" not in content.plain
        lines = [line.strip() for line in screen_lines(view)]
        holding = [line for line in lines if "‹1›" in line]
        assert holding and all(line.lstrip("▌ ") != "‹1›" for line in holding), lines
        source_title = str(app.query(".source-title").first().content)
        assert source_title.startswith("‹1›")
        assert answer.citations[0].marker == 1


async def test_after_an_answer_its_question_and_first_sentence_show_and_stay_on_resize(retriever, data_dir):
    app = make_app(retriever=retriever, data_dir=data_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_idle(pilot)
        await ask(pilot, QUESTION)
        await ask(pilot, FOLLOW_UP)
        await pilot.pause(0.2)
        log = app.chat_log
        latest = app.query(TurnView).last()
        question = latest.query_one(".question")
        assert visible(question, log), "the question of the latest answer is in view"
        assert latest.answer_view.region.y < log.region.bottom - 1, "and the answer's first line"
        await pilot.resize_terminal(160, 48)
        await pilot.pause(0.3)
        assert visible(question, log), "still in view after a resize"
        await pilot.resize_terminal(80, 24)
        await pilot.pause(0.3)
        assert visible(question, log)


async def test_keyboard_walks_earlier_answers_shows_sources_copies_and_reasks(retriever, data_dir):
    app = make_app(retriever=retriever, data_dir=data_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_idle(pilot)
        await ask(pilot, QUESTION)
        await ask(pilot, FOLLOW_UP)
        await pilot.press("ctrl+up")
        views = list(app.query(AnswerView))
        assert app.focused is views[-1]
        await pilot.press("up")
        assert app.focused is views[0]
        await pilot.press("enter")
        await pilot.pause()
        assert "answer 1" in str(app.query_one("#sources-title").content)
        await pilot.press("c")
        await wait_until(pilot, lambda: any(n.title == "Copy" for n in app._notifications), 10, "the copy")
        await pilot.press("r")
        await wait_until(pilot, lambda: len(app.answers) == 3, 60, "the question asked again")
        await wait_idle(pilot)
        assert app.answers[max(app.answers)].question == QUESTION
        await pilot.press("ctrl+up", "down")
        assert app.focused is app.question_input, "down past the last answer returns to the question"


async def test_f2_hides_then_maximises_the_sources(retriever, data_dir):
    app = make_app(retriever=retriever, data_dir=data_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_idle(pilot)
        await ask(pilot, QUESTION)
        log, panel = app.chat_log, app.query_one(SourcesPanel)
        before = log.region.height
        await pilot.press("f2")
        await pilot.pause()
        assert not panel.display or panel.region.height == 0
        assert log.region.height > before + 5, "the chat gets the panel's rows"
        await pilot.press("f2")
        await pilot.pause()
        assert log.region.height == 0 and panel.region.height > before + 5
        await pilot.press("f2")
        await pilot.pause()
        assert log.region.height == before


async def test_a_multi_line_paste_keeps_every_line_and_says_so(retriever, data_dir):
    app = make_app(retriever=retriever, data_dir=data_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_idle(pilot)
        box = app.question_input
        box.focus()
        box.post_message(events.Paste("What is the maximum tolerated dose\nof everolimus with\n\npaclitaxel?"))
        await pilot.pause()
        assert box.value == "What is the maximum tolerated dose of everolimus with paclitaxel?"
        assert any("3 pasted lines were joined" in n.message for n in app._notifications)


async def test_a_burst_of_enters_asks_once(retriever, data_dir):
    app = make_app(retriever=retriever, data_dir=data_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_idle(pilot)
        app.question_input.focus()
        app.question_input.value = QUESTION
        await pilot.press(*["enter"] * 6)
        await wait_until(pilot, lambda: app.answers, 60, "the answer")
        await wait_idle(pilot)
        assert len(app.query(TurnView)) == 1 and len(app.answers) == 1


@pytest.mark.parametrize("width", [120, 90])
async def test_the_reader_draws_tables_as_tables_without_a_repeated_heading(retriever, data_dir, width):
    app = make_app(retriever=retriever, data_dir=data_dir)
    async with app.run_test(size=(width, 36)) as pilot:
        await wait_idle(pilot)
        await ask(pilot, QUESTION)
        await pilot.press("ctrl+o", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ReaderScreen), 10, "the reader")
        reader = app.screen
        tables = list(reader.query(".reader-table"))
        assert tables and all(isinstance(t.content, Table) for t in tables)
        # as wide as the reader at most: at 90 columns Table 2's last column ("Most common toxic
        # effects") had been cut off, with no way to scroll to it; now its cells fold
        body = reader.query_one("#reader-body")
        assert all(t.region.right <= body.content_region.right for t in tables)
        assert body.virtual_size.width <= body.content_region.width
        table = tables[0].content
        assert [c.header.plain for c in table.columns][:2] == ["Author/phase", "Population (N)"]
        assert table.row_count >= 6
        prose = " ".join(w.content.plain for w in reader.query(".reader-para"))
        assert "│" not in prose and "\t" not in prose
        captions = [plain(w.content.plain) for w in reader.query(".reader-caption")]
        assert any(c.startswith("Table 2.") for c in captions), "the caption has its own line"
        headings = [w.content.plain.strip().lower() for w in reader.query(".reader-heading")]
        assert "supporting clinical data" not in headings, "the title above names the section once"


async def test_the_sources_and_the_reader_show_a_heading_as_the_article_writes_it(retriever, data_dir):
    """The index names an abstract's parts in lower case ("abstract > background"), and retrieval
    matches that name; the sources panel and the reader's title show the article's own heading."""
    document = retriever.documents[0]
    app = make_app(retriever=retriever, data_dir=data_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_idle(pilot)
        answer = await ask(pilot, "What percentage of breast cancers overexpress HER2?")
        sections = [c.passage.section for c in answer.citations]
        assert "abstract > background" in sections, "what is indexed is unchanged"
        titles = [w.content.plain for w in app.query(".source-title")]
        assert len(titles) == len(sections)
        assert any(t.endswith(" abstract > Background") for t in titles), titles
        for title in titles:
            for label in document.abstract:  # "Background", "Design", "Results", "Conclusions"
                assert not title.endswith(f"> {label.lower()}"), title
        await pilot.press("ctrl+o", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ReaderScreen), 10, "the reader")
        shown = app.screen.query_one("#reader-title").content.plain
        assert shown.endswith(" abstract > Background"), shown


async def test_the_reader_puts_each_piece_of_a_table_cell_in_its_column(retriever, data_dir):
    """PMC's text writes Table 1 a line per row of the article's table: a trial's "Design and study
    treatment" cell on two lines (the second alone on its line, "Trastuzumab + BKM120"), and a
    second trial of one agent without the agent. The reader draws each piece in its own column, in
    the row of its trial, and the rows it draws are the rows indexed; Table 2 is drawn as parsed."""
    document = retriever.documents[0]
    parsed = {t.label: t for t in document.tables}
    app = make_app(retriever=retriever, data_dir=data_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_idle(pilot)
        answer = await ask(pilot, "Which trial is testing BKM120?")
        assert answer.citations and answer.citations[0].passage.kind == "table_row"
        await pilot.press("ctrl+o", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ReaderScreen), 10, "the reader")
        drawn = {}
        for widget in app.screen.query(".reader-table"):
            table = widget.content
            headers = tuple(c.header.plain.strip() for c in table.columns)
            label = next(k for k, t in parsed.items() if t.headers == headers)
            drawn[label] = [tuple(plain(c.plain) for c in row)
                            for row in zip(*[list(col.cells) for col in table.columns])]
    assert set(drawn) == {"Table 1", "Table 2"}
    table1 = parsed["Table 1"]
    design = table1.headers.index("Design and study treatment")
    trials = [r for r in drawn["Table 1"] if any(c.strip() for c in r[1:])]
    groups = [r[0] for r in drawn["Table 1"] if not any(c.strip() for c in r[1:])]
    assert len(trials) == len(table1.rows), "a cell's second line is no row of its own"
    for row, cells in zip(trials, table1.rows):
        agent, first, identifier, *more = (plain(c) for c in cells)  # the index's row: its cells in order
        assert more, "each trial's design and treatment take two lines in the PMC text"
        assert row[0].strip() in (agent, ""), row  # "": under the agent of the trial above
        assert [x.strip() for x in row[design].split("\n")] == [first, *more], row
        assert row[2].strip() == identifier, row
    assert groups and not set(groups) & {plain(c) for cells in table1.rows for c in cells}
    assert drawn["Table 2"] == [tuple(plain(c) for c in r) for r in parsed["Table 2"].rows]


def footer_keys(screen) -> list[str]:
    return [k.description for k in screen.query(FooterKey)]


async def test_each_screen_shows_its_own_keys_and_the_glossary_counts_its_filter(retriever, data_dir):
    app = make_app(retriever=retriever, data_dir=data_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_idle(pilot)
        await pilot.press("ctrl+p")
        # a screen's footer is composed after the screen is pushed: wait for it, however loaded the machine
        await wait_until(pilot, lambda: "Exit the command palette" in footer_keys(app.screen), 10, "the palette's keys")
        keys = footer_keys(app.screen)
        assert "New" not in keys and "Library" not in keys, keys
        await pilot.press("escape")
        await pilot.pause()
        app.action_glossary()
        await wait_until(pilot, lambda: isinstance(app.screen, GlossaryScreen)
                         and "Close glossary" in footer_keys(app.screen), 10, "the glossary's keys")
        assert "New" not in footer_keys(app.screen)
        total = len(retriever.glossary)
        assert str(app.screen.query_one("#glossary-title").content) == f"Abbreviation glossary ({total})"
        await pilot.press(*"HER2")
        await pilot.pause()
        shown = app.screen.query_one("#glossary-table").row_count
        assert str(app.screen.query_one("#glossary-title").content) == f"Abbreviation glossary ({shown} of {total})"
        await pilot.press("escape", "f1")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen)
                         and "Close help" in footer_keys(app.screen), 10, "the help's keys")
        assert "Copy" not in footer_keys(app.screen)
        intro = str(app.screen.query_one(".help-intro").content)
        assert "‹1›" in intro and "[71]" in intro and "reference number" in intro


async def test_export_shows_its_folder_writes_0644_and_lists_closest_sections_once(retriever, data_dir,
                                                                                   tmp_path):
    folder = tmp_path / "exports"  # missing: made on export
    app = make_app(retriever=retriever, data_dir=data_dir, export_dir=folder)
    old = os.umask(0o022)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_idle(pilot)
            await ask(pilot, QUESTION)
            abstention = await ask(pilot, OUT_OF_SCOPE)
            app.action_export()
            await pilot.pause(0.2)
            prompt = app.screen
            assert isinstance(prompt, PromptScreen)
            value = prompt.query_one("#prompt-input").value
            assert value.startswith(str(folder) + os.sep) and value.endswith(".md"), value
            assert str(folder) in str(prompt.query_one("#prompt-hint").content)
            await pilot.press("enter")
            await wait_until(pilot, lambda: folder.is_dir() and any(folder.iterdir()), 10, "the export")
            await app.workers.wait_for_complete()
    finally:
        os.umask(old)
    (written,) = folder.iterdir()
    assert stat.S_IMODE(written.stat().st_mode) == 0o644
    md = written.read_text(encoding="utf-8")
    for section in abstention.closest_sections:
        assert md.count(section) == 1, section
    assert "10 mg/day [71].‹1›" in plain(md)
