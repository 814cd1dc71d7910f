"""What an answer must be about, on four development articles of four fields (virology field
survey, enzymology, evolutionary theory, phage biology) and the review, with the real model and index: a number the
question states as a condition, a place, species or enzyme it names, a name only the bibliography
writes, and a follow-up that asks the previous question of a new subject."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import development_articles

import qa
from qa.query import specific_numbers, stated_numbers
from qa.text import fold

ROOT = Path(__file__).resolve().parents[1]
ARTICLES = ("pntd.0002065", "pone.0046493", "pone.0000217", "1471-2180-11-174")


@pytest.fixture(scope="module")
def articles(tmp_path_factory):
    return development_articles(tmp_path_factory, ARTICLES, "grounding")


def ask(retriever, article: str, *turns: str) -> qa.Answer:
    session = qa.ChatSession(retriever, k=5)
    session.article = article
    answer = None
    for turn in turns:
        answer = session.ask(turn)
    return answer


def ask_either(articles, retriever, article: str, *turns: str) -> qa.Answer:
    """`ask` of the review's own index for "her2-review", else of the development articles."""
    return ask(retriever, retriever.documents[0].doc_id, *turns) if article == "her2-review" \
        else ask(articles, article, *turns)


def test_specific_numbers_are_stated_conditions_not_approximations_counts_or_names():
    assert specific_numbers("What was the mean lysis time at 25°C in 2010, at an Ne of 5,000?") == ("25", "2010", "5000")
    assert specific_numbers("In the series of about 2,400 women, or roughly 300 of them, ...?") == ()
    assert specific_numbers("How did 3 arms of the phase 2 study of 17-AAG differ?") == ()
    assert specific_numbers("What did the 14-item form of the 110-patient study reach?") == ("14", "110")
    assert specific_numbers("Was the ratio 2.50 or 0.5?") == ("2.5", "0.5")
    assert stated_numbers("of 2,441 patients, 2441.0 and 2 441") == {"2441"}
    # a decade is no number nor year to be stated ("198" or "1980" of "the 1980s")
    assert specific_numbers("What was found in the early 1980s, and in 2010?") == ("2010",)
    from qa.query import stated_years
    assert stated_years("What was found in the early 1980s, and in 2010?") == ("2010",)


def test_a_decade_is_known_when_the_article_writes_a_year_of_it(articles):
    a = ask(articles, "pntd.0002065", "What seroprevalence was found in humans in Mozambique in the early 1980s?")
    assert not a.abstained and "1981" in a.text, a.reason
    b = ask(articles, "pntd.0002065", "What seroprevalence was found in humans in Mozambique in the 1870s?")
    assert b.abstained and "“1870s”" in b.reason, b.text


@pytest.mark.parametrize("article, question, number", [
    ("pone.0000217", "What mean fitness did the ΦX174 lines reach at an effective population size of 5000?", "5000"),
    ("pntd.0002065", "Did any animals in the cohort seroconvert when follow-up continued into 2012?", "2012"),
])
def test_a_number_no_passage_on_the_topic_states_makes_the_answer_abstain(articles, article, question, number):
    a = ask(articles, article, question)
    assert a.abstained and f"“{number}”" in a.reason and not a.citations


def test_a_stated_number_the_passages_hold_or_an_approximate_one_is_answered(articles, session):
    a = ask(articles, "pntd.0002065", "How many cattle died of Rift Valley fever in Gaza Province in 1969?")
    assert not a.abstained and "134" in a.text
    b = session.ask("In the large retrospective series of about 2400 women, how much more likely were "
                    "HER2-overexpressing patients to develop brain metastases?")
    assert not b.abstained and "3.4-fold" in b.text


@pytest.mark.parametrize("article, question, name", [
    ("pntd.0002065", "What RVF seroprevalence was found in goats in Nampula Province?", "Nampula"),
    ("pone.0000217", "Using their drift-load approach, what phenotypic complexity did the authors estimate "
                     "for Escherichia coli?", "coli"),
])
def test_a_place_or_species_the_question_names_must_be_where_the_answer_is_quoted(articles, article, question, name):
    a = ask(articles, article, question)
    assert a.abstained and f"It mentions {name}, but no sentence about {name}" in a.reason


@pytest.mark.parametrize("article, question, fact", [
    # "Rift Valley fever" is the passage's "RVF"; "LipU" is named in its table row
    ("pntd.0002065", "How many cattle died of Rift Valley fever in Gaza Province in 1969?", "134"),
    ("pone.0046493", "What was the apparent Km of LipU on pNPC4?", "Km"),
    ("pone.0000217", "What effective population sizes were used for the ΦX174 lines?", "1250"),
])
def test_names_held_by_the_quoted_passage_are_answered(articles, article, question, fact):
    a = ask(articles, article, question)
    assert not a.abstained and fact in a.text
    for c in a.citations:  # still quoted verbatim
        assert fold(c.sentence) in fold(c.passage.text) or c.passage.kind == "table_row"


def test_a_species_or_name_the_article_does_not_discuss_is_said_to_be_absent(articles, session):
    leprae = ask(articles, "pone.0046493", "Does MmPPOX inhibit the lipolytic enzymes of Mycobacterium leprae?")
    assert leprae.abstained and "never mentions “Mycobacterium leprae”" in leprae.reason
    # only a cited title writes it: the article does not discuss it, and the answer says where it is
    worm = ask(articles, "pone.0000217", "How many cell types does Caenorhabditis elegans have?")
    assert worm.abstained and worm.reason.startswith("Only its bibliography mentions “Caenorhabditis”")
    # a question about the works the review cites is answered from its bibliography
    cited = session.ask("What did Muthuswamy title the short Nature Medicine piece on trastuzumab resistance "
                        "that the review cites?")
    assert not cited.abstained and cited.citations[0].passage.kind == "reference"


@pytest.mark.parametrize("article, first, follow_up, old, fact", [
    ("pone.0000217", "What effective population sizes were used for the ΦX174 lines?", "And for VSV?",
     "ΦX174", "four, ten, and 60"),
    ("pntd.0002065", "What proportion of sheep in Mopeia had antibodies in 2010?", "And in Nicoadala?",
     "Mopeia", "4.3"),
])
def test_and_for_x_asks_the_previous_question_of_x(articles, article, first, follow_up, old, fact):
    a = ask(articles, article, first, follow_up)
    # the previous question is asked again of the new subject: what was asked is carried, not what
    # it was asked of
    new = follow_up.rstrip("?").split()[-1]
    assert old not in a.query and new in a.query and a.query.startswith(first.split()[0])
    assert not a.abstained and fact in a.text


@pytest.mark.parametrize("article, first, question", [
    (None, "What is the maximum tolerated dose of everolimus with paclitaxel and trastuzumab?",
     "What is lapatinib and how does it work?"),
    (None, "What is the maximum tolerated dose of everolimus with paclitaxel and trastuzumab?",
     "Which study combines cixutumumab with other drugs, and what is its design?"),
    ("pone.0046493", "What melting temperature did LipH show in thermal shift assays?",
     "What is LipY, and how active is it on vinyl butyrate?"),
    ("1471-2180-11-174", "What E. coli background strain were all the lysogens built in?",
     "How did the authors compute the lysogen growth rate from their spectrophotometer readings?"),
    ("pntd.0002065", "Which test did they use to pick up recent infections?",
     "Separately, how were their blood samples stored?"),
])
def test_a_question_whose_pronoun_refers_to_its_own_words_starts_afresh(articles, retriever, article, first, question):
    """"What is lapatinib and how does it work?": "it" is lapatinib, not what was asked before."""
    session = qa.ChatSession(articles if article else retriever, k=5)
    session.article = article
    session.ask(first)
    assert not session.is_follow_up(question)
    assert session.ask(question).query == question
    assert session.is_follow_up("What were its side effects?"), "a bare pronoun still leans on the last turn"


