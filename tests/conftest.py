"""Shared fixtures: the real article, the real bundled model, a real index built once per session."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
ARTICLE = CORPUS / "her2-review.txt"


def development_articles(tmp_path_factory, names: tuple[str, ...], label: str):
    """A real retriever over a corpus of the named development articles (`eval/articles`), its index
    built in a temporary folder."""
    import qa

    corpus = tmp_path_factory.mktemp(label)
    for name in names:
        shutil.copy(ROOT / "eval" / "articles" / f"{name}.nxml", corpus / f"{name}.nxml")
    return qa.Retriever.load(corpus_dir=corpus, index_dir=tmp_path_factory.mktemp(f"{label}-index"))


def _temporary_folder_in(variable: str, tmp_path_factory, name: str):
    """Point `variable` at a fresh temporary folder for the session, then restore it."""
    d = tmp_path_factory.mktemp(name)
    before = os.environ.get(variable)
    os.environ[variable] = str(d)
    yield d
    if before is None:
        os.environ.pop(variable, None)
    else:
        os.environ[variable] = before


@pytest.fixture(scope="session", autouse=True)
def parse_cache(tmp_path_factory) -> Path:
    """Parsed articles are cached in a temporary folder, not the user's cache (qa.parse_cache)."""
    yield from _temporary_folder_in("QA_PARSE_CACHE", tmp_path_factory, "parse-cache")


@pytest.fixture(scope="session", autouse=True)
def onnx_cache(tmp_path_factory) -> Path:
    """The ONNX export of the model goes to a temporary folder, not the user's cache (qa.embedding)."""
    yield from _temporary_folder_in("QA_ONNX_CACHE", tmp_path_factory, "onnx-cache")


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory) -> Path:
    """A copy of the real corpus folder (tests may not touch the project's own)."""
    d = tmp_path_factory.mktemp("corpus")
    shutil.copy(ARTICLE, d / ARTICLE.name)
    return d


@pytest.fixture(scope="session")
def index_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("index")


@pytest.fixture(scope="session")
def retriever(corpus_dir, index_dir):
    """The real retriever: real article, bundled model, FAISS + BM25 index built once."""
    import qa

    return qa.Retriever.load(corpus_dir=corpus_dir, index_dir=index_dir)


@pytest.fixture(scope="session")
def document(retriever):
    return retriever.documents[0]


@pytest.fixture()
def session(retriever):
    """A fresh chat session on the shared retriever."""
    from qa.chat import ChatSession

    return ChatSession(retriever)
