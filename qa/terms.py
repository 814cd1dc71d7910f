"""Key terms: which words of a question carry its topic, how rare they are in the corpus, and how
much of them a text covers — exactly, through a lay synonym, in the surrounding passage, or through a
close word vector ("paid" ~ "funded"). Shared by the retriever's re-ranking and the answerer.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from functools import lru_cache

import numpy as np

from qa.lexical import tokenize
from qa.text import fold, plain_words

# Drug-name endings (antibodies, kinase inhibitors, rapalogs, taxanes ...): such a word names a drug.
DRUG_ENDINGS = "mab|nib|lisib|limus|tecan|ciclib|parib|platin|rubicin|taxel|vedotin|bine|mide|mycin|ifen|ozole|strant"
DRUG_NAME = re.compile(rf"(?:{DRUG_ENDINGS})$")

# Lay words readers use for what clinical articles say otherwise (query expansion and coverage).
LAY_TERMS = {
    "side effects?": "adverse events toxic effects toxicity",
    "chemo": "chemotherapy",
    "brain": "CNS cerebral",
    "spread": "metastatic metastases",
    "come back|comes back|relapse": "recurrence",
    "tumou?rs?": "cancer",
    "shrink\\w*": "response",
    "(?:blood )?cancer drug": "agent",
    "before surgery|pre-?surg\\w*|preoperative": "neoadjuvant",
    "postoperative": "adjuvant",
    "after (?:the )?(?:surgery|operation)": "adjuvant",
    "stops? working|stopped working": "resistance refractory progression",
    "vanish\\w*|disappear\\w*|wip\\w+ out|melt\\w* away": "complete response",
    "chopped[- ]off|cut[- ]off|clipped|shortened|truncated": "truncated p95HER2",
    "still (?:works?|help\\w*|benefit\\w*|effective|active)|(?:works?|helps?) as well": "same clinical benefit effective",
    "mucus\\w*|mucin-like|glycoproteins?|sugary coat\\w*|sugar-coat\\w*": "mucin",
    "too much|excess\\w*|over-?produc\\w*": "overexpression amplification",
    "furthest along|farthest along|furthest ahead|most developed": "most advanced",
    "take-home|bottom line|main message|key message": "conclusions",
    "summary|summaries": "abstract",
    "chromosome (?:ends?|tips?)|ends? of (?:the )?chromosomes?|telomeres?": "telomerase telomere",
    "outer (?:part|portion|piece|domain)|outside (?:part|portion)|part (?:sticking )?outside": "extracellular domain",
    "inner (?:part|portion|piece|domain)|inside (?:part|portion)|part (?:sticking )?inside": "intracellular domain",
    "in a row|back[- ]to[- ]back|successive": "consecutive",
    "most (?:evidence|data)|largest body of (?:data|evidence)|best[- ]studied|most (?:studied|researched)":
    "developmental strategy most available data",
    "(?:stay|stays|stayed|staying|remain\\w*) (?:clear|free) of (?:the )?(?:disease|cancer)|cancer-free":
    "disease-free survival",
    "takes? for (?:things|it|the (?:cancer|disease|tumou?r)) to (?:get worse|progress|grow|advance)":
    "time to progression",
    "dodg\\w*|evad\\w*|evasion|outsmart\\w*|get(?:s|ting)? around|slip\\w* (?:past|away from)":
    "resistance mechanisms",
    "carr(?:y|ied|ies) on|kept going|keep going|stayed on|stay on": "continue maintenance",
    "by mouth|taken orally|swallowed": "oral",
    "(?:time|interval|period|delay)\\s+(?:before|until|till|to)\\s+(?:the\\s+)?(?:cancer|tumou?r|disease)\\s+(?:grows|"
    "progress\\w*|advanc\\w*|worsen\\w*|gets? worse|spreads?)(?: again)?": "time to progression",
    "(?:keep|kept|keeps|stop|stopped)\\w* (?:the )?(?:cancer|tumou?r|disease) from (?:getting worse|growing|"
    "progressing|advancing)|without (?:the )?(?:cancer|tumou?r|disease) (?:getting worse|growing|progressing)":
    "progression-free survival PFS",
    "cytotoxics|cytotoxic (?:drugs?|agents?|therapy|treatment)": "chemotherapy",
    "go(?:es)? (?:hand in hand|along|together) (?:with|w/)|show\\w* up (?:alongside|with)|accompan\\w*|"
    "co-?occur\\w*": "correlated associated",
    "characteristics|traits|features": "factors",
    "last(?:ed|s)?(?=\\s*\\?|\\s+for\\b)": "duration",  # "how long did that phase last?"
    "(?:gather|collect|compil|assembl|pull|put|select|find)\\w* (?:\\w+ ){0,2}?(?:material|literature|evidence|"
    "sources|studies|information|data)|methods?|methodology": "literature search design",
    "med-?comms?|medical communications?": "editorial support",
    "block(?:s|ed|ing|ade|ers?)?": "inhibit inhibitor",
    "continuation (?:phase|stage|period)|chemo(?:therapy)?-free (?:phase|stage|period|continuation)|"
    "stay-on (?:phase|stage|period)": "maintenance phase",
    "unwanted (?:side )?effects?|adverse effects?|toxicit(?:y|ies)": "adverse events",
    "medical writ\\w+|writing (?:support|assistance|help)|editorial (?:help|assistance)": "editorial support",
    "where (?:does|do|did) [^?]{0,40}? work|works? at|based at|affiliated": "affiliation",
    "corresponding author|contact (?:person|author)|lead contact": "correspondence",
    "publishing house|publisher|brought out|put out": "published by",
    "(?:her2|anti-her2) (?:pill|tablet)s?": "lapatinib tyrosine kinase inhibitor",
    "(?<!her2 )(?<!anti-her2 )(?:pills?|tablets?|capsules?)": "tyrosine kinase inhibitor",
    # brand names of the drugs the article names generically
    "herceptin": "trastuzumab",
    "tykerb|tyverb": "lapatinib",
    "perjeta": "pertuzumab",
    "kadcyla": "T-DM1 trastuzumab emtansine",
    "afinitor|votubia": "everolimus",
    "torisel": "temsirolimus",
    "sirolimus|rapamune": "rapamycin",
    "xeloda": "capecitabine",
    "taxol": "paclitaxel",
    "taxotere": "docetaxel",
    "navelbine": "vinorelbine",
    "femara": "letrozole",
    # clinical shorthand and standard abbreviations the article spells out without defining
    "dfs": "disease-free survival",
    "ttp": "time to progression",
    "ttf": "time to treatment failure",
    "tki|tkis": "tyrosine kinase inhibitor",
    "mtd": "maximum tolerated dose",
    "dlt|dlts": "dose-limiting toxicity",
    "ebc": "early breast cancer",
    "adc": "antibody-drug conjugate",
    "mabs?": "monoclonal antibody",
    "pts?": "patients",
    "tx": "treatment therapy",
    "rx": "therapy",
    "phase 1": "phase I",
    "phase 2": "phase II",
    "phase 3": "phase III",
    "mets": "metastases",
    "lab|labs|laborator(?:y|ies)|cell lines?|petri dish\\w*": "in vitro preclinical",
    "human (?:outcome )?(?:data|results|evidence|studies|trials)|in (?:humans|people|real patients|actual patients|"
    "real people|real women|the clinic)": "clinical data",
    "yet|so far|to date|as of now|at the moment": "currently",
    # a clinician's and pharmacist's shorthand
    "cc": "Creative Commons",
    "oup": "Oxford University Press",
    "bbb": "blood-brain barrier",
    "rcts?": "randomized trial",
    "1l|first line": "first-line",
    "2l|second line": "second-line",
    "cois?": "conflicts of interest",
    "g3/4|gr3/4|gr 3/4|g3-4": "grade 3/4",
    "1st": "first",
    "2nd": "second",
    "3rd": "third",
    "bc": "breast cancer",
    "dx": "diagnosed incident cases",
    "eve": "everolimus",
    "vin|vnr": "vinorelbine",
    "cape|cap": "capecitabine",
    "lap": "lapatinib",
    "pac|ptx": "paclitaxel",
    "doce|dtx": "docetaxel",
    "(?<![\'’])t(?![-\\w\'’])(?! stage)": "trastuzumab",  # "T + docetaxel"; not "T-DM1", "T stage", "don't"
    "ph": "phase",
    "mo|mos": "months",
    "wks?": "weeks",
    "wkly": "weekly",
    "pcr": "pathologic complete response",
    "aes?": "adverse events",
}

# The lay phrases as whole-word patterns over folded text (`qa.text.fold`), compiled once.
LAY_PATTERNS: tuple[tuple[re.Pattern, str], ...] = tuple(
    (re.compile(rf"\b(?:{lay})\b"), formal) for lay, formal in LAY_TERMS.items())

# Words that say what kind of answer is wanted but carry no topic.
GENERIC = frozenset(
    """what which who whom whose when where why how does did do is are was were kind type main
    role use used using study studies trial trials patient patients result results data report
    reported show shown according mention mentioned say says said find found name named
    effect effects level levels value values rate rates number percent percentage stand stands
    mean means meant meaning abbreviation abbreviations abbreviate abbreviated acronym short
    footnote legend table long average typical typically usual usually""".split()
)
GENERIC_TOKENS = frozenset(t for w in GENERIC for t in tokenize(w))

AROUND_CREDIT = 0.5  # a term found in the sentence's passage but not in the sentence
# A question word the text lacks still counts SOFT_CREDIT when one of the text's words is close to
# it as a word vector ("paid" ~ "funded" 0.65, "biggest" ~ "largest" 0.94, "recruit" ~ "enroll"
# 0.57; "radiotherapy" ~ "chemotherapy" 0.51 is also close, so the credit is partial).
SOFT_MATCH = 0.45
SOFT_CREDIT = 0.75
UNKNOWN_WEIGHT = 0.5  # a term the corpus never uses: no text can contain it


# "this review on beating anti-HER2 drug resistance": words that name the review, not what is asked
_REVIEW_TOPIC = re.compile(r"\b((?:this|the) (?:review|article|paper|piece|overview|manuscript)) (?:on|about|of|"
                           r"regarding|covering|discussing|dealing with) [^,?;]*?(?=\s+(?:printed|published|"
                           r"appear\w*|come out|was|is|in|by|for|and)\b|[,?;]|$)", re.I)


# words for an article's publication details ("which journal ...", "which licence ...")
PUBLICATION_WORDS = r"journal|periodical|publish\w*|publisher|printed|volume|issue|pages|doi|licen[cs]e|copyright"
_PUBLICATION = re.compile(rf"\b(?:{PUBLICATION_WORDS})\b", re.I)


def _is_name(word: str) -> bool:
    """An acronym, a code name with digits or a drug name: "EGFR", "AUY922", "lapatinib"."""
    return (word.isupper() and len(word) >= 2) or any(ch.isdigit() for ch in word) or bool(DRUG_NAME.search(word.lower()))


@lru_cache(maxsize=8192)
def token_set(text: str) -> frozenset[str]:
    """`tokenize` as a set, memoised: a passage's text is tokenized once, not once per sentence."""
    return frozenset(tokenize(text))


