"""The sources panel: each cited source with its article (in a corpus of several), its section path,
the quoted sentence highlighted in its passage, and the bibliography entries it cites. Enter (or a
click, or 1-9) opens a source; r lists the bibliography entries it cites, with their links."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Input, Label, ListItem, ListView, Static

from qa.tui.render import ARTICLE_STYLE, MARKER_STYLE, Source, marker, references_content, source_content


NARROW_ROOM = 60  # characters of context either side of the quote in the narrow layout


class SourceItem(ListItem):
    """One source: "‹n› section path", the passage excerpt, the references."""

    def __init__(self, source: Source, number: int, *, article: bool = False) -> None:
        super().__init__(classes="source")
        self.source = source
        self.number = number
        self.show_article = article and bool(source.article)

    def compose(self) -> ComposeResult:
        section = self.source.heading  # the headings as the article writes them
        if self.source.marker is not None:
            label = (marker(self.source.marker), MARKER_STYLE)
        else:
            label = (f"{self.number}.", "bold $text-muted")
        if self.show_article:
            yield Static(Content.assemble(label, " ", (self.source.article, ARTICLE_STYLE)),
                         classes="source-article")
            yield Static(Content.assemble((section, "bold")), classes="source-title -under-article")
        else:
            yield Static(Content.assemble(label, " ", (section, "bold")), classes="source-title")
        full = source_content(self.source)
        short = source_content(self.source, room=NARROW_ROOM)
        if short.plain == full.plain:
            yield Static(full, classes="source-passage")
        else:
            # Stacked under the chat (narrow terminals) the panel is short: a tighter excerpt keeps
            # the quote and its references in view. The CSS shows one of the two.
            yield Static(full, classes="source-passage -full")
            yield Static(short, classes="source-passage -short")
        if self.source.references:
            yield Static(references_content(self.source.references), classes="source-refs")


class SourceList(ListView):
    """The list of sources; it keeps the keys that open them."""

    BINDINGS = [
        Binding("enter", "select_cursor", "Open", id="open-source"),
        Binding("r", "references", "References", id="source-references"),
        Binding("escape", "app.focus_question", "Back", id="sources-back"),
        *[Binding(str(n), f"open_number({n})", f"Open source {n}", show=False, id=f"open-source-{n}")
          for n in range(1, 10)],
    ]

    class ReferencesRequested(Message):
        """The user asked for the bibliography entries a source cites."""

        def __init__(self, source: Source) -> None:
            super().__init__()
            self.source = source

    def on_key(self, event: events.Key) -> None:
        """Typing a letter here goes on in the question box (but r lists the references)."""
        if event.key == "r":
            return
        if event.is_printable and event.character and not event.character.isdigit():
            event.stop()
            event.prevent_default()
            box = self.app.query_one("#question", Input)
            box.focus()
            box.insert_text_at_cursor(event.character)

    def action_references(self) -> None:
        """List the bibliography entries the highlighted source cites."""
        item = self.highlighted_child
        if isinstance(item, SourceItem):
            self.post_message(self.ReferencesRequested(item.source))

    def action_open_number(self, n: int) -> None:
        """Open the n-th source of the list."""
        if 1 <= n <= len(self.children):
            self.index = n - 1
            self.action_select_cursor()


class SourcesPanel(Vertical):
    """A title and the list of sources of the answer being shown."""

    class Open(Message):
        """The user chose a source to read."""

        def __init__(self, sources: list[Source], index: int) -> None:
            super().__init__()
            self.sources = sources
            self.index = index

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.sources: list[Source] = []
        self.turn: int | None = None

    def compose(self) -> ComposeResult:
        yield Label("Sources", id="sources-title")
        yield Static("The sources of an answer appear here.", id="sources-empty", markup=False)
        yield SourceList(id="source-list")

    async def show(self, sources: list[Source], *, turn: int | None, abstained: bool = False,
                   number: int | None = None, articles: bool = False, article: str = "",
                   noun: str = "the review") -> None:
        """Replace the listed sources (of the answer to `turn`, the `number`-th of this chat).

        With `articles` (a corpus of several) each source names its article; otherwise the title
        names the one `article`, quietly."""
        self.sources = list(sources)
        self.turn = turn
        title = Content("Closest sections" if abstained else "Sources")
        if number or turn is not None:
            title += f" · answer {number or turn}"
        if article and not articles and self.sources:
            title += Content.assemble(" · ", (article, "not bold $text-muted"))
        self.query_one("#sources-title", Label).update(title)
        self.set_class(abstained, "-abstained")
        empty = self.query_one("#sources-empty", Static)
        empty.display = not self.sources
        empty.update(f"No sources: {noun} {'do' if noun.startswith('these') else 'does'} not cover this." if abstained and not self.sources
                     else "The sources of an answer appear here.")
        lst = self.query_one(SourceList)
        await lst.clear()
        await lst.extend(SourceItem(s, i, article=articles) for i, s in enumerate(self.sources, 1))
        if self.sources:
            lst.index = 0
        lst.scroll_home(animate=False)

    async def clear(self) -> None:
        await self.show([], turn=None)

    def on_list_view_selected(self, event: ListView.Selected) -> None:
        event.stop()
        if isinstance(event.item, SourceItem):
            self.post_message(self.Open(self.sources, event.item.number - 1))
