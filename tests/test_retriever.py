"""Retrieval of known facts on the real index, modes, filters, de-duplication and the Passage type."""

from __future__ import annotations

import dataclasses

import pytest

import qa
from qa.text import fold


def _top(retriever, question, k=3, mode="hybrid"):
    return retriever.search(question, k=k, mode=mode)


@pytest.mark.parametrize("question,fact", [
    ("What proportion of breast cancers overexpress HER2?", "15%\u201323% of breast cancers"),
    ("What is the maximum tolerated dose of everolimus with paclitaxel and trastuzumab?", "10\u00a0mg/day"),
    ("How many women does BOLERO-3 enroll?", "572 women"),
    ("Which trial is testing BKM120?", "NCT01132664"),
])
def test_known_fact_in_hybrid_top_3(retriever, question, fact):
    passages = _top(retriever, question)
    assert any(fact in p.text for p in passages), [p.text[:80] for p in passages]


def test_drug_name_with_common_words_finds_its_row(retriever):
    # regression: with RRF fusion, references about trastuzumab outranked the only BKM120 passage
    passages = retriever.search("Which trial tests trastuzumab with BKM120?", k=3)
    assert any("NCT01132664" in p.text for p in passages), [p.text[:60] for p in passages]


def test_bkm120_finds_its_table_row(retriever):
    top = retriever.search("BKM120", k=3)[0]
    assert top.kind == "table_row"
    assert top.text == ("Table 1, PI3K inhibitors: BKM120 | Open-label, phase I/II | NCT01132664 | "
                        "Trastuzumab\u00a0+\u00a0BKM120")
    assert "future strategies" in top.section


def test_mtd_passage_cites_reference_71(retriever):
    p = next(p for p in _top(retriever, "maximum tolerated dose of everolimus") if "10\u00a0mg/day" in p.text)
    ref = next(r for r in p.refs if r.number == 71)
    assert isinstance(ref, qa.Reference)
    assert ref.pmid == "20975068"
    assert p.section.endswith("supporting clinical data")


def test_query_in_normalised_form_still_finds_fact(retriever):
    # users type plain spaces and hyphens; the article has U+00A0 and en dashes
    passages = _top(retriever, "everolimus 10 mg/day maximum tolerated dose")
    assert any("10 mg/day" in fold(p.text) for p in passages)


@pytest.mark.parametrize("mode", qa.MODES)
def test_modes_return_k_sorted_passages(retriever, mode):
    passages = retriever.search("everolimus adverse events stomatitis", k=7, mode=mode)
    assert len(passages) == 7
    scores = [p.score for p in passages]
    assert scores == sorted(scores, reverse=True)
    assert len({p.id for p in passages}) == 7
    assert any("stomatitis" in p.text.lower() for p in passages)


def test_mode_scores_are_reported(retriever):
    dense = retriever.search("BOLERO-3 enrollment", k=3, mode="dense")
    assert all(p.dense_score is not None and -1.0 <= p.dense_score <= 1.0 for p in dense)
    hybrid = retriever.search("BOLERO-3 enrollment", k=3, mode="hybrid")
    assert all(p.dense_score is not None and p.bm25_score is not None for p in hybrid)
    bm25 = retriever.search("BOLERO-3 enrollment", k=3, mode="bm25")
    assert all(p.score == pytest.approx(p.bm25_score) for p in bm25)
    assert bm25[0].bm25_score > 0


def test_k_larger_than_corpus(retriever):
    n = len(retriever.passages)
    got = retriever.search("HER2", k=n + 50)
    assert 0 < len(got) <= n


def test_section_filter(retriever):
    passages = retriever.search("everolimus", k=5, section="ongoing clinical trials")
    assert passages
    assert all("ongoing clinical trials" in p.section for p in passages)
    upper = retriever.search("everolimus", k=5, section="ONGOING Clinical Trials")
    assert [p.id for p in upper] == [p.id for p in passages]
    with pytest.raises(qa.QuestionError, match="no section"):
        retriever.search("everolimus", k=5, section="no such section anywhere")


