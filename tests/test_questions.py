import pytest

from index.terms import terms
from qa.questions import answer_labels


@pytest.mark.parametrize("question, labels", [
    ("Who attended the talks?", {"PERSON"}),
    ("Which would-be Republican nominee called Trump \"Donald Duck\"?", {"PERSON"}),
    ("NFL player Damar Hamlin collapsed this week. He plays for which team?", {"ORG", "NORP"}),
    ("How many people were evacuated?", {"CARDINAL", "QUANTITY", "MONEY", "PERCENT"}),
    ("When did the strike end?", {"DATE"}),
    ("He was arrested after how many years on the run?",
     {"CARDINAL", "QUANTITY", "MONEY", "PERCENT", "DATE", "TIME"}),
    ("Crowds lined the streets of which country this week?", {"GPE"}),
    ("Which movie opened the festival?", {"WORK_OF_ART", "PRODUCT"}),
    ("What did the union say about the offer?", set()),
    ("Which major U.S. city will host the Final Four?", {"GPE"}),
    ("Which professional golfer won the Masters?", {"PERSON"}),
    ("Scientists have revived what animal that was frozen?", {"PHRASE"}),
    ("A 14-year-old developed a soap that treats what?", {"PHRASE"}),
    ("Which college sport set a world record for attendance?", {"PHRASE"}),
    ("Fox News will part ways with which top-rated host?", {"PERSON"}),
    ("Which country’s prime minister will resign?", {"GPE"}),
    ("Which Republican lost the vote for speaker?", {"PERSON"}),
    ("Which US state is represented by Kevin McCarthy, the leader whose bid was blocked?",
     {"GPE"}),
    ("Which volcano began erupting this week?", {"GPE", "LOC", "FAC"}),
    ("Which virus will England eradicate ahead of a World Health Organization (WHO) target?",
     {"PHRASE"}),
    ("Which singer-songwriter got a spooky surprise during a gig?", {"PERSON"}),
    ("How many seasons did he play?",
     {"CARDINAL", "QUANTITY", "MONEY", "PERCENT", "DATE", "TIME"}),
])
def test_answer_labels_follow_the_last_question_phrase(question, labels):
    assert answer_labels(question) == labels


def test_terms_drop_stopwords_and_fold_plurals():
    assert terms("Who attended the talks in the cities?") == ["attended", "talk", "city"]
