"""The conversation store, on a temporary data folder (never the user's)."""

from __future__ import annotations

import sqlite3

import pytest

from qa.conversations import (
    SCHEMA_VERSION,
    ConversationStore,
    ConversationStoreError,
    default_data_dir,
    title_for,
)

ANSWER = {"question": "What dose?", "answer": "It was 10 mg/day [71].", "abstained": False,
          "citations": [{"marker": 1, "sentence": "It was 10 mg/day [71].", "passage_id": "p1"}]}


@pytest.fixture()
def store(tmp_path):
    with ConversationStore(data_dir=tmp_path / "data") as s:
        yield s


def test_the_file_lives_in_the_data_dir_given(tmp_path):
    with ConversationStore(data_dir=tmp_path / "new" / "folder") as s:
        assert s.path == tmp_path / "new" / "folder" / "conversations.sqlite3"
        assert s.path.exists() and s.schema_version == SCHEMA_VERSION


def test_default_data_dir_comes_from_platformdirs(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_data_dir() == tmp_path / "qa"


def test_create_append_list_and_load(store):
    assert store.list() == []
    first = store.create()
    store.append_turn(first, "What is the maximum tolerated dose of everolimus?", ANSWER)
    store.append_turn(first, "And its side effects?", {**ANSWER, "question": "And its side effects?"})
    second = store.create("Another")
    listed = store.list()
    assert {c.id for c in listed} == {first, second}
    by_id = {c.id: c for c in listed}
    assert by_id[first].title == "What is the maximum tolerated dose of everolimus?"  # named by its first question
    assert by_id[first].turns == 2 and by_id[second].turns == 0 and by_id[second].title == "Another"
    chat = store.load(first)
    assert [t.position for t in chat.turns] == [1, 2]
    assert chat.turns[0].answer == ANSWER and chat.turns[1].question == "And its side effects?"


def test_the_most_recently_used_conversation_comes_first(store):
    a = store.create("a")
    b = store.create("b")
    store.append_turn(a, "q", ANSWER)
    with store._transaction() as db:  # make the order independent of the clock's resolution
        db.execute("UPDATE conversations SET updated = '2000-01-01T00:00:00+00:00' WHERE id = ?", (b,))
    assert [c.id for c in store.list()] == [a, b]


def test_append_accepts_an_object_with_to_dict(store):
    class FakeAnswer:
        def to_dict(self):
            return ANSWER

    chat = store.create()
    turn = store.append_turn(chat, "What dose?", FakeAnswer())
    assert turn.answer == ANSWER and store.load(chat).turns[0].answer == ANSWER


def test_rename_and_delete(store):
    chat = store.create()
    store.append_turn(chat, "q", ANSWER)
    store.rename(chat, "  Dosing   of everolimus ")
    assert store.list()[0].title == "Dosing of everolimus"
    with pytest.raises(ValueError):
        store.rename(chat, "   ")
    with pytest.raises(KeyError):
        store.rename(999, "x")
    store.delete(chat)
    assert store.list() == []
    with pytest.raises(KeyError):
        store.load(chat)
    assert store._db.execute("SELECT COUNT(*) FROM turns").fetchone()[0] == 0, "its turns go too"
    store.delete(chat)  # deleting twice is no error


def test_append_to_a_missing_conversation_changes_nothing(store):
    with pytest.raises(KeyError):
        store.append_turn(42, "q", ANSWER)
    assert store._db.execute("SELECT COUNT(*) FROM turns").fetchone()[0] == 0


def test_a_failed_write_is_rolled_back(store, monkeypatch):
    chat = store.create("kept")
    with pytest.raises(RuntimeError):
        with store._transaction() as db:
            db.execute("UPDATE conversations SET title = 'changed' WHERE id = ?", (chat,))
            raise RuntimeError("crash mid-write")
    assert store.load(chat).title == "kept"


def test_data_survives_reopening(tmp_path):
    with ConversationStore(data_dir=tmp_path) as s:
        chat = s.create()
        s.append_turn(chat, "What dose?", ANSWER)
        s.add_question("What dose?")
        s.save_settings(mode="bm25", k=4, article=None)
    with ConversationStore(data_dir=tmp_path) as s:
        assert s.load(chat).turns[0].answer == ANSWER
        assert s.questions() == ["What dose?"]
        assert s.settings() == {"mode": "bm25", "k": 4, "article": None}


def test_question_history_drops_immediate_repeats_and_keeps_a_limit(store, monkeypatch):
    import qa.conversations as conv

    monkeypatch.setattr(conv, "HISTORY_LIMIT", 3)
    for q in ("one", "two", "two", " three ", "four"):
        store.add_question(q)
    store.add_question("   ")
    assert store.questions() == ["two", "three", "four"]
    assert store.questions(limit=2) == ["three", "four"]


def test_settings_are_validated_and_updated(store):
    assert store.settings() == {}
    store.save_settings(mode="dense")
    store.save_settings(mode="hybrid", k=8)
    assert store.settings() == {"mode": "hybrid", "k": 8}
    with pytest.raises(ValueError):
        store.save_settings(colour="red")


def test_an_older_schema_is_migrated_and_a_newer_one_refused(tmp_path):
    path = tmp_path / "conversations.sqlite3"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    db.execute("INSERT INTO schema_version VALUES (0)")
    db.commit()
    db.close()
    with ConversationStore(data_dir=tmp_path) as s:
        assert s.schema_version == SCHEMA_VERSION
        s.create("works")
    db = sqlite3.connect(path)
    db.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION + 1,))
    db.commit()
    db.close()
    with pytest.raises(ConversationStoreError, match="newer"):
        ConversationStore(data_dir=tmp_path)


def test_a_file_that_is_not_a_database_is_a_clear_error(tmp_path):
    (tmp_path / "conversations.sqlite3").write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(ConversationStoreError, match="cannot open"):
        ConversationStore(data_dir=tmp_path)


def test_titles_are_one_short_line():
    assert title_for("What\n dose?") == "What dose?"
    long = title_for("word " * 40)
    assert len(long) <= 80 and long.endswith("…")


def test_the_store_does_not_import_textual():
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", "import sys, qa.conversations; print('textual' in sys.modules)"],
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
