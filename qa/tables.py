"""Questions about the extreme of a table's column, answered from the table itself.

"Which strain had the largest lysis-time SD?", "the domain with the lowest Cronbach's alpha",
"the enzyme with the lowest apparent Ki for MmPPOX": no sentence of the article need say which row
that is, and similarity search finds the table's rows but cannot compare their numbers. The
`TableReader` reads the question once, as part of its `qa.query.QueryAnalysis`: a word asking for
the largest or smallest value (`qa/data/table_questions.toml`), then the column the words after it
name (its header, or the long forms of the header's abbreviations the article defines: "mean lysis
time" is "MLT (min)"), in each article's tables; the row holding that column's largest or smallest
number is the `Extreme`, with the rows of the article's other tables that have the same row label
("IN71" of the strains table: its genotype). Rows that sum up the others ("Total", "Overall") are
no candidates; a column with fewer than three numbers, or whose extreme is shared, gives none, and so
do two columns the question names alike (a table's two "SD" columns).

A question may also name a row and a column: "What mean lysis time and SD did SYP028 show?", "the
Cronbach's alpha of the Handicap domain". `TableReader.named_rows` gives the rows whose label the
question writes (a name as the table writes it: "SYP028", "LipR", "Maganja da Costa"; a single plain
word only capitalised, as a name) in a table with a column the question names (two of its header's
words, or its only one); a label that four or more rows of one table share names none of them.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from qa.chunking import Passage
from qa.corpus import Document, Table
from qa.lexical import tokenize
from qa.settings import SETTINGS
from qa.terms import GENERIC_TOKENS, NEVER, data_toml

_WORDS = data_toml("table_questions.toml")
LARGEST = frozenset(_WORDS.get("largest", ()))
SMALLEST = frozenset(_WORDS.get("smallest", ()))
SUMMARY_ROWS = frozenset(_WORDS.get("summary_rows", ()))


def _either(words) -> str:
    """An alternation of the words (a pattern that never matches when there are none)."""
    return "|".join(words) or NEVER


_SUPERLATIVE = re.compile(r"(?<![\w-])(" + _either(sorted(LARGEST | SMALLEST, key=len, reverse=True)) + r")(?![\w-])",
                          re.I)
_NOT_SUPERLATIVE = re.compile(r"\d\s*min\b|\b(?:" + _either(map(re.escape, _WORDS.get("not_superlative", ()))) + r")\b",
                              re.I)
_PHRASE_END = re.compile(r"[,;:?!()]|\s(?:" + _either(map(re.escape, _WORDS.get("phrase_ends", ()))) + r")\s", re.I)
_NUMBER = re.compile(r"^\s*[~≈]?\s*(-?\d+(?:[.,]\d+)?)")
_PREPOSITION = re.compile(r"\s(?:" + _either(map(re.escape, _WORDS.get("prepositions", ()))) + r")\s", re.I)
PHRASE_WORDS = SETTINGS.tables.phrase_words  # words after the superlative that may name the column
_FIRST_WORD = re.compile(r"[^\W_][\w-]*")
SHARED_LABEL_ROWS = SETTINGS.tables.shared_label_rows  # a label this many rows of one table share names no one row


@dataclass(frozen=True)
class Extreme:
    """The row of an article's table holding the largest or smallest value of the column asked for."""

    row: Passage  # the table row, as indexed
    table: str  # "Table 1"
    column: str  # the header, as the table writes it
    value: str  # the cell, as written
    largest: bool
    linked: tuple[Passage, ...] = ()  # rows of the article's other tables with the same row label


def is_superlative(word: str) -> bool:
    """A word asking for a column's largest or smallest value ("lowest", "biggest")."""
    return bool(_SUPERLATIVE.fullmatch(word))


def with_superlative(question: str, word: str) -> str | None:
    """The question asking for another extreme: its superlative replaced by `word` ("Which strain had
    the largest SD?" -> "... the smallest SD?"), or None when it asks for none."""
    masked = _NOT_SUPERLATIVE.sub(lambda m: "\0" * len(m.group(0)), question)
    m = _SUPERLATIVE.search(masked)
    return f"{question[:m.start()]}{word}{question[m.end():]}" if m else None


def superlative(question: str) -> tuple[bool, str] | None:
    """(True for the largest, the words after it) when the question asks for a column's extreme."""
    masked = _NOT_SUPERLATIVE.sub(" ", question)
    m = _SUPERLATIVE.search(masked)
    if not m:
        return None
    rest = masked[m.end():]
    end = _PHRASE_END.search(rest)
    phrase = " ".join((rest[:end.start()] if end else rest).split()[:PHRASE_WORDS])
    return m.group(1).lower() in LARGEST, phrase


