"""Grounded answers: extractive, every sentence quoted from a passage and cited, or an abstention.

The default `ExtractiveAnswerer` works offline. It scores the sentences of the retrieved passages
against the question (sentence embeddings computed at index time, plus lexical overlap of the
question's key terms), keeps the best one to four, and cites each. It abstains when no sentence
actually answers: see `AbstentionRule` for the calibrated decision.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Protocol, runtime_checkable

import numpy as np

from qa.chunking import Passage, Sentence
from qa.corpus import CITATION_MARKER, Reference, Section
from qa.decision import DecisionModel, load_decision_model
from qa.settings import SETTINGS
from qa.lexical import tokenize
from qa.query import (AnswerType, QueryAnalysis, asks_for_definition, described_names, measure_stated, numbers_in,
                      stated_numbers, years_in)
from qa.scoring import SentenceScorer, SentenceWeights
from qa.subjects import TITLE_RUN, organisms_in
from qa.terms import DRUG_NAME, GENERIC, GENERIC_TOKENS, NEVER, KeyTerms, data_toml, drug_name, rare_word, token_set
from qa.text import fold


@dataclass(frozen=True)
class Citation:
    """One `[marker]` of an answer: the quoted sentence, its passage and the references it cites."""

    marker: int
    passage: Passage
    sentence: str
    references: tuple[Reference, ...] = ()
    article: str = ""  # the short citation of the article quoted ("Sharial MSN et al., Ann Oncol 2012")

    @property
    def section(self) -> str:
        return self.passage.section


@dataclass(frozen=True)
class Answer:
    """An answer: `text` carries `‹n›` markers that index `citations` (1-based, in marker order).

    The markers use single guillemets, which no article writes, so they are never confused with an
    article's own bracketed reference numbers ("... 10 mg/day [71].‹1›")."""

    question: str
    text: str
    citations: tuple[Citation, ...]
    abstained: bool
    passages: tuple[Passage, ...]
    query: str = ""  # what was searched (the question, rewritten for a follow-up)
    confidence: float = 0.0
    closest_sections: tuple[str, ...] = ()
    reason: str = ""  # why it abstained, one sentence ("It never mentions “palbociclib”.")
    features: dict = field(default_factory=dict, compare=False, repr=False)  # of the best sentence
    probability: float | None = None  # the decision model's P(the best sentence answers), if it decided
    # a note shown above the answer: the article makes no recommendation for one person (`qa.chat`)
    caution: str = ""

    def sources_text(self) -> str:
        """The numbered sources as plain text: section, quote and cited references."""
        lines = []
        for c in self.citations:
            lines.append(f"\u2039{c.marker}\u203a {c.article or c.passage.doc_title} — {c.section}")
            lines.append(f"    “{c.sentence}”")
            for r in c.references:
                lines.append(f"    [{r.number}] {r.short()}")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        """A JSON-ready dict (what `qa ask --json` prints)."""
        return {
            "question": self.question,
            "query": self.query,
            "answer": self.text,
            "abstained": self.abstained,
            "reason": self.reason,
            "caution": self.caution,
            "confidence": round(self.confidence, 4),
            "probability": None if self.probability is None else round(self.probability, 4),
            "features": {k: round(v, 4) for k, v in self.features.items()},
            "closest_sections": list(self.closest_sections),
            "citations": [
                {
                    "marker": c.marker,
                    "sentence": c.sentence,
                    "passage_id": c.passage.id,
                    "doc_id": c.passage.doc_id,
                    "document": c.passage.doc_title,
                    "article": c.article,
                    "section": c.section,
                    "start": c.passage.start,
                    "end": c.passage.end,
                    "references": [
                        {"number": r.number, "citation": r.short(), "title": r.title,
                         "journal": r.journal, "year": r.year, "pmid": r.pmid}
                        for r in c.references
                    ],
                }
                for c in self.citations
            ],
            "passages": [
                {"id": p.id, "section": p.section, "score": round(p.score, 6), "text": p.text}
                for p in self.passages
            ],
        }


@runtime_checkable
class Answerer(Protocol):
    """Turns a question and its retrieved passages into an `Answer`. A generative backend can
    implement this without changing callers."""

    def answer(self, question: str, passages: list[Passage], query: str | None = None,
               avoid: tuple[str, ...] = (), article: str | None = None,
               analysis: QueryAnalysis | None = None) -> Answer:
        """`query`: the question as searched (a follow-up with its earlier subject); `analysis`: its
        analysis when the caller has it (`Retriever.analyze`); `avoid`: sentences
        the question does not ask for again ("the other phase II" after an answer about one);
        `article`: the one article the question was asked of, if any (for the wording)."""
        ...


@dataclass(frozen=True)
class AbstentionRule:
    """When to say "the review does not answer this question".

    Two tests, calibrated on eval/questions.jsonl and eval/holdout/ (sweep in eval/README.md):

    1. A *salient* question term occurs nowhere in the corpus: a name with digits ("DESTINY-Breast03"),
       an acronym ("IHC", "ALTTO"), a proper noun inside the sentence ("CLEOPATRA", "Australia"), a
       drug name by its stem ("tucatinib", "deruxtecan"), a medical term by its word parts
       ("radiotherapy", "thrombocytopenia"), or an everyday word for a body part, circumstance or
       symptom, or a word for how drugs are given, that the article's text never uses ("heart",
       "pregnancy", "men", "loading dose", "subcutaneous", "biosimilar"). Similar passages
       are then not evidence: the thing asked about is absent. Rare words in general are not
       (a test dropped after held-out set 5: "rapalog", "epitope", "fluoropyrimidine" are
       paraphrases of what the article says, not new topics).
    2. Otherwise the best sentence must answer well enough: its similarity to the question plus
       `coverage_weight` times the share (idf-weighted, `qa.terms.KeyTerms.coverage`: exact, lay
       synonym, in the surrounding passage, or a close word vector) of the question's key terms must
       reach `min_score`, and it must hold the kind of answer asked for (`ANSWER_TYPES`: a date for
       "when", an amount for "cost", a dose for "dose", a count for "how many", a duration for
       "how long", a drug for "which drug", an adverse event for "which side effects"); sentences
       without it rank lower (`SentenceSettings.untyped`), so that one holding it comes first. A sentence
       from the part of the article the question names ("according to the summary", "how did the
       authors gather their material": the abstract's Design) counts `PART_BONUS` more.
       `min_score` 0.45 sits above every unrelated question of the six sets (at most 0.35) and
       below most paraphrased in-scope ones; the near-topic questions are left to test 1.
    """

    min_score: float = SETTINGS.answer.min_score
    coverage_weight: float = SETTINGS.answer.coverage_weight