def test_overlapping_passages_are_deduplicated(retriever):
    for q in ("everolimus paclitaxel trastuzumab phase Ib", "HER2 overexpression CNS metastases",
              "T-DM1 objective response rate"):
        passages = retriever.search(q, k=10)
        for i, a in enumerate(passages):
            for b in passages[i + 1:]:
                if a.doc_id == b.doc_id:
                    shared = min(a.end, b.end) - max(a.start, b.start)
                    assert shared <= 0.5 * min(a.end - a.start, b.end - b.start), (a.id, b.id)


def test_passage_is_frozen_and_complete(retriever):
    p = retriever.search("BOLERO-3", k=1)[0]
    assert dataclasses.is_dataclass(p)
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.score = 1.0  # type: ignore[misc]
    assert p.id and p.doc_id == "her2-review"
    assert isinstance(p.section, str) and p.section
    assert isinstance(p.text, str) and p.text
    assert isinstance(p.score, float)
    assert isinstance(p.refs, tuple)
    assert 0 <= p.start < p.end
    doc = retriever.document(p.doc_id)
    assert doc.text[p.start:p.end] == p.text
    # the shared passage list is not mutated by search (scores live on copies)
    assert all(q.score == 0.0 for q in retriever.passages)


def test_section_of_and_section_text(retriever):
    p = next(p for p in _top(retriever, "BOLERO-3 enroll 572 women") if "572" in p.text)
    sec, text = retriever.section_text(p)
    assert sec.title == "ongoing clinical trials"
    assert p.text in text


def test_expand_query_uses_glossary(retriever):
    assert "everolimus" in retriever.expand_query("What did EVE do?")
    assert "mTOR" in retriever.expand_query("mammalian target of rapamycin inhibitors")
    assert retriever.expand_query("completely unrelated words") == "completely unrelated words"


def test_search_many_matches_search(retriever):
    qs = ["BKM120", "BOLERO-3"]
    many = retriever.search_many(qs, k=2)
    assert [[p.id for p in ps] for ps in many] == [[p.id for p in retriever.search(q, k=2)] for q in qs]


def test_search_is_deterministic(retriever):
    q = "mechanisms of resistance to trastuzumab"
    assert [p.id for p in retriever.search(q, k=5)] == [p.id for p in retriever.search(q, k=5)]


@pytest.mark.parametrize("question,fact", [
    ("In the large retrospective series of about 2400 women, how much more likely were HER2-overexpressing "
     "patients to develop brain metastases?", "3.4-fold"),
    ("How many patients in Campone's pooled analysis had previously been treated with lapatinib?", "57"),
])
def test_reranking_by_answer_score_puts_the_answer_first(retriever, question, fact, monkeypatch):
    """Hybrid search re-ranks its first passages by each passage's best sentence as an answer; without
    it these passages are not first."""
    import qa.retriever as R

    assert fact in retriever.search(question, k=1)[0].text
    monkeypatch.setattr(R, "RERANK_WEIGHT", 0.0)
    assert fact not in retriever.search(question, k=1)[0].text


def test_search_leaves_the_torch_thread_setting_alone(retriever):
    """Question and word embeddings run on one thread each, in parallel; afterwards batch encoding
    (an index rebuild) still gets every thread."""
    import torch

    before = torch.get_num_threads()
    for q in ("Which company paid for the editorial support?", "Who would recruit the patients?"):
        retriever.clear_cache()
        retriever.search(q, k=3)
    assert torch.get_num_threads() == before


@pytest.mark.parametrize("question, fact", [
    # brand names: the article says trastuzumab, readers say Herceptin (held-out wording)
    ("In the lab model where PTEN was missing, which Akt-blocking compound got Herceptin working again?",
     "restored by treatment with the mTOR inhibitor everolimus"),
    ("whats the trial number for the phase 2 that's pitting the HER2 pill against Herceptin (each with "
     "chemo) as first treatment?", "NCT01137994"),
    # lay words for the article's terms
    ("bottom line - of all the drugs hitting this pathway, which one is furthest along?",
     "the most advanced of the PI3K/Akt/mTOR inhibitors"),
])
def test_lay_and_brand_names_find_the_passage(retriever, question, fact):
    assert fold(fact) in fold(retriever.search(question, k=1)[0].text), question


def test_front_matter_fields_are_not_dropped_as_overlapping(retriever):
    """The front block's three passages span the same text; a search may return all of them."""
    hits = retriever.search("Who published this review, in which journal, and under which licence?", k=6)
    assert sum(p.kind == "front" for p in hits) >= 2


