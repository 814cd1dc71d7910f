"""Helpers for the TUI tests: waiting for the app to settle, and small fakes for widget tests."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from qa.answer import Answer

QUESTION = "What is the maximum tolerated dose of everolimus with paclitaxel and trastuzumab?"
OUT_OF_SCOPE = "What is the capital of Australia?"


def plain(text: str) -> str:
    """Text with non-breaking spaces as spaces (the article writes "10\u00a0mg/day")."""
    return text.replace("\u00a0", " ")


ROOT = Path(__file__).resolve().parents[2]
LIBRARY_ARTICLES = ("1472-6831-8-11.nxml", "pone.0000217.nxml")  # two short JATS articles, and the review


@pytest.fixture(scope="session")
def library(tmp_path_factory, retriever, index_dir):
    """A real retriever over three articles: two short JATS articles and the review. Its index starts
    as a copy of the review's, so only the two new articles are embedded."""
    import qa

    corpus = tmp_path_factory.mktemp("library-corpus")
    for name in LIBRARY_ARTICLES:
        shutil.copy(ROOT / "eval" / "articles" / name, corpus / name)
    shutil.copy(ROOT / "corpus" / "her2-review.txt", corpus / "her2-review.txt")
    index = tmp_path_factory.mktemp("library-index")
    shutil.copytree(index_dir, index, dirs_exist_ok=True)
    return qa.Retriever.load(corpus_dir=corpus, index_dir=index)


@pytest.fixture()
def data_dir(tmp_path_factory):
    """The app's data folder (conversation store) for one test: never the user's."""
    return tmp_path_factory.mktemp("qa-data")


@pytest.fixture(autouse=True)
def _no_user_folders(tmp_path, monkeypatch):
    """Even an app made without data_dir or export_dir stays out of the user's folders."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_DOCUMENTS_DIR", str(tmp_path / "documents"))
    for name in ("TMUX", "DISPLAY", "WAYLAND_DISPLAY", "STY"):  # copy tests decide the terminal
        monkeypatch.delenv(name, raising=False)


async def wait_until(pilot, condition, timeout: float = 60.0, what: str = "condition") -> None:
    """Let the app run until `condition()` holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.02)
    await pilot.pause()


async def wait_idle(pilot, timeout: float = 60.0) -> None:
    """Until the retriever is ready and no question is waiting or being answered."""
    app = pilot.app
    await wait_until(pilot, lambda: app.session is not None and app._answering is None
                     and not app._queue and not app._loading, timeout, "the app to be idle")
    await app.workers.wait_for_complete()
    await pilot.pause()


async def ask(pilot, question: str, *, type_it: bool = False) -> object:
    """Ask a question through the question box; the answer once it is shown."""
    app = pilot.app
    n = len(app.answers)
    box = app.question_input
    if type_it:
        await pilot.click("#question")
        await pilot.press(*question)
    else:
        box.focus()
        box.value = question
    await pilot.press("enter")
    await wait_until(pilot, lambda: len(app.answers) > n, what=f"an answer to {question!r}")
    await wait_idle(pilot)
    return app.answers[max(app.answers)]


async def answer_and_focus_sources(pilot, question: str = QUESTION, settle: float | None = None) -> object:
    """Once the app is idle, ask a question and move the focus to its sources (ctrl+o); the answer."""
    await wait_idle(pilot)
    answer = await ask(pilot, question)
    await pilot.press("ctrl+o")
    await pilot.pause(settle)
    return answer


def fake_reference(number: int, pmid: str = "20975068"):
    return SimpleNamespace(number=number, pmid=pmid,
                           short=lambda: f"Andre F et al., J Clin Oncol 2010, PMID {pmid}")


def fake_passage(text: str, section: str = "future strategies > supporting clinical data", refs=()):
    return SimpleNamespace(id="p1", doc_id="article", section=section,
                           section_path=tuple(section.split(" > ")), text=text, start=0,
                           end=len(text), refs=tuple(refs), score=1.0, kind="paragraph",
                           doc_title="A review")


@pytest.fixture()
def fake_answer():
    """A one-citation answer built from plain objects (no model, no index)."""
    ref = fake_reference(71)
    sentence = "The maximum tolerated dose was 10 mg/day [71]."
    passage = fake_passage(f"Data come from phase I trials. {sentence} It was well tolerated.", refs=[ref])
    citation = SimpleNamespace(marker=1, passage=passage, sentence=sentence, references=(ref,), article="",
                               section=passage.section)
    answer = SimpleNamespace(question="What dose?", text=f"{sentence} [1]", citations=(citation,),
                             abstained=False, passages=(passage,), query="What dose?", reason="",
                             closest_sections=(passage.section,), caution="")
    answer.sources_text = lambda: Answer.sources_text(answer)  # the library's own plain-text sources
    return answer
