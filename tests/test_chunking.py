from index.articles import load_articles
from index.chunking import chunk_article
from index.records import Article
from index.sentences import sentence_spans
from tests.conftest import SEED_ARTICLE, corpus_records


def article(text: str, id_: str = "t") -> Article:
    return Article(id_, "t", None, None, None, "t.txt", text)


def assert_offsets(a: Article, max_chars: int) -> None:
    chunks = chunk_article(a, max_chars)
    assert chunks, a.id
    for c in chunks:
        assert a.text[c.start : c.end] == c.text
        assert c.article_id == a.id


def test_offsets_hold_for_every_chunk_of_the_seed():
    (seed,) = load_articles([SEED_ARTICLE])
    assert_offsets(seed, 600)
    assert_offsets(seed, 150)


def test_offsets_hold_on_a_sample_of_the_evaluation_corpus():
    for record in corpus_records(150, start=1000):
        a = article(record["text"].strip(), record["doc_id"])
        assert_offsets(a, 600)


def test_chunks_hold_whole_sentences_and_overlap_by_one():
    sentences = [f"Sentence number {i} is about the strike talks." for i in range(12)]
    text = " ".join(sentences)
    chunks = chunk_article(article(text), 150)
    assert len(chunks) > 2
    for c in chunks:
        assert c.text.startswith("Sentence number") and c.text.endswith("talks.")
        assert len(c.text) <= 150
    for first, second in zip(chunks, chunks[1:], strict=False):
        last_sentence = first.text[first.text.rfind("Sentence number"):]
        assert second.text.startswith(last_sentence)


def test_a_sentence_longer_than_the_limit_is_cut_at_words():
    text = "word " * 100 + "end."
    chunks = chunk_article(article(text.strip()), 120)
    assert all(len(c.text) <= 120 for c in chunks)
    assert all(not c.text.startswith(" ") and not c.text.endswith(" ") for c in chunks)
    assert "".join(c.text.replace(" ", "") for c in chunks).count("end.") >= 1


def test_chunk_ids_derive_from_content():
    a = article("One sentence here. Another sentence there.")
    assert [c.id for c in chunk_article(a)] == [c.id for c in chunk_article(a)]
    b = article("One sentence here. Another sentence changed.")
    assert chunk_article(a)[0].id != chunk_article(b)[0].id


def test_sentence_spans_respect_abbreviations_and_quotes():
    text = 'Warner Bros. Discovery CEO David Zaslav met Mr. Iger in the U.S. on Monday. ' \
           '“We met,” he said. Talks resume Tuesday!'
    got = [text[s:e] for s, e in sentence_spans(text)]
    assert got == [
        "Warner Bros. Discovery CEO David Zaslav met Mr. Iger in the U.S. on Monday.",
        "“We met,” he said.",
        "Talks resume Tuesday!",
    ]
