"""How newsqa grows with the coverage: index time, incremental updates, query latency, cold
start and memory at 500, 1,000 and 2,000 articles, and a plot of them.

    pip install -e '.[bench]'
    python bench/scale.py ../shared/data/realtimeqa-2023/articles.jsonl.gz \
        --questions ../shared/data/realtimeqa-2023/questions-dev.jsonl --out bench/scale.png
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from index.settings import Settings, go_offline

ROOT = Path(__file__).resolve().parent.parent


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def write_part(source: Path, start: int, stop: int, target: Path) -> None:
    opener = gzip.open if source.suffix == ".gz" else open
    with opener(source, "rt") as src:
        target.write_text("".join(itertools.islice(src, start, stop)))


# Linux counts a child's peak RSS from before its exec, i.e. this (large) process's. So cold
# starts are launched by a small helper started first, and their peak is their own.
LAUNCHER = """
import json, os, subprocess, sys, time
for line in sys.stdin:
    command, env = json.loads(line)
    started = time.perf_counter()
    child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    print(json.dumps([time.perf_counter() - started, status, usage.ru_maxrss]), flush=True)
"""


def cold_ask(launcher: subprocess.Popen, question: str, settings: Settings
             ) -> tuple[float, float]:
    """Seconds from starting `newsqa ask` to its answer, and that process's peak RSS (MB)."""
    env = {**os.environ, "NEWSQA_INDEX_DIR": str(settings.index_dir),
           "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "ui.cli", "ask", question]
    launcher.stdin.write(json.dumps([command, env]) + "\n")
    launcher.stdin.flush()
    seconds, status, max_rss_kb = json.loads(launcher.stdout.readline())
    if status != 0:
        raise SystemExit(f"newsqa ask failed with status {status}")
    return seconds, max_rss_kb / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("articles", type=Path)
    parser.add_argument("--questions", type=Path, required=True)
    parser.add_argument("--sizes", default="500,1000,2000")
    parser.add_argument("--asks", type=int, default=100, help="Questions timed per size.")
    parser.add_argument("--out", type=Path, default=Path("bench/scale.png"))
    args = parser.parse_args()
    launcher = subprocess.Popen([sys.executable, "-c", LAUNCHER], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, text=True)
    go_offline()
    from index.build import build
    from index.embeddings import MiniLMEmbeddings
    from qa.api import answer

    sizes = [int(s) for s in args.sizes.split(",")]
    questions = [json.loads(line)["question"]
                 for line in args.questions.read_text().splitlines() if line.strip()]
    questions = questions[: args.asks]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "articles"
        folder.mkdir()
        settings = Settings(index_dir=Path(tmp) / "index")
        embeddings = MiniLMEmbeddings(threads=settings.threads)
        embeddings.encode(["warm up"])
        indexed, index_seconds = 0, 0.0
        for size in sizes:
            write_part(args.articles, indexed, size, folder / f"part-{indexed:05d}.jsonl")
            report = build([folder], settings, embeddings=embeddings)
            indexed, index_seconds = size, index_seconds + report.seconds
            print(f"{size} articles: {report.line()}", flush=True)

            answer(questions[0], settings=settings)  # warm: engine and sparse index
            latencies = []
            for question in questions:
                started = time.perf_counter()
                answer(question, settings=settings)
                latencies.append(time.perf_counter() - started)
            cold, rss = cold_ask(launcher, questions[0], settings)
            row = {
                "articles": size, "chunks": _chunks(settings),
                "index s (cumulative)": index_seconds,
                "p50 ms": 1000 * statistics.median(latencies),
                "p95 ms": 1000 * percentile(latencies, 0.95),
                "cold ask s": cold, "ask peak RSS MB": rss,
            }
            rows.append(row)
            print("  " + "  ".join(f"{k} {v:.1f}" if isinstance(v, float) else f"{k} {v}"
                                   for k, v in row.items()), flush=True)

        # Incremental updates at the largest size.
        before = embeddings.calls
        again = build([folder], settings, embeddings=embeddings)
        print(f"rerun, nothing changed: {again.line()}; embedding calls "
              f"{embeddings.calls - before}")
        one = folder / "one-more.json"
        write_part(args.articles, indexed, indexed + 1, one)
        print(f"one article added: {build([folder], settings, embeddings=embeddings).line()}")
        record = json.loads(one.read_text())
        record["text"] += "\n\nThis story was updated with a correction."
        one.write_text(json.dumps(record))
        print(f"one article changed: {build([folder], settings, embeddings=embeddings).line()}")
    print(f"peak RSS of this process (model, builds, {len(questions)} questions per size): "
          f"{_peak_rss_mb():.0f} MB")
    plot(rows, args.out)
    print(f"plot: {args.out}")


def _chunks(settings: Settings) -> int:
    from index.store import Store

    return Store(settings).chunks.count()


def _peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def plot(rows: list[dict], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = [r["articles"] for r in rows]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    left.plot(sizes, [r["p50 ms"] for r in rows], "o-", label="p50")
    left.plot(sizes, [r["p95 ms"] for r in rows], "s-", label="p95")
    left.axhline(150, color="grey", ls=":", label="p50 target")
    left.axhline(400, color="grey", ls="--", label="p95 target")
    left.set(xlabel="articles indexed", ylabel="answer() latency, ms", title="Query latency")
    left.legend()
    right.plot(sizes, [r["index s (cumulative)"] for r in rows], "o-")
    right.set(xlabel="articles indexed", ylabel="seconds", title="Index time (cumulative)")
    for axis in (left, right):
        axis.set_xticks(sizes)
        axis.grid(alpha=0.3)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=100)


if __name__ == "__main__":
    main()
