import datetime
import gzip
import json
import logging

from index.articles import load_articles
from tests.conftest import DATA, SEED_ARTICLE


def load(paths):
    skipped = []
    articles = load_articles(paths, on_skip=lambda path, reason: skipped.append((path, reason)))
    return articles, skipped


def test_seed_txt_date_marker_becomes_the_date_and_leaves_the_text(tmp_path):
    (article,), skipped = load([SEED_ARTICLE])
    assert skipped == []
    assert article.id == "seeds/000_a17fed1a18a053f1.txt"
    assert article.date == datetime.date(2023, 9, 23)
    assert article.text.startswith("The Writers Guild of America (WGA)")
    assert "date 2023" not in article.text
    assert article.title.startswith("The Writers Guild of America (WGA) and the Alliance")
    assert len(article.title) <= 91 and article.title.endswith("Television…")


def test_a_long_first_line_gives_a_title_cut_at_a_word(tmp_path):
    words = "Officials said on Monday that the harbour budget would grow by a third next year "
    (tmp_path / "a.txt").write_text(words * 3 + "after the vote.")
    (article,), _ = load([tmp_path])
    assert article.title == words.strip() + "…"


def test_txt_title_is_a_short_first_line(tmp_path):
    (tmp_path / "a.txt").write_text("Strike ends\n\nWriters voted to ratify the deal on Monday.")
    (article,), _ = load([tmp_path])
    assert article.title == "Strike ends"
    assert article.date is None


def test_markdown_front_matter(tmp_path):
    (tmp_path / "m.md").write_text(
        "---\ntitle: Deal reached\ndate: 2023-09-24\nurl: https://example.org/deal\n"
        "source: Example News\n---\nThe guild and the studios reached a tentative deal.\n"
    )
    (article,), _ = load([tmp_path])
    assert (article.title, article.date, article.url, article.source) == (
        "Deal reached", datetime.date(2023, 9, 24), "https://example.org/deal", "Example News")
    assert article.text == "The guild and the studios reached a tentative deal."


def test_html_main_text_title_and_date(tmp_path):
    body = " ".join(["The guild and the studios met again on Wednesday to discuss residuals."] * 6)
    (tmp_path / "p.html").write_text(
        "<html><head><title>Talks resume</title>"
        '<meta property="article:published_time" content="2023-09-20"></head><body>'
        "<nav><a href='/'>Home</a> <a href='/sports'>Sports</a></nav>"
        f"<article><h1>Talks resume</h1><p>{body}</p></article>"
        "<footer>Copyright Example Corp</footer></body></html>"
    )
    (article,), skipped = load([tmp_path])
    assert skipped == []
    assert article.title == "Talks resume"
    assert article.date == datetime.date(2023, 9, 20)
    assert "residuals" in article.text and "Copyright" not in article.text


def test_json_and_jsonl_records(tmp_path):
    (tmp_path / "one.json").write_text(json.dumps(
        {"title": "One", "text": "First text.", "publish_date": "2023/01/05", "url": "u1"}))
    (tmp_path / "many.jsonl").write_text(
        json.dumps({"id": "x1", "title": "Two", "text": "Second text.", "date": "2023-02-01"})
        + "\n"
        + json.dumps({"doc_id": "x2", "title": "Three", "text": "Third text.", "source": "S"})
        + "\n"
    )
    articles, skipped = load([tmp_path])
    by_title = {a.title: a for a in articles}
    assert skipped == []
    assert by_title["One"].date == datetime.date(2023, 1, 5) and by_title["One"].url == "u1"
    assert by_title["Two"].id == "x1" and by_title["Two"].date == datetime.date(2023, 2, 1)
    assert by_title["Three"].id == "x2" and by_title["Three"].source == "S"


def test_evaluation_corpus_loads_as_is_also_gzipped(tmp_path):
    with gzip.open(DATA / "articles.jsonl.gz", "rt") as f:
        lines = [next(f) for _ in range(50)]
    (tmp_path / "part.jsonl.gz").write_bytes(gzip.compress("".join(lines).encode()))
    articles, skipped = load([tmp_path / "part.jsonl.gz"])
    first = json.loads(lines[0])
    assert skipped == []
    assert len(articles) == len({json.loads(x)["doc_id"] for x in lines})
    match = next(a for a in articles if a.id == first["doc_id"])
    assert match.title == first["title"] and match.url == first["url"]
    assert match.date.isoformat() == first["publish_date"].replace("/", "-")


def test_bad_files_are_skipped_with_a_reason_and_the_rest_load(tmp_path, caplog):
    (tmp_path / "good.txt").write_text("A good article about the strike.")
    (tmp_path / "empty.txt").write_text("   \n")
    (tmp_path / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 10)
    (tmp_path / "broken.json").write_text('{"title": "x", "text": ')
    (tmp_path / "undecodable.txt").write_bytes(b"\x81\x8d\x8f\x90\x9d" * 20)
    (tmp_path / "notitle.json").write_text('{"text": "no title here"}')
    (tmp_path / "mixed.jsonl").write_text(
        '{"id": "ok", "title": "Fine", "text": "Fine text."}\n{broken\n')
    with caplog.at_level(logging.WARNING, logger="newsqa"):
        articles = load_articles([tmp_path])
    assert sorted(a.title for a in articles) == ["A good article about the strike.", "Fine"]
    reasons = {r.args[0].rsplit("/", 1)[-1]: r.args[1] for r in caplog.records}
    assert reasons["empty.txt"] == "empty file"
    assert reasons["binary.txt"] == "binary file, not text"
    assert reasons["broken.json"].startswith("invalid JSON")
    assert reasons["undecodable.txt"] == "not decodable as UTF-8 or Windows-1252 text"
    assert reasons["notitle.json"] == "missing 'title'"
    assert reasons["mixed.jsonl"].startswith("line 2: invalid JSON")


def test_ids_are_stable_and_independent_of_load_order(tmp_path):
    for name in ("b.txt", "a.txt", "sub/c.txt"):
        (tmp_path / "news" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "news" / name).write_text(f"Article {name}.")
    whole, _ = load([tmp_path / "news"])
    single, _ = load([tmp_path / "news" / "sub" / "c.txt", tmp_path / "news" / "a.txt"])
    assert [a.id for a in whole] == ["news/a.txt", "news/b.txt", "news/sub/c.txt"]
    assert {a.id for a in single} == {"sub/c.txt", "news/a.txt"}