@pytest.mark.parametrize("article, first, follow_up, subject, other", [
    (None, "Tell me about neratinib.", "What were its side effects?", "neratinib", ("stomatitis",)),
    (None, "What is lapatinib and how does it work?", "What were its side effects?", "lapatinib", ("stomatitis",)),
    # nor a sentence about the lipases LipI, LipN and LipY, nor the one going on about them
    ("pone.0046493", "Tell me about LipU.", "How active was it on vinyl butyrate?", "LipU",
     ("LipI, LipN and LipY", "tripropionin")),
])
def test_a_follow_ups_pronoun_binds_its_answer_to_the_subject_it_stands_for(articles, retriever, article, first,
                                                                             follow_up, subject, other):
    """"What were its side effects?" after "Tell me about neratinib": the answer must be about neratinib,
    as if the question had named it (not everolimus's stomatitis, quoted from the next passage)."""
    session = qa.ChatSession(articles if article else retriever, k=5)
    session.article = article
    session.ask(first)
    a = session.ask(follow_up)
    direct = session.retriever.analyze(follow_up, a.query, referent=first).subjects
    assert subject in direct.subjects or subject in direct.names
    assert not any(o in a.text for o in other), a.text


def test_a_follow_up_on_the_same_subject_keeps_it(session):
    session.ask("What was the maximum tolerated dose of everolimus with paclitaxel and trastuzumab?")
    a = session.ask("And in the control arm?")
    assert "everolimus" in a.query


def test_size_and_temperature_questions_need_a_measure(articles):
    size = ask(articles, "pntd.0002065", "Where in Mozambique is Zambézia Province?", "How large is it?")
    assert not size.abstained and "103,127 km2" in size.citations[0].sentence
    melting = ask(articles, "pone.0046493", "What melting temperature did LipH show in thermal shift assays?")
    assert melting.abstained and melting.reason.startswith("No sentence of it gives the ")


def test_potency_and_resolution_questions_need_a_concentration_or_angstroms(articles):
    for question in ("What IC50 does MmPPOX have against purified human hormone-sensitive lipase?",
                     "At what resolution was the crystal structure of LipY solved?"):
        a = ask(articles, "pone.0046493", question)
        assert a.abstained, (question, a.text)
    ki = ask(articles, "pone.0046493", "What was the lowest apparent Ki for MmPPOX among the Lip-HSL proteins?")
    assert not ki.abstained and "0.1 µM" in ki.text
    mic = ask(articles, "pone.0046493", "What MIC does MmPPOX have against M. tuberculosis?")
    assert not mic.abstained and "µg/mL" in mic.text


@pytest.mark.parametrize("article, question", [
    ("pone.0046493", "What is the optimal pH for LipN activity on tributyrin?"),  # a buffer's pH is no optimum
    ("pone.0046493", "How toxic is MmPPOX to human macrophages in culture?"),
    ("pntd.0002065", "What is the optimal temperature for storing the sera?"),
])
def test_optimum_and_toxicity_questions_need_a_sentence_that_gives_them(articles, article, question):
    a = ask(articles, article, question)
    assert a.abstained, a.text


@pytest.mark.parametrize("article, question, fact", [
    ("pone.0000217", "Which grant funded Olivier Tenaillon for this work?", "Agence Nationale de la Recherche"),
    ("pone.0046493", "Which agency funded Vincent Delorme's PhD fellowship?", "Ministère de l'Enseignement"),
    ("pntd.0002065", "Who funded this study?", "SIDA/SAREC"),
])
def test_funding_questions_quote_the_funding_statement_wherever_the_article_prints_it(articles, article,
                                                                                      question, fact):
    a = ask(articles, article, question)
    assert not a.abstained and fact in a.text
    assert any(fact in c.sentence and c.section in ("Funding", "Notes") for c in a.citations)


def test_the_next_sentence_joins_only_to_give_the_figure_the_best_one_lacks(articles, session):
    a = session.ask("How many participants is the big placebo-controlled everolimus/vinorelbine/trastuzumab "
                    "phase III expected to recruit?")
    assert not a.abstained and "572" in a.text and len(a.citations) >= 2
    # the best sentence gives its own figures: nothing is appended for the sake of another figure
    b = ask(articles, "pntd.0002065", "How many animals were enrolled in the longitudinal follow-up in Mopeia district?")
    assert "125 animals" in b.citations[0].sentence
    assert not any(c.sentence.startswith("These animals were monitored") for c in b.citations)


def test_question_words_are_no_species_and_names_are_read_as_the_article_writes_them(articles):
    def named(question):
        return list(articles.analyze(question).subjects.names)

    assert named("Which mosquito species collected in Mopeia's dambos tested positive?") == ["Mopeia"]
    assert named("What MIC does MmPPOX have against Mycobacterium smegmatis?") == ["smegmatis", "MmPPOX"]
    assert named("Who wrote the 2006 New England Journal paper on lapatinib?") == []  # the bibliography's


@pytest.mark.parametrize("article, question, fact", [
    ("pone.0046493", "Which paper by Ransac and colleagues is cited for the lipase-inhibitor pre-incubation "
                     "method, and where was it published?", "Methods Enzymol"),
    ("pone.0000217", "What is the title of the Sella and Hirsh paper whose statistical physics result underlies "
                     "the equilibrium fitness formula?", "The application of statistical physics to evolutionary biology"),
])
def test_a_question_about_a_cited_paper_quotes_the_entry_the_sentence_cites(articles, article, question, fact):
    a = ask(articles, article, question)
    assert not a.abstained and fold(fact) in fold(a.text)
    body, entry = a.citations[0], next(c for c in a.citations if c.passage.kind == "reference")
    assert body.passage.kind != "reference"
    assert entry.passage.refs[0].number in {r.number for r in body.references}  # the entry the sentence cites
    assert entry.sentence in a.text


def test_a_given_name_before_a_surname_the_article_writes_is_no_absent_name(articles):
    def unknown(question):
        return list(articles.analyze(question).subjects.unknown)

    assert unknown("How was Olin Silander funded?") == []  # the article writes "Silander OK"
    assert "Olin" in unknown("How was Olin Brightwater funded?")
    # initials with stops are a given name too: "O.K. Silander", not an absent acronym "O.K"
    assert unknown("How was O.K. Silander funded?") == []
    assert "Q.X" in unknown("How was Q.X. Brightwater funded?")
    a = ask(articles, "pone.0000217", "Switching topics: how was Olin Silander funded?")
    assert not a.abstained and "NIH training grant" in a.text


@pytest.mark.parametrize("article", ["pntd.0002065", "pone.0046493"])
def test_who_paid_for_it_is_answered_by_the_funding_statement(articles, article):
    a = ask(articles, article, "Who paid for this research?")
    assert not a.abstained and a.citations[0].passage.section.lower() in ("funding", "notes"), a.citations[0].section


def test_a_sentence_that_only_proposes_work_does_not_answer_what_it_found(articles):
    a = ask(articles, "pone.0046493", "How much phospholipase activity does LipY have?")
    assert a.abstained and "proposes or plans" in a.reason
    # asked what is being examined, the same sentence answers
    b = ask(articles, "pone.0046493", "Which further activities of these enzymes are currently being examined?")
    assert not b.abstained and "phospholipase" in b.text


def test_a_table_of_another_year_does_not_answer_for_the_year_asked(articles):
    a = ask(articles, "pntd.0002065", "What IgG seroprevalence was found in goats from Maganja da Costa in the 2010 survey?")
    assert "39.1" not in a.text  # Table 1 is the 2007 survey's
    assert not any(c.passage.kind == "table_row" and "2010" not in c.passage.context for c in a.citations)
    b = ask(articles, "pntd.0002065", "What IgG seroprevalence was found in goats from Maganja da Costa in the 2007 survey?")
    assert not b.abstained and "39.1" in b.text


