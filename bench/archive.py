"""Archive scale: a synthetic archive built from the real corpus (articles recombined and
re-dated over several years, so that no two texts are the same), run through the real
pipeline: Chroma, the derived index (texts, terms, vectors), retrieval and the reader. A
hashing embedder stands in for the model, so that large archives fit in a session; the
output says so. Each step runs in a process of its own, as it would in a deployment:

- the writer (`newsqa index`): build time per 1,000 articles, its peak RSS;
- a first sync (a new replica deriving its indexes from the store): time, peak RSS;
- the server: 100 questions (warm p50/p95), its RSS after them; then one article added by a
  writer, and the time from that build's end to the server's first answer citing it;
- a cold `newsqa ask` with the real model: its time and its own peak RSS;
- disk per component.

    python bench/archive.py ../shared/data/realtimeqa-2023/articles.jsonl.gz \
        --questions ../shared/data/realtimeqa-2023/questions-dev.jsonl --sizes 2000 10000 \
        [--work DIR]

With --work the archives are built in DIR and kept; a later run with the same DIR serves
them again without building (its derived index is brought in anew, as a new replica's is).
"""

from __future__ import annotations

import argparse
import datetime
import gzip
import itertools
import json
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

import numpy as np

from index.derived import derived_path
from index.embeddings import MiniLMEmbeddings
from index.settings import Settings, go_offline

YEARS_BACK = 6  # the archive's articles are spread over this many years before 2023
SOURCE = 3000  # real articles the archive's texts are drawn from
ADDED = ("date 2023-12-30\nHarbour pilot Quentin Vasquez-Oyelaran was named head of the port "
         "authority on Friday, the city said.\n")  # the article added to a built archive
ADDED_QUESTION = "Who was named head of the port authority?"  # only the added article answers
SERVED = 100  # questions the server answers before its RSS is read
MB = 1024 * 1024
HASHED_ROWS = 1 << 15  # directions of the hashing embedder (words share them by hash)


class HashedEmbeddings(MiniLMEmbeddings):
    """Stands in for the model: each word adds one of HASHED_ROWS fixed random directions
    (by a hash of the word); normalised."""

    dimensions = 384

    def __init__(self) -> None:  # no model: nothing of the parent's set-up
        self.embedder = "hashed"
        self.calls = 0
        self._table = np.random.default_rng(0).standard_normal(
            (HASHED_ROWS, self.dimensions)).astype(np.float32)
        self._rows: dict[str, int] = {}

    def _row(self, word: str) -> int:
        if (row := self._rows.get(word)) is None:
            row = self._rows[word] = zlib.crc32(word.encode()) % HASHED_ROWS
        return row

    def encode(self, texts, batch_size=None) -> np.ndarray:
        self.calls += len(texts)
        rows = [[self._row(w) for w in text.lower().split()[:200]] or [0] for text in texts]
        starts = np.cumsum([0] + [len(r) for r in rows[:-1]])
        out = np.add.reduceat(self._table[np.concatenate(rows)], starts, axis=0)
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)


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



def memory(field: str) -> float:
    """This process's VmRSS, VmHWM (its peak), RssAnon (its own memory) or RssFile (pages
    of files it has mapped, which the kernel may drop), in MB."""
    status = Path("/proc/self/status").read_text()
    return int(re.search(rf"^{field}:\s+(\d+) kB", status, re.MULTILINE).group(1)) / 1024


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def hashed_settings(index_dir: str) -> Settings:
    """Settings whose pipeline embeds questions with the hashing embedder, as the archive."""
    import qa.pipeline

    embeddings = HashedEmbeddings()
    qa.pipeline.MiniLMEmbeddings = lambda **_: embeddings
    return Settings(index_dir=Path(index_dir), embedder="torch")


def child(*args: str) -> dict:
    """One step in a new process; what it reports (its last line, JSON)."""
    done = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"{args[0]} failed: {done.stderr.strip()[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- the steps, each in its own process ------------------------------------------------------