def _value(cell: str) -> float | None:
    m = _NUMBER.match(cell)
    if not m or re.match(r"\s*[<>≤≥]", cell):
        return None  # "<10", ">500": a bound, not a value
    return float(m.group(1).replace(",", "."))


def _own_rows(table: Table, rows: list[Passage]) -> list[Passage]:
    """The indexed rows of one table of an article, of its rows as indexed ("Table 2, IN56: ...")."""
    return [p for p in rows if p.text.startswith((f"{table.label},", f"{table.label}:"))]


class TableReader:
    """Finds the row a superlative question asks about, in the tables of the corpus' articles.

    Args:
        documents: the parsed articles (their `tables`).
        passages: the indexed passages (the table rows among them are what an answer quotes).
        glossary: the corpus' abbreviations and their long forms.
    """

    def __init__(self, documents: Sequence[Document], passages: Sequence[Passage], glossary: Mapping[str, str]):
        self._glossary = glossary
        rows: dict[str, list[Passage]] = {}
        for p in passages:
            if p.kind == "table_row":
                rows.setdefault(p.doc_id, []).append(p)
        # each table with its rows as indexed, its caption's and headers' words, and each column's
        # words and the long forms of its abbreviations (read once, not per question)
        self._tables = [(d.doc_id, t, rows.get(d.doc_id, []), set(tokenize(f"{t.label} {t.caption}")),
                         set(tokenize(" ".join(t.headers))), [self._column_words(h) for h in t.headers])
                        for d in documents for t in d.tables if len(t.rows) >= 3 and len(t.headers) >= 2]
        # each label's first word -> (order, its words, its pattern, the table's column words, the row)
        self._labels: dict[str, list[tuple[int, set[str], re.Pattern, list[tuple[set[str], set[str], set[str]]],
                                           Passage]]] = {}
        order = itertools.count()
        for doc_id, table, rows, _, _, columns in self._tables:
            # each column's words without its units ("SD" of "SD (min)") beside its words and long forms
            bare = [(own, long_forms, set(tokenize(re.sub(r"\s*\(.*?\)", " ", h))) or own)
                    for (own, long_forms), h in zip(columns, table.headers)]
            own = _own_rows(table, rows)
            found: dict[str, list[Passage]] = {}
            for cells in table.rows:
                label = cells[0].strip() if cells else ""
                row = next((p for p in own
                            if label and re.search(rf"[,:·]\s*{re.escape(label)}(?::|\s[|·])", p.text)), None)
                if row is None or label.split()[0].lower().strip(".:") in SUMMARY_ROWS:
                    continue
                # "SYP028 (5)a" -> "SYP028", "LipH [20]" -> "LipH", "Jerusalem/phase I" -> "Jerusalem", "phase I"
                key = re.sub(r"\s*[(\[][^)\]]*[)\]]\w?", "", label).strip()
                for part in (x.strip() for x in key.split("/")):
                    if len(part) >= 2 and not part.isdigit():
                        found.setdefault(part, []).append(row)
            for part, named in found.items():
                if len(named) >= SHARED_LABEL_ROWS:
                    continue
                if not part[0].isupper() and not part[0].isdigit():
                    continue  # "females", "phase Ib" (of "Andre/phase Ib"): no name
                # a plain capitalised word ("Handicap", "Mopeia") only as the question capitalises it
                plain = part[0].isupper() and part[1:].islower() and " " not in part
                pattern = re.compile(rf"(?<![\w-]){re.escape(part)}(?![\w-])", 0 if plain else re.I)
                first = _FIRST_WORD.match(part.lower())
                if first:  # looked up by the label's first word, so a question reads only its own candidates
                    self._labels.setdefault(first.group(0), []).extend(
                        (next(order), set(tokenize(part)), pattern, bare, row) for row in dict.fromkeys(named))

    def read(self, question: str) -> tuple[Extreme, ...]:
        """One `Extreme` per article whose table has the column the question asks the extreme of."""
        if not self._tables:
            return ()
        asked = superlative(question)
        if asked is None:
            return ()
        largest, phrase = asked
        wanted = set(tokenize(phrase))
        # the phrase's head noun, before any preposition: "coefficient" of "coefficient of variation
        # of lysis time", "time" of "mean lysis time in the table", "SD" of "lysis-time SD"
        head = tokenize(_PREPOSITION.split(phrase, 1)[0].split()[-1]) if phrase.split() else []
        if not wanted or not head:
            return ()
        words = set(tokenize(question))
        best: dict[str, tuple[tuple[float, float, float], Table, int, list[Passage]]] = {}
        tied: set[str] = set()
        for doc_id, table, rows, caption, headers, columns in self._tables:
            for j in range(1, len(table.headers)):
                own, long_forms = columns[j]
                # how many words of the header the phrase writes, and of its abbreviations' long forms
                direct, expanded = len(own & wanted), len((long_forms - own) & wanted)
                if not direct and expanded < 2 or not set(head) & (own | long_forms):
                    continue  # the column must be what the phrase's head names
                # the header's own words first ("lysis-time SD" is the SD column, not the mean lysis
                # time's), then its long forms; the question's other words choose between tables and
                # columns ("for MmPPOX", "strain")
                score = (direct, expanded, len(words & (headers | own)) + 0.5 * len(words & caption))
                if doc_id not in best or score > best[doc_id][0]:
                    best[doc_id] = (score, table, j, rows)
                    tied.discard(doc_id)
                elif score == best[doc_id][0]:
                    tied.add(doc_id)  # two columns the question names alike ("SD" twice): which one?
        out = []
        for doc_id, (_, table, j, rows) in best.items():
            if doc_id in tied:
                continue
            extreme = self._extreme(doc_id, table, j, rows, largest)
            if extreme is not None:
                out.append(extreme)
        return tuple(out)

    def named_rows(self, question: str) -> tuple[Passage, ...]:
        """The table rows whose label the question writes, in tables with a column it names (two of
        the header's words, units aside, or its only one; or two words of the long forms of its
        abbreviations)."""
        words = set(tokenize(question))
        out: list[Passage] = []
        candidates = sorted((x for w in dict.fromkeys(_FIRST_WORD.findall(question.lower()))
                             for x in self._labels.get(w, ())), key=lambda x: x[0])  # in the tables' order
        for _, label, pattern, columns, row in candidates:
            if row in out or not pattern.search(question):
                continue
            asked = words - label - GENERIC_TOKENS  # "study", "value": no column's word
            # two of the header's words (its only one: "SD", "ICC"), or two of its long forms: not the
            # one word "activity" of "Activity on pNPC4" for "phospholipase activity"
            if any(bare and len(bare & asked) >= min(2, len(bare)) or len((long_forms - own) & asked) >= 2
                   for own, long_forms, bare in columns[1:]):
                out.append(row)
        return tuple(out)

    def _column_words(self, header: str) -> tuple[set[str], set[str]]:
        """A header's words, and the words of the long forms of its abbreviations ("mean lysis time"
        of "MLT (min)")."""
        long_forms: set[str] = set()
        for word in re.findall(r"[A-Za-z][\w'’-]*", header):
            if word in self._glossary:
                long_forms |= set(tokenize(re.sub(r"\s*\(.*?\)", "", self._glossary[word])))
        return set(tokenize(header)), long_forms

    def _extreme(self, doc_id: str, table: Table, j: int, rows: list[Passage], largest: bool) -> Extreme | None:
        values = []
        for cells in table.rows:
            if j >= len(cells) or not cells[0].strip():
                continue
            label = cells[0].strip()
            if label.split()[0].lower().strip(".:") in SUMMARY_ROWS:
                continue
            v = _value(cells[j])
            if v is not None:
                values.append((v, label, cells[j]))
        if len(values) < 3:
            return None
        top = max(v for v, _, _ in values) if largest else min(v for v, _, _ in values)
        winners = [(label, cell) for v, label, cell in values if v == top]
        if len(winners) != 1:
            return None  # shared: no one row is the answer
        label, cell = winners[0]
        own = _own_rows(table, rows)
        row = next((p for p in own if label in p.text and cell.strip() in p.text), None)
        if row is None:
            return None
        key = re.sub(r"\s*\([^)]*\)\s*$", "", label)  # "Functional limitation (9)", "IN56 (WT)"
        # "Table 3, IN71 · MC4100 ...", "Table 2: IN71 | ..." (the JATS and the PMC text renderings)
        linked = tuple(p for p in rows if p not in own and re.match(
            rf"[^,:]+[,:]\s*{re.escape(key)}(?![\w])(?!\s+[a-z])", p.text))
        return Extreme(row, table.label, table.headers[j], cell.strip(), largest, linked[:3])
