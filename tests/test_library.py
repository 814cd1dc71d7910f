"""A library of several articles (JATS XML and PMC text) on the real model and index: listing,
incremental add / remove / edit, search inside one article, answers naming their article, and an
index that is never mixed or lost (generations, lock, checksums, injected crashes)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import qa
from qa.text import fold
from qa.cli import app

ROOT = Path(__file__).resolve().parents[1]
ARTICLES = ROOT / "eval" / "articles"
SMALL = ("1472-6831-8-11.nxml", "pone.0000217.nxml")  # the two shortest development articles
EXTRA = "pntd.0002065.nxml"


def _files(d: Path) -> dict[str, bytes]:
    return {str(p.relative_to(d)): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}


def _generation(d: Path) -> Path:
    return d / json.loads((d / "manifest.json").read_text(encoding="utf-8"))["generation"]


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    """Two JATS articles and the review, indexed once."""
    corpus = tmp_path_factory.mktemp("library")
    for name in SMALL:
        shutil.copy(ARTICLES / name, corpus / name)
    shutil.copy(ROOT / "corpus" / "her2-review.txt", corpus / "her2-review.txt")
    index = tmp_path_factory.mktemp("library-index")
    r = qa.Retriever.load(corpus_dir=corpus, index_dir=index)
    return corpus, index, r


@pytest.fixture()
def copy(library, tmp_path):
    corpus, index, _ = library
    c, i = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(corpus, c)
    shutil.copytree(index, i)
    return c, i


def test_every_article_is_indexed_and_named(library):
    _, _, r = library
    assert set(r.articles) == {"1472-6831-8-11", "pone.0000217", "her2-review"}
    assert {p.doc_id for p in r.passages} == set(r.articles)
    for art in r.articles.values():
        assert isinstance(art, qa.Article) and art.title and art.references
    assert r.corpus_noun == "these articles"


def test_search_inside_one_article(library):
    _, _, r = library
    for article in r.articles:
        hits = r.search("What was measured and what was found?", k=5, article=article)
        assert hits and all(p.doc_id == article for p in hits)
    with pytest.raises(qa.QuestionError) as e:
        r.search("anything", article="no-such-article")
    assert "no-such-article" in str(e.value) and "\n" not in str(e.value)


def test_answers_name_the_article_they_quote(library):
    _, _, r = library
    session = qa.ChatSession(r)
    answer = session.ask("What is the maximum tolerated dose of everolimus with paclitaxel and trastuzumab?")
    assert not answer.abstained and "10 mg/day" in fold(answer.text)
    cite = r.document("her2-review").short_citation()
    assert all(c.article == cite for c in answer.citations if c.passage.doc_id == "her2-review")
    assert cite in answer.sources_text()
    assert answer.to_dict()["citations"][0]["article"]


def test_reference_numbers_belong_to_their_article(library):
    _, _, r = library
    for p in r.passages:
        doc = r.document(p.doc_id)
        for ref in p.refs:
            assert doc.references[ref.number] is ref


def test_abstention_speaks_of_these_articles(library):
    _, _, r = library
    a = qa.ChatSession(r).ask("What is the capital of Australia?")
    assert a.abstained and a.text.startswith("These articles do not answer")


def test_qa_list(library):
    corpus, _, _ = library
    res = CliRunner().invoke(app, ["list", "--corpus", str(corpus), "--json"])
    assert res.exit_code == 0, res.output
    rows = {row["id"]: row for row in json.loads(res.stdout)["articles"]}
    assert set(rows) == {"1472-6831-8-11", "pone.0000217", "her2-review"}
    assert rows["her2-review"]["year"] == 2012 and rows["pone.0000217"]["first_author"].startswith("Tenaillon")
    res = CliRunner().invoke(app, ["list", "--corpus", str(corpus)])
    assert res.exit_code == 0 and "Tenaillon" in res.stdout


def test_incremental_add_embeds_only_the_new_article(copy):
    corpus, index = copy
    before = qa.Retriever.load(corpus_dir=corpus, index_dir=index, rebuild="never")
    old_vectors = {p.id: before._index.dense.reconstruct(i) for i, p in enumerate(before.passages)}
    res = CliRunner().invoke(app, ["add", str(ARTICLES / EXTRA), "--corpus", str(corpus), "--index", str(index)])
    assert res.exit_code == 0, res.output
    assert "1 added, 0 changed, 0 removed; 3 unchanged" in res.stderr
    m = json.loads((index / "manifest.json").read_text(encoding="utf-8"))
    assert m["last_build"]["added"] == ["pntd.0002065"] and len(m["last_build"]["unchanged"]) == 3
    after = qa.Retriever.load(corpus_dir=corpus, index_dir=index, rebuild="never")
    new_passages = [p for p in after.passages if p.doc_id == "pntd.0002065"]
    assert new_passages and m["last_build"]["embedded_texts"] < 3 * (len(new_passages) + 400)
    for i, p in enumerate(after.passages):
        if p.id in old_vectors:  # unchanged articles keep their vectors exactly
            assert (after._index.dense.reconstruct(i) == old_vectors[p.id]).all()
    hit = after.search("Rift Valley fever seroprevalence in goats", k=1)[0]
    assert hit.doc_id == "pntd.0002065"
    # adding the same article again under another name is refused as a duplicate
    dup = corpus.parent / "same-article.nxml"
    shutil.copy(ARTICLES / EXTRA, dup)
    res = CliRunner().invoke(app, ["add", str(dup), "--corpus", str(corpus), "--index", str(index)])
    assert res.exit_code == 0 and "already in the corpus" in res.stderr
    assert not (corpus / "same-article.nxml").exists()


def test_remove_and_edit_are_incremental(copy):
    corpus, index = copy
    (corpus / SMALL[1]).unlink()
    r = qa.Retriever.load(corpus_dir=corpus, index_dir=index)
    assert "0 added, 0 changed, 1 removed; 2 unchanged" in r.status
    assert "pone.0000217" not in r.articles and all(p.doc_id != "pone.0000217" for p in r.passages)
    xml = (corpus / SMALL[0]).read_text(encoding="utf-8")
    (corpus / SMALL[0]).write_text(xml.replace("Dutch version", "Dutch edition", 1), encoding="utf-8")
    r = qa.Retriever.load(corpus_dir=corpus, index_dir=index)
    assert "0 added, 1 changed, 0 removed; 1 unchanged" in r.status
    assert "Dutch edition" in r.document("1472-6831-8-11").title


def test_duplicate_articles_are_indexed_once(copy):
    corpus, index = copy
    shutil.copy(corpus / SMALL[0], corpus / "copy-of-ohip.nxml")
    notes = []
    r = qa.Retriever.load(corpus_dir=corpus, index_dir=index, progress=lambda m, f: notes.append(m))
    assert "copy-of-ohip" not in r.articles
    assert any("same article" in n for n in notes)
    hits = r.search("reliability of the Dutch OHIP", k=5)
    assert len({p.id for p in hits}) == len(hits) == len({(p.doc_id, p.start, p.end) for p in hits})


# --------------------------------------------------------------------------- never mixed, never lost


@pytest.mark.parametrize("step", ["start", "passages", "vectors", "bm25", "renamed"])
def test_a_crash_while_writing_leaves_the_previous_index(copy, step, monkeypatch):
    corpus, index = copy
    before = _files(index)
    (corpus / SMALL[1]).unlink()  # something to rebuild
    monkeypatch.setenv("QA_FAIL_AT", step)
    with pytest.raises(OSError):
        qa.Retriever.load(corpus_dir=corpus, index_dir=index)
    monkeypatch.delenv("QA_FAIL_AT")
    # the old generation is untouched and still loads for the old corpus
    after = _files(index)
    gen = _generation(index).name
    assert after["manifest.json"] == before["manifest.json"]
    assert {k: v for k, v in after.items() if k.startswith(gen + "/")} == \
        {k: v for k, v in before.items() if k.startswith(gen + "/")}
    old_corpus = corpus.parent / "old"
    shutil.copytree(corpus, old_corpus)
    shutil.copy(ARTICLES / SMALL[1], old_corpus / SMALL[1])
    assert qa.Retriever.load(corpus_dir=old_corpus, index_dir=index, rebuild="never").status == "loaded"
    # the next build cleans the temporaries up
    qa.Retriever.load(corpus_dir=corpus, index_dir=index)
    assert not [p for p in index.iterdir() if p.name.endswith(".tmp")]
    assert len([p for p in index.iterdir() if p.name.startswith("gen-")]) <= 2


def test_flipped_bytes_fail_the_checksum(copy):
    corpus, index = copy
    f = _generation(index) / "dense.faiss"
    data = bytearray(f.read_bytes())
    data[len(data) // 2] ^= 0xFF
    f.write_bytes(bytes(data))
    with pytest.raises(qa.IndexCorruptError) as e:
        qa.Retriever.load(corpus_dir=corpus, index_dir=index)
    assert "checksum" in str(e.value) and "\n" not in str(e.value)


def test_a_foreign_bm25_folder_is_refused(copy, tmp_path):
    corpus, index = copy
    other_corpus = tmp_path / "other"
    other_corpus.mkdir()
    shutil.copy(ARTICLES / SMALL[0], other_corpus / SMALL[0])
    other = tmp_path / "other-index"
    qa.Retriever.load(corpus_dir=other_corpus, index_dir=other)
    shutil.rmtree(_generation(index) / "bm25")
    shutil.copytree(_generation(other) / "bm25", _generation(index) / "bm25")
    with pytest.raises(qa.IndexCorruptError) as e:
        qa.Retriever.load(corpus_dir=corpus, index_dir=index)
    assert "\n" not in str(e.value) and "qa index" in str(e.value)


def test_index_path_that_is_a_file(library, tmp_path):
    corpus, _, _ = library
    f = tmp_path / "not-a-folder"
    f.write_text("x")
    res = CliRunner().invoke(app, ["search", "dose", "--corpus", str(corpus), "--index", str(f)])
    assert res.exit_code == 2 and "is a file" in res.stderr and res.stderr.count("\n") == 1


def test_two_builders_at_once_give_one_consistent_index(copy):
    corpus, index = copy
    (corpus / SMALL[1]).unlink()
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    cmd = [sys.executable, "-c", "from qa.cli import main; main()", "index", "--corpus", str(corpus),
           "--index", str(index)]
    procs = [subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    outs = [p.communicate(timeout=600) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    r = qa.Retriever.load(corpus_dir=corpus, index_dir=index, rebuild="never")
    assert {p.doc_id for p in r.passages} == {"1472-6831-8-11", "her2-review"}
    assert not [p for p in index.iterdir() if p.name.endswith(".tmp")]


def test_files_honour_the_umask(library, tmp_path):
    corpus, _, _ = library
    old = os.umask(0o022)
    try:
        one = tmp_path / "one"
        one.mkdir()
        shutil.copy(ARTICLES / SMALL[0], one / SMALL[0])
        idx = tmp_path / "idx"
        qa.Retriever.load(corpus_dir=one, index_dir=idx)
    finally:
        os.umask(old)
    for p in [idx / "manifest.json", *_generation(idx).rglob("*")]:
        if p.is_file():
            assert p.stat().st_mode & 0o777 == 0o644, p


# --------------------------------------------------------------------------- how a build encodes (issue 16)


def test_a_build_encodes_with_onnx_and_composes_passage_vectors(library):
    """The default build: ONNX Runtime, each text encoded once, passage vectors composed from their
    heading's and sentences' vectors. Over three articles of three layouts the composed vectors stay
    close to encoding each passage whole, and every vector is a unit vector."""
    import numpy as np

    _, _, r = library
    m = r.manifest
    assert (m["encoder"], m["passage_vectors"]) == ("onnx", "sentences")
    vectors = r._index.dense.reconstruct_n(0, r._index.dense.ntotal)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    emb = r._embedder
    by_article: dict[str, list[float]] = {}
    for i, p in enumerate(r.passages):
        if p.kind in ("paragraph", "abstract"):
            by_article.setdefault(p.doc_id, []).append(i)
    assert len(by_article) == 3
    for doc_id, rows in by_article.items():
        rows = rows[:40]
        whole = emb.encode_documents([r.passages[i].embedding_text() for i in rows], "onnx")
        cos = np.sum(whole * vectors[rows], axis=1)
        assert float(np.median(cos)) >= 0.9 and float(cos.min()) >= 0.5, (doc_id, np.median(cos), cos.min())


def test_a_build_with_the_export_cached_imports_no_torch(library, tmp_path):
    corpus, _, r = library
    code = ("import sys, qa\nr = qa.Retriever.load(sys.argv[1], sys.argv[2])\n"
            "print(r.manifest['encoder'], len(r.passages), 'torch' in sys.modules)")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    res = subprocess.run([sys.executable, "-c", code, str(corpus), str(tmp_path / "idx")], capture_output=True,
                         text=True, timeout=600, env=env)
    assert res.returncode == 0, res.stderr
    encoder, n, torch_loaded = res.stdout.split()
    assert (encoder, int(n), torch_loaded) == ("onnx", len(r.passages), "False")


def test_vectors_of_another_encoder_are_not_reused(copy, monkeypatch):
    """An index built with another encoder still answers (it is not stale), but the next build
    re-embeds every article instead of mixing its vectors with the new encoder's."""
    import qa.index
    from qa.settings import IndexSettings, Settings

    corpus, index = copy
    monkeypatch.setattr(qa.index, "SETTINGS", Settings(index=IndexSettings(encoder="onnx", passage_vectors="encoded")))
    shutil.copy(ARTICLES / EXTRA, corpus / EXTRA)
    r = qa.Retriever.load(corpus, index)
    assert r.manifest["passage_vectors"] == "encoded"
    last = r.manifest["last_build"]
    assert last["unchanged"] == [] and len(last["added"]) + len(last["changed"]) == 4


@pytest.mark.parametrize("data", [{"index": {"encoder": "gpu"}}, {"index": {"passage_vectors": "mean"}},
                                  {"index": {"batch_size": 0}}])
def test_bad_index_settings_are_one_line_errors(data):
    from qa.settings import Settings

    with pytest.raises(qa.QAError) as e:
        Settings.from_dict(data)
    assert "\n" not in str(e.value) and "[index]" in str(e.value)
