"""News-aware answers on small fixed corpora: as_of, the days a question names, date and
source filters, and wire copies collapsed."""

import datetime
import json

import pytest

from index.build import build
from index.store import Store
from qa import answer
from qa.dates import question_window
from qa.pipeline import pipeline
from tests.conftest import settings_for
from tests.test_answer import assert_contract
from ui.render import sources_html

D = datetime.date
AS_OF = D(2023, 9, 20)

WIRE = ("Negotiators for the dockworkers union and the port operators met for nine hours on "
        "Tuesday without reaching a deal, according to people familiar with the talks. "
        "The union says it will strike at midnight on Friday unless wages rise.")
ARTICLES = [
    {"id": "fund-early", "title": "Strike fund holds", "date": "2023-09-08",
     "url": "https://www.harbourgazette.example/fund-early", "source": "Harbour Gazette",
     "text": "The dockworkers strike fund stood at 12 million dollars on Friday, the union "
             "treasurer said. Members have paid into it since the spring."},
    {"id": "fund-late", "title": "Strike fund shrinks", "date": "2023-09-18",
     "url": "https://www.portnews.example/fund-late", "source": "Port News",
     "text": "The dockworkers strike fund stood at 9 million dollars on Monday, the union "
             "treasurer said, after two weeks of picket pay."},
    {"id": "lane-old", "title": "Council approves bus lane", "date": "2023-09-05",
     "url": "https://www.harbourgazette.example/bus", "source": "Harbour Gazette",
     "text": "The city council approved a new bus lane on Harbour Road at its meeting. "
             "Work will start in the spring."},
    {"id": "lane-new", "title": "Council approves bike lane", "date": "2023-09-18",
     "url": "https://www.harbourgazette.example/bike", "source": "Harbour Gazette",
     "text": "After a three-hour debate on Monday night, the city council approved a "
             "protected bike lane along the seafront, to open next year."},
    {"id": "wire-first", "title": "Port talks stall", "date": "2023-09-12",
     "url": "https://www.portnews.example/talks", "source": "Port News", "text": WIRE},
    {"id": "wire-copy", "title": "Dock talks go nowhere", "date": "2023-09-13",
     "url": "https://www.harbourgazette.example/talks", "source": "Harbour Gazette",
     "text": "HARBOUR CITY — " + WIRE},
    {"id": "future", "title": "Strike fund refilled", "date": "2023-09-27",
     "url": "https://www.portnews.example/refill", "source": "Port News",
     "text": "The dockworkers strike fund stood at 15 million dollars after a donation, the "
             "union treasurer said."},
]


@pytest.mark.parametrize("question, window", [
    ("What did the council approve this week?", (D(2023, 9, 14), AS_OF)),
    ("Who resigned yesterday?", (D(2023, 9, 19), D(2023, 9, 19))),
    ("What happened last week?", (D(2023, 9, 7), D(2023, 9, 13))),
    ("What was announced this month?", (D(2023, 9, 1), AS_OF)),
    ("Who won the vote in August?", (D(2023, 8, 1), D(2023, 8, 31))),
    ("What happened on August 21?", (D(2023, 8, 20), D(2023, 8, 22))),
    ("Who took office in December?", (D(2022, 12, 1), D(2022, 12, 31))),
    ("Which team won the title in 2022?", (D(2022, 1, 1), D(2022, 12, 31))),
    ("What did the mayor announce on Tuesday?", (D(2023, 9, 19), AS_OF)),
    ("Who spoke on Monday?", (D(2023, 9, 18), D(2023, 9, 19))),
    ("What happened over the weekend?", (D(2023, 9, 16), D(2023, 9, 18))),
    ("How many tourists came this year?", (D(2023, 1, 1), AS_OF)),
    ("Who won the title last year?", (D(2022, 1, 1), D(2022, 12, 31))),
    ("What happened on 21 August?", (D(2023, 8, 20), D(2023, 8, 22))),
    ("What opened on the 3rd of March 2021?", (D(2021, 3, 2), D(2021, 3, 4))),
    ("What may 5 people do?", None),
    ("Who won on Super Tuesday?", None),
    ("Who attended the talks?", None),
])
def test_date_words_resolve_against_as_of(question, window):
    assert question_window(question, AS_OF) == window


@pytest.fixture(scope="module")
def desk(tmp_path_factory, embeddings):
    tmp = tmp_path_factory.mktemp("desk")
    (tmp / "desk.jsonl").write_text("".join(json.dumps(a) + "\n" for a in ARTICLES))
    settings = settings_for(tmp)
    build([tmp / "desk.jsonl"], settings, embeddings=embeddings)
    return settings