CARRIED_WEIGHT = SETTINGS.answer.carried_weight
FOLLOWING_GAIN = SETTINGS.answer.following_gain  # share of the question's key terms the next sentence must add to join the best
PART_BONUS = SETTINGS.answer.part_bonus  # for a sentence of the part of the article the question names
FOCUS_MIN = SETTINGS.answer.focus_min  # share of the thing a "what <value>" question names that a sentence must name
FOCUS_SOFT_MATCH = SETTINGS.answer.focus_soft_match  # the word-vector cosine from which a word names a focus word
DESCRIPTION_BONUS = SETTINGS.answer.description_bonus  # for a sentence saying what the thing asked about is ("PTEN—a negative regulator")
# Sentences that mention a result without reporting it (qa/data/unreported.toml): a proposed test
# or a planned study ("this hypothesis can be tested by ...") answers no question about its result,
# and a study "ongoing" or that "will report" has no final results yet.
_UNREPORTED = data_toml("unreported.toml")
_PROPOSES, _ASKS_ABOUT_PLANS, _LATER_RESULTS, _ONGOING, _ASKS_OWN_RESULT, _OWN_WORK, _NOT_STUDIED, \
    _ASKS_ABOUT_OMISSION = (re.compile(_UNREPORTED.get(k, NEVER), re.I) for k in (
        "proposes", "asks_about_plans", "later_results", "ongoing", "asks_own_result", "own_work",
        "not_studied", "asks_about_omission"))
# a name of a family of names: a stem and a member's letter or number ("LipU" of LipC, LipI, LipN; "Rv3097c")
_FAMILY_NAME = re.compile(r"([A-Z][a-z]{1,5})([A-Z0-9][A-Za-z0-9]*)")
_NAMED = re.compile(r"(?<![\w-])[A-Z][a-z]{1,5}[A-Z0-9][\w]*|\b[A-Z]\.\s?[a-z]{4,}")  # "LipN", "M. smegmatis"
# the word before "study" or "trial": a study's code or acronym if it has two capitals or a digit
_BEFORE_STUDY = re.compile(r"(?<![\w-])([A-Za-z][\w-]*)\s+(?:stud(?:y|ies)|trials?)\b")
# A sentence whose reason is the sentence before it ("For those reasons, ... was chosen"), and a
# question asking why (qa/data/discourse.toml)
_DISCOURSE = data_toml("discourse.toml")
_ASKS_WHY, _REFERS_BACK, _ASKS_WHEN, _RELATIVE_TIME, _COMPARES, _LISTS_BACK, _GIVES_REASON = (
    re.compile(_DISCOURSE.get(k, NEVER), re.I) for k in ("asks_why", "refers_back", "asks_when", "relative_time", "compares",
                                                         "lists_back", "gives_reason"))


@dataclass
class _Candidate:
    sid: int
    text: str
    passage: Passage
    rank: int
    similarity: float = 0.0
    coverage: float = 0.0
    score: float = 0.0
    refs: tuple[int, ...] = field(default=())
    defines: bool = False  # spells out the abbreviation a definition question names
    in_named_part: float = 0.0  # in the part of the article the question names ("the summary"): its hint's weight
    describes: bool = False  # says what the thing asked about is ("PTEN—a negative regulator")
    previous: str = ""  # the sentence before it in its passage
    off_subject: str = ""  # a subject of the question it is not about ("neratinib"), if any
    extreme: bool = False  # the table row holding the column extreme the question asks for
    signals: dict[str, float] = field(default_factory=dict)  # what it is ranked by (`qa.scoring.SIGNALS`)


@dataclass(frozen=True)
class Decision:
    """The abstention rule's verdict on the best sentence: answered, its strength (similarity +
    coverage), and the reason when not answered."""

    answered: bool
    strength: float
    reason: str = ""
    probability: float | None = None  # set when the fitted model decided


@runtime_checkable
class AnswerCorpus(Protocol):
    """What the answerer reads of the corpus it answers from (`qa.Retriever` is one): the question's
    analysis, the passages' sentences and their vectors, its glossary, and how to name it."""

    glossary: Mapping[str, str]

    @property
    def terms(self) -> KeyTerms: ...

    def analyze(self, question: str, query: str | None = None) -> QueryAnalysis: ...

    def sentences_of(self, passage: Passage) -> list[tuple[int, Sentence]]: ...

    def sentence_vectors(self, ids: list[int]) -> np.ndarray: ...

    def bibliography_entry(self, doc_id: str, number: int) -> Passage | None: ...

    def section_text(self, passage: Passage) -> tuple[Section, str]: ...

    def noun_for(self, article: str | None) -> str: ...

    def citation_of(self, passage: Passage) -> str: ...


