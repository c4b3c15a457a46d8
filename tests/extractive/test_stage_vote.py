"""The candidate and vote stages on hand-made records: which entities may answer, and the
one the best sentences agree on."""

import dataclasses

import pytest

from qa.entities import Entity
from qa.extractive import Sentence, Weights
from qa.extractive.candidates import as_introduced, in_question, informative
from qa.extractive.question import Question, slot_pattern
from qa.extractive.shaping import fullest
from qa.extractive.vote import Vote, chosen, nearest, short_answer
from qa.extractive.weights import VoteFeatures
from qa.questions import COUNTRY, ORG, PERSON


def entity(text, label, sentence):
    start = sentence.index(text)
    return Entity(text, label, start, start + len(text))


def asked(question, labels):
    return dataclasses.replace(Question.of(question), labels=labels)


def scored(text, score, *found):
    return Sentence("a", 0, len(text), text, 0, score,
                    tuple(entity(t, label, text) for t, label in found))


def test_datelines_relative_days_and_ages_are_not_answers():
    line = "WASHINGTON — The Senate voted on Tuesday."
    where, when = Question.of("Where was the vote?"), Question.of("When was the vote?")
    assert not informative(entity("WASHINGTON", "GPE", line), line, where)
    assert not informative(entity("Tuesday", "DATE", line), line, when)
    aged = "The 45-year-old singer died in May 2023."
    died, age = Question.of("When did she die?"), Question.of("How old was she?")
    assert not informative(entity("45-year-old", "DATE", aged), aged, died)
    assert informative(entity("May 2023", "DATE", aged), aged, died)
    assert informative(entity("45-year-old", "DATE", aged), aged, age)


def test_punctuation_and_pronouns_are_never_answers():
    text = "They said — and it stood — that the vote failed."
    for word in ("—", "They", "it"):
        assert not informative(entity(word, "PERSON", text), text, Question.of("Who said it?"))


def test_what_the_question_names_is_not_its_answer():
    assert in_question(Entity("England", "GPE", 0, 7), {"england", "team"})
    assert in_question(Entity("England", "GPE", 0, 7), {"english", "team"})  # its people
    assert not in_question(Entity("Spain", "GPE", 0, 5), {"england", "team"})


def test_a_name_introduced_by_its_kind_takes_that_kind():
    text = "The chain Panera Bread recalled its lemonade."
    found = as_introduced(entity("Panera Bread", "PERSON", text), text, ORG)
    assert found.label == "ORG"
    assert as_introduced(entity("Panera Bread", "PERSON", text), text, PERSON).label == "PERSON"


def test_the_best_sentences_vote_and_the_best_one_stating_the_winner_supports_it():
    best = scored("Ghana abolished the death penalty on Tuesday.", 2.0, ("Ghana", "GPE"))
    next_ = scored("Ghana became the 29th African country to do so.", 1.9, ("Ghana", "GPE"))
    other = scored("Kenya may follow, lawmakers said.", 1.0, ("Kenya", "GPE"))
    question = asked("Which country abolished the death penalty?", COUNTRY)
    vote = short_answer([best, next_, other], question, Weights())
    assert (vote.answer, vote.support, vote.from_lead) == ("Ghana", best, True)
    assert 0.5 < vote.share < 1 and vote.margin == pytest.approx(2 * vote.share - 1)


def test_a_who_question_gets_everyone_its_best_sentence_names():
    text = "Bob Iger, Donna Langley and Ted Sarandos attended the talks."
    best = scored(text, 2.0, ("Bob Iger", "PERSON"), ("Donna Langley", "PERSON"),
                  ("Ted Sarandos", "PERSON"))
    vote = short_answer([best], asked("Who attended the talks?", PERSON), Weights())
    assert (vote.answer, vote.support) == ("Bob Iger, Donna Langley and Ted Sarandos", best)
    assert vote.share == 1.0 and vote.margin == 1.0


def test_no_candidate_no_short_answer():
    plain = scored("The talks ended late on Friday.", 2.0)
    assert short_answer([plain], asked("Who attended the talks?", PERSON), Weights()) == Vote()


def test_slots_where_the_answer_stands_in_a_sentence_that_says_it_the_questions_way():
    slot = slot_pattern("The juggler was seen balancing what on his finger?")
    assert slot.search("he was balancing an ") and not slot.search("he held an ")
    assert slot_pattern("What did he say?") is None


