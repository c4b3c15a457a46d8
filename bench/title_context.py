"""Chunks that know their article: embed each chunk as "title (date): text" instead of the
text alone, and compare retrieval on the same dev questions (BM25 and the stored text are
unchanged; only the dense vectors differ).

    python bench/title_context.py ../shared/data/realtimeqa-2023/questions-dev.jsonl \
        --articles ../shared/data/realtimeqa-2023/articles.jsonl.gz --limit 80 --seed 0
"""

from __future__ import annotations

import argparse
import datetime
import tempfile
from pathlib import Path

from index.settings import Settings, go_offline


def with_context(article, chunk) -> str:
    return f"{article.title} ({article.date or 'undated'}): {chunk.text}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("questions", type=Path)
    parser.add_argument("--articles", type=Path, required=True)
    parser.add_argument("--limit", type=int, default=80)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("-k", type=int, default=10)
    args = parser.parse_args()
    go_offline()
    from index.build import build
    from index.embeddings import MiniLMEmbeddings
    from index.records import Scope
    from index.store import Store
    from qa.evaluate import hit_rank, load_questions, retrieval_scores, write_articles
    from qa.langchain import HybridRetriever

    questions = load_questions(args.questions, args.limit, args.seed, answerable=True)
    embeddings = MiniLMEmbeddings()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "articles.jsonl"
        write_articles(args.articles, {d for q in questions for d in q["gcs_doc_ids"]}, corpus)
        for name, embed_text in [("plain chunks", lambda a, c: c.text),
                                 ("title (date): chunk", with_context)]:
            settings = Settings(index_dir=Path(tmp) / name.split()[0])
            report = build([corpus], settings, embeddings=embeddings, embed_text=embed_text)
            store = Store(settings)
            retriever = HybridRetriever(store=store, embeddings=embeddings, k=args.k)
            hybrid, dense = [], []
            for q in questions:
                as_of = datetime.date.fromisoformat(q["question_date"].replace("/", "-"))
                docs = retriever.invoke(q["question"], k=args.k, as_of=as_of)
                hybrid.append(hit_rank([(d.metadata["article_id"], d.page_content)
                                        for d in docs], q, args.k))
                hits = retriever.retriever.derived.nearest(
                    embeddings.embed_query(q["question"]), args.k, Scope(until=as_of))
                dense.append(hit_rank([(h.chunk.article_id, h.chunk.text) for h in hits], q,
                                      args.k))
            scores = retrieval_scores(hybrid, args.k) | retrieval_scores(dense, args.k, "dense ")
            print(f"{name}: {report.line()}")
            print("  " + "  ".join(f"{k} {v:.3f}" for k, v in scores.items()), flush=True)


if __name__ == "__main__":
    main()
