"""The typed pipeline: a Query parsed once, turns from every shape of history, the steps
retrieve -> read -> verify, and the same chain as LCEL."""

import datetime
from dataclasses import dataclass

import pytest
from langchain_core.runnables import Runnable

from index.records import Article
from index.settings import Settings
from qa.citations import Claim, Draft, Quote
from qa.evidence import Evidence
from qa.followup import with_context
from qa.langchain import as_runnable
from qa.pipeline import Pipeline, pipeline
from qa.query import Query, Turn, turns

SETTINGS = Settings(k=6)


def test_a_query_is_parsed_once_with_its_defaults_and_dates():
    query = Query.parse("  Who won?\x07 ", SETTINGS, as_of="2023-09-23", sources=["AP"],
                        history=[("Who played?", "Two teams [1]")])
    assert query == Query(question="Who won?", k=6, as_of=datetime.date(2023, 9, 23),
                          sources=("AP",), history=(Turn("user", "Who played?"),
                                                    Turn("assistant", "Two teams [1]")))
    assert query.earlier_questions == ["Who played?"]


@pytest.mark.parametrize(("options", "error", "message"), [
    ({"k": 0}, ValueError, "k must be a whole number from 1 to 50. Currently, k is 0."),
    ({"k": True}, ValueError, "Currently, k is True."),
    ({"since": "last spring"}, ValueError, "since must be a date like 2023-09-23"),
    ({"sources": "AP"}, TypeError, "sources must be a list of outlet names or web sites."),
])
def test_bad_options_are_refused_with_a_sentence(options, error, message):
    with pytest.raises(error, match=message):
        Query.parse("Who won?", SETTINGS, **options)


def test_turns_come_from_records_messages_and_pairs():
    assert turns([Turn("user", "a"), {"role": "assistant", "content": "b"},
                  {"role": "system", "content": "ignored"}, ("c", None), "d"]) == (
        Turn("user", "a"), Turn("assistant", "b"), Turn("user", "c"), Turn("user", "d"))


def test_a_follow_up_that_refers_back_carries_the_earlier_terms():
    assert with_context("What did they say?", ["Who attended the talks?"]) == \
        "What did they say? (attended talk)"
    assert with_context("Who won the vote?", ["Who attended the talks?"]) == "Who won the vote?"
    assert with_context("What did they say?", []) == "What did they say?"


ARTICLE = Article(id="a", title="Talks", date=datetime.date(2023, 9, 23), source=None, url=None,
                  path="/srv/a.txt", text="Iger and Zaslav attended the talks. It rained.")


@dataclass
class Retriever:
    """Stands for qa/retrieve.py's Retriever: what it was asked, and its derived index."""

    asked: list

    def retrieve(self, question, **scope):
        self.asked.append((question, scope))
        return type("Retrieved", (), {"found": (), "focus": None})()

    def refresh(self):
        self.asked.append("refresh")

    catalog = type("Catalog", (), {"outlet": staticmethod(lambda article_id: "")})()
    derived = type("Derived", (), {"idf": staticmethod(lambda term: 1.0), "catalog": catalog,
                                    "articles": staticmethod(lambda ids: {"a": ARTICLE})})()


class Reader:
    name = "canned"

    def read(self, evidence: Evidence) -> Draft:
        quote = Quote("a", 0, 35, ARTICLE.text[:35])
        wrong = Quote("a", 0, 10, "not there.")
        return Draft(evidence.question, (Claim("**Iger and Zaslav**", (quote, wrong)),))

    def stream(self, evidence: Evidence):
        yield "Iger"
        yield self.read(evidence)


def test_the_steps_run_in_order_and_answer_equals_the_end_of_the_stream():
    asked = []
    parts = Pipeline(retriever=Retriever(asked), reader=Reader())
    query = Query(question="Who attended them?", k=3, as_of=datetime.date(2023, 9, 24),
                  history=(Turn("user", "Where were the talks?"),))
    result = parts.answer(query)
    assert asked[0] == ("Who attended them? (talk)", {
        "k": 3, "as_of": datetime.date(2023, 9, 24), "since": None, "until": None,
        "sources": ()})
    assert result.question == "Who attended them?"  # as asked, not as retrieved
    assert result.text == "**Iger and Zaslav** [1]" and result.reader == "canned"
    assert result.notes == ("1 unverifiable quote(s) dropped",)
    *written, last = parts.stream(query)
    assert written == ["Iger"] and last == result
    parts.refresh()
    assert asked[-1] == "refresh"


def test_as_runnable_is_the_same_chain_in_lcel():
    parts = Pipeline(retriever=Retriever([]), reader=Reader())
    runnable = as_runnable(parts)
    assert isinstance(runnable, Runnable)
    query = Query(question="Who attended the talks?")
    assert runnable.invoke(query) == parts.answer(query)
    assert runnable.batch([query, query]) == [parts.answer(query)] * 2


def test_the_real_pipeline_answers_through_lcel(seed_index):
    result = as_runnable(pipeline(seed_index)).invoke(
        Query.parse("Who attended the talks?", seed_index))
    assert "Ted Sarandos" in result.text and result.citations[0].article_id.startswith("seeds/")
