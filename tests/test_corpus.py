"""The PMC parser on the real article, and on small synthetic PMC texts for edge cases."""

from __future__ import annotations

import pytest

import qa
from qa.corpus import citations_in, expand_citation, load_corpus, parse_text

TITLE = "Overcoming resistance and restoring sensitivity to HER2-targeted therapies in breast cancer"
PI3K_PARENT = "future strategies for overcoming HER2 resistance: inhibitors of the PI3K/Akt/mTOR pathway"
CURRENT_PARENT = "current strategies for overcoming resistance: maintaining HER2-targeted therapy"


@pytest.fixture(scope="module")
def doc(corpus_dir):
    """The article parsed straight from the corpus folder (no model or index needed)."""
    docs = load_corpus(corpus_dir)
    assert len(docs) == 1
    return docs[0]


# --------------------------------------------------------------------------- front matter


def test_front_matter(doc):
    assert doc.title == TITLE
    assert doc.doi == "10.1093/annonc/mds200"
    assert doc.journal == "Annals of Oncology"
    assert doc.year == 2012
    assert len(doc.authors) == 3
    assert [a.split()[0] for a in doc.authors] == ["Mohd", "Crown", "Hennessy"]
    assert doc.doc_id == "her2-review"


def test_front_matter_affiliations_and_issue(retriever):
    front = " ".join(p.text for p in retriever.passages if p.kind == "front")
    assert ("Affiliation of Crown J.: Department of Medical Oncology, St Vincent's University Hospital, "
            "Dublin, Ireland.") in front
    assert ("Affiliations of Hennessy B.T.: Department of Medical Oncology, Beaumont Hospital, Dublin; "
            "Our Lady of Lourdes Hospital, Drogheda.") in front
    assert "Published in the journal Annals of Oncology, 2012, volume 23, issue 12, pages 3007–3016." in front
    assert front.endswith("provided the original work is properly cited.")  # nothing cut off


def test_abstract_labels_and_text(doc):
    assert list(doc.abstract) == ["Background", "Design", "Results", "Conclusions"]
    assert doc.abstract["Background"].startswith("Approximately 15%\u201323% of breast cancers")
    assert doc.abstract["Conclusions"].startswith("Non-HER2-targeted therapy is a promising means")


def test_keywords_are_split(doc):
    assert doc.keywords == ("breast cancer", "everolimus", "HER2", "mTOR", "overcoming resistance",
                            "restoring sensitivity")


# --------------------------------------------------------------------------- sections


def test_section_tree(doc):
    paths = [s.path for s in doc.sections]
    for child in ("supporting preclinical data", "supporting clinical data", "ongoing clinical trials"):
        assert (PI3K_PARENT, child) in paths
    children = [p[1] for p in paths if len(p) == 2 and p[0] == CURRENT_PARENT]
    assert children == ["switching chemotherapeutic agent", "switching HER2-targeted therapy",
                        "combining HER2 inhibitors"]
    for top in ("introduction", "conclusion", PI3K_PARENT, CURRENT_PARENT,
                "funding", "disclosure", "acknowledgements"):
        assert (top,) in paths, top
    assert doc.section(PI3K_PARENT).level == 1
    assert doc.section((PI3K_PARENT, "ongoing clinical trials")).level == 2


def test_back_matter_comes_last_before_references(doc):
    top = [s.path[0] for s in doc.sections if len(s.path) == 1]
    assert top[-4:] == ["funding", "disclosure", "acknowledgements", "references"]


def test_child_sections_lie_inside_their_parent(doc):
    for s in doc.sections:
        if s.level == 2 and s.path[0] != "abstract":
            parent = doc.section(s.path[:1])
            assert parent.start <= s.start < s.end <= parent.end, s.path


def test_section_lookup_by_joined_text_and_unknown(doc):
    sec = doc.section(f"{PI3K_PARENT} > supporting clinical data")
    assert sec.title == "supporting clinical data"
    assert doc.text[sec.start:sec.end].startswith("supporting clinical data")
    with pytest.raises(KeyError):
        doc.section("no such section")


# --------------------------------------------------------------------------- references


def test_references_numbered_1_to_92(doc):
    assert sorted(doc.references) == list(range(1, 93))
    assert [b.refs[0] for b in doc.blocks if b.kind == "reference"] == list(range(1, 93))


