"""Parse PubMed Central open-access plain-text articles into their real structure.

A PMC text file has three parts, `==== Front`, `==== Body` and `==== Refs`. The front block runs the
journal, DOI, title, authors and licence together without separators, followed by the structured
abstract and a keyword line; the body has lowercase heading lines, paragraphs, tables as
tab-separated lines (with group rows, continuation rows and a legend) and figure captions glued to the
end of paragraphs; the references are numbered lines ending with a PMID.

Every block keeps its character span in the original text, so a passage can be shown in place.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from qa.errors import CorpusError
from qa.text import fold

FRONT, BODY, REFS = "==== Front", "==== Body", "==== Refs"

ABSTRACT_LABELS = (
    "Background", "Objective", "Objectives", "Purpose", "Aims", "Design", "Methods",
    "Patients and methods", "Materials and methods", "Results", "Conclusion", "Conclusions",
)
TOP_LEVEL_HEADINGS = frozenset({
    "introduction", "background", "methods", "materials and methods", "patients and methods",
    "results", "discussion", "conclusion", "conclusions", "summary", "funding", "disclosure",
    "acknowledgements", "acknowledgments", "conflict of interest", "references",
})

# NLM abbreviations of journals, to split "title journal year" reference strings that PMC runs
# together. Unknown journals fall back to a heuristic (see `_split_title_journal`).
KNOWN_JOURNALS = (
    "Int J Cancer", "Breast Cancer Res Treat", "Breast Cancer Res", "Br J Cancer", "Breast Cancer",
    "J Clin Oncol", "Int J Clin Oncol", "J Cancer Res Clin Oncol", "Ann Oncol", "Ann Clin Oncol", "Cancer Res", "Clin Cancer Res", "Cancer Cell",
    "Cancer Chemother Pharmacol", "Oncologist", "Oncogene", "Anticancer Res", "Anticancer Drugs",
    "Proc Natl Acad Sci USA", "Proc Natl Acad Sci U S A", "N Engl J Med", "Lancet", "Lancet Oncol",
    "JAMA", "Nat Med", "Nat Rev Cancer", "Nat Rev Drug Discov", "Nat Rev Clin Oncol", "Nature",
    "Science", "Cell", "J Natl Cancer Inst", "Clin Breast Cancer", "BMC Cancer", "PLoS One",
    "PLoS Biol", "PLoS Med", "Mol Cancer Ther", "Mol Cancer", "Eur J Cancer", "Cell Signal",
    "Cancer", "Cancer Treat Rev", "J Biol Chem", "Cancer Lett", "Endocr Relat Cancer",
    "Int J Oncol", "Oncol Rep", "Oncology", "Curr Opin Oncol", "Expert Opin Investig Drugs",
    "Cancer Biol Ther", "Clin Cancer Res Suppl", "Invest New Drugs", "Br J Clin Pharmacol",
)

# an in-text citation marker ("[72]", "[13–15]", "[57, 60–64]"); group 1 holds its numbers
CITATION_MARKER = re.compile(r"\[(\d+(?:\s*[\u2013\u2014-]\s*\d+)?(?:\s*,\s*\d+(?:\s*[\u2013\u2014-]\s*\d+)?)*)\]")
_CAPTION = re.compile(r"(?<=[.\]\)])((?:Figure|Fig\.|Table)\s*\d+[.:]*\s+[A-Z])")
_CAPTION_LINE = re.compile(r"^(?:Figure|Fig\.|Table)\s*\d+[.:]*\s+\S")
_DOI = re.compile(r"(?<![\d.])10\.\d{4,9}/\S+")
_ISSN = re.compile(r"\d{4}-\d{3}[\dX]")
_AUTHOR = re.compile(
    r"(?P<surname>[A-Z][A-Za-z'\u2019-]+(?: [A-Z][A-Za-z'\u2019-]+)*) ?"
    r"(?P<initials>(?:[A-Z]\. ?)+)(?P<aff>[\d ]*)\*?"
)
_PAGINATION = re.compile(r"[A-Z]?\d+[a-z]?|doi:\S+|[a-z]{1,4}\d+|Suppl|[ivxl]+|abstr|e\d+|\(\d+\)")
_MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
_LEGEND_ITEM = re.compile(r"^\s*([A-Za-z0-9][\w/\-+ ]{0,14}?), (.+?)\s*$")


@dataclass(frozen=True)
class Reference:
    """One numbered bibliography entry."""

    number: int
    authors: tuple[str, ...]
    title: str
    journal: str
    year: int | None
    pmid: str | None
    text: str  # the entry as printed, without its number
    doi: str = ""

    def short(self) -> str:
        """A one-line citation: "Andre F et al., J Clin Oncol 2010, PMID 20975068"."""
        who = self.authors[0] if self.authors else self.title[:60]
        if len(self.authors) > 1:
            who += " et al."
        parts = [who]
        venue = " ".join(p for p in (self.journal, str(self.year) if self.year else "") if p)
        if venue:
            parts.append(venue)
        if self.pmid:
            parts.append(f"PMID {self.pmid}")
        return ", ".join(parts)


@dataclass(frozen=True)
class Section:
    """A heading and where its text (children included) lies in the original file.

    `title` and `path` are the parser's names, which retrieval matches (an abstract's labels
    lower-cased: "results"); `written` is the heading as the article writes it ("Results") where it
    differs from `title`."""

    title: str
    path: tuple[str, ...]
    start: int
    end: int
    written: str = ""

    @property
    def level(self) -> int:
        return len(self.path)

    @property
    def heading(self) -> str:
        """The heading as the article writes it (for display; `title` is what is matched)."""
        return self.written or self.title


@dataclass(frozen=True)
class Block:
    """A unit of text that makes sense alone: a paragraph, table row, caption, reference, ...

    `text` is what users see. For paragraphs it is exactly `document.text[start:end]`; for table rows
    it is the row rebuilt with its table and group name, the span covering the row's lines.
    """

    kind: str  # front | abstract | keywords | paragraph | table_row | table_caption | table_note
    #            | figure_caption | reference
    section: tuple[str, ...]
    text: str
    start: int
    end: int
    refs: tuple[int, ...] = ()
    context: str = ""  # extra text for retrieval only (table headers, caption, expanded abbreviations)


@dataclass(frozen=True)
class Table:
    """A table as the article lays it out: one header per column (multi-row headers joined with
    " · "), body rows as cells (spans repeated over the cells they cover), the footer notes."""

    label: str
    caption: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Figure:
    """A figure's label and caption."""

    label: str
    caption: str


