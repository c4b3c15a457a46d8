"""`newsqa mcp` with the MCP SDK's own client: over stdio, and over HTTP behind a login."""

import asyncio
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from tests.conftest import ATTENDED, FOLLOW_UP, NAMES, ROOT, SEED_ARTICLE, free_port


def environment(settings) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "NEWSQA_INDEX_DIR": str(settings.index_dir)}


async def ask_and_search(client) -> tuple[list[str], object, object]:
    from importlib.metadata import version

    tools = await client.list_tools()
    assert client.server_info.version == version("newsqa") != ""
    asked = await client.call_tool("ask", {"question": "Who attended the talks?"})
    found = await client.call_tool("search", {"query": "studio chiefs talks", "k": 3})
    chosen = await client.call_tool("ask", {"question": FOLLOW_UP, "history": ATTENDED})
    assert chosen.structured_content["answer"].startswith("**Ted Sarandos**")
    return sorted(t.name for t in tools.tools), asked, found


def check(names, asked, found) -> None:
    assert names == ["ask", "follow", "search", "unfollow"]
    assert not asked.is_error
    answer = asked.structured_content
    assert all(name in answer["answer"] for name in NAMES) and not answer["abstained"]
    assert answer["citations"][0]["article_id"].endswith(SEED_ARTICLE.name)
    assert answer["citations"][0]["url"] == ""  # never a path on the server
    assert answer["citations"][0]["quote"] in SEED_ARTICLE.read_text()
    passages = found.structured_content["result"]
    assert 1 <= len(passages) <= 3 and passages[0]["article_id"].endswith(SEED_ARTICLE.name)
    assert passages[0]["url"] == ""


def test_the_sdk_client_over_stdio_lists_both_tools_and_gets_the_cited_answer(seed_index):
    from mcp import Client
    from mcp.client.stdio import StdioServerParameters

    server = StdioServerParameters(command=sys.executable, args=["-m", "ui.cli", "mcp"],
                                   env=environment(seed_index), cwd=str(ROOT))

    async def session():
        async with Client(server, read_timeout_seconds=120) as client:
            return await ask_and_search(client)

    check(*asyncio.run(session()))


def test_over_http_the_login_is_required(seed_index):
    import httpx2
    from mcp import Client
    from mcp.client.streamable_http import streamable_http_client

    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "ui.cli", "mcp", "--port", str(port),
                               "--auth", "desk:s3cret"], env=environment(seed_index),
                              cwd=str(ROOT), stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/mcp"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(url, timeout=1)
            except urllib.error.HTTPError as e:
                assert e.code == 401  # up, and closed without the password
                break
            except OSError:
                assert time.monotonic() < deadline, "newsqa mcp --port did not start"
                time.sleep(0.2)

        async def session():
            headers = {"Authorization": "Bearer desk:s3cret"}
            async with httpx2.AsyncClient(headers=headers, timeout=120) as http, \
                    Client(streamable_http_client(url, http_client=http)) as client:
                return await ask_and_search(client)

        check(*asyncio.run(session()))
    finally:
        server.terminate()
        server.wait(10)


def test_a_network_host_needs_auth(tmp_path):
    refused = subprocess.run([sys.executable, "-m", "ui.cli", "mcp", "--port", "1",
                              "--host", "0.0.0.0"], env={**os.environ, "PYTHONPATH": str(ROOT)},
                             cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert refused.returncode == 2
    assert refused.stderr.startswith("newsqa: --host 0.0.0.0 opens the MCP server to the network")


@pytest.mark.parametrize("arguments, error", [
    ({"question": ""}, "The question is empty"),
    ({"question": "Who?", "as_of": "soon"}, "as_of must be a date"),
])
def test_bad_arguments_come_back_as_tool_errors(seed_index, arguments, error):
    from mcp import Client

    from ui.mcp import build_server

    async def session():
        async with Client(build_server(seed_index)) as client:
            return await client.call_tool("ask", arguments)

    result = asyncio.run(session())
    assert result.is_error and error in result.content[0].text
