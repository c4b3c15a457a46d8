import json

from qa.citations import Answer
from qa.evaluate import (
    ASKS_RECENT,
    MULTIPLE_CHOICE,
    Row,
    answers,
    contains,
    fresh,
    hit_rank,
    llm_shown,
    reader_scores,
    run,
    write_articles,
)
from qa.grounded import FALLBACK, NEITHER


def test_gold_matching_ignores_case_quotes_and_trailing_punctuation():
    assert contains("**Buffalo Bills** — “The Bills …", "buffalo bills.")
    assert contains("It was “Jaws”, in 1975", "\u201cJaws\u201d")
    assert not contains("The Bills", "Buffalo Bills")


def test_an_answer_may_say_a_small_number_in_words_or_digits():
    assert answers("As of 2023-11-09, **five** — “Five candidates took part.”", "5")
    assert answers("**6** — “He was the first in six centuries.”", "Six")
    assert not answers("**fifteen** — “Fifteen took part.”", "5")
    assert not answers("**four**", "Fourteen")
    assert not answers("**2 million** bikes", "two")
    assert not contains("**five**", "5")  # the retrieval labels stay literal


def test_multiple_choice_questions_are_recognised():
    assert MULTIPLE_CHOICE.search("Which of these cities hosted the summit?")
    assert MULTIPLE_CHOICE.search("All of these teams made the playoffs EXCEPT:")
    assert not MULTIPLE_CHOICE.search("Which city hosted the summit?")


def test_questions_about_recent_days_and_fresh_gold_articles():
    assert ASKS_RECENT.search("Which company announced layoffs this week?")
    assert ASKS_RECENT.search("Who recently resigned?")
    assert not ASKS_RECENT.search("Who won the 2022 World Cup?")
    question = {"question_date": "2023/09/22", "gcs_doc_ids_containing_answer": ["a", "b"]}
    assert fresh(question, {"a": "2021-01-01", "b": "2023-08-30"})
    assert not fresh(question, {"a": "2021-01-01", "b": "2023-08-20"})
    assert not fresh(question, {"a": "2023-09-23"})  # published after the question


def test_an_llm_answer_counts_as_shown_only_when_it_is_not_a_fallback():
    def result(reader, *notes):
        return Answer("q", "a", (), False, reader, notes)

    assert llm_shown(result("llm: m", "The LLM (m) chose this answer; the quotes are ..."))
    assert not llm_shown(result("llm: m", f"The LLM found no answer ...; {FALLBACK}"))
    assert not llm_shown(result("llm: m", NEITHER))
    assert not llm_shown(result("extractive"))


def test_reader_scores_compare_styles_on_the_same_rows():
    def row(answer, seconds, shown, abstained=False):
        return Row("q", "?", "Ghana", answer, abstained, 0.0, [], None, seconds, False, False,
                   "llm: m", shown)

    rows = [row("**Ghana** — …", 4.0, True), row("x" * 70 + "Ghana", 6.0, False),
            row("No.", 5.0, False, abstained=True)]
    assert reader_scores(rows, "llm choose ") == {
        "llm choose acc@60": 1 / 3, "llm choose acc@300": 2 / 3, "llm choose abstained": 1 / 3,
        "llm choose llm shown": 1 / 3, "llm choose p50 s": 5.0, "llm choose p95 s": 6.0}


def test_hit_rank_needs_the_right_article_and_the_answer():
    question = {"gcs_doc_ids_containing_answer": ["a"], "gold_answer": "Kito"}
    passages = [("b", "Kito the giraffe"), ("a", "A giraffe"), ("a", "Kito was born")]
    assert hit_rank(passages, question, 10) == 3
    assert hit_rank(passages, question, 2) is None


def test_eval_end_to_end_with_the_tutorial_baseline(tmp_path):
    articles = [
        {"doc_id": "zoo", "title": "Baby giraffe", "publish_date": "2023/09/20",
         "text": "The city zoo welcomed a baby giraffe named Kito on Sunday. "
                 "Keepers said Kito weighed 150 pounds at birth."},
        {"doc_id": "bus", "title": "Bus fares", "publish_date": "2023/09/18",
         "text": "The transit board voted to raise bus fares to $2.50 on Tuesday."},
    ]
    (tmp_path / "articles.jsonl").write_text("".join(json.dumps(a) + "\n" for a in articles))
    questions = [
        {"qid": "1", "question": "What was the name of the zoo's new baby giraffe?",
         "question_date": "2023/09/22", "gold_answer": "Kito", "gcs_doc_ids": ["zoo", "bus"],
         "gcs_doc_ids_containing_answer": ["zoo"]},
        {"qid": "2", "question": "Which of these fares rose?", "question_date": "2023/09/22",
         "gold_answer": "$2.50", "gcs_doc_ids": ["bus"], "gcs_doc_ids_containing_answer": ["bus"]},
    ]
    (tmp_path / "q.jsonl").write_text("".join(json.dumps(q) + "\n" for q in questions))
    out = tmp_path / "rows.jsonl"
    scores = run(tmp_path / "q.jsonl", tmp_path / "articles.jsonl", limit=None, seed=0, k=10,
                 index_dir=None, out=out, baseline=True)
    assert scores["questions"] == 1  # the multiple-choice question is left out
    assert scores["hit@1"] == 1.0 and scores["tutorial hit@1"] == 1.0
    assert scores["acc@60"] == 1.0
    (row,) = [json.loads(line) for line in out.read_text().splitlines()]
    assert row["qid"] == "1" and row["hit_rank"] == 1 and set(row["citations"]) == {"zoo"}
    assert row["fresh"] and not row["asks_recent"]
    assert scores["fresh gold questions"] == 1 and scores["'this week' questions"] == 0


def test_the_haystack_is_the_questions_articles_or_every_article(tmp_path, monkeypatch):
    import qa.evaluate

    monkeypatch.setattr(qa.evaluate, "ARTICLES_PER_FILE", 2)
    source = tmp_path / "all.jsonl"
    source.write_text("".join(json.dumps({"doc_id": d, "publish_date": "2023/09/20",
                                          "text": "Text."}) + "\n" for d in "abc"))

    def written(folder):
        return {p.name: [json.loads(line)["doc_id"] for line in p.read_text().splitlines()]
                for p in folder.iterdir()}

    assert write_articles(source, {"b"}, tmp_path / "some") == {"b": "2023-09-20"}
    assert written(tmp_path / "some") == {"articles-000.jsonl": ["b"]}
    assert set(write_articles(source, None, tmp_path / "every")) == {"a", "b", "c"}
    assert written(tmp_path / "every") == {"articles-000.jsonl": ["a", "b"],
                                           "articles-001.jsonl": ["c"]}