@dataclass(frozen=True)
class Document:
    """A parsed article.

    `text` is the article as one text (the PMC text file itself, or the rendering of a JATS file);
    every block and section holds its span in it. `citations` lists where in-text citations sit
    (start, end, reference numbers) when the source marks them (JATS xrefs); otherwise they are read
    from bracketed numbers.
    """

    doc_id: str
    path: str
    text: str
    sha256: str
    title: str
    journal: str
    authors: tuple[str, ...]
    doi: str
    year: int | None
    abstract: dict[str, str]
    keywords: tuple[str, ...]
    sections: tuple[Section, ...]
    blocks: tuple[Block, ...]
    references: dict[int, Reference]
    glossary: dict[str, str] = field(default_factory=dict)
    pmid: str = ""
    pmcid: str = ""
    license: str = ""
    article_type: str = "article"  # "review", "research-article", ...
    journal_abbrev: str = ""
    tables: tuple[Table, ...] = ()
    figures: tuple[Figure, ...] = ()
    warnings: tuple[str, ...] = ()
    citations: tuple[tuple[int, int, tuple[int, ...]], ...] | None = None
    format: str = "pmc-text"
    affiliations: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def id(self) -> str:
        return self.doc_id

    @property
    def is_review(self) -> bool:
        return self.article_type == "review"

    def short_citation(self) -> str:
        """"Sharial MSN et al., Ann Oncol 2012": first author, journal abbreviation, year."""
        who = _short_author(self.authors[0]) if self.authors else (self.title[:40] or self.doc_id)
        if len(self.authors) > 1:
            who += " et al."
        venue = " ".join(x for x in (self.journal_abbrev or self.journal,
                                     str(self.year) if self.year else "") if x)
        return f"{who}, {venue}" if venue else who

    def refs_in(self, text: str, start: int | None = None, end: int | None = None) -> tuple[int, ...]:
        """The reference numbers cited in `text`, which lies at [start, end) of `self.text` when given."""
        if self.citations is not None and start is not None and end is not None:
            out: list[int] = []
            for s, e, nums in self.citations:
                if s >= start and e <= end:
                    out.extend(n for n in nums if n in self.references)
            return tuple(dict.fromkeys(out))
        return citations_in(text, set(self.references))

    def section(self, path: tuple[str, ...] | str) -> Section:
        """The section with this heading path (a tuple, or its " > "-joined text)."""
        key = tuple(path.split(" > ")) if isinstance(path, str) else tuple(path)
        for s in self.sections:
            if s.path == key:
                return s
        raise KeyError(f"no section {' > '.join(key)!r} in {self.doc_id}")


# --------------------------------------------------------------------------- citations


def expand_citation(marker: str) -> tuple[int, ...]:
    """Numbers in a citation marker body: "71–76" → 71..76, "6, 23" → 6, 23, "57, 60–64"."""
    out: list[int] = []
    for part in marker.split(","):
        part = part.strip()
        m = re.fullmatch(r"(\d+)\s*[\u2013\u2014-]\s*(\d+)", part)
        if m:
            a, b = int(m.group(1)), int(m.group(2))
            if a <= b and b - a < 200:
                out.extend(range(a, b + 1))
                continue
        if part.isdigit():
            out.append(int(part))
    return tuple(dict.fromkeys(out))


def citations_in(text: str, known: set[int] | None = None) -> tuple[int, ...]:
    """Every reference number cited by markers in `text`, in order of first appearance."""
    out: list[int] = []
    for m in CITATION_MARKER.finditer(text):
        out.extend(n for n in expand_citation(m.group(1)) if known is None or n in known)
    return tuple(dict.fromkeys(out))


# --------------------------------------------------------------------------- glossary


