"""One analysis of a question, computed once and shared by retrieval and answering.

`QueryAnalyzer.analyze(question, query)` reads a question against the corpus it is asked of (its
glossary of abbreviations, its key-term statistics, the names it describes, the parts of an
article a question can name) and returns a frozen `QueryAnalysis`: the expanded query and its
vector, the key-term weights, lay synonyms and soft word matches, the kind of answer asked for, the
abbreviations and parts of the article named, the numbers written. `Retriever.search` ranks with it
and `ExtractiveAnswerer.answer` chooses sentences with it; neither analyses the question again.

`question` is what was asked; `query` what is searched: the same, or for a follow-up the question
with its earlier subject ("What were its side effects? (everolimus)"). Retrieval reads the query's
facets; answering reads both (the question's own terms weigh more, `AnswerSettings.carried_weight`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from qa.chunking import Passage
from qa.lexical import tokenize
from qa.settings import SETTINGS
from qa.subjects import SubjectReader, Subjects
from qa.tables import Extreme, TableReader
from qa.terms import DRUG_ENDINGS, DRUG_NAME, LAY_PATTERNS, NEVER, PUBLICATION_WORDS, KeyTerms, data_toml
from qa.text import STOPWORDS, fold

# A question that names a part of the article ("the summary at the top", "in the closing remarks",
# "the trials table") lifts that part's passages by `SECTION_HINT_SHIFT` standard deviations.
SECTION_HINT_SHIFT = SETTINGS.retrieval.section_hint_shift


def _fill(pattern: str, **values: str) -> str:
    """A data file's pattern with its {{placeholders}} filled."""
    for key, value in values.items():
        pattern = pattern.replace(f"{{{{{key}}}}}", value)
    return pattern


# Each hint (qa/data/section_hints.toml): what the question says, the passages (kind and section)
# it names, and how many `SECTION_HINT_SHIFT`s they are lifted.
SECTION_HINTS: tuple[tuple[re.Pattern, re.Pattern, float], ...] = tuple(
    (re.compile(_fill(h["asks"], publication_words=PUBLICATION_WORDS), re.I), re.compile(h["where"], re.I),
     float(h["weight"])) for h in data_toml("section_hints.toml").get("hint", ()))


_REFERENCE_INTENT = re.compile(
    r"\b(papers?|references?|cited|cites?|citation|sources?|pmid|pubmed|journal|published|publication|"
    r"authors?|wrote|titled|title|presented|congress|meeting|symposium|bibliograph\w*|"
    r"article (?:is|was) cited)\b", re.IGNORECASE)


_ASKS_REASON = re.compile(r"\W*why\b", re.I)
_DEFINITION_INTENT = re.compile(r"\b(?:stands?|mean|means|meant|abbreviat\w*|acronym|short for|"
                                r"full (?:name|form)|long form|expan(?:d|ds|sion)|defin\w*|spell\w* out|"
                                r"legend|footnote)\b", re.I)


# "What kind of drug is X?", "What type of receptor is HER2?": the kind asked of a name, not
# "What kind of patients were enrolled?" (no copula follows) or "What type of study was this?"
_DESCRIBE_INTENT = re.compile(r"\bwhat (?:kind|type|class|sort|family|group)s? of (?:[\w-]+ ){0,3}?(?:is|are|was|were)\b|"
                              r"\bbelongs? to\b|\b(?:role|job|function)\b", re.IGNORECASE)
# "HER2, a receptor tyrosine kinase,"; "trastuzumab [13–15], a recombinant ... antibody"; "PTEN—a negative
# regulator"; "p70S6K1, a downstream effector"; "mTOR, which phosphorylates ..."; "T-DM1, composed of ..."
_APPOSITIVE = re.compile(r"(?<![\w-])([A-Za-z][\w/-]*)(?:\s*\[[^\]]*\])?(?:"
                         r"(?:\s*[,(]\s*|\s*[—–]\s*|\s+(?:is|was)\s+)(?:a|an)\s+[a-z]|"
                         r",\s*which\s+(?:(?:is|are|was|were)\s+(?:a|an|one)\s|(?!(?:was|is|has|does)\b)[a-z]{2,}s\b)|"
                         r",?\s+(?:composed|consisting|made up|comprised) of\b)")
