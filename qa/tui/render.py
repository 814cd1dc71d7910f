"""Pure helpers that turn library objects into Textual `Content` and plain text.

Nothing here touches a widget or imports the heavy parts of the library, so it is cheap to import
and easy to test. Objects are duck-typed against the public API (`qa.Answer`, `qa.Citation`,
`qa.Passage`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from collections.abc import Callable
from dataclasses import dataclass

from textual.content import Content

from qa.corpus import expand_citation
from qa.text import without_scores
from qa.tui.library import AnswerInfo, PassageInfo, ReferenceInfo

PASSAGE_STYLE = "on $primary-muted"
QUOTE_STYLE = "bold $text on $warning-muted"
# The app's source markers ‹1› are a green chip: no article writes ‹ ›, and its own reference
# numbers "[71]" are drawn muted, so the two never look alike.
MARKER_STYLE = "bold $text-success on $success-muted"
ARTICLE_REF_STYLE = "$text-muted"
REF_STYLE = "$text-muted"
ARTICLE_STYLE = "italic $text-secondary"  # an article's short citation, where sources name it
# An article's own bracketed reference numbers: "[71]", "[71–76]", "[57, 60–64]".
ARTICLE_REF = re.compile(r"\[\d+(?:\s*[–—,-]\s*\d+)*\]")
# One citation marker, as a reader clicks it: "[71]", "[71–76]", "[57, 60–64]", or the JATS
# rendering of a range "[4]–[7]".
REF_MARKER = re.compile(r"\[\d+(?:\s*[–—,-]\s*\d+)*\](?:\s*[–—-]\s*\[\d+(?:\s*[–—,-]\s*\d+)*\])*")


def marker(n: int) -> str:
    """The app's marker of source `n`: "‹1›" (single guillemets, which articles never use)."""
    return f"\u2039{n}\u203a"


CAUTION_STYLE = "italic $text-warning"  # the note that the article recommends nothing for one person


def answer_plain_text(answer: AnswerInfo) -> str:
    """The answer as plain text with the app's markers: "… was 10 mg/day [71].‹1›".

    Each marker is glued to its sentence (no space), so a wrap never leaves it alone on a line.
    Abstentions (no citations) are the library's text as it is.
    """
    if not answer.citations:
        return abstention_text(answer) if answer.abstained else answer.text
    return " ".join(f"{c.sentence}{marker(c.marker)}" for c in answer.citations)


def reference_numbers(marker_text: str) -> tuple[int, ...]:
    """The reference numbers a marker cites: "[71–76]" → 71..76, "[57, 60–64]", "[4]–[7]" → 4..7."""
    body = re.sub(r"\]\s*([–—-])\s*\[", r"\1", marker_text).strip("[]")  # "[4]–[7]" → "4–7"
    return expand_citation(body)


def reference_markers(text: str) -> list[tuple[int, int, tuple[int, ...]]]:
    """Each citation marker of `text`: (start, end, the reference numbers it cites)."""
    return [(m.start(), m.end(), reference_numbers(m.group())) for m in REF_MARKER.finditer(text)]


def pubmed_url(pmid: str | None) -> str | None:
    return f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/" if pmid else None


def doi_url(doi: str | None) -> str | None:
    return f"https://doi.org/{doi}" if doi else None


@dataclass(frozen=True)
class Source:
    """Something the reader can open: a passage, and the sentence quoted from it (if any)."""

    passage: PassageInfo
    sentence: str | None = None
    marker: int | None = None
    references: tuple[ReferenceInfo, ...] = ()
    article: str = ""  # the short citation of its article ("Dennehy JJ et al., BMC Microbiol 2011")
    section: str = ""  # its section as the article writes the headings ("abstract > Results")

    @property
    def heading(self) -> str:
        """The section to show: as the article writes it, else the passage's own section path."""
        return self.section or self.passage.section


def sources_of(answer: AnswerInfo, cite: Callable[[PassageInfo], str] | None = None,
               heading: Callable[[PassageInfo], str] | None = None) -> list[Source]:
    """The sources an answer offers: its citations, or for an abstention the closest passages
    (one per closest section, in the order the library ranks them). `cite` names a passage's
    article where the answer does not (the closest passages of an abstention); `heading` gives a
    passage's section as the article writes its headings (`qa.tui.library.written_section`)."""
    def shown(p: PassageInfo) -> str:
        return heading(p) if heading else ""

    if answer.citations:
        return [Source(c.passage, c.sentence, c.marker, tuple(c.references),
                       c.article or (cite(c.passage) if cite else ""), shown(c.passage))
                for c in answer.citations]
    out: list[Source] = []
    wanted = list(dict.fromkeys(answer.closest_sections or [p.section for p in answer.passages]))
    for section in wanted:
        for p in answer.passages:
            if p.section == section:
                out.append(Source(p, None, None, tuple(p.refs), cite(p) if cite else "", shown(p)))
                break
    return out


def articles_of(answer: AnswerInfo) -> list[tuple[str, list[int]]]:
    """The articles an answer quotes, in the order it first quotes them, each with its markers."""
    out: dict[str, list[int]] = {}
    for c in answer.citations:
        if c.article:
            out.setdefault(c.article, []).append(c.marker)
    return list(out.items())


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


