"""Several articles (issue 14): the library, answers and sources that name their article, the reader's
sections and contents, and bibliography entries with their links. Pilot on the real stack: the
bundled model and a real index of three articles (two JATS articles and the review)."""

from __future__ import annotations

from textual.widgets import OptionList
from textual.widgets._footer import FooterKey

from qa.conversations import ConversationStore
from qa.tui import make_app
from qa.tui.library import contents, reading_order
from qa.tui.render import REF_MARKER, reference_numbers
from qa.tui.screens.contents import ContentsScreen
from qa.tui.screens.help import HelpScreen
from qa.tui.screens.library import ALL, LibraryScreen
from qa.tui.screens.reader import ReaderScreen
from qa.tui.screens.references import ReferencesScreen
from qa.tui.widgets.chat_log import AnswerView
from qa.tui.widgets.sources import SourceItem, SourceList

from .conftest import QUESTION, ask, plain, wait_idle, wait_until

OHIP = "1472-6831-8-11"
OHIP_QUESTION = "What is the OHIP-NL?"


def footer_keys(screen) -> list[str]:
    return [k.description for k in screen.query(FooterKey)]


async def open_screen(pilot, key: str, kind: type) -> None:
    await pilot.press(key)
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, kind), 5, kind.__name__)


def test_reference_numbers_of_every_marker_form():
    assert reference_numbers("[73]") == (73,)
    assert reference_numbers("[71–76]") == tuple(range(71, 77))
    assert reference_numbers("[57, 60–64]") == (57, 60, 61, 62, 63, 64)
    assert reference_numbers("[4]–[7]") == (4, 5, 6, 7)
    assert REF_MARKER.search("as shown [4]–[7], and").group() == "[4]–[7]"


async def test_library_lists_the_articles_and_asks_one_which_is_saved(library, data_dir):
    app = make_app(retriever=library, data_dir=data_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_idle(pilot)
        assert app.status.settings_text.startswith("All 3 articles"), app.status.settings_text
        await open_screen(pilot, "f3", LibraryScreen)
        options = app.screen.query_one(OptionList)
        assert options.option_count == 1 + len(library.articles)
        prompts = [options.get_option_at_index(i).prompt.plain for i in range(options.option_count)]
        assert prompts[0].startswith("● All 3 articles"), "all articles, chosen now"
        counts = {}
        for p in library.passages:
            counts[p.doc_id] = counts.get(p.doc_id, 0) + 1
        for prompt, (doc_id, article) in zip(prompts[1:], library.articles.items()):
            assert article.authors[0] in prompt and str(article.year) in prompt
            assert " ".join(article.title.split()[:4]) in prompt and article.journal in prompt
            assert f"{counts[doc_id]} passages" in prompt
        assert "Ask this" in footer_keys(app.screen) and "New" not in footer_keys(app.screen)
        ids = list(library.articles)
        await pilot.press(*["down"] * (ids.index(OHIP) + 1), "enter")
        await wait_until(pilot, lambda: not isinstance(app.screen, LibraryScreen), 5, "the chat")
        citation = library.document(OHIP).short_citation()
        assert app.article == OHIP and app.session.article == OHIP
        assert app.status.settings_text.startswith(citation), app.status.settings_text
        answer = await ask(pilot, OHIP_QUESTION)
        assert answer.citations and {c.passage.doc_id for c in answer.citations} == {OHIP}
        with ConversationStore(data_dir) as store:
            assert store.settings()["article"] == OHIP

    again = make_app(retriever=library, data_dir=data_dir)
    async with again.run_test(size=(120, 40)) as pilot:
        await wait_idle(pilot)
        assert again.article == OHIP and again.session.article == OHIP, "the filter lasts"
        assert again.status.settings_text.startswith(citation)
        await pilot.press("ctrl+p")
        await pilot.pause(0.2)
        await pilot.press(*"Ask all articles")
        await pilot.pause(0.4)
        await pilot.press("enter")
        await wait_until(pilot, lambda: again.article is None, 5, "all articles again")
        assert again.session.article is None
        assert again.status.settings_text.startswith("All 3 articles")
        await pilot.press("ctrl+p")
        await pilot.pause(0.2)
        await pilot.press(*"Library")
        await pilot.pause(0.4)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(again.screen, LibraryScreen), 5, "the library from the palette")
    with ConversationStore(data_dir) as store:
        assert store.settings()["article"] is None


