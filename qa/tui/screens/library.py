"""The library: the articles of the corpus (first author, year, title, journal, passages), and the
choice of what questions are asked of, all of them or one. t opens an article's table of contents."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from qa.tui.library import ArticleInfo, Library, passage_counts, whole_library_label

ALL = "*all*"  # the option id of "All N articles" ("The whole library (1 article)")


@dataclass(frozen=True)
class LibraryChoice:
    """What the library was closed with: ask `article` (None: all articles), or, with `contents`,
    read that article's table of contents (the filter stays as it was)."""

    article: str | None
    contents: bool = False


def first_author(article: ArticleInfo) -> str:
    if not article.authors:
        return "Anonymous"
    return article.authors[0] + (" et al." if len(article.authors) > 1 else "")


class ArticleList(OptionList):
    """An OptionList whose enter (select) shows in the footer as "Ask this". Enter stays the list's
    own key, so that it is handled after the arrow keys typed before it."""

    BINDINGS = [Binding("enter", "select", "Ask this", id="library-choose")]


class LibraryScreen(ModalScreen[LibraryChoice | None]):
    """The articles of the corpus; enter asks the highlighted one (or all of them)."""

    BINDINGS = [
        Binding("a", "choose_all", "Ask all", id="library-all"),
        Binding("t", "contents", "Contents", id="library-contents"),
        Binding("escape", "close", "Close", id="library-close"),
    ]

    def __init__(self, library: Library, current: str | None = None) -> None:
        super().__init__()
        self.library = library
        self.current = current

    def compose(self) -> ComposeResult:
        n = len(self.library.articles)
        with Vertical(id="library-box"):
            yield Static(f"Library · {n} article{'s' if n != 1 else ''}", id="library-title", markup=False)
            yield ArticleList(*self._options(), id="library-list")
            yield Static("enter asks the highlighted article (or all) · a asks all · t its contents · "
                         "escape closes", id="library-hint", markup=False)
        yield Footer()

    def _options(self) -> list[Option]:
        counts = passage_counts(self.library)
        articles = self.library.articles
        mark = lambda chosen: ("● " if chosen else "  ", "$text-success")  # noqa: E731
        every = "every article" if len(articles) != 1 else "its one article"
        options = [Option(Content.assemble(mark(self.current is None), (whole_library_label(len(articles)), "bold"),
                                           "\n  ", (f"ask {every} · {sum(counts.values())} passages",
                                                    "$text-muted")), id=ALL)]
        for doc_id, a in articles.items():
            when = f" ({a.year})" if a.year else ""
            options.append(Option(Content.assemble(
                mark(doc_id == self.current), (f"{first_author(a)}{when}", "bold"), " ", a.title,
                "\n  ", (f"{a.journal or 'no journal'} · {counts.get(doc_id, 0)} passages", "$text-muted")),
                id=doc_id))
        return options

    def on_mount(self) -> None:
        box = self.query_one(OptionList)
        ids = [ALL, *self.library.articles]
        box.highlighted = ids.index(self.current) if self.current in ids else 0
        box.focus()

    def _highlighted(self) -> str | None:
        box = self.query_one(OptionList)
        if box.highlighted is None:
            return None
        return box.get_option_at_index(box.highlighted).id

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(LibraryChoice(None if event.option.id == ALL else event.option.id))

    def action_choose_all(self) -> None:
        self.dismiss(LibraryChoice(None))

    def action_contents(self) -> None:
        chosen = self._highlighted()
        if chosen is None or chosen == ALL:
            self.notify("Highlight an article to see its contents.", timeout=3)
            return
        self.dismiss(LibraryChoice(chosen, contents=True))

    def action_close(self) -> None:
        self.dismiss(None)