def test_the_answer_depends_on_as_of_and_never_uses_later_articles(desk):
    question = "How much money was in the dockworkers strike fund?"
    early = answer(question, as_of="2023-09-10", settings=desk)
    assert early.citations[0].article_id == "fund-early" and "12 million" in early.text[:60]
    late = answer(question, as_of="2023-09-20", settings=desk)
    assert late.citations[0].article_id == "fund-late"
    assert late.text.startswith("As of 2023-09-18, **9 million dollars**")
    for result in (early, late):
        assert "future" not in {c.article_id for c in result.citations}
        assert all(c.date <= D(2023, 9, 20) for c in result.citations)
        assert_contract(result, desk)
    newest = answer(question, as_of="2023-09-30", settings=desk)
    assert newest.citations[0].article_id == "future" and "15 million" in newest.text[:60]


def test_this_week_prefers_the_week_before_as_of(desk):
    result = answer("What did the city council approve this week?", as_of="2023-09-20",
                    settings=desk)
    assert result.citations[0].article_id == "lane-new"
    earlier = answer("What did the city council approve this week?", as_of="2023-09-07",
                     settings=desk)
    assert earlier.citations[0].article_id == "lane-old"
    fund = answer("How much was in the strike fund this week?", settings=desk)
    assert fund.citations[0].article_id == "future"  # "this week" ends at the newest article


def test_an_answer_from_before_the_days_asked_about_says_when(desk):
    stale = answer("How much was in the strike fund this week?", as_of="2023-09-16",
                   settings=desk)
    assert stale.text.startswith("As of 2023-09-08, **12 million dollars**")
    plain = answer("How much was in the strike fund?", as_of="2023-09-16", settings=desk)
    assert plain.text.startswith("**12 million dollars**")


def test_since_until_and_sources_filter(desk):
    question = "How much money was in the dockworkers strike fund?"
    ranged = answer(question, since="2023-09-15", until="2023-09-19", settings=desk)
    assert ranged.citations[0].article_id == "fund-late"
    assert all(D(2023, 9, 15) <= c.date <= D(2023, 9, 19) for c in ranged.citations)
    ids = {c.article_id for c in answer(question, sources=["Harbour Gazette"],
                                        settings=desk).citations}
    assert ids and ids <= {"fund-early", "lane-old", "lane-new", "wire-copy"}
    by_site = answer(question, sources=["portnews.example"], as_of="2023-09-20", settings=desk)
    assert by_site.citations[0].article_id == "fund-late"
    with pytest.raises(ValueError, match="since must be a date like 2023-09-23"):
        answer(question, since="last spring", settings=desk)
    with pytest.raises(TypeError, match="sources must be a list"):
        answer(question, sources="Port News", settings=desk)


def test_wire_copies_collapse_to_the_earliest(desk):
    retriever = pipeline(desk).retriever
    found = retriever.retrieve("Did the dockworkers union and port operators reach a deal?",
                               k=5).found
    ids = [f.hit.chunk.article_id for f in found]
    assert "wire-first" in ids and "wire-copy" not in ids
    result = answer("Did the dockworkers union and port operators reach a deal?", settings=desk)
    assert [c.article_id for c in result.citations].count("wire-copy") == 0
    assert len({c.quote for c in result.citations}) == len(result.citations)
    # The outlet whose copy was left out is named with the one kept; no one else is.
    first = next(c for c in result.citations if c.article_id == "wire-first")
    assert first.also_in == ("Harbour Gazette",)
    assert all(c.also_in == () for c in result.citations if c is not first)
    assert "also in Harbour Gazette" in sources_html(result)


def test_filters_from_the_command_line_and_the_api(desk, tmp_path):
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    asked = subprocess.run(
        [sys.executable, "-m", "ui.cli", "ask", "How much was in the strike fund?", "--json",
         "--as-of", "2023-09-24", "--since", "2023-09-01", "--source", "Harbour Gazette"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT), "NEWSQA_INDEX_DIR": str(desk.index_dir)})
    assert asked.returncode == 0, asked.stderr
    assert json.loads(asked.stdout)["citations"][0]["article_id"] == "fund-early"

    from tests.test_ui import post, serve

    for url in serve(desk):
        status, body = post(url, {"question": "How much was in the strike fund?",
                                  "until": "2023-09-10", "sources": ["Harbour Gazette"]})
        assert status == 200 and body["citations"][0]["article_id"] == "fund-early"
        assert post(url, {"question": "How much?", "as_of": "soon"}) == (
            400, {"error": "as_of must be a date like 2023-09-23. Currently, it is 'soon'."})
    assert Store(desk).catalog()["fund-late"].source == "Port News"
