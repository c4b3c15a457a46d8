"""Could reordering the retrieved candidates lift hit@5? How often an answer-bearing chunk is
among the first 5, 10, 20 and 40 fused candidates, and hit@5 after reordering the first 20
by each signal available offline, fused by reciprocal rank with the retriever's own order:

- sentence cosine: the chunk's sentence most similar to the question (MiniLM);
- sentence terms: the largest idf-weighted share of the question's terms in one sentence;
- answer kind: the chunk names an entity of the kind asked that the question does not.

    python bench/rerank.py ../shared/data/realtimeqa-2023/questions-dev.jsonl \
        --articles ../shared/data/realtimeqa-2023/articles.jsonl.gz --limit 220 --seed 0 \
        --index-dir /tmp/eval220
"""

from __future__ import annotations

import argparse
import datetime
import tempfile
import time
from pathlib import Path

import numpy as np

from index.settings import Settings, go_offline

DEPTHS = (5, 10, 20, 40)
REORDERED = 20


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("questions", type=Path)
    parser.add_argument("--articles", type=Path, required=True)
    parser.add_argument("--limit", type=int, default=220)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--index-dir", type=Path, required=True)
    args = parser.parse_args()
    go_offline()
    from index.build import build
    from index.sentences import sentence_spans
    from index.terms import terms
    from qa.entities import entities
    from qa.evaluate import hit_rank, load_questions, write_articles
    from qa.pipeline import pipeline
    from qa.questions import answer_labels

    questions = load_questions(args.questions, args.limit, args.seed, answerable=True)
    settings = Settings(index_dir=args.index_dir)
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "articles.jsonl"
        write_articles(args.articles, {d for q in questions for d in q["gcs_doc_ids"]}, corpus)
        print(build([corpus], settings).line())
    retriever = pipeline(settings).retriever
    retriever.refresh()
    idf = retriever.derived.idf

    def sentence_cosine(question: str, texts: list[str]) -> list[float]:
        spans = [[text[a:b] for a, b in sentence_spans(text)] or [text] for text in texts]
        vectors = retriever.embeddings.encode([s for sents in spans for s in sents])
        query = np.array(retriever.embeddings.embed_query(question))
        scores, at = [], 0
        for sents in spans:
            scores.append(float((vectors[at : at + len(sents)] @ query).max()))
            at += len(sents)
        return scores

    def sentence_terms(question: str, texts: list[str]) -> list[float]:
        asked = {t: idf(t) for t in set(terms(question))}
        total = sum(asked.values()) or 1.0
        return [max((sum(w for t, w in asked.items() if t in set(terms(text[a:b])))
                     for a, b in sentence_spans(text)), default=0.0) / total for text in texts]

    def answer_kind(question: str, texts: list[str]) -> list[float]:
        labels, said = answer_labels(question), question.lower()
        return [float(any(e.label in labels and e.text.lower() not in said for e in found))
                for found in entities(texts)]

    signals = {"sentence cosine": sentence_cosine, "sentence terms": sentence_terms,
               "answer kind": answer_kind}
    found = {depth: 0 for depth in DEPTHS}
    reordered = dict.fromkeys(signals, 0)
    seconds: dict[str, list[float]] = {name: [] for name in signals}
    for q in questions:
        as_of = datetime.date.fromisoformat(q["question_date"].replace("/", "-"))
        found = retriever.retrieve(q["question"], k=max(DEPTHS), as_of=as_of).found
        passages = [(f.hit.chunk.article_id, f.hit.chunk.text) for f in found]
        rank = hit_rank(passages, q, max(DEPTHS))
        for depth in DEPTHS:
            found[depth] += bool(rank and rank <= depth)
        head, tail = passages[:REORDERED], passages[REORDERED:]
        for name, signal in signals.items():
            started = time.perf_counter()
            scores = signal(q["question"], [text for _, text in head])
            seconds[name].append(time.perf_counter() - started)
            by_signal = sorted(range(len(head)), key=lambda i: -scores[i])
            fused = {i: 1 / (61 + i) for i in range(len(head))}
            for place, i in enumerate(by_signal):
                fused[i] += 1 / (61 + place)
            order = [head[i] for i in sorted(fused, key=fused.get, reverse=True)] + tail
            reordered[name] += bool(hit_rank(order, q, 5))
    n = len(questions)
    print(f"{n} questions; answer-bearing chunk among the first k fused candidates:")
    print("  " + ", ".join(f"k={depth}: {found[depth] / n:.3f}" for depth in DEPTHS))
    print(f"hit@5 after reordering the first {REORDERED} (retriever alone: {found[5] / n:.3f}):")
    for name in signals:
        print(f"  {name}: {reordered[name] / n:.3f}  "
              f"({1000 * float(np.median(seconds[name])):.0f} ms per question, median)")


if __name__ == "__main__":
    main()
