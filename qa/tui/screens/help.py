"""The help screen: every key, and what the command palette offers."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from qa.tui.render import ARTICLE_REF_STYLE, MARKER_STYLE

KEYS: list[tuple[str, str]] = [
    ("enter", "Ask the question typed in the box (a pasted text of several lines is joined into one)"),
    ("up / down", "Earlier questions (history, kept between sessions), in the question box"),
    ("ctrl+n", "New chat; the previous one stays in the conversations list"),
    ("ctrl+l", "Conversations: resume (enter), rename (r) or delete (d) a saved chat"),
    ("ctrl+o", "Focus the sources (escape returns to the question)"),
    ("f3 / ctrl+t", "Library: the articles; enter asks one (or all), t shows one's contents"),
    ("enter / 1-9 / click", "Open a source in its section (in the sources)"),
    ("r", "The bibliography entries the source cites, with PubMed/DOI links (in the sources)"),
    ("ctrl+up / alt+up", "Focus the latest answer; then up / down walk the answers, enter shows "
                         "its sources, c copies it, r asks it again, escape returns"),
    ("f2", "Hide the sources panel, then maximise it, then both again"),
    ("n / p", "Next / previous source (in the reader)"),
    ("] / [", "Next / previous section of the article (in the reader)"),
    ("t", "The article's table of contents; enter goes to a section (in the reader)"),
    ("click [73]", "Open that bibliography entry (in an answer or the reader); enter there opens "
                   "its PubMed page (or DOI), d its DOI"),
    ("escape", "Back: reader → sources → question; closes this help"),
    ("page up / down", "Scroll the chat"),
    ("ctrl+y", "Copy the answer with its sources (says where it went, or that nothing was copied)"),
    ("click an answer", "Show its sources; click a ‹n› marker to open it"),
    ("ctrl+p", "Command palette"),
    ("f1", "This help"),
    ("ctrl+q", "Quit"),
]

COMMANDS: list[tuple[str, str]] = [
    ("Library…", "The articles: ask all of them or one (f3)"),
    ("Ask all articles", "Stop asking only one article"),
    ("Conversations…", "Resume, rename or delete a saved conversation"),
    ("Hide or maximise sources", "The chat alone, the sources alone, or both (f2)"),
    ("Rebuild index", "Build the index again from the article"),
    ("Retrieval mode: …", "hybrid, dense or BM25: how passages are found"),
    ("Number of passages…", "How many passages each answer draws on (k)"),
    ("Export conversation…", "Write the questions, answers and sources to Markdown (by default "
                             "in the qa folder of your documents folder)"),
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
                    "Answers quote the article. Two kinds of marks appear in them:\n",
                    ("‹1›", MARKER_STYLE), "  this app's source marker (green): the sentence before it "
                    "is quoted from source 1 of the sources panel; click it to read the source in its "
                    "section.\n",
                    ("[71]", ARTICLE_REF_STYLE), "  the article's own reference number, part of the "
                    "quote: that bibliography entry is listed under the source; click it (or press r "
                    "in the sources) to see it with its PubMed or DOI link.\n"
                    "When the article does not cover a question, the answer says so and lists the "
                    "closest sections instead. Conversations are saved as you ask.",
                ), classes="help-intro")
                yield Static("Keys", classes="help-heading")
                yield _rows(KEYS, "help-keys")
                yield Static("Command palette (ctrl+p)", classes="help-heading")
                yield _rows(COMMANDS, "help-commands")
            yield Static("escape closes", id="help-hint")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#help-body").focus()
        self._fit(self.app.size.height)

    def on_resize(self, event: events.Resize) -> None:
        self._fit(event.size.height)

    def _fit(self, height: int) -> None:
        """Let the body scroll within the screen: the box's border, title and hint take 4 rows, the
        footer one."""
        self.query_one("#help-body").styles.max_height = max(3, height - 5)
        self.call_after_refresh(self._update_hint)

    def _update_hint(self) -> None:
        scrolls = self.query_one("#help-body", VerticalScroll).max_scroll_y > 0
        self.query_one("#help-hint", Static).update(
            "up/down or page up/down scroll · escape closes" if scrolls else "escape closes")

    def action_close(self) -> None:
        self.dismiss()