def test_answer_types_have_unique_names_and_the_question_picks_one_by_name():
    from qa.query import ANSWER_TYPES, answer_type

    names = [t.name for t in ANSWER_TYPES]
    assert len(names) == len(set(names)) and all(names)
    assert answer_type("When did the trial start?").name == "date"
    assert answer_type("Which institution is the first author affiliated with?").name == "affiliation"
    assert answer_type("How many patients completed it?").name == "count"
    assert answer_type("Why does resistance develop?") is None


def test_a_duration_question_needs_a_time_and_an_ordinal_or_a_possessive_is_none():
    from qa.query import answer_type

    wanted = answer_type("How many minutes did patients need on average to complete the questionnaire?")
    assert wanted is answer_type("How long did it take?")  # a duration, not a count
    assert wanted.search("The mean lysis time was 65.1 min") and wanted.search("after 45 s") \
        and wanted.search("a 2-day interval")
    assert not wanted.search("41 patients received a second questionnaire by mail")
    assert not wanted.search("Cronbach's alpha was 0.97")
    assert answer_type("How many patients completed it?") is not wanted


@pytest.mark.parametrize("question, word", [
    ("What scores were found among Dutch schoolchildren?", "schoolchildren"),
    ("Were the scores related to the patients' income?", "income"),
    ("How do I get a red wine stain out of a cotton shirt?", "shirt"),
])
def test_everyday_words_no_article_uses_are_absent_topics(articles, session, question, word):
    assert word in articles.analyze(question).subjects.unknown
    assert word in session.retriever.analyze(question).subjects.unknown


@pytest.mark.parametrize("article, question, fact", [
    ("1471-2180-11-174", "And who supported Dennehy while the manuscript was being prepared?", "Professional Staff Congress"),
    ("1471-2180-11-174", "Which NIH grant funded this work?", "GM072815"),
])
def test_support_stated_in_the_acknowledgements_answers_who_funded_it(articles, article, question, fact):
    a = ask(articles, article, question)
    assert not a.abstained and fact in a.text and a.citations[0].passage.section.lower().startswith("acknowledg")


def test_a_measure_the_question_states_must_be_written_with_its_unit(articles):
    from qa.query import measure_stated, stated_measures

    assert stated_measures("Evolved at 42°C, or at 10 µg/mL?") == ("42°C", "10µg/mL")
    assert measure_stated("42°C", "raised to 42 °C for 15 min") and not measure_stated("42°C", "ne/Q = 45 (42−49)")
    a = ask(articles, "pone.0000217", "How did the ΦX174 complexity estimate change when the phage was evolved at "
                                      "a higher temperature such as 42°C?")
    assert a.abstained and "“42°C”" in a.reason  # the article has 42 only as a bound of an interval
    b = ask(articles, "1471-2180-11-174", "For how long were the cells kept at 42°C?")
    assert not b.abstained and "15 min" in b.text


def test_a_which_species_question_needs_a_sentence_naming_a_species(articles):
    a = ask(articles, "pntd.0002065", "Which mosquito species collected in the Mopeia dambos were found to carry RVFV?")
    assert a.abstained and a.reason.startswith("No sentence of it gives the ")  # "the mosquitoes in the dambos" names none
    b = ask(articles, "pone.0046493", "Which mycobacterial species did MmPPOX inhibit the growth of?")
    assert not b.abstained and ("M. tuberculosis" in b.text or "M. bovis" in b.text)


def test_an_abbreviation_spelled_out_after_it_is_read_as_the_article_defines_it(articles):
    from qa.corpus import find_abbreviations

    found = find_abbreviations("grown in standard LB (lysogeny broth [55]) or DM (Davis minimal salts medium); "
                               "HER2 (also called ErbB2) and PFS (median 6.9 months); overall survival (OS)")
    assert found == {"LB": "lysogeny broth", "DM": "Davis minimal salts medium", "OS": "overall survival"}
    assert articles.glossary.get("LB") == "lysogeny broth"
    a = ask(articles, "1471-2180-11-174", "What does LB stand for in this article?")
    assert not a.abstained and "lysogeny broth" in a.text


def test_what_the_authors_measured_is_not_answered_by_another_works_figure(articles):
    a = ask(articles, "1471-2180-11-174", "What burst size did the authors measure for individual IN71 lysogenic cells?")
    assert a.abstained and "cites that from other work" in a.reason
    # asked for the cited work's figure, the same sentence answers
    b = ask(articles, "1471-2180-11-174", "According to earlier work the authors cite, at what rate do phage progeny "
                                          "accumulate after lysis induction?")
    assert not b.abstained and "7.7 phage per minute" in b.text


def test_a_sentence_about_another_kind_of_organism_does_not_answer(articles):
    from qa.subjects import organisms_in

    assert [w for w, _ in organisms_in("in cattle, cows and the farmers' goats")] == ["cattle", "farmers", "goats"]
    a = ask(articles, "pntd.0002065", "What was the RVF seroprevalence in cattle sampled in Mopeia and Nicoadala in 2010?")
    assert a.abstained and "cattle" in a.reason  # the 2010 survey sampled sheep and goats
    b = ask(articles, "pntd.0002065", "How many cattle died of RVF in Gaza Province?")
    assert not b.abstained and "134 cattle" in b.text


def test_a_was_it_significant_question_is_answered_by_a_sentence_saying_whether(articles):
    from qa.query import answer_type

    wanted = answer_type("Was the difference between sheep and goats statistically significant?")
    assert wanted.search("but not statistically significantly so (p = 0.58)") and wanted.search("p < 0.05")
    assert not wanted.search("It is interesting to note the following.")
    assert answer_type("How many patients had a significant response?") is not wanted
    a = ask(articles, "1471-2180-11-174", "Was the link between host growth rate and mean lysis time statistically significant?")
    assert not a.abstained and "not significant" in a.text


@pytest.mark.parametrize("article, question, control, reason, conclusion", [
    ("pone.0046493", "Why are lipolytic enzymes thought to play critical roles during the intracellular lifetime of M. tuberculosis?",
     "What roles are lipolytic enzymes thought to play during the intracellular lifetime of M. tuberculosis?",
     "possesses a vast array of genes coding for enzymes", "Therefore, lipolytic enzymes are thought to play"),
    ("1471-2180-11-174", "Why did the authors present their means and SDs separately and then jointly as CVs?",
     "How did the authors present their means and SDs?",
     "the same measuring unit", "Therefore, we presented our means and SDs separately"),
])
def test_a_why_question_quotes_the_reason_a_therefore_sentence_leans_on(articles, article, question, control,
                                                                       reason, conclusion):
    a = ask(articles, article, question)
    sentences = [c.sentence for c in a.citations]
    at = next(i for i, s in enumerate(sentences) if s.startswith(conclusion))
    assert at > 0 and reason in sentences[at - 1]  # the reason, quoted right before what it explains
    b = ask(articles, article, control)  # not asked why: the sentence stands alone
    others = [c.sentence for c in b.citations]
    at = next(i for i, s in enumerate(others) if s.startswith(conclusion))
    assert at == 0 or reason not in others[at - 1]


def test_a_follow_up_carries_the_names_the_last_answer_gave_in_mixed_case(articles):
    # "it" leans on the ELISA the answer named; its names are written with an inner capital (IgG,
    # IgM; as LipY, pNPC4), and the follow-up's query carries them
    session = qa.ChatSession(articles, k=5)
    session.article = "pntd.0002065"
    first = session.ask("Which test did they use to pick up recent infections?")
    assert "IgM" in first.citations[0].sentence
    a = session.ask("How many of the tested samples came back positive on it?")
    carried = session.turns[-1].query.partition(" (")[2]
    assert "IgG" in carried or "IgM" in carried
    assert not a.abstained and "ELISA" in a.citations[0].sentence