def _schwartz_hearst(short: str, before: str) -> str | None:
    """The long form of `short` at the end of `before` (Schwartz & Hearst 2003), or None."""
    words = before.split()[-min(len(short) + 5, len(short) * 2 + 2):]
    cand = " ".join(words)
    s, l = len(short) - 1, len(cand) - 1
    while s >= 0:
        c = short[s].lower()
        if not c.isalnum():
            s -= 1
            continue
        while l >= 0 and (cand[l].lower() != c or (s == 0 and l > 0 and cand[l - 1].isalnum())):
            l -= 1
        if l < 0:
            return None
        s -= 1
        l -= 1
    long_form = cand[l + 1:].strip(" ,;")
    if len(long_form) <= len(short) or not long_form[0].isalnum():
        return None
    return long_form


def find_abbreviations(text: str) -> dict[str, str]:
    """Definitions written as "long form (SHORT)" in running text, and as "SHORT (long form)"
    ("standard LB (lysogeny broth [55])"), the two forms of Schwartz & Hearst (2003)."""
    out: dict[str, str] = {}
    for m in re.finditer(r"(?<![\w-])([A-Za-z][A-Za-z0-9\-/]{0,9})\s+\(([^()\[\]]{4,80})(?:\s*\[[^\]]*\])?\)", text):
        short, inside = m.group(1), m.group(2).strip(" ,;")
        if sum(ch.isupper() for ch in short) < 1 or len(inside.split()) < 2 or len(inside) <= len(short) \
                or not inside[0].isalpha():
            continue
        long_form = _schwartz_hearst(short, inside)
        # the whole parenthesis spells the short form out, from its first word on
        if long_form == inside and long_form[0].lower() == short[0].lower() and short not in out:
            out[short] = long_form
    for m in re.finditer(r"\(([A-Za-z][A-Za-z0-9\-/]{0,10})\)", text):
        short = m.group(1)
        if sum(ch.isupper() for ch in short) < 1 or short.lower() in {"i", "ii", "iii", "iv"}:
            continue
        before = text[max(0, m.start() - 200):m.start()]
        before = re.split(r"[.;:(\[]\s", before)[-1]
        long_form = _schwartz_hearst(short, before)
        if long_form and short not in out:
            out[short] = long_form
    return out


def parse_legend(text: str) -> dict[str, str]:
    """Definitions in a table legend: "CBR, clinical benefit rate (CR + PR + SD); CR, complete ..."."""
    out: dict[str, str] = {}
    for item in text.rstrip(" .").split(";"):
        m = _LEGEND_ITEM.match(item)
        if m and len(m.group(1).split()) <= 2:
            out[m.group(1).strip()] = m.group(2).strip()
    return out


def _is_legend(line: str) -> bool:
    return len(parse_legend(line)) >= 2 and line.count(";") >= 1


# --------------------------------------------------------------------------- references


def _split_title_journal(s: str) -> tuple[str, str]:
    for j in sorted(KNOWN_JOURNALS, key=len, reverse=True):
        if s.endswith(" " + j) or s.endswith(" " + j + "."):
            return s[: -len(j) - (2 if s.endswith(".") else 1)].strip(), j
    # Fallback: the longest run of abbreviation-like capitalised tokens before the year.
    toks = s.split()
    k = len(toks)
    while k > 1 and re.fullmatch(r"[A-Z][A-Za-z]{0,11}\.?|USA|&", toks[k - 1]) and len(toks) - k < 6:
        k -= 1
    return " ".join(toks[:k]), " ".join(toks[k:])


def parse_reference(line: str) -> Reference | None:
    """Parse "71 Andre F  Campone M  O'Regan R    Phase I study ... J Clin Oncol 2010 28 5110 5115 20975068"."""
    m = re.match(r"\s*(\d+)\s+(.*\S)\s*$", line)
    if not m:
        return None
    number, rest = int(m.group(1)), m.group(2)
    pmid = None
    pm = re.search(r"\s(\d{7,8})$", rest)
    if pm:
        pmid = pm.group(1)
    parts = re.split(r"\s{3,}", rest, maxsplit=1)
    if len(parts) == 2:
        authors = tuple(a.strip() for a in re.split(r"\s{2}", parts[0]) if a.strip())
        body = parts[1]
    else:  # corporate author or no author list
        authors, body = (), rest
    if pmid:
        body = body[: body.rfind(pmid)].strip()
    years = re.findall(r"(?<![\d\u2013-])((?:19|20)\d{2})(?![\d\u2013-])", body)
    year = int(years[-1]) if years else None
    title, journal = body, ""
    if years:
        pres = re.search(r"\s(Presented at .*)$", body)
        if pres:
            title = body[: pres.start()].strip()
            journal = re.split(rf"\s{_MONTH}\b", pres.group(1))[0].strip()
            # strip a bare year left at the end of a presentation title ("... cancer 2010")
            title = re.sub(r"\s(?:19|20)\d{2}$", "", title)
        else:
            # title+journal run before the first year that is followed only by volume/pages
            first = None
            for cand in re.finditer(r"\s((?:19|20)\d{2})(?=\s|$)", body):
                tail = body[cand.end():]
                if all(_PAGINATION.fullmatch(t) for t in tail.split()) and len(tail.split()) <= 8:
                    first = cand
                    break
            if first:
                year = int(first.group(1))
                head = body[: first.start()].strip()
                head = re.sub(r"\s*\[abstract\]", "", head)
                title, journal = _split_title_journal(head)
    return Reference(number, authors, title.strip(), journal.strip(), year, pmid, rest)


