"""The status line: what the app is doing (loading, building the index, answering), which articles
questions are asked of, and the retrieval settings."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.reactive import reactive
from textual.widgets import LoadingIndicator, Static


class StatusLine(Horizontal):
    """One line: a spinner while busy, the current activity, and the retrieval settings."""

    busy: reactive[bool] = reactive(False)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._text = Static("Starting…", id="status-text", markup=False)
        self._settings = Static("", id="status-settings", markup=False)

    def compose(self) -> ComposeResult:
        yield LoadingIndicator(id="spinner")
        yield self._text
        yield self._settings

    def watch_busy(self, busy: bool) -> None:
        self.set_class(busy, "-busy")

    def show(self, text: str, *, busy: bool | None = None, error: bool = False) -> None:
        """Say what is happening."""
        self._text.update(text)
        self.set_class(error, "-error")
        if busy is not None:
            self.busy = busy

    @property
    def text(self) -> str:
        return str(self._text.content)

    def settings(self, mode: str, k: int, scope: str = "") -> None:
        """Show what questions are asked of (`scope`: "All 3 articles", or one article's short
        citation; empty for a corpus of one), the retrieval mode and the number of passages."""
        label = {"bm25": "BM25"}.get(mode, mode)
        self._settings.update(" · ".join(x for x in (scope, label, f"k={k}") if x))

    @property
    def settings_text(self) -> str:
        return str(self._settings.content)
