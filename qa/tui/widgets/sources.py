"""The sources panel: each cited source with its section path, the quoted sentence highlighted in
its passage, and the bibliography entries it cites. Enter (or a click, or 1-9) opens a source."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Input, Label, ListItem, ListView, Static

from qa.tui.render import MARKER_STYLE, Source, marker, references_content, source_content


NARROW_ROOM = 60  # characters of context either side of the quote in the narrow layout


class SourceItem(ListItem):
    """One source: "‹n› section path", the passage excerpt, the references."""

    def __init__(self, source: Source, number: int) -> None:
        super().__init__(classes="source")
        self.source = source
        self.number = number

    def compose(self) -> ComposeResult:
        p = self.source.passage
        if self.source.marker is not None:
            label = (marker(self.source.marker), MARKER_STYLE)
        else:
            label = (f"{self.number}.", "bold $text-muted")
        yield Static(Content.assemble(label, " ", (p.section, "bold")),
                     classes="source-title")
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
        Binding("escape", "app.focus_question", "Back", id="sources-back"),
        *[Binding(str(n), f"open_number({n})", f"Open source {n}", show=False, id=f"open-source-{n}")
          for n in range(1, 10)],
    ]

    def on_key(self, event: events.Key) -> None:
        """Typing a letter here goes on in the question box."""
        if event.is_printable and event.character and not event.character.isdigit():
            event.stop()
            event.prevent_default()
            box = self.app.query_one("#question", Input)
            box.focus()
            box.insert_text_at_cursor(event.character)

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
                   number: int | None = None) -> None:
        """Replace the listed sources (of the answer to `turn`, the `number`-th of this chat)."""
        self.sources = list(sources)
        self.turn = turn
        title = "Closest sections" if abstained else "Sources"
        if number or turn is not None:
            title += f" · answer {number or turn}"
        self.query_one("#sources-title", Label).update(title)
        self.set_class(abstained, "-abstained")
        empty = self.query_one("#sources-empty", Static)
        empty.display = not self.sources
        empty.update("No sources: the review does not cover this." if abstained and not self.sources
                     else "The sources of an answer appear here.")
        lst = self.query_one(SourceList)
        await lst.clear()
        await lst.extend(SourceItem(s, i) for i, s in enumerate(self.sources, 1))
        if self.sources:
            lst.index = 0
        lst.scroll_home(animate=False)

    async def clear(self) -> None:
        await self.show([], turn=None)

    def on_list_view_selected(self, event: ListView.Selected) -> None:
        event.stop()
        if isinstance(event.item, SourceItem):
            self.post_message(self.Open(self.sources, event.item.number - 1))