# "the multityrosine kinase inhibitor lapatinib,"; "the novel antibody-drug conjugate T-DM1 (": a name
# after the words for its kind (at most five, no stopword, the last a noun)
_KIND_BEFORE = re.compile(r"\b(?:[Tt]he|[Aa]n?)\s+(?=((?:[\w-]+\s+){0,4}?[a-z][\w-]*[a-z])\s+([A-Za-z][\w/-]*[\w])"
                          r"(?:\s*[,(\[]|\s+(?:which|that)\b))")
# "a family of proteins called dambos"; "the protein termed Cut6"; "a process known as autophagy"
_CALLED = re.compile(r"\b(?:called|termed|named|known as)\s+([A-Za-z][\w/-]*[\w])")
_NOT_A_KIND = re.compile(r"(?:ed|ing|ly|en)$")


def _name_like(name: str) -> bool:
    """A name rather than an ordinary word: a digit, an inner capital or a drug's ending."""
    return any(ch.isdigit() for ch in name) or any(ch.isupper() for ch in name[1:]) \
        or bool(DRUG_NAME.search(name.lower()))


def described_names(text: str) -> set[str]:
    """The names a text says what they are (lower-cased): in apposition ("HER2, a receptor ..."),
    after the words for their kind ("the kinase inhibitor lapatinib,") or as what something is called."""
    out = {m.group(1).lower() for m in _APPOSITIVE.finditer(text) if _name_like(m.group(1))}
    for m in _KIND_BEFORE.finditer(text):
        kind, name = m.group(1).split(), m.group(2)
        if _name_like(name) and not any(w.lower() in STOPWORDS for w in kind) \
                and kind[-1].islower() and not _NOT_A_KIND.search(kind[-1]):
            out.add(name.lower())
    out.update(m.group(1).lower() for m in _CALLED.finditer(text))
    return out


def asks_for_definition(question: str) -> bool:
    """True when the question asks what an abbreviation stands for."""
    return bool(_DEFINITION_INTENT.search(question))


_CITED_BY_THIS = re.compile(r"\b(?:cited|referenced|quoted|discussed) (?:in|by) (?:this|the) "
                            r"(?:review|article|paper|manuscript)\b|\b(?:that |which )?(?:this|the) "
                            r"(?:review|article|paper|manuscript) (?:cites|quotes|references)\b", re.IGNORECASE)
_THIS_ARTICLE = re.compile(r"\b(?:this|the) (?:review|article|paper|manuscript)\b|"
                           r"\bthe (?:authors|writers)\b(?! of\b)(?!\s+(?:cite|cited|use|used|rel(?:y|ied)|dr[ae]w|"
                           r"quote|quoted|refer|referred|lean))", re.IGNORECASE)  # "the authors write ..."


def asks_for_reference(question: str) -> bool:
    """True when the question asks about the bibliography (a paper, its journal, PMID, authors),
    not about this article itself."""
    # "cited in the review" is the literature, not the review
    about_this = _THIS_ARTICLE.search(_CITED_BY_THIS.sub(" ", question))
    # "Why did these authors move away from it?" asks a reason, which no bibliography entry gives
    return bool(_REFERENCE_INTENT.search(question)) and not about_this and not _ASKS_REASON.match(question)




# "31 patients"; not the 90 of "HSP90", "Table 1" or a reference marker "[36]"
_COUNT = r"(?<![A-Za-z\d\[-])(?<!Table\s)(?<!Figure\s)\d[\d,.]*(?![A-Za-z\d\]])"
# a drug by its ending, or a code name (BEZ235, GDC-0941; not HSP90)
_DRUG_ANSWER = rf"(?i:\w(?:{DRUG_ENDINGS})\b)|\b[A-Za-z]{{2,}}-?\d{{3,}}[A-Za-z\d]*\b|\bT-DM1\b"
_MONTHS = r"January|February|March|April|May|June|July|August|September|October|November|December"


@dataclass(frozen=True)
class AnswerType:
    """A kind of question ("date") and what an answering sentence must contain (a year, a month)."""

    name: str
    asks: re.Pattern
    answer: re.Pattern

    def search(self, text: str) -> re.Match | None:
        """Where `text` holds this kind of answer, if it does."""
        return self.answer.search(text)

    def focus_of(self, match: re.Match) -> str:
        """The thing whose value a question asks for, read of this type's match of it (group
        `focus`: "GFP fluorescence intensity" of "What GFP fluorescence intensity did ... reach?")."""
        if "focus" not in self.asks.groupindex:
            return ""
        return re.sub(r"^(?:(?:is|was|were|are|the|an?|its|their)\s+)+", "", match.group("focus") or "", flags=re.I)


