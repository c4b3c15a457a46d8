import datetime

from index.records import Article
from qa.citations import Answer, Citation
from ui.render import safe_markdown, sources_html


def test_safe_markdown_escapes_markup_but_keeps_bold_and_markers():
    text = '**Iger** — “<script>x()</script> [click](javascript:y) ![i](z)” [1]'
    out = safe_markdown(text)
    assert out.startswith("**Iger**") and out.endswith("[1]")
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert "](javascript" not in out and "\\[click\\]\\(javascript:y\\)" in out
    assert "\\!\\[i\\]" in out


def test_sources_show_the_quote_in_context_and_escape_everything():
    article = Article("a", "<b>Title</b>", datetime.date(2023, 9, 23), None,
                      "javascript:alert(1)", "a.txt",
                      "Before it. The <img src=x onerror=y()> quote. After it.")
    start = article.text.index("The <img")
    end = article.text.index("quote.") + len("quote.")
    citation = Citation(1, "a", article.title, article.date, article.url,
                        article.text[start:end], start, end, before=article.text[:start],
                        after=article.text[end:])
    html = sources_html(Answer("q", "x [1]", (citation,), False))
    assert "<mark>The &lt;img src=x onerror=y()&gt; quote.</mark>" in html
    assert "…Before it. <mark>" in html and "</mark> After it.…" in html
    assert "&lt;b&gt;Title&lt;/b&gt;" in html and "2023-09-23" in html
    assert "href" not in html  # only http(s) links become links


def test_notes_follow_the_answer_in_italics_and_escaped():
    from ui.render import answer_markdown

    answer = Answer("q", "**Iger** [1]", (), False,
                    notes=("The LLM (<b>x</b>) did not answer; this is the extractive answer.",))
    assert answer_markdown(answer) == (
        "**Iger** [1]\n\n*The LLM \\(&lt;b&gt;x&lt;/b&gt;\\) did not answer; this is the "
        "extractive answer\\.*")


def test_quotes_of_one_article_sit_under_one_header():
    text = "The mayor spoke. The council voted. The budget grew."
    one = Article("desk/a.txt", "Budget", datetime.date(2023, 9, 23), None, None,
                  "/srv/desk/a.txt", text)
    other = Article("b", "Harbour", None, None, "https://example.org/b", "b.json", "It rained.")
    citations = (Citation(1, one.id, one.title, one.date, "", "The mayor spoke.", 0, 16),
                 Citation(2, other.id, other.title, None, other.url, "It rained.", 0, 10),
                 Citation(3, one.id, one.title, one.date, "", "The budget grew.", 36, 52))
    html = sources_html(Answer("q", "x [1][2][3]", citations, False))
    assert html.count("<b>Budget</b>") == 1 and html.count("<b>Harbour</b>") == 1
    budget, harbour = html.split("<b>Harbour</b>")
    assert "[1]" in budget and "[3]" in budget and "[2]" in harbour
    assert "<code>desk/a.txt</code>" in budget and "/srv" not in html
    assert "<a href='https://example.org/b'" in harbour
