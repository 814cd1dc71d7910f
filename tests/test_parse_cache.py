"""Parsed articles are cached between commands (qa.parse_cache): the same Document as a fresh parse,
never a stale one, and a damaged or unwritable cache only costs a parse."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from qa.corpus import load_corpus, parse_file
from qa.errors import CorpusError
from qa.parse_cache import parse_cached

ROOT = Path(__file__).resolve().parents[1]
FILES = [ROOT / "corpus" / "her2-review.txt", ROOT / "eval" / "articles" / "pone.0000217.nxml",
         ROOT / "eval" / "articles" / "1472-6831-8-11.nxml"]


@pytest.fixture()
def cache(tmp_path, monkeypatch) -> Path:
    d = tmp_path / "cache"
    monkeypatch.setenv("QA_PARSE_CACHE", str(d))
    return d


@pytest.fixture()
def library(tmp_path) -> Path:
    lib = tmp_path / "lib"
    lib.mkdir()
    for f in FILES:
        shutil.copy(f, lib / f.name)
    return lib


def _entries(cache: Path) -> list[Path]:
    return sorted(cache.rglob("*.pickle"))


def test_a_cached_parse_is_the_fresh_parse_in_both_layouts(cache, library):
    first = load_corpus(library)
    assert len(_entries(cache)) == len(FILES)
    again = load_corpus(library)
    assert again == first
    assert again == [parse_file(Path(d.path)) for d in first]


def test_an_edited_article_is_parsed_again(cache, library):
    load_corpus(library)
    f = library / "pone.0000217.nxml"
    f.write_text(f.read_text(encoding="utf-8").replace("drift load", "drift burden", 1), encoding="utf-8")
    doc = next(d for d in load_corpus(library) if d.doc_id == "pone.0000217")
    assert doc == parse_file(f) and len(_entries(cache)) == len(FILES) + 1


def test_a_damaged_entry_is_parsed_again_and_replaced(cache, library):
    docs = load_corpus(library)
    for e in _entries(cache):
        e.write_bytes(b"not a pickle")
    assert load_corpus(library) == docs
    assert all(e.read_bytes() != b"not a pickle" for e in _entries(cache))


def test_switched_off_or_unwritable_it_still_parses(tmp_path, library, monkeypatch):
    monkeypatch.setenv("QA_PARSE_CACHE", "0")
    docs = load_corpus(library)
    assert not list(tmp_path.rglob("*.pickle"))
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache folder would be")
    monkeypatch.setenv("QA_PARSE_CACHE", str(blocked))
    assert load_corpus(library) == docs


def test_bad_files_are_still_one_line_errors(cache, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    with pytest.raises(CorpusError) as e:
        parse_cached(empty)
    assert "empty" in str(e.value) and "\n" not in str(e.value)
    assert not cache.exists() or not _entries(cache)
