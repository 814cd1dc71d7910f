"""The Textual chat UI over the corpus. It talks to the library only through its public API.

Importing this package is cheap: Textual and the library's heavy parts load when the app starts,
and the model loads in a worker after the window has painted.
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from qa.tui.app import QAApp


def make_app(retriever=None, corpus_dir: Path | str = "corpus", index_dir: Path | str = "index",
             model: str | None = None, data_dir: Path | str | None = None,
             export_dir: Path | str | None = None) -> "QAApp":
    """The chat app. With a `retriever` it uses it; otherwise it loads one in a worker.
    `data_dir` holds the saved conversations (default: the user's data folder)."""
    from qa.tui.app import make_app as _make_app

    return _make_app(retriever=retriever, corpus_dir=corpus_dir, index_dir=index_dir, model=model,
                     data_dir=data_dir, export_dir=export_dir)


def run_app(corpus_dir: Path | str = "corpus", index_dir: Path | str = "index",
            model: str | None = None, data_dir: Path | str | None = None,
            export_dir: Path | str | None = None) -> None:
    """Open the chat UI (what `qa` with no arguments does).

    Quitting while a worker thread is still busy (loading the model, building the index) does not
    wait for it: the library writes its files atomically, so the process ends at once.
    """
    app = make_app(corpus_dir=corpus_dir, index_dir=index_dir, model=model, data_dir=data_dir,
                   export_dir=export_dir)
    loop = asyncio.new_event_loop()  # our own loop: asyncio.run would join the busy worker threads
    try:
        app.run(loop=loop)
    finally:
        code = app.return_code or 0
        if any(t.is_alive() for t in threading.enumerate() if t is not threading.main_thread()):
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
        loop.close()
    if code:
        raise SystemExit(code)


__all__ = ["make_app", "run_app"]
