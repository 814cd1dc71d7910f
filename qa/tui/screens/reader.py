"""The reader: the whole section of the article that holds a source, the passage highlighted and
scrolled into view. `n` / `p` step through the answer's sources; escape returns to the chat."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Static

from qa.tui.render import PASSAGE_STYLE, QUOTE_STYLE, Source, find_quote, highlight


def section_paragraphs(retriever, source: Source) -> tuple[object, list[tuple[str, Content, bool]]]:
    """The section of a source, cut into its lines, each as (kind, content, holds_passage).

    kind is "heading" for a section heading line, "table" for a table line, else "para". The passage
    is highlighted where it lies, and the quoted sentence more strongly inside it.
    """
    p = source.passage
    section, text = retriever.section_text(p)
    doc = retriever.document(p.doc_id)
    titles = {s.path[-1].strip().lower() for s in doc.sections if s.path}
    ps, pe = p.start - section.start, p.end - section.start
    quote = find_quote(text[max(ps, 0):pe], source.sentence) if source.sentence else None
    qs, qe = (quote[0] + max(ps, 0), quote[1] + max(ps, 0)) if quote else (-1, -1)
    out: list[tuple[str, Content, bool]] = []
    pos = 0
    for raw in text.split("\n"):
        ls, le = pos, pos + len(raw)
        pos = le + 1
        if not raw.strip():
            continue
        spans = []
        holds = ls < pe and le > ps
        if holds:
            spans.append((ps - ls, pe - ls, PASSAGE_STYLE))
        if qs >= 0 and ls < qe and le > qs:
            spans.append((qs - ls, qe - ls, QUOTE_STYLE))
        kind = "para"
        if raw.strip().lower() in titles and len(raw) < 160:
            kind = "heading"
        elif "\t" in raw:
            kind = "table"
        content = highlight(raw, spans)
        if kind == "table":  # widen the tabs into column rules, keeping the highlight in place
            content = Content(" │ ").stylize("$text-muted").join(content.rstrip("\t").split("\t"))
        out.append((kind, content, holds))
    return section, out


class ReaderScreen(Screen):
    """A section of the article, opened on one source of an answer."""

    BINDINGS = [
        Binding("escape", "close", "Back", id="reader-back"),
        Binding("n", "step(1)", "Next source", id="reader-next"),
        Binding("p", "step(-1)", "Prev source", id="reader-previous"),
        Binding("q", "close", "Back to chat", show=False, id="reader-back-q"),
    ]

    def __init__(self, retriever, sources: list[Source], index: int = 0) -> None:
        super().__init__()
        self.retriever = retriever
        self.sources = sources
        self.index = index

    @property
    def source(self) -> Source:
        return self.sources[self.index]

    def compose(self) -> ComposeResult:
        src = self.source
        p = src.passage
        section, paragraphs = section_paragraphs(self.retriever, src)
        label = f"[{src.marker}]" if src.marker is not None else f"{self.index + 1}."
        where = f"source {self.index + 1} of {len(self.sources)}"
        yield Static(Content.assemble((where, "$text-accent"), " · ", (p.doc_title, "$text-muted")),
                     id="reader-document")
        yield Static(Content.assemble((label, "bold $accent"), " ", (" > ".join(section.path), "bold")),
                     id="reader-title")
        with VerticalScroll(id="reader-body"):
            for kind, content, holds in paragraphs:
                yield Static(content, classes=f"reader-{kind}" + (" -passage" if holds else ""))
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#reader-body").focus()
        self.call_after_refresh(self.scroll_to_passage)

    def scroll_to_passage(self) -> None:
        """Bring the passage (its quoted sentence, if any) into view."""
        body = self.query_one("#reader-body", VerticalScroll)
        targets = self.query(".-passage")
        if targets:
            body.scroll_to_center(targets.first(), animate=False, origin_visible=True, immediate=True)

    def action_close(self) -> None:
        self.dismiss()

    async def action_step(self, delta: int) -> None:
        """Open the next (or previous) source of the answer."""
        if len(self.sources) < 2:
            return
        self.index = (self.index + delta) % len(self.sources)
        await self.recompose()
        self.on_mount()
