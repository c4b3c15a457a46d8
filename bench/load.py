"""Load: concurrent clients against a running `newsqa chat`, through `POST /api/answer` and
through the Gradio queue (`/chat`). Prints errors, throughput, latency and the server's peak
memory.

    python bench/load.py ../shared/data/realtimeqa-2023/articles.jsonl.gz \
        --questions ../shared/data/realtimeqa-2023/questions-dev.jsonl --limit 500
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def post(url: str, question: str) -> None:
    body = json.dumps({"question": question}).encode()
    request = urllib.request.Request(f"{url}/api/answer", body,
                                     {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=300) as response:
        if response.status != 200 or "citations" not in json.loads(response.read()):
            raise RuntimeError(f"status {response.status}")


def gradio(url: str):
    from gradio_client import Client

    client = Client(url, verbose=False)
    return lambda _url, question: client.predict(question, api_name="/chat")


def run(name: str, url: str, make_call, questions: list[str], clients: int, each: int) -> None:
    latencies: list[float] = []
    errors: list[str] = []

    def client(number: int) -> None:
        try:
            call = make_call(url)
        except Exception as e:  # counted, not raised: the point is to see them
            errors.append(f"connect: {e}")
            return
        for i in range(each):
            question = questions[(number * each + i) % len(questions)]
            started = time.perf_counter()
            try:
                call(url, question)
                latencies.append(time.perf_counter() - started)
            except Exception as e:
                errors.append(f"{e.__class__.__name__}: {e}")

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    ordered = sorted(latencies) or [float("nan")]
    print(f"{name}: {clients} clients x {each} questions: {len(latencies)} answered, "
          f"{len(errors)} errors, {len(latencies) / wall:.2f} answers/s, "
          f"p50 {statistics.median(ordered):.2f} s, "
          f"p95 {ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]:.2f} s, "
          f"wall {wall:.1f} s", flush=True)
    for error in errors[:5]:
        print(f"  error: {error}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("articles", type=Path)
    parser.add_argument("--questions", type=Path, required=True)
    parser.add_argument("--limit", type=int, default=500, help="Articles indexed.")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--each", type=int, default=10)
    parser.add_argument("--index-dir", help="Serve this index (updated with the articles "
                        "first); by default a new one, built by the server as it starts.")
    args = parser.parse_args()
    questions = [json.loads(line)["question"]
                 for line in args.questions.read_text().splitlines() if line.strip()]

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "articles"
        folder.mkdir()
        opener = gzip.open if args.articles.suffix == ".gz" else open
        with opener(args.articles, "rt") as src:
            (folder / "corpus.jsonl").write_text("".join(itertools.islice(src, args.limit)))
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = {**os.environ, "PYTHONPATH": str(ROOT),
               "NEWSQA_INDEX_DIR": args.index_dir or f"{tmp}/index"}
        server = subprocess.Popen(
            [sys.executable, "-m", "ui.cli", "chat", "--port", str(port), "--articles",
             str(folder)], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            print(server.stdout.readline().strip())  # the index line
            while True:
                try:
                    urllib.request.urlopen(url, timeout=1)
                    break
                except OSError:
                    time.sleep(0.2)
            post(url, questions[0])  # warm: model and sparse index
            print(f"server ready; peak RSS so far {peak_rss_mb(server.pid):.0f} MB")
            run("POST /api/answer", url, lambda _: post, questions, args.clients, args.each)
            run("Gradio queue /chat", url, gradio, questions, args.clients, args.each)
            print(f"server peak RSS {peak_rss_mb(server.pid):.0f} MB")
        finally:
            server.terminate()
            server.wait(30)


if __name__ == "__main__":
    main()
