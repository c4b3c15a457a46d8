"""The shaping stage on hand-made records: the answer as printed."""

import dataclasses
import datetime

from index.records import Article
from qa.entities import Entity
from qa.extractive import Sentence
from qa.extractive.shaping import (
    as_of_prefix,
    fullest,
    led_to,
    norm,
    spelled_out,
    widened,
    with_region,
)
from qa.extractive.weights import SentenceFeatures


def sentence(text, *entities, article_id="a"):
    return Sentence(article_id, 0, len(text), text, 0, 1.0, tuple(entities))


def test_names_are_compared_without_articles_or_possessives():
    assert norm(" The Jets's") == "jets" and norm("A Tribe") == "tribe"


def test_states_are_spelled_out_as_the_ap_abbreviates_them():
    assert spelled_out("S.C.") == "South Carolina"
    assert spelled_out("Tuscaloosa, Ala.") == "Tuscaloosa, Alabama"
    assert spelled_out("Paris") == "Paris"


def test_a_place_keeps_the_larger_place_the_sentence_gives_after_it():
    text = "The storm hit Tuscaloosa, Alabama on Monday."
    s = sentence(text, Entity("Alabama", "GPE", text.index("Alabama"), text.index(" on")))
    assert with_region("Tuscaloosa", s) == "Tuscaloosa, Alabama"
    assert with_region("Monday", s) == "Monday"


def test_names_are_widened_to_what_the_tagger_left_out():
    assert widened("Mafia", "The rapper of Three 6 Mafia died.") == "Three 6 Mafia"
    assert widened("Apple", "It streams on Apple TV+ now.") == "Apple TV+"
    assert widened("Mafia", "Mafia films are back.") == "Mafia"  # a capital at the start


def test_a_one_word_name_takes_its_fullest_form_in_the_sentences():
    texts = ["He made his Jets debut.", "He joined the New York Jets in 2023.",
             "The New York Jets won."]
    assert fullest("Jets", texts) == "New York Jets"
    assert fullest("Aaron Rodgers", texts) == "Aaron Rodgers"


def test_an_answer_from_before_the_days_asked_about_says_as_of_when():
    import datetime

    articles = {"old": Article("old", "t", datetime.date(2023, 1, 5), None, None, "o.txt", ""),
                "new": Article("new", "t", datetime.date(2023, 9, 20), None, None, "n.txt", "")}
    support = sentence("Ann Lee leads.", Entity("Ann Lee", "PERSON", 0, 7), article_id="old")
    week = (datetime.date(2023, 9, 17), datetime.date(2023, 9, 23))
    assert as_of_prefix("Ann Lee", support, [support], articles, week) == "As of 2023-01-05, "
    other = sentence("Bo Ray leads.", Entity("Bo Ray", "PERSON", 0, 6), article_id="new")
    assert as_of_prefix("Ann Lee", support, [support, other], articles) == "As of 2023-01-05, "
    assert as_of_prefix("Ann Lee", support, [support], articles) == ""


def test_a_proposal_deep_in_its_sentence_is_led_up_to_by_a_verbatim_quote():
    text = ("After three weeks of negotiations in a hotel near the capital, the agreement was "
            "signed by Ruto and Museveni on Friday.")
    s = Sentence("a", 100, 100 + len(text), text, 0, 1.0)
    quote = led_to(s, "Ruto")
    assert quote.text == "the agreement was signed by Ruto and Museveni on Friday."
    assert (quote.start, quote.end) == (100 + text.index("the agreement"), s.end)
    assert led_to(s, "Ruto, Museveni and Kagame").text.startswith("the agreement")  # the first
    assert led_to(s, "three weeks") == s.quote()  # near the start: the whole sentence
    # starts before the first 60 characters but ends past them: led up to, and held whole
    assert led_to(s, "the capital").text.startswith("negotiations in a hotel near the capital")
    assert led_to(s, "President Museveni").text.startswith("was signed by Ruto")  # last word
    assert led_to(s, "Nairobi") == s.quote()  # not in it: the whole sentence


def test_another_answer_from_an_article_on_another_story_is_no_earlier_answer():
    articles = {"café": Article("café", "t", datetime.date(2023, 10, 3), None, None, "c.md", ""),
                "union": Article("union", "t", datetime.date(2023, 10, 9), None, None, "u.md", "")}
    owner = dataclasses.replace(
        sentence("René Dubois owns it.", Entity("René Dubois", "PERSON", 0, 11),
                 article_id="café"), features=SentenceFeatures(about=1.0))
    unrelated = dataclasses.replace(
        sentence("Ann Lee leads it.", Entity("Ann Lee", "PERSON", 0, 7), article_id="union"),
        features=SentenceFeatures(about=0.2))
    assert as_of_prefix("René Dubois", owner, [owner, unrelated], articles) == ""
    same_story = dataclasses.replace(unrelated, features=SentenceFeatures(about=0.9))
    assert as_of_prefix("René Dubois", owner, [owner, same_story], articles) == \
        "As of 2023-10-03, "
