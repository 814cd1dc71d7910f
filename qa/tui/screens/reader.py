"""The reader: the whole section of the article that holds a source, the passage highlighted and
scrolled into view. `n` / `p` step through the answer's sources; escape returns to the chat."""

from __future__ import annotations

import re
from functools import partial

from rich import box
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.markup import parse_style
from textual.widgets import Footer, Static

from qa.tui.render import MARKER_STYLE, PASSAGE_STYLE, QUOTE_STYLE, Source, find_quote, highlight, marker


CAPTION = re.compile(r"(?<=[.)\]])(?=Table\s\d+\.)")  # "…cancer [73].Table 2. Clinical data…"


def _lines(text: str) -> list[tuple[int, str]]:
    """The section's lines with their offsets; a table caption run into the paragraph before it is
    put on a line of its own."""
    out: list[tuple[int, str]] = []
    pos = 0
    for raw in text.split("\n"):
        cuts = [0] + [m.start() for m in CAPTION.finditer(raw)] + [len(raw)]
        for a, b in zip(cuts, cuts[1:]):
            out.append((pos + a, raw[a:b]))
        pos += len(raw) + 1
    return out


def section_paragraphs(retriever, source: Source) -> tuple[object, list[tuple[str, object, bool]]]:
    """The section of a source, cut into its blocks, each as (kind, content, holds_passage).

    kind is "heading" for a heading line below the section's own (whose title the reader shows
    above, so it is not repeated), "table" for a run of table rows (content: a list of rows, each a
    list of cell `Content`s), "caption" for a table caption, else "para". The passage is
    highlighted where it lies, and the quoted sentence more strongly inside it.
    """
    p = source.passage
    section, text = retriever.section_text(p)
    doc = retriever.document(p.doc_id)
    titles = {s.path[-1].strip().lower() for s in doc.sections if s.path}
    own = section.path[-1].strip().lower() if section.path else None
    ps, pe = p.start - section.start, p.end - section.start
    quote = find_quote(text[max(ps, 0):pe], source.sentence) if source.sentence else None
    qs, qe = (quote[0] + max(ps, 0), quote[1] + max(ps, 0)) if quote else (-1, -1)
    out: list[tuple[str, object, bool]] = []
    first = True
    for ls, raw in _lines(text):
        le = ls + len(raw)
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
            if first and raw.strip().lower() == own:
                first = False
                continue  # the reader's title already names the section
        elif "\t" in raw:
            kind = "table"
        elif re.match(r"Table\s\d+\.", raw):
            kind = "caption"
        first = False
        content = highlight(raw, spans)
        if kind == "table":
            cells = content.rstrip("\t").split("\t")
            if out and out[-1][0] == "table":  # one more row of the table above
                _, rows, held = out[-1]
                rows.append(cells)  # type: ignore[union-attr]
                out[-1] = ("table", rows, held or holds)
                continue
            out.append(("table", [cells], holds))
            continue
        out.append((kind, content, holds))
    return section, out


def table_renderable(rows: list[list[Content]], parse_style) -> Table:
    """A table's rows as an aligned rich `Table`: the first row is the header; a row of one cell
    (a group name, "IGF1R inhibitors") is drawn bold."""
    def text(cell: Content) -> Text:
        return Text.assemble(*((t, st.rich_style) for t, st in cell.render(end="", parse_style=parse_style)))

    width = max(len(r) for r in rows)
    table = Table(box=box.SIMPLE_HEAD, expand=False, show_edge=False, pad_edge=False, padding=(0, 1),
                  header_style="bold")
    for cell in rows[0] + [Content("")] * (width - len(rows[0])):
        table.add_column(text(cell), overflow="fold")
    for row in rows[1:]:
        cells = [text(c) for c in row] + [Text("")] * (width - len(row))
        table.add_row(*cells, style="bold" if len(row) == 1 else None)
    return table


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
        label = (marker(src.marker), MARKER_STYLE) if src.marker is not None else (f"{self.index + 1}.", "bold")
        where = f"source {self.index + 1} of {len(self.sources)}"
        yield Static(Content.assemble((where, "$text-accent"), " · ", (p.doc_title, "$text-muted")),
                     id="reader-document")
        yield Static(Content.assemble(label, " ", (" > ".join(section.path), "bold")),
                     id="reader-title")
        styles = partial(parse_style, variables=self.app.get_css_variables())
        with VerticalScroll(id="reader-body"):
            for kind, content, holds in paragraphs:
                body = table_renderable(content, styles) if kind == "table" else content
                yield Static(body, classes=f"reader-{kind}" + (" -passage" if holds else ""))
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
