"""The book of followed questions and their change events: SQLite next to the index (not
inside it, so that `newsqa index --rebuild` keeps it). Each re-answer is recorded in one
transaction with its event, so a process killed at any point loses no event and a second
re-answer of the same update adds none."""

from __future__ import annotations

import contextlib
import datetime
import json
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from index.records import iso
from index.settings import Settings
from qa.citations import Answer
from qa.errors import BadQuestion
from qa.query import Query, Turn

BOOK_NAME = "followed.sqlite3"  # next to the index folder, as feeds.json is

SCHEMA = """
CREATE TABLE IF NOT EXISTS followed (
    id INTEGER PRIMARY KEY,
    question TEXT NOT NULL,
    history TEXT NOT NULL,            -- JSON: [[role, text], ...]
    since TEXT NOT NULL, until TEXT NOT NULL, sources TEXT NOT NULL,
    webhook TEXT NOT NULL,
    followed_at REAL NOT NULL,
    answer TEXT NOT NULL,             -- JSON: the last Answer (Answer.to_dict)
    announced TEXT,                   -- JSON: the Answer events compare with; NULL: answer
    seen INTEGER NOT NULL,            -- the store generation it was last answered at
    store TEXT NOT NULL,              -- the store it was answered from (its `created`)
    UNIQUE (question, history, since, until, sources)
);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY,
    followed INTEGER NOT NULL,
    generation INTEGER NOT NULL,      -- the update that changed it: one event per update
    at REAL NOT NULL,
    why TEXT NOT NULL,
    old TEXT NOT NULL, new TEXT NOT NULL,             -- the short answers
    old_answer TEXT NOT NULL, new_answer TEXT NOT NULL,  -- JSON Answers, with citations
    read INTEGER NOT NULL DEFAULT 0,
    delivered INTEGER NOT NULL DEFAULT 0,             -- posted to the webhook
    UNIQUE (followed, generation)
);
CREATE TABLE IF NOT EXISTS considered (  -- article versions already weighed against them all
    article TEXT PRIMARY KEY,
    digest TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class Followed:
    """A followed question: the Query it is re-answered with, where its events are posted,
    its last answer with the store generation that answer saw, and the answer it was last
    announced with (when followed, or by its latest event) that a new answer is weighed
    against."""

    id: int
    query: Query
    webhook: str
    answer: Answer
    seen: int
    store: str
    announced: Answer


@dataclass(frozen=True)
class Event:
    """The coverage changed a followed question's answer: from `old` to `new` (short
    answers; the Answers hold their citations)."""

    id: int
    followed: int
    question: str
    at: datetime.datetime
    why: str
    old: str
    new: str
    old_answer: Answer
    new_answer: Answer
    read: bool
    webhook: str = ""

    def to_dict(self) -> dict:
        """As JSON takes it: the webhook's body, `newsqa follow --events --json`."""
        return {"id": self.id, "question": self.question, "at": self.at.isoformat(),
                "why": self.why, "old": self.old, "new": self.new,
                "citations": self.new_answer.to_dict()["citations"],
                "old_citations": self.old_answer.to_dict()["citations"]}


def book_path(settings: Settings) -> Path:
    return Path(settings.index_dir).with_name(BOOK_NAME)


def _key(query: Query) -> tuple[str, str, str, str, str]:
    return (query.question, json.dumps([[t.role, t.text] for t in query.history]),
            iso(query.since) or "", iso(query.until) or "", json.dumps(list(query.sources)))


