"""The index's records on hand-made values: dates as dates, their stored form, and scopes."""

import datetime
import hashlib
import json

import pytest

from index.records import (
    EVERYTHING,
    LAST_DAY,
    Article,
    Chunk,
    Hit,
    Scope,
    Span,
    day_number,
    day_of,
    plain,
)
from qa.citations import Answer, Citation, Passage, Quote
from qa.extractive import Sentence

D = datetime.date


def hit(day, article_id="a"):
    return Hit(chunk=Chunk(id="c", article_id=article_id, start=0, end=1, text="x"), score=1.0,
               day=day)


def test_a_stored_day_is_yyyymmdd_and_back():
    assert day_number(D(2023, 9, 23)) == 20230923 and day_number(None) == 0
    assert day_of(20230923) == D(2023, 9, 23) and day_of(0) is None
    assert day_of(day_number(D(1999, 12, 31))) == D(1999, 12, 31)


@pytest.mark.parametrize("scope, admitted", [
    (EVERYTHING, {"undated", "old", "new"}),
    (Scope(until=D(2023, 9, 1)), {"undated", "old"}),  # undated kept: no `since`
    (Scope(since=D(2023, 9, 1)), {"new"}),  # undated left out
    (Scope(since=D(2023, 1, 1), until=D(2023, 1, 31)), {"old"}),
    (Scope(articles=frozenset({"new"})), {"new"}),
])
def test_a_scope_admits_by_date_and_article(scope, admitted):
    hits = {"undated": hit(None, "undated"), "old": hit(D(2023, 1, 5), "old"),
            "new": hit(D(2023, 9, 20), "new")}
    assert {name for name, h in hits.items() if scope.admits(h)} == admitted


def test_a_scope_gives_its_stored_days_for_the_filters():
    assert not EVERYTHING.dated and EVERYTHING.days == (0, LAST_DAY)
    scope = Scope(since=D(2023, 9, 1), until=D(2023, 9, 30))
    assert scope.dated and scope.days == (20230901, 20230930)
    assert Scope(until=D(2023, 9, 30)).days == (0, 20230930)


def test_the_digest_reads_the_date_as_it_was_written():
    article = Article(id="a", title="t", date=D(2023, 9, 23), source=None, url=None,
                      path="a.txt", text="Text.")
    written = "\x1f".join(("t", "2023-09-23", "", "", "Text."))
    assert article.digest == hashlib.sha1(written.encode()).hexdigest()[:20]


def test_quotes_chunks_sentences_and_passages_are_spans():
    for record in (Quote(article_id="a", start=0, end=1, text="x"),
                   Chunk(id="c", article_id="a", start=0, end=1, text="x"),
                   Sentence(article_id="a", start=0, end=1, text="x", rank=0),
                   Passage(article_id="a", start=0, end=1, text="x", title="t", date=None,
                           source=None, url="")):
        assert isinstance(record, Span) and (record.article_id, record.start) == ("a", 0)


def test_dates_travel_as_iso_text_and_come_back_as_dates():
    citation = Citation(n=1, article_id="a", title="t", date=D(2023, 9, 23), url="",
                        quote="x", start=0, end=1)
    answer = Answer(question="q", text="x [1]", citations=(citation,), abstained=False)
    data = json.loads(answer.to_json())
    assert data["citations"][0]["date"] == "2023-09-23"
    assert data["sources"][0]["date"] == "2023-09-23"
    assert Answer.from_dict(data) == answer
    assert citation.span == Span(article_id="a", start=0, end=1, text="x")
    passage = Passage(article_id="a", start=0, end=1, text="x", title="t", date=D(2023, 9, 23),
                      source=None, url="")
    assert plain(passage)["date"] == "2023-09-23"
    assert Passage.from_dict(json.loads(json.dumps(passage.to_dict()))) == passage