class KeyTerms:
    """Term statistics of a corpus and the coverage of a question's key terms by a text.

    Args:
        texts: the indexed texts (passage text plus context), for document frequencies.
        vocabulary: the words that have index-time vectors.
        word_vectors: words -> normalised vectors (`Retriever.word_vectors`).
    """

    def __init__(self, texts: list[str], vocabulary: list[str],
                 word_vectors: Callable[[list[str]], np.ndarray]):
        self._df: dict[str, int] = {}
        for text in texts:
            for t in set(tokenize(text)):
                self._df[t] = self._df.get(t, 0) + 1
        self._n = len(texts)
        self._vocabulary = frozenset(vocabulary)
        self._word_vectors = word_vectors
        self._prefixes: set[str] | None = None
        self._suffixes: frozenset[str] | None = None
        self._text_cache: dict[str, np.ndarray] = {}

    def _text_vectors(self, text: str) -> np.ndarray:
        """The vectors of a text's article words (memoised: the texts are the corpus' sentences)."""
        hit = self._text_cache.get(text)
        if hit is None:
            words = [w for w in dict.fromkeys(plain_words(text)) if w in self._vocabulary]
            hit = self._word_vectors(words)
            if len(self._text_cache) > 50000:
                self._text_cache.clear()
            self._text_cache[text] = hit
        return hit

    def in_corpus(self, token: str) -> bool:
        return token in self._df

    def in_text(self, word: str) -> bool:
        """A word (`qa.text.plain_words`) of the article's own text, not only of its bibliography."""
        return word in self._vocabulary

    def known(self, token: str) -> bool:
        """A token the corpus has, or that begins a corpus token ("nct" of "nct01132664")."""
        if token in self._df:
            return True
        if len(token) >= 3:
            if self._prefixes is None:
                self._prefixes = {t[:n] for t in self._df for n in range(3, len(t) + 1)}
            return token in self._prefixes
        return False

    def known_compound(self, word: str) -> bool:
        """A hyphenated name the corpus forms the same way: a name it has ("p95") with an ending
        it puts after names ("-positive", "-based", "-resistant"); "HER2-low" is not one."""
        parts = word.lower().split("-")
        if self._suffixes is None:
            self._suffixes = frozenset(t.rsplit("-", 1)[1] for t in self._df if "-" in t)
        head = tokenize(parts[0])
        return (len(parts) == 2 and parts[1].isalpha() and parts[1] in self._suffixes
                and bool(head) and head[0] in self._df)

    def idf(self, token: str) -> float:
        return math.log(1 + self._n / (1 + self._df.get(token, 0)))

    def key_terms(self, question: str) -> list[str]:
        """The question's topical tokens (stemmed), generic question words removed."""
        if _PUBLICATION.search(question):  # "which journal was this review on beating resistance printed in?"
            question = _REVIEW_TOPIC.sub(r"\1", question)
        return list(dict.fromkeys(t for t in tokenize(question) if t not in GENERIC_TOKENS))

    def weights(self, question: str) -> dict[str, float]:
        """Key terms with their weights: 1, or `UNKNOWN_WEIGHT` for a term the corpus lacks."""
        terms = self.key_terms(question)
        # "everolimus-plus-herceptin" says nothing its parts do not: weigh the parts only
        whole = {t for t in terms if t not in self._df and "-" in t
                 and all(p in terms or p in GENERIC_TOKENS for p in tokenize(t.replace("-", " ")))}
        return {t: 1.0 if t in self._df else UNKNOWN_WEIGHT for t in terms if t not in whole}

    @staticmethod
    def synonyms(query: str) -> dict[str, set[str]]:
        """Key terms of lay phrases in the query → the article's words for them."""
        out: dict[str, set[str]] = {}
        folded = fold(query)
        for lay, formal in LAY_PATTERNS:
            m = lay.search(folded)
            if m:
                for t in tokenize(m.group(0)):
                    out.setdefault(t, set()).update(tokenize(formal))
        return out

    def surface(self, query: str) -> dict[str, str]:
        """Each key term → the question's word for it, whose vector is computed now (in one batch)."""
        out: dict[str, str] = {}
        # a name is matched only as itself: "EGFR" is not "IGF1R", however close their vectors
        names = {w.lower() for w in re.findall(r"[A-Za-z][\w-]*", query) if _is_name(w)}
        for word in plain_words(query):
            if word in names:
                continue
            for t in tokenize(word):
                out.setdefault(t, word)
        if out:
            self._word_vectors(list(out.values()))
        return out

    def coverage(self, weights: dict[str, float], text: str, synonyms: dict[str, set[str]] | None = None,
                 around: str = "", surface: dict[str, str] | None = None, previous: str = "") -> float:
        """The idf- and `weights`-weighted share of the terms that the text contains (lay synonyms
        count); a term found only in the surrounding passage (`around`) counts `AROUND_CREDIT` ("the
        regimen" of a sentence is the paragraph's everolimus with paclitaxel); a term whose question
        word (`surface`: term -> word) is close to a word of the text counts `SOFT_CREDIT`. A number
        identifies: it counts `AROUND_CREDIT` only from the sentence just before (`previous`: "a second
        phase II study of 110 patients ... The median PFS time was 6.9 months")."""
        if not weights:
            return 0.0
        surface = surface or {}
        have, near, before = set(token_set(text)), token_set(around), token_set(previous)
        for term, alts in (synonyms or {}).items():
            if have & alts:
                have.add(term)
        total = sum(self.idf(t) * w for t, w in weights.items())
        # a number identifies ("the 112-patient study" is not the one of 110): only the text's own counts
        credit = {t: 1.0 if t in have else AROUND_CREDIT if t in (before if t.isdigit() else near) else 0.0
                  for t in weights}
        lacking = [t for t in weights if not credit[t] and t in surface]
        if lacking:
            text_vectors = self._text_vectors(text)
            if len(text_vectors):
                sims = self._word_vectors([surface[t] for t in lacking]) @ text_vectors.T
                for t, best in zip(lacking, sims.max(axis=1)):
                    if best >= SOFT_MATCH:
                        credit[t] = SOFT_CREDIT
        got = sum(self.idf(t) * w * credit[t] for t, w in weights.items())
        return got / total if total else 0.0

    def sentence_coverage(self, weights: dict[str, float], sentence: str, passage,
                          synonyms: dict[str, set[str]] | None = None,
                          surface: dict[str, str] | None = None, previous: str = "") -> float:
        """`coverage` of one sentence of a passage, judged with its section heading and, for a table
        row, table note or bibliography entry, the passage's context (headers, caption); the rest of
        the passage counts `AROUND_CREDIT`."""
        heading = passage.section_path[-1] if passage.section_path else ""
        extra = f" {passage.context}" if passage.kind in ("table_row", "table_note", "reference") else ""
        return self.coverage(weights, f"{sentence} {heading}{extra}", synonyms, around=passage.text,
                             surface=surface, previous=previous)
