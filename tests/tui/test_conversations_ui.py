"""Conversations that last, driven with Pilot on the real stack, the store in a temporary folder."""

from __future__ import annotations

from textual.widgets import OptionList

from qa.conversations import ConversationStore, title_for
from qa.tui import make_app
from qa.tui.screens.conversations import ConversationsScreen
from qa.tui.screens.prompt import PromptScreen
from qa.tui.widgets.chat_log import TurnView
from qa.tui.widgets.sources import SourceItem

from .conftest import OUT_OF_SCOPE, QUESTION, ask, plain, wait_idle, wait_until

FOLLOW_UP = "What were its most common side effects?"
TITLE = title_for(QUESTION)


def stored(data_dir):
    with ConversationStore(data_dir) as store:
        return [(c.title, c.turns) for c in store.list()]


async def test_chats_are_saved_kept_on_new_chat_resumed_renamed_and_deleted(retriever, data_dir):
    app = make_app(retriever=retriever, data_dir=data_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_idle(pilot)
        await ask(pilot, QUESTION)
        await ask(pilot, FOLLOW_UP)
        assert stored(data_dir) == [(TITLE, 2)]
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert not app.query(TurnView), "the screen starts afresh"
        assert stored(data_dir) == [(TITLE, 2)], "the previous chat is kept"
        await ask(pilot, OUT_OF_SCOPE)
        assert {t for t, _ in stored(data_dir)} == {TITLE, OUT_OF_SCOPE}

        await pilot.press("ctrl+l")
        await wait_until(pilot, lambda: isinstance(app.screen, ConversationsScreen), 5, "the list")
        options = app.screen.query_one(OptionList)
        assert options.option_count == 2
        titles = [options.get_option_at_index(i).prompt.plain for i in range(2)]
        assert OUT_OF_SCOPE in titles[0] and "open now" in titles[0], "newest first, the open one marked"
        assert TITLE in titles[1] and "2 questions" in titles[1]
        await pilot.press("down", "enter")
        await wait_until(pilot, lambda: len(app.query(TurnView)) == 2, 10, "the resumed chat")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert [a.question for a in app.answers.values()] == [QUESTION, FOLLOW_UP]
        first = app.answers[min(app.answers)]
        assert first.citations and "10 mg/day" in plain(first.citations[0].sentence), "sources restored"
        assert app.query(SourceItem), "the last answer's sources are shown"
        again = await ask(pilot, "And how many patients had neutropenia?")
        assert "everolimus" in again.query.lower() or again.query != again.question, \
            "a follow-up leans on the resumed chat"
        assert (TITLE, 3) in stored(data_dir), "and is saved in the same conversation"

        await pilot.press("ctrl+l")
        await wait_until(pilot, lambda: isinstance(app.screen, ConversationsScreen), 5, "the list")
        await pilot.press("r")
        await wait_until(pilot, lambda: isinstance(app.screen, PromptScreen), 5, "the rename prompt")
        app.screen.query_one("#prompt-input").value = "Everolimus dosing"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ConversationsScreen)
        assert "Everolimus dosing" in {t for t, _ in stored(data_dir)}
        await pilot.press("d")
        await pilot.pause()
        assert stored(data_dir) == [(OUT_OF_SCOPE, 1)]
        assert not app.query(TurnView), "deleting the open chat clears it"
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ConversationsScreen)


async def test_history_and_settings_last_between_sessions(retriever, data_dir):
    app = make_app(retriever=retriever, data_dir=data_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_idle(pilot)
        app.set_mode("bm25")
        app.set_k(4)
        await ask(pilot, QUESTION)
    again = make_app(retriever=retriever, data_dir=data_dir)
    async with again.run_test(size=(120, 40)) as pilot:
        await wait_idle(pilot)
        assert again.mode == "bm25" and again.k == 4 and again.session.k == 4
        assert "BM25 · k=4" in str(again.query_one("#status-settings").content)
        await pilot.press("up")
        assert again.question_input.value == QUESTION
        assert not again.query(TurnView), "a new session opens a new chat; the old one is in the list"


async def test_an_unusable_store_is_a_warning_and_the_chat_still_works(retriever, tmp_path):
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("x")
    app = make_app(retriever=retriever, data_dir=blocked)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_idle(pilot)
        assert app.store is None
        assert any("not be saved" in n.message for n in app._notifications)
        answer = await ask(pilot, QUESTION)
        assert "10 mg/day" in plain(answer.text)