# --------------------------------------------------------------------------- front matter


def _short_author(name: str) -> str:
    """"Sharial M.S.N." -> "Sharial MSN"; a name without initials stays as it is."""
    m = re.fullmatch(r"(.*?)\s+((?:[A-Z][a-z]?\.?-? ?)+)", name.strip())
    if not m:
        return name
    return f"{m.group(1)} {re.sub(r'[^A-Za-z]', '', m.group(2))}"


def _author_name(m: re.Match) -> str:
    """"Hennessy B.T." from an `_AUTHOR` match of "Hennessy B. T. 12"."""
    return f"{m.group('surname')} {m.group('initials').replace(' ', '')}".strip()


def _parse_front(front: str) -> tuple[str, str, str, tuple[str, ...], int | None]:
    """(journal, doi, title, authors, year) from the run-together front block."""
    journal = ""
    issn = _ISSN.search(front)
    if issn:
        jm = None
        for jm in re.finditer(r"(?<=[a-z.])([A-Z][a-z]+(?: [A-Za-z&]+)*)(?=$)", front[: issn.start()]):
            pass
        if jm:
            journal = jm.group(1)
    doi, after_doi = "", front
    dm = _DOI.search(front)
    if dm:
        token = dm.group(0)
        prefix, _, last = token.rpartition("/")
        # PMC puts the publisher id right after the DOI: "…/mds200mds200Reviews…"
        cut = None
        for i in range(1, len(last) // 2 + 1):
            if last[i:].startswith(last[:i]) and re.search(r"\d", last[:i]):
                cut = i
                break
        if cut is None:
            cm = re.search(r"(?<=[0-9a-z])(?=[A-Z][a-z])", last)
            cut = cm.start() if cm else len(last)
        doi = f"{prefix}/{last[:cut]}"
        rest_of_token = last[2 * cut:] if last[cut:].startswith(last[:cut]) else last[cut:]
        after_doi = rest_of_token + front[dm.end():]
    # Subject ("Reviews") glued to the title: the title starts after the first lower→Upper joint.
    jm = re.search(r"[a-z](?=[A-Z])", after_doi)
    title_part = after_doi[jm.end():] if jm else after_doi
    am = _AUTHOR.search(title_part)
    title = title_part[: am.start()].strip() if am else title_part.strip()
    authors: list[str] = []
    pos = am.start() if am else len(title_part)
    while True:
        m = _AUTHOR.match(title_part, pos)
        if not m:
            break
        authors.append(_author_name(m))
        pos = m.end()
    year = None
    cm = re.search(r"©\s*(?:The Authors?\s*)?((?:19|20)\d{2})", front)
    if cm:
        year = int(cm.group(1))
    return journal, doi, title, tuple(authors), year


def _affiliations(front: str) -> list[tuple[str, tuple[str, ...]]]:
    """Each author with the institutions their affiliation numbers point to, from the front block's
    "Surname I. N. 12Other I. 3…1 Department …, Dublin2 Hospital, Town3 …* Correspondence" run."""
    authors: list[tuple[str, str]] = []
    pos = None
    for m in _AUTHOR.finditer(front):
        if pos is not None and m.start() != pos:
            break
        if pos is None and not m.group("aff").strip():
            continue
        authors.append((_author_name(m), m.group("aff").replace(" ", "")))
        pos = m.end()
    if pos is None:
        return []
    block = re.split(r"\*?\s*Correspondence to:", front[pos:])[0]
    numbers = sorted({d for _, aff in authors for d in aff})
    places: dict[str, str] = {}
    for i, n in enumerate(numbers):
        nxt = numbers[i + 1] if i + 1 < len(numbers) else None
        m = re.search(rf"(?<!\d){n}\s*([A-Z].*?)" + (rf"(?={nxt}\s*[A-Z])" if nxt else r"\*?$"), block)
        if m:
            places[n] = m.group(1).strip().rstrip("*").strip()
    return [(name, tuple(places[d] for d in aff if d in places)) for name, aff in authors if aff]


def _issue(front: str) -> str:
    """"volume 23, issue 12, pages 3007–3016" from the run of dates and numbers after the e-mail."""
    m = re.search(r"(?<!\d)(\d{1,3}) (\d{1,2}) (\d{1,6}) (\d{1,6}) \d{1,2} \d{1,2} (?:19|20)\d\d", front)
    return f"volume {m.group(1)}, issue {m.group(2)}, pages {m.group(3)}–{m.group(4)}" if m else ""


def _split_keywords(run: str, vocabulary: str) -> tuple[str, ...]:
    """Split a keyword line PMC runs together ("breast cancereverolimusHER2") using the article's words."""
    # the article's phrases of up to six words, as a set: one pass over the text (linear time)
    toks = re.findall(r"[a-z0-9]+(?:[^a-z0-9\s][a-z0-9]+)*", fold(vocabulary))
    phrases = {" ".join(toks[i:i + k]) for k in range(1, 7) for i in range(len(toks) - k + 1)}
    n = len(run)
    best: list[tuple[int, int] | None] = [None] * (n + 1)  # (pieces, prev)
    best[0] = (0, -1)
    for i in range(n):
        if best[i] is None:
            continue
        for j in range(i + 2, min(n, i + 60) + 1):  # a keyword is a phrase, not a paragraph
            piece = run[i:j].strip()
            if not piece or run[i] == " " or (j < n and run[j - 1] == " "):
                continue
            folded = " ".join(fold(piece).split())
            if folded in phrases:
                cand = (best[i][0] + 1, i)
                if best[j] is None or cand[0] < best[j][0]:
                    best[j] = cand
    if best[n] is None:
        return (run,)
    out, j = [], n
    while j > 0:
        i = best[j][1]
        out.append(run[i:j].strip())
        j = i
    return tuple(reversed(out))


# --------------------------------------------------------------------------- body


@dataclass
class _Line:
    text: str
    start: int

    @property
    def end(self) -> int:
        return self.start + len(self.text)


def _lines(text: str, start: int, end: int) -> list[_Line]:
    out, pos = [], start
    for raw in text[start:end].split("\n"):
        out.append(_Line(raw, pos))
        pos += len(raw) + 1
    return out


def _is_heading(line: str, next_nonblank: str | None) -> bool:
    s = line.strip()
    return (
        bool(s)
        and "\t" not in line
        and len(s) <= 150
        and not s.endswith((".", ";", ","))
        and next_nonblank is not None
        and not _is_legend(s)
        and not re.match(r"(?:Table|Figure|Fig\.)\s*\d", s)
        and len(s.split()) <= 14  # a paragraph without its final full stop is no heading
        and not re.search(r"[a-z]{2}\. [A-Z]", s)
    )


class _TableBuilder:
    """Turns tab-separated table lines into self-contained rows."""

    def __init__(self, label: str, caption: str, section: tuple[str, ...]):
        self.label, self.caption, self.section = label, caption, section
        self.header: list[str] | None = None
        self.group = ""
        self.rows: list[dict] = []

    def add(self, line: _Line) -> None:
        cells = [c.strip() for c in line.text.split("\t")]
        while cells and not cells[-1]:
            cells.pop()
        if not cells:
            return
        if self.header is None:
            self.header = cells
            return
        starts_with_space = line.text.startswith((" ", "\u00a0"))
        last = self.rows[-1] if self.rows else None
        if len(cells) == 1:
            if last is not None and not last["continued"] and len(self.header) < 5:
                last["cells"].append(cells[0])
                last["continued"] = True
                last["end"] = line.end
            else:
                self.group = cells[0]
            return
        if len(cells) < len(self.header) and not starts_with_space and last is not None:
            cells = [last["cells"][0], *cells]  # a further trial of the same agent
        self.rows.append({"cells": cells, "group": self.group, "start": line.start,
                          "end": line.end, "continued": len(cells) > len(self.header)})

    def table(self) -> Table:
        """The table as parsed: its header cells and each row's cells (`Document.tables`)."""
        return Table(self.label, self.caption, tuple(self.header or ()),
                     tuple(tuple(row["cells"]) for row in self.rows))

    def blocks(self, glossary: dict[str, str], known_refs: set[int]) -> list[Block]:
        out = []
        header = self.header or []
        for row in self.rows:
            cells = row["cells"]
            where = f"{self.label}, {row['group']}" if row["group"] else self.label
            text = f"{where}: " + " | ".join(cells)
            labelled = "; ".join(
                f"{header[i] if i < len(header) else header[-1] if header else ''}: {c}"
                for i, c in enumerate(cells)
            )
            expansions = sorted({f"{a} = {glossary[a]}" for a in re.findall(r"[A-Za-z][A-Za-z0-9]*", text)
                                 if a in glossary})
            context = f"{self.label}. {self.caption}. {labelled}. " + "; ".join(expansions)
            out.append(Block("table_row", self.section, text, row["start"], row["end"],
                             citations_in(text, known_refs), context))
        return out


def _parse_body(text: str, start: int, end: int, known_refs: set[int]) -> tuple[
        list[Block], list[Section], dict[str, str], list[Table]]:
    lines = _lines(text, start, end)
    nonblank = [i for i, ln in enumerate(lines) if ln.text.strip()]
    next_nb = {a: (lines[b].text if k + 1 < len(nonblank) else None)
               for k, (a, b) in enumerate(zip(nonblank, nonblank[1:] + [None])) if b is not None}
    blocks: list[Block] = []
    headings: list[tuple[tuple[str, ...], int]] = []  # (path, start offset)
    glossary: dict[str, str] = {}
    path: tuple[str, ...] = ()
    open_parent: str | None = None
    pending_table: tuple[str, str] | None = None
    table: _TableBuilder | None = None
    tables: list[Table] = []
    after_table = False
    i = 0
    while i < len(lines):
        ln = lines[i]
        s = ln.text.strip()
        if not s:
            if table is not None and not after_table:
                after_table = True
            i += 1
            continue
        if "\t" in ln.text and (table is not None or pending_table is not None):
            if table is None:
                label, caption = pending_table  # type: ignore[misc]
                table = _TableBuilder(label, caption, path)
                pending_table = None
                after_table = False
            table.add(ln)
            i += 1
            continue
        if table is not None:
            # notes and legends that follow a table belong to it
            if _is_legend(s) or s.startswith(("NB", "Note", "*", "a ", "b ")) or not after_table:
                legend = parse_legend(s) if _is_legend(s) else {}
                glossary.update({k: v for k, v in legend.items() if k not in glossary})
                blocks.append(Block("table_note", path, s, ln.start + ln.text.index(s[0]),
                                    ln.start + ln.text.index(s[0]) + len(s), (),
                                    f"{table.label}. {table.caption}"))
                i += 1
                continue
            blocks.extend(table.blocks(glossary, known_refs))
            tables.append(table.table())
            table = None
        nxt = next_nb.get(i)
        if _is_heading(ln.text, nxt):
            title = s
            is_parent_marked = ":" in title
            next_is_heading = nxt is not None and _is_heading(nxt, "x") and "\t" not in nxt
            if title.lower() in TOP_LEVEL_HEADINGS or is_parent_marked or open_parent is None:
                path = (title,)
                open_parent = title if (is_parent_marked or next_is_heading) else None
            else:
                path = (open_parent, title)
            headings.append((path, ln.start))
            i += 1
            continue
        # a paragraph, perhaps with a figure or table caption glued to its end
        para_start = ln.start + (len(ln.text) - len(ln.text.lstrip()))
        para = ln.text.strip()
        cap = _CAPTION.search(para) or _CAPTION_LINE.match(para)
        body_text = para[: cap.start()] if cap else para
        if body_text:
            kind = "paragraph"
            blocks.append(Block(kind, path, body_text, para_start, para_start + len(body_text),
                                citations_in(body_text, known_refs)))
            for k, v in find_abbreviations(body_text).items():
                glossary.setdefault(k, v)
        if cap:
            cap_text = para[cap.start():]
            cap_start = para_start + cap.start()
            m = re.match(r"(Figure|Fig\.|Table)\s*(\d+)[.:]*\s+(.*)$", cap_text, re.S)
            if m and m.group(1) == "Table":
                pending_table = (f"Table {m.group(2)}", m.group(3).strip().rstrip("."))
                blocks.append(Block("table_caption", path, cap_text, cap_start,
                                    cap_start + len(cap_text), ()))
            else:
                blocks.append(Block("figure_caption", path, cap_text, cap_start,
                                    cap_start + len(cap_text), citations_in(cap_text, known_refs)))
                for k, v in parse_legend(cap_text.split(".", 1)[-1]).items():
                    glossary.setdefault(k, v)
        i += 1
    if table is not None:
        blocks.extend(table.blocks(glossary, known_refs))
        tables.append(table.table())
    sections = []
    for k, (p, s0) in enumerate(headings):
        e = end
        for p2, s2 in headings[k + 1:]:
            if len(p2) <= len(p):
                e = s2
                break
        sections.append(Section(p[-1], p, s0, e))
    return blocks, sections, glossary, tables


# --------------------------------------------------------------------------- the document


def parse_text(text: str, doc_id: str = "article", path: str = "") -> Document:
    """Parse the text of one PMC article. Raises CorpusError when it is not PMC text format."""
    where = path or doc_id
    fi, bi, ri = text.find(FRONT), text.find(BODY), text.find(REFS)
    if fi < 0 or bi < 0 or bi < fi:
        raise CorpusError(f"{where}: not a PubMed Central text file (no '{FRONT}'/'{BODY}' markers)")
    if ri < 0:
        ri = len(text)
    front_start = fi + len(FRONT)
    front_text = text[front_start:bi]
    # Abstract: the front's first paragraph ends with the first abstract label glued on.
    label_re = "|".join(re.escape(x) for x in sorted(ABSTRACT_LABELS, key=len, reverse=True))
    first_label = re.search(rf"(?<=[.)])({label_re})\s*\n", front_text)
    head = front_text[: first_label.start()] if first_label else front_text
    plain_abstract: list[_Line] = []
    if not first_label:
        # an unstructured abstract: the front block's later lines (the last may be the keywords)
        nonblank = [ln for ln in _lines(text, front_start, bi) if ln.text.strip()]
        if len(nonblank) > 1:
            head = text[front_start:nonblank[1].start]
            plain_abstract = nonblank[1:]
    journal, doi, title, authors, year = _parse_front(head.replace("\n", ""))
    blocks: list[Block] = []
    sections: list[Section] = []
    abstract: dict[str, str] = {}
    keywords: tuple[str, ...] = ()
    head_start = front_start + len(front_text) - len(front_text.lstrip())
    corr = re.search(r"Correspondence to:\s*(.*?)(?:\.\s*Tel:|;\s*E-mail|$)", head.replace("\n", ""))
    names = ", ".join(authors).rstrip(".")
    flat = head.replace("\n", "")
    # the permissions, verbatim: copyright holder, publisher and society, licence
    rights = [m.group(0).strip() for m in (
        re.search(r"©[^.]*\.\s*Published by [^.]*\.", flat),
        re.search(r"This is an Open Access article.*?\bcited\.", flat)) if m]
    issue = _issue(flat)
    where = "".join(f" Affiliation{'s' if len(places) > 1 else ''} of {name}: {'; '.join(places)}."
                    for name, places in _affiliations(flat) if places)
    front_summary = (f"{title}. Authors: {names}.{where} Published in the journal {journal}"
                     f"{f', {year}' if year else ''}{f', {issue}' if issue else ''}. "
                     f"DOI: {doi}." + (f" Correspondence to: {corr.group(1).strip()}." if corr else "")
                     + "".join(f" {r}" for r in rights)).replace("  ", " ")
    blocks.append(Block("front", ("front matter",), front_summary, head_start,
                        front_start + len(head), (), ""))
    if first_label:
        abs_start = front_start + first_label.start()
        sections.append(Section("abstract", ("abstract",), abs_start, bi))
        label = first_label.group(1)
        for ln in _lines(text, front_start + first_label.end(), bi):
            s = ln.text.strip()
            if not s:
                continue
            if s in ABSTRACT_LABELS:
                label = s
                continue
            lead = ln.start + ln.text.index(s[0])
            if label and label not in abstract:
                abstract[label] = s
                sections.append(Section(label.lower(), ("abstract", label.lower()), lead, lead + len(s),
                                        label if label != label.lower() else ""))
                blocks.append(Block("abstract", ("abstract", label.lower()), s, lead, lead + len(s),
                                    citations_in(s)))
            else:  # the keyword line after the abstract
                keywords = _split_keywords(s, text[front_start:ln.start] + text[ln.end:ri])
                sections.append(Section("keywords", ("abstract", "keywords"), lead, lead + len(s)))
                blocks.append(Block("keywords", ("abstract", "keywords"), s, lead, lead + len(s), (),
                                    "Keywords: " + ", ".join(keywords)))
    if plain_abstract:
        sections.append(Section("abstract", ("abstract",), plain_abstract[0].start, bi))
        last = plain_abstract[-1].text.strip()
        kw_line = plain_abstract[-1] if len(plain_abstract) > 1 and not last.endswith(".") and ". " not in last else None
        for ln in plain_abstract:
            s_ = ln.text.strip()
            lead = ln.start + ln.text.index(s_[0])
            if ln is kw_line:
                keywords = _split_keywords(s_, text[front_start:ln.start] + text[ln.end:ri])
                sections.append(Section("keywords", ("abstract", "keywords"), lead, lead + len(s_)))
                blocks.append(Block("keywords", ("abstract", "keywords"), s_, lead, lead + len(s_), (),
                                    "Keywords: " + ", ".join(keywords)))
            else:
                abstract["Abstract"] = (abstract.get("Abstract", "") + " " + s_).strip()
                blocks.append(Block("abstract", ("abstract",), s_, lead, lead + len(s_), citations_in(s_)))
    # References first: body citations are checked against them.
    references: dict[int, Reference] = {}
    ref_blocks: list[Block] = []
    for ln in _lines(text, ri + len(REFS), len(text)):
        s = ln.text.strip()
        if not s or s.lower() == "references":
            continue
        ref = parse_reference(s)
        if ref is None:
            continue
        references[ref.number] = ref
        lead = ln.start + ln.text.index(s[0])
        ref_blocks.append(Block("reference", ("references",), s, lead, lead + len(s), (ref.number,),
                                f"Reference {ref.number}. {ref.short()}"))
    body_blocks, body_sections, glossary, tables = _parse_body(text, bi + len(BODY), ri, set(references))
    for b in blocks:
        if b.kind == "abstract":
            for k, v in find_abbreviations(b.text).items():
                glossary.setdefault(k, v)
    blocks.extend(body_blocks)
    sections.extend(body_sections)
    if ref_blocks:
        sections.append(Section("references", ("references",), ri, len(text)))
    blocks.extend(ref_blocks)
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    # the front block opens with the journal's NLM abbreviation, glued to the next id: "Ann OncolAnn. Oncol…"
    am = re.match(r"\s*([A-Z][A-Za-z]*(?: [A-Z&][A-Za-z]*){0,6}?)(?<=[a-z])(?=[A-Z])", flat)
    journal_abbrev = am.group(1) if am and len(am.group(1)) <= 40 else journal
    subject = re.search(r"(?<=[a-z0-9])(Reviews?|Review Articles?)(?=[A-Z])", flat[:flat.find(title) + 1 if title and title in flat else 600])
    warnings = []
    for name, value in (("title", title), ("DOI", doi), ("authors", authors), ("abstract", abstract),
                        ("references", references)):
        if not value:
            warnings.append(f"no {name}")
    return Document(doc_id, path, text, sha, title, journal, authors, doi, year, abstract, keywords,
                    tuple(sections), tuple(blocks), references, glossary,
                    article_type="review" if subject else "article", journal_abbrev=journal_abbrev,
                    warnings=tuple(warnings), format="pmc-text", tables=tuple(tables))


ARTICLE_SUFFIXES = (".txt", ".nxml", ".xml")


def read_bytes(path: Path) -> bytes:
    """The file's bytes; CorpusError if it is missing, unreadable or empty."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError as e:
        raise CorpusError(f"{path}: no such file") from e
    except IsADirectoryError as e:
        raise CorpusError(f"{path}: is a folder, not an article file") from e
    except OSError as e:
        raise CorpusError(f"{path}: cannot read ({e.strerror})") from e
    if not data.strip():
        raise CorpusError(f"{path}: the file is empty; put a PMC article (text or JATS XML) there or remove it")
    return data


def read_text(path: Path) -> str:
    """The file's text; CorpusError if unreadable, empty or not UTF-8."""
    data = read_bytes(path)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise CorpusError(f"{path}: not UTF-8 text (byte {e.start}); convert it to UTF-8") from e


def _is_xml(path: Path, data: bytes) -> bool:
    if path.suffix.lower() in (".nxml", ".xml"):
        return True
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:200]
    return head.startswith((b"<?xml", b"<article", b"<!DOCTYPE article", b"<pmc-articleset"))


