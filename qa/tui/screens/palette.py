"""The command palette with its own footer, so that the keys shown are the palette's, not the chat's."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.command import CommandPalette
from textual.widgets import Footer


class Palette(CommandPalette):
    """Textual's command palette, plus a footer of its keys."""

    def compose(self) -> ComposeResult:
        yield from super().compose()
        yield Footer()
