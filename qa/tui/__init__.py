"""The Textual chat UI. It talks to the library only through its public API."""

from __future__ import annotations

from pathlib import Path


def run_app(corpus_dir: Path | str = "corpus", index_dir: Path | str = "index",
            model: str | None = None) -> None:
    """Open the chat UI (placeholder until the UI lands)."""
    raise SystemExit("qa: the chat UI is not built yet; use `qa ask`")
