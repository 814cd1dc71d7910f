"""The question box: an Input that remembers the questions asked (up/down walks the history).

A question is one line: a paste of several lines is joined into one (and the box says so), and a
burst of Enters asks once (the box empties as it submits).
"""

from __future__ import annotations

from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Input


class QuestionInput(Input):
    """Where questions are typed. Enter asks; up and down recall earlier questions."""

    BINDINGS = [
        Binding("enter", "submit", "Ask", id="ask"),
        Binding("up", "history_previous", "History", show=False, id="history-previous"),
        Binding("down", "history_next", "History (newer)", show=False, id="history-next"),
    ]

    class Joined(Message):
        """A paste of several lines was joined into one question."""

        def __init__(self, lines: int) -> None:
            super().__init__()
            self.lines = lines

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("select_on_focus", False)  # typing that moved here from the sources goes on
        super().__init__(**kwargs)
        self.history: list[str] = []
        self._cursor: int | None = None  # index into history while browsing; None = editing a draft
        self._draft = ""

    async def action_submit(self) -> None:
        """Submit the question and empty the box at once, so that the Enters of a burst that follow
        find it empty (the app asks only non-empty questions)."""
        value = self.value
        if value.strip():
            self.value = ""
        self.post_message(self.Submitted(self, value))

    def _on_paste(self, event: events.Paste) -> None:
        """Keep every line of a multi-line paste, joined with spaces into one question."""
        lines = [line.strip() for line in event.text.splitlines() if line.strip()]
        event.stop()
        event.prevent_default()  # Input's own handler would keep the first line only
        if not lines:
            return
        text = " ".join(lines)
        if self.selection.is_empty:
            self.insert_text_at_cursor(text)
        else:
            self.replace(text, *self.selection)
        if len(lines) > 1:
            self.post_message(self.Joined(len(lines)))

    def remember(self, question: str) -> None:
        """Add a question to the history (no immediate repeats) and stop browsing."""
        if question and (not self.history or self.history[-1] != question):
            self.history.append(question)
        self._cursor = None
        self._draft = ""

    def _show(self, text: str) -> None:
        self.value = text
        self.cursor_position = len(text)

    def action_history_previous(self) -> None:
        """Show the previous (older) question."""
        if not self.history:
            return
        if self._cursor is None:
            self._draft = self.value
            self._cursor = len(self.history) - 1
        elif self._cursor > 0:
            self._cursor -= 1
        self._show(self.history[self._cursor])

    def action_history_next(self) -> None:
        """Show the next (newer) question, then the draft being typed."""
        if self._cursor is None:
            return
        if self._cursor < len(self.history) - 1:
            self._cursor += 1
            self._show(self.history[self._cursor])
        else:
            self._cursor = None
            self._show(self._draft)
