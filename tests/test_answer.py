"""Grounded answers on the real stack: right facts, verbatim quotes, citations, abstention, follow-ups."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import qa
from qa.chat import ChatSession

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ROOT / "eval" / "questions.jsonl"
MTD_Q = "What is the maximum tolerated dose of everolimus with paclitaxel and trastuzumab?"
OUT_OF_SCOPE = ["What is the capital of Australia?", "How do I treat a sprained ankle?",
                "What's a good way to help a Year 6 class learn their times tables?",  # not the article's tables
                # medical terms the article never uses, close as they are to its topic
                "Should radiotherapy be given at the same time as trastuzumab?",
                "How common is thrombocytopenia with T-DM1?",
                # a drug only the bibliography names; how HER2 is tested in the lab
                "How many years should tamoxifen be continued in a woman whose tumour is also HER2-positive?",
                "How does a lab decide whether a tumour counts as HER2-positive — what test scores are used?",
                "How can diarrhoea from neratinib be prevented?",
                "From what age should women have mammograms?",
                # how drugs are given, which the review never discusses
                "What is the standard loading and maintenance dose of trastuzumab?",
                "Does subcutaneous trastuzumab work as well as the intravenous version?",
                "Are trastuzumab biosimilars as effective as the original?",
                # the article's text never says "cardiac" (one bibliography title does)
                "What drop in left ventricular ejection fraction should prompt interrupting trastuzumab?"]


def _question_sets() -> list[tuple[str, list[str]]]:
    out = []
    for n, line in enumerate(QUESTIONS.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        d = json.loads(line)
        turns = [d["question"]] if "question" in d else list(d["turns"])
        out.append((d.get("id", str(n)), turns))
    return out


def assert_grounded(answer: qa.Answer) -> None:
    """Every answer sentence is quoted verbatim from its cited passage, markers 1..n in order."""
    if answer.abstained:
        assert answer.citations == ()
        assert "does not answer" in answer.text
        return
    assert answer.citations, answer.text
    assert [c.marker for c in answer.citations] == list(range(1, len(answer.citations) + 1))
    assert answer.text == " ".join(f"{c.sentence}\u2039{c.marker}\u203a" for c in answer.citations)
    for c in answer.citations:
        assert c.sentence and c.sentence in c.passage.text, (c.sentence, c.passage.id)
        assert c.passage in answer.passages or c.passage.id in {p.id for p in answer.passages}
        for r in c.references:
            assert isinstance(r, qa.Reference)
            assert r in c.passage.refs
    # each sentence ends with its own marker (the article's own [71]-style markers stay inside it)
    for c in answer.citations:
        assert f"{c.sentence}\u2039{c.marker}\u203a" in answer.text


# --------------------------------------------------------------------------- known answers


def test_mtd_answer_and_citation(session):
    a = session.ask(MTD_Q)
    assert not a.abstained
    assert "10\u00a0mg/day" in a.text
    assert_grounded(a)
    refs = {r.number: r for c in a.citations for r in c.references}
    assert 71 in refs and refs[71].pmid == "20975068"
    assert refs[71].short() == "Andre F et al., J Clin Oncol 2010, PMID 20975068"
    c = next(c for c in a.citations if "10\u00a0mg/day" in c.sentence)
    assert c.section.endswith("supporting clinical data")
    assert a.query == MTD_Q


@pytest.mark.parametrize("question,fact", [
    ("How many women is BOLERO-3 expected to enroll?", "572"),
    ("What percentage of breast cancers overexpress HER2?", "15%\u201323%"),
    ("What is the ClinicalTrials.gov identifier of the BKM120 trial?", "NCT01132664"),
    # words the article does not use, matched by word vectors: paid ~ funded, company ~ corporation
    ("Which drug company paid for the writing assistance on this paper?", "Novartis"),
    ("How many women does the BOLERO-3 study plan to recruit?", "572"),  # recruit ~ enroll
    # the permissions of the front matter are quoted too
    ("Under which licence was the review published?", "Creative Commons Attribution Non-Commercial"),
    ("On behalf of which society was the review published?", "European Society for Medical Oncology"),
    # a hyphen-coordinated compound is its parts
    ("Is the AUY922-plus-trastuzumab study open-label?", "Open-label"),
    # a name the article spells otherwise: "Irish" ~ "Ireland"
    ("Which Irish hospital is the corresponding author's department in?", "Beaumont"),
    # the authors' affiliations and the issue, from the front block's run-together numbers
    ("Where does the middle author, Crown, work?", "St Vincent's University Hospital"),
    ("Apart from Dublin, which Irish town has a hospital that two of the authors list as an affiliation?",
     "Drogheda"),
    ("On which pages of the journal does the review appear?", "3007–3016"),
    # lay and textbook words for the article's terms (held-out sets 2-5)
    ("At the median, how long did the chemotherapy-free continuation phase on everolimus plus "
     "trastuzumab last?", "15 weeks"),
    ("Who acted as medical writer on the manuscript, and for which agency?", "Melanie Leiby"),
    ("What title did Muthuswamy give to the 2011 Nature Medicine commentary on trastuzumab resistance "
     "cited in the review?", "all roads lead to SRC"),
    ("In the phase III of the dual EGFR/HER2 small-molecule inhibitor plus capecitabine after trastuzumab "
     "failure, what were the median TTP values in each arm?", "8.4 months versus 4.4 months"),
    # technical words the article does not use are paraphrases, not new topics (held-out set 5)
    ("Which rapalogs were paired with trastuzumab in the cell and animal experiments?", "rapamycin"),
    ("Which oral fluoropyrimidine, given with trastuzumab carried on past progression, outperformed "
     "the same drug alone in a randomised trial?", "capecitabine"),
    # a pharmacist's shorthand (held-out set 8): abbreviations the article spells out in full
    ("Does T get past the BBB?", "blood–brain barrier"),
    ("Authors' COI statement?", "no conflicts of interest"),
    ("Jerusalem ph I, EVE + VIN + T: G3/4 neutropenia rate?", "86%"),
    ("Any human outcome data yet for anti-IGF1R drugs in this setting?", "no clinical data"),
    # front-matter fields are separate passages: one does not hide another
    ("Which professional medical society is the journal put out for?", "European Society for Medical Oncology"),
    # how the review was made: the abstract's Design
    ("How did the writers gather the material they discuss?", "A literature search was performed"),
    # a name matches only itself: EGFR is not IGF1R, close as their word vectors are
    ("Which pill blocks both HER2 and EGFR?", "lapatinib"),
    # lay paraphrases of the article's terms
    ("In metastatic disease, by what percentage does adding the antibody to cytotoxics lengthen the interval "
     "until the tumour advances?", "49%"),
    ("Which patient and tumour characteristics tend to go hand in hand with excess HER2?", "higher T stage"),
    # the fact sits in the short sentence after the one naming the study
    ("What median PFS was seen with T-DM1 in the 110-patient phase II study?", "6.9 months"),
    # the words that name the review are not what is asked about
    ("Which journal was this review on beating anti-HER2 drug resistance printed in?", "Annals of Oncology"),
    # a lay phrase's words are not absent topics ("mouth" of "taken by mouth")
    ("The summary mentions a drug taken by mouth that looked encouraging when added to chemo and Herceptin - "
     "what's it called?", "everolimus"),
    ("What's PTEN's normal job in the cell, in simple terms?", "negative regulator"),
    # what something is: the sentence that describes it in apposition
    ("What kind of drug is trastuzumab, basically?", "monoclonal antibody"),
    ("What does the PTEN protein normally do to the PI3K/Akt/mTOR chain?", "negative regulator"),
])
def test_known_answers(session, question, fact):
    a = session.ask(question)
    assert not a.abstained, a.text
    assert fact in a.text
    assert_grounded(a)


def test_front_matter_fields_are_quoted_one_by_one(session):
    a = session.ask("Who is the corresponding author of this review?")
    assert not a.abstained, a.text
    c = next(c for c in a.citations if c.sentence.startswith("Correspondence to: Dr B. T. Hennessy"))
    assert c.section == "front matter" and len(c.sentence) < 200
    assert_grounded(a)


def test_when_as_a_conjunction_does_not_ask_for_a_date(session):
    a = session.ask("When trastuzumab is added to preoperative chemotherapy in early breast cancer, "
                    "by how much does it lower the risk of recurrence?")
    assert not a.abstained, a.text
    assert "neoadjuvant" in a.citations[0].sentence


def test_number_word_compounds_are_not_unknown_names(session):
    a = session.ask("What median PFS was seen with T-DM1 in the 110-patient phase II study?")
    assert not a.abstained, a.text


def test_answer_to_dict_is_json(session):
    a = session.ask(MTD_Q)
    d = json.loads(json.dumps(a.to_dict()))
    assert d["abstained"] is False
    assert d["answer"] == a.text
    assert d["citations"][0]["marker"] == 1
    assert any(r["pmid"] == "20975068" for c in d["citations"] for r in c["references"])
    assert "\u20391\u203a" in a.sources_text() and "PMID 20975068" in a.sources_text()
    assert a.text.endswith("\u20391\u203a") or "\u20391\u203a " in a.text  # the marker is glued to its sentence


# --------------------------------------------------------------------------- grounding over the question set


def test_every_answer_is_quoted_verbatim_over_question_set(retriever):
    sets = _question_sets()
    assert len(sets) >= 100
    from qa.answer import ExtractiveAnswerer

    answerer = ExtractiveAnswerer(retriever)  # one answerer: its term statistics are built once
    answered = 0
    for qid, turns in sets:
        s = ChatSession(retriever, answerer=answerer)
        for q in turns:
            a = s.ask(q)
            assert_grounded(a)
            answered += not a.abstained
    assert answered >= 20


# --------------------------------------------------------------------------- abstention


@pytest.mark.parametrize("question", OUT_OF_SCOPE)
def test_abstains_out_of_scope(session, question):
    a = session.ask(question)
    assert a.abstained is True
    assert a.citations == ()
    assert a.text.startswith("The review does not answer this question.")
    assert "[1]" not in a.text


# --------------------------------------------------------------------------- conversation


def test_follow_up_side_effects(session):
    session.ask(MTD_Q)
    a = session.ask("What were its most common side effects?")
    assert "everolimus" in a.query and a.query != a.question
    assert not a.abstained
    assert "stomatitis" in a.text or "neutropenia" in a.text
    assert_grounded(a)


def test_follow_up_is_rewritten_with_subject(session):
    session.ask(MTD_Q)
    q = "What were its most common adverse events?"
    assert session.is_follow_up(q)
    a = session.ask(q)
    assert a.question == q
    assert a.query.startswith(q) and "everolimus" in a.query
    assert not a.abstained, a.text
    assert "stomatitis" in a.text or "neutropenia" in a.text
    assert_grounded(a)


def test_new_topic_is_not_dragged_along(session):
    session.ask(MTD_Q)
    session.ask("What were its most common adverse events?")
    q = "How many women is BOLERO-3 expected to enroll?"
    a = session.ask(q)
    assert a.query == q
    assert "572" in a.text
    assert len(session.turns) == 3


def test_first_question_is_never_a_follow_up(session):
    assert not session.is_follow_up("What were its most common adverse events?")
    a = session.ask("What were its most common adverse events?")
    assert a.query == a.question


@pytest.mark.parametrize("question", ["Why does it matter?", "How well does it work?", "Is it safe?",
                                      "Do they work?"])
def test_a_first_question_naming_only_it_asks_what_it_means(retriever, question):
    # the licence statement had been quoted for "Why does it matter?" and "How well does it work?"
    a = qa.ChatSession(retriever).ask(question)
    assert a.abstained and not a.citations, a.text
    assert a.reason.startswith("What does “") and "refer to?" in a.reason, a.reason


def test_it_after_a_question_or_meaning_the_article_is_no_dangling_pronoun(session, retriever):
    session.ask(MTD_Q)
    a = session.ask("Is it safe?")
    assert "refer to?" not in a.reason and "everolimus" in a.query, a.text
    # "they" who did the work is the authors: "Which trials did they discuss?" (not "Do they work?")
    for q in ("Who wrote it?", "What is it about?", "When was it published?", "Which trials did they discuss?"):
        assert "refer to?" not in qa.ChatSession(retriever).ask(q).reason, q


def test_a_trial_code_is_an_identifier_not_a_count(session, retriever):
    # "How many patients received neratinib?" had quoted a Table 1 row whose only number is the
    # trial's NCT code; a question for the code is still answered by it
    a = session.ask("How many patients received neratinib?")
    assert not any(re.fullmatch(r"[^\d]*NCT\d+[^\d]*", re.sub(r"Table \d+", "", c.sentence)) for c in a.citations), a.text
    b = qa.ChatSession(retriever).ask("What is the trial number of the XL147 study?")
    assert not b.abstained and "NCT01042925" in b.citations[0].sentence, b.text
    kinds = {q: (t.name if (t := retriever.analyze(q).answer_type) else None) for q in (
        "What's the registration number of the cixutumumab trial?", "How many patients were enrolled?",
        "What is the PubMed identifier of the 2006 report by Geyer?")}
    assert list(kinds.values()) == ["identifier", "count", None], kinds


def test_reset_clears_turns(session):
    session.ask(MTD_Q)
    assert len(session.turns) == 1
    session.reset()
    assert session.turns == []
    q = "What were its most common adverse events?"
    assert session.ask(q).query == q


def test_answerer_protocol(retriever):
    from qa.answer import ExtractiveAnswerer

    assert isinstance(ExtractiveAnswerer(retriever), qa.Answerer)


def test_its_after_a_which_question_is_the_name_the_question_describes(session):
    # the answer lists GDC-0941, INK128 and "the dual PI3K/mTOR inhibitor BEZ235": "its" is BEZ235
    session.ask("Which dual PI3K/mTOR blocker has ongoing trials in HER2-resistant disease?")
    a = session.ask("In its phase I/Ib trial of solid tumours, which breast cancer patients will be included?")
    carried = a.query[len(a.question):]
    assert "BEZ235" in carried and "GDC-0941" not in carried and "INK128" not in carried, a.query
    assert not a.abstained and "PIK3CA" in a.text, a.text
    assert qa.ChatSession._nearest("the PI3K inhibitor GDC-0941 and the dual PI3K/mTOR inhibitor BEZ235",
                                   ["GDC-0941", "BEZ235"], "dual PI3K/mTOR") == "BEZ235"


def test_follow_up_with_that_as_its_subject(session):
    """"did that ..." leans on the previous turn like "it" does."""
    session.ask("What did adding pertuzumab to trastuzumab and docetaxel achieve in the phase III study?")
    a = session.ask("By how much did that lengthen the median time before the cancer grew?")
    assert a.query != a.question and "pertuzumab" in a.query.lower()
    assert "6.1 months" in a.text
    assert_grounded(a)


def test_short_question_naming_a_new_drug_is_not_a_follow_up(session):
    """Five words without a pronoun lean on the conversation, unless they name a drug."""
    session.ask(MTD_Q)
    assert session.is_follow_up("Which doses were tested?")
    q = "Is palbociclib given with letrozole?"
    assert not session.is_follow_up(q)
    a = session.ask(q)
    assert a.query == q
    assert a.abstained, a.text  # palbociclib is not in the review


def unknown(session, question: str) -> list[str]:
    """The words of a question naming what the corpus never mentions, as its one analysis reads them."""
    return list(session.retriever.analyze(question).subjects.unknown)


def test_drug_names_absent_from_the_review_are_salient(session):
    for drug in ("palbociclib", "olaparib", "temozolomide", "pomalidomide"):
        assert unknown(session, f"Was {drug} combined with lapatinib?") == [drug]


def test_abstention_says_why(session):
    a = session.ask("Is palbociclib given with letrozole?")
    assert a.abstained and a.reason == "It never mentions “palbociclib”."
    assert a.text.startswith("The review does not answer this question. It never mentions “palbociclib”.")
    assert a.to_dict()["reason"] == a.reason
    b = session.ask("How do I treat a sprained ankle?")
    assert b.abstained and b.reason  # a missing term or no close sentence, said in one sentence
    assert session.ask(MTD_Q).reason == ""


def test_compounds_of_known_names_and_ranges_are_not_unknown(session):
    def f(question):
        return unknown(session, question)

    assert f("Which phase III trial tested the HER2/EGFR pill plus capecitabine?") == []
    assert f("How many had grade 3-4 neutropenia?") == []
    assert f("OK, unrelated: how common is HER2 overexpression?") == []
    assert f("What did BOLERO-4 show?") == ["BOLERO-4"]  # a trial number the review never gives
    assert f("How should HER2-low breast cancer be treated?") == ["HER2-low"]


def test_abbreviation_question_answered_by_its_definition(session):
    a = session.ask("sorry, what does PFS stand for again?")
    assert not a.abstained, a.reason
    assert "progression-free survival" in a.text.lower()
    assert_grounded(a)


@pytest.mark.parametrize("question, word", [
    ("Is it safe to give trastuzumab during pregnancy?", "pregnancy"),
    ("How is HER2-positive breast cancer treated in men?", "men"),
    ("How often should heart function be checked while someone is receiving trastuzumab?", "heart"),
    ("Does regular exercise lower the chance of HER2-positive breast cancer coming back?", "exercise"),
])
def test_everyday_topics_the_review_never_mentions_abstain(session, question, word):
    a = session.ask(question)
    assert a.abstained and a.citations == ()
    assert a.reason == f"It never mentions “{word}”."


def test_follow_up_asking_how_long_that_phase_lasted(session):
    session.ask("Some women stayed on everolimus and trastuzumab after their chemo ended. How did that turn out?")
    a = session.ask("How long did that stretch typically last?")
    assert not a.abstained and "15 weeks" in a.text, a.text


def test_follow_up_about_the_other_study_does_not_repeat_the_first(session):
    session.ask("What objective response rate did intravenous T-DM1 record in the phase II study of 112 heavily "
                "pretreated patients?")
    first = session.turns[-1].answer.citations[0].sentence
    a = session.ask("And the median PFS in the other phase II?")
    assert "112 patients" in first and "6.9 months" in a.text, a.text
    assert a.citations[0].sentence != first


def test_trial_names_in_mixed_case_are_names(session):
    """"ExteNET" or "iDFS" name a trial and an end point the article never mentions."""
    a = session.ask("ExteNET: iDFS benefit of 1 yr extended adjuvant neratinib?")
    assert a.abstained and "ExteNET" in a.reason


def test_lab_means_preclinical_not_an_absent_topic(session):
    a = session.ask("In lab work, which Akt-blocking compound paired with everolimus made PTEN-deficient cells "
                    "respond to trastuzumab again?")
    assert not a.abstained and "triciribine" in a.text, a.text


def test_everyday_word_the_review_uses_is_not_unknown(session):
    assert unknown(session, "Was fatigue common with everolimus?") == []


def test_follow_up_carries_the_drug_the_previous_answer_named(session):
    """The first question names no drug; its answer does, and "it" is that drug."""
    session.ask("Which HER2 pill also blocks EGFR?")
    a = session.ask("does it still work if the tumor makes the chopped-off version of HER2?")
    assert "lapatinib" in a.query.lower()
    assert not a.abstained and "lapatinib" in a.text
    assert_grounded(a)


def test_how_many_wants_a_count_not_a_digit_inside_a_name(session):
    session.ask("What is tanespimycin?")
    a = session.ask("How many women took part in its phase II study?")
    assert "31 patients" in a.text  # not a sentence whose only digits are the 90 of "HSP90"
    assert_grounded(a)


def test_hyphenated_name_is_the_article_name(session):
    """Readers write IGF-1R; the article writes IGF1R."""
    assert unknown(session, "Which IGF-1R inhibitors currently have trials running?") == []
    a = session.ask("Which IGF-1R inhibitors currently have trials running?")
    assert not a.abstained and ("BMS-754807" in a.text or "cixutumumab" in a.text)
    assert_grounded(a)


def test_adjective_with_a_medical_prefix_is_not_an_absent_topic(session):
    def f(question):
        return unknown(session, question)

    assert f("What neurological evidence suggests everolimus acts in the brain?") == []
    assert f("Does trastuzumab cause neuropathy?") == ["neuropathy"]


def test_also_does_not_make_a_question_a_follow_up(session):
    """"Which HER2 pill also blocks EGFR?" stands on its own whatever was asked before."""
    session.ask(MTD_Q)
    assert not session.is_follow_up("Which HER2 pill also blocks EGFR?")
    a = session.ask("Which HER2 pill also blocks EGFR?")
    assert a.query == a.question and "lapatinib" in a.text


def test_closest_sections_of_an_abstention_leave_out_the_bibliography(session):
    a = session.ask("Is trastuzumab safe during pregnancy?")
    assert a.abstained and a.closest_sections and "references" not in a.closest_sections


def test_a_stated_change_of_topic_and_an_existential_there_start_afresh(session):
    session.ask("Which telomerase inhibitor does the review discuss?")
    for q in ("Switching topics: roughly how many breast cancer deaths were there worldwide in 2008?",
              "Were there deaths from breast cancer in 2008?"):
        assert not session.is_follow_up(q), q
    a = session.ask("Switching topics: roughly how many breast cancer deaths were there worldwide in 2008?")
    assert a.query == a.question and "458" in a.text


def test_which_agents_is_answered_by_a_drug_class(session):
    a = session.ask("Which newer agents, acting higher up the pathway than mTOR, do the authors say people "
                    "are excited about?")
    assert not a.abstained, a.reason
    assert "PI3K and Akt inhibitors" in a.text


def test_which_side_effects_wants_a_named_adverse_event(session):
    """A "dose-finding" study is no question about a dose; the answer names the adverse events."""
    q = "In the everolimus plus paclitaxel and trastuzumab dose-finding study, which side effects were most frequent?"
    a = session.ask(q)
    assert not a.abstained, a.reason
    assert a.citations[0].sentence.startswith("The therapeutic regimen was relatively well tolerated")
    assert "stomatitis" in a.text
    assert_grounded(a)


def test_the_combo_refers_to_the_combination_of_the_last_answer(session):
    session.ask("Which trial tested the HER2 pill with capecitabine in women whose disease grew on Herceptin?")
    q = "How much extra time before progression did the combo buy?"
    assert session.is_follow_up(q)
    a = session.ask(q)
    assert not a.abstained and "by 4 months" in a.citations[0].sentence and "lapatinib" in a.citations[0].sentence


@pytest.mark.parametrize("question, says", [
    ("What is lapatinib?", "the multityrosine kinase inhibitor lapatinib"),
    ("What is T-DM1?", "antibody-drug conjugate T-DM1, composed of"),
    ("What is pertuzumab?", "monoclonal antibody pertuzumab"),
    ("What is everolimus?", "the oral mTOR inhibitor everolimus"),
])
def test_what_is_a_drug_quotes_the_sentence_saying_what_it_is_first(session, question, says):
    # the review names its drugs after the words for their kind ("the ... inhibitor lapatinib,") or
    # in apposition ("T-DM1, composed of ..."): that sentence answers "What is X?", not a trial result
    a = session.ask(question)
    assert not a.abstained, a.reason
    assert says in a.citations[0].sentence, a.text
    assert_grounded(a)


def test_what_kind_of_asks_what_a_name_is_only_when_the_name_is_its_subject(retriever):
    def described(question):
        return retriever.analyze(question).described

    assert described("What kind of drug is lapatinib?") == {"lapatinib"}
    assert described("What type of agent is T-DM1?") == {"t-dm1"}
    # the kind of something else, which the name only qualifies
    assert described("What kind of patients received lapatinib in the phase III study?") == frozenset()
    assert described("What type of trials tested everolimus?") == frozenset()


def test_a_trial_written_out_in_full_is_answered_by_its_own_sentence_not_another_trials(session):
    # the review writes NeoALTTO and CLEOPATRA only in full ("NeoAdjuvant Lapatinib and/or
    # Trastuzumab Treatment Optimization"); the same passage names other trials in full too
    a = session.ask("What was the pathologic complete response rate in NeoALTTO?")
    assert not a.abstained, a.reason
    assert "NeoAdjuvant Lapatinib and/or Trastuzumab Treatment Optimization" in a.citations[0].sentence
    assert all("Early Regimen Evaluation" not in c.sentence for c in a.citations), a.text
    assert_grounded(a)
    # the passages naming the trial in full are lifted in retrieval: "NeoALTTO" alone finds them
    shown = ChatSession(session.retriever).ask("What did the NeoALTTO trial show?")
    assert not shown.abstained, shown.reason
    assert "NeoAdjuvant Lapatinib and/or Trastuzumab Treatment Optimization" in shown.citations[0].sentence
    follow = session.ask("Was it significant?")
    assert not follow.abstained and "0.0001" in follow.text, follow.text
    session.reset()
    b = session.ask("In CLEOPATRA, what was the median PFS with pertuzumab?")
    assert not b.abstained, b.reason
    assert "Clinical Evaluation of Pertuzumab and Trastuzumab" in b.citations[0].sentence
    # a median PFS of another section's study does not answer for CLEOPATRA
    assert all("Clinical Evaluation of Pertuzumab" in c.passage.text for c in b.citations), b.text


@pytest.mark.parametrize("question", ["What did CLEOPATRA find?", "What were the results of CLEOPATRA?",
                                      # "trial" draws the ongoing-trials passages: BM25 also searches
                                      # the words the review writes the trial out in
                                      "What did the CLEOPATRA trial show?"])
def test_a_sentence_writing_a_trial_in_full_covers_its_name(session, question):
    # the review writes CLEOPATRA only as "Clinical Evaluation of Pertuzumab and Trastuzumab": that
    # sentence holds the question's one key term, though it never writes "CLEOPATRA"
    a = session.ask(question)
    assert not a.abstained, a.reason
    assert "Clinical Evaluation of Pertuzumab and Trastuzumab" in a.citations[0].sentence, a.text


def test_a_name_only_a_cited_title_writes_is_not_discussed_by_the_review(session):
    a = session.ask("What did the TRYPHAENA study show?")
    assert a.abstained and a.reason.startswith("Only its bibliography mentions “TRYPHAENA”"), a.text


@pytest.mark.parametrize("question, other", [
    # the four wrong-subject answers, and a question naming both drugs
    ("What are the side effects of neratinib?", "everolimus"),
    ("What is the dose of trastuzumab?", "everolimus"),
    ("What dose of trastuzumab was given with everolimus?", "everolimus 5 mg/day"),
    ("What is the usual starting dose of metformin for type 2 diabetes?", "everolimus"),
    ("Is trastuzumab effective in HER2-positive gastric cancer?", "breast"),
    # only the section names neratinib: T-DM1's response rate there is not its
    ("What is the response rate of neratinib?", "T-DM1"),
    # "PFS" is named by an everolimus passage's "the median PFS was 41 weeks": no drug asked is
    ("What was the median PFS with neratinib?", "41 weeks"),
    ("What was the median PFS with lapatinib?", "41 weeks"),
])
def test_a_value_asked_of_one_drug_is_never_another_drugs(session, question, other):
    a = session.ask(question)
    assert a.abstained or all(other not in c.sentence for c in a.citations), a.text
    if "metformin" in question or "gastric" in question:
        assert a.abstained and "never mentions" in a.reason, a.text


def test_a_common_word_with_a_drugs_ending_is_no_drug(session):
    from qa.terms import drug_name
    assert not drug_name("combine") and all(drug_name(w) for w in ("capecitabine", "penicillin", "neratinib"))
    analysis = session.retriever.analyze("The second listed BEZ235 study: what phases and design does it combine?")
    assert analysis.subjects.subjects == ("BEZ235",)


def test_a_value_asked_of_a_drug_is_still_answered_by_its_own(session):
    a = session.ask("What dose of everolimus was given with trastuzumab?")
    assert not a.abstained and "mg/day" in a.citations[0].sentence, a.text
    assert "everolimus" in a.citations[0].sentence


def test_a_combination_the_question_names_is_the_combination_quoted(session):
    # "lapatinib plus capecitabine" is not "trastuzumab plus lapatinib" (12.0 versus 8.1 weeks)
    a = session.ask("What was the median PFS with lapatinib plus capecitabine?")
    assert a.abstained or all("12.0 weeks" not in c.sentence for c in a.citations), a.text
    assert a.abstained or "capecitabine" in a.citations[0].passage.text
    # a question comparing two regimens names no one combination: each part may be answered
    b = session.ask("Compare median PFS for everolimus plus trastuzumab combined with paclitaxel versus with vinorelbine")
    assert not b.abstained, b.reason
def test_and_x_after_a_pronoun_question_asks_that_question_of_x(session):
    # "What about its side effects?" was asked of T-DM1 through its pronoun: "And lapatinib?" asks
    # it of lapatinib, and no T-DM1 sentence answers it
    for turn in ("What is T-DM1?", "How well did it work in trastuzumab-resistant patients?",
                 "What about its side effects?"):
        session.ask(turn)
    a = session.ask("And lapatinib?")
    assert a.query == "What about lapatinib's side effects?"
    assert all("T-DM1" not in c.sentence for c in a.citations), a.text
    assert a.abstained or all("lapatinib" in c.passage.text for c in a.citations)
    if a.abstained:  # the abstention says how the question was read
        assert "read as “What about lapatinib's side effects?”" in a.text, a.text


@pytest.mark.parametrize("message", ["thanks", "hi", "Thank you!", "great, thanks", "OK"])
def test_small_talk_quotes_nothing_and_leaves_the_conversation_as_it_was(session, message):
    session.ask("Tell me about BOLERO-3")
    a = session.ask(message)
    assert a.abstained and a.citations == () and "not a question about the review" in a.text, a.text
    follow = session.ask("How many women will it enroll?")  # still about BOLERO-3
    assert not follow.abstained and "572" in follow.text, follow.text


def test_the_x_of_a_name_is_no_follow_up(session):
    # "the dose" is bound by "of trastuzumab", not by the T-DM1 of the turn before
    session.ask("What is T-DM1?")
    a = session.ask("What is the dose of trastuzumab?")
    assert a.query == "What is the dose of trastuzumab?"
    assert all("T-DM1" not in c.sentence for c in a.citations), a.text
    b = session.ask("What was the dose?")  # a bare "the dose" still leans on the turn before
    assert b.query != "What was the dose?"


def test_an_announced_list_is_quoted_with_the_sentence_announcing_it(session):
    # "Several mechanisms ... have been proposed." says none of them: the next sentence lists them
    a = session.ask("What are the mechanisms of resistance to HER2-targeted therapy?")
    assert not a.abstained, a.reason
    texts = [c.sentence for c in a.citations]
    assert any(t.startswith("These include impediments to HER2-trastuzumab binding") for t in texts), a.text
    assert_grounded(a)