def test_a_when_question_quotes_the_sentence_a_relative_time_counts_from(articles):
    # "Nine years later 134 cattle died": the sentence before says when the nine years count from
    first = ask(articles, "pntd.0002065", "How many cattle died of RVF in Gaza Province?")
    assert first.citations[0].sentence.startswith("Nine years later")  # not asked when: alone
    a = ask(articles, "pntd.0002065", "How many cattle died of RVF in Gaza Province?", "When did that happen?")
    sentences = [c.sentence for c in a.citations]
    at = next(i for i, s in enumerate(sentences) if s.startswith("Nine years later"))
    assert at > 0 and re.search(r"\b19\d\d\b", sentences[at - 1])
    assert a.citations[at - 1].passage.id == a.citations[at].passage.id


@pytest.mark.parametrize("article, question", [
    ("pone.0000217", "Where is Olin Silander based?"),
    ("1471-2180-11-174", "At which university was the co-author Ing-Nang Wang based?"),
])
def test_an_affiliation_question_quotes_the_named_authors_affiliation(articles, article, question):
    """"At which university was X based?" is answered by the front matter's "Affiliation(s) of <X's
    byline>: ..." (an institution), not by the byline."""
    doc = next(d for d in articles.documents if d.doc_id == article)
    surname = question.rstrip("?").split()[-2]
    byline = next(a for a in doc.authors if a.startswith(surname))
    a = ask(articles, article, question)
    assert not a.abstained
    first = a.citations[0].sentence
    assert first.startswith("Affiliation") and f"of {byline}:" in first
    assert re.search(r"(?i)universit|institut|department|division", first)


@pytest.mark.parametrize("question", ["Who is the corresponding author?", "How can I contact the authors?",
                                      "What is the e-mail address for correspondence?"])
def test_who_to_write_to_is_answered_by_the_named_corresponding_author(articles, question):
    for doc in articles.documents:
        a = ask(articles, doc.doc_id, question)
        assert not a.abstained and a.text.startswith("Correspondence to: "), (doc.doc_id, a.text)
        who = re.match(r"Correspondence to: ([^,]+),", a.text).group(1)
        assert who.split()[-1] in {byline.rsplit(" ", 1)[0].split()[-1] for byline in doc.authors}
        assert "@" in a.text


def test_a_what_value_question_is_answered_by_a_sentence_giving_a_figure(articles, retriever):
    from qa.query import answer_type

    wanted = answer_type("What Cronbach's alpha did the Social disability domain reach?")
    assert wanted.name == "value" and answer_type("What value did it reach?") is wanted
    assert answer_type("What does SD mean in the table footnote?") is None  # asks a meaning
    assert wanted.search("Cronbach's alpha was 0.97") and wanted.search("we assume that Q is approximately one")
    assert not wanted.search("Internal consistency was assessed by calculating Cronbach's alphas.")
    a = ask(articles, "1471-2180-11-174", "Which holin allele strain had the shortest mean lysis time?",
            "What SD did it show?")
    assert not a.abstained and "3.28" in a.text
    b = ask(articles, "pone.0000217", "What value of the curvature parameter Q was assumed for both viruses?")
    assert not b.abstained and re.search(r"\bQ (?:is|as) (?:approximately )?(?:one|1)\b", b.text)
    # a sentence comparing two arms gives the figure of both, whichever drug's name it follows
    session = qa.ChatSession(retriever, k=5)
    c = session.ask("What median PFS did trastuzumab plus lapatinib give compared with lapatinib alone?")
    assert not c.abstained and "12.0 weeks" in c.text


def test_a_figure_answers_a_what_value_question_only_when_it_is_of_the_thing_asked(articles):
    from qa.query import asked_for

    q = "What GFP fluorescence intensity did holin rafts reach just before lysis in the authors' cells?"
    assert asked_for(q).focus == "GFP fluorescence intensity"
    a = ask(articles, "1471-2180-11-174", q)  # the article gives the rafts' size, not their fluorescence
    assert a.abstained and ("GFP fluorescence intensity" in a.reason or a.reason.startswith("No sentence of it gives the "))
    # the table's abbreviation "SD (min)" names the standard deviation asked for; "the median TTP"
    # need not be written "median" (the statistic is often left implicit)
    b = ask(articles, "1471-2180-11-174", "What standard deviation of lysis time was listed for holin allele strain IN65?")
    assert not b.abstained and "SD (min): 6.95" in b.text
    q = "What were the median TTP figures for each arm?"
    assert asked_for(q).focus == "median" and not articles.analyze(q).focus


def test_what_x_did_they_estimate_asks_for_the_value_of_x(articles):
    from qa.query import answer_type, asked_for

    q = "What phenotypic complexity did the authors estimate for the RNA phage phi 6 using the drift load method?"
    assert answer_type(q).name == "value" and asked_for(q).focus == "phenotypic complexity"
    assert answer_type("What kind of cells did they measure?") is None
    a = ask(articles, "pone.0000217", q)  # phi 6 is only in the bibliography; no figure of it
    assert a.abstained
    # a figure in the sentence next to the one naming the thing is not a figure of it
    b = ask(articles, "pone.0000217", "What maximum attainable fitness did they estimate for vesicular stomatitis virus?")
    assert b.abstained or "1.98" in b.text


def test_a_how_many_minutes_question_is_answered_by_a_time_of_that_scale(articles):
    from qa.query import answer_type, asked_for

    q = "How many hours were the cells kept at 42°C?"
    assert answer_type(q).name == "duration" and asked_for(q).focus == "hours"
    a = ask(articles, "1471-2180-11-174", q)  # "15 min" is a time of the scale asked
    assert not a.abstained and "15 min" in a.text


def test_a_rate_or_an_accuracy_question_is_answered_only_by_a_figure_of_that_rate(articles):
    from qa.query import asked_for

    q = "What were the sensitivity and specificity of the IgG indirect ELISA relative to the virus neutralization test?"
    assert asked_for(q).focus == "sensitivity"
    a = ask(articles, "pntd.0002065", q)  # the article gives seroprevalences, not the test's accuracy
    assert a.abstained
    q = "What growth rate did the wild-type lysogen reach in Davis minimal medium with 40 mM glycerol?"
    assert asked_for(q).focus == "growth rate"
    b = ask(articles, "1471-2180-11-174", q)
    assert not b.abstained and "0.35" in b.text


def test_and_for_another_subject_restates_the_previous_question_of_it(articles):
    session = qa.ChatSession(articles, k=5)
    session.article = "pone.0000217"
    session.ask("What maximum attainable fitness (fref) was estimated for ΦX174?")
    a = session.ask("And for VSV?")
    # the previous question asked of VSV, analysed as such (a value of fref), answered as asked
    assert session.turns[-1].query == "What maximum attainable fitness (fref) was estimated for VSV?"
    groups = articles.analyze(session.turns[-1].query).focus_groups  # its words, or the alias "fref"
    assert len(groups) == 2 and groups[1] == ("fref",) and "fref" not in groups[0]
    assert a.question == "And for VSV?"
    assert not a.abstained and re.search(r"fref\W*=\W*1\.98", a.text)
    assert session.turns[-1].restated and not session.turns[-1].carried


@pytest.mark.parametrize("article, questions", [
    (None, ["What is the maximum tolerated dose of everolimus with trastuzumab and paclitaxel?",
            "What were its most common side effects?", "And how many patients had them?"]),
    ("pone.0000217", ["What maximum attainable fitness (fref) was estimated for ΦX174?", "And for VSV?",
                      "How was it estimated?"]),
    ("pntd.0002065", ["Which test did they use to pick up recent infections?",
                      "How many of the tested samples came back positive on it?", "And in goats?"]),
])
def test_a_resumed_conversation_leans_on_its_turns_as_the_live_one_did(articles, retriever, article, questions):
    from qa.chat import Turn

    live = qa.ChatSession(articles if article else retriever, k=5)
    live.article = article
    for q in questions[:-1]:
        live.ask(q)
    assert any(t.carried or t.restated for t in live.turns), "a follow-up leans on the turn before it"
    # a stored conversation keeps each turn's question and answer: what it carried is recovered
    resumed = qa.ChatSession(live.retriever, k=5)
    resumed.article = article
    resumed.turns = [Turn.resumed(t.question, t.answer) for t in live.turns]
    assert resumed.turns == live.turns
    assert resumed.resolve(questions[-1]) == live.resolve(questions[-1])


