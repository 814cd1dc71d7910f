"""The abbreviation glossary of the article, filterable."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Input, Static


class GlossaryScreen(ModalScreen[None]):
    """Abbreviations and their meanings; type to filter."""

    BINDINGS = [Binding("escape", "close", "Close glossary", id="glossary-close")]

    def __init__(self, glossary: dict[str, str]) -> None:
        super().__init__()
        self.glossary = dict(sorted(glossary.items(), key=lambda kv: kv[0].lower()))

    def compose(self) -> ComposeResult:
        with Vertical(id="glossary-box"):
            yield Static(f"Abbreviation glossary ({len(self.glossary)})", id="glossary-title")
            yield Input(placeholder="Filter…", id="glossary-filter")
            yield DataTable(id="glossary-table", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Abbreviation", "Meaning")
        self._fill("")

    def _fill(self, needle: str) -> None:
        table = self.query_one(DataTable)
        table.clear()
        n = needle.strip().lower()
        for short, meaning in self.glossary.items():
            if not n or n in short.lower() or n in meaning.lower():
                table.add_row(short, meaning)
        total = len(self.glossary)
        count = f"{total}" if not n else f"{table.row_count} of {total}"
        self.query_one("#glossary-title", Static).update(f"Abbreviation glossary ({count})")

    def on_input_changed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    def action_close(self) -> None:
        self.dismiss()