class Book:
    def __init__(self, path: Path):
        self.path = path

    @classmethod
    def of(cls, settings: Settings) -> Book:
        return cls(book_path(settings))

    def exists(self) -> bool:
        """Whether anything was ever followed here (without creating the file)."""
        return self.path.exists()

    @contextlib.contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=30)
        try:
            db.executescript(SCHEMA)
            columns = {row[1] for row in db.execute("PRAGMA table_info(followed)")}
            if "announced" not in columns:  # a book from before announcements were kept
                db.execute("ALTER TABLE followed ADD COLUMN announced TEXT")
            with db:  # one transaction
                yield db
        finally:
            db.close()

    # -- followed questions ---------------------------------------------------------------
    def add(self, query: Query, answer: Answer, seen: int, store: str, webhook: str = ""
            ) -> Followed:
        with self._db() as db:
            try:
                cursor = db.execute(
                    "INSERT INTO followed (question, history, since, until, sources, webhook, "
                    "followed_at, answer, seen, store) VALUES (?,?,?,?,?,?,?,?,?,?)",
                    (*_key(query), webhook, time.time(), answer.to_json(), seen, store))
            except sqlite3.IntegrityError:
                raise BadQuestion(f"You already follow “{query.question}”.") from None
        return Followed(cursor.lastrowid, query, webhook, answer, seen, store, answer)

    def drop(self, which: str) -> Followed:
        """Stop following a question, named by its text or its number in `--list`."""
        found = [f for f in self.followed()
                 if str(f.id) == which.strip() or f.query.question == which.strip()]
        if not found:
            raise BadQuestion(f"You do not follow “{which}”; `newsqa follow --list` shows what "
                              "you follow.")
        with self._db() as db:
            for f in found:
                db.execute("DELETE FROM events WHERE followed = ?", (f.id,))
                db.execute("DELETE FROM followed WHERE id = ?", (f.id,))
        return found[0]

    def followed(self) -> list[Followed]:
        if not self.exists():
            return []
        with self._db() as db:
            rows = db.execute("SELECT id, question, history, since, until, sources, webhook, "
                              "answer, seen, store, coalesce(announced, answer) FROM followed "
                              "ORDER BY id").fetchall()
        return [Followed(id_, _query(question, history, since, until, sources), webhook,
                         Answer.from_dict(json.loads(answer)), seen, store,
                         Answer.from_dict(json.loads(announced)))
                for id_, question, history, since, until, sources, webhook, answer, seen, store,
                announced in rows]

    def answered(self, followed: Followed, answer: Answer, announced: Answer, seen: int,
                 store: str, change: tuple[str, str, str] | None) -> Event | None:
        """Record a re-answer, the answer now announced and, when it changed (why, old, new),
        its event: all in one transaction; an event this update already recorded is not
        recorded again."""
        with self._db() as db:
            db.execute("UPDATE followed SET answer = ?, announced = ?, seen = ?, store = ? "
                       "WHERE id = ?", (answer.to_json(), announced.to_json(), seen, store,
                                        followed.id))
            if change is None:
                return None
            why, old, new = change
            cursor = db.execute(
                "INSERT OR IGNORE INTO events (followed, generation, at, why, old, new, "
                "old_answer, new_answer) VALUES (?,?,?,?,?,?,?,?)",
                (followed.id, seen, time.time(), why, old, new, followed.announced.to_json(),
                 answer.to_json()))
            return self._event(db, cursor.lastrowid) if cursor.rowcount else None

    def unconsidered(self, digests: dict[str, str]) -> set[str]:
        """The articles of these (id: digest) not yet weighed in this version."""
        with self._db() as db:
            known = dict(db.execute("SELECT article, digest FROM considered"))
        return {id_ for id_, digest in digests.items() if known.get(id_) != digest}

    def considered(self, digests: dict[str, str]) -> None:
        with self._db() as db:
            db.executemany("INSERT OR REPLACE INTO considered VALUES (?, ?)", digests.items())

    # -- events ---------------------------------------------------------------------------
    _EVENTS = ("SELECT e.id, e.followed, f.question, e.at, e.why, e.old, e.new, e.old_answer, "
               "e.new_answer, e.read, f.webhook FROM events e JOIN followed f "
               "ON f.id = e.followed")

    def _event(self, db: sqlite3.Connection, id_: int) -> Event:
        return _as_event(db.execute(self._EVENTS + " WHERE e.id = ?", (id_,)).fetchone())

    def events(self, unread_only: bool = False, limit: int = 100) -> list[Event]:
        """The latest events first."""
        if not self.exists():
            return []
        with self._db() as db:
            rows = db.execute(self._EVENTS + (" WHERE e.read = 0" if unread_only else "")
                              + " ORDER BY e.id DESC LIMIT ?", (limit,)).fetchall()
        return [_as_event(r) for r in rows]

    def mark_read(self) -> None:
        if self.exists():
            with self._db() as db:
                db.execute("UPDATE events SET read = 1 WHERE read = 0")

    def undelivered(self) -> list[Event]:
        if not self.exists():
            return []
        with self._db() as db:
            rows = db.execute(self._EVENTS + " WHERE e.delivered = 0 AND f.webhook != '' "
                              "ORDER BY e.id").fetchall()
        return [_as_event(r) for r in rows]

    def delivered(self, event: Event) -> None:
        with self._db() as db:
            db.execute("UPDATE events SET delivered = 1 WHERE id = ?", (event.id,))


def _query(question: str, history: str, since: str, until: str, sources: str) -> Query:
    return Query(question=question, history=tuple(Turn(role, text) for role, text
                                                  in json.loads(history)),
                 since=datetime.date.fromisoformat(since) if since else None,
                 until=datetime.date.fromisoformat(until) if until else None,
                 sources=tuple(json.loads(sources)))


def _as_event(row: tuple) -> Event:
    id_, followed, question, at, why, old, new, old_answer, new_answer, read, webhook = row
    return Event(id_, followed, question, datetime.datetime.fromtimestamp(at, datetime.UTC),
                 why, old, new, Answer.from_dict(json.loads(old_answer)),
                 Answer.from_dict(json.loads(new_answer)), bool(read), webhook)