@dataclass(frozen=True)
class AskedFor:
    """What a question asks for: the kind of answer, and the thing it asks the value of ("" if none)."""

    type: AnswerType
    focus: str = ""


def _answer_types() -> tuple[AnswerType, ...]:
    fill = {"months": _MONTHS, "count": _COUNT, "drug_answer": _DRUG_ANSWER}
    return tuple(AnswerType(t["name"], re.compile(_fill(t["asks"], **fill)), re.compile(_fill(t["answer"], **fill)))
                 for t in data_toml("answer_types.toml").get("type", ()))


# what the question asks for, what an answering sentence must contain: qa/data/answer_types.toml
ANSWER_TYPES: tuple[AnswerType, ...] = _answer_types()


def asked_for(question: str) -> AskedFor | None:
    """The kind of answer this question asks for, and the thing it asks the value of, read of one
    match of the type's pattern; None if it asks for no kind in particular."""
    for t in ANSWER_TYPES:
        m = t.asks.search(question)
        if m:
            return AskedFor(t, t.focus_of(m))
    return None


def answer_type(question: str) -> AnswerType | None:
    """The kind of answer this question asks for, if it asks for one."""
    asked = asked_for(question)
    return asked.type if asked else None


def numbers_in(text: str) -> set[str]:
    """The numbers a text writes on their own ("112", "2.5"; not the 1 of "T-DM1" or "HER2")."""
    return set(re.findall(r"(?<![\w.-])\d+(?:\.\d+)?(?![\w.]\d)(?![A-Za-z])", text))


_THOUSANDS = re.compile(r"(?<=\d)[,\u2009\u202f\u00a0 ](?=\d{3}(?!\d))")
_APPROXIMATE = re.compile(r"(?:\b(?:about|around|roughly|approximately|nearly|almost|some|over|under|"
                          r"more than|less than|fewer than|at least|at most|up to)|[~≈<>≤≥])\s*$", re.I)


def stated_numbers(text: str) -> set[str]:
    """`numbers_in`, with thousands separators dropped and trailing decimal zeros too ("2,441",
    "2441" and "2441.0" are one number)."""
    return {_canonical(n) for n in numbers_in(_THOUSANDS.sub("", text))}


# a number with the unit of a temperature or a concentration ("42°C", "10 µg/mL", "5 mM", "30 kDa");
# not % nor a duration, which a table writes in its header instead ("Seroprevalence (%): 35.8")
_MEASURE = re.compile(r"(?<![\w.-])(\d+(?:\.\d+)?)\s*(°\s*[CF]|º\s*[CF]|[µμu]g/m[lL]|mg/m[lL]|ng/m[lL]|mg/kg|[µμnm]M|kDa)(?![\w/])")


def _unit_pattern(unit: str) -> str:
    """A pattern for the unit as texts write it: "°C" or "º C", "µg/mL" or "μg / ml"."""
    out = []
    for ch in re.sub(r"\s+", "", unit).replace("º", "°"):
        if ch == "°":
            out.append("[°º]\\s*")
        elif ch in "µμu":
            out.append("[µμu]")
        elif ch == "/":
            out.append("\\s*/\\s*")
        elif ch in "lL":
            out.append("[lL]")
        else:
            out.append(re.escape(ch))
    return "".join(out)


def stated_measures(question: str) -> tuple[str, ...]:
    """The measures a question states as a condition, number and unit ("at 42°C", "at 10 µg/mL")."""
    return tuple(dict.fromkeys(m.group(1) + re.sub(r"\s+", "", m.group(2)) for m in _MEASURE.finditer(question)))


def measure_stated(measure: str, text: str) -> bool:
    """True when the text writes the measure, its number followed by its unit ("42 °C" for "42°C")."""
    m = _MEASURE.fullmatch(measure)
    if not m:
        return True
    return bool(re.search(rf"(?<![\d.]){re.escape(m.group(1))}\s*{_unit_pattern(m.group(2))}(?![A-Za-z])", text))