def parse_file(path: Path | str, doc_id: str | None = None) -> Document:
    """Parse one article file, PMC text or JATS XML (told apart by suffix and content)."""
    path = Path(path)
    return parse_bytes(path, read_bytes(path), doc_id)


def parse_bytes(path: Path, data: bytes, doc_id: str | None = None) -> Document:
    """Parse the bytes of the article file at `path` (see `parse_file`)."""
    doc_id = doc_id or path.stem
    if _is_xml(path, data):
        from qa.jats import parse_jats

        if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise CorpusError(f"{path}: a binary file, not JATS XML")
        return parse_jats(data, doc_id=doc_id, path=str(path))
    if b"\x00" in data[:4096]:
        raise CorpusError(f"{path}: a binary file, not a PMC article")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise CorpusError(f"{path}: not UTF-8 text (byte {e.start}); convert it to UTF-8") from e
    return parse_text(text, doc_id=doc_id, path=str(path))


def corpus_files(corpus_dir: Path | str) -> list[Path]:
    """The article files of a corpus folder (`*.txt`, `*.nxml`, `*.xml`), sorted; CorpusError if none."""
    d = Path(corpus_dir)
    if not d.exists():
        raise CorpusError(f"corpus folder {d} does not exist; create it and put PMC articles (.txt, .nxml) in it")
    if not d.is_dir():
        raise CorpusError(f"corpus path {d} is not a folder")
    files = sorted(p for p in d.iterdir()
                   if p.is_file() and p.suffix.lower() in ARTICLE_SUFFIXES and not p.name.startswith("."))
    if not files:
        raise CorpusError(f"corpus folder {d} has no article files; add a PMC text (.txt) or JATS XML (.nxml) file")
    stems = {}
    for p in files:
        if p.stem in stems:
            raise CorpusError(f"{p} and {stems[p.stem]} have the same name; rename one (an article's id is its file name)")
        stems[p.stem] = p
    return files


