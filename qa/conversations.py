"""Conversations that last: a small SQLite store of chats, their turns, the question history and the
chat settings (retrieval mode, k, the article filter).

The store is stdlib `sqlite3` behind one class, `ConversationStore`; it never imports the UI. Its file,
`conversations.sqlite3`, lives in the user's data folder (`platformdirs.user_data_dir("qa")`) unless
a `data_dir` is given, as tests do. Every write is one transaction: a failure leaves the file as it
was. The schema carries its version (`schema_version`); opening an older file migrates it forward,
opening a newer one is refused.

Each turn keeps the answer as the JSON of `qa.Answer.to_dict()`, so a stored chat can be shown (and
its sources restored against the index) without the library objects that produced it.

    store = ConversationStore(data_dir="/tmp/qa-data")
    chat = store.create("Everolimus dosing")
    store.append_turn(chat, "What is the MTD?", answer.to_dict())
    for summary in store.list():
        print(summary.id, summary.title, summary.turns)
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from qa.errors import QAError

APP_NAME = "qa"
FILENAME = "conversations.sqlite3"
TITLE_CHARS = 80  # a new chat is titled with its first question, cut to this many characters
HISTORY_LIMIT = 500  # questions kept in the history (oldest dropped first)
SETTING_KEYS = ("mode", "k", "article")

# Each entry takes the schema from version i to i + 1; append, never edit a released one.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE conversations (
        id INTEGER PRIMARY KEY,
        title TEXT NOT NULL,
        created TEXT NOT NULL,
        updated TEXT NOT NULL
    );
    CREATE TABLE turns (
        id INTEGER PRIMARY KEY,
        conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        question TEXT NOT NULL,
        answer TEXT NOT NULL,
        asked TEXT NOT NULL,
        UNIQUE (conversation_id, position)
    );
    CREATE TABLE questions (
        id INTEGER PRIMARY KEY,
        question TEXT NOT NULL,
        asked TEXT NOT NULL
    );
    CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


class ConversationStoreError(QAError):
    """The conversation file cannot be opened or used (written by a newer qa, corrupt, unwritable)."""


@dataclass(frozen=True)
class ConversationSummary:
    """One line of the conversation list."""

    id: int
    title: str
    created: str  # ISO 8601, UTC
    updated: str
    turns: int


@dataclass(frozen=True)
class StoredTurn:
    """A question and its answer (`qa.Answer.to_dict()`), as stored."""

    position: int  # 1-based, in the order asked
    question: str
    answer: dict[str, Any]
    asked: str


@dataclass(frozen=True)
class Conversation:
    """A whole conversation, its turns in order."""

    id: int
    title: str
    created: str
    updated: str
    turns: tuple[StoredTurn, ...]


def default_data_dir() -> Path:
    """The user's data folder for qa (`~/.local/share/qa` on Linux), from `platformdirs`."""
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def title_for(question: str) -> str:
    """A conversation title from its first question: one line, at most `TITLE_CHARS` characters."""
    text = " ".join(question.split())
    if len(text) <= TITLE_CHARS:
        return text
    cut = text.rfind(" ", 0, TITLE_CHARS - 1)
    return text[: cut if cut > 20 else TITLE_CHARS - 1] + "…"