def test_what_parameters_did_they_measure_asks_what_not_how_much():
    from qa.query import answer_type

    for q in ("What parameters did they measure?", "What mutations did they obtain in the evolved lines?",
              "What outcomes did the trial record?", "What kind of cells did they record?"):
        assert answer_type(q) is None, q


def test_a_trial_acronym_the_article_writes_out_in_full_is_that_trial(session, articles):
    """"CLEOPATRA" is the review's "Clinical Evaluation of Pertuzumab and Trastuzumab" study: no absent
    name, and an answer about it must be about that study."""
    a = session.ask("In CLEOPATRA, by how much did pertuzumab added to trastuzumab and docetaxel lengthen median PFS?")
    assert not a.abstained and "6.1 months" in a.text and "Clinical Evaluation of Pertuzumab" in a.text
    session.reset()
    b = session.ask("What were the final overall survival results of the CLEOPATRA trial?")
    assert b.abstained and "never mentions" not in b.reason  # it mentions the trial, not those results
    # an acronym no article spells out is still an absent name, on any article
    assert "EMILIA" in session.retriever.analyze("What did the EMILIA trial show?").subjects.unknown
    assert "HOLOGRAM" in articles.analyze("What did the HOLOGRAM study find about goats?").subjects.unknown


@pytest.mark.parametrize("article, question, says", [
    ("pntd.0002065", "What are dambos?", "depressions called dambos"),  # "X called Y"
    ("pone.0046493", "What is Cut6?", "Cut6, a non Lip-HSL protein"),  # in apposition
])
def test_what_is_a_name_quotes_the_sentence_saying_what_it_is_first(articles, article, question, says):
    a = ask(articles, article, question)
    assert not a.abstained, a.reason
    assert says in a.citations[0].sentence, a.text
    # "Cut6, which was cloned into ..." says what was done with it, not what it is
    assert all("which was cloned" not in c.sentence for c in a.citations[:1])


@pytest.mark.parametrize("article, question, name", [
    ("pntd.0002065", "What is INAM?", "INAM"),  # an institute only a cited report's byline writes
    ("pone.0046493", "Does KasA belong to the Lip-HSL family?", "KasA"),  # a protein of a cited title
])
def test_a_name_only_the_bibliography_writes_is_not_answered_from_the_text(articles, article, question, name):
    a = ask(articles, article, question)
    assert a.abstained and a.reason.startswith(f"Only its bibliography mentions “{name}”"), a.text


def test_a_follow_ups_its_rate_must_be_the_rate_asked_for(articles, session):
    # "What was its mutation rate?" names the rate it asks for, as "What mutation rate ...?" does:
    # the article gives no mutation rate of VSV, and sentences on VSV without one do not answer
    vsv = ask(articles, "pone.0000217", "What phenotypic complexity did they estimate for vesicular stomatitis virus?",
              "What was its mutation rate?")
    assert vsv.abstained and vsv.reason == "No sentence of it gives the mutation rate asked for.", vsv.text
    session.ask("Tell me about T-DM1 in trastuzumab-resistant disease")
    rate = session.ask("What was its overall response rate?")
    assert not rate.abstained and "overall response rate of 33%" in rate.text, rate.text


def test_and_its_x_asks_something_new_of_the_same_subject(articles):
    # "And its SD?" is no new subject "its SD": it asks the SD of the strain just asked about
    a = ask(articles, "1471-2180-11-174", "What was the mean lysis time of IN56?", "And its SD?")
    assert not a.abstained, a.reason
    assert "IN56" in a.citations[0].sentence and "3.24" in a.citations[0].sentence, a.text


def _misspelt(word: str) -> str:
    """The word with two letters of its middle swapped ("lapatinib" -> "lapaitnib")."""
    i = len(word) // 2
    return word[:i] + word[i + 1] + word[i] + word[i + 2:]


@pytest.mark.parametrize("article", ["her2-review", "pone.0046493"])
def test_a_misspelt_drug_name_is_not_answered_but_suggested(articles, retriever, article):
    # the drugs each article writes, derived from it: a misspelling is never answered (two drugs'
    # names can be that close), and the abstention names the article's word it is nearly spelt as
    from qa.terms import drug_name
    r = retriever if article == "her2-review" else articles
    drugs = sorted((w for w in r.vocabulary if w.isalpha() and len(w) >= 9 and drug_name(w)), key=lambda w: (-len(w), w))
    assert drugs
    for drug in drugs[:3]:
        a = ask(r, r.documents[0].doc_id if r is retriever else article, f"What is the dose of {_misspelt(drug)}?")
        assert a.abstained and not a.citations, a.text
        assert f"did you mean “{drug}”?" in a.reason, a.reason
    # a common word the article lacks is meant as written: "heart" is not "heat"
    b = ask(retriever, retriever.documents[0].doc_id, "How often should heart function be checked?")
    assert "did you mean" not in b.reason


def test_alternatives_are_the_conditions_a_question_chooses_over_others():
    from qa.query import alternatives
    assert alternatives("What SD did they obtain with UV light instead of heat?") == ("UV light",)
    assert alternatives("Why was a daily rather than weekly everolimus schedule preferred?") == ("daily",)
    # back to a comma or a function word: "kept on top of it" chooses nothing the question names
    assert alternatives("Did it do better when trastuzumab was kept on top of it rather than dropped?") == ()
    assert alternatives("Is there a trial with paclitaxel, rather than after failure?") == ()


@pytest.mark.parametrize("article, question, absent", [
    ("1471-2180-11-174", "What lysis time SD did the authors obtain when they induced their own lysogens "
                         "with UV light instead of heat?", "UV light"),
    ("1471-2180-11-174", "How did adding sodium azide instead of KCN affect the timing of premature lysis?",
     "adding sodium azide"),
    ("pone.0046493", "How strongly did MmPPOX inhibit LipY when dissolved in ethanol instead of DMSO?", "ethanol"),
])
def test_a_chosen_condition_the_article_never_writes_makes_the_answer_abstain(articles, article, question, absent):
    a = ask(articles, article, question)
    assert a.abstained and f"“{absent}”" in a.reason and not a.citations, a.text


def test_conditions_are_the_words_before_the_condition_noun():
    from qa.query import conditions
    assert conditions("How effective was it against bacteria grown under hypoxic, non-replicating conditions?") \
        == ("hypoxic", "non-replicating")
    assert conditions("What was the SD in high-magnesium medium, and in a mixed culture?") == ("high-magnesium", "mixed")
    assert conditions("What was the SD in 2010 and in the other districts?") == ()


@pytest.mark.parametrize("article, question, absent", [
    ("pone.0046493", "What MIC did MmPPOX show against M. bovis BCG cultured under anaerobic conditions?", "anaerobic"),
    ("1471-2180-11-174", "What was the mean lysis time of lysogens grown in magnesium-rich medium?", "magnesium-rich"),
    ("pntd.0002065", "What seroprevalence was found in goats kept in arid conditions?", "arid"),
])
def test_a_condition_in_a_rare_word_the_article_never_writes_makes_the_answer_abstain(articles, article, question, absent):
    # the same question without its condition is answered: the condition alone decides
    a = ask(articles, article, question)
    assert a.abstained and f"“{absent}”" in a.reason and not a.citations, a.text
    plain = re.sub(r"\s+(?:cultured|grown|kept)\s.*\?$", "?", question)
    assert plain != question and not ask(articles, article, plain).abstained, plain