_CONTRAST = re.compile(data_toml("discourse.toml").get("contrasts", NEVER), re.I)


def alternatives(question: str) -> tuple[str, ...]:
    """The conditions a question chooses over others ("UV light" of "induced with UV light instead
    of heat", "daily" of "a daily rather than weekly schedule"): the words just before the contrast,
    back to a comma or a function word, at most four."""
    out = []
    for m in _CONTRAST.finditer(question):
        before = re.split(r"[,;:()\u2014]", question[:m.start()])[-1].split()
        words: list[str] = []
        for w in reversed(before[-4:]):
            if w.lower() in STOPWORDS:
                break
            words.insert(0, w)
        if words:
            out.append(" ".join(words))
    return tuple(dict.fromkeys(out))


_CONDITIONS = re.compile(data_toml("discourse.toml").get("conditions", NEVER), re.I)


def conditions(question: str) -> tuple[str, ...]:
    """The words of the conditions a question names an experiment by ("hypoxic", "non-replicating"
    of "grown under hypoxic, non-replicating conditions"; "high-magnesium" of "in high-magnesium
    medium"), function words left out."""
    out: list[str] = []
    for m in _CONDITIONS.finditer(question):
        out += [w for w in re.findall(r"[\w-]+", m.group(1)) if w.lower() not in STOPWORDS]
    return tuple(dict.fromkeys(out))


def focus_head(text: str) -> frozenset[str]:
    """The tokens that name the generic word ending the thing a question asks the value of ("rate"
    of "response rate": it and its `FOCUS_FORMS`, "percent", "per" ...), or none: a sentence giving
    the value must name it, though it is a word of asking and no key term."""
    last = re.findall(r"[A-Za-z][\w-]*", text)[-1:]
    if not last or last[0].lower() not in _FOCUS_HEADS:
        return frozenset()
    return frozenset(t for w in (last[0].lower(), *FOCUS_FORMS.get(last[0].lower(), ())) for t in tokenize(w))


def specific_numbers(question: str) -> tuple[str, ...]:
    """The numbers a question states as a condition an answer must share ("at 25°C", "in 2010", "a
    population size of 5000"): not an approximation ("about 2,400 women"), not a small count that an
    article may write as a word or numeral ("three", "phase III"), not part of a name ("17-AAG"); a
    number with a unit ("a 14-item form", "the 110-patient study") is one."""
    text = _THOUSANDS.sub("", question)
    out = []
    for m in re.finditer(r"(?<![\w.-])\d+(?:\.\d+)?(?!\d)(?![\w.]\d)(?![A-Za-z])(?!-[A-Z])", text):
        n = m.group(0)
        if ("." not in n and int(n) < 13) or _APPROXIMATE.search(text[:m.start()]):
            continue
        out.append(_canonical(n))
    return tuple(dict.fromkeys(out))


_YEAR = re.compile(r"(?<![\d\[.,])(?:1[89]\d\d|20\d\d)(?![\d\]]|s\b)")  # not a decade ("the 1980s")
_RELATIVE = re.compile(r"(?:\b(?:before|after|since|until|till|by|from|between|prior to|than|and|or|to)|[-–/])\s*$", re.I)


def years_in(text: str) -> set[str]:
    """The years a text writes ("2007", "in 1999"), not a reference marker ("[2010]") nor part of a number."""
    return set(_YEAR.findall(text))


def stated_years(question: str) -> tuple[str, ...]:
    """The years a question asks about as its time ("in the 2010 survey", "in 2007"), not as one
    end of a span ("after 2008", "between 2007 and 2010")."""
    return tuple(dict.fromkeys(m.group(0) for m in _YEAR.finditer(question)
                               if not _RELATIVE.search(question[:m.start()])
                               and not re.match(r"\s*(?:-|–|to|and|or)\s*\d", question[m.end():])))


def _canonical(number: str) -> str:
    return number.rstrip("0").rstrip(".") if "." in number else number




