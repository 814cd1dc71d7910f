"""An article's table of contents: its sections, indented by level; enter jumps to one."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from qa.tui.library import DocumentInfo, SectionInfo, contents


class SectionList(OptionList):
    """An OptionList whose enter (select) shows in the footer as "Go to section". Enter stays the list's
    own key, so that it is handled after the arrow keys typed before it."""

    BINDINGS = [Binding("enter", "select", "Go to section", id="contents-jump")]


class ContentsScreen(ModalScreen[SectionInfo | None]):
    """Every section of an article, in order; dismissed with the section chosen."""

    BINDINGS = [
        Binding("escape,t", "close", "Close", id="contents-close"),
    ]

    def __init__(self, document: DocumentInfo, reading: SectionInfo | None = None) -> None:
        """`reading`: the section the reader shows (marked, and highlighted at first)."""
        super().__init__()
        self.document = document
        self.sections = contents(document)
        self.reading_shown = reading is not None
        self.current = next((i for i, s in enumerate(self.sections)
                             if reading is not None and tuple(s.path) == tuple(reading.path)), 0)

    def compose(self) -> ComposeResult:
        with Vertical(id="contents-box"):
            yield Static(Content.assemble(("Contents", "bold $text-accent"), " · ",
                                          (self.document.title, "$text-muted")), id="contents-title")
            yield SectionList(*[Option(self._label(i, s), id=str(i)) for i, s in enumerate(self.sections)],
                             id="contents-list")
            yield Static("enter goes to the section · escape closes", id="contents-hint", markup=False)
        yield Footer()

    def _label(self, i: int, section: SectionInfo) -> Content:
        indent = "  " * (len(section.path) - 1)
        title = section.heading  # as the article writes it
        title = title[:1].upper() + title[1:]
        here = " ◂ reading" if i == self.current and self.reading_shown else ""
        style = "bold" if len(section.path) == 1 else ""
        return Content.assemble(indent, (title, style), (here, "$text-accent"))

    def on_mount(self) -> None:
        box = self.query_one(OptionList)
        if self.sections:
            box.highlighted = max(0, min(self.current, len(self.sections) - 1))
        box.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.sections[int(event.option.id or 0)])

    def action_close(self) -> None:
        self.dismiss(None)