def test_reference_71(doc):
    r = doc.references[71]
    assert r.pmid == "20975068"
    assert r.authors[0] == "Andre F"
    assert r.journal == "J Clin Oncol"
    assert r.year == 2010
    assert r.title.startswith("Phase I study of everolimus plus weekly paclitaxel and trastuzumab")
    assert r.short() == "Andre F et al., J Clin Oncol 2010, PMID 20975068"


def test_reference_without_pmid(doc):
    r = doc.references[41]
    assert r.pmid is None
    assert r.short() == "Baselga J et al., N Engl J Med 2012"


def test_most_references_have_pmid_and_year(doc):
    refs = doc.references.values()
    assert sum(r.pmid is not None for r in refs) >= 70
    assert all(r.pmid is None or r.pmid.isdigit() and len(r.pmid) in (7, 8) for r in refs)
    assert sum(r.year is not None for r in refs) >= 88


# --------------------------------------------------------------------------- tables and figures


def _rows(doc, label):
    return [b for b in doc.blocks if b.kind == "table_row" and b.text.startswith(label + ":")
            or b.kind == "table_row" and b.text.startswith(label + ",")]


def test_table_row_counts(doc):
    assert len(_rows(doc, "Table 1")) == 19
    assert len(_rows(doc, "Table 2")) == 6


def test_table_row_carries_its_group(doc):
    texts = [b.text for b in doc.blocks if b.kind == "table_row"]
    assert ("Table 1, PI3K inhibitors: BKM120 | Open-label, phase I/II | NCT01132664 | "
            "Trastuzumab\u00a0+\u00a0BKM120") in texts


def test_continuation_row_inherits_agent(doc):
    row = next(b for b in doc.blocks if b.kind == "table_row" and "NCT01361945" in b.text)
    assert row.text.startswith("Table 1, HSP90 inhibitor: AUY922 | Open-label, phase I/II | NCT01361945")
    assert "letrozole" in row.text
    # the row's span covers its lines in the original text
    assert "NCT01361945" in doc.text[row.start:row.end]


def test_table_2_rows_cite_references(doc):
    rows = _rows(doc, "Table 2")
    assert rows[0].text.startswith("Table 2: Andre/phase Ib [71]")
    assert rows[0].refs == (71,)


def test_pmc_text_tables_are_kept_as_tables(doc):
    """PMC text tables are kept as tables too (`Document.tables`, as JATS ones are): their header
    cells, and each row's cells, which its table_row block writes."""
    assert [t.label for t in doc.tables] == ["Table 1", "Table 2"]
    for table in doc.tables:
        rows = _rows(doc, table.label)
        assert len(table.rows) == len(rows) and table.headers and table.caption
        assert all(len(cells) >= 2 for cells in table.rows)
        for cells, block in zip(table.rows, rows):
            assert block.text.endswith(" | ".join(cells))


def test_figure_caption_split_from_paragraph(doc):
    caps = [b for b in doc.blocks if b.kind == "figure_caption"]
    assert len(caps) == 1
    # the original no-break space after "Figure" is kept
    assert caps[0].text.startswith("Figure\u00a01 Proposed mechanisms of HER2 resistance")
    assert doc.text[caps[0].start:caps[0].end] == caps[0].text
    for b in doc.blocks:
        if b.kind == "paragraph":
            assert "Proposed mechanisms of HER2 resistance" not in b.text


def test_table_captions(doc):
    caps = [b.text for b in doc.blocks if b.kind == "table_caption"]
    assert len(caps) == 2
    assert caps[0].startswith("Table\u00a01.") and caps[1].startswith("Table\u00a02.")


# --------------------------------------------------------------------------- citations


@pytest.mark.parametrize("marker,expected", [
    ("71\u201376", (71, 72, 73, 74, 75, 76)),
    ("6, 23", (6, 23)),
    ("57, 60\u201364", (57, 60, 61, 62, 63, 64)),
    ("5-7", (5, 6, 7)),
    ("12", (12,)),
])
def test_expand_citation(marker, expected):
    assert expand_citation(marker) == expected


def test_citations_in_text_filters_unknown():
    assert citations_in("as shown [3] and [71\u201373].") == (3, 71, 72, 73)
    assert citations_in("as shown [3] and [200].", known={3}) == (3,)
    assert citations_in("no markers (2010) here") == ()


def test_paragraph_blocks_carry_their_refs(doc):
    para = next(b for b in doc.blocks if b.kind == "paragraph" and "10\u00a0mg/day" in b.text
                and "everolimus" in b.text)
    assert 71 in para.refs
    for b in doc.blocks:
        if b.kind == "paragraph":
            assert b.refs == citations_in(b.text, set(doc.references))
    assert sum(1 for b in doc.blocks if b.kind == "paragraph" and b.refs) >= 20


