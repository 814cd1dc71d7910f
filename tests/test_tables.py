"""Questions about a table column's extreme ("the strain with the largest SD"), answered from the
table, on the development articles that have tables, with the real parser, model and index."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import development_articles

import qa
from qa.tables import SUMMARY_ROWS, TableReader, superlative

ROOT = Path(__file__).resolve().parents[1]
WITH_TABLES = ("1471-2180-11-174", "1472-6831-8-11", "pntd.0002065", "pone.0046493")


@pytest.fixture(scope="module")
def retriever(tmp_path_factory):
    return development_articles(tmp_path_factory, WITH_TABLES, "tables")


def _number(cell: str) -> float | None:
    m = re.match(r"\s*(-?\d+(?:\.\d+)?)", cell)
    return float(m.group(1)) if m and not re.match(r"\s*[<>]", cell) else None


def test_superlatives_and_the_words_that_name_the_column():
    assert superlative("Which strain had the largest lysis-time SD, and what mutation does it carry?") == \
        (True, "lysis-time SD")
    assert superlative("The domain with the weakest test–retest ICC: what was its alpha?") == (False, "test–retest ICC")
    for question in ("What were the most common side effects?", "Did at least half of them respond?",
                     "What was the lysis time 30 min after induction?", "Which strains were used?"):
        assert superlative(question) is None


def _reader(retriever, name: str) -> tuple[object, TableReader]:
    """An article and a reader of its tables alone, over the passages as indexed."""
    doc = next(d for d in retriever.documents if d.doc_id == name)
    return doc, TableReader([doc], [p for p in retriever.passages if p.doc_id == name], doc.glossary)


@pytest.mark.parametrize("name", WITH_TABLES)
def test_the_extreme_of_every_numeric_column_is_the_row_holding_it(retriever, name):
    """For each column of the article's tables with three or more numbers, asking for its largest and
    smallest value returns the row whose cell holds it (summary rows such as "Total" left out)."""
    doc, reader = _reader(retriever, name)
    checked = 0
    for table in doc.tables:
        for j, header in enumerate(table.headers[1:], start=1):
            words = re.sub(r"\s*\(.*?\)", "", header.replace(" · ", " ")).strip()
            if not re.fullmatch(r"[A-Za-z][\w'’ -]{1,40}", words):
                continue
            values = [(_number(r[j]), r[0]) for r in table.rows if j < len(r) and r[0].strip()
                      and r[0].split()[0].lower() not in SUMMARY_ROWS]
            values = [(v, label) for v, label in values if v is not None]
            if len(values) < 3:
                continue
            for largest, word in ((True, "largest"), (False, "smallest")):
                top = (max if largest else min)(v for v, _ in values)
                rows = [label for v, label in values if v == top]
                found = [e for e in reader.read(f"Which row of {table.label} had the {word} {words}?")
                         if e.table == table.label and e.column == header]
                if table.headers.count(header) > 1:
                    assert not found  # two columns of that name: which one is asked about?
                    continue
                if len(rows) != 1:
                    assert not found  # a shared extreme names no one row
                    continue
                if found:
                    e = found[0]
                    assert e.largest is largest and _number(e.value) == top and rows[0] in e.row.text
                    assert e.row.kind == "table_row" and e.row.text.startswith(table.label)
                    checked += 1
    assert checked >= 2


def test_a_summary_row_is_no_candidate(retriever):
    _, reader = _reader(retriever, "1472-6831-8-11")
    (e,) = reader.read("Which domain had the highest Cronbach's alpha?")
    assert not e.row.text.split(",", 1)[1].strip().lower().startswith("total")


def test_no_column_named_by_the_phrase_head_gives_no_extreme(retriever):
    _, reader = _reader(retriever, "1471-2180-11-174")
    # the tables give mean lysis times and SDs, not coefficients of variation
    assert reader.read("What was the lowest coefficient of variation of lysis time recorded?") == ()
    assert reader.read("Which strain had the longest mean lysis time?")


def test_the_answer_quotes_the_extreme_row_and_the_row_of_another_table_it_names(retriever):
    session = qa.ChatSession(retriever, k=5)
    session.article = "1471-2180-11-174"
    a = session.ask("Which holin-allele strain had the largest lysis-time SD, and what mutation does its S gene carry?")
    doc = next(d for d in retriever.documents if d.doc_id == "1471-2180-11-174")
    strains = next(t for t in doc.tables if "SD (min)" in t.headers and "Strain" in t.headers)
    j = strains.headers.index("SD (min)")
    top = max(strains.rows, key=lambda r: float(r[j]))
    assert not a.abstained and a.citations[0].passage.kind == "table_row"
    assert top[0] in a.citations[0].sentence and top[j] in a.citations[0].sentence
    genotypes = next(t for t in doc.tables if any("Genotype" in h for h in t.headers))
    genotype = next(r for r in genotypes.rows if r[0] == top[0])[1]
    assert genotype in a.citations[1].sentence  # the strain's genotype, from the strains table

    session = qa.ChatSession(retriever, k=5)
    session.article = "1472-6831-8-11"
    b = session.ask("The domain with the weakest test–retest ICC: what was its Cronbach's alpha?")
    doc = next(d for d in retriever.documents if d.doc_id == "1472-6831-8-11")
    icc = next(t for t in doc.tables if "ICC" in t.headers)
    weakest = min((r for r in icc.rows if not r[0].startswith("Total")), key=lambda r: float(r[1]))
    alphas = next(t for t in doc.tables if "Cronbach's alpha" in t.headers)
    alpha = next(r for r in alphas.rows if r[0] == weakest[0])[1]
    assert not b.abstained and weakest[0] in b.citations[0].sentence
    assert f"Cronbach's alpha: {alpha}" in b.citations[1].sentence


def _named_labels(table) -> list[tuple[int, str]]:
    """The rows of a table whose label is a name (not a summary row, not shared), with the name."""
    out = []
    for i, cells in enumerate(table.rows):
        label = re.sub(r"\s*[(\[][^)\]]*[)\]]\w?", "", cells[0]).strip() if cells else ""
        if len(label) >= 2 and label[0].isupper() and "/" not in label \
                and label.split()[0].lower() not in SUMMARY_ROWS \
                and sum(1 for r in table.rows if r and r[0].strip().startswith(label)) == 1:
            out.append((i, label))
    return out


@pytest.mark.parametrize("name", WITH_TABLES)
def test_a_row_the_question_names_with_one_of_its_columns_is_found(retriever, name):
    """"What was the <column> of <row label>?" finds that row, for every named row of every table;
    the label alone, without a column of its table, finds none."""
    doc, reader = _reader(retriever, name)
    checked = 0
    for table in doc.tables:
        if len(table.rows) < 3 or len(table.headers) < 2:
            continue
        bare = [" ".join(re.sub(r"\s*\(.*?\)", " ", h).replace(" · ", " ").split()) for h in table.headers[1:]]
        column = next((h for h in bare if re.fullmatch(r"[A-Za-z][\w'’ -]{1,60}", h)), None)
        if column is None:
            continue
        for i, label in _named_labels(table):
            found = reader.named_rows(f"What was the {column} of {label}?")
            assert any(table.rows[i][0] in p.text and p.text.startswith(table.label) for p in found), \
                (table.label, label, column)
            assert not [p for p in reader.named_rows(f"Why was {label} chosen by the authors?")
                        if p.text.startswith(table.label)]
            checked += 1
    assert checked >= 5


def test_the_answer_quotes_the_row_the_question_names(retriever):
    """Asked for a named row's value, the answer quotes that row with the cell."""
    asked = 0
    for name in ("1471-2180-11-174", "1472-6831-8-11", "pone.0046493"):
        doc = next(d for d in retriever.documents if d.doc_id == name)
        session = qa.ChatSession(retriever, k=5)
        session.article = name
        for table in doc.tables:
            j = next((j for j, h in enumerate(table.headers) if j and re.fullmatch(r"[A-Za-z][\w'’ -]{1,30}", h)), None)
            named = _named_labels(table)
            if j is None or not named:
                continue
            i, label = named[len(named) // 2]
            cell = table.rows[i][j].strip()
            if not re.match(r"-?\d", cell):
                continue
            session.reset()
            a = session.ask(f"What {table.headers[j]} did {label} have?")
            assert not a.abstained and any(label in c.sentence and cell in c.sentence for c in a.citations[:2]), \
                (table.label, label, table.headers[j], a.text[:300])
            asked += 1
    assert asked >= 3


def test_a_follow_up_asking_the_value_of_a_statistic_quotes_its_figure(retriever):
    # the follow-up's "it" is the statistic the first answer names; what answers it is the sentence
    # or row giving the statistic's value for the whole questionnaire, not the one naming it
    session = qa.ChatSession(retriever, k=5)
    session.article = "1472-6831-8-11"
    session.ask("Which statistic was used to assess internal consistency?")
    a = session.ask("What value did it reach for the whole Dutch questionnaire?")
    doc = next(d for d in retriever.documents if d.doc_id == "1472-6831-8-11")
    alphas = next(t for t in doc.tables if "Cronbach's alpha" in t.headers)
    total = next(r for r in alphas.rows if r[0].startswith("Total"))[alphas.headers.index("Cronbach's alpha")]
    assert not a.abstained and any(total in c.sentence for c in a.citations)


def test_a_time_of_another_scale_does_not_answer_how_many_minutes(retriever):
    # the article gives the interval between two administrations (one to two weeks), not how long
    # the questionnaire took to fill in
    session = qa.ChatSession(retriever, k=5)
    session.article = "1472-6831-8-11"
    a = session.ask("How many minutes did patients need on average to complete the OHIP-NL?")
    assert a.abstained, a.text