@pytest.mark.parametrize("article, question, said", [
    # common words, a lay paraphrase of the article's ("typical laboratory conditions")
    ("1471-2180-11-174", "Which of lambda's lysis genes are needed to lyse the host under ordinary lab conditions?", "S and R"),
    # the article's own words
    ("1471-2180-11-174", "What growth rate did the wild-type lysogen reach in Davis minimal medium with glycerol?", "0.35"),
])
def test_a_condition_in_common_words_or_the_articles_own_is_answered(articles, article, question, said):
    a = ask(articles, article, question)
    assert not a.abstained and said in a.text, a.reason


def test_a_prevalence_is_answered_by_a_share_not_by_any_number(articles):
    a = ask(articles, "pntd.0002065", "What seroprevalence was found in humans in Mozambique between 1981 and 1983?")
    assert not a.abstained and re.search(r"\d%|\d/\d", a.citations[0].sentence), a.text
    # the buffaloes' sentences say they were seropositive, and give no share of them
    b = ask(articles, "pntd.0002065", "What RVF seroprevalence was found in the water buffaloes of Zambézia?")
    assert b.abstained and "prevalence" in b.reason, b.text


def test_a_sentence_naming_no_animal_is_about_those_its_passage_names(articles):
    # "These animals were ... bled at 45-day intervals" of a passage on sheep and goats is no figure
    # for cattle (it had been quoted); nor "... for each group in both species" for their prevalence
    a = ask(articles, "pntd.0002065", "How many cattle were bled in 2010?")
    assert a.abstained and "cattle" in a.reason, a.text
    b = ask(articles, "pntd.0002065", "What RVF seroprevalence was found in cattle sampled in Mopeia in 2010?")
    assert b.abstained and "cattle" in b.reason, b.text


def test_a_chosen_condition_the_article_writes_is_answered(articles, session):
    a = session.ask("Why was a daily rather than weekly everolimus schedule preferred?")
    assert not a.abstained and "daily versus weekly" in a.text, a.reason
    b = session.ask("What response rate did trastuzumab give together with aspirin instead of chemotherapy?")
    assert b.abstained and "“aspirin”" in b.reason, b.text
    c = ask(articles, "pone.0046493", "Which Lip-HSL family member turned out to be a true lipase rather than an esterase?")
    assert not c.abstained, c.reason


@pytest.mark.parametrize("article, question", [
    ("her2-review", "Should my mother with HER2-positive breast cancer take lapatinib?"),
    ("pntd.0002065", "Should I vaccinate my sheep against Rift Valley fever?"),
])
def test_a_question_of_what_one_person_should_do_is_answered_under_a_caution(articles, retriever, article, question):
    a = ask_either(articles, retriever, article, question)
    noun = "The review" if article == "her2-review" else "The article"
    assert a.caution.startswith(f"{noun} reports what studies found and makes no recommendation"), a.caution
    assert a.to_dict()["caution"] == a.caution


@pytest.mark.parametrize("question", ["Which patients should receive lapatinib?",
                                      "Can trastuzumab be given with everolimus?",
                                      "How long should I boil an egg to get a soft yolk?"])
def test_a_question_about_patients_in_general_gets_no_caution(session, question):
    assert session.ask(question).caution == ""


def test_a_two_character_code_is_a_subject_the_answer_must_be_about(articles):
    # "T4" is a phage the article names once: the SDs it measured for its own λ lysogens are not T4's
    a = ask(articles, "1471-2180-11-174", "What lysis time standard deviation has been measured for phage T4 "
                                          "in this kind of single-cell setup?")
    assert a.abstained and not a.citations, a.text
    b = ask(articles, "1471-2180-11-174", "In phage T4, how was lysis time related to host growth?")
    assert not b.abstained and "T4" in b.citations[0].sentence, b.text
    assert articles.analyze("Did T4 lyse faster?").subjects.subjects == ("T4",)


@pytest.mark.parametrize("article, question, kind", [
    ("her2-review", "When was everolimus approved?", "date"),
    ("her2-review", "What is the dose of lapatinib?", "dose"),
    ("pntd.0002065", "What dose of vaccine was given to the sheep?", "dose"),
])
def test_an_abstention_for_want_of_the_kind_of_answer_names_that_kind(articles, retriever, article, question, kind):
    a = ask_either(articles, retriever, article, question)
    assert a.abstained and a.reason == f"No sentence of it gives the {kind} asked for.", a.reason


def test_a_question_about_costs_asks_for_a_cost(articles, retriever):
    # "What did the authors conclude about costs?" had quoted the competing-interests statement
    for r, article in ((retriever, retriever.documents[0].doc_id), (articles, "pone.0046493"), (articles, "pntd.0002065")):
        a = ask(r, article, "What did the authors conclude about costs?")
        assert a.abstained and "cost" in a.reason and not a.citations, a.text


def test_a_medical_word_is_known_by_its_suffix_whatever_its_prefix():
    from qa.terms import medical_term
    # "cardio-" alone on an adjective describes ("cardiological evidence"); "-toxic" names a topic
    assert medical_term("cardiotoxic") and medical_term("hepatotoxic") and medical_term("nephrotoxicity")
    assert medical_term("endocrine") and medical_term("paracrine")
    assert not medical_term("cardiological") and not medical_term("neurological")


@pytest.mark.parametrize("article, question, absent", [
    ("her2-review", "Is trastuzumab cardiotoxic?", "cardiotoxic"),
    ("her2-review", "Can trastuzumab be combined with endocrine therapy?", "endocrine"),
    ("pone.0046493", "Is MmPPOX hepatotoxic in mice?", "hepatotoxic"),
])
def test_a_side_effect_the_article_never_writes_makes_the_answer_abstain(articles, retriever, article, question, absent):
    a = ask_either(articles, retriever, article, question)
    assert a.abstained and f"“{absent}”" in a.reason and not a.citations, a.text


@pytest.mark.parametrize("article, question, said", [
    ("her2-review", "What is the response rate of T-DM1?", "33%"),
    ("pone.0000217", "What mean mutation rate did hydroxylamine give the ΦX174 populations?", "0.1"),
])
def test_a_rate_is_answered_by_a_sentence_naming_the_rate(articles, retriever, article, question, said):
    a = ask_either(articles, retriever, article, question)
    assert not a.abstained and said in a.citations[0].sentence, a.reason


@pytest.mark.parametrize("article, question", [
    # the MIC sentence names M. bovis BCG's growth and gives no growth rate
    ("pone.0046493", "What was the growth rate of M. bovis BCG with MmPPOX?"),
    ("pone.0000217", "What was the transfer rate?"),
])
def test_a_rate_the_article_does_not_give_is_not_answered_by_its_other_figures(articles, article, question):
    a = ask(articles, article, question)
    assert a.abstained and "rate asked for" in a.reason and not a.citations, a.text


@pytest.mark.parametrize("article, first, follow_up, asked, fact", [
    ("pone.0046493", "Which enzyme showed the highest apparent Ki with MmPPOX?", "What about the lowest?",
     "lowest", "LipI"),
    ("1471-2180-11-174", "Which holin allele had the longest mean lysis time in Table 1?", "And the shortest one?",
     "shortest", "IN160"),
    # "one" is the thing whose value the previous question asked for
    ("1471-2180-11-174", "What mean lysis time did strain IN56 show?", "Which strain had the shortest one?",
     "shortest mean lysis time", "IN160"),
])
def test_the_other_extreme_asks_the_previous_question_of_it(articles, article, first, follow_up, asked, fact):
    a = ask(articles, article, first, follow_up)
    assert asked in a.query and a.query.startswith(("Which", "What")) and "(" not in a.query, a.query
    assert not a.abstained and fact in a.citations[0].sentence, a.text


@pytest.mark.parametrize("article, first, question, fact", [
    ("1471-2180-11-174", "How was lysis induced inside the perfusion chamber?", "Who funded this work?",
     "National Institutes of Health"),
    ("pntd.0002065", "Which test detected recent infections?", "Who paid for this research?", "SIDA/SAREC"),
])
def test_this_work_is_the_article_not_the_previous_topic(articles, article, first, question, fact):
    a = ask(articles, article, first, question)
    assert a.query == question and fact in a.text, a.text


