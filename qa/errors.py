"""Typed exceptions. Every message is one line that names the problem and what to do."""

from __future__ import annotations


class QAError(Exception):
    """Base class of every error the library raises on bad input or a bad index."""


class CorpusError(QAError):
    """The corpus folder or one of its files cannot be used (missing, empty, not UTF-8, not PMC)."""


class IndexCorruptError(QAError):
    """The index on disk is unreadable or half-written; rebuild it with `qa index`."""


class StaleIndexError(QAError):
    """The index was built from another corpus, model or chunker settings."""


class QuestionError(QAError, ValueError):
    """The question (or a search parameter such as k) is not usable."""


class ModelError(QAError):
    """The embedding model cannot be loaded."""


class QuestionSetError(QAError):
    """An evaluation question set cannot be read; the message names the file and line."""


class FactoryError(QAError, ValueError):
    """The FAISS factory string cannot build the index: not a factory, not for inner product, or
    it needs more training vectors than the corpus has."""