def step_build(index_dir: str, folder: str) -> None:
    from index.build import build

    started = time.perf_counter()
    report = build([Path(folder)], Settings(index_dir=Path(index_dir), embedder="torch"),
                   embeddings=HashedEmbeddings())
    print(json.dumps({"seconds": time.perf_counter() - started, "new": report.new,
                      "chunks": report.chunks, "peak": memory("VmHWM")}))


def step_sync(index_dir: str) -> None:
    from qa.pipeline import pipeline

    started = time.perf_counter()
    pipeline(hashed_settings(index_dir))
    print(json.dumps({"seconds": time.perf_counter() - started, "peak": memory("VmHWM")}))


def step_serve(index_dir: str, questions: str) -> None:
    """Answers SERVED questions, reports, waits for a line on stdin (an article was added
    meanwhile), then answers the question only that article answers, and ten more."""
    from qa.api import answer, search
    from qa.pipeline import pipeline, ready_in_background

    settings = hashed_settings(index_dir)
    asked = json.loads(questions)
    ready_in_background(settings)  # as `newsqa chat` does
    answer(asked[0], settings=settings)
    pipeline(settings).retriever.store.connect()  # (ready: waits for the thread's import)
    latencies = []
    for question in asked[1 : SERVED + 1]:
        started = time.perf_counter()
        answer(question, settings=settings)
        latencies.append(time.perf_counter() - started)
    print(json.dumps({"p50": statistics.median(latencies), "p95": p(latencies, 0.95),
                      "rss": memory("VmRSS"), "anon": memory("RssAnon"),
                      "file": memory("RssFile"), "peak": memory("VmHWM")}), flush=True)
    sys.stdin.readline()
    started = time.perf_counter()
    result = answer(ADDED_QUESTION, settings=settings)
    after = time.perf_counter() - started
    cited = any(c.article_id.endswith("added.txt") for c in result.citations)
    ranks = [n for n, hit in enumerate(search(ADDED_QUESTION, settings=settings), 1)
             if hit.article_id.endswith("added.txt")]
    next_ten = []
    for question in asked[SERVED + 1 : SERVED + 11]:
        started = time.perf_counter()
        answer(question, settings=settings)
        next_ten.append(time.perf_counter() - started)
    print(json.dumps({"after": after, "cited": cited, "rank": ranks[0] if ranks else None,
                      "next": statistics.median(next_ten), "slowest": max(next_ten),
                      "rss": memory("VmRSS")}))


def step_ask(index_dir: str, question: str) -> None:
    """`newsqa ask --index-dir DIR QUESTION`, the model embedding the question although the
    archive's vectors are hashed (so the index's record of its embedder is not checked)."""
    import qa.pipeline
    from ui.cli import main as newsqa

    qa.pipeline.refuse_mixed = lambda *a: None
    sys.argv = ["newsqa", "ask", question, "--index-dir", index_dir]
    try:
        newsqa()
    finally:
        print(json.dumps({"peak": memory("VmHWM")}))


STEPS = {"--build": step_build, "--sync": step_sync, "--serve": step_serve, "--ask": step_ask}


# -- one archive ------------------------------------------------------------------------------
def disk(index_dir: Path) -> dict[str, float]:
    """MB on disk: Chroma (its SQLite file and HNSW folders), and the derived index's texts,
    terms and vectors."""
    def size(path: Path) -> float:
        files = [path] if path.is_file() else list(path.rglob("*"))
        return sum(f.stat().st_size for f in files if f.is_file()) / MB

    derived = derived_path(Settings(index_dir=index_dir))
    parts = {"texts": derived, "terms": derived.with_suffix(".tantivy"),
             "vectors": derived.with_suffix(".vectors")}
    mine = {name: size(path) for name, path in parts.items()}
    derived_files = {*parts.values(), *(derived.with_name(derived.name + s)
                                        for s in ("-wal", "-shm"))}
    chroma = sum(size(f) for f in index_dir.iterdir() if f not in derived_files)
    return {"chroma": chroma, **mine}