# --------------------------------------------------------------------------- glossary


def test_glossary(doc):
    g = doc.glossary
    assert g["CBR"].startswith("clinical benefit rate")
    assert g["HER2"] == "human epidermal growth factor receptor 2"
    assert g["mTOR"] == "mammalian target of rapamycin"
    assert g["PI3K"] == "phosphatidylinositol 3-kinase"
    assert g["EVE"] == "everolimus"


# --------------------------------------------------------------------------- spans and original text


def test_paragraph_spans_index_the_original_text(doc):
    kinds = {"paragraph", "abstract", "keywords", "figure_caption", "table_caption", "table_note",
             "reference"}
    n = 0
    for b in doc.blocks:
        if b.kind in kinds:
            assert doc.text[b.start:b.end] == b.text, (b.kind, b.text[:60])
            n += 1
    assert n > 120


def test_original_text_is_preserved(doc, corpus_dir):
    raw = (corpus_dir / "her2-review.txt").read_text(encoding="utf-8")
    assert doc.text == raw
    assert "\u00a0" in doc.text
    assert any("\u00a0" in b.text for b in doc.blocks if b.kind == "paragraph")
    import hashlib
    assert doc.sha256 == hashlib.sha256(raw.encode("utf-8")).hexdigest()


def test_blocks_are_in_their_sections(doc):
    for b in doc.blocks:
        if b.kind in ("paragraph", "table_row") and b.section:
            sec = doc.section(b.section)
            assert sec.start <= b.start and b.end <= sec.end, (b.section, b.text[:60])


# --------------------------------------------------------------------------- synthetic PMC texts

MINI = (
    "==== Front\n"
    "J TestJournal of Tests1234-5678Pub 10.1000/xyz123xyz123ReviewsMinimal test article on HER2 "
    "Smith J. 1Doe A. 2\u00a9 The Author 2020.Background\n"
    "Some background about HER2 in breast cancer.\n\n"
    "breast cancerHER2\n"
    "==== Body\n"
    "introduction\n"
    "The human epidermal growth factor receptor 2 (HER2) is studied in breast cancer [1]. "
    "More text here [1, 2].\n\n"
    "conclusion\n"
    "It ends here.\n"
    "==== Refs\n"
    "1 Smith J    A title of a paper J Clin Oncol 2010 28 1 2 12345678\n"
    "2 Doe A  Roe B    Another paper Lancet 2011 3 4 5\n"
)


def test_minimal_pmc_document():
    d = parse_text(MINI, doc_id="mini")
    assert d.title == "Minimal test article on HER2"
    assert d.doi == "10.1000/xyz123"
    assert d.authors == ("Smith J.", "Doe A.")
    assert d.year == 2020
    assert d.abstract == {"Background": "Some background about HER2 in breast cancer."}
    assert d.keywords == ("breast cancer", "HER2")
    assert [s.path for s in d.sections if s.path[0] != "abstract"] == [
        ("introduction",), ("conclusion",), ("references",)]
    assert d.references[1].pmid == "12345678" and d.references[1].journal == "J Clin Oncol"
    assert d.references[2].pmid is None and d.references[2].year == 2011
    para = next(b for b in d.blocks if b.kind == "paragraph")
    assert para.refs == (1, 2)
    assert d.glossary["HER2"] == "human epidermal growth factor receptor 2"


def test_minimal_document_without_refs_section():
    d = parse_text(MINI.split("==== Refs")[0], doc_id="norefs")
    assert d.references == {}
    para = next(b for b in d.blocks if b.kind == "paragraph")
    assert para.refs == ()  # markers that match no reference are not kept


def test_citation_to_missing_reference_is_dropped():
    d = parse_text(MINI.replace("More text here [1, 2].", "More text here [1, 99]."))
    para = next(b for b in d.blocks if b.kind == "paragraph")
    assert para.refs == (1,)


def test_title_starting_with_single_letter_word():
    d = parse_text(MINI.replace("ReviewsMinimal test article", "ReviewsA minimal test article"))
    assert d.title == "A minimal test article on HER2"


@pytest.mark.parametrize("text", ["just some text", "==== Body\nonly a body\n==== Front\nfront\n", ""])
def test_non_pmc_text_is_a_corpus_error(text):
    with pytest.raises(qa.CorpusError) as e:
        parse_text(text, path="x.txt")
    assert "\n" not in str(e.value)
    assert "PubMed Central" in str(e.value)
