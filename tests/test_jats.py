"""JATS XML articles and PMC text through `qa.load_article`: what the parser reads is checked against
what the source itself says (computed here with lxml, not typed in), and invariants hold on every
article of the development set and on the review."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import etree

import qa
from qa.text import fold

ROOT = Path(__file__).resolve().parents[1]
DEV = sorted((ROOT / "eval" / "articles").glob("*.nxml"))
ALL = DEV + [ROOT / "corpus" / "her2-review.txt"]


def _xml(path: Path):
    return etree.parse(str(path)).getroot()


@pytest.fixture(scope="module", params=DEV, ids=lambda p: p.stem)
def jats(request):
    return request.param, _xml(request.param), qa.load_article(request.param)


@pytest.fixture(scope="module", params=ALL, ids=lambda p: p.stem)
def article(request):
    return qa.load_article(request.param)


def test_there_are_development_articles():
    assert len(DEV) >= 5


def test_front_matter_matches_the_xml(jats):
    _, root, a = jats
    meta = root.find("front/article-meta")
    ids = {e.get("pub-id-type"): "".join(e.itertext()).strip() for e in meta.findall("article-id")}
    assert a.doi == ids["doi"] and a.pmid == ids["pmid"]
    assert a.pmcid.removeprefix("PMC") == ids["pmc"]
    title = " ".join("".join(meta.find("title-group/article-title").itertext()).split())
    assert a.title == title
    authors = meta.xpath("contrib-group/contrib[@contrib-type='author']")
    assert len(a.authors) == len(authors)
    surnames = [" ".join("".join(c.find("name/surname").itertext()).split()) for c in authors if c.find("name") is not None]
    assert all(n.startswith(s) for n, s in zip(a.authors, surnames))
    assert a.journal and a.year and (a.license or "no licence" in a.warnings)


def test_the_corresponding_author_is_named_with_the_e_mail_the_xml_gives(jats):
    _, root, a = jats
    meta = root.find("front/article-meta")
    marked = [c for c in meta.xpath("contrib-group/contrib[@contrib-type='author']")
              if c.get("corresp") == "yes" or c.xpath("xref[@ref-type='corresp']")]
    assert marked, "every development article marks a corresponding author"
    front = a.document.text[: a.document.text.index(a.title) + 4000]
    said = re.search(r"Correspondence to: (.*?)\.(?= [A-Z©]|$)", front)
    assert said, "the front matter says who to write to"
    for c in marked:
        name = f"{''.join(c.find('name/given-names').itertext())} {''.join(c.find('name/surname').itertext())}"
        assert " ".join(name.split()) in said.group(1)
    emails = {"".join(e.itertext()).strip() for e in meta.xpath("author-notes/corresp//email")} | {
        "".join(e.itertext()).strip() for c in marked for e in c.findall("email")}
    assert emails and all(e in said.group(1) for e in emails)
    assert "*" not in said.group(1) and "correspondence should be addressed" not in said.group(1)


def test_references_match_the_xml(jats):
    _, root, a = jats
    refs = root.xpath("back/ref-list/ref")
    assert len(a.references) == len(refs)
    pmids = {"".join(p.itertext()).strip() for p in root.xpath("back/ref-list/ref//pub-id[@pub-id-type='pmid']")}
    assert {r.pmid for r in a.references if r.pmid} == pmids
    assert all(r.text for r in a.references)


def test_abstract_is_kept(jats):
    _, root, a = jats
    first_p = " ".join("".join(root.find("front/article-meta/abstract").find(".//p").itertext()).split())
    assert a.abstract and fold(first_p[:80]) in fold(a.abstract)


def test_every_table_body_cell_is_in_a_passage_with_its_headers(jats):
    path, root, a = jats
    doc = a.document
    rows = [b for b in doc.blocks if b.kind == "table_row"]
    n_tables = len(root.xpath("//table-wrap[.//table]"))
    assert len(a.tables) == n_tables
    for table in a.tables:
        mine = [b.text for b in rows if b.text.startswith(table.label + ",") or b.text.startswith(table.label + ":")]
        assert mine, table.label
        for cells in table.rows:
            filled = [c for c in cells if c]
            if len(set(filled)) <= 1:
                continue  # a group row: it labels the rows under it
            for i, cell in enumerate(cells[1:], start=1):
                if not cell:
                    continue
                head = table.headers[i] if i < len(table.headers) else ""
                want = f"{head}: {cell}" if head else cell
                # a data cell with its column header, or a label cell in the row's heading
                assert any(want in t or cell in t.split(": ", 1)[0] for t in mine), (table.label, want)


def test_bibliography_xrefs_are_resolved_and_ranges_expanded(jats):
    _, root, a = jats
    doc = a.document
    cited = {n for _, _, nums in doc.citations for n in nums}
    assert cited and cited <= set(doc.references)
    # every bibliography xref of the body points at a reference number the document cites somewhere
    rids = {r for x in root.xpath("//body//xref[@ref-type='bibr']") for r in (x.get("rid") or "").split()}
    numbers = {r.get("id"): i for i, r in enumerate(root.xpath("back/ref-list/ref"), 1)}
    labels = {r.get("id"): re.sub(r"\D", "", "".join(r.find("label").itertext())) if r.find("label") is not None else ""
              for r in root.xpath("back/ref-list/ref")}
    for rid in rids:
        n = int(labels[rid]) if labels.get(rid) else numbers.get(rid)
        assert n in cited, rid
    # "[1]-[9]" / "[4]–[7]": the numbers in between are cited too
    for x in root.xpath("//body//xref[@ref-type='bibr']"):
        if x.tail and re.fullmatch(r"\s*[\u2013-]\s*", x.tail):
            nxt = x.getnext()
            if nxt is not None and nxt.tag == "xref":
                a_, b_ = labels.get(x.get("rid")), labels.get(nxt.get("rid"))
                if a_ and b_:
                    assert set(range(int(a_), int(b_) + 1)) <= cited


def test_invariants_on_every_article(article):
    doc = article.document
    assert article.title and not re.search(r"\d{4}-\d{3}[\dX]", article.title)  # no ISSN
    assert not re.search(r"\b10\.\d{4,9}/", article.title) and len(article.title) < 400
    for b in doc.blocks:
        if "\t" in b.text:
            assert b.kind.startswith("table"), b.text[:80]
        assert b.text == b.text.strip() and b.text
        if b.kind not in ("table_row", "front", "reference", "keywords") or doc.format == "jats":
            assert doc.text[b.start:b.end] == b.text or b.kind in ("front", "table_row")
    for s in doc.sections:
        assert len(s.title) <= 200 and len(s.title.split()) <= 25, s.title
    cited = {n for b in doc.blocks if b.kind != "reference" for n in b.refs}
    assert cited <= set(doc.references)
    assert article.abstract and article.references


def test_no_markup_or_comment_reaches_the_text(jats):
    """A commented-out block (a licence's RDF, an editor's note) and tags are no part of what is read."""
    path, root, article = jats
    comments = [c.text for c in root.iter(etree.Comment) if c.text and len(c.text.strip()) > 20]
    for b in article.document.blocks:
        assert not re.search(r"<[a-zA-Z/!][^>]*>", b.text), b.text[:120]
        assert not any(c.strip()[:40] in b.text for c in comments)


def test_parsing_is_fast(article):
    import time

    t = time.perf_counter()
    qa.load_article(article.path)
    assert time.perf_counter() - t < 5  # the benchmark holds the real target (< 1 s); this catches blow-ups


def test_short_citation_names_first_author_journal_and_year(article):
    cite = article.document.short_citation()
    assert str(article.year) in cite and article.authors[0].split()[0] in cite


def test_malformed_xml_names_file_and_line(tmp_path):
    bad = tmp_path / "broken.nxml"
    data = DEV[0].read_bytes()
    lines = data.split(b"\n")
    bad.write_bytes(b"\n".join(lines[:3]) + b"\n<p>unclosed <italic>tag</p>\n")
    with pytest.raises(qa.CorpusError) as e:
        qa.load_article(bad)
    msg = str(e.value)
    assert "broken.nxml:" in msg and "malformed XML" in msg and "\n" not in msg


@pytest.mark.parametrize("content", [b"", b"\x00\x01\x02binary\xff", b"<html><body>not an article</body></html>"])
def test_bad_files_are_corpus_errors(tmp_path, content):
    f = tmp_path / "x.xml"
    f.write_bytes(content)
    with pytest.raises(qa.CorpusError) as e:
        qa.load_article(f)
    assert "x.xml" in str(e.value) and "\n" not in str(e.value)


# --------------------------------------------------------------------------- PMC text layout variants


REVIEW = (ROOT / "corpus" / "her2-review.txt").read_text(encoding="utf-8")


def _variant(tmp_path: Path, text: str) -> qa.Article:
    p = tmp_path / "variant.txt"
    p.write_text(text, encoding="utf-8")
    return qa.load_article(p)


def test_text_doi_glued_to_the_publisher(tmp_path):
    a = _variant(tmp_path, REVIEW.replace("Oxford University Press 10.1093", "Oxford University Press10.1093"))
    assert a.doi == "10.1093/annonc/mds200" and "Oxford" not in a.title and "0923" not in a.title


def test_text_authors_without_a_space_before_initials(tmp_path):
    a = _variant(tmp_path, REVIEW.replace("Crown J. 3Hennessy B. T. 12*", "CrownJ. 3HennessyB. T. 12*"))
    assert len(a.authors) == 3 and a.authors[1].startswith("Crown")


def test_text_unstructured_abstract_is_kept(tmp_path):
    text = REVIEW
    for label in ("Background\n", "Design\n", "Results\n", "Conclusions\n"):
        text = text.replace("cited." + label, "cited.\n", 1).replace("\n\n" + label, "\n\n", 1)
    a = _variant(tmp_path, text)
    assert "15%–23% of breast cancers" in a.abstract and "Non-HER2-targeted therapy" in a.abstract
    assert a.document.keywords and "everolimus" in a.document.keywords


def test_text_caption_with_two_full_stops_still_finds_the_table(tmp_path):
    base = _variant(tmp_path, REVIEW)
    a = _variant(tmp_path, REVIEW.replace("Table 1. ", "Table 1.. ", 1).replace("Table 2. ", "Table 2: ", 1))
    rows = lambda art: [b for b in art.document.blocks if b.kind == "table_row"]  # noqa: E731
    assert len(rows(a)) == len(rows(base)) > 0


def test_text_paragraph_without_a_full_stop_is_not_a_heading(tmp_path):
    para = next(ln for ln in REVIEW.split("\n") if len(ln) > 400 and ln.endswith("."))
    a = _variant(tmp_path, REVIEW.replace(para, para[:-1]))
    assert not any(s.title == para[:-1] for s in a.sections)
    assert any(b.text == para[:-1] for b in a.document.blocks)


def test_a_headed_column_of_filled_data_cells_keeps_its_header(jats):
    """A column with a header of its own, every cell filled and most cells holding digits, is data:
    each of its cells is written after its header ("pNP esters · Best: C4/0.12", "Relevant genotype:
    MC4100 ..."), not run into the row's label."""
    _, _, a = jats
    rows = [b.text for b in a.document.blocks if b.kind == "table_row"]
    checked = 0
    for table in a.tables:
        body = [r for r in table.rows if len({c for c in r if c}) > 1]
        for j in range(1, len(table.headers)):
            cells = [r[j] if j < len(r) else "" for r in body]
            if not table.headers[j].strip() or not body or not all(cells) \
                    or sum(bool(re.search(r"\d", c)) for c in cells) <= len(cells) / 2:
                continue
            mine = [t for t in rows if t.startswith((table.label + ",", table.label + ":"))]
            for c in cells:
                assert any(f"{table.headers[j]}: {c}" in t for t in mine), (table.label, table.headers[j], c)
                checked += 1
    assert checked or not a.tables
