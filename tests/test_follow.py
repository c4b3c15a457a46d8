"""Followed questions on the real stack: answered when followed, re-answered after the
updates that may change them (and only those), one event per change that survives a
rebuild, kill -9 and a second run; their webhook and Atom feed; bad input in one line."""

from __future__ import annotations

import datetime
import http.server
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from index.build import build
from index.records import Article
from qa.citations import Answer, Citation
from qa.errors import BadQuestion
from qa.follow.book import Book, Followed, book_path
from qa.follow.following import CHANGED, follow, reanswer, touches, weigh
from qa.query import Query
from tests.conftest import ROOT, SEEDS, free_port, settings_for

RIDERS = "How many passengers ride the harbour ferry each day?"
FERRY = """---
title: Harbour ferry fares set
date: 2023-05-02
---
The harbour ferry between Northport and Kelby Island will start running in June, the port
authority said on Tuesday. A single ticket will cost four dollars, and children under twelve
ride free. The authority expects about 3,000 passengers a day.
"""
FERRY_LATER = """---
title: Harbour ferry fare rises
date: 2023-08-15
---
The port authority raised the fare of the harbour ferry between Northport and Kelby Island on
Monday. A single ticket now costs six dollars, up from four, because fuel prices rose.
Ridership has reached 3,500 passengers a day.
"""
CAFE = """---
title: Le Procope reopens
date: 2023-06-10
---
Le Procope, the oldest café in Paris, reopened on Tuesday after a renovation. Its owner,
René Dubois, said the terrace now seats eighty guests.
"""


class Counting:
    """The pipeline, counting the questions it answers."""

    def __init__(self, parts):
        self.parts, self.asked = parts, []

    def answer(self, query):
        self.asked.append(query.question)
        return self.parts.answer(query)

    def __getattr__(self, name):
        return getattr(self.parts, name)


def ferry_folder(tmp: Path, embeddings, **more):
    folder = tmp / "articles"
    folder.mkdir()
    (folder / "seed.txt").write_text(next(SEEDS.glob("*.txt")).read_text())
    (folder / "ferry.md").write_text(FERRY)
    settings = settings_for(tmp, articles=folder, **more)
    build([folder], settings, embeddings=embeddings)
    return settings


def test_a_followed_question_changes_once_per_update_and_survives_a_rebuild(
        tmp_path, embeddings):
    from qa.pipeline import pipeline

    settings = ferry_folder(tmp_path, embeddings)
    now, followed = follow(Query.parse(RIDERS, settings), settings)
    assert now.short == "about 3,000" and followed.id == 1
    with pytest.raises(BadQuestion, match="already follow"):
        follow(Query.parse(RIDERS, settings), settings)
    parts = Counting(pipeline(settings))

    (settings.articles / "cafe.md").write_text(CAFE)  # nothing about the ferry
    build([settings.articles], settings, embeddings=embeddings)
    assert reanswer(settings, parts) == [] and parts.asked == []

    (settings.articles / "ferry-later.md").write_text(FERRY_LATER)
    build([settings.articles], settings, embeddings=embeddings)
    events = reanswer(settings, parts)
    assert [(e.question, e.old, e.new) for e in events] == [(RIDERS, "about 3,000", "3,500")]
    assert parts.asked == [RIDERS]
    assert any("3,500 passengers" in c.quote for c in events[0].new_answer.citations)
    assert reanswer(settings, parts) == []  # the same update again: no second event
    assert len(Book.of(settings).events()) == 1

    build([settings.articles], settings, rebuild=True, embeddings=embeddings)
    assert [f.query.question for f in Book.of(settings).followed()] == [RIDERS]
    assert reanswer(settings, parts) == [] and parts.asked == [RIDERS, RIDERS]  # all, again
    Book.of(settings).mark_read()
    assert Book.of(settings).events(unread_only=True) == []

    # The article the answer quotes is removed: the older answer is news again, whatever
    # its evidence scores against the removed one's.
    (settings.articles / "ferry-later.md").unlink()
    build([settings.articles], settings, embeddings=embeddings)
    events = reanswer(settings, parts)
    assert [(e.old, e.new) for e in events] == [("3,500", "about 3,000")]


def _followed(question: str, cited: tuple[str, ...] = (), **scope) -> Followed:
    citations = tuple(Citation(n=i + 1, article_id=a, title="", date=None, url="", quote="q",
                               start=0, end=1) for i, a in enumerate(cited))
    answer = Answer(question, "", citations, False)
    return Followed(1, Query(question, **scope), "", answer, 0, "", answer)


def _article(id_: str, text: str, date: str = "2023-05-02", title: str = "") -> Article:
    return Article(id_, title, datetime.date.fromisoformat(date), None, None, id_, text)


