"""The typed protocol between the UI and the library: what `qa.tui` reads of a `qa.Retriever` and the
objects it hands out (`qa.Article`, `qa.corpus.Document`, `qa.Passage`, `qa.Reference`), of a
`qa.Answer` and its `qa.Citation`s, and of the `qa.ChatSession` that answers.

The UI names these protocols, never the library's classes, so it imports nothing heavy, and a small
in-memory fake satisfies them in widget tests. Every member is read-only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol


class ReferenceInfo(Protocol):
    """One numbered bibliography entry of an article (`qa.Reference`)."""

    @property
    def number(self) -> int: ...
    @property
    def authors(self) -> tuple[str, ...]: ...
    @property
    def title(self) -> str: ...
    @property
    def journal(self) -> str: ...
    @property
    def year(self) -> int | None: ...
    @property
    def pmid(self) -> str | None: ...
    @property
    def doi(self) -> str: ...
    @property
    def text(self) -> str: ...

    def short(self) -> str:
        """"Andre F et al., J Clin Oncol 2010, PMID 20975068"."""
        ...


class SectionInfo(Protocol):
    """A heading of an article and where its text (children included) lies in the article's text."""

    @property
    def title(self) -> str: ...
    @property
    def path(self) -> tuple[str, ...]: ...
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def heading(self) -> str:
        """The heading as the article writes it ("Results" where `title` is "results")."""
        ...


class DocumentInfo(Protocol):
    """A parsed article (`qa.corpus.Document`): its text, sections and bibliography."""

    @property
    def doc_id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def sections(self) -> Sequence[SectionInfo]: ...
    @property
    def references(self) -> Mapping[int, ReferenceInfo]: ...

    def short_citation(self) -> str:
        """"Dennehy JJ et al., BMC Microbiol 2011"."""
        ...


class ArticleInfo(Protocol):
    """An article of the corpus as the library lists it (`qa.Article`)."""

    @property
    def id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def authors(self) -> tuple[str, ...]: ...
    @property
    def journal(self) -> str: ...
    @property
    def year(self) -> int | None: ...
    @property
    def doi(self) -> str: ...
    @property
    def pmid(self) -> str: ...
    @property
    def document(self) -> DocumentInfo | None: ...


class PassageInfo(Protocol):
    """An indexed passage (`qa.Passage`)."""

    @property
    def id(self) -> str: ...
    @property
    def doc_id(self) -> str: ...
    @property
    def doc_title(self) -> str: ...
    @property
    def section(self) -> str: ...
    @property
    def section_path(self) -> tuple[str, ...]: ...
    @property
    def text(self) -> str: ...
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def refs(self) -> Sequence[ReferenceInfo]: ...


class CitationInfo(Protocol):
    """What the UI reads of a `qa.Citation`: one quoted sentence and where it is."""

    @property
    def marker(self) -> int: ...
    @property
    def passage(self) -> PassageInfo: ...
    @property
    def sentence(self) -> str: ...
    @property
    def references(self) -> Sequence[ReferenceInfo]: ...
    @property
    def article(self) -> str: ...
    @property
    def section(self) -> str: ...


class AnswerInfo(Protocol):
    """What the UI reads of a `qa.Answer`."""

    @property
    def question(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def citations(self) -> Sequence[CitationInfo]: ...
    @property
    def abstained(self) -> bool: ...
    @property
    def passages(self) -> Sequence[PassageInfo]: ...
    @property
    def query(self) -> str: ...
    @property
    def reason(self) -> str: ...
    @property
    def closest_sections(self) -> Sequence[str]: ...
    @property
    def caution(self) -> str: ...

    def sources_text(self) -> str: ...
    def to_dict(self) -> dict: ...


class Chat(Protocol):
    """What the UI uses of a `qa.ChatSession`: it asks, and it sets the scope and retrieval."""

    turns: list  # the exchanges so far (`qa.chat.Turn`), kept across an index rebuild
    article: str | None  # the one article asked, or None for all
    k: int
    mode: str

    def ask(self, question: str) -> AnswerInfo: ...
    def reset(self) -> None: ...


class Library(Protocol):
    """What the UI uses of a loaded `qa.Retriever`."""

    @property
    def passages(self) -> Sequence[PassageInfo]: ...
    @property
    def articles(self) -> Mapping[str, ArticleInfo]: ...
    @property
    def glossary(self) -> Mapping[str, str]:
        """The abbreviations the articles define, and their meanings."""
        ...
    @property
    def corpus_noun(self) -> str:
        """"the review", "the article" or "these articles"."""
        ...

    def document(self, doc_id: str) -> DocumentInfo: ...


def passage_counts(library: Library) -> dict[str, int]:
    """How many indexed passages each article has, by article id."""
    counts = dict.fromkeys(library.articles, 0)
    for p in library.passages:
        counts[p.doc_id] = counts.get(p.doc_id, 0) + 1
    return counts


def whole_library_label(n: int) -> str:
    """The library screen's choice of asking every article: "All 3 articles", or for a library of
    one "The whole library (1 article)"."""
    return f"All {n} articles" if n != 1 else "The whole library (1 article)"


def scope_label(library: Library, article: str | None) -> str:
    """What questions are asked of: "All 3 articles", or one article's short citation."""
    if article is not None and article in library.articles:
        return library.document(article).short_citation()
    n = len(library.articles)
    return "The article" if n == 1 else f"All {n} articles"


def written_path(document: DocumentInfo, path: Sequence[str]) -> tuple[str, ...]:
    """A section path with each heading as the article writes it: ("abstract", "results") →
    ("abstract", "Results"). The path itself (the parser's names) is what the library matches."""
    written = {tuple(s.path): s.heading for s in document.sections}
    path = tuple(path)
    return tuple(written.get(path[:i + 1], name) for i, name in enumerate(path))


def written_section(document: DocumentInfo, path: Sequence[str]) -> str:
    """A section path as the article writes its headings, joined: "abstract > Results"."""
    return " > ".join(written_path(document, path))


def section_own_span(document: DocumentInfo, section: SectionInfo) -> tuple[int, int]:
    """Where a section's own text lies: from its heading to its first subsection (or its end)."""
    later = [s.start for s in document.sections if section.start < s.start < section.end]
    return section.start, min(later) if later else section.end


def reading_order(document: DocumentInfo) -> list[SectionInfo]:
    """The sections in the order they are read, leaving out those with no text of their own (a
    heading followed at once by its first subsection)."""
    out = []
    for s in sorted(document.sections, key=lambda s: (s.start, -s.end)):
        a, b = section_own_span(document, s)
        own = document.text[a:b].strip()
        if own and own.lower() != s.title.strip().lower():
            out.append(s)
    return out


def contents(document: DocumentInfo) -> list[SectionInfo]:
    """Every section of the article, in the order of the text (a parent before its children)."""
    return sorted(document.sections, key=lambda s: (s.start, -s.end))


def order_index(document: DocumentInfo, section: SectionInfo) -> int:
    """Where the reader shows `section` in `reading_order`: itself, or (a heading with no text of
    its own) its first subsection."""
    order = reading_order(document)
    for i, s in enumerate(order):
        if s.start >= section.start:
            return i
    return max(0, len(order) - 1)
