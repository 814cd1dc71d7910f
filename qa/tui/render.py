"""Pure helpers that turn library objects into Textual `Content` and plain text.

Nothing here touches a widget or imports the heavy parts of the library, so it is cheap to import
and easy to test. Objects are duck-typed against the public API (`qa.Answer`, `qa.Citation`,
`qa.Passage`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from textual.content import Content

PASSAGE_STYLE = "on $primary-muted"
QUOTE_STYLE = "bold $text on $warning-muted"
MARKER_STYLE = "bold $accent"
REF_STYLE = "$text-muted"


@dataclass(frozen=True)
class Source:
    """Something the reader can open: a passage, and the sentence quoted from it (if any)."""

    passage: object  # qa.Passage
    sentence: str | None = None
    marker: int | None = None
    references: tuple = ()  # tuple[qa.Reference, ...]


def sources_of(answer) -> list[Source]:
    """The sources an answer offers: its citations, or for an abstention the closest passages
    (one per closest section, in the order the library ranks them)."""
    if answer.citations:
        return [Source(c.passage, c.sentence, c.marker, tuple(c.references)) for c in answer.citations]
    out: list[Source] = []
    wanted = list(answer.closest_sections) or list(dict.fromkeys(p.section for p in answer.passages))
    for section in wanted:
        for p in answer.passages:
            if p.section == section:
                out.append(Source(p, None, None, tuple(p.refs)))
                break
    return out


def find_quote(text: str, sentence: str | None, start: int = 0) -> tuple[int, int] | None:
    """Where `sentence` lies in `text` (from `start`), tolerant of differences in whitespace."""
    if not sentence:
        return None
    i = text.find(sentence, start)
    if i >= 0:
        return i, i + len(sentence)
    words = sentence.split()
    if not words:
        return None
    pattern = r"\s+".join(re.escape(w) for w in words)
    m = re.compile(pattern).search(text, start)
    return (m.start(), m.end()) if m else None


def highlight(text: str, spans: Iterable[tuple[int, int, str]]) -> Content:
    """`text` as Content with each (start, end, style) span applied (clipped to the text)."""
    content = Content(text)
    for start, end, style in spans:
        start, end = max(0, start), min(len(text), end)
        if end > start:
            content = content.stylize(style, start, end)
    return content


def excerpt_around(text: str, span: tuple[int, int] | None, room: int = 260) -> tuple[str, tuple[int, int] | None]:
    """A shortened `text` that keeps the span whole and up to `room` characters either side,
    cut on word boundaries and marked with an ellipsis; the span re-based on the excerpt."""
    if span is None:
        if len(text) <= 2 * room + 100:
            return text, None
        cut = text.rfind(" ", 0, 2 * room)
        return text[: cut if cut > 0 else 2 * room] + " …", None
    s, e = span
    a = 0
    if s > room:
        j = text.find(" ", s - room, s)
        a = j + 1 if j >= 0 else s - room
    b = len(text)
    if len(text) - e > room:
        j = text.rfind(" ", e, e + room)
        b = j if j > e else e + room
    head = "… " if a > 0 else ""
    tail = " …" if b < len(text) else ""
    shift = len(head) - a
    return head + text[a:b] + tail, (s + shift, e + shift)


def source_content(source: Source, room: int = 260) -> Content:
    """The passage of a source with its quoted sentence highlighted (shortened around it)."""
    text = source.passage.text
    span = find_quote(text, source.sentence)
    short, span = excerpt_around(text, span, room)
    return highlight(short, [(span[0], span[1], QUOTE_STYLE)] if span else [])


def answer_content(answer, turn: int) -> Content:
    """An answer with its `[n]` markers styled and clickable (they open the source)."""
    if not answer.citations:
        return Content(answer.text)
    parts: list[Content] = []
    for c in answer.citations:
        parts.append(Content(c.sentence))
        parts.append(Content(" "))
        parts.append(Content(f"[{c.marker}]").stylize(MARKER_STYLE)
                     .stylize(f"@click=app.open_source({turn},{c.marker})"))
        parts.append(Content(" "))
    return Content("").join(parts).rstrip()


def references_content(references: Sequence) -> Content:
    """One line per bibliography entry: "[71] Andre F et al., J Clin Oncol 2010, PMID 20975068"."""
    lines = [Content(f"[{r.number}] {r.short()}") for r in references]
    return Content("\n").join(lines).stylize(REF_STYLE) if lines else Content("")


def answer_with_sources_text(answer) -> str:
    """Plain text for the clipboard: the question, the answer and its numbered sources."""
    parts = [f"Q: {answer.question}", "", answer.text]
    sources = answer.sources_text()
    if sources:
        parts += ["", "Sources:", sources]
    return "\n".join(parts)


def _pubmed(pmid: str | None) -> str:
    return f" ([PubMed](https://pubmed.ncbi.nlm.nih.gov/{pmid}/))" if pmid else ""


def conversation_markdown(answers: Sequence, *, title: str = "", mode: str = "", k: int | None = None,
                          when: str = "") -> str:
    """A Markdown record of a conversation: each question, its answer and its sources."""
    lines = [f"# Conversation{': ' + title if title else ''}", ""]
    meta = [x for x in (f"exported {when}" if when else "", f"retrieval {mode}" if mode else "",
                        f"k = {k}" if k else "") if x]
    if meta:
        lines += [f"_{', '.join(meta)}_", ""]
    for i, a in enumerate(answers, 1):
        lines += [f"## {i}. {a.question}", ""]
        if a.abstained:
            lines += [f"> {a.text}", ""]
            if a.closest_sections:
                lines += ["Closest sections:", ""] + [f"- {s}" for s in a.closest_sections] + [""]
            continue
        lines += [a.text, "", "**Sources**", ""]
        for c in a.citations:
            lines.append(f"{c.marker}. *{c.passage.doc_title}* — {c.passage.section}")
            lines.append(f"   > “{c.sentence}”")
            for r in c.references:
                lines.append(f"   - [{r.number}] {r.short()}{_pubmed(r.pmid)}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
