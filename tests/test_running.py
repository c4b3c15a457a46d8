"""`newsqa ask` and `newsqa mcp` beside a running `newsqa chat`: they ask it over HTTP instead
of loading the model, and answer by themselves when it is gone or answers differently."""

import asyncio
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request

from index.settings import Settings
from tests.conftest import ROOT, SEEDS, free_port
from tests.test_cli import newsqa
from tests.test_ui import NAMES
from ui.running import Remote, announced, record_path, running


def test_the_record_sits_in_the_index_and_names_the_answer_settings(tmp_path):
    settings = Settings(index_dir=tmp_path / "index")
    assert running(settings) is None
    with announced(settings, "0.0.0.0", 7999):
        record = json.loads((tmp_path / "index" / "server.json").read_text())
        assert record["url"] == "http://127.0.0.1:7999" and record["pid"] == os.getpid()
        assert running(settings).url == "http://127.0.0.1:7999"
        assert running(Settings(index_dir=tmp_path / "index", llm_url="http://x/v1")) is None
        assert running(Settings(index_dir=tmp_path / "other")) is None
    assert not record_path(settings).exists()  # gone with the server


def test_a_record_of_a_dead_process_or_a_closed_port_is_ignored(tmp_path):
    settings = Settings(index_dir=tmp_path / "index")
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    with announced(settings, "127.0.0.1", free_port()):
        assert Remote(running(settings).url).post("/api/answer", {"question": "x"}) is None
        record = json.loads(record_path(settings).read_text())
        record_path(settings).write_text(json.dumps({**record, "pid": dead.pid}))
        assert running(settings) is None


def test_ask_and_mcp_use_the_running_chat_without_loading_the_model(tmp_path):
    from mcp import Client
    from mcp.client.stdio import StdioServerParameters

    shutil.copytree(SEEDS, tmp_path / "seeds")
    blocked = tmp_path / "blocked" / "torch"  # a torch that cannot load: none may be needed
    blocked.mkdir(parents=True)
    (blocked / "__init__.py").write_text("raise RuntimeError('torch was loaded')\n")
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    log = (tmp_path / "chat.log").open("w")
    chat = subprocess.Popen([sys.executable, "-m", "ui.cli", "chat", "--port", str(port)],
                            cwd=tmp_path, env=env, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 240
        while True:
            assert chat.poll() is None and time.monotonic() < deadline, \
                (tmp_path / "chat.log").read_text()
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/models", timeout=60)
                break
            except OSError:
                time.sleep(0.2)
        assert (tmp_path / ".newsqa" / "index" / "server.json").exists()
        no_torch = {"PYTHONPATH": f"{blocked.parent}{os.pathsep}{ROOT}"}
        asked = newsqa("ask", "Who attended the talks?", "--json", cwd=tmp_path,
                       env_extra=no_torch)
        assert asked.returncode == 0, asked.stderr
        assert all(name in json.loads(asked.stdout)["text"] for name in NAMES)
        empty = newsqa("ask", " ", cwd=tmp_path, env_extra=no_torch)
        assert (empty.returncode, empty.stderr) == (
            2, "newsqa: The question is empty. Ask something about the coverage.\n")

        server = StdioServerParameters(command=sys.executable, args=["-m", "ui.cli", "mcp"],
                                       env={**env, **no_torch}, cwd=str(tmp_path))

        async def session():
            async with Client(server, read_timeout_seconds=120) as client:
                return await client.call_tool("ask", {"question": "Who attended the talks?"})

        result = asyncio.run(session())
        assert not result.is_error and "Ted Sarandos" in result.structured_content["answer"]
    finally:
        chat.terminate()
        chat.wait(30)
    assert not (tmp_path / ".newsqa" / "index" / "server.json").exists()