# words of a value's name that a sentence giving the figure may leave implicit ("the median TTP")
_FOCUS_HEADS = frozenset(w.lower() for w in data_toml("answer_types.toml").get("focus_heads", ()))
_SUMMARY_STATISTICS = frozenset(t for w in data_toml("answer_types.toml").get("focus_ignores", ()) for t in tokenize(w))
# other ways a sentence writes a word of a focus ("min" for "minutes"): word -> its forms
FOCUS_FORMS: dict[str, tuple[str, ...]] = {
    w: tuple(forms) for w, forms in data_toml("answer_types.toml").get("focus_forms", {}).items()}
_ANAPHORIC_PHRASE = re.compile(r"\b(?:that|this|these|those|the same)\s+[\w-]+", re.I)


@dataclass(frozen=True)
class QueryAnalysis:
    """Everything retrieval and answering read of one question (see the module's docstring)."""

    question: str
    query: str
    expanded: str  # the query with its abbreviations' long forms and the article's words for lay terms
    vector: np.ndarray = field(repr=False, compare=False)  # the expanded query's embedding
    # a follow-up's own words' embedding ("At what magnification?" without what it carried), or None
    own_vector: np.ndarray | None = field(default=None, repr=False, compare=False)
    weights: Mapping[str, float] = field(default_factory=dict)  # idf weights of the query's key terms
    synonyms: Mapping[str, set[str]] = field(default_factory=dict)  # lay synonyms of each key term
    surface: Mapping[str, str] = field(default_factory=dict)  # the question's words close to the article's
    own_terms: tuple[str, ...] = ()  # key terms of the question itself ("that dose" left out)
    bibliographic: bool = False  # the query asks about the bibliography (a paper, a PMID)
    hints: tuple[int, ...] = ()  # the `SECTION_HINTS` the query matches
    query_described: frozenset[str] = frozenset()  # names the query asks to be described
    query_defined: tuple[str, ...] = ()  # folded long forms of abbreviations the query asks to define
    answer_type: AnswerType | None = None  # what an answering sentence must hold ("when": a date)
    abbreviations: tuple[str, ...] = ()  # the article's abbreviations the question writes
    definitions: tuple[str, ...] = ()  # folded long forms, when the question asks what they stand for
    described: frozenset[str] = frozenset()  # names the question asks to be described
    named_parts: tuple[int, ...] = ()  # the `SECTION_HINTS` the question matches
    numbers: frozenset[str] = frozenset()  # the numbers the question writes ("112", "2.5")
    specific_numbers: tuple[str, ...] = ()  # the conditions it states by number ("at 25°C"): `specific_numbers`
    measures: tuple[str, ...] = ()  # the measures it states ("at 42°C"): `stated_measures`
    alternatives: tuple[str, ...] = ()  # the conditions it chooses over others ("UV light"): `alternatives`
    conditions: tuple[str, ...] = ()  # the words of the conditions it names ("hypoxic"): `conditions`
    years: tuple[str, ...] = ()  # the years it asks about as its time ("in the 2010 survey"): `stated_years`
    subjects: Subjects = field(default_factory=Subjects)  # what it names, and what the corpus lacks (`qa.subjects`)
    extremes: tuple[Extreme, ...] = ()  # the table rows holding the extreme it asks for (`qa.tables`)
    named_rows: tuple[Passage, ...] = ()  # the table rows it names with a column of theirs (`qa.tables`)
    focus_text: str = ""  # the thing whose value it asks for, as written ("GFP fluorescence intensity")
    focus: tuple[str, ...] = ()  # key terms of that thing (`asked_for`)
    # the term sets a sentence may name that thing by (its words; the alias the question gives it in
    # parentheses), and the other words that name each term (its long form, a unit of its scale)
    focus_groups: tuple[tuple[str, ...], ...] = ()
    focus_synonyms: Mapping[str, frozenset[str]] = field(default_factory=dict)
    # the words, one of which must name the generic word that ends that thing ("rate" of "response
    # rate": "rate", "percent", "per" ...; `answer_types.toml` focus_heads), or none
    focus_head: frozenset[str] = frozenset()

    @property
    def lexical(self) -> str:
        """What BM25 searches: the expanded query and the words the corpus writes its trials out in
        ("CLEOPATRA": "Clinical Evaluation of Pertuzumab and Trastuzumab"), which no passage writes
        as the question does. Not in the query vector: there they pulled near-topic passages up."""
        full = [words for _, words in self.subjects.written_in_full]
        return f"{self.expanded} ({'; '.join(full)})" if full else self.expanded

    def part_weight(self, passage: Passage) -> float:
        """How strongly the question names the part of the article the passage is in ("in the
        summary", "the closing remarks", "Table 1", "how did the authors gather their material"):
        the largest weight of the matching
        `SECTION_HINTS` (2 for a funding or competing-interests statement, which only that part can
        answer), 0 when it names none."""
        where = f"{passage.kind} {passage.section}"
        return max((SECTION_HINTS[i][2] for i in self.named_parts if SECTION_HINTS[i][1].search(where)), default=0.0)