def test_brand_name_question_is_answered(retriever):
    for q in ("Where does Herceptin bind on the receptor?",
              "Where on the receptor does Herceptin grab on - the part sticking outside the cell or the inside part?"):
        a = qa.ChatSession(retriever).ask(q)
        assert not a.abstained and "extracellular domain" in a.text, q


def test_expand_query_maps_brand_names_and_phase_numbers(retriever):
    expanded = retriever.expand_query("Is Herceptin given in the phase 3 trial?")
    assert "trastuzumab" in expanded and "phase III" in expanded


@pytest.mark.parametrize("question, section, fact", [
    ("According to the summary at the top, which signalling axis has accumulated the largest body of data "
     "as a development strategy?", "abstract", "The developmental strategy with the most available data"),
    ("In the summary's closing statement, what category of treatment is put forward as a hopeful way to "
     "circumvent refractoriness to anti-HER2 drugs?", "abstract > conclusions", "Non-HER2-targeted therapy"),
    ("Who acted as medical writer on the manuscript, and for which agency?", "acknowledgements",
     "Melanie Leiby"),
])
def test_question_naming_a_part_of_the_article_finds_it(retriever, question, section, fact):
    top = retriever.search(question, k=1)[0]
    assert top.section.startswith(section) and fact in top.text, (top.section, top.text[:80])


def test_reference_intent():
    from qa.retriever import asks_for_reference

    assert asks_for_reference("Which journal published the NeoSphere trial?")
    assert asks_for_reference("What title did Muthuswamy give to the commentary cited in the review?")
    assert not asks_for_reference("In which journal was this review published?")  # the article itself
    assert not asks_for_reference("When the authors write IGF1R, which receptor do they mean?")
    assert asks_for_reference("Who were the authors of the NeoSphere paper?")
    assert not asks_for_reference("What is the maximum tolerated dose of everolimus?")


@pytest.mark.parametrize("question, long_form", [
    ("What's the full name behind the tumour-suppressor abbreviation PTEN?", "phosphatase and tensin homolog"),
    ("When the authors write IGF1R, which receptor do they mean?", "insulin-like growth factor receptor 1"),
])
def test_definition_question_finds_where_the_abbreviation_is_spelled_out(retriever, question, long_form):
    assert long_form in retriever.search(question, k=1)[0].text


def test_one_analysis_per_question_serves_retrieval_and_answer(retriever, monkeypatch):
    """A chat turn analyses its question once (`Retriever.analyze`); search and answer both read that
    analysis, and searching with it gives what `search` gives."""
    from qa.chat import ChatSession

    calls = []
    real = retriever.analyzer.analyze
    monkeypatch.setattr(retriever.analyzer, "analyze", lambda *a, **kw: calls.append(a) or real(*a, **kw))
    s = ChatSession(retriever)
    answer = s.ask("What is the maximum tolerated dose of everolimus?")
    from qa.text import fold

    assert len(calls) == 1 and "10 mg/day" in fold(answer.text)
    s.ask("What were its most common side effects?")
    assert len(calls) == 2 and calls[1][1] and calls[1][1] != calls[1][0]  # the follow-up: question and query
    q = "Which trial tested neratinib?"
    a = retriever.analyze(q)
    assert (a.question, a.query) == (q, q) and a.vector.shape == (384,)
    assert [p.id for p in retriever.search_analysis(a, k=5)] == [p.id for p in retriever.search(q, k=5)]


@pytest.mark.parametrize("question, facet", [
    ("What does PTEN stand for?", lambda a: a.abbreviations == ("PTEN",) and a.definitions),
    ("When was the BOLERO-1 trial started?", lambda a: a.answer_type is not None),
    ("What does the abstract say about lapatinib?", lambda a: a.named_parts and a.hints),
    ("In the 112-patient phase II study, what was the median PFS?", lambda a: "112" in a.numbers),
    ("Which paper by Geyer reported lapatinib plus capecitabine?", lambda a: a.bibliographic),
])
def test_the_analysis_reads_what_the_question_asks(retriever, question, facet):
    assert facet(retriever.analyze(question))
