"""Snapshots of the main screen with an answer, the reader, the help screen and the library (real stack).

Each SVG under __snapshots__/ was rendered to PNG and checked by eye before it was accepted.
Update with `pytest tests/tui/test_snapshots.py --snapshot-update`, then look at them again.
"""

from __future__ import annotations

import pytest

from qa.tui import make_app

from .conftest import OUT_OF_SCOPE, QUESTION, ask, wait_idle


async def _answered(pilot, *questions: str) -> None:
    pilot.app.question_input.cursor_blink = False
    await wait_idle(pilot)
    for q in questions:
        await ask(pilot, q)
    await pilot.pause()


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
def test_main_screen_with_an_answer(snap_compare, retriever, size, data_dir):
    async def run_before(pilot):
        await _answered(pilot, QUESTION)

    assert snap_compare(make_app(retriever=retriever, data_dir=data_dir), terminal_size=size, run_before=run_before)


def test_main_screen_with_an_abstention(snap_compare, retriever, data_dir):
    async def run_before(pilot):
        await _answered(pilot, OUT_OF_SCOPE)

    assert snap_compare(make_app(retriever=retriever, data_dir=data_dir), terminal_size=(120, 36), run_before=run_before)


@pytest.mark.parametrize("size", [(80, 24), (120, 36)], ids=["80x24", "120x36"])
def test_reader_view(snap_compare, retriever, size, data_dir):
    async def run_before(pilot):
        await _answered(pilot, QUESTION)
        await pilot.press("ctrl+o", "enter")
        await pilot.pause(0.3)

    assert snap_compare(make_app(retriever=retriever, data_dir=data_dir), terminal_size=size, run_before=run_before)


def test_help_screen(snap_compare, retriever, data_dir):
    async def run_before(pilot):
        await _answered(pilot)
        await pilot.press("f1")
        await pilot.pause()

    assert snap_compare(make_app(retriever=retriever, data_dir=data_dir), terminal_size=(100, 32), run_before=run_before)


def test_library_screen(snap_compare, library, data_dir):
    """The library of three articles at 80x24, over the chat."""
    async def run_before(pilot):
        await _answered(pilot)
        await pilot.press("f3")
        await pilot.pause(0.3)

    assert snap_compare(make_app(retriever=library, data_dir=data_dir), terminal_size=(80, 24), run_before=run_before)


def test_main_screen_with_an_answer_from_several_articles(snap_compare, library, data_dir):
    """Answers and sources name their article at 120x36."""
    async def run_before(pilot):
        await _answered(pilot, QUESTION)

    assert snap_compare(make_app(retriever=library, data_dir=data_dir), terminal_size=(120, 36), run_before=run_before)
