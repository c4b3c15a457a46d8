"""How long a newcomer waits for the command line: `newsqa --help`, a cold `newsqa ask`, and
`newsqa ask` and a first MCP `ask` with a chat server up, against `python -c pass` measured
in the same run. Builds an index of seeds/ in a temporary folder, or uses --index-dir.

    .venv/bin/python bench/cli_speed.py [--repeat 3] [--index-dir DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "Who attended the talks?"


def seconds(command: list[str], cwd: Path, env: dict, repeat: int) -> float:
    """The median wall time of `command` over `repeat` runs (each must succeed)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        if done.returncode:
            raise SystemExit(f"{' '.join(command)} failed: {done.stderr.strip()}")
    return statistics.median(times)


def first_mcp_ask(cwd: Path, env: dict) -> float:
    """From starting `newsqa mcp` (stdio) to the answer of its first `ask`."""
    from mcp import Client
    from mcp.client.stdio import StdioServerParameters

    server = StdioServerParameters(command=sys.executable, args=["-m", "ui.cli", "mcp"],
                                   env=env, cwd=str(cwd))

    async def session() -> None:
        async with Client(server, read_timeout_seconds=300) as client:
            result = await client.call_tool("ask", {"question": QUESTION})
            assert not result.is_error, result

    start = time.perf_counter()
    asyncio.run(session())
    return time.perf_counter() - start


def start_chat(cwd: Path, env: dict, port: int) -> subprocess.Popen:
    chat = subprocess.Popen([sys.executable, "-m", "ui.cli", "chat", "--port", str(port)],
                            cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    while True:
        if chat.poll() is not None:
            raise SystemExit("newsqa chat did not start")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/models", timeout=60)
            return chat
        except OSError:
            time.sleep(0.2)


def main(repeat: int, index_dir: Path | None) -> None:
    import socket

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        if index_dir:
            env["NEWSQA_INDEX_DIR"] = str(index_dir.resolve())
            env["NEWSQA_ARTICLES"] = str(work / "none")  # the chat updates no folder
        else:
            shutil.copytree(ROOT / "seeds", work / "seeds")
            subprocess.run([sys.executable, "-m", "ui.cli", "index"], cwd=work, env=env,
                           check=True, capture_output=True)
        newsqa = [sys.executable, "-m", "ui.cli"]
        rows = {"python -c pass": seconds([sys.executable, "-c", "pass"], work, env, repeat)}
        rows["newsqa --help"] = seconds([*newsqa, "--help"], work, env, repeat)
        rows["newsqa index --help"] = seconds([*newsqa, "index", "--help"], work, env, repeat)
        rows["newsqa ask, cold, no server"] = seconds([*newsqa, "ask", QUESTION], work, env,
                                                      repeat)
        rows["first MCP ask, no server"] = first_mcp_ask(work, env)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        chat = start_chat(work, env, port)
        try:
            rows["newsqa ask, server up"] = seconds([*newsqa, "ask", QUESTION], work, env,
                                                    repeat)
            rows["first MCP ask, server up"] = first_mcp_ask(work, env)
        finally:
            chat.terminate()
            chat.wait(30)
    base = rows["python -c pass"]
    print(f"index: {index_dir or 'seeds/ (1 article)'}; median of {repeat} runs "
          f"(MCP: one run); {os.cpu_count()} cores")
    for name, value in rows.items():
        print(f"{name:<30} {value:6.2f} s  {value / base:6.1f}x python -c pass")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--index-dir", type=Path)
    args = parser.parse_args()
    main(args.repeat, args.index_dir)