def test_the_short_answer_is_the_fullest_name_the_evidence_gives():
    # The six best sentences say "Bucks"; a weaker one says "Milwaukee Bucks".
    def said(name: str, score: float) -> Sentence:
        text = f"The {name} are the first team to reach 50 wins."
        return Sentence("a", 0, len(text), text, 0, score,
                        (Entity(name, "ORG", 4, 4 + len(name)),))
    scored = [said("Bucks", 2.0 - n / 10) for n in range(6)] + [said("Milwaukee Bucks", 1.0)]
    vote = short_answer(scored, asked("Which NBA team was first to 50 wins?", ORG), Weights())
    assert vote.answer == "Milwaukee Bucks"
    assert vote.support is scored[0]


def test_a_one_word_name_takes_the_fullest_form_any_retrieved_sentence_gives():
    text = "Rodgers was taken out minutes into his Jets debut."
    at = text.index("Jets")
    scored = [Sentence("a", 0, len(text), text, 0, 2.0, (Entity("Jets", "ORG", at, at + 4),))]
    context = [text, "The Jets lost.", "He was traded to the New York Jets in April."]
    assert short_answer(scored, asked("Which team does Rodgers play for?", ORG), Weights(),
                        context=context).answer == "New York Jets"
    assert fullest("Jets", context[:2]) == "Jets"  # "The" starts a sentence: not a name
    assert fullest("Tucker Carlson", ["Fox News host Tucker Carlson"]) == "Tucker Carlson"


def test_the_vote_is_a_weighted_sum_of_each_candidates_named_features():
    text = "Feyenoord fans cheered for Ajax on Sunday."
    best = scored(text, 2.0, ("Feyenoord", "ORG"), ("Ajax", "ORG"))
    question = "Fans cheered for which team on Sunday?"
    vote = short_answer([best], asked(question, ORG), Weights())
    assert vote.answer == "Ajax"
    assert vote.candidates["ajax"] == VoteFeatures(named=1.0, slot=1.0)
    assert vote.candidates["feyenoord"] == VoteFeatures(named=1.0, slot=0.0)
    # With the slot counting against a candidate, the vote goes the other way: the weights
    # are all there is to it.
    assert short_answer([best], asked(question, ORG), Weights(slot=-1.0)).answer == "Feyenoord"


COUNCIL = ("Council members Ana Silva, James Whitfield, Mei Chen, Omar Haddad and Laura "
           "Brooks voted for the plan; Peter Grant and Diane Fox voted against it.")
PEOPLE = ("Ana Silva", "James Whitfield", "Mei Chen", "Omar Haddad", "Laura Brooks",
          "Peter Grant", "Diane Fox")


def test_a_list_is_the_run_of_items_whose_clause_meets_the_question():
    best = scored(COUNCIL, 2.0, *((name, "PERSON") for name in PEOPLE))
    against = short_answer([best], Question.of("Who voted against the bike lanes?"), Weights())
    assert (against.answer, against.listed) == ("Peter Grant and Diane Fox", True)
    voted_for = short_answer([best], Question.of("Who voted for the plan?"), Weights())
    assert voted_for.answer == "Ana Silva, James Whitfield, Mei Chen, Omar Haddad and Laura Brooks"


def test_things_asked_for_in_the_plural_are_listed_too():
    text = "The mission cost $62 million, shared by Norway, Chile and Kenya."
    best = scored(text, 2.0, ("Norway", "GPE"), ("Chile", "GPE"), ("Kenya", "GPE"))
    assert short_answer([best], Question.of("Which countries paid for it?"),
                        Weights()).answer == "Norway, Chile and Kenya"
    assert not short_answer([best], Question.of("Which country paid the most?"),
                            Weights()).listed


def test_noun_phrases_are_never_listed_only_one_is_proposed():
    text = "Officials urged residents to stop the spread of the snails in the Miramar area."
    best = scored(text, 2.0, ("the spread", "PHRASE"), ("the snails", "PHRASE"),
                  ("the Miramar area", "PHRASE"))
    question = Question.of("Residents were asked to report sightings of which species?")
    assert question.labels == frozenset({"PHRASE"}) and not question.asks_several
    vote = short_answer([best], question, Weights())
    assert vote.answer and not vote.listed and " and " not in vote.answer


def test_which_of_them_chooses_among_the_previous_items_by_the_nearest_words():
    text = ("Disney CEO Bob Iger, Warner Bros. Discovery CEO David Zaslav, Netflix co-CEO Ted "
            "Sarandos, and chief content officer Donna Langley attended.")
    names = ("Bob Iger", "David Zaslav", "Ted Sarandos", "Donna Langley")
    best = scored(text, 2.0, *((n, "PERSON") for n in names))
    question = Question.of("Which of them runs Netflix?", choices=names)
    vote = short_answer([best], question, Weights())
    assert (vote.answer, vote.listed) == ("Ted Sarandos", False)
    assert nearest(best, question).text == "Ted Sarandos"
    assert chosen([best], ("Bob Iger",))[0].entities == (best.entities[0],)
