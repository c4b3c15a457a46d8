"""Follow-ups made to stand alone from the conversation before them (no model)."""

from index.settings import Settings
from qa.followup import Resolved, items_of, resolve
from qa.query import Query

ATTENDED = "**Bob Iger, David Zaslav, Ted Sarandos and Donna Langley** — “…” [1]"
QUOTED = ("“…entertainment companies, including Disney CEO Bob Iger, Warner Bros. Discovery CEO "
          "David Zaslav, Netflix co-CEO Ted Sarandos, and NBCUniversal Studio Group chairman "
          "Donna Langley.” [1]\n\n“The talks resume on Friday, said Ellen Stutzman.” [2]")


def ask(question: str, earlier: str, said: str) -> Resolved:
    history = [{"role": "user", "content": earlier}, {"role": "assistant", "content": said}]
    return resolve(Query.parse(question, Settings(), history=history))


def test_the_items_of_a_bold_answer():
    assert items_of(ATTENDED) == ("Bob Iger", "David Zaslav", "Ted Sarandos", "Donna Langley")
    assert items_of("**Peter Grant and Diane Fox** — “…”") == ("Peter Grant", "Diane Fox")
    assert items_of("“No bold answer here.” [1]") == ()


def test_an_answer_without_a_bold_one_offers_the_names_its_first_quote_gives_of_the_kind_asked():
    people = ("Bob Iger", "David Zaslav", "Ted Sarandos", "Donna Langley")
    assert items_of(QUOTED, frozenset({"PERSON"})) == people  # not the second quote's
    assert items_of(QUOTED, frozenset()) == ()  # an open question asked for no names
    assert items_of("The coverage I have does not answer this. The closest passages I found: "
                    + QUOTED, frozenset({"PERSON"})) == ()
    resolved = ask("Which of them runs Netflix?", "Who attended the talks?", QUOTED)
    assert resolved.choices == people


def test_which_of_them_chooses_among_the_previous_answers_items():
    resolved = ask("Which of them runs Netflix?", "Who attended the talks?", ATTENDED)
    assert resolved.choices == items_of(ATTENDED)
    assert resolved.text == "Which of them runs Netflix? (attended talk)"


def test_a_pronoun_stands_for_the_person_a_who_question_was_answered_with():
    said = "**Chris Licht** — “Wednesday morning, Licht stepped down.” [1]"
    assert ask("When did he step down?", "Who stepped down at CNN?", said).text == \
        "When did Chris Licht step down?"
    led = "**Alicia Ortega** — “Its president, Alicia Ortega, said ...” [1]"
    assert ask("How many nurses does her union represent?", "Who leads the union?", led).text \
        == "How many nurses does Alicia Ortega's union represent?"
    assert ask("Who hired her?", "Who leads the union?", led).text == "Who hired Alicia Ortega?"


def test_it_and_them_stand_for_the_things_a_question_was_answered_with():
    film = "**Silent Rivers** — “The top prize went to Silent Rivers.” [1]"
    assert ask("Who directed it?", "Which film won?", film).text == "Who directed Silent Rivers?"
    works = "**Harbor at Dawn and The Red Boat** — “…” [1]"
    assert ask("Who painted them?", "Which paintings were stolen?", works).text == \
        "Who painted Harbor at Dawn and The Red Boat?"
    # "it" after a who-question is not the person: the earlier terms are carried instead
    owner = "**René Dubois** — “Its owner, René Dubois, said ...” [1]"
    assert ask("How long was it closed?", "Who owns Le Procope?", owner).text == \
        "How long was it closed? (le procope)"


def test_a_short_follow_up_carries_the_previous_questions_terms():
    said = "**Gavin Newsom** — “Gov. Gavin Newsom declared a state of emergency ...” [1]"
    assert ask("For which county?", "Who declared an emergency?", said).text == \
        "For which county? (declared emergency)"
    assert resolve(Query.parse("For which county?", Settings())).text == "For which county?"
