"""Each widget alone, mounted in a small host app with the real stylesheet (no model, no index)."""

from __future__ import annotations

from pathlib import Path

from textual.app import App, ComposeResult

import qa.tui
from qa.tui.render import sources_of
from qa.tui.widgets.chat_log import ChatLog
from qa.tui.widgets.question_input import QuestionInput
from qa.tui.widgets.sources import SourceItem, SourcesPanel

CSS = Path(qa.tui.__file__).with_name("app.tcss")


class _Host(App):
    CSS_PATH = CSS

    def __init__(self, *widgets) -> None:
        super().__init__()
        self._widgets = widgets
        self.opened: list[tuple[int, int]] = []

    def compose(self) -> ComposeResult:
        yield from self._widgets

    def on_sources_panel_open(self, event: SourcesPanel.Open) -> None:
        self.opened.append((len(event.sources), event.index))


async def test_question_history_walks_back_and_forward():
    box = QuestionInput(id="question")
    async with _Host(box).run_test() as pilot:
        box.focus()
        for q in ("first", "second", "second", "third"):
            box.remember(q)
        assert box.history == ["first", "second", "third"]
        await pilot.press(*"draft")
        await pilot.press("up")
        assert box.value == "third"
        await pilot.press("up", "up", "up")
        assert box.value == "first"
        await pilot.press("down")
        assert box.value == "second"
        await pilot.press("down", "down")
        assert box.value == "draft"


async def test_sources_panel_lists_and_opens_sources(fake_answer):
    panel = SourcesPanel(id="sources")
    host = _Host(panel)
    async with host.run_test(size=(80, 24)) as pilot:
        await panel.show(sources_of(fake_answer), turn=1)
        await pilot.pause()
        items = list(panel.query(SourceItem))
        assert len(items) == 1
        text = " ".join(str(s.content) for s in items[0].query("Static"))
        assert "supporting clinical data" in text and "PMID 20975068" in text
        await pilot.click(SourceItem)
        await pilot.pause()
        assert host.opened == [(1, 0)]
        panel.query_one("#source-list").focus()
        await pilot.press("1")
        await pilot.pause()
        assert host.opened == [(1, 0), (1, 0)]


async def test_chat_log_welcome_turns_and_clear(fake_answer):
    log = ChatLog(id="chat-log")
    async with _Host(log).run_test() as pilot:
        assert log.query("#welcome")
        view = log.add_turn(1, "What dose?", "Thinking…")
        await pilot.pause()
        assert not log.query("#welcome")
        assert view.answer_view.has_class("-pending")
        view.answer_view.show_answer(fake_answer)
        await pilot.pause()
        assert "10 mg/day" in str(view.answer_view.content)
        assert not view.answer_view.has_class("-pending")
        log.clear_turns()
        await pilot.pause()
        assert log.query("#welcome") and not log.query(".turn")
