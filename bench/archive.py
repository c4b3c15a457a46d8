"""Archive scale: a synthetic archive built from the real corpus (articles recombined and
re-dated over several years, so that no two texts are the same), run through the real
pipeline: Chroma, the keyword index, retrieval and the reader. With --hashed-vectors (the
default) a hashing embedder stands in for the model, so that large archives fit in a
session; the output says so. Prints per size: index time per 1,000 articles, warm p50/p95 of
answer(), this process's peak RSS, the time from a build adding one article to the first
answer that cites it, with the p50 of the ten questions after that add, and a cold
`newsqa ask` in a new process (its time and peak RSS: what serving the archive costs).

    python bench/archive.py ../shared/data/realtimeqa-2023/articles.jsonl.gz \
        --questions ../shared/data/realtimeqa-2023/questions-dev.jsonl --sizes 2000 10000 \
        [--work DIR]

With --work the archives are built in DIR and kept; a later run with the same DIR serves
them again without building (its keyword index is brought in anew, as a new replica's is).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import gzip
import hashlib
import itertools
import json
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from index.derived import derived_path
from index.embeddings import MiniLMEmbeddings
from index.settings import Settings, go_offline

YEARS_BACK = 6  # the archive's articles are spread over this many years before 2023
ADDED = ("date 2023-12-30\nHarbour pilot Quentin Vasquez-Oyelaran was named head of the port "
         "authority on Friday, the city said.\n")  # the article added to a built archive
ADDED_QUESTION = "Who was named head of the port authority?"  # only the added article answers
PEAK = "peak RSS of this process:"  # how a cold ask reports its own peak RSS on stderr


class HashedEmbeddings(MiniLMEmbeddings):
    """Stands in for the model: each word adds a fixed random direction; normalised."""

    dimensions = 384

    def __init__(self) -> None:  # no model: nothing of the parent's set-up
        self.embedder = "hashed"
        self.calls = 0
        self._directions: dict[str, np.ndarray] = {}

    def _direction(self, word: str) -> np.ndarray:
        if word not in self._directions:
            seed = int.from_bytes(hashlib.sha1(word.encode()).digest()[:4], "big")
            self._directions[word] = np.random.default_rng(seed).standard_normal(
                self.dimensions).astype(np.float32)
        return self._directions[word]

    def encode(self, texts, batch_size=None) -> np.ndarray:
        self.calls += len(texts)
        out = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in text.lower().split()[:200]:
                out[i] += self._direction(word)
            out[i] /= np.linalg.norm(out[i]) or 1.0
        return out


def synthetic(source: list[dict], n: int, seed: int = 0) -> list[dict]:
    """n articles: each one real article's opening with another's ending, re-dated."""
    rng = random.Random(seed)
    articles = []
    for i in range(n):
        a, b = rng.choice(source), rng.choice(source)
        head = a["text"][: len(a["text"]) // 2]
        tail = b["text"][len(b["text"]) // 2 :]
        day = datetime.date(2023, 1, 1) - datetime.timedelta(days=rng.randrange(365 * YEARS_BACK))
        articles.append({"id": f"archive/{i}", "title": a["title"], "date": day.isoformat(),
                         "source": a.get("source") or "", "url": a.get("url") or "",
                         "text": f"{head}\n\n{tail}"})
    return articles


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run(size: int, source: list[dict], questions: list[str], embeddings, work: Path) -> None:
    import qa.pipeline
    from index.build import build
    from qa.api import answer, search

    folder = work / f"archive-{size}"
    settings = Settings(index_dir=work / f"index-{size}", embedder="torch")
    kept = folder.exists()  # built by an earlier run with the same --work: only served here
    (folder / "added.txt").unlink(missing_ok=True)  # the add below is a new article again
    derived = derived_path(settings)  # the first answer brings in the derived index anew
    derived.unlink(missing_ok=True)
    for suffix in (".tantivy", ".vectors"):
        shutil.rmtree(derived.with_suffix(suffix), ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    records = synthetic(source, size)
    for part in range(0, size, 1000):
        (folder / f"part-{part:07d}.jsonl").write_text(
            "".join(json.dumps(r) + "\n" for r in records[part : part + 1000]))
    report = build([folder], settings, embeddings=embeddings)
    seconds = time.perf_counter() - started
    built = (f"already indexed in {work} ({report.unchanged} unchanged), checked in "
             f"{seconds:.0f} s" if kept else f"{report.chunks} chunks: index {seconds:.0f} s "
             f"({seconds / size * 1000:.1f} s per 1,000 articles)")
    print(f"{size:>7} articles, {built}", flush=True)

    qa.pipeline.pipeline.cache_clear()
    started = time.perf_counter()
    answer(questions[0], settings=settings)  # opens the store, brings in the keyword index
    first = time.perf_counter() - started
    latencies = []
    for question in questions[1:41]:
        started = time.perf_counter()
        answer(question, settings=settings)
        latencies.append(time.perf_counter() - started)
    warm = statistics.median(latencies)
    print(f"        first answer (keyword index from scratch) {first:.1f} s; warm p50 "
          f"{warm * 1000:.0f} ms, p95 {p(latencies, 0.95) * 1000:.0f} ms; "
          f"peak RSS {peak_rss_mb():.0f} MB", flush=True)

    (folder / "added.txt").write_text(ADDED)
    started = time.perf_counter()
    build([folder], settings, embeddings=embeddings)
    built = time.perf_counter() - started
    started = time.perf_counter()
    result = answer(ADDED_QUESTION, settings=settings)
    after = time.perf_counter() - started
    cited = any(c.article_id.endswith("added.txt") for c in result.citations)
    if not cited:  # where it was lost: retrieval or the reader
        ranks = [n for n, p in enumerate(search(ADDED_QUESTION, settings=settings), 1)
                 if p.article_id.endswith("added.txt")]
        where = f"retrieved at rank {ranks[0]}" if ranks else "not retrieved"
        print(f"        the added article: {where}; the answer: {result.text[:120]!r}",
              flush=True)
    next_ten = []
    for question in questions[41:51]:
        started = time.perf_counter()
        answer(question, settings=settings)
        next_ten.append(time.perf_counter() - started)
    print(f"        one article added: build {built:.1f} s, then the first answer "
          f"{after * 1000:.0f} ms ({'cites it' if cited else 'DOES NOT cite it'}; "
          f"{after / warm:.1f}x warm p50); the next ten p50 "
          f"{statistics.median(next_ten) * 1000:.0f} ms, slowest "
          f"{max(next_ten) * 1000:.0f} ms ({max(next_ten) / warm:.1f}x)", flush=True)
    cold_ask(settings, questions[0])


def cold_ask(settings: Settings, question: str) -> None:
    """`newsqa ask` in a new process, as a user runs it: the real model embeds the question
    (the vectors are hashed, so its dense side finds little; the costs are real). Its peak
    RSS is that of a process serving this archive."""
    command = [sys.executable, __file__, "--cold-ask", str(settings.index_dir), question]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    peak = re.search(rf"^{PEAK} (\d+) kB$", done.stderr, re.MULTILINE)
    rss = f"{int(peak.group(1)) / 1024:.0f} MB" if peak else "unknown"
    status = "" if done.returncode == 0 else f" (FAILED: {done.stderr.strip()[-200:]})"
    print(f"        cold `newsqa ask` {seconds:.1f} s, its peak RSS {rss}{status}", flush=True)


def ask_as_a_user(index_dir: str, question: str) -> None:
    """`newsqa ask --index-dir DIR QUESTION`, the model embedding the question although the
    archive's vectors are hashed (so the index's record of its embedder is not checked).
    Prints its own peak RSS last (VmHWM: rusage would count the parent's pages from before
    the exec)."""
    from index.store import Store
    from ui.cli import main as newsqa

    Store.check_embedder = lambda self, name: None
    sys.argv = ["newsqa", "ask", question, "--index-dir", index_dir]
    try:
        newsqa()
    finally:
        status = Path("/proc/self/status").read_text()
        hwm = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE).group(1)
        print(f"{PEAK} {hwm} kB", file=sys.stderr)


def main() -> None:
    if sys.argv[1:2] == ["--cold-ask"]:
        return ask_as_a_user(*sys.argv[2:4])
    parser = argparse.ArgumentParser()
    parser.add_argument("articles", type=Path)
    parser.add_argument("--questions", type=Path, required=True)
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 10000])
    parser.add_argument("--source", type=int, default=3000, help="Real articles drawn from.")
    parser.add_argument("--work", type=Path,
                        help="Build the archives here and keep them, or serve the ones an "
                             "earlier run kept there (default: a temporary folder).")
    args = parser.parse_args()
    go_offline()
    import qa.pipeline

    opener = gzip.open if args.articles.suffix == ".gz" else open
    with opener(args.articles, "rt") as f:
        source = [r for r in map(json.loads, itertools.islice(f, args.source))
                  if len(r.get("text") or "") > 400]
    questions = [json.loads(line)["question"]
                 for line in args.questions.read_text().splitlines() if line.strip()]
    embeddings = HashedEmbeddings()
    qa.pipeline.MiniLMEmbeddings = lambda **_: embeddings  # queries and the reader, the same way
    print("vectors: HASHED (a hashing embedder stands in for the model; Chroma, the keyword "
          "index, retrieval and the reader are real)", flush=True)
    with contextlib.ExitStack() as stack:
        work = args.work or Path(stack.enter_context(tempfile.TemporaryDirectory()))
        for size in args.sizes:
            run(size, source, questions, embeddings, work)


if __name__ == "__main__":
    main()
