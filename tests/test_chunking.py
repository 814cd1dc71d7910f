"""Sentence splitting and passages of the real index, counted with the real model's tokenizer."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from qa.chunking import ChunkSettings, Chunker, split_sentences
from qa.corpus import load_corpus
from qa.embedding import resolve_model

TEXT_KINDS = ("paragraph", "abstract")


@pytest.fixture(scope="module")
def count_tokens():
    """Word pieces of a text with the bundled model's own tokenizer, special tokens included."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(Path(resolve_model(None)) / "tokenizer.json"))
    tok.no_truncation()
    tok.no_padding()
    return lambda text: len(tok.encode(text, add_special_tokens=True).ids)


def _sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in split_sentences(text)]


# --------------------------------------------------------------------------- sentences


@pytest.mark.parametrize("text,expected", [
    ("Responses were better (P < 0.001). A second sentence follows.",
     ["Responses were better (P < 0.001).", "A second sentence follows."]),
    ("Andre et al. [71] found it. Then more.", ["Andre et al. [71] found it.", "Then more."]),
    ("As shown by Andre et al. in 2010, it works. Next one.",
     ["As shown by Andre et al. in 2010, it works.", "Next one."]),
    ("Patients treated for \u22658 weeks responded. Others did not.",
     ["Patients treated for \u22658 weeks responded.", "Others did not."]),
    ("Some agents, e.g. lapatinib, work. Others fail.", ["Some agents, e.g. lapatinib, work.", "Others fail."]),
    ("One agent, i.e. everolimus, was tested. Next.", ["One agent, i.e. everolimus, was tested.", "Next."]),
    ("  Leading and trailing space.  ", ["Leading and trailing space."]),
])
def test_split_sentences(text, expected):
    assert _sentences(text) == expected


def test_split_sentences_spans_index_the_text():
    text = "The MTD was 10\u00a0mg/day [71]. Stomatitis (82%) was common.\nA new line."
    spans = split_sentences(text)
    assert len(spans) == 3
    assert all(not text[a:b][0].isspace() and not text[a:b][-1].isspace() for a, b in spans)
    assert [a for a, _ in spans] == sorted(a for a, _ in spans)


def test_split_sentences_on_article(corpus_dir):
    doc = load_corpus(corpus_dir)[0]
    para = next(b for b in doc.blocks if b.kind == "paragraph" and "maximum tolerated dose" in b.text)
    sents = _sentences(para.text)
    mtd = [s for s in sents if "maximum tolerated dose" in s]
    assert len(mtd) == 1 and mtd[0].endswith("was 10\u00a0mg/day [71].")
    assert mtd[0].startswith("In a phase Ib dose-finding study")
    # the article's "P < 0.05"-style and "et al." sentences are never cut inside
    for b in doc.blocks:
        if b.kind in TEXT_KINDS:
            for s in _sentences(b.text):
                assert not s.endswith(("et al.", "e.g.", "i.e.", "P <", "vs.")), s


# --------------------------------------------------------------------------- passages


def test_every_passage_fits_the_model(retriever, count_tokens):
    sizes = [count_tokens(p.embedding_text()) for p in retriever.passages]
    assert max(sizes) <= 256
    assert len(sizes) > 100


def test_passage_text_is_the_original_text(retriever):
    doc = retriever.documents[0]
    n = 0
    for p in retriever.passages:
        if p.kind in ("table_row", "front"):
            continue
        assert doc.text[p.start:p.end] == p.text, p.id
        n += 1
    assert n > 100


def test_passages_never_cross_a_section(retriever):
    doc = retriever.documents[0]
    for p in retriever.passages:
        if p.kind == "front":
            continue
        sec = doc.section(p.section_path)
        assert sec.start <= p.start < p.end <= sec.end, (p.id, p.section)
        assert p.section == " > ".join(p.section_path)


def _blocks_of(retriever):
    """Passages of paragraph/abstract kind grouped by the block that holds them."""
    doc = retriever.documents[0]
    blocks = [b for b in doc.blocks if b.kind in TEXT_KINDS]
    groups = defaultdict(list)
    for p in retriever.passages:
        if p.kind in TEXT_KINDS:
            b = next(b for b in blocks if b.start <= p.start and p.end <= b.end)
            groups[(b.start, b.end)].append(p)
    return doc, blocks, groups


def test_passages_start_and_end_on_sentence_boundaries(retriever):
    doc, blocks, groups = _blocks_of(retriever)
    for b in blocks:
        spans = split_sentences(b.text)
        starts = {b.start + s for s, _ in spans}
        ends = {b.start + e for _, e in spans}
        for p in groups[(b.start, b.end)]:
            assert p.start in starts, (p.id, p.text[:50])
            assert p.end in ends, (p.id, p.text[-50:])
            assert p.text.rstrip()[-1] in ".)]%", p.text[-50:]


def test_consecutive_passages_of_a_paragraph_overlap(retriever):
    _, _, groups = _blocks_of(retriever)
    multi = [ps for ps in groups.values() if len(ps) > 1]
    assert multi, "some paragraph should need more than one passage"
    for ps in multi:
        for a, b in zip(ps, ps[1:]):
            assert a.start < b.start < a.end < b.end, (a.id, b.id)


def test_every_sentence_is_in_some_passage(retriever):
    doc, blocks, groups = _blocks_of(retriever)
    total = 0
    for b in blocks:
        for s, e in split_sentences(b.text):
            total += 1
            assert any(p.start <= b.start + s and b.start + e <= p.end for p in groups[(b.start, b.end)]), \
                doc.text[b.start + s:b.start + e][:80]
    assert total > 100


def test_every_table_row_and_reference_is_a_passage(retriever):
    doc = retriever.documents[0]
    kinds = defaultdict(int)
    for p in retriever.passages:
        kinds[p.kind] += 1
    assert kinds["table_row"] == 25
    assert kinds["reference"] == 92
    row = next(p for p in retriever.passages if "NCT01132664" in p.text)
    assert row.kind == "table_row" and "PI3K inhibitors" in row.text
    assert "NCT01132664" in doc.text[row.start:row.end]


def test_passage_ids_are_unique_and_ordered(retriever):
    ids = [p.id for p in retriever.passages]
    assert len(set(ids)) == len(ids)
    assert ids == sorted(ids)
    assert all(i.startswith("her2-review:") for i in ids)


def test_chunker_small_limit_keeps_original_text(corpus_dir, count_tokens):
    doc = load_corpus(corpus_dir)[0]
    settings = ChunkSettings(max_tokens=48, target_tokens=32, overlap_sentences=1)
    passages, sentences = Chunker(count_tokens, settings).chunk([doc])
    for p in passages:
        if p.kind in TEXT_KINDS:
            assert doc.text[p.start:p.end] == p.text
    assert len(sentences) > 0


def test_chunker_respects_a_small_limit(corpus_dir, count_tokens):
    """With a tight limit long sentences are cut by words and every passage still fits."""
    doc = load_corpus(corpus_dir)[0]
    settings = ChunkSettings(max_tokens=48, target_tokens=32, overlap_sentences=1)
    passages, _ = Chunker(count_tokens, settings).chunk([doc])
    assert max(count_tokens(p.embedding_text()) for p in passages if p.kind in TEXT_KINDS) <= 48