def identity_keys(doc: Document) -> list[str]:
    """What makes two files the same article: the same text, DOI or PMID."""
    keys = [f"sha:{doc.sha256}"]
    if doc.doi:
        keys.append(f"doi:{doc.doi.lower()}")
    if doc.pmid:
        keys.append(f"pmid:{doc.pmid}")
    return keys


def duplicate_of(doc: Document, seen: dict[str, Document]) -> Document | None:
    """An earlier document that is the same article (`identity_keys` in `seen`), or None."""
    return next((seen[k] for k in identity_keys(doc) if k in seen), None)


def load_corpus(corpus_dir: Path | str, notes: list[str] | None = None) -> list[Document]:
    """Parse every article of the folder. Raises CorpusError naming the first bad file.

    The same article under two names (same text, DOI or PMID) is kept once; `notes`, when given,
    receives a line for each one left out.
    """
    from qa.parse_cache import parse_cached  # an unchanged article is not parsed again (qa.parse_cache)

    docs: list[Document] = []
    seen: dict[str, Document] = {}
    for p in corpus_files(corpus_dir):
        doc = parse_cached(p)
        first = duplicate_of(doc, seen)
        if first is not None:
            if notes is not None:
                notes.append(f"{p.name} is the same article as {Path(first.path).name}; indexed once")
            continue
        seen.update(dict.fromkeys(identity_keys(doc), doc))
        docs.append(doc)
    return docs


