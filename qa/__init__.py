"""qa: grounded, cited question answering over scientific review articles.

The library never imports Textual. Names are imported lazily, so `import qa` is cheap and does not
import torch (the embedding model loads on first use).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

__version__ = "0.1.0"

_EXPORTS = {
    "Answer": "qa.answer", "Answerer": "qa.answer", "Citation": "qa.answer",
    "ExtractiveAnswerer": "qa.answer", "ChatSession": "qa.chat", "ChunkSettings": "qa.chunking",
    "Passage": "qa.chunking", "Document": "qa.corpus", "Reference": "qa.corpus",
    "Section": "qa.corpus", "load_corpus": "qa.corpus", "Article": "qa.corpus",
    "load_article": "qa.corpus", "Table": "qa.corpus", "Figure": "qa.corpus", "CorpusError": "qa.errors",
    "FactoryError": "qa.errors",
    "IndexCorruptError": "qa.errors", "ModelError": "qa.errors", "QAError": "qa.errors",
    "QuestionError": "qa.errors", "QuestionSetError": "qa.errors", "StaleIndexError": "qa.errors",
    "MODES": "qa.retriever", "MAX_QUESTION_CHARS": "qa.retriever", "Retriever": "qa.retriever",
    "check_question": "qa.retriever",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'qa' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(list(globals()) + __all__)


if TYPE_CHECKING:  # pragma: no cover
    from qa.answer import Answer, Answerer, Citation, ExtractiveAnswerer
    from qa.chat import ChatSession
    from qa.chunking import ChunkSettings, Passage
    from qa.corpus import (Article, Document, Figure, Reference, Section, Table, load_article,
                           load_corpus)
    from qa.errors import (CorpusError, FactoryError, IndexCorruptError, ModelError, QAError, QuestionError,
                           QuestionSetError, StaleIndexError)
    from qa.retriever import MAX_QUESTION_CHARS, MODES, Retriever, check_question