def run(size: int, source: list[dict], questions: list[str], work: Path) -> None:
    folder, index_dir = work / f"archive-{size}", work / f"index-{size}"
    kept = folder.exists()  # built by an earlier run with the same --work: only served here
    (folder / "added.txt").unlink(missing_ok=True)  # the add below is a new article again
    derived = derived_path(Settings(index_dir=index_dir))
    for path in (derived, derived.with_suffix(".tantivy"), derived.with_suffix(".vectors")):
        shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(
            missing_ok=True)
    folder.mkdir(parents=True, exist_ok=True)
    records = synthetic(source, size)
    for part in range(0, size, 1000):
        (folder / f"part-{part:07d}.jsonl").write_text(
            "".join(json.dumps(r) + "\n" for r in records[part : part + 1000]))
    built = child("--build", str(index_dir), str(folder))
    line = (f"already indexed in {work} ({size - built['new']} unchanged), checked in "
            f"{built['seconds']:.0f} s" if kept else f"{built['chunks']} chunks: index "
            f"{built['seconds']:.0f} s ({built['seconds'] / size * 1000:.1f} s per 1,000 "
            f"articles), writer peak RSS {built['peak']:.0f} MB")
    print(f"{size:>7} articles, {line}", flush=True)
    synced = child("--sync", str(index_dir))
    print(f"        first sync (a new replica derives its index) {synced['seconds']:.1f} s, "
          f"peak RSS {synced['peak']:.0f} MB", flush=True)

    server = subprocess.Popen([sys.executable, __file__, "--serve", str(index_dir),
                               json.dumps(questions)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    served = json.loads(server.stdout.readline())
    print(f"        server: warm p50 {served['p50'] * 1000:.0f} ms, p95 "
          f"{served['p95'] * 1000:.0f} ms; RSS after {SERVED} questions "
          f"{served['rss']:.0f} MB ({served['anon']:.0f} MB its own, {served['file']:.0f} MB "
          f"mapped files; peak {served['peak']:.0f} MB)", flush=True)
    (folder / "added.txt").write_text(ADDED)
    add = child("--build", str(index_dir), str(folder))
    server.stdin.write("go\n")
    server.stdin.flush()
    after = json.loads(server.stdout.readline())
    server.wait()
    print(f"        one article added: build {add['seconds']:.1f} s (writer peak "
          f"{add['peak']:.0f} MB), then the server's first answer {after['after'] * 1000:.0f} ms "
          f"({'cites it' if after['cited'] else 'DOES NOT cite it'}, retrieved at rank "
          f"{after['rank']}); the next ten p50 {after['next'] * 1000:.0f} ms, slowest "
          f"{after['slowest'] * 1000:.0f} ms; RSS {after['rss']:.0f} MB", flush=True)
    started = time.perf_counter()
    asked = child("--ask", str(index_dir), questions[0])
    print(f"        cold `newsqa ask` {time.perf_counter() - started:.1f} s, its peak RSS "
          f"{asked['peak']:.0f} MB", flush=True)
    print("        disk: " + ", ".join(f"{name} {mb:.0f} MB"
                                       for name, mb in disk(index_dir).items()), flush=True)


def main() -> None:
    go_offline()
    if sys.argv[1:2] and sys.argv[1] in STEPS:
        return STEPS[sys.argv[1]](*sys.argv[2:])
    parser = argparse.ArgumentParser()
    parser.add_argument("articles", type=Path)
    parser.add_argument("--questions", type=Path, required=True)
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 10000])
    parser.add_argument("--work", type=Path,
                        help="Build the archives here and keep them, or serve the ones an "
                             "earlier run kept there (default: a temporary folder).")
    args = parser.parse_args()
    opener = gzip.open if args.articles.suffix == ".gz" else open
    with opener(args.articles, "rt") as f:
        source = [r for r in map(json.loads, itertools.islice(f, SOURCE))
                  if len(r.get("text") or "") > 400]
    questions = [json.loads(line)["question"]
                 for line in args.questions.read_text().splitlines() if line.strip()]
    print("vectors: HASHED (a hashing embedder stands in for the model in the writer and the "
          "server; Chroma, the derived index, retrieval and the reader are real; the cold ask "
          "embeds its question with the real model)", flush=True)
    with tempfile.TemporaryDirectory() as temporary:
        for size in args.sizes:
            run(size, source, questions, args.work or Path(temporary))


if __name__ == "__main__":
    main()