def article_refs_muted(text: str) -> Content:
    """`text` with the article's own reference numbers ("[71]") drawn muted."""
    return highlight(text, [(m.start(), m.end(), ARTICLE_REF_STYLE) for m in ARTICLE_REF.finditer(text)])


def clickable_refs(text: str, action: Callable[[int], str]) -> Content:
    """`text` with the article's own reference markers drawn muted, each one clickable:
    `action(offset)` is the action it runs (offset: where the marker starts in `text`)."""
    content = Content(text)
    for start, end, _ in reference_markers(text):
        content = content.stylize(ARTICLE_REF_STYLE, start, end).stylize(f"@click={action(start)}", start, end)
    return content


def answer_content(answer: AnswerInfo, turn: int, *, articles: bool = False) -> Content:
    """An answer with its ‹n› markers styled and clickable (they open the source), each glued to
    the end of its sentence so that it wraps with it. The article's own reference markers ("[71]")
    open their bibliography entries. With `articles`, a last line names the articles quoted."""
    caution = Content.assemble((answer.caution, CAUTION_STYLE), "\n") if answer.caution else Content("")
    if not answer.citations:
        return Content.assemble(caution, answer.text)
    parts: list[Content] = []
    for c in answer.citations:
        chip = Content(marker(c.marker)).stylize(MARKER_STYLE).stylize(f"@click=app.open_source({turn},{c.marker})")
        refs = clickable_refs(c.sentence, lambda at, m=c.marker: f"app.open_reference({turn},{m},{at})")
        parts.append(refs + chip)
    body = Content(" ").join(parts)
    quoted = articles_of(answer) if articles else []
    if quoted:
        line = Content(" · ").join(Content.assemble((name, ARTICLE_STYLE), " ",
                                                    *[(marker(m), MARKER_STYLE) for m in markers])
                                   for name, markers in quoted)
        body = Content.assemble(body, "\n", ("From ", "$text-muted"), line)
    return Content.assemble(caution, body)


def abstention_sentence(answer: AnswerInfo, noun: str = "the review") -> str:
    """The first sentence of an abstention ("These articles do not answer this question.")."""
    m = re.match(r".*?not answer this question(?:, read as “[^”]*”)?\.", answer.text)
    if m:
        return m.group()
    return f"{noun[:1].upper()}{noun[1:]} {'do' if noun.startswith('these') else 'does'} not answer this question."


def references_content(references: Sequence) -> Content:
    """One line per bibliography entry: "[71] Andre F et al., J Clin Oncol 2010, PMID 20975068"."""
    lines = [Content(f"[{r.number}] {r.short()}") for r in references]
    return Content("\n").join(lines).stylize(REF_STYLE) if lines else Content("")


def abstention_text(answer: AnswerInfo) -> str:
    """An abstention's sentence and its reason, without the list of closest sections that the
    library's text ends with (the callers list them once, as a list)."""
    reason = without_scores(answer.reason)
    first = abstention_sentence(answer)
    return f"{first} {reason}".strip() if reason or answer.text.startswith(first) else answer.text


def closest_sections(answer: AnswerInfo) -> list[str]:
    """An abstention's closest sections, each once, in the library's order."""
    return list(dict.fromkeys(answer.closest_sections))


def answer_with_sources_text(answer: AnswerInfo) -> str:
    """Plain text for the clipboard: the question, the answer and its sources."""
    parts = [f"Q: {answer.question}", ""] + ([answer.caution, ""] if answer.caution else []) + [answer_plain_text(answer)]
    sources = answer.sources_text()  # "‹1› article — section", the quote, the article's references
    if sources:
        parts += ["", "Sources:", sources]
    elif answer.abstained and answer.closest_sections:
        parts += ["", "Closest sections:"] + [f"- {s}" for s in closest_sections(answer)]
    return "\n".join(parts)


def _pubmed(pmid: str | None) -> str:
    return f" ([PubMed](https://pubmed.ncbi.nlm.nih.gov/{pmid}/))" if pmid else ""


def conversation_markdown(answers: Sequence[AnswerInfo], *, title: str = "", mode: str = "", k: int | None = None,
                          when: str = "") -> str:
    """A Markdown record of a conversation: each question, its answer and its sources."""
    lines = [f"# Conversation{': ' + title if title else ''}", ""]
    meta = [x for x in (f"exported {when}" if when else "", f"retrieval {mode}" if mode else "",
                        f"k = {k}" if k else "") if x]
    if meta:
        lines += [f"_{', '.join(meta)}_", ""]
    for i, a in enumerate(answers, 1):
        lines += [f"## {i}. {a.question}", ""]
        if a.caution:
            lines += [f"_{a.caution}_", ""]
        if a.abstained:
            lines += [f"> {abstention_text(a)}", ""]
            if a.closest_sections:
                lines += ["Closest sections:", ""] + [f"- {s}" for s in closest_sections(a)] + [""]
            continue
        lines += [answer_plain_text(a), "", "**Sources**", ""]
        for c in a.citations:
            lines.append(f"- {marker(c.marker)} *{c.article or c.passage.doc_title}* — {c.passage.section}")
            lines.append(f"   > “{c.sentence}”")
            for r in c.references:
                lines.append(f"   - [{r.number}] {r.short()}{_pubmed(r.pmid)}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
