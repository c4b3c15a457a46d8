"""The timeline of an answer, on hand-made sentences: distinct answers grouped across dated
articles (the same one said differently merged), oldest first, each quoted and verified."""

import datetime

from index.records import Article
from qa.citations import Answer, Citation
from qa.entities import Entity
from qa.extractive.sentences import Sentence
from qa.timeline import same_answer, stages_of, timeline_text, with_timeline


def article(id_: str, date: str | None, text: str) -> Article:
    return Article(id_, id_, datetime.date.fromisoformat(date) if date else None, None, None,
                   id_, text)


def said(a: Article, answer: str, score: float) -> Sentence:
    start = a.text.index(answer)
    return Sentence(article_id=a.id, start=0, end=len(a.text), text=a.text, rank=0,
                    score=score, entities=(Entity(answer, "CARDINAL", start,
                                                  start + len(answer)),))


CLOCK_2020 = article("a", "2020-01-23", "The clock was set at 100 seconds to midnight.")
CLOCK_2022 = article("b", "2022-01-20", "It stayed at 100 seconds to midnight.")
CLOCK_2023 = article("c", "2023-01-24", "The clock now stands at just 90 seconds to midnight.")
UNDATED = article("d", None, "Some say 80 seconds to midnight.")
ARTICLES = {a.id: a for a in (CLOCK_2020, CLOCK_2022, CLOCK_2023, UNDATED)}


def test_same_answer_said_differently():
    assert same_answer("Elton John", "John") and same_answer("just 90 seconds", "90 seconds")
    assert not same_answer("90 seconds", "100 seconds") and not same_answer("", "John")
    assert not same_answer("Johnson", "John")  # whole words only


def test_stages_are_distinct_answers_oldest_first_with_their_days():
    sentences = [said(CLOCK_2023, "just 90 seconds", 3.0), said(CLOCK_2020, "100 seconds", 2.0),
                 said(CLOCK_2022, "100 seconds", 1.5), said(UNDATED, "80 seconds", 2.5)]
    stages = stages_of(sentences, ARTICLES)
    assert [(s[0], str(s[1]), str(s[2])) for s in stages] == [
        ("100 seconds", "2020-01-23", "2022-01-20"), ("just 90 seconds", "2023-01-24",
                                                      "2023-01-24")]
    assert stages[0][3].article_id == "a"  # quoted from its best sentence
    assert stages_of([said(UNDATED, "80 seconds", 2.5)], ARTICLES) == []


def test_a_weak_answer_is_left_out():
    strong = said(CLOCK_2023, "just 90 seconds", 5.0)
    kept = said(CLOCK_2022, "100 seconds", 1.5)  # 0.3 of the top's weight (STAGE_SHARE 0.2)
    assert [s[0] for s in stages_of([strong, kept], ARTICLES)] == ["100 seconds",
                                                                   "just 90 seconds"]
    weak = said(CLOCK_2022, "100 seconds", 0.5)  # 0.1 of it
    assert [s[0] for s in stages_of([strong, weak], ARTICLES)] == ["just 90 seconds"]


def test_the_timeline_cites_verified_quotes_after_the_answers_own():
    own = Citation(n=1, article_id="c", title="c", date=CLOCK_2023.date, url="",
                   quote=CLOCK_2023.text, start=0, end=len(CLOCK_2023.text))
    answer = Answer("q", "**just 90 seconds** [1]", (own,), False, short="just 90 seconds")
    stages = stages_of([said(CLOCK_2023, "just 90 seconds", 3.0),
                        said(CLOCK_2020, "100 seconds", 2.0)], ARTICLES)
    forged = stages + [("80 seconds", datetime.date(2021, 1, 1), datetime.date(2021, 1, 1),
                        stages[0][3].__class__("a", 0, 5, "Forged"))]
    shown = with_timeline(answer, forged, ARTICLES)
    assert [c.article_id for c in shown.citations] == ["c", "a"]  # one new, one kept
    assert [(s.answer, s.citations) for s in shown.timeline] == [
        ("100 seconds", (2,)), ("just 90 seconds", (1,))]  # the forged quote is left out
    assert timeline_text(shown.timeline) == (
        "2020-01-23: **100 seconds** [2] → 2023-01-24: **just 90 seconds** [1]")
    assert Answer.from_dict(shown.to_dict()) == shown  # through JSON and back
