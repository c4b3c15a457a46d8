"""Load: a real `newsqa chat` (and a `newsqa mcp --port` on the same index), reached through
every way in. First what one request costs through each (sequential, p50 against
`POST /api/answer` in the same run); then concurrent clients on all of the chat's ways in at
once, counting answers, 503s (the shared concurrency limit turning clients away, with
Retry-After) and any other error, and the server's peak memory.

    python bench/load.py ../shared/data/realtimeqa-2023/articles.jsonl.gz \
        --questions ../shared/data/realtimeqa-2023/questions-dev.jsonl --limit 500
"""

from __future__ import annotations

import argparse
import asyncio
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
import urllib.error
import urllib.request
from collections import Counter
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


class Refused(Exception):
    """HTTP 503 with Retry-After: the server's limit at work, not a failure."""


def post_answer(url: str):
    def call(question: str) -> None:
        body = json.dumps({"question": question}).encode()
        request = urllib.request.Request(f"{url}/api/answer", body,
                                         {"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=300) as response:
                if "citations" not in json.loads(response.read()):
                    raise RuntimeError("no citations field")
        except urllib.error.HTTPError as e:
            if e.code == 503 and e.headers.get("Retry-After"):
                raise Refused() from None
            raise
    return call


def openai_chat(url: str, stream: bool = False):
    from openai import APIStatusError, OpenAI

    client = OpenAI(base_url=f"{url}/v1", api_key="unused", max_retries=0, timeout=300)

    def call(question: str) -> None:
        messages = [{"role": "user", "content": question}]
        try:
            if stream:
                text = "".join(e.choices[0].delta.content or "" for e in
                               client.chat.completions.create(model="newsqa-extractive",
                                                              messages=messages, stream=True))
            else:
                text = client.chat.completions.create(model="newsqa-extractive",
                                                      messages=messages
                                                      ).choices[0].message.content
        except APIStatusError as e:
            if e.status_code == 503 and e.response.headers.get("retry-after"):
                raise Refused() from None
            raise
        if not text:
            raise RuntimeError("empty answer")
    return call


def gradio_chat(url: str):
    from gradio_client import Client

    client = Client(url, verbose=False)

    def call(question: str) -> None:
        try:
            client.predict(question, api_name="/chat")
        except Exception as e:  # the limit reaches gradio_client as an app error
            if "try again in" in str(e):
                raise Refused() from None
            raise
    return call


def mcp_ask(url: str):
    from mcp import Client

    def call(question: str) -> None:
        async def ask():
            async with Client(url, read_timeout_seconds=300) as client:
                result = await client.call_tool("ask", {"question": question})
                if result.is_error:
                    raise RuntimeError(result.content[0].text)
        asyncio.run(ask())
    return call


def p(values: list[float], q: float) -> float:
    ordered = sorted(values) or [float("nan")]
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def one_at_a_time(ways: dict, questions: list[str], n: int) -> None:
    """What a single request costs through each way in (no other load)."""
    medians = {}
    for name, call in ways.items():
        latencies = []
        for question in questions[:n]:
            started = time.perf_counter()
            call(question)
            latencies.append(time.perf_counter() - started)
        medians[name] = statistics.median(latencies)
    base = medians["POST /api/answer"]
    for name, median in medians.items():
        print(f"  {name:<28} p50 {median * 1000:6.0f} ms  ({median / base:.2f}x /api/answer)")


def all_at_once(ways: dict, questions: list[str], clients: int, each: int) -> None:
    """`clients` threads, spread over the ways in, each asking `each` questions."""
    outcomes: Counter = Counter()
    latencies: list[float] = []
    errors: list[str] = []
    names = list(ways)

    def client(number: int) -> None:
        name = names[number % len(names)]
        call = ways[name]
        for i in range(each):
            question = questions[(number * each + i) % len(questions)]
            started = time.perf_counter()
            try:
                call(question)
                latencies.append(time.perf_counter() - started)
                outcomes[name, "answered"] += 1
            except Refused:
                outcomes[name, "503"] += 1
                time.sleep(1)
            except Exception as e:  # counted, not raised: the point is to see them
                outcomes[name, "error"] += 1
                errors.append(f"{name}: {e.__class__.__name__}: {e}")

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    for name in names:
        print(f"  {name:<28} {outcomes[name, 'answered']:4d} answered, "
              f"{outcomes[name, '503']:4d} x 503 (Retry-After), {outcomes[name, 'error']} errors")
    answered = sum(v for (_, kind), v in outcomes.items() if kind == "answered")
    print(f"  all: {clients} clients x {each} questions in {wall:.1f} s: {answered / wall:.2f} "
          f"answers/s, p50 {p(latencies, 0.5):.2f} s, p95 {p(latencies, 0.95):.2f} s, "
          f"{len(errors)} errors other than 503")
    for error in errors[:5]:
        print(f"  error: {error}")


def wait_up(url: str) -> None:
    while True:
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except urllib.error.HTTPError:
            return  # answering, if only with an error
        except OSError:
            time.sleep(0.2)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("articles", type=Path)
    parser.add_argument("--questions", type=Path, required=True)
    parser.add_argument("--limit", type=int, default=500, help="Articles indexed.")
    parser.add_argument("--clients", type=int, default=24)
    parser.add_argument("--each", type=int, default=8)
    parser.add_argument("--single", type=int, default=20, help="Questions per way in, one "
                        "at a time.")
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
        port, mcp_port = free_port(), free_port()
        url, mcp_url = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{mcp_port}/mcp"
        env = {**os.environ, "PYTHONPATH": str(ROOT),
               "NEWSQA_INDEX_DIR": args.index_dir or f"{tmp}/index"}
        server = subprocess.Popen(
            [sys.executable, "-m", "ui.cli", "chat", "--port", str(port), "--articles",
             str(folder)], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        mcp = None
        try:
            print(server.stdout.readline().strip())  # the index line
            wait_up(url)
            mcp = subprocess.Popen([sys.executable, "-m", "ui.cli", "mcp", "--port",
                                    str(mcp_port)], env=env, stderr=subprocess.DEVNULL)
            wait_up(mcp_url)
            post_answer(url)(questions[0])  # warm: model and keyword index
            mcp_ask(mcp_url)(questions[0])
            print(f"server ready; peak RSS so far {peak_rss_mb(server.pid):.0f} MB")
            ways = {"POST /api/answer": post_answer(url),
                    "/v1/chat/completions": openai_chat(url),
                    "/v1/chat/completions stream": openai_chat(url, stream=True),
                    "Gradio /chat": gradio_chat(url)}
            print(f"one request at a time ({args.single} questions each):")
            one_at_a_time({**ways, "MCP ask (own process)": mcp_ask(mcp_url)}, questions,
                          args.single)
            print(f"all at once ({args.clients} clients over the chat's 4 ways in):")
            all_at_once(ways, questions, args.clients, args.each)
            print(f"server peak RSS {peak_rss_mb(server.pid):.0f} MB")
        finally:
            for process in (server, mcp):
                if process:
                    process.terminate()
                    process.wait(30)


if __name__ == "__main__":
    main()