def test_a_follow_up_carries_only_words_that_locate_passages(articles):
    """Words the article never writes ("actually", "besides") are not carried; a lay phrase the
    knowledge files give the article's words for ("chromosome ends": telomeres) is."""
    session = qa.ChatSession(articles, k=5)
    session.article = "pntd.0002065"
    assert not articles.terms.in_corpus("honest")  # "honestly", stemmed: no article writes it
    session.ask("Honestly, did they follow any animals over time?")
    carried = session.resolve("How often were they sampled?").carried.lower()
    assert "animals" in carried and "honestly" not in carried, carried
    assert "chromosome" in session._subject("drugs against the enzyme that maintains chromosome ends")


def test_an_ellipsis_asking_by_how_much_leans_on_the_turn_before(articles):
    session = qa.ChatSession(articles, k=5)
    session.article = "pntd.0002065"
    session.ask("Were older sheep and goats more likely to have antibodies?")
    assert session.is_follow_up("By how much, compared with the youngest goats?")
    assert session.is_follow_up("How much more?")
    # a question that says what changed by how much is self-contained
    assert not session.is_follow_up("By how much did the seroprevalence in goats differ between the 2007 and 2010 surveys?")


def test_a_bare_that_carries_what_the_last_question_asked_about(articles):
    """"Why do the authors think that was?" stands for the last question's topic, not only its names."""
    session = qa.ChatSession(articles, k=5)
    session.article = "pntd.0002065"
    session.ask("Did females in Mopeia show higher RVF seroprevalence than males?")
    carried = session.resolve("Why was that?").carried.lower()
    assert "mopeia" in carried and "females" in carried and "males" in carried, carried
    # "that study" is a thing, carried by its names as before
    assert "females" not in session.resolve("Who ran that study?").carried.lower()


def test_a_question_asking_why_is_not_about_the_bibliography():
    from qa.query import asks_for_reference
    assert not asks_for_reference("Why did these authors move away from Fisher's model?")
    assert asks_for_reference("Which authors proposed Fisher's model?")


@pytest.mark.parametrize("article, typed, written", [
    ("pone.0000217", "What phenotypic complexity was estimated for phiX174?", "What phenotypic complexity was estimated for ΦX174?"),
    ("1471-2180-11-174", "How were the lambda lysogens induced in the perfusion chamber?",
     "How were the λ lysogens induced in the perfusion chamber?"),
])
def test_a_greek_letter_typed_as_its_name_is_the_letter(articles, article, typed, written):
    """Readers type "phiX174", "lambda", "TNF-alpha" for the article's ΦX174, λ, TNF-α: the same
    passages, and an answer about the thing named (not "It mentions phiX174, but ...")."""
    from qa.text import fold, words
    assert fold("ΦX174, TNF-α and λ") == "phix174, tnf-alpha and lambda" and "phix174" in words("ΦX174 lines")
    assert fold("5 µg/mL") == "5 µg/ml"  # the micro sign is a unit's prefix, not a letter to spell out
    a, b = (articles.search(q, k=3, article=article) for q in (typed, written))
    assert [p.id for p in a] == [p.id for p in b]
    answer = ask(articles, article, typed)
    assert not answer.abstained, answer.reason


def test_a_follow_up_in_words_of_its_own_is_answered_by_those_words(articles):
    """"What magnification did they use?" after a question about how lysis was watched: the sentence
    giving the magnification, not the one the last answer led with (which the carried words favour)."""
    first = "How were single lysogen lysis events observed?"
    a = ask(articles, "1471-2180-11-174", first, "What magnification did they use?")
    assert a.query != "What magnification did they use?" and "400" in a.citations[0].sentence, a.text
    # an ellipsis has no words of its own to weigh: "And in goats?" is still the question restated
    b = ask(articles, "pntd.0002065", "What proportion of sheep in Mopeia had antibodies in 2010?", "And in goats?")
    assert not b.abstained and "goats" in b.query.lower()


def test_its_after_a_which_question_answered_by_a_table_row_is_that_row(articles):
    """"Which locality had the highest seroprevalence?" answered by "Table 1, Nicoadala: ...": "its"
    is that row's label, though it is no code name."""
    session = qa.ChatSession(articles, k=5)
    session.article = "pntd.0002065"
    first = session.ask("Which locality had the highest goat seroprevalence in Table 1?")
    row = first.citations[0]
    assert row.passage.kind == "table_row", first.text
    label = row.sentence.split(",", 1)[1].split(":", 1)[0].strip()
    assert label in session.resolve("What was its 95% confidence interval?").carried


def test_that_difference_leans_on_the_result_the_last_turn_was_about(articles):
    session = qa.ChatSession(articles, k=5)
    session.article = "pntd.0002065"
    session.ask("In the 2010 survey, did goats have more antibodies than sheep?")
    assert session.is_follow_up("Why might that difference exist?")
    carried = session.resolve("Was that difference significant?").carried.lower()
    assert "goats" in carried and "sheep" in carried and "2010" in carried, carried


def test_how_long_a_genome_is_asks_a_length_not_a_time(articles):
    """"How long is the ΦX174 genome?" is answered by "5386 bp", not by a sentence about the evolution
    experiments (a duration had been asked for); "How long was the experiment?" still asks a time."""
    from qa.query import answer_type
    assert answer_type("How long are their genomes?").name == "length"
    assert answer_type("How long was the experiment?").name == "duration"
    a = ask(articles, "pone.0000217", "How long is the ΦX174 genome?")
    assert not a.abstained and "5386 bp" in a.citations[0].sentence, a.text


@pytest.mark.parametrize("article, turns, reason", [
    ("1471-2180-11-174", ("Which statistic did they adopt as the measure of lysis time stochasticity?",
                          "Why not the coefficient of variation?"), "composite statistic"),
    ("pone.0046493", ("Which of the expressed proteins were left out of the characterization?", "Why?"),
     "Due to aggregation"),
])
def test_a_question_asking_why_quotes_the_sentence_giving_the_reason(articles, article, turns, reason):
    """A why-question ranks a sentence giving a reason or an explanation ("Since CV is a composite
    statistic ...", "Due to aggregation, ...") higher (`SentenceSettings.reason`, discourse.toml
    `gives_reason`): before, the sentences most like the question's words, which only restate it
    ("Studies of molecular stochasticity typically use the coefficient of variation"), were quoted alone."""
    a = ask(articles, article, *turns)
    assert not a.abstained and any(reason in c.sentence for c in a.citations), a.text


def test_how_large_a_statistic_or_a_difference_is_asks_no_physical_size(articles):
    """"How big was that difference for the sheep?" asks the size of a difference (an odds ratio here),
    "How large was its standard deviation?" a statistic's value: no measure in km, mg or bp is needed.
    "How big is the province?" still asks a size."""
    from qa.query import answer_type
    assert answer_type("How large was its standard deviation?") is None
    assert answer_type("How big was that difference for the sheep?") is None
    assert answer_type("How big is Zambézia Province?").name == "size"
    assert answer_type("How large are the holes that the holin punches?").name == "size"
    a = ask(articles, "pntd.0002065", "Were the adult animals more likely to be seropositive than the young ones?",
            "How big was that difference for the sheep?")
    assert not a.abstained and "9.5" in a.text, a.text


def test_how_much_money_asks_for_a_sum_that_a_funding_statement_without_one_does_not_give(articles):
    from qa.query import answer_type
    assert answer_type("How much money did the grant provide?").name == "cost"
    a = ask(articles, "pone.0000217", "How much money did the Agence Nationale de la Recherche grant provide?")
    assert a.abstained and "cost" in a.reason, a.text


