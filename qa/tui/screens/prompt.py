"""A small dialog that asks for one value (a number of passages, a file name)."""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Static


class PromptScreen(ModalScreen[str | None]):
    """Ask for a value; enter accepts it (if `check` returns no complaint), escape cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="prompt-cancel")]

    def __init__(self, title: str, value: str = "", *, hint: str = "",
                 check: Callable[[str], str | None] | None = None, input_type: str = "text") -> None:
        super().__init__()
        self.title_text = title
        self.value = value
        self.hint = hint
        self.check = check
        self.input_type = input_type

    def compose(self) -> ComposeResult:
        with Vertical(id="prompt-box"):
            yield Static(self.title_text, id="prompt-title", markup=False)
            yield Input(self.value, id="prompt-input", type=self.input_type)  # type: ignore[arg-type]
            yield Static(self.hint, id="prompt-hint", markup=False)
        yield Footer()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        value = event.value.strip()
        problem = self.check(value) if self.check else None
        if problem:
            hint = self.query_one("#prompt-hint", Static)
            hint.update(problem)
            hint.add_class("-error")
            return
        self.dismiss(value)

    def action_cancel(self) -> None:
        self.dismiss(None)
