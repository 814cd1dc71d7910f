"""Messages that workers post back to the app (the only way results leave a worker thread)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from textual.message import Message

from qa.tui.library import AnswerInfo, Library


@dataclass
class LoadProgress(Message):
    """The retriever is loading: what it is doing, and how far along (0..1)."""

    message: str
    fraction: float


@dataclass
class RetrieverReady(Message):
    """The retriever is loaded (or rebuilt)."""

    retriever: Library  # a qa.Retriever
    rebuilt: bool


@dataclass
class AnswerReady(Message):
    """The answer to the question of one turn of the chat log."""

    turn: int
    answer: AnswerInfo  # a qa.Answer


@dataclass
class ExportDone(Message):
    """The conversation was written to a Markdown file."""

    path: Path


@dataclass
class CopyDone(Message):
    """A copy finished: whether the text reached a clipboard, and what to tell the user."""

    text: str
    copied: bool
    message: str
    osc52: bool  # also send it by OSC 52