class ConversationStore:
    """Conversations, question history and settings in one SQLite file.

    Args:
        data_dir: the folder of the file (created if missing); by default the user's data folder.
        filename: the file's name inside `data_dir`.

    Raises:
        ConversationStoreError: the file is not a conversation store qa can read.
    """

    def __init__(self, data_dir: Path | str | None = None, filename: str = FILENAME) -> None:
        self.data_dir = Path(data_dir).expanduser() if data_dir is not None else default_data_dir()
        self.path = self.data_dir / filename
        self._lock = threading.RLock()
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            # autocommit mode: transactions are explicit (`_transaction`)
            self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            self._db.row_factory = sqlite3.Row
            self._db.execute("PRAGMA foreign_keys = ON")
            self._db.execute("PRAGMA journal_mode = WAL")
            self._migrate()
        except sqlite3.DatabaseError as e:
            raise ConversationStoreError(f"cannot open the conversation file {self.path}: {e}") from e
        except OSError as e:
            raise ConversationStoreError(f"cannot create the data folder {self.data_dir}: {e}") from e

    # ------------------------------------------------------------------ plumbing

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: all of it is committed, or none of it."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _migrate(self) -> None:
        with self._transaction() as db:
            db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            row = db.execute("SELECT version FROM schema_version").fetchone()
            version = row["version"] if row else 0
            if version > SCHEMA_VERSION:
                raise ConversationStoreError(
                    f"{self.path} was written by a newer qa (schema {version}; this one reads up to "
                    f"{SCHEMA_VERSION})")
            for script in MIGRATIONS[version:]:
                for statement in script.split(";"):
                    if statement.strip():
                        db.execute(statement)
            if row is None:
                db.execute("INSERT INTO schema_version (version) VALUES (?)", (SCHEMA_VERSION,))
            elif version < SCHEMA_VERSION:
                db.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION,))

    @property
    def schema_version(self) -> int:
        return self._db.execute("SELECT version FROM schema_version").fetchone()["version"]

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> "ConversationStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _require(self, db: sqlite3.Connection, conversation_id: int) -> None:
        if db.execute("SELECT 1 FROM conversations WHERE id = ?", (conversation_id,)).fetchone() is None:
            raise KeyError(f"no conversation {conversation_id}")

    # ------------------------------------------------------------------ conversations

    def list(self) -> list[ConversationSummary]:
        """Every conversation, the most recently used first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT c.id, c.title, c.created, c.updated, COUNT(t.id) AS turns FROM conversations c "
                "LEFT JOIN turns t ON t.conversation_id = c.id GROUP BY c.id "
                "ORDER BY c.updated DESC, c.id DESC").fetchall()
        return [ConversationSummary(r["id"], r["title"], r["created"], r["updated"], r["turns"])
                for r in rows]

    def create(self, title: str = "") -> int:
        """A new, empty conversation; its id."""
        now = _now()
        with self._transaction() as db:
            cur = db.execute("INSERT INTO conversations (title, created, updated) VALUES (?, ?, ?)",
                             (title_for(title) if title else "New chat", now, now))
            return int(cur.lastrowid)

    def append_turn(self, conversation_id: int, question: str, answer: Mapping[str, Any] | Any) -> StoredTurn:
        """Add a question and its answer (a dict, or anything with `to_dict()`, like `qa.Answer`) at the
        end of a conversation. The first turn of an untitled chat names it.

        Raises:
            KeyError: there is no such conversation.
        """
        record = dict(answer.to_dict() if hasattr(answer, "to_dict") else answer)
        payload = json.dumps(record, ensure_ascii=False)
        now = _now()
        with self._transaction() as db:
            self._require(db, conversation_id)
            position = db.execute("SELECT COALESCE(MAX(position), 0) + 1 FROM turns WHERE conversation_id = ?",
                                  (conversation_id,)).fetchone()[0]
            db.execute("INSERT INTO turns (conversation_id, position, question, answer, asked) "
                       "VALUES (?, ?, ?, ?, ?)", (conversation_id, position, question, payload, now))
            db.execute("UPDATE conversations SET updated = ?, title = CASE WHEN title = 'New chat' "
                       "AND ? = 1 THEN ? ELSE title END WHERE id = ?",
                       (now, position, title_for(question), conversation_id))
        return StoredTurn(position, question, record, now)

    def rename(self, conversation_id: int, title: str) -> None:
        """Give a conversation a new title (one line; an empty title is refused).

        Raises:
            KeyError: there is no such conversation.
            ValueError: the title is empty.
        """
        title = " ".join(title.split())
        if not title:
            raise ValueError("a conversation title cannot be empty")
        with self._transaction() as db:
            self._require(db, conversation_id)
            db.execute("UPDATE conversations SET title = ? WHERE id = ?", (title, conversation_id))

    def delete(self, conversation_id: int) -> None:
        """Delete a conversation and its turns (a missing one is no error)."""
        with self._transaction() as db:
            db.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))

    def load(self, conversation_id: int) -> Conversation:
        """A conversation with all its turns.

        Raises:
            KeyError: there is no such conversation.
        """
        with self._lock:
            row = self._db.execute("SELECT * FROM conversations WHERE id = ?", (conversation_id,)).fetchone()
            if row is None:
                raise KeyError(f"no conversation {conversation_id}")
            turns = self._db.execute("SELECT position, question, answer, asked FROM turns "
                                     "WHERE conversation_id = ? ORDER BY position", (conversation_id,)).fetchall()
        return Conversation(row["id"], row["title"], row["created"], row["updated"],
                            tuple(StoredTurn(t["position"], t["question"], json.loads(t["answer"]), t["asked"])
                                  for t in turns))

    # ------------------------------------------------------------------ question history

    def add_question(self, question: str) -> None:
        """Remember a question asked (an immediate repeat is kept once); the oldest beyond
        `HISTORY_LIMIT` are forgotten."""
        question = question.strip()
        if not question:
            return
        with self._transaction() as db:
            last = db.execute("SELECT question FROM questions ORDER BY id DESC LIMIT 1").fetchone()
            if last is not None and last["question"] == question:
                return
            db.execute("INSERT INTO questions (question, asked) VALUES (?, ?)", (question, _now()))
            db.execute("DELETE FROM questions WHERE id NOT IN "
                       "(SELECT id FROM questions ORDER BY id DESC LIMIT ?)", (HISTORY_LIMIT,))

    def questions(self, limit: int = HISTORY_LIMIT) -> list[str]:
        """The questions asked, oldest first (the last `limit`)."""
        with self._lock:
            rows = self._db.execute("SELECT question FROM questions ORDER BY id DESC LIMIT ?",
                                    (limit,)).fetchall()
        return [r["question"] for r in reversed(rows)]

    # ------------------------------------------------------------------ settings

    def settings(self) -> dict[str, Any]:
        """The saved settings (`mode`, `k`, `article`): only those ever set."""
        with self._lock:
            rows = self._db.execute("SELECT key, value FROM settings").fetchall()
        return {r["key"]: json.loads(r["value"]) for r in rows}

    def save_settings(self, **values: Any) -> None:
        """Save some settings at once, e.g. `save_settings(mode="bm25", k=4, article=None)`.

        Raises:
            ValueError: an unknown setting name.
        """
        unknown = sorted(set(values) - set(SETTING_KEYS))
        if unknown:
            raise ValueError(f"unknown settings {unknown}; known: {list(SETTING_KEYS)}")
        with self._transaction() as db:
            for key, value in values.items():
                db.execute("INSERT INTO settings (key, value) VALUES (?, ?) "
                           "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, json.dumps(value)))


__all__ = ["Conversation", "ConversationStore", "ConversationStoreError", "ConversationSummary",
           "StoredTurn", "default_data_dir", "title_for"]
