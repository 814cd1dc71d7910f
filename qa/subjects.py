"""What a question names: the subjects an answer must be about, and the names the corpus lacks.

`SubjectReader.read(question, query)` reads a question against the corpus it is asked of and
returns a frozen `Subjects`, computed once per question as part of its `qa.query.QueryAnalysis`:

- `subjects`: drugs (by their endings), codes with digits and acronyms the article defines, which the
  article names too ("neratinib", "BOLERO-3", "EGFR");
- `named`: places, species, people, cohorts and enzymes the question names by a proper name the
  article writes capitalised ("Nampula", "smegmatis" of "Mycobacterium smegmatis", "LipN"), each with
  the genus the question writes for it;
- `unknown`: words of the query naming something the corpus never mentions ("metformin", "gastric",
  "Mycobacterium leprae"; see `qa.answer.AbstentionRule`);
- `cited_only`: names only the bibliography writes ("Caenorhabditis" of a cited title).

The answerer checks each candidate sentence against `subjects` and `named`, and abstains on
`unknown` and `cited_only` (`qa.answer.ExtractiveAnswerer`). The knowledge these rules read is in
`qa/data/` (lay terms, everyday topics, drug endings, medical word parts, question words,
bibliographic words); what a corpus writes is read of it once (`qa.names`).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from qa.corpus import Document
from qa.lexical import tokenize
from qa.names import CorpusNames, documents_key, names_of
from qa.settings import SETTINGS
from qa.terms import (BIBLIOGRAPHIC_ALIASES, DRUG_NAME, EVERYDAY_TOPICS, GENERIC, GENERIC_TOKENS, LAY_PATTERNS,
                      LAY_TERMS, NEVER, PUBLICATION, REVIEW_TOPIC, KeyTerms, data_lines, data_toml, drug_name,
                      medical_term, rare_word, word_zipf)
from qa.text import STOPWORDS, fold, plain_words

# "Did they sequence the genomes?": whether the authors did something, and its verb (conversation.toml)
_ASKS_IF_DONE = re.compile(data_toml("conversation.toml").get("asks_if_done", NEVER), re.I)
DONE_VERB_ZIPF = SETTINGS.terms.done_verb_zipf
SPELLING_MATCH = SETTINGS.answer.spelling_match  # difflib ratio from which a word is a misspelling of another
SPELLING_MIN_LETTERS = SETTINGS.answer.spelling_min_letters
NAME_MATCH = SETTINGS.answer.name_match  # a capitalised word this close to a word of the article is that word

ROMAN = re.compile(r"[IVXL]+")
_NUMBERED = re.compile(r"\b(?:phase|type|class|cycle|part|arm|level|line|category|tier|step|"
                       r"group|cohort|study|trial|figure|table|appendix)\s*$", re.I)
_COORDINATED = re.compile(r"-(?:plus|and|with|or|versus|vs)-", re.I)
_NUMBER_WORD = re.compile(r"\d+(?:\.\d+)?(?:-[A-Za-z]+)+")
# a name with a prefix or a participle the article need not use with it: "anti-IGF1R", "IGF1R-blocking"
_AFFIXED = re.compile(r"(?:anti|non|pre|post|pan|dual|multi)-([\w/]+)|([\w/]+)-(?:blocking|targeting|targeted|"
                      r"directed|driven|inhibiting|based|like|type|related|expressing|treated|pretreated)",
                      re.I)
_FILLERS = {"ok", "okay", "hi", "hello", "thanks"}
# a capitalised name inside a question ("Nampula", "Novella's", "LipN", "Lip-HSL"), its possessive dropped
_NAME_WORD = re.compile(r"(?<![\w.\-])([A-Z][^\W\d_]{2,}(?:-[A-Z][^\W\d_]+)*)(?:['’]s)?(?![\w-])")
# a species by its binomial, genus written out or abbreviated ("Mycobacterium smegmatis", "M. leprae")
_SPECIES = re.compile(r"(?<![\w.])([A-Z][a-z]+|[A-Z]\.)\s*([a-z]{3,})\b")
# after a given name: initials, then a capitalised surname ("Mike T. John", "Olin Silander")
_INITIALS = re.compile(r"(?:[A-Z]\.){1,3}[A-Z]?\.?")  # "M.T", "J.J."
_SURNAME_AFTER = re.compile(r"\s+(?:[A-Z]\.?\s+){0,2}([A-Z][a-z]+(?:-[A-Z][a-z]+)?)\b")
_PART_WORDS = {"table", "tables", "figure", "figures", "fig", "appendix", "supplement", "section"}


@dataclass(frozen=True)
class Subjects:
    """What `SubjectReader.read` found a question to name (see the module's docstring)."""

    subjects: tuple[str, ...] = ()  # drugs, codes and acronyms of the question that the article names
    named: tuple[tuple[str, str], ...] = ()  # (proper name, the genus written for it or "")
    unknown: tuple[str, ...] = ()  # words of the query naming what the corpus never mentions
    cited_only: tuple[str, ...] = ()  # names of the query that only the bibliography writes
    organisms: tuple[tuple[str, int], ...] = ()  # (word, kind) of the organisms it asks about (`ORGANISMS`)
    authors: tuple[str, ...] = ()  # the articles' authors it names, as their bylines write them ("John MT")
    # the names it gives that the corpus writes only in full, with those words ("CLEOPATRA": "Clinical
    # Evaluation of Pertuzumab and Trastuzumab"): among its `subjects`, named by those words
    written_in_full: tuple[tuple[str, str], ...] = ()
    # the article's words spelt nearly as an `unknown` word is ("lapatanib": "lapatinib"), to suggest
    spellings: tuple[tuple[str, str], ...] = ()
    # of each subject, the names the article writes side by side with it that the question does not
    # write ("VSV": "ΦX174" of "in ΦX174 and VSV"), lower-case: a sentence naming one of those and
    # not the subject is about that one (`qa.names.CorpusNames.peers`)
    peers: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        """The proper names alone, without their genera."""
        return tuple(name for name, _ in self.named)


class NamingCorpus(Protocol):
    """What the reader reads of a corpus (`qa.Retriever` is one)."""

    glossary: Mapping[str, str]
    documents: list[Document]

    @property
    def terms(self) -> KeyTerms: ...

    @property
    def vocabulary(self) -> list[str]: ...

    def word_vectors(self, words: list[str]) -> np.ndarray: ...


# word -> the kind of organism it names (qa/data/organisms.txt): "cattle", "cows" and "bovine" are one
ORGANISMS: dict[str, int] = {w: i for i, ln in enumerate(data_lines("organisms.txt")) for w in ln.split()}


def organisms_in(text: str) -> tuple[tuple[str, int], ...]:
    """The organisms a text names, each with its kind, in order."""
    out: dict[int, str] = {}
    for w in re.findall(r"[a-z]+(?:-[a-z]+)?", text.lower()):
        kind = ORGANISMS.get(w)
        if kind is not None and kind not in out:
            out[kind] = w
    return tuple((w, k) for k, w in out.items())


def has_lay_synonym(word: str) -> bool:
    """True when a knowledge file gives the article's words for it ("Herceptin" -> trastuzumab)."""
    folded = fold(word.lower())
    return any(pattern.fullmatch(folded) for pattern, _ in LAY_PATTERNS)


def _not_a_species(genus: str, epithet: str) -> bool:
    """"Which mosquito", "Does it": a question word or function word is no genus, nor its follower an epithet."""
    return genus.rstrip(".").lower() in STOPWORDS or genus.lower() in GENERIC or epithet in STOPWORDS


# a run of capitalised words, function words between: "Clinical Evaluation of Pertuzumab and Trastuzumab"
_JOINING = ("of", "and", "or", "and/or", "for", "in", "with", "on", "to", "the", "a", "an", "de", "&")
TITLE_RUN = re.compile(r"\b[A-Z][\w-]*(?:\s+(?:(?:" + "|".join(map(re.escape, _JOINING)) + r")\s+){0,2}[A-Z][\w-]*)+")
SYLLABIC_MIN = 5  # an acronym this long may take more than the initial of each word ("CLEOPATRA")


def _spells(acronym: str, words: list[str]) -> str:
    """The consecutive words of the run, from a capitalised one, that spell the lower-cased acronym
    by a prefix of each (a joining word may give its initial or nothing), over at least three words;
    "" if none do."""
    def rest(a: int, w: int, used: int) -> int | None:  # the index after the last word, if they spell it
        if a == len(acronym):
            return w if used >= 3 else None
        if w == len(words):
            return None
        word = words[w].lower()
        if word in _JOINING:
            end = rest(a, w + 1, used)
            if end is not None:
                return end
        for p in range(min(len(word), len(acronym) - a), 0, -1):
            if word[:p] == acronym[a:a + p]:
                end = rest(a + p, w + 1, used + 1)
                if end is not None:
                    return end
        return None

    for i in range(len(words)):
        if words[i][:1].isupper() and words[i].lower() not in _JOINING:
            end = rest(0, i, 0)
            if end is not None:
                return " ".join(words[i:end])
    return ""


def _body(question: str) -> str:
    """The question without the earlier subject a follow-up's query carries ("... (everolimus)")."""
    return question.rsplit(" (", 1)[0] if question.endswith(")") else question


class SubjectReader:
    """Reads the subjects and names of questions against one corpus (see the module's docstring)."""

    def __init__(self, corpus: NamingCorpus):
        self.corpus = corpus
        self._word_table: np.ndarray | None = None  # vectors of the article's own words
        self._by_initial: dict[str, list[str]] | None = None  # the article's words by their first letter
        self._spelt: dict[str, str] = {}  # `spelt_nearly`, once per word (read twice per question)
        self._stems: dict[str, str] | None = None
        # the corpus' runs of capitalised words, and the acronyms looked up in them (-> their words)
        self._runs: tuple[tuple, list[list[str]], dict[str, str]] | None = None
        self._corpus_names: CorpusNames | None = None
        self._bylines: tuple[tuple[tuple[str, str], ...], dict[str, list[str]]] | None = None  # surname -> bylines

    @property
    def terms(self) -> KeyTerms:
        return self.corpus.terms

    def read(self, question: str, query: str, question_bibliographic: bool, query_bibliographic: bool,
             referent: str = "") -> Subjects:
        """The subjects and names of a question (its own words) and of its search query (a follow-up's
        query carries the earlier subject, which must still be something the corpus mentions).
        `referent`: what a follow-up's pronoun stands for (the earlier question naming it): a question
        that names no subject of its own is about the subjects that one names ("What were its side
        effects?" after "Tell me about neratinib" must be answered of neratinib), and so with the names
        it gives ("LipN")."""
        subjects, named = self.subjects(question), self.named(question, question_bibliographic)
        if referent and not subjects and not named:
            # not a species: "its growth rate" after "What E. coli strain ...?" is the strain's
            subjects, named = self.subjects(referent), [n for n in self.named(referent, False) if not n[1]]
        unknown = tuple(self.unknown_terms(query, query_bibliographic))
        return Subjects(subjects=tuple(subjects), organisms=organisms_in(_body(question)),
                        named=tuple(named),
                        written_in_full=tuple((w, full) for w in subjects if (full := self.written_in_full(w))),
                        unknown=unknown,
                        spellings=tuple((w, near) for w in unknown if (near := self.spelt_nearly(w))),
                        cited_only=tuple(self.cited_only(query, query_bibliographic)),
                        authors=self.authors(question), peers=self.peers(subjects, question))

    # ------------------------------------------------------------------ what an answer must be about

    def peers(self, subjects: Sequence[str], question: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """Of each subject, the names the article writes side by side with it ("in ΦX174 and VSV",
        "LipC, LipF or LipY") that the question does not write itself."""
        asked = fold(question)
        table = self._names().peers
        out = []
        for subj in subjects:
            others = tuple(sorted(p for p in table.get(subj.lower(), ())
                                  if not re.search(rf"(?<![\w-]){re.escape(fold(p))}(?![\w-])", asked)))
            if others:
                out.append((subj, others))
        return tuple(out)

    def authors(self, question: str) -> tuple[str, ...]:
        """The authors of the corpus' articles the question names by their surname ("Mike T. John",
        "Dennehy's"), as the byline writes them ("John MT"): the front matter's "Affiliation of John
        MT: ..." describes them."""
        key = documents_key(self.corpus.documents)
        if self._bylines is None or self._bylines[0] != key:  # read once per set of documents
            bylines: dict[str, list[str]] = {}
            for d in self.corpus.documents:
                for byline in d.authors:
                    surname = re.sub(r"\s+[A-Z][A-Z.\-]*$", "", byline).split()[-1] if byline.split() else ""
                    if len(surname) >= 3 and byline not in bylines.setdefault(surname, []):
                        bylines[surname].append(byline)
            self._bylines = (key, bylines)
        out: list[str] = []
        for w in dict.fromkeys(re.findall(r"[A-Z][^\W\d_]+(?:-[A-Z][^\W\d_]+)?", question)):
            out += [b for b in self._bylines[1].get(w, ()) if b not in out]
        return tuple(out)

    def subjects(self, question: str) -> list[str]:
        """The named things the question asks about that the article names too: drugs (by their
        endings), codes with digits, acronyms ("neratinib", "BOLERO-3", "EGFR"). An answer must be
        about them."""
        out = []
        body = _body(question)
        if PUBLICATION.search(body):  # "which journal was this review on anti-HER2 resistance in?"
            body = REVIEW_TOPIC.sub(r"\1", body)
        for w in re.findall(r"[^\W\d_][\w-]*\w", body):  # "ΦX174" whole, not "X174"
            if (len(w) < 3 and not re.fullmatch(r"[A-Z]\d", w)) or not w.isascii() and not any(
                    ch.isdigit() for ch in w if ch.isascii()):
                continue  # "R²" is no name; "T4" (a phage) is one
            affixed = _AFFIXED.fullmatch(w)  # "anti-HER2" and "HER2-blocking" are about HER2
            if affixed:
                w = next(g for g in affixed.groups() if g)
            low = w.lower()
            # a drug by its ending, a code with digits ("BOLERO-3"), or an acronym the article defines
            # (so that its long form counts as naming it: "MBC" alone is shorthand, not a subject)
            if low in GENERIC_TOKENS:
                continue
            toks = tokenize(w)
            if not self.terms.in_text(low) and self.written_in_full(w):
                out.append(w)  # "CLEOPATRA", which the article's text writes out in full only
                continue
            if not ((w.isupper() and len(w) >= 3 and not ROMAN.fullmatch(w) and w in self.corpus.glossary)
                    or any(ch.isdigit() for ch in w) or drug_name(w)):
                continue
            if toks and all(self.terms.in_corpus(t) for t in toks) and w not in out:
                out.append(w)
        return out

    def named(self, question: str, bibliographic: bool) -> list[tuple[str, str]]:
        """The places, species, people, cohorts and enzymes a question names by a proper name the
        article writes too, each with the genus the question writes for it ("Mycobacterium" or "M."
        for "smegmatis"; "" for a name that is not a species). Names a knowledge file gives other
        words for ("Herceptin") and acronyms (`subjects`) are left to those."""
        if bibliographic:
            return []  # a bibliography entry names a work its own way ("N Engl J Med" for "New England Journal")
        body = _body(question)
        out: list[tuple[str, str]] = []
        taken: set[int] = set()
        for m in _SPECIES.finditer(body):
            genus, epithet = m.groups()
            if _not_a_species(genus, epithet) or not self.terms.in_text(epithet):
                continue
            # the article abbreviates the genus, as articles do for a species they discuss
            if self._names().abbreviates(genus, epithet):
                out.append((epithet, genus))  # "M. smegmatis" is not "M. tuberculosis": the epithet names it
                taken.update(range(m.start(), m.end()))
        for m in _NAME_WORD.finditer(body):
            w = m.group(1)
            if m.start() in taken:
                continue
            before = body[:m.start()].rstrip()
            if not before or before.endswith((".", "?", "!", ":", ";", "\"", "“", "(")):
                continue  # a sentence's first word is capitalised whatever it is
            low = w.lower()
            if low in STOPWORDS or low in GENERIC or low in _PART_WORDS or low in BIBLIOGRAPHIC_ALIASES \
                    or w.isupper() or has_lay_synonym(w):
                continue
            if not all(self.terms.in_text(x) for x in plain_words(w)) or w not in self._names().capitalised:
                continue  # the article writes it capitalised inside a sentence, as a name
            if all(w != name for name, _ in out):
                out.append((w, ""))
        return out

    # ------------------------------------------------------------------ what the corpus lacks

    def spelt_nearly(self, word: str) -> str:
        """The one word of the article's text spelt nearly as `word` is ("lapatanib" -> "lapatinib",
        "transtuzumab" -> "trastuzumab"), beginning with its letter, or "": a misspelling to suggest,
        never to answer for (two drug names can be that close)."""
        low = word.lower()
        if len(low) < SPELLING_MIN_LETTERS or not low.isalpha() or not rare_word(low):
            return ""  # "heart" is no misspelling of "heat": a common word is meant as written
        if low not in self._spelt:
            if len(self._spelt) > 10000:
                self._spelt.clear()
            if self._by_initial is None:
                self._by_initial = {}
                for w in self.corpus.vocabulary:
                    self._by_initial.setdefault(w[:1], []).append(w)
            near = difflib.get_close_matches(low, self._by_initial.get(low[:1], []), n=2, cutoff=SPELLING_MATCH)
            self._spelt[low] = near[0] if len(near) == 1 or near and difflib.SequenceMatcher(
                None, low, near[0]).ratio() > difflib.SequenceMatcher(None, low, near[1]).ratio() else ""
        return self._spelt[low]

    def unknown_terms(self, question: str, bibliographic: bool) -> list[str]:
        """Question words naming something the corpus never mentions (see `qa.answer.AbstentionRule`)."""
        out = []
        body = _body(question)
        folded = fold(body)  # words of a lay phrase ("taken by mouth") stand for the article's words
        # ... when the article uses one of those words ("kidney" stands for the article's "renal")
        in_lay = {w for lay, formal in LAY_PATTERNS for m in lay.finditer(folded)
                  if any(self.terms.in_text(x.lower()) for x in plain_words(formal))
                  for w in re.findall(r"[a-z0-9]+", m.group(0))}
        for m in re.finditer(r"[A-Za-z0-9][\w\-/.]*[\w]|[A-Za-z0-9]", body):
            w = m.group(0)
            if _COORDINATED.search(w):  # "AUY922-plus-trastuzumab": each part on its own
                parts = [p for p in _COORDINATED.split(w) if p]
                if all(self.terms.in_corpus(t) for p in parts for t in tokenize(p)[:1]):
                    continue
            if w.isdigit() or w.lower() in BIBLIOGRAPHIC_ALIASES or w.lower() in in_lay or (any(
                    re.fullmatch(lay, w.lower()) for lay in LAY_TERMS) and (
                    w.lower() not in EVERYDAY_TOPICS or self._said_otherwise(w.lower()))):
                continue
            if w.lower() in _FILLERS:  # "OK, unrelated: ..."
                continue
            decade = re.fullmatch(r"(1[5-9]|20)(\d)0s", w)
            if decade and any(self.terms.in_corpus(f"{decade.group(1)}{decade.group(2)}{d}") for d in range(10)):
                continue  # "the 1980s": the article writes a year of them ("from 1981 to 1983")
            if ROMAN.fullmatch(w) and _NUMBERED.search(body[:m.start()]):
                continue  # "stage IV", "phase III": a number, which an article may write otherwise
            if re.match(r"\s+receptors?\b", body[m.end():], re.I) and self.terms.in_corpus(
                    re.sub(r"[-/]", "", w.lower()) + "r"):
                continue  # "IGF-1 receptor" is the article's "IGF1R"
            if w.lower() in EVERYDAY_TOPICS and not self.terms.in_text(w.lower()) \
                    and not (bibliographic and all(self.terms.in_corpus(t) for t in tokenize(w))) \
                    and not any(self.terms.in_text(x) for x in self._text_forms(w.lower())) \
                    and not self._said_otherwise(w.lower()):
                out.append(w)  # "kidney" is absent only if "renal" is too (qa/data/lay_terms.tsv)
                continue
            if DRUG_NAME.search(w.lower()) and w.isalpha() and not self.terms.in_text(w.lower()) \
                    and not bibliographic:
                out.append(w)  # a drug only the bibliography names ("tamoxifen") is not discussed
                continue
            whole = tokenize(w)[:1]
            toks = [t for t in tokenize(w) if t not in GENERIC_TOKENS]
            # "BOLERO-4" or "HER2-low" must be known whole; "110-patient" or "5-mg" is a number and a
            # word, "3-4" a range, "HER2/EGFR" a list of known names, "p95-positive" formed as the
            # article forms names
            parts = [p for p in re.split(r"[-/]", w) if p]
            compound_known = (
                not any(ch.isdigit() for ch in w) or not whole or self.terms.in_corpus(whole[0])
                or bool(_NUMBER_WORD.fullmatch(w)) or self.terms.known_compound(w)
                or self.terms.in_corpus(w.lower().replace("-", ""))  # "IGF-1R" is the article's "IGF1R"
                or (len(parts) > 1 and all(p.isdigit() for p in parts))
                or _AFFIXED.fullmatch(w) is not None and all(  # "anti-IGF1R", "IGF1R-blocking"
                    self.terms.in_corpus(t) for p in _AFFIXED.fullmatch(w).groups() if p
                    for t in tokenize(p)[:1])
                or ("/" in w and "-" not in w
                    and all(self.terms.in_corpus(t) for p in parts for t in tokenize(p)[:1])))
            at_start = m.start() == 0 or body[:m.start()].rstrip().endswith((".", "?", "!", "("))
            low = w.lower()
            if not toks or (compound_known and any(self.terms.known(t) for t in toks)):
                continue
            name = w[0].isupper() and not at_start and not w.isupper() and not any(ch.isdigit() for ch in w)
            mixed = any(ch.isupper() for ch in w[1:]) and any(ch.islower() for ch in w)  # "ExteNET", "iDFS"
            entity = (any(ch.isdigit() for ch in w) or (w.isupper() and len(w) >= 2) or mixed
                      or name or bool(DRUG_NAME.search(low)) or medical_term(low))
            if entity and name and not DRUG_NAME.search(low) and not medical_term(low):
                # "Irish" is the article's "Ireland" (0.79); "Australia" ~ "Ireland" 0.63 is not
                entity = self._closest_corpus_word(low) < NAME_MATCH
            if not entity and drug_name(self.spelt_nearly(w)):
                entity = True  # "tanespmiycin": a misspelt drug of the article's, or another drug
            if entity and self.spelled_out(w):
                continue  # "NIH": the article writes "National Institutes of Health"
            if entity and (name or _INITIALS.fullmatch(w)) and self._given_name(body[m.end():].lstrip(".")):
                continue  # "Mike T. John", "M.T. John": a bibliography or byline writes "John MT"
            if entity:
                out.append(w)
        done = _ASKS_IF_DONE.search(body)
        if done and not bibliographic:
            # "Did they sequence the evolved genomes?": a technical verb the article never writes (nor
            # a word of its stem, nor a lay phrase for its words) is a thing it does not report doing
            verb = done.group("verb")
            toks = tokenize(verb)
            if (toks and verb not in out and word_zipf(verb) < DONE_VERB_ZIPF and not self.terms.in_corpus(toks[0])
                    and verb.lower() not in in_lay and not self._text_forms(verb.lower())
                    and not self._said_otherwise(verb.lower())):
                out.append(verb)
        return out + [x for x in self._absent_species(body) if x not in out]

    def cited_only(self, question: str, bibliographic: bool) -> list[str]:
        """Names of a question that is not about the bibliography which only the bibliography writes
        ("Caenorhabditis" of a cited title): the article itself does not discuss them."""
        if bibliographic:
            return []
        out = []
        for m in _NAME_WORD.finditer(question):
            w = m.group(1)
            before = question[:m.start()].rstrip()
            if (before and not before.endswith((".", "?", "!", ":", ";", "(")) and len(w) >= 5 and w.isalpha()
                    and w[1:].islower() and w.lower() not in STOPWORDS and w.lower() not in _PART_WORDS
                    and not has_lay_synonym(w)
                    and self._names().cited_only(w) and w not in out):
                out.append(w)
        # an acronym or a name with inner capitals ("TRYPHAENA", "KasA", "INAM") that only cited titles
        # write, wherever the question writes it, unless the text writes it out in full ("NeoALTTO")
        for w in re.findall(r"(?<![\w-])([A-Za-z][a-z]*[A-Z][A-Za-z]*)(?![\w-])", question):
            if (len(w) >= 3 and w not in out and not ROMAN.fullmatch(w) and w not in self.corpus.glossary
                    and not has_lay_synonym(w) and self._names().cited_only(w) and not self.written_in_full(w)):
                out.append(w)
        return out

    def _absent_species(self, question: str) -> list[str]:
        """Species the question names by a binomial of a genus the article abbreviates ("M. tuberculosis")
        whose epithet the article's text never writes ("Mycobacterium leprae")."""
        out = []
        for m in _SPECIES.finditer(question):
            genus, epithet = m.groups()
            if _not_a_species(genus, epithet) or self.terms.in_text(epithet) or self._text_forms(epithet):
                continue
            names = self._names()
            if (genus.endswith(".") or genus in names.words) and names.abbreviates(genus):
                out.append(f"{genus} {epithet}")
        return out

    def _given_name(self, after: str) -> bool:
        """True when the words after a capitalised word are a surname the corpus writes as a name
        (and initials): the word is a person's given name, which bylines and bibliographies shorten
        to initials ("Mike T. John" is "John MT")."""
        m = _SURNAME_AFTER.match(after)
        names = self._names()
        return bool(m) and (m.group(1) in names.capitalised or m.group(1) in names.words) and \
            self.terms.in_text(m.group(1).lower())

    def spelled_out(self, acronym: str) -> bool:
        """True when the article's text writes the acronym's words out: capitalised words whose
        initials spell it, short function words between ("National Institutes of Health" for "NIH"),
        or, for a name of five letters or more, whose first letters do ("CLinical Evaluation Of
        Pertuzumab And TRAstuzumab" for "CLEOPATRA"; "NeoAdjuvant Lapatinib and/or Trastuzumab
        Treatment Optimization" for the mixed-case "NeoALTTO")."""
        if not (2 <= len(acronym) <= 12 and acronym.isalpha()):
            return False
        if len(acronym) <= 8 and acronym.isupper():
            pat = r"\b" + r"(?:\s+(?:of|and|for|the|de|du|la|&)){0,2}\s+".join(
                rf"{ch}[a-z]+" for ch in acronym) + r"\b"
            if any(re.search(pat, d.text) for d in self.corpus.documents):
                return True
        return bool(self.written_in_full(acronym))

    def written_in_full(self, acronym: str) -> str:
        """The words of the corpus' text spelling out a name of five letters or more by the first
        letters of each ("Clinical Evaluation of Pertuzumab and Trastuzumab" for "CLEOPATRA"; a
        mixed-case name with two capitals or more, "NeoALTTO", alike), or ""."""
        if len(acronym) < SYLLABIC_MIN or not acronym.isalpha() or sum(ch.isupper() for ch in acronym) < 2 \
                or not acronym[0].isupper():
            return ""
        runs, found = self._title_runs()
        if acronym not in found:  # asked of each question's subjects and absent names: looked up once
            found[acronym] = next((full for run in runs if (full := _spells(acronym.lower(), run))), "")
        return found[acronym]

    def _title_runs(self) -> tuple[list[list[str]], dict[str, str]]:
        """The runs of capitalised words (with function words between) the corpus writes, as word
        lists: where a trial or a programme is named in full; and the acronyms already looked up in
        them. Read once per set of documents."""
        key = documents_key(self.corpus.documents)
        if self._runs is None or self._runs[0] != key:
            runs = [m.group(0).split() for d in self.corpus.documents for m in TITLE_RUN.finditer(d.text)]
            self._runs = (key, [r for r in runs if len(r) >= 3], {})
        return self._runs[1], self._runs[2]

    # ------------------------------------------------------------------ how the corpus writes words

    def _names(self) -> CorpusNames:
        """How the corpus writes names (`qa.names`), read once per set of documents."""
        documents: Sequence[Document] = self.corpus.documents
        key = documents_key(documents)
        if self._corpus_names is None or self._corpus_names.key != key:
            self._corpus_names = names_of(documents)
        return self._corpus_names

    def _text_forms(self, word: str) -> list[str]:
        """Words of the article's text with the same stem ("supplemented" for "supplement")."""
        stem = tokenize(word)[:1]
        if not stem:
            return []
        if self._stems is None:
            self._stems = {}
            for v in self.corpus.vocabulary:
                for t in tokenize(v)[:1]:
                    self._stems.setdefault(t, v)
        hit = self._stems.get(stem[0])
        return [hit] if hit else []

    def _said_otherwise(self, word: str) -> bool:
        """True when the article's text uses a word the knowledge files give for `word`."""
        return any(pattern.fullmatch(word) and any(self.terms.in_text(x.lower()) for x in plain_words(formal))
                   for pattern, formal in LAY_PATTERNS)

    def _closest_corpus_word(self, word: str) -> float:
        """The highest word-vector similarity between `word` and a word of the article's text."""
        if self._word_table is None:
            self._word_table = self.corpus.word_vectors(self.corpus.vocabulary)
        table = self._word_table
        return float((table @ self.corpus.word_vectors([word])[0]).max()) if len(table) else 0.0
