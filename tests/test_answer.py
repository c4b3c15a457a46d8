import dataclasses
import datetime
import json
import re

import pytest

from index.settings import Settings
from index.store import IndexUnavailable, Store
from qa import answer
from qa.citations import Claim, Draft, Quote, verify
from tests.conftest import ATTENDED, FOLLOW_UP, NAMES

SEED_ID = "seeds/000_a17fed1a18a053f1.txt"


def assert_contract(result, settings):
    """Every [n] has its citation, numbered by first use, each quote verbatim at its offsets."""
    markers = [int(n) for n in re.findall(r"\[(\d+)\]", result.text)]
    assert list(dict.fromkeys(markers)) == [c.n for c in result.citations]
    articles = Store(settings).get_articles(c.article_id for c in result.citations)
    for c in result.citations:
        assert articles[c.article_id].text[c.start : c.end] == c.quote
        assert c.date == articles[c.article_id].date


def test_who_attended_the_talks_names_the_four_executives(seed_index):
    result = answer("Who attended the talks?", settings=seed_index)
    assert not result.abstained
    # The sentence naming them leads (the list is not sure enough for bold on one short
    # article), quoted from a few words before them.
    assert result.text.startswith("“…") and all(name in result.text[:250] for name in NAMES)
    first = result.citations[0]
    assert first.article_id == SEED_ID and first.date == datetime.date(2023, 9, 23)
    assert all(name in first.quote for name in NAMES)
    assert_contract(result, seed_index)


def test_the_right_article_is_cited_among_distractors(news_index):
    result = answer("Which executives took part in the WGA negotiations?", settings=news_index)
    assert result.citations[0].article_id == SEED_ID
    assert_contract(result, news_index)
    when = answer("When did the writers and studios reach a stalemate?", settings=news_index)
    assert when.citations[0].article_id == SEED_ID
    assert "August" in when.text[:60]
    assert_contract(when, news_index)


def test_abstains_when_the_coverage_does_not_say(news_index):
    result = answer("What is the boiling point of liquid nitrogen in kelvin?", settings=news_index)
    assert result.abstained
    assert result.text.startswith("The coverage I have does not answer this.")
    assert_contract(result, news_index)


def test_answer_serialises_to_json(seed_index):
    result = answer("Who attended the talks?", settings=seed_index, k=2)
    data = json.loads(result.to_json())
    assert set(data) >= {"question", "text", "citations", "abstained"}
    assert data["question"] == "Who attended the talks?"
    assert set(data["citations"][0]) == {"n", "article_id", "title", "date", "url", "quote",
                                         "start", "end", "also_in", "before", "after"}
    first = result.citations[0]  # the quote's context travels with it
    text = Store(seed_index).article(first.article_id).text
    assert text[first.start - len(first.before):first.end + len(first.after)] == \
        first.before + first.quote + first.after
    assert 0 < len(first.before) <= 160 and 0 < len(first.after) <= 160


def test_verification_drops_a_tampered_quote(seed_index):
    article = Store(seed_index).article(SEED_ID)
    start = article.text.index("Disney CEO Bob Iger")
    good = Quote(SEED_ID, start, start + 19, "Disney CEO Bob Iger")
    tampered = Quote(SEED_ID, start, start + 19, "Disney CEO Bob Ugly")
    shifted = dataclasses.replace(good, start=start + 1, end=start + 20)
    draft = Draft("q", (Claim("Iger was there.", (good,)), Claim("Ugly.", (tampered,)),
                        Claim("Shifted.", (shifted,))))
    result = verify(draft, {SEED_ID: article})
    assert result.text == "Iger was there. [1]"
    assert [c.quote for c in result.citations] == ["Disney CEO Bob Iger"]
    assert result.notes == ("2 unverifiable quote(s) dropped",)
    nothing = verify(Draft("q", (Claim("Ugly.", (tampered,)),)), {SEED_ID: article})
    assert nothing.abstained and nothing.citations == ()


@pytest.mark.parametrize("question, error, message", [
    ("", ValueError, "The question is empty"),
    ("   \n ", ValueError, "The question is empty"),
    ("x" * 2001, ValueError, "2,001 characters long"),
    (None, TypeError, "must be text, not NoneType"),
    (42, TypeError, "must be text, not int"),
])
def test_bad_questions_raise_clear_errors(seed_index, question, error, message):
    with pytest.raises(error, match=message):
        answer(question, settings=seed_index)


