"""The reader: the whole section of the article that holds a source, the passage highlighted and
scrolled into view, under the article's title. `n` / `p` step through the answer's sources, `]` / `[`
move through the article's sections, `t` opens its table of contents; escape returns to the chat."""

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

from qa.corpus import Section
from qa.tui.library import (DocumentInfo, Library, PassageInfo, SectionInfo, order_index, reading_order,
                            section_own_span, written_section)
from qa.tui.render import (ARTICLE_REF_STYLE, ARTICLE_STYLE, MARKER_STYLE, PASSAGE_STYLE, QUOTE_STYLE,
                           REF_MARKER, Source, find_quote, highlight, marker, reference_markers,
                           reference_numbers)
from qa.tui.screens.contents import ContentsScreen
from qa.tui.screens.references import show_references
from qa.tui.table_rows import table_rows


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


def source_section(document: DocumentInfo, passage: PassageInfo) -> SectionInfo:
    """The section a passage belongs to (its deepest heading), or the passage's own span."""
    for s in document.sections:
        if tuple(s.path) == tuple(passage.section_path):
            return s
    return Section(passage.section, tuple(passage.section_path), passage.start, passage.end)


def section_blocks(document: DocumentInfo, section: SectionInfo, start: int, end: int,
                   source: Source | None = None) -> list[tuple[str, object, bool]]:
    """The text of `document` from `start` to `end` (a section's), cut into its blocks, each as
    (kind, content, holds_passage).

    kind is "heading" for a heading line below the section's own (whose title the reader shows
    above, so it is not repeated), "table" for a run of table rows (content: a list of rows, each a
    list of cell `Content`s, laid out by `qa.tui.table_rows.table_rows`: a cell's continued line in
    its cell), "caption" for a table caption, else "para". The source's passage is
    highlighted where it lies, and the quoted sentence more strongly inside it. The article's own
    reference markers ("[73]") open their bibliography entries (`screen.open_reference(offset)`).
    """
    text = document.text[start:end]
    titles = {s.path[-1].strip().lower() for s in document.sections if s.path}
    own = section.path[-1].strip().lower() if section.path else None
    ps = pe = qs = qe = -1
    if source is not None and source.passage.doc_id == document.doc_id:
        p = source.passage
        ps, pe = p.start - start, p.end - start
        quote = find_quote(text[max(ps, 0):max(pe, 0)], source.sentence) if source.sentence else None
        qs, qe = (quote[0] + max(ps, 0), quote[1] + max(ps, 0)) if quote else (-1, -1)
    out: list[tuple[str, object, bool]] = []
    first = True
    for ls, raw in _lines(text):
        le = ls + len(raw)
        if not raw.strip():
            continue
        spans = []
        holds = ps >= 0 and ls < pe and le > ps
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
        if kind != "table":
            for ms, me, _ in reference_markers(raw):
                content = content.stylize(ARTICLE_REF_STYLE, ms, me).stylize(
                    f"@click=screen.open_reference({start + ls + ms})", ms, me)
        if kind == "table":
            cells = content.rstrip("\t").split("\t")
            if out and out[-1][0] == "table":  # one more line of the table above
                _, rows, held = out[-1]
                rows.append(cells)  # type: ignore[union-attr]
                out[-1] = ("table", rows, held or holds)
                continue
            out.append(("table", [cells], holds))
            continue
        out.append((kind, content, holds))
    return [(kind, table_rows(content) if kind == "table" else content, holds)  # type: ignore[arg-type]
            for kind, content, holds in out]