class QueryAnalyzer:
    """Analyses questions against one corpus: its glossary, key-term statistics and described names.

    Args:
        glossary: the corpus' abbreviations and their long forms (each article's own, first wins).
        terms: the corpus' key-term statistics (`qa.terms.KeyTerms`).
        described_any: every name some passage describes in apposition (`described_names`).
        embed: the (cached) query embedding.
        subjects: reads the subjects and names of a question (`qa.subjects.SubjectReader`); without
            it, an analysis names none.
        tables: finds the table rows a question about a column's extreme asks for
            (`qa.tables.TableReader`); without it, an analysis has none.
    """

    def __init__(self, glossary: Mapping[str, str], terms: Callable[[], KeyTerms], described_any: frozenset[str],
                 embed: Callable[[str], np.ndarray], subjects: SubjectReader | None = None,
                 tables: TableReader | None = None):
        self.glossary = glossary
        self._subjects = subjects
        self._tables = tables
        self._terms = terms
        self._described_any = described_any
        self._embed = embed
        self._expansions = self._build_expansions()

    @property
    def terms(self) -> KeyTerms:
        return self._terms()

    def analyze(self, question: str, query: str | None = None,
                surface: Callable[[], Mapping[str, str]] | None = None, referent: str = "",
                own_words: bool = False) -> QueryAnalysis:
        """The analysis of a checked question (and of its search query, by default the question).
        `surface`, when given, returns the query's soft word matches (computed beside the embedding);
        `referent`, the earlier question a follow-up's pronoun stands for (`SubjectReader.read`)."""
        query = query or question
        terms = self.terms
        expanded = self.expand_query(query)
        vector = self._embed(expanded)
        # a follow-up that carries words ("... (lambda lysogens lysing)") is also embedded alone:
        # a sentence answers its own words as much as the topic they lean on
        own_vector = self._embed(self.expand_query(question)) if own_words and query != question else None
        hints, described, defined = own = self._parts(question)
        q_hints, q_described, q_defined = own if query == question else self._parts(query)
        bibliographic = asks_for_reference(query)
        subjects = self._subjects.read(question, query, asks_for_reference(question), bibliographic, referent) \
            if self._subjects is not None else Subjects()
        asked = asked_for(question)
        wanted, focus_text = (asked.type, asked.focus) if asked else (None, "")
        synonyms = terms.synonyms(query)
        focus, groups, focus_synonyms = self._focus(focus_text, synonyms)
        return QueryAnalysis(
            question=question, query=query, expanded=expanded, vector=vector, own_vector=own_vector,
            weights=terms.weights(query), synonyms=synonyms,
            surface=surface() if surface is not None else terms.surface(query),
            own_terms=tuple(terms.key_terms(_ANAPHORIC_PHRASE.sub(" ", question))),
            bibliographic=bibliographic,
            hints=q_hints, query_described=q_described, query_defined=q_defined,
            answer_type=wanted, focus_text=focus_text, focus=focus, focus_groups=groups, focus_synonyms=focus_synonyms,
            focus_head=focus_head(focus_text) if focus else frozenset(),
            abbreviations=tuple(self.abbreviations_in(question)),
            definitions=defined, described=described, named_parts=hints,
            numbers=frozenset(numbers_in(question)), specific_numbers=specific_numbers(question),
            measures=stated_measures(question), alternatives=alternatives(question),
            conditions=conditions(question), years=stated_years(question), subjects=subjects,
            extremes=self._tables.read(question) if self._tables is not None else (),
            named_rows=self._tables.named_rows(query) if self._tables is not None else ())

    def _focus(self, text: str, synonyms: Mapping[str, set[str]]
               ) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...], dict[str, frozenset[str]]]:
        """The key terms of the thing a question asks the value of (`AskedFor.focus`; "mean",
        "median" left out), the term sets a sentence may name it by (its words, or the alias in its
        parenthesis: "maximum attainable fitness (fref)"), and the words naming each term: the
        query's lay synonyms, an abbreviation's long form, a unit's abbreviations (`FOCUS_FORMS`)."""
        focus = tuple(t for t in self.terms.key_terms(text) if t not in _SUMMARY_STATISTICS)
        if not focus:
            return (), (), {}
        aliases = [set(tokenize(a)) for a in re.findall(r"\(([^)]*)\)", text)]
        named = tuple(t for t in focus if not any(t in a for a in aliases))
        groups = tuple(g for g in (named or focus, *(tuple(t for t in focus if t in a) for a in aliases)) if g)
        words: dict[str, set[str]] = {t: set(alts) for t, alts in synonyms.items()}
        for word in re.findall(r"[A-Za-z][\w-]*", text):
            forms = [self.glossary[word]] if word in self.glossary else list(FOCUS_FORMS.get(word.lower(), ()))
            for t in tokenize(word):
                for form in forms:
                    words.setdefault(t, set()).update(tokenize(form))
        return focus, groups, {t: frozenset(w) for t, w in words.items()}

    def _parts(self, text: str) -> tuple[tuple[int, ...], frozenset[str], tuple[str, ...]]:
        """What a text names of the article: the `SECTION_HINTS` it matches, the names it asks to be
        described, and the folded long forms of the abbreviations it asks to be spelled out. Read of
        the question for answering and of the query for retrieval (once when they are the same)."""
        defined = tuple(fold(self.long_form(a)) for a in self.abbreviations_in(text)) \
            if asks_for_definition(text) else ()
        return _hints(text), self.descriptions_asked(text), defined

    def abbreviations_in(self, question: str) -> list[str]:
        """The glossary abbreviations the question writes (as the article writes them)."""
        return [a for a in self.glossary if re.search(rf"(?<![\w-]){re.escape(a)}(?![\w-])", question)]

    def descriptions_asked(self, question: str) -> frozenset[str]:
        """For a question asking what something is or does ("What kind of drug is trastuzumab?",
        "What does PTEN normally do?"), the names in it that the article describes in apposition."""
        names = {w for w in re.findall(r"[\w/-]+", question) if w.lower() in self._described_any}
        general = _DESCRIBE_INTENT.search(question)
        return frozenset(n.lower() for n in names if general or re.search(
            rf"\bwhat (?:is|are|was) (?:a |an |the )?(?:[\w-]+ ){{0,2}}?{re.escape(n)}\s*(?:[?,.]|$)|"
            rf"\bwhat does (?:the )?{re.escape(n)}(?: [\w-]+)? (?:\w+ly )?do\b", question, re.IGNORECASE))

    def long_form(self, short: str) -> str:
        """An abbreviation's long form without its parenthesised notes ("CBR" → "clinical benefit rate")."""
        return re.sub(r"\s*\(.*?\)", "", self.glossary[short]).strip()

    def _build_expansions(self) -> list[tuple[re.Pattern, str]]:
        out = []
        for short in self.glossary:
            long_clean = self.long_form(short)
            flags = 0 if len(short) <= 3 or short.isupper() is False else re.IGNORECASE
            out.append((re.compile(rf"(?<![\w-]){re.escape(short)}(?![\w-])", flags), long_clean))
            out.append((re.compile(rf"\b{re.escape(fold(long_clean))}\b"), short))
        return out

    def expand_query(self, question: str) -> str:
        """The question plus the long forms of its abbreviations, the short forms of long ones, and
        the article's words for common lay terms ("side effects" → "adverse events")."""
        added: list[str] = []
        folded = fold(question)
        for lay, formal in LAY_PATTERNS:
            if lay.search(folded) and formal not in added:
                added.append(formal)
        for pat, other in self._expansions:
            target = folded if pat.pattern.startswith(r"\b") else question
            if pat.search(target) and fold(other) not in folded and other not in added:
                added.append(other)
        return question if not added else f"{question} ({'; '.join(added)})"


def _hints(text: str) -> tuple[int, ...]:
    return tuple(i for i, (asks, _, _) in enumerate(SECTION_HINTS) if asks.search(text))