class ExtractiveAnswerer:
    """Quotes the sentences of the retrieved passages that answer the question."""

    def __init__(self, corpus: AnswerCorpus, rule: AbstentionRule | None = None,
                 max_sentences: int = SETTINGS.answer.max_sentences, model: DecisionModel | None | bool = True):
        self.corpus = corpus
        self.rule = rule or AbstentionRule()
        self.max_sentences = max_sentences
        # the fitted decision (qa/data/decision.json); False: the hand-set `AbstentionRule.min_score`
        self.model: DecisionModel | None = load_decision_model() if model is True else (model or None)
        self.force = False  # answer whatever the model says (for fitting it: eval/fit_decision.py)
        self.sentence_weights = SentenceWeights.from_settings()
        # when a list: each answer appends its candidates' (text, passage, signals, similarity), for
        # fitting `sentence_weights` (eval/fit_sentences.py)
        self.record: list | None = None
        self.terms = corpus.terms

    def key_terms(self, question: str) -> list[str]:
        """The question's topical tokens (stemmed), generic question words removed."""
        return self.terms.key_terms(question)

    def _name_checks(self, named: tuple[tuple[str, str], ...]) -> list[tuple[str, re.Pattern, re.Pattern | None]]:
        """For each named thing of the question: the pattern that finds it in folded text (itself, or
        an abbreviation whose long form holds it: "RVF" for "Rift"), and for a species the pattern of
        a sentence about another species of its genus ("M. tuberculosis" for "M. smegmatis"). Made
        once per question, for every candidate sentence."""
        checks = []
        for name, genus in named:
            forms = {fold(name)} | {fold(a) for a, long in self.corpus.glossary.items()
                                    if re.search(rf"(?<!\w){re.escape(name)}(?!\w)", long)}
            found = re.compile("|".join(rf"(?<!\w){re.escape(f)}(?!\w)" for f in forms if f))
            sibling = None
            family = _FAMILY_NAME.fullmatch(name)
            if genus:
                genera = {f"{genus[0]}\\."} | ({re.escape(genus)} if not genus.endswith(".") else set())
                sibling = re.compile(rf"(?<![\w.])(?:{'|'.join(sorted(genera))})\s*(?!{re.escape(name)}\b)[a-z]{{4,}}\b")
            elif family:  # "LipU" of the lipases LipC, LipI, LipN ...: another member of its family
                sibling = re.compile(rf"(?<![\w-])(?!{re.escape(name)}(?![\w-])){re.escape(family.group(1))}[A-Z0-9][\w]*(?![\w-])")
            checks.append((name, found, sibling))
        return checks

    def _unnamed(self, checks: list[tuple[str, re.Pattern, re.Pattern | None]], c: "_Candidate",
                 places: dict[str, str]) -> str:
        """The first of the question's named things (`_name_checks`) that neither the candidate's
        passage (its text, context and headings) nor its section names, or that the sentence trades
        for another species of its genus. A table row is a record of its own: its row, headers and
        caption must name it (the row of "Massancara" is not about "Maganja da Costa")."""
        for name, found, sibling in checks:
            if sibling is not None and name not in c.text and (
                    sibling.search(c.text) or name not in c.previous and sibling.search(c.previous)
                    and not _NAMED.search(c.text)):
                # about another species of the genus ("M. tuberculosis"), another lipase ("LipN"), or
                # it goes on about the one the sentence before named ("Activity was also detected ...")
                return name
            if not found.search(self._passage_place(c.passage, places)) and (
                    c.passage.kind == "table_row" or not found.search(self._section_place(c.passage, places))):
                return name
        return ""

    def _passage_place(self, p: Passage, places: dict[str, str]) -> str:
        """The passage's folded text, context and headings, folded once per answer in `places`."""
        if p.id not in places:
            places[p.id] = fold(f"{p.text} {p.context} {' '.join(p.section_path)}")
        return places[p.id]

    def _section_place(self, p: Passage, places: dict[str, str]) -> str:
        """The folded text of the passage's section (none for a bibliography entry), once per answer."""
        key = f"section of {p.id}"
        if key not in places:
            places[key] = fold(self.corpus.section_text(p)[1]) if p.kind != "reference" else ""
        return places[key]

    @staticmethod
    def _names_a_study(text: str) -> bool:
        """True when a sentence names a study: a code or acronym before "study" or "trial" ("the
        NeoSphere trial", "BOLERO-3 study"), or three capitalised words of a title after its first word
        ("... the Neoadjuvant Herceptin Early Regimen Evaluation ...")."""
        if any(sum(ch.isupper() for ch in w) >= 2 or any(ch.isdigit() for ch in w)
               for w in _BEFORE_STUDY.findall(text)):
            return True
        for m in TITLE_RUN.finditer(text):
            words = m.group(0).split()[1 if m.start() == 0 else 0:]
            if sum(w[0].isupper() for w in words) >= 3:
                return True
        return False

    def _other_agent(self, text: str, question: str) -> str:
        """A drug (by its ending) or a code with letters and digits ("T-DM1", "BKM120") that the
        sentence names and the question does not, or "": not a code the glossary spells out as no
        drug ("HER2", "BOLERO-3"), nor a study's ("the BOLERO-1 study")."""
        asked = fold(question)
        for w in re.findall(r"(?<![\w-])[A-Za-z][\w-]*[\w](?![\w-])", text):
            code = re.split(r"-(?=[a-z])", w)[0]  # "HER2-positive" is HER2; "T-DM1" is whole
            low, head = w.lower(), code.lower()
            if re.search(rf"(?<![\w-]){re.escape(low)}(?![\w-])|(?<![\w-]){re.escape(head)}(?![\w])", asked):
                continue  # a name the question writes too
            if drug_name(w):
                return w
            long_form = self.corpus.glossary.get(code, "")
            # a code the glossary spells out names a gene, receptor or trial ("HER2", "BOLERO-3"),
            # unless its long form is a drug's
            if re.search(r"\d", code) and re.search(r"[A-Z]", code) and (
                    not long_form or any(DRUG_NAME.search(x) for x in long_form.lower().split())
                    and not re.search(r"\b(?:trial|study)\b", long_form, re.I)) \
                    and not re.search(rf"(?<![\w-]){re.escape(code)}\s+(?:stud(?:y|ies)|trials?)\b", text, re.I):
                return w
        return ""

    @staticmethod
    @lru_cache(maxsize=64)
    def _combined(subjects: tuple[str, ...], question: str) -> tuple[str, ...]:
        """The drugs of the one combination a question names ("lapatinib plus capecitabine",
        "everolimus with trastuzumab and vinorelbine"), or none: a question comparing regimens
        ("paclitaxel versus vinorelbine") or asking of two in turn ("..., and what dose with ...?")
        names no one combination. Read once per question, not once per candidate sentence."""
        drugs = [subj for subj in subjects if drug_name(subj)]
        if len(drugs) < 2 or _COMPARES.search(question) or re.search(r"\b(?:compare|or)\b|,\s*and\b", question, re.I):
            return ()
        names = "|".join(re.escape(d) for d in drugs)
        joined = re.compile(rf"(?<![\w-])({names})\s*(?:\+|plus|and|with|combined with|in combination with)\s*(?=({names})(?![\w-]))",
                            re.I)
        out: list[str] = []
        for m in joined.finditer(question):
            out += [d for d in (m.group(1), m.group(2)) if d not in out]
        return tuple(out)

    def _off_subject(self, subjects: list[str], c: "_Candidate", question: str,
                     wanted: AnswerType | None, places: dict[str, str], full: Mapping[str, str],
                     peers: Mapping[str, tuple[str, ...]] = {}) -> str:
        """The first subject the candidate sentence is not about: neither it nor its passage names it
        (a table row's headers and caption count), or it gives the asked-for thing of another name
        ("the maximum tolerated dose of everolimus" for the dose of trastuzumab). `places` keeps each
        passage's folded text (and, when needed, its section's) for the other sentences of one answer;
        `full`, the words the corpus writes a subject out in ("CLEOPATRA")."""
        if not subjects:
            return ""
        said = fold(c.text)
        where = f"{said} {self._passage_place(c.passage, places)}"  # folded once per passage
        about = [subj for subj in subjects if self._names(subj, where, full.get(subj, ""))]
        drugs = [subj for subj in subjects if drug_name(subj)]
        if not about:  # bound to it in the same section ("the trial" of a section about everolimus)?
            section = self._section_place(c.passage, places)
            if not any(self._names(subj, section, full.get(subj, "")) for subj in subjects):
                return subjects[0]  # about none of the things the question names
            about = [subj for subj in subjects if self._names(subj, section, full.get(subj, ""))]
            # only the section names the drug asked about: a sentence naming another agent is about
            # that one ("T-DM1 treatment provided an overall response rate of 33%" is not neratinib's)
            drug = next((subj for subj in about if subj in drugs), "")
            if drug and self._other_agent(c.text, question):
                return drug
        else:
            # a drug the question names is named where the sentence is, or bound to it by its section,
            # and the sentence names no other agent: "the median PFS was 41 weeks" of an everolimus
            # passage is not neratinib's because the question also writes "PFS"
            if drugs and not any(d in about for d in drugs):
                section = self._section_place(c.passage, places)
                if not any(self._names(d, section, full.get(d, "")) for d in drugs) \
                        or self._other_agent(c.passage.text, question):
                    return drugs[0]
        # a trial the question names is named where the sentence is ("the median PFS" of another
        # section's study does not answer for CLEOPATRA because the question also writes "PFS")
        trial = next((subj for subj in subjects if subj in full and subj not in about), "")
        if trial:
            return trial
        # a combination the question names ("lapatinib plus capecitabine") is named in the sentence or
        # its passage, each drug of it: its median PFS is not that of trastuzumab plus lapatinib (a
        # question comparing regimens, or asking of several in turn, names no one combination)
        for drug in self._combined(tuple(subjects), question):
            if not self._names(drug, where, full.get(drug, "")):
                return drug
        for subj in about:
            # "ΦX174" and "VSV" written side by side in the article are things of one kind: a sentence
            # naming ΦX174 and not VSV is about ΦX174, though its passage names VSV too
            if subj in peers and not self._names(subj, said, full.get(subj, "")) and any(
                    re.search(rf"(?<![\w-]){re.escape(fold(p))}(?![\w-])", said) for p in peers[subj]):
                return subj
            # a trial the corpus writes out in full ("NeoALTTO"): a sentence of its passage that names
            # another study and not this one is about that study
            if subj in full and not self._names(subj, said, full[subj]) and self._names_a_study(c.text):
                return subj
            # "the dose of trastuzumab" is not answered by "everolimus 5 mg/day": the value asked for
            # follows another drug's name (unless the sentence compares the two: its figures are of
            # both; "everolimus 5 mg/day versus 20 mg/week" compares two doses of the other drug)
            asked = re.search(rf"\b([a-z]{{3,}})s? (?:of|for) (?:the |an? )?{re.escape(subj)}\b", question, re.I)
            if wanted is not None and DRUG_NAME.search(subj.lower()) and not (
                    _COMPARES.search(c.text) and self._names(subj, said, full.get(subj, ""))):
                m = wanted.search(c.text)
                if m:
                    before = re.findall(r"[A-Za-z][\w-]+", c.text[max(0, m.start() - 30):m.start()])
                    names = [w for w in before if drug_name(w)]
                    # of the one subject, or of the one whose value the question asks ("What dose of
                    # trastuzumab was given with everolimus?" is not answered by everolimus's dose)
                    if names and fold(names[-1]) != fold(subj) and (
                            len(about) == 1 or asked and wanted.asks.search(asked.group(1))):
                        return subj
            # "the dose of trastuzumab" is not answered by "the maximum tolerated dose of everolimus ..."
            if asked and asked.group(1).lower() not in GENERIC:
                attr = asked.group(1).lower()
                given = re.findall(rf"\b{attr}s? (?:of|for) (?:the |an? |\w+ly )?([A-Za-z][\w-]+)", c.text, re.I)
                if given and not any(fold(g) == fold(subj) for g in given) and any(
                        DRUG_NAME.search(g.lower()) or any(ch.isdigit() for ch in g) or g.isupper() for g in given):
                    return subj
        return ""

    def _names(self, subj: str, where: str, full: str = "") -> bool:
        """True when the folded text names the subject, by itself, by its long form or by the words
        the corpus writes it out in (`full`)."""
        head = re.split(r"-(?=[a-z])", subj)[0]  # "HER2-directed" is about HER2
        forms = {fold(subj), fold(head), fold(full)}
        long_form = self.corpus.glossary.get(head)
        if long_form:
            forms.add(fold(re.sub(r"\s*\(.*?\)", "", long_form)))
        return any(re.search(rf"(?<![\w]){re.escape(f)}", where) for f in forms if f)

    def answer(self, question: str, passages: list[Passage], query: str | None = None,
               avoid: tuple[str, ...] = (), article: str | None = None,
               analysis: QueryAnalysis | None = None) -> Answer:
        query = query or question
        if analysis is None or (analysis.question, analysis.query) != (question, query):
            analysis = self.corpus.analyze(question, query)
        own = analysis.own_terms  # "at that dose" names the old topic
        # terms carried over from earlier turns locate the passages; the sentence must answer the
        # question's own terms, so carried terms weigh less when choosing it
        weights = {t: (1.0 if t in own or not own else CARRIED_WEIGHT) * w for t, w in analysis.weights.items()}
        synonyms = analysis.synonyms
        wanted = analysis.answer_type
        cands: list[_Candidate] = []
        seen: set[int] = set()
        bibliographic = analysis.bibliographic
        asks_for_abbreviation = asks_for_definition(question) or bool(analysis.abbreviations)
        # "What is PTEN short for?": a sentence that spells the abbreviation out answers it
        definitions = analysis.definitions
        described = analysis.described
        numbers = analysis.numbers  # "the 112-patient phase II" is the study of 112, not of 110
        # "the strain with the largest SD": the row holding it, from the article the passages are of
        docs = {article} if article else {p.doc_id for p in passages}  # the article asked about, or those found
        extreme_rows, linked_rows = self._extremes(analysis, docs)
        # "What mean lysis time did SYP028 show?": the row the question names, with that column
        named_rows = {p.id: p for p in analysis.named_rows if p.doc_id in docs}
        if extreme_rows or named_rows:
            have = {p.id for p in passages}
            passages = [*_unseen(extreme_rows.values(), have), *passages, *_unseen(linked_rows.values(), have),
                        *_unseen(named_rows.values(), have)]
        named_part = {p.id: analysis.part_weight(p) for p in passages}
        subjects = list(analysis.subjects.subjects)
        full = dict(analysis.subjects.written_in_full)
        peers = dict(analysis.subjects.peers)
        name_checks = self._name_checks(analysis.subjects.named)
        kinds_asked = {k for _, k in analysis.subjects.organisms}  # the organisms it asks about
        years_asked = set(analysis.years)
        places: dict[str, str] = {}
        asks_institution = wanted is not None and wanted.name == "affiliation"
        asks_why = bool(_ASKS_WHY.search(question))
        asks_own = bool(_ASKS_OWN_RESULT.search(question))
        for rank, p in enumerate(passages):
            if p.kind == "reference" and not bibliographic:
                continue  # a bibliography entry answers only questions about the literature
            if p.kind == "table_note" and p.text.count(";") >= 2 and not asks_for_abbreviation:
                continue  # an abbreviation legend answers only questions about abbreviations
            previous = ""
            for sid, s in self.corpus.sentences_of(p):
                if sid not in seen and len(s.text) >= 20:
                    seen.add(sid)
                    cands.append(_Candidate(sid, s.text, p, rank, refs=s.refs, previous=previous))
                previous = s.text
        if cands:
            scored = SentenceScorer(self.terms, analysis, weights).score(
                self.corpus.sentence_vectors([c.sid for c in cands]), [c.text for c in cands],
                [c.passage for c in cands], [c.previous for c in cands])
            for c, sc in zip(cands, scored):
                c.similarity, c.coverage = sc.similarity, sc.coverage
                sig = c.signals
                sig["coverage"], sig["rank"] = sc.coverage, float(c.rank)
                if wanted is not None and not wanted.search(c.text):
                    sig["untyped"] = 1.0
                elif analysis.focus and not (extreme_rows or linked_rows) \
                        and self._focus_named(analysis, c) < FOCUS_MIN:
                    sig["focus_unnamed"] = 1.0  # a figure, but not of the thing asked about
                sig["avoided"] = float(c.text in avoid)
                sig["reason"] = float(asks_why and bool(_GIVES_REASON.search(c.text)))
                sig["cited"] = float(asks_own and c.passage.kind != "reference" and bool(
                    CITATION_MARKER.search(c.text)) and not _OWN_WORK.search(c.text))
                held = numbers_in(f"{c.text} {c.passage.context}" if c.passage.kind == "table_row" else c.text)
                sig["numbers"] = float(bool(numbers) and numbers <= held)  # a table row's caption counts ("... in 2007")
                c.in_named_part = named_part[c.passage.id]
                sig["named_part"] = c.in_named_part  # "according to the summary, ..."
                # "At which university was Mike T. John based?": the affiliation of that byline ("John MT")
                c.describes = bool(described and described & described_names(c.text)) or (
                    asks_institution and c.passage.kind == "front"
                    and any(f"of {a}:" in c.text for a in analysis.subjects.authors))
                sig["describes"] = float(c.describes)  # "trastuzumab, a ... monoclonal antibody" for "what kind of drug"
                c.defines = bool(definitions) and any(d in fold(c.text) for d in definitions)
                sig["defines"] = float(c.defines)
                c.extreme = c.passage.id in extreme_rows
                sig["extreme"] = float(c.extreme)
                sig["linked"] = float(not c.extreme and c.passage.id in linked_rows)
                # the part of the article the question names (its funding, its front matter) speaks
                # for the whole article, whatever names the question gives it
                c.off_subject = self._off_subject(subjects, c, question, wanted, places, full, peers) \
                    or ("" if c.in_named_part else self._unnamed(name_checks, c, places))
                if not c.off_subject and kinds_asked:
                    # "the seroprevalence in cattle" is not answered by a sentence about goats and sheep
                    # (a sentence naming none is about those its passage names: "... in both species")
                    kinds = {k for _, k in organisms_in(c.text) or organisms_in(c.passage.text)}
                    if kinds and not kinds & kinds_asked:
                        c.off_subject = analysis.subjects.organisms[0][0]
                if not c.off_subject and years_asked:
                    # "in the 2010 survey" is not answered by a row of the 2007 survey's table
                    given = years_in(CITATION_MARKER.sub(" ", c.text + (f" {c.passage.context}"
                                                                        if c.passage.kind == "table_row" else "")))
                    if given and not given & years_asked:
                        c.off_subject = analysis.years[0]
                # about another drug, trial or gene than the one asked about; or the row the question
                # names (not the 2007 survey's row for "in the 2010 survey")
                sig["off_subject"] = float(bool(c.off_subject))
                sig["named_row"] = float(not c.off_subject and c.passage.id in named_rows)
            if any(c.passage.id in linked_rows and not c.off_subject for c in cands):
                # "the domain with the weakest ICC: what was its Cronbach's alpha?": the row of the
                # ICC table need not name the alpha its linked row gives
                for c in cands:
                    if c.extreme and c.off_subject:
                        c.off_subject = ""
                        c.signals["off_subject"] = 0.0
            for c in cands:
                c.score = self.sentence_weights.score(c.similarity, c.signals)
            if self.record is not None:  # for fitting the weights (eval/fit_sentences.py)
                self.record.append([(c.text, c.passage, dict(c.signals), c.similarity) for c in cands])
            cands.sort(key=lambda c: -c.score)
        best = cands[0] if cands else None
        features = self.features(query, weights, synonyms, best, wanted is not None) if best is not None else {}
        # a number the question states as a condition ("at 25°C", "in 2010") that none of the passages
        # found on its topic writes: the article does not report that case
        unstated: list[str] = []
        if best is not None:
            found = " ".join(f"{p.text} {p.context}" for p in passages)
            unstated = [n for n in analysis.specific_numbers if n not in stated_numbers(found)]
            # ... or that they write only as another quantity ("42" of "45 (42-49)" is no "42°C")
            unstated += [m for m in analysis.measures if not measure_stated(m, found)
                         and not any(m.startswith(n) for n in unstated)]
            # ... or a condition it chooses over another ("with UV light instead of heat", "adding
            # sodium azide instead of KCN") with a word the article never writes, nor its word for it
            unstated += [a for a in analysis.alternatives if any(
                self._unwritten(t, synonyms) for t in tokenize(a) if t not in GENERIC_TOKENS)]
            # ... or conditions it names an experiment by ("grown under hypoxic conditions") with a rare
            # word the article never writes, nor its word for it: a common one ("ordinary lab
            # conditions") may be a lay paraphrase of the article's
            unstated += [w for w in analysis.conditions if any(
                rare_word(part) and self._unwritten(t, synonyms)
                for part in w.split("-") if part for t in tokenize(part)[:1] if t not in GENERIC_TOKENS)]
        decision = self._decide(analysis, best, wanted, features, unstated)
        sections = list(dict.fromkeys(p.section for p in passages if p.kind != "reference" or bibliographic))
        # a parent listed beside its own child says nothing more: keep the child
        closest = tuple(x for x in sections if not any(y.startswith(x + " > ") for y in sections))[:3]
        if not decision.answered:
            where = "; ".join(closest)
            noun = self.corpus.noun_for(article)
            reason = _plural_reason(decision.reason) if noun.startswith("these") else decision.reason
            decision = replace(decision, reason=reason)
            text = f"{noun[0].upper()}{noun[1:]} {'do' if noun.startswith('these') else 'does'} not answer this question. {reason}"
            if where:
                text += f" The closest sections are: {where}."
            return Answer(question, text, (), True, tuple(passages), query,
                          best.score if best else 0.0, closest, decision.reason, features,
                          decision.probability)
        chosen: list[_Candidate] = [best]
        # the sentence right after the best one, when it holds what the question asks and the best one
        # lacks: "... a second phase II study of 110 patients ..." + "The median PFS time was 6.9 months."
        # a question about one thing quotes only sentences about it ("LipN" is no answer for "LipU");
        # one comparing several may quote a sentence about each
        one_thing = len(analysis.subjects.subjects) + len(analysis.subjects.named) == 1
        follow = next((c for c in cands if c.previous == best.text), None)
        if follow is not None and not (one_thing and follow.off_subject) and (
                self.terms.coverage(weights, f"{best.text} {follow.text}", synonyms)
                - self.terms.coverage(weights, best.text, synonyms) >= FOLLOWING_GAIN
                or self._gives_the_figure(follow, best, wanted, weights, synonyms)):
            chosen.append(follow)
        if best.extreme:
            # the row of another table with the same label says the rest ("IN71": its genotype)
            other = next((c for c in cands if c.passage.id in linked_rows), None)
            if other is not None and other not in chosen:
                chosen.insert(1, other)
        floor = max(best.score - 0.25, 0.55)
        for c in cands[1:]:
            if len(chosen) >= self.max_sentences:
                break
            if c.score < floor or one_thing and c.off_subject:
                continue
            if c in chosen or any(_near_duplicate(c, o, self.corpus) for o in chosen):
                continue
            chosen.append(c)
        leans = _REFERS_BACK if _ASKS_WHY.search(question) else _RELATIVE_TIME if _ASKS_WHEN.search(question) else None
        if leans is not None:
            # "For those reasons, the 1-month period was chosen": the reasons are the sentence before;
            # "Nine years later 134 cattle died": the sentence before says when it counts from
            for i in range(len(chosen) - 1, -1, -1):
                c = chosen[i]
                if leans.search(c.text) and (i == 0 or chosen[i - 1].text != c.previous):
                    before = next((b for b in cands if b.text == c.previous and b.passage.id == c.passage.id), None)
                    if before is not None and before not in chosen:
                        chosen.insert(i, before)
        # "Several mechanisms ... have been proposed.": the list is the next sentence ("These include ...")
        after = next((b for b in cands if b.previous == best.text and b.passage.id == best.passage.id), None)
        if after is not None and after not in chosen and _LISTS_BACK.search(after.text):
            chosen.insert(1, after)
            del chosen[max(2, self.max_sentences):]
        if bibliographic and not any(c.passage.kind == "reference" for c in chosen):
            # "Which paper by Ransac is cited for the method?": the entry the sentence cites says
            # which, with its title, journal and year
            entry = self._cited_entry(best, question)
            if entry is not None:
                chosen.insert(1, entry)
                del chosen[max(2, self.max_sentences):]
        citations, parts = [], []
        for i, c in enumerate(chosen, start=1):
            refs = tuple(c.passage.refs[j] for j in range(len(c.passage.refs))
                         if c.passage.refs[j].number in c.refs)
            if not refs and c.passage.kind == "reference":
                refs = c.passage.refs
            citations.append(Citation(i, c.passage, c.text, refs, self.corpus.citation_of(c.passage)))
            parts.append(f"{c.text}\u2039{i}\u203a")  # "‹1›": a marker no article uses, glued to its sentence
        return Answer(question, " ".join(parts), tuple(citations), False, tuple(passages), query,
                      best.score, closest, features=features, probability=decision.probability)

    @staticmethod
    def _extremes(analysis: QueryAnalysis, docs: set[str]) -> tuple[dict[str, Passage], dict[str, Passage]]:
        """The table rows holding the extreme the question asks for (`qa.tables`), of the articles
        `docs`, and the rows linked to them."""
        rows: dict[str, Passage] = {}
        linked: dict[str, Passage] = {}
        for ex in analysis.extremes:
            if ex.row.doc_id in docs:
                rows[ex.row.id] = ex.row
                linked.update((p.id, p) for p in ex.linked)
        return rows, linked

    def _cited_entry(self, best: _Candidate, question: str) -> _Candidate | None:
        """The bibliography entry a sentence cites, as a candidate to quote: its only one, or the one
        sharing most words with the question ("Ransac", "lipases") when it cites several."""
        entries = [e for e in (self.corpus.bibliography_entry(best.passage.doc_id, n) for n in best.refs) if e]
        if len(entries) > 1:
            asked = token_set(question)
            shared = [len(asked & token_set(e.text)) for e in entries]
            top = max(shared)
            entries = [e for e, n in zip(entries, shared) if n == top] if top else []
        if len(entries) != 1:
            return None  # several entries and nothing in the question to choose between them
        entry = entries[0]
        sentences = self.corpus.sentences_of(entry)
        if not sentences:
            return None
        sid, sentence = sentences[0]
        return _Candidate(sid, sentence.text, entry, best.rank, refs=sentence.refs)

    def _gives_the_figure(self, follow: _Candidate, best: _Candidate, wanted: AnswerType | None,
                          weights: dict[str, float], synonyms: Mapping[str, set[str]]) -> bool:
        """True when the next sentence gives the kind of figure asked for and the best one gives none:
        "... had the option to continue treatment with everolimus and trastuzumab" + "Of the 135
        patients enrolled in these three studies, 31 entered the maintenance phase"."""
        # its figures, not its reference markers ("[72]") nor small numbers of names ("... 3 (BOLERO-3)")
        figures = {n for n in numbers_in(CITATION_MARKER.sub(" ", best.text)) if "." in n or int(n) >= 13}
        if wanted is None or not wanted.search(follow.text) or figures:
            return False  # the best one gives figures of its own: they are what it answers with
        new = numbers_in(CITATION_MARKER.sub(" ", follow.text))
        said = token_set(follow.text)
        return bool(new) and any(t in said or said & synonyms.get(t, set()) for t in weights)

    def features(self, query: str, weights: dict[str, float], synonyms: dict[str, set[str]],
                 best: _Candidate, typed: bool = False) -> dict[str, float]:
        """What the decision model reads of the best sentence (`qa.decision.FEATURES`)."""
        terms = self.terms
        p = best.passage
        heading = p.section_path[-1] if p.section_path else ""
        extra = f" {p.context}" if p.kind in ("table_row", "table_note", "reference") else ""
        exact = terms.coverage(weights, f"{best.text} {heading}{extra}", synonyms)
        passage = terms.coverage(weights, f"{p.text} {heading} {p.context}", synonyms)
        total = sum(terms.idf(t) * w for t, w in weights.items()) or 1.0
        have = set(token_set(f"{p.text} {heading} {p.context}"))
        for t, alts in synonyms.items():
            if have & alts:
                have.add(t)
        missing = max((terms.idf(t) * w / total for t, w in weights.items() if t not in have), default=0.0)
        absent = sum(terms.idf(t) * w for t, w in weights.items() if not terms.in_corpus(t)) / total
        said = set(token_set(f"{best.text} {heading}{extra}"))
        for t, alts in synonyms.items():
            if said & alts:
                said.add(t)
        sentence_missing = max((terms.idf(t) * w / total for t, w in weights.items() if t not in said),
                               default=0.0)
        return {"similarity": best.similarity, "coverage": best.coverage, "exact": exact,
                "passage": passage, "missing": missing, "absent": absent,
                "terms": math.log1p(len(weights)), "rank": float(best.rank),
                "bonus": float(bool(best.in_named_part) or best.describes),
                "sentence_missing": sentence_missing, "typed": float(typed),
                # the shares of the question's terms that the article has at all: a lay question's
                # words the article never uses do not count against the passage
                "passage_rel": min(1.0, passage / (1 - absent)) if absent < 0.999 else 0.0,
                "exact_rel": min(1.0, exact / (1 - absent)) if absent < 0.999 else 0.0,
                "coverage_rel": min(1.0, best.coverage / (1 - absent)) if absent < 0.999 else 0.0,
                "strength": self._strength(best)}

    def _unwritten(self, term: str, synonyms: Mapping[str, set[str]]) -> bool:
        """True when the corpus never writes the key term, nor any word the lay file gives for it."""
        return not self.terms.in_corpus(term) and not any(self.terms.in_corpus(x) for x in synonyms.get(term, ()))

    def _focus_named(self, analysis: QueryAnalysis, c: _Candidate) -> float:
        """The share of what a "what <value>" question asks the value of that the sentence itself
        names (with its section heading and, for a table row, its table's headers and caption; not
        the rest of its passage), its abbreviations read as their long forms ("SD (min)" names a
        "standard deviation"): of the thing's words or of the alias the question gives it, whichever
        the sentence names more of (`QueryAnalysis.focus_groups`)."""
        glossary = self.corpus.glossary
        heading = c.passage.section_path[-1] if c.passage.section_path else ""
        where = f"{c.text} {heading} {c.passage.context if c.passage.kind in ('table_row', 'table_note') else ''}"
        if analysis.focus_head and not analysis.focus_head & set(tokenize(where.replace("%", " percent "))):
            return 0.0  # "The response could range from 0 to 32." gives no response rate ("33%" would)
        spelled = " ".join(glossary[w] for w in dict.fromkeys(re.findall(r"[A-Za-z][\w-]*", where)) if w in glossary)
        # only very close word vectors ("ratio" ~ the header "ratiob" 0.82); "minutes" ~ "weeks" is 0.55
        return max(self.terms.coverage(dict.fromkeys(terms, 1.0), f"{where} {spelled}", analysis.focus_synonyms,
                                       surface=analysis.surface, soft_match=FOCUS_SOFT_MATCH)
                   for terms in analysis.focus_groups)

    def _strength(self, best: _Candidate) -> float:
        """How well the best sentence answers: its similarity, `coverage_weight` x its coverage, and
        the bonuses for the part of the article named and for describing what was asked about."""
        return (best.similarity + self.rule.coverage_weight * best.coverage + PART_BONUS * min(1.0, best.in_named_part)
                + DESCRIPTION_BONUS * best.describes)

    def _decide(self, analysis: QueryAnalysis, best: _Candidate | None,
                wanted: AnswerType | None, features: dict | None = None,
                unstated: list[str] | None = None) -> Decision:
        """Whether the best sentence answers the question (`AbstentionRule`), and why not.
        `unstated`: numbers the question states that none of the passages found writes."""
        question = analysis.question
        if best is None:
            return Decision(False, 0.0, "Nothing in it matches the question.")
        unknown = analysis.subjects.unknown
        strength = self._strength(best)
        if unknown:
            names = " or ".join(f"“{w}”" for w in unknown)
            near = dict(analysis.subjects.spellings)
            guess = " or ".join(f"“{near[w]}”" for w in unknown if w in near)
            # a suggestion, never an answer for it: "lapatanib" may be a drug the article lacks
            return Decision(False, strength, f"It never mentions {names}" + (f"; did you mean {guess}?" if guess else "."))
        cited = analysis.subjects.cited_only
        if cited:
            names = " or ".join(f"“{w}”" for w in cited)
            return Decision(False, strength, f"Only its bibliography mentions {names}; ask about the works it cites.")
        if unstated:
            names = " or ".join(f"“{w}”" for w in unstated)
            return Decision(False, strength, f"No passage of it on this topic mentions {names}.")
        if best.off_subject:
            focus = [t for t in self.terms.key_terms(question) if t not in tokenize(best.off_subject)]
            what = "what was asked" if not focus else "that"
            return Decision(False, strength, f"It mentions {best.off_subject}, but no sentence about "
                                             f"{best.off_subject} gives {what}.")
        if best.defines:
            return Decision(True, strength)  # the sentence spells out the abbreviation asked about
        if best.extreme and (wanted is None or wanted.search(best.text)):
            return Decision(True, strength)  # the row holding the extreme of the column asked about
        if wanted is not None and not wanted.search(best.text):
            # "No sentence of it gives the dose asked for.": the kind, by its name (answer_types.toml)
            return Decision(False, strength, f"No sentence of it gives the {wanted.name} asked for.")
        if analysis.focus and not best.extreme and self._focus_named(analysis, best) < FOCUS_MIN:
            # "What GFP fluorescence intensity did the rafts reach?" is not answered by a figure of
            # the rafts' size: the sentence must name what the value is of
            return Decision(False, strength, f"No sentence of it gives the {analysis.focus_text} asked for.")
        if _LATER_RESULTS.search(question) and _ONGOING.search(best.text):
            return Decision(False, strength, "It only announces that study; its results came later.")
        if _PROPOSES.search(best.text) and not _ASKS_ABOUT_PLANS.search(question):
            return Decision(False, strength, "It only proposes or plans that; it reports no result of it.")
        if _NOT_STUDIED.search(best.text) and not _ASKS_ABOUT_OMISSION.search(question):
            return Decision(False, strength, f"It says that was not studied: “{best.text}”")
        if _ASKS_OWN_RESULT.search(question) and best.passage.kind != "reference" \
                and CITATION_MARKER.search(best.text) and not _OWN_WORK.search(best.text):
            return Decision(False, strength, "It cites that from other work; it does not report measuring it.")
        if self.force:
            return Decision(True, strength)
        if strength < self.rule.min_score:
            return Decision(False, strength, f"No sentence of it answers the question closely enough "
                                             f"(best match {strength:.2f}, needed {self.rule.min_score:.2f}).")
        if self.model is not None and features:
            # the fitted model vetoes an answer whose sentence and passage hold too little of what
            # the question asks (qa/data/decision.json, fitted across articles)
            prob = self.model.probability(features)
            if prob < self.model.threshold:
                return Decision(False, strength, "Its passages hold too little of what the question asks.", prob)
            return Decision(True, strength, "", prob)
        return Decision(True, strength)


def _unseen(passages, have: set[str]) -> list[Passage]:
    """The passages not in `have` yet, which are added to it."""
    out = [p for p in passages if p.id not in have]
    have.update(p.id for p in out)
    return out


def _plural_reason(reason: str) -> str:
    """An abstention's reason said of several articles ("It never mentions" -> "None of them mentions")."""
    for one, many in (("It never mentions", "None of them mentions"), ("No sentence of it", "No sentence of them"),
                      ("Nothing in it", "Nothing in them"),
                      ("No passage of it", "No passage of them"),
                      ("Only its bibliography mentions", "Only their bibliographies mention"), ("It only announces", "They only announce")):
        reason = reason.replace(one, many)
    return reason


def _near_duplicate(a: _Candidate, b: _Candidate, corpus: AnswerCorpus) -> bool:
    if fold(a.text) in fold(b.text) or fold(b.text) in fold(a.text):
        return True
    v = corpus.sentence_vectors([a.sid, b.sid])
    return float(np.dot(v[0], v[1])) > 0.92