def section_paragraphs(library: Library, source: Source) -> tuple[SectionInfo, list[tuple[str, object, bool]]]:
    """The whole section of a source (children included), as `section_blocks`."""
    document = library.document(source.passage.doc_id)
    section = source_section(document, source.passage)
    return section, section_blocks(document, section, section.start, section.end, source)


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
    """The article, opened on one source of an answer (its whole section), or on a section.

    n / p step through the answer's sources; ] / [ move to the next / previous section of the
    article; t opens its table of contents; a reference marker ("[73]") opens its bibliography entry.
    """

    BINDINGS = [
        Binding("escape", "close", "Back", id="reader-back"),
        Binding("n", "step(1)", "Next source", id="reader-next"),
        Binding("p", "step(-1)", "Prev source", show=False, id="reader-previous"),
        Binding("right_square_bracket", "section(1)", "Section", tooltip="Next section", id="reader-next-section"),
        Binding("left_square_bracket", "section(-1)", "Prev section", show=False, id="reader-previous-section"),
        Binding("t", "contents", "Contents", id="reader-contents"),
        Binding("q", "close", "Back to chat", show=False, id="reader-back-q"),
    ]

    def __init__(self, library: Library, sources: list[Source], index: int = 0, *,
                 doc_id: str | None = None, section: int | None = None) -> None:
        """Open on `sources[index]`; or, with `doc_id` and `section`, on that section (an index
        into `reading_order` of the article) with the sources still a key away."""
        super().__init__()
        self.library = library
        self.sources = sources
        self.index = index
        self.doc_id = doc_id if doc_id is not None else sources[index].passage.doc_id
        self.section_index: int | None = section  # None: the source's own section

    @property
    def source(self) -> Source | None:
        return self.sources[self.index] if self.sources else None

    @property
    def document(self) -> DocumentInfo:
        return self.library.document(self.doc_id)

    @property
    def order(self) -> list[SectionInfo]:
        return reading_order(self.document)

    def shown(self) -> tuple[SectionInfo, int, int]:
        """The section shown and the span of the article's text shown for it."""
        doc = self.document
        src = self.source
        if self.section_index is None and src is not None:
            section = source_section(doc, src.passage)
            return section, section.start, section.end
        order = self.order
        section = order[max(0, min(self.section_index or 0, len(order) - 1))]
        a, b = section_own_span(doc, section)
        return section, a, b

    def compose(self) -> ComposeResult:
        doc = self.document
        section, start, end = self.shown()
        src = self.source
        on_source = self.section_index is None and src is not None
        order = self.order
        here = next((i for i, s in enumerate(order) if s.start >= start), len(order) - 1) + 1
        if on_source:
            where = f"source {self.index + 1} of {len(self.sources)}"
        else:
            where = f"section {here} of {len(order)}"
        article = doc.short_citation() if len(self.library.articles) > 1 else ""
        yield Static(Content.assemble((where, "$text-accent"), " · ",
                                      *(((article, ARTICLE_STYLE), " · ") if article else ()),
                                      (doc.title, "$text-muted")), id="reader-document")
        if on_source and src is not None and src.marker is not None:
            label = (marker(src.marker), MARKER_STYLE)
        elif on_source:
            label = (f"{self.index + 1}.", "bold")
        else:
            label = ("§", "bold $text-accent")
        yield Static(Content.assemble(label, " ", (written_section(doc, section.path), "bold")),
                     id="reader-title")
        styles = partial(parse_style, variables=self.app.get_css_variables())
        with VerticalScroll(id="reader-body"):
            for kind, content, holds in section_blocks(doc, section, start, end, src):
                body = table_renderable(content, styles) if kind == "table" else content
                yield Static(body, classes=f"reader-{kind}" + (" -passage" if holds else ""))
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#reader-body").focus()
        self.call_after_refresh(self.scroll_to_passage)

    def scroll_to_passage(self) -> None:
        """Bring the passage (its quoted sentence, if any) into view; a section opens at its top."""
        body = self.query_one("#reader-body", VerticalScroll)
        targets = self.query(".-passage")
        if targets and self.section_index is None:
            body.scroll_to_center(targets.first(), animate=False, origin_visible=True, immediate=True)
        else:
            body.scroll_home(animate=False, immediate=True)

    def action_close(self) -> None:
        self.dismiss()

    async def _show(self) -> None:
        await self.recompose()
        self.on_mount()

    async def action_step(self, delta: int) -> None:
        """Open the next (or previous) source of the answer."""
        if not self.sources:
            return
        if self.section_index is None:
            if len(self.sources) < 2:
                return
            self.index = (self.index + delta) % len(self.sources)
        self.section_index = None  # from a section, n / p come back to the sources
        self.doc_id = self.sources[self.index].passage.doc_id
        await self._show()

    async def action_section(self, delta: int) -> None:
        """Move to the next (or previous) section of the article."""
        order = self.order
        _, start, end = self.shown()
        if delta > 0:
            target = next((i for i, s in enumerate(order) if s.start >= end), None)
        else:
            target = next((i for i in range(len(order) - 1, -1, -1) if order[i].start < start), None)
        if target is None:
            self.notify("This is the article's last section." if delta > 0 else
                        "This is the article's first section.", timeout=3)
            return
        self.section_index = target
        await self._show()

    def action_contents(self) -> None:
        """The article's table of contents; enter jumps to a section."""
        section, _, _ = self.shown()

        async def done(chosen: SectionInfo | None) -> None:
            if chosen is not None:
                self.section_index = order_index(self.document, chosen)
                await self._show()

        self.app.push_screen(ContentsScreen(self.document, section), done)

    def action_open_reference(self, offset: int) -> None:
        """Open the bibliography entries of the reference marker at `offset` of the article's text."""
        m = REF_MARKER.match(self.document.text, offset)
        if m is not None:
            show_references(self.app, self.document, reference_numbers(m.group()), m.group())
