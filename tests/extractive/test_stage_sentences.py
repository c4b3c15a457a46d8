"""The evidence stage on hand-made records: sentences once each, and their priors."""

import datetime
import json
from pathlib import Path

import pytest

from index.records import Article, Chunk
from qa.extractive import Sentence, weights
from qa.extractive.question import named_terms, tally_pattern
from qa.extractive.sentences import distinct, sentences_of, tells_of_elsewhen, timeliness

D = datetime.date
TEXT = ("The guild went on strike on Tuesday after talks broke down. Yes. "
        "The guild went on strike on Tuesday after talks broke down. "
        "Studios made a counteroffer on Friday evening.")


def article(id_, date=None, text=TEXT):
    return Article(id_, id_, date, None, None, f"{id_}.txt", text)


def test_sentences_are_read_once_each_with_their_chunk_rank():
    a = article("a")
    chunks = [Chunk(id="c1", article_id="a", start=0, end=70, text=TEXT[:70]),
              Chunk(id="c2", article_id="a", start=0, end=len(TEXT), text=TEXT),
              Chunk(id="c3", article_id="missing", start=0, end=1, text="x")]
    found = sentences_of(chunks, {"a": a})
    assert [(s.text, s.rank) for s in found] == [
        ("The guild went on strike on Tuesday after talks broke down.", 0),
        ("Studios made a counteroffer on Friday evening.", 1)]  # "Yes." is too short
    assert all(TEXT[s.start:s.end] == s.text for s in found)


def test_articles_of_the_days_in_focus_rise_and_older_ones_fall_over_a_year():
    articles = {"new": article("new", D(2023, 9, 20)), "half": article("half", D(2023, 3, 19)),
                "old": article("old", D(2020, 1, 1)), "undated": article("undated")}
    lift = timeliness(articles, (D(2023, 9, 17), D(2023, 9, 23)))
    assert lift["new"] == {"recent": 1.0} and "undated" not in lift
    assert lift["half"] == {"stale": 182 / 365} and lift["old"] == {"stale": 1.0}
    assert timeliness(articles, None) == {}


def test_names_and_numbers_of_the_question_must_be_found():
    assert named_terms("Which team did Tom Brady join in 2020?") == {"tom", "brady", "2020"}
    assert named_terms("Who won in the U.S.?") == set()


def test_a_how_many_question_counts_its_unit():
    seasons = tally_pattern("How many seasons did he play?")
    assert seasons.search("a 23-season career") and seasons.search("after twenty seasons")
    assert not seasons.search("23 games")
    assert tally_pattern("How many more did they want?") is None


def test_sentences_of_another_year_tell_of_another_time_than_this_week():
    other = tells_of_elsewhen(frozenset({"PERSON"}), (D(2023, 9, 17), D(2023, 9, 23)))
    assert other("In 2022, an average of 99 million viewers watched.")
    assert not other("In 2023, more watched.")
    asks_year = tells_of_elsewhen(frozenset({"DATE"}), (D(2023, 9, 17), D(2023, 9, 23)))
    assert not asks_year("In 2022, an average of 99 million viewers watched.")
    this_year = tells_of_elsewhen(frozenset({"PERSON"}), (D(2023, 1, 1), D(2023, 9, 23)))
    assert not this_year("In 2022, an average of 99 million viewers watched.")


def test_quotes_are_distinct_in_their_terms():
    def s(text):
        return Sentence("a", 0, len(text), text, 0)

    same = s("The guild went on strike on Tuesday after talks broke down.")
    near = s("The guild went on strike Tuesday after the talks broke down.")
    other = s("Studios made a counteroffer on Friday evening.")
    assert distinct([same, near, other], 2) == [same, other]


def test_the_weights_file_names_every_feature_and_the_score_adds_them_up():
    from qa.extractive.weights import SENTENCE_FEATURES, VOTE_FEATURES, fitted

    w = fitted()
    assert w.dense == 1.0 and w.named == 1.0  # the scale of each sum
    assert w.asks_back < 0 and w.elsewhen < 0  # penalties
    assert w.score({"dense": 0.5, "lexical": 1.0, "asks_back": 1.0}) == pytest.approx(
        0.5 + w.lexical + w.asks_back)
    data = json.loads(Path(weights.__file__).with_name("weights.json").read_text())
    assert tuple(data["sentence"]) == SENTENCE_FEATURES and tuple(data["vote"]) == VOTE_FEATURES