@pytest.mark.parametrize("question", [
    "¿Quién asistió a las negociaciones?", "!!! ??? ### $$$", "🎬🎬🎬", "'; DROP TABLE articles;--",
])
def test_odd_questions_get_an_answer_or_an_abstention(seed_index, question):
    result = answer(question, settings=seed_index)
    assert isinstance(result.abstained, bool) and result.text
    assert_contract(result, seed_index)


def test_missing_index_is_a_clear_error(tmp_path):
    with pytest.raises(IndexUnavailable, match="Run `newsqa index` to build it"):
        answer("Who attended the talks?", settings=Settings(index_dir=tmp_path / "none"))


def test_a_follow_up_carries_the_previous_question(seed_index):
    history = [{"role": "user", "content": "Who attended the WGA talks?"},
               {"role": "assistant", "content": "Bob Iger ..."}]
    result = answer("What did they say about the counteroffer?", history=history,
                    settings=seed_index)
    assert any("counteroffer" in c.quote for c in result.citations)
    assert result.question == "What did they say about the counteroffer?"


def test_which_of_them_chooses_among_the_previous_answers_people(seed_index):
    result = answer(FOLLOW_UP, history=ATTENDED, settings=seed_index)
    assert result.text.startswith("**Ted Sarandos** — “")
    assert result.question == FOLLOW_UP


def test_which_of_them_chooses_among_the_people_the_previous_answer_quoted(seed_index):
    first = answer("Who attended the talks?", settings=seed_index)
    history = [{"role": "user", "content": "Who attended the talks?"},
               {"role": "assistant", "content": first.text}]
    assert all(name in first.text for name in NAMES)
    assert answer(FOLLOW_UP, history=history, settings=seed_index).text.startswith(
        "**Ted Sarandos** — “")


def test_as_of_leaves_out_later_articles(news_index):
    question = "Which executives took part in the WGA negotiations?"
    before = answer(question, as_of="2023-09-01", settings=news_index)
    assert SEED_ID not in {c.article_id for c in before.citations}
    assert all(c.date is None or c.date <= datetime.date(2023, 9, 1) for c in before.citations)
    on_the_day = answer(question, as_of="2023-09-23", settings=news_index)
    assert on_the_day.citations[0].article_id == SEED_ID
    with pytest.raises(ValueError, match="as_of must be a date like 2023-09-23"):
        answer(question, as_of="last Tuesday", settings=news_index)


def one_article(tmp_path, embeddings, text: str):
    """An index of one article with this text; its settings."""
    from index.build import build
    from tests.conftest import settings_for

    (tmp_path / "story.json").write_text(json.dumps(
        {"id": "story", "title": "Story", "date": "2023-01-16", "text": text}))
    settings = settings_for(tmp_path / "index")
    build([tmp_path / "story.json"], settings, embeddings=embeddings)
    return settings


def test_a_place_the_question_names_by_its_people_is_not_the_answer(tmp_path, embeddings):
    settings = one_article(tmp_path, embeddings,
        "The public has regained the right to wild camp in Dartmoor, the only national park "
        "in England where it is allowed, after an English court ruling. Campers welcomed the "
        "decision.")
    result = answer("The public regained the right to wild camp in which English national park?",
                    settings=settings)
    assert not result.text.startswith("**England**"), result.text
    assert "Dartmoor" in result.text[:80]
    assert_contract(result, settings)


def test_a_name_the_coverage_spells_another_way_is_not_missing(tmp_path, embeddings):
    settings = one_article(tmp_path, embeddings,
        "A chef in Melbourne, Australia, has banned vegans from his restaurant for mental "
        "health reasons, he said on Instagram. Diners reacted with anger.")
    for question in ("A top chef banned which diners from his Australian restaurant?",
                     "Which diners did a U.S. newspaper say a chef in Melbourne banned?"):
        result = answer(question, settings=settings)
        assert not result.abstained, result.text
        assert "vegans" in result.text