@dataclass(frozen=True)
class Article:
    """A parsed article, as other tools see it (`qa.load_article`)."""

    id: str
    title: str
    authors: tuple[str, ...]
    journal: str
    year: int | None
    doi: str
    pmid: str
    pmcid: str
    license: str
    abstract: str
    sections: tuple[Section, ...]
    tables: tuple[Table, ...]
    figures: tuple[Figure, ...]
    references: tuple[Reference, ...]
    abbreviations: dict[str, str]
    warnings: tuple[str, ...]
    article_type: str = "article"
    path: str = ""
    document: Document | None = field(default=None, repr=False, compare=False)

    @classmethod
    def from_document(cls, doc: Document) -> "Article":
        return cls(doc.doc_id, doc.title, doc.authors, doc.journal, doc.year, doc.doi, doc.pmid,
                   doc.pmcid, doc.license, " ".join(doc.abstract.values()), doc.sections, doc.tables,
                   doc.figures, tuple(doc.references[n] for n in sorted(doc.references)),
                   dict(doc.glossary), doc.warnings, doc.article_type, doc.path, doc)

    def short_citation(self) -> str:
        return self.document.short_citation() if self.document else self.title


def load_article(path: Path | str) -> Article:
    """Parse one article file (PMC text or JATS XML). Raises CorpusError naming the file (and line)."""
    return Article.from_document(parse_file(path))
