"""Progress reporting shared by the command-line front ends (rich progress bars)."""

from __future__ import annotations

from collections.abc import Callable


def announcing(bar, task, console, width: int | None = None) -> Callable[[str, float], None]:
    """A `Retriever.load` progress callback: drives `task` of the rich `bar` and prints a line on
    `console` when the index is (re)built, saying why."""

    def progress(message: str, fraction: float) -> None:
        if message.startswith(("Rebuilding index", "Building index")):
            console.print(f"qa: {message}", soft_wrap=True)
        bar.update(task, description=message[:width] if width else message, completed=fraction)

    return progress