# Which short answer leads: (the article, the question, how the answer starts).
SHORT_ANSWERS = {
    "how_many_years_is_answered_with_the_years": (
        "ROME – Italy's most wanted fugitive, Marco Bellandi, was arrested on Monday at a "
        "clinic in Palermo after 30 years on the run, police said. Bellandi, who was tried in "
        "absentia and convicted of dozens of murders, faces multiple life sentences. He was "
        "first reported missing in March 1993.",
        "Marco Bellandi was arrested Monday after how many years on the run?",
        "**30 years**"),
    "a_span_counted_in_words_answers_how_many_years": (
        "Scottish leader Nicola Sturgeon, the head of the country's independence movement for "
        "eight years, plans to resign. She said on Wednesday that she was stepping down.",
        "Nicola Sturgeon resigned after how many years as Scotland's first minister?",
        "**eight years**"),
    "only_numbers_that_count_what_is_asked_answer_how_many": (
        "After 18 seasons with the Green Bay Packers – 15 as the team's starting quarterback – "
        "Aaron Rodgers has been traded to the New York Jets. While Rodgers only won one Super "
        "Bowl with the Packers, he does boast many epic moments.",
        "Aaron Rodgers was traded this week. How many Super Bowls did Rodgers win in Green Bay?",
        "**one**"),
    "a_sentence_of_another_year_does_not_answer_for_this_week": (
        "In 2022, an average of 99.18 million viewers watched the Los Angeles Rams defeat the "
        "Cincinnati Bengals in the Super Bowl. This year, an average of 113 million viewers "
        "watched the game, according to Nielsen.",
        "Approximately how many viewers watched the Super Bowl this past weekend?",
        "**113 million**"),
    "a_count_of_days_is_not_read_from_another_year": (
        "Vande Hei returned to Earth in March 2022 after 355 days in space. Rubio returned to "
        "Earth on Wednesday after 371 days in space.",
        "Three astronauts returned to Earth this week after how many days in space?",
        "**371 days**"),
    "which_state_is_answered_with_a_state_not_a_city": (
        "The last Powerball jackpot to be claimed reached $1.08 billion, when the winning "
        "ticket was sold in Los Angeles on July 19.\n\nST. LOUIS — A player in California won "
        "a $1.73 billion Powerball jackpot Wednesday night.",
        "One lucky ticket for the $1.73 billion Powerball jackpot was sold this week in which "
        "state?",
        "**California**"),
    "a_dateline_is_not_an_answer": (
        "ST. LOUIS — A player won a $1.73 billion Powerball jackpot Wednesday night, lottery "
        "officials said. The winning ticket was sold at a gas station in Frazier Park.",
        "The winning ticket for the $1.73 billion Powerball jackpot was sold in which city?",
        "**Frazier Park**"),
    "short_answers_keep_the_words_the_tagger_left_off": (
        "Gangsta Boo, the pioneering female rapper who got her start as a teenager in Three 6 "
        "Mafia, has died at age 43. She left the group in 2001 to go solo.",
        "Rapper Gangsta Boo died this week. She got her start with which group?",
        "**Three 6 Mafia**"),
    "a_streaming_service_keeps_its_plus": (
        "Season 3 of \"Ted Lasso\" premiered on Wednesday. You can stream all three seasons "
        "of \"Ted Lasso,\" as well as other original programming, on Apple TV+.",
        "Ted Lasso premiered this week. You can find it on which streaming platform?",
        "**Apple TV+**"),
    "a_team_the_tagger_calls_a_nationality_is_a_team": (
        "Former Green Bay Packers quarterback Aaron Rodgers was taken out just 3½ minutes into "
        "his Jets debut after getting sacked by Buffalo Bills pass rusher Leonard Floyd.",
        "Aaron Rodgers suffered a season-ending injury this week. Which NFL team is he "
        "currently a part of?",
        "**Jets**"),
    "a_name_introduced_by_what_it_is_is_of_that_kind": (
        "Fast-causal chain Panera Bread has once again found itself the target of a lawsuit "
        "over its highly caffeinated Charged Lemonade drinks.",
        "Which fast-casual restaurant was hit with another lawsuit this week over caffeinated "
        "lemonade?",
        "**Panera Bread**"),
    "a_thing_of_no_entity_kind_is_answered_with_its_noun_phrase": (
        "Russian scientists were able to revive two worms frozen in the Siberian permafrost "
        "for 46,000 years, according to an article published this month. The researchers "
        "used water as a medium for the revival.",
        "Scientists have revived what animal that was frozen 46,000 years ago?",
        "**two worms**"),
    "the_answer_sits_where_the_question_has_its_what": (
        "A US man has attempted to break a world record by balancing an umbrella on his "
        "finger for three hours, 46 minutes and 16 seconds. His attempt must still be "
        "reviewed by Guinness World Records.",
        "A man has attempted to break a world record by balancing what on his finger?",
        "**umbrella**"),
    "a_phrase_of_the_kind_asked_must_say_which_one": (
        "Colossal, a company that wants to bring extinct species back to life, said on "
        "Tuesday that it will bring the dodo back to life. It has raised 225 million dollars.",
        "Colossal announced that it wants to bring which species back to life?",
        "**dodo**"),
    "a_place_keeps_the_larger_place_named_after_it": (
        "The fourth Republican primary debate is set for tonight in Tuscaloosa, Alabama, "
        "weeks before the Iowa caucus. Four candidates qualified.",
        "Where did the fourth Republican debate take place?",
        "**Tuscaloosa, Alabama**"),
    "a_state_a_dateline_abbreviates_is_spelled_out": (
        "NORTH CHARLESTON, S.C. − Tim Scott, the lone Black Republican senator, declared his "
        "campaign for president on Monday. He spoke at his old high school.",
        "Tim Scott announced his campaign this week. He is a senator for which state?",
        "**South Carolina**"),
    "a_name_tagged_in_one_sentence_is_a_name_in_the_others_too": (
        "Bed Bath & Beyond said it has substantial doubt it can stay in business. Neil "
        "Saunders, managing director of GlobalData Retail, wrote in a report Thursday that Bed "
        "Bath & Beyond is too far gone to be saved. Besides Bed Bath & Beyond, the company "
        "also runs the buybuy Baby and Harmon chains.",
        "Which home goods chain runs the buybuy Baby and Harmon chains?",
        "**Bed Bath & Beyond** — “Besides"),
    "a_country_is_not_an_ocean": (
        "Treated radioactive water from the Fukushima plant will be released into the Pacific "
        "Ocean starting Thursday, officials in Japan said, despite protests from fishing groups.",
        "Which country is moving forward with its plan to release radioactive water into the "
        "ocean?",
        "**Japan**"),
}