def test_an_update_touches_a_question_by_its_terms_its_scope_and_its_citations():
    idf = {"ferry": 3.0, "passenger": 2.0, "harbour": 2.0, "day": 0.5, "ride": 1.0}.get

    def touched(f, articles, removed=()):
        return touches(f, {a.id: a for a in articles}, removed, lambda t: idf(t, 1.0),
                       lambda outlets: {"a"} & set(outlets))  # article "a" is from outlet "a"

    asked = _followed(RIDERS)
    assert touched(asked, [_article("a", "Ferry passengers on the harbour line.")])
    assert not touched(asked, [_article("a", "A café reopened in Paris on a sunny day.")])
    later = _followed(RIDERS, since=datetime.date(2023, 6, 1))
    assert not touched(later, [_article("a", "Ferry passengers on the harbour line.")])
    for outlet, touching in (("a", True), ("b", False)):
        only = _followed(RIDERS, sources=(outlet,))
        assert touched(only, [_article("a", "Ferry passengers on the harbour line.")]) is touching
    cited = _followed(RIDERS, cited=("gone",))
    assert touched(cited, [], removed={"gone"}) and not touched(cited, [], removed={"x"})


def _answer(short: str, score: float = 1.0) -> Answer:
    return Answer("q", short, (), False, score=score, short=short)


def test_a_change_is_another_short_answer_put_forward():
    def change(old, new):
        return weigh(old, new)[1]

    assert change(_answer("Elton John"), _answer("John")) is None  # said differently
    assert change(_answer(""), _answer("")) is None
    assert change(_answer("about 3,000"), _answer("3,500"))[1:] == ("about 3,000", "3,500")
    assert change(_answer(""), _answer("3,000"))[1:] == ("", "3,000")  # appeared
    withdrawn = _answer("")  # a weaker day's reading: not news, and the answer stands
    assert weigh(_answer("3,000"), withdrawn) == (_answer("3,000"), None)
    assert weigh(_answer("3,000"), _answer("3,500"))[0].short == "3,500"


def test_another_answer_on_weaker_evidence_is_not_news_unless_the_old_evidence_is_gone():
    announced, weaker = _answer("Amazon", score=1.6), _answer("Microsoft", score=1.2)
    assert weigh(announced, weaker) == (announced, None)
    stronger = _answer("Microsoft", score=1.7)
    assert weigh(announced, stronger) == (stronger, (CHANGED, "Amazon", "Microsoft"))
    # the same answer on weaker evidence is announced as it stands now
    assert weigh(announced, _answer("Amazon", score=1.0))[0].score == 1.0
    # rebuilt, or the article it quoted removed: scores are not compared
    assert weigh(announced, weaker, comparable=False) == (weaker,
                                                          (CHANGED, "Amazon", "Microsoft"))


def test_a_follow_up_is_kept_with_its_history_and_scope(tmp_path):
    from qa.query import Turn

    book = Book.of(settings_for(tmp_path))
    asked = Query("Which of them runs Netflix?", history=(
        Turn("user", "Who attended the talks?"), Turn("assistant", "**Bob Iger, Ted Sarandos**")),
        since=datetime.date(2023, 9, 1), sources=("cnn.com",))
    book.add(asked, _answer("Ted Sarandos"), 7, "store")
    [kept] = book.followed()
    assert kept.query == asked and kept.answer.short == "Ted Sarandos" and kept.seen == 7
    assert book.path == tmp_path / "followed.sqlite3"  # beside the index, not in it


def test_the_book_shows_the_latest_answer_and_weighs_against_the_announced_one(tmp_path):
    book = Book.of(settings_for(tmp_path))
    first = _answer("Amazon", score=1.6)
    followed = book.add(Query("Which company cut 10,000 jobs?"), first, 1, "store")
    weaker = _answer("Microsoft", score=1.2)
    assert book.answered(followed, weaker, first, 2, "store", None) is None
    [now] = book.followed()
    assert (now.answer.short, now.announced.short) == ("Microsoft", "Amazon")
    stronger = _answer("Google", score=1.8)
    event = book.answered(now, stronger, stronger, 3, "store", (CHANGED, "Amazon", "Google"))
    assert (event.old, event.new, event.old_answer.score) == ("Amazon", "Google", 1.6)
    assert book.followed()[0].announced == stronger


