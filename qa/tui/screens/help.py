"""The help screen: every key, and what the command palette offers."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

KEYS: list[tuple[str, str]] = [
    ("enter", "Ask the question typed in the box"),
    ("up / down", "Earlier questions (history), in the question box"),
    ("ctrl+n", "New chat: forget the conversation"),
    ("ctrl+o", "Focus the sources (escape returns to the question)"),
    ("enter / 1-9 / click", "Open a source in its section (in the sources)"),
    ("n / p", "Next / previous source (in the reader)"),
    ("escape", "Back: reader → sources → question; closes this help"),
    ("page up / down", "Scroll the chat"),
    ("ctrl+y", "Copy the answer with its sources"),
    ("click an answer", "Show its sources; click a [n] marker to open it"),
    ("ctrl+p", "Command palette"),
    ("f1", "This help"),
    ("ctrl+q", "Quit"),
]

COMMANDS: list[tuple[str, str]] = [
    ("Rebuild index", "Build the index again from the article"),
    ("Retrieval mode: …", "hybrid, dense or BM25: how passages are found"),
    ("Number of passages…", "How many passages each answer draws on (k)"),
    ("Export conversation…", "Write the questions, answers and sources to Markdown"),
    ("Abbreviation glossary", "The abbreviations the article defines"),
]


def _rows(rows: list[tuple[str, str]], classes: str) -> Vertical:
    return Vertical(*[Horizontal(Static(key, classes="help-key", markup=False),
                                 Static(what, classes="help-desc", markup=False), classes="help-row")
                      for key, what in rows], classes=f"help-table {classes}")


class HelpScreen(ModalScreen[None]):
    """Keys and commands, over the chat."""

    BINDINGS = [
        Binding("escape", "close", "Close help", id="help-close"),
        Binding("f1", "close", "Close help", show=False, id="help-close-f1"),
        Binding("q", "close", "Close help", show=False, id="help-close-q"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box"):
            yield Static("Help", id="help-title")
            with VerticalScroll(id="help-body"):
                yield Static(Content.assemble(
                    "Answers quote the article; each sentence ends with its source marker [n]. "
                    "When the article does not cover a question, the answer says so and lists the "
                    "closest sections instead.",
                ), classes="help-intro")
                yield Static("Keys", classes="help-heading")
                yield _rows(KEYS, "help-keys")
                yield Static("Command palette (ctrl+p)", classes="help-heading")
                yield _rows(COMMANDS, "help-commands")
            yield Static("escape closes", id="help-hint")

    def on_mount(self) -> None:
        self.query_one("#help-body").focus()
        self._fit(self.app.size.height)

    def on_resize(self, event: events.Resize) -> None:
        self._fit(event.size.height)

    def _fit(self, height: int) -> None:
        """Let the body scroll within the screen: the box's border, title and hint take 4 rows."""
        self.query_one("#help-body").styles.max_height = max(3, height - 4)
        self.call_after_refresh(self._update_hint)

    def _update_hint(self) -> None:
        scrolls = self.query_one("#help-body", VerticalScroll).max_scroll_y > 0
        self.query_one("#help-hint", Static).update(
            "up/down or page up/down scroll · escape closes" if scrolls else "escape closes")

    def action_close(self) -> None:
        self.dismiss()
