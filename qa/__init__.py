"""qa: grounded, cited question answering over scientific review articles.

The library never imports Textual; importing it does not import torch (the model loads on first use).
"""

from qa.answer import Answer, Answerer, Citation, ExtractiveAnswerer
from qa.chat import ChatSession
from qa.chunking import ChunkSettings, Passage
from qa.corpus import Document, Reference, Section, load_corpus
from qa.errors import (
    CorpusError,
    IndexCorruptError,
    ModelError,
    QAError,
    QuestionError,
    QuestionSetError,
    StaleIndexError,
)
from qa.retriever import MODES, Retriever

__version__ = "0.1.0"

__all__ = [
    "MODES", "Answer", "Answerer", "ChatSession", "Citation", "ExtractiveAnswerer", "ChunkSettings", "CorpusError", "Document", "IndexCorruptError", "ModelError",
    "Passage", "QAError", "QuestionError", "QuestionSetError", "Reference", "Retriever", "Section",
    "StaleIndexError", "load_corpus",
]