def test_a_number_that_describes_is_not_a_count(tmp_path, embeddings):
    settings = one_article(tmp_path, embeddings,
        "The seven-time Super Bowl winner announced his retirement from the NFL on Wednesday, "
        "a year after his first. He was the oldest player in the league.")
    result = answer("Tom Brady retired this week. How many seasons did he play in the NFL?",
                    settings=settings)
    assert not result.text.startswith("**seven"), result.text


@pytest.mark.parametrize("case", SHORT_ANSWERS)
def test_the_short_answer_leads(tmp_path, embeddings, case):
    """The reader's proposal, each shown in bold (how sure it is is the confidence's own
    test): one short article is little evidence to be sure on."""
    from qa.extractive import ExtractiveReader
    from qa.extractive.confidence import ALWAYS
    from qa.pipeline import pipeline
    from qa.query import Query

    text, question, start = SHORT_ANSWERS[case]
    settings = one_article(tmp_path, embeddings, text)
    parts = pipeline(settings)
    evidence = parts.retrieve(Query.parse(question, settings))
    result = parts.verify(ExtractiveReader(embeddings, confidence=ALWAYS).read(evidence),
                          evidence)
    assert result.text.startswith(start), result.text
    assert_contract(answer(question, settings=settings), settings)


def test_sentences_that_count_what_a_how_many_question_counts_are_found():
    from qa.extractive.question import tally_pattern

    seasons = tally_pattern("Tom Brady is retiring for good. How many seasons did he play?")
    assert seasons.search("Brady played 23 seasons in all.")
    assert seasons.search("a 23-season career")
    assert seasons.search("after twenty seasons")
    assert not seasons.search("in his final season, with 490 completions")
    assert tally_pattern("How many more games will they play?") is None  # nothing counted
    assert tally_pattern("Who won the game?") is None