async def test_answers_and_sources_name_their_article(library, data_dir):
    app = make_app(retriever=library, data_dir=data_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_idle(pilot)
        answer = await ask(pilot, QUESTION)
        assert answer.citations
        names = {library.document(c.passage.doc_id).short_citation() for c in answer.citations}
        shown = plain(app.query(AnswerView).last().content.plain)
        assert "\nFrom " in shown and all(n in shown for n in names), shown
        items = list(app.query(SourceItem))
        assert len(items) == len(answer.citations)
        for item in items:
            line = str(item.query_one(".source-article").content)
            assert library.document(item.source.passage.doc_id).short_citation() in line
            assert line.startswith(f"‹{item.source.marker}›")


async def test_with_one_article_the_article_is_named_quietly(retriever, data_dir):
    app = make_app(retriever=retriever, data_dir=data_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_idle(pilot)
        assert app.status.settings_text.startswith("hybrid"), "no article filter to speak of"
        await ask(pilot, QUESTION)
        citation = retriever.documents[0].short_citation()
        assert "From " not in app.query(AnswerView).last().content.plain
        assert not app.query(".source-article")
        assert citation in str(app.query_one("#sources-title").content), "the sources' title names it"


async def test_a_library_of_one_article_offers_it_as_the_whole_library(retriever, data_dir):
    """With one article the library's first choice reads "The whole library (1 article)", never
    "All 1 articles"; it is still the option that asks every article."""
    app = make_app(retriever=retriever, data_dir=data_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_idle(pilot)
        await open_screen(pilot, "f3", LibraryScreen)
        assert str(app.screen.query_one("#library-title").content) == "Library · 1 article"
        options = app.screen.query_one(OptionList)
        first = options.get_option_at_index(0)
        assert first.id == ALL
        prompt = first.prompt.plain
        assert prompt.startswith("● The whole library (1 article)\n"), prompt
        assert "1 articles" not in prompt and "every article" not in prompt, prompt
        await pilot.press("enter")
        await wait_until(pilot, lambda: not isinstance(app.screen, LibraryScreen), 5, "the chat")
        assert app.article is None


async def test_reader_shows_the_title_moves_by_section_and_opens_the_contents(library, data_dir):
    app = make_app(retriever=library, data_dir=data_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_idle(pilot)
        answer = await ask(pilot, QUESTION)
        await pilot.press("ctrl+o", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ReaderScreen), 5, "the reader")
        reader = app.screen
        doc = library.document(answer.citations[0].passage.doc_id)
        header = str(reader.query_one("#reader-document").content)
        assert doc.title[:40] in header and doc.short_citation() in header
        first_title = str(reader.query_one("#reader-title").content)
        assert answer.citations[0].passage.section in first_title
        order = reading_order(doc)
        await pilot.press("right_square_bracket")
        await pilot.pause(0.2)
        assert reader.section_index is not None
        nxt = order[reader.section_index]
        assert nxt.start >= doc.section(answer.citations[0].passage.section_path).end
        assert " > ".join(nxt.path) in str(reader.query_one("#reader-title").content)
        await pilot.press("left_square_bracket")
        await pilot.pause(0.2)
        assert order[reader.section_index].start < nxt.start
        await pilot.press("t")
        await wait_until(pilot, lambda: isinstance(app.screen, ContentsScreen), 5, "the contents")
        box = app.screen.query_one(OptionList)
        assert box.option_count == len(contents(doc))
        assert "◂ reading" in box.get_option_at_index(box.highlighted).prompt.plain
        await pilot.press("home", "down", "down", "enter")
        await wait_until(pilot, lambda: app.screen is reader, 5, "back in the reader")
        await pilot.pause(0.2)
        target = contents(doc)[2]
        shown = order[reader.section_index]
        assert shown.start >= target.start and "section" in str(reader.query_one("#reader-document").content)
        await pilot.press("n")
        await pilot.pause(0.2)
        assert reader.section_index is None, "n comes back to the sources"
        assert "Contents" in footer_keys(reader) and "Section" in footer_keys(reader)


async def test_a_reference_marker_opens_its_entry_with_a_pubmed_link(retriever, data_dir):
    app = make_app(retriever=retriever, data_dir=data_dir)
    opened: list[str] = []
    app.open_url = lambda url, **kw: opened.append(url)  # no browser in tests
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_idle(pilot)
        answer = await ask(pilot, QUESTION)
        view = app.query(AnswerView).last()
        content = view.content
        clicks = [(content.plain[sp.start:sp.end], str(sp.style)) for sp in content.spans
                  if "open_reference" in str(sp.style)]
        assert clicks, "the article's own markers are clickable"
        text, style = clicks[0]
        numbers = reference_numbers(text)
        action = style.split("@click=", 1)[1]
        await app.run_action(action)  # what a click on the marker runs
        await wait_until(pilot, lambda: isinstance(app.screen, ReferencesScreen), 5, "the entry")
        entries = app.screen.query_one(OptionList)
        doc = retriever.documents[0]
        ref = doc.references[numbers[0]]
        assert f"[{ref.number}]" in entries.get_option_at_index(0).prompt.plain
        assert f"PMID {ref.pmid}" in entries.get_option_at_index(0).prompt.plain
        await pilot.press("enter")
        await pilot.pause()
        assert opened == [f"https://pubmed.ncbi.nlm.nih.gov/{ref.pmid}/"]
        await pilot.press("escape")
        await pilot.pause()
        # from the sources panel: r lists the focused source's references
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert isinstance(app.focused, SourceList)
        await pilot.press("r")
        await wait_until(pilot, lambda: isinstance(app.screen, ReferencesScreen), 5, "the source's entries")
        listed = app.screen.query_one(OptionList)
        cited = answer.citations[0].references
        assert listed.option_count == len(cited)
        assert "Open PubMed/DOI" in footer_keys(app.screen)


async def test_a_range_marker_in_the_reader_opens_each_entry_and_a_doi(library, data_dir):
    app = make_app(retriever=library, data_dir=data_dir)
    opened: list[str] = []
    app.open_url = lambda url, **kw: opened.append(url)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_idle(pilot)
        # "[1]–[5]" in the introduction of the PLoS ONE article
        doc = library.document("pone.0000217")
        order = reading_order(doc)
        at = next(i for i, s in enumerate(order) if "]–[" in doc.text[s.start:s.end])
        app.push_screen(ReaderScreen(library, [], doc_id=doc.doc_id, section=at))
        await wait_until(pilot, lambda: isinstance(app.screen, ReaderScreen), 5, "the reader")
        await pilot.pause(0.2)
        actions = [(c.plain[sp.start:sp.end], str(sp.style).split("@click=", 1)[1])
                   for w in app.screen.query(".reader-para") for c in [w.content] for sp in c.spans
                   if "open_reference" in str(sp.style)]
        ranged = next((t, a) for t, a in actions if "]–[" in t)
        await app.screen.run_action(ranged[1].removeprefix("screen."))
        await wait_until(pilot, lambda: isinstance(app.screen, ReferencesScreen), 5, "the entries")
        assert app.screen.query_one(OptionList).option_count == len(reference_numbers(ranged[0])) > 1
        await pilot.press("escape")
        await pilot.pause()
        # an entry with a DOI: d opens https://doi.org/…
        ohip = library.document(OHIP)
        with_doi = next(r for r in ohip.references.values() if r.doi)
        from qa.tui.screens.references import show_references

        show_references(app, ohip, (with_doi.number,), f"[{with_doi.number}]")
        await wait_until(pilot, lambda: isinstance(app.screen, ReferencesScreen), 5, "the entry")
        await pilot.press("d")
        await pilot.pause()
        assert opened == [f"https://doi.org/{with_doi.doi}"]


async def test_help_and_footer_list_the_new_keys(library, data_dir):
    app = make_app(retriever=library, data_dir=data_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_idle(pilot)
        keys = footer_keys(app.screen)
        assert "Library" in keys and "Help" in keys
        footer = [k for k in app.screen.query(FooterKey)]
        assert all(k.region.right <= 80 for k in footer), "the whole footer fits 80 columns"
        await open_screen(pilot, "f1", HelpScreen)
        text = " ".join(str(w.content) for w in app.screen.query(".help-key, .help-desc"))
        for needle in ("f3", "Library", "] / [", "table of contents", "click [73]", "PubMed"):
            assert needle in text, needle