def test_the_highest_score_one_could_get_asks_for_the_range_a_score_can_take():
    """"What's the highest total score someone could get?" is answered by "the total score can range
    from 0 to 196", not by the highest score a group reached; "What maximum attainable fitness was
    estimated?" names a quantity and asks its value."""
    from qa.query import answer_type
    assert answer_type("So what's the highest total score someone could get?").name == "range"
    assert answer_type("What is the maximum possible score?").name == "range"
    assert answer_type("What maximum attainable fitness (fref) was estimated for VSV?").name != "range"
    assert answer_type("Which group had the highest score?") is None or answer_type(
        "Which group had the highest score?").name != "range"


def test_whose_idea_asks_who_is_credited_with_it():
    from qa.query import answer_type
    t = answer_type("Whose idea was that originally?")
    assert t.name == "attribution"
    assert t.search("This measure was first proposed by Orr [14].")
    assert not t.search("Here we propose a fundamentally different approach to measuring complexity.")


def test_a_contraction_carries_no_letter_into_a_follow_up(articles):
    """"I'm not a biologist. What kind of complexity ...?" then "Whose idea was that originally?": the
    "m" of "I'm" (a word of the corpus, as in "M. tuberculosis") is no topic word to carry."""
    session = qa.ChatSession(articles, k=5)
    session.article = "pone.0000217"
    session.ask("I'm not a biologist. What kind of complexity is this paper trying to measure?")
    carried = session.resolve("Whose idea was that originally?").carried.lower().split()
    assert "complexity" in carried and "m" not in carried, carried


def test_a_lay_name_for_a_drug_class_is_no_unknown_topic(articles):
    """"the diet pill orlistat" (qa/data/lay_terms.tsv): "diet" is part of a lay name for the drug the
    article writes, not a topic it never mentions."""
    a = ask(articles, "pone.0046493", "Was MmPPOX better or worse than the diet pill orlistat at stopping "
                                      "M. tuberculosis from growing?")
    assert "never mentions" not in a.reason, a.reason


def test_and_the_other_one_asks_the_previous_question_of_the_other_name_its_answer_quoted(articles):
    """"And the other virus?" after "How large is the ΦX174 genome?", answered by a sentence giving
    "5386 bp and 11,161bp in ΦX174 and VSV": the previous question asked of VSV."""
    session = qa.ChatSession(articles, k=5)
    session.article = "pone.0000217"
    first = session.ask("How large is the ΦX174 genome?")
    assert "VSV" in " ".join(c.sentence for c in first.citations[:2]), first.text
    a = session.ask("And the other virus?")
    assert a.query == "How large is the VSV genome?" and "11,161" in a.text, (a.query, a.text)
    # a question naming two things has no one "other"
    session.ask("What phenotypic complexity did they estimate for ΦX174 and VSV?")
    assert not session.resolve("And the other one?").restated


def test_a_sentence_naming_a_peer_of_the_subject_and_not_it_is_about_the_peer(articles):
    """The article writes "ΦX174 and VSV" side by side (`qa.names.CorpusNames.peers`): a sentence
    about the ΦX174 experiment ("We increased the mutation rate of the phage ... hydroxylamine")
    does not answer for VSV, though its passage names VSV too; one naming VSV still does."""
    from qa.names import is_name
    assert is_name("ΦX174") and is_name("VSV") and is_name("LipY") and not is_name("Results")
    subjects = articles.analyze("What mutation rate did the VSV populations experience in the Novella et "
                                "al. experiments?").subjects
    assert dict(subjects.peers).get("VSV") == ("φx174",), subjects.peers
    a = ask(articles, "pone.0000217", "What mutation rate per genome per generation did the VSV populations "
                                      "experience in the Novella et al. experiments?")
    assert a.abstained, a.text
    b = ask(articles, "pone.0000217", "What value of ne/Q did they find for VSV?")
    assert not b.abstained and "ne/Q\u200a=\u200a10" in b.text, b.text
    # strains of another article: "IN56 and IN71"
    peers = dict(articles.analyze("What mean lysis time did IN56 show?").subjects.peers)
    assert "in71" in peers.get("IN56", ()), peers


def test_what_percentage_asks_for_a_figure_in_per_cent(articles):
    """"What percentage of the patients ... returned it?" is not answered by a count ("41 consecutive
    patients received a second OHIP-NL"); "What percent-positivity cut-off ...?" names a measure."""
    from qa.query import answer_type
    t = answer_type("What percentage of the patients who were sent the questionnaire actually returned it?")
    assert t.name == "percentage" and not t.search("A sub-sample of 41 consecutive patients received it.")
    assert t.search("68.9 % women")
    assert answer_type("What percent-positivity cut-off was used for the IgG ELISA?") is None


@pytest.mark.parametrize("article, question, name", [
    ("pone.0046493", "How does the MIC of MmPPOX compare with that of isoniazid against M. tuberculosis?", "isoniazid"),
    ("pone.0000217", "What phenotypic complexity does this approach estimate for influenza A virus?", "influenza"),
])
def test_a_drug_or_a_disease_the_article_never_mentions_is_no_topic_it_covers(articles, article, question, name):
    """Drug-name morphology (qa/data/drug_endings.txt: "-niazid", "-caine", "-profen", ...) and
    well-known infectious diseases (qa/data/everyday_topics.txt) the article never writes."""
    a = ask(articles, article, question)
    assert a.abstained and f"“{name}”" in a.reason, a.reason


def test_how_much_something_changed_is_answered_by_a_sentence_saying_it_changed():
    """"How much did the scores improve after treatment?" asks for a change: "improves OS ... by 33%",
    "a nearly five-fold decrease"; a figure of a comparison between groups ("the F value for the
    association ... (5.60)") says nothing changed."""
    from qa.query import answer_type
    t = answer_type("How much did OHIP-NL scores improve after patients received their new dentures?")
    assert t.name == "change"
    assert t.search("adding trastuzumab to neoadjuvant chemotherapy substantially improves OS and reduces "
                    "the risk of recurrence, both by 33%")
    assert t.search("there was a nearly five-fold decrease in lysis time stochasticity")
    assert not t.search("For example, the F value for the association between the total OHIP-NL scores and "
                        "the 'Number of teeth' (5.60; P < 0.01) indicates that the less teeth, the higher the scores")


def test_whether_the_authors_did_a_thing_the_article_never_writes_is_not_answered(articles):
    """"Did they transfect the host cells ...?": "transfect" (rare in English, under `done_verb_zipf`)
    is written nowhere in the corpus, so it does not report doing it (so "Did they sequence the evolved
    genomes?" of pone.0000217 alone); "Did the authors estimate ...?" (a verb it writes) is answered."""
    a = ask(articles, "pone.0000217", "Did they transfect the host cells with a plasmid to see which mutations were fixed?")
    assert a.abstained and "“transfect”" in a.reason, a.text
    b = ask(articles, "pone.0000217", "Did the authors estimate the complexity of VSV?")
    assert not b.abstained, b.reason


def test_this_before_a_name_names_its_own_subject(articles):
    """"In this OHIP-NL study, how were missing answers filled in?" names what it asks about: after
    another question it starts afresh, carrying nothing; "How was this done?" still leans on the turn
    before."""
    session = qa.ChatSession(articles, k=5)
    session.article = "1471-2180-11-174"
    session.ask("How were the lysis times of individual cells recorded?")
    assert not session.is_follow_up("In this IN56 strain, what was the mean lysis time?")
    assert session.is_follow_up("How was this done?")


def test_what_the_authors_found_ranks_their_own_sentence_above_a_cited_one(articles):
    """"What value did they get for it in VSV?" asks the authors' own result: a sentence citing
    another work's figure ("... [22]", no "we") ranks lower (`SentenceSettings.cited`), so the answer
    is "for VSV we found ... fref = 1.98" and not an abstention ("It cites that from other work")."""
    a = ask(articles, "pone.0000217", "What does fref stand for in their likelihood model?",
            "What value did they get for it in VSV?")
    assert not a.abstained and "1.98" in a.text, a.text