def test_a_book_from_before_announcements_announces_its_last_answer(tmp_path):
    path = tmp_path / "followed.sqlite3"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE followed (id INTEGER PRIMARY KEY, question TEXT NOT NULL, "
               "history TEXT NOT NULL, since TEXT NOT NULL, until TEXT NOT NULL, sources TEXT "
               "NOT NULL, webhook TEXT NOT NULL, followed_at REAL NOT NULL, answer TEXT NOT NULL,"
               " seen INTEGER NOT NULL, store TEXT NOT NULL, UNIQUE (question, history, since, "
               "until, sources))")
    db.execute("INSERT INTO followed VALUES (1, 'Who owns Le Procope?', '[]', '', '', '[]', '',"
               " 0, ?, 4, 'store')", (_answer("René Dubois").to_json(),))
    db.commit()
    db.close()
    [old] = Book(path).followed()
    assert old.announced == old.answer and old.answer.short == "René Dubois"


def test_bad_input_gets_one_sentence(tmp_path):
    settings = settings_for(tmp_path)
    with pytest.raises(BadQuestion, match="empty"):
        Query.parse("  ", settings)
    with pytest.raises(BadQuestion, match="do not follow"):
        Book.of(settings).drop("Who owns Le Procope?")
    with pytest.raises(BadQuestion, match="loopback address.*--allow-private"):
        follow(Query.parse(RIDERS, settings), settings, webhook="http://127.0.0.1:9/hook")


class Hook(http.server.BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):  # noqa: N802 (the standard library's name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Hook.received.append((self.headers["Host"], json.loads(body)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_events_reach_a_webhook_on_loopback_and_the_atom_feed(tmp_path, embeddings):
    import feedparser

    from tests.test_ui import serve

    port = free_port()
    url = f"http://127.0.0.1:{port}/hook"
    settings = ferry_folder(tmp_path, embeddings, allow_private=True)
    follow(Query.parse(RIDERS, settings), settings, webhook=url)
    (settings.articles / "ferry-later.md").write_text(FERRY_LATER)
    build([settings.articles], settings, embeddings=embeddings)
    assert len(reanswer(settings)) == 1  # the hook is not listening yet: kept for later
    assert Hook.received == [] and len(Book.of(settings).undelivered()) == 1
    hook = http.server.ThreadingHTTPServer(("127.0.0.1", port), Hook)
    threading.Thread(target=hook.serve_forever, daemon=True).start()
    try:
        assert reanswer(settings) == []  # no new event, but the waiting one is posted
    finally:
        hook.shutdown()
    [(host, body)] = Hook.received
    assert host == f"127.0.0.1:{port}"
    assert (body["question"], body["old"], body["new"]) == (RIDERS, "about 3,000", "3,500")
    assert any("3,500" in c["quote"] for c in body["citations"])
    assert Book.of(settings).undelivered() == []

    for base in serve(settings):
        with urllib.request.urlopen(f"{base}/follow.atom") as response:
            kind, body = response.headers["Content-Type"], response.read()
    assert kind.startswith("application/atom+xml")
    feed = feedparser.parse(body)
    assert not feed.bozo and len(feed.entries) == 1
    assert feed.entries[0].title == f"{RIDERS} — 3,500"
    assert "Before: about 3,000" in feed.entries[0].summary


KILLED = """
import sys
from index.settings import Settings
from qa.follow.following import reanswer
reanswer(Settings(index_dir=sys.argv[1], articles=sys.argv[2]))
"""
FOLLOWED = 6  # the same question over six scopes (since January 1st, 2nd...): six followed

def test_kill_9_while_re_answering_loses_no_event_and_duplicates_none(tmp_path, embeddings):
    settings = ferry_folder(tmp_path, embeddings)
    for day in range(1, FOLLOWED + 1):
        follow(Query.parse(RIDERS, settings, since=f"2023-01-0{day}"), settings)
    changing = [f.id for f in Book.of(settings).followed() if f.answer.short == "about 3,000"]
    assert len(changing) == FOLLOWED
    (settings.articles / "ferry-later.md").write_text(FERRY_LATER)
    build([settings.articles], settings, embeddings=embeddings)
    child = subprocess.Popen([sys.executable, "-c", KILLED, str(settings.index_dir),
                              str(settings.articles)], cwd=ROOT,
                             env={**os.environ, "PYTHONPATH": str(ROOT)})
    db = book_path(settings)
    deadline = time.monotonic() + 120
    count = 0
    while time.monotonic() < deadline and child.poll() is None:
        with sqlite3.connect(db, timeout=30) as c:
            count = c.execute("SELECT COUNT(*) FROM events").fetchone()[0]
        if count:
            child.send_signal(signal.SIGKILL)
            break
        time.sleep(0.005)
    child.wait()
    assert child.returncode == -signal.SIGKILL and 0 < count < len(changing)  # killed midway
    reanswer(settings)
    reanswer(settings)
    events = Book.of(settings).events()
    assert sorted(e.followed for e in events) == sorted(changing)  # each once
    assert {e.new for e in events} == {"3,500"}
