"""Bibliography entries of an article, as a reference marker ("[73]", "[4]–[7]") cites them, with
their PubMed and DOI links: enter (or o) opens the entry's PubMed page (its DOI if it has no
PMID), d its DOI."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from qa.tui.library import DocumentInfo, ReferenceInfo
from qa.tui.render import doi_url, pubmed_url


def links_of(reference: ReferenceInfo) -> list[tuple[str, str]]:
    """The entry's links as (label, url): PubMed first, then the DOI."""
    out = []
    url = pubmed_url(reference.pmid)
    if url:
        out.append((f"PMID {reference.pmid}", url))
    url = doi_url(reference.doi)
    if url:
        out.append((f"DOI {reference.doi}", url))
    return out


def entry_content(reference: ReferenceInfo) -> Content:
    """"[73] the entry as printed", then a muted line per link."""
    if reference.title:  # the parsed entry reads better than a PMC text's run of fields
        who = ", ".join(reference.authors)
        venue = " ".join(x for x in (reference.journal, str(reference.year) if reference.year else "") if x)
        text = ". ".join(x.rstrip(".") for x in (who, reference.title, venue) if x) + "."
    else:
        text = reference.text.strip() or reference.short()
    parts: list[Content] = [Content.assemble((f"[{reference.number}] ", "bold"), " ".join(text.split()))]
    links = links_of(reference)
    if links:
        parts += [Content.assemble(("  " + label, "$text-accent"), " ", (url, "underline $text-muted"))
                  for label, url in links]
    else:
        parts.append(Content.styled("  no PMID or DOI in the bibliography", "italic $text-muted"))
    return Content("\n").join(parts)


class EntryList(OptionList):
    """An OptionList whose enter (select) shows in the footer as "Open PubMed/DOI". Enter stays the list's
    own key, so that it is handled after the arrow keys typed before it."""

    BINDINGS = [Binding("enter", "select", "Open PubMed/DOI", id="references-open")]


class ReferencesScreen(ModalScreen[None]):
    """The bibliography entries a marker cites; enter opens the highlighted one's link."""

    BINDINGS = [
        Binding("o", "open_link", "Open link", show=False, id="references-open-o"),
        Binding("d", "open_doi", "Open DOI", id="references-doi"),
        Binding("escape", "close", "Close", id="references-close"),
    ]

    def __init__(self, references: Sequence[ReferenceInfo], *, cited: str, article: str = "") -> None:
        super().__init__()
        self.references = list(references)
        self.cited = cited
        self.article = article

    def compose(self) -> ComposeResult:
        n = len(self.references)
        head = f"{self.cited} · {n} bibliography entr{'y' if n == 1 else 'ies'}"
        with Vertical(id="references-box"):
            yield Static(Content.assemble((head, "bold $text-accent"),
                                          *((" · ", (self.article, "$text-muted")) if self.article else ())),
                         id="references-title")
            yield EntryList(*[Option(entry_content(r), id=str(r.number)) for r in self.references],
                             id="references-list")
            yield Static("enter opens PubMed (or the DOI) · d opens the DOI · escape closes",
                         id="references-hint", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @property
    def highlighted(self) -> ReferenceInfo | None:
        box = self.query_one(OptionList)
        if box.highlighted is None or not self.references:
            return None
        return self.references[box.highlighted]

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_open_link()

    def action_open_link(self) -> None:
        """Open the highlighted entry's PubMed page, or its DOI if it has no PMID."""
        ref = self.highlighted
        if ref is None:
            return
        links = links_of(ref)
        if not links:
            self.notify(f"[{ref.number}] has no PMID or DOI in the bibliography.", severity="warning")
            return
        self._open(links[0][1])

    def action_open_doi(self) -> None:
        ref = self.highlighted
        if ref is None:
            return
        url = doi_url(ref.doi)
        if url is None:
            self.notify(f"[{ref.number}] has no DOI in the bibliography.", severity="warning")
            return
        self._open(url)

    def _open(self, url: str) -> None:
        self.app.open_url(url)
        self.notify(f"Opened {url}", title="Link", timeout=4)

    def action_close(self) -> None:
        self.dismiss()


def show_references(app: App, document: DocumentInfo, numbers: Sequence[int], cited: str,
                    article: str = "") -> None:
    """Open the entries `numbers` of `document`'s bibliography (cited as `cited`, e.g. "[4]–[7]"),
    or say that the bibliography has none of them."""
    found = [document.references[n] for n in numbers if n in document.references]
    if not found:
        app.notify(f"{cited} is not in the article's bibliography.", severity="warning")
        return
    app.push_screen(ReferencesScreen(found, cited=cited, article=article or document.short_citation()))
