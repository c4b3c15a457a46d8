"""Timelines and followed questions from every way in: the command line, `/api/answer`, MCP
(the SDK's own client) and the chat in a real browser, over a folder whose coverage changes
its answer."""

from __future__ import annotations

import asyncio
import json
import re
import sys
import urllib.request

from tests.conftest import ROOT
from tests.test_cli import newsqa
from tests.test_follow import FERRY_LATER, RIDERS, ferry_folder
from tests.test_mcp import environment
from tests.test_ui import browser  # noqa: F401 (fixture: a real chromium)


def test_the_command_line_follows_lists_reports_events_and_drops(tmp_path, embeddings):
    settings = ferry_folder(tmp_path, embeddings)
    env = {"PYTHONPATH": str(ROOT), "NEWSQA_INDEX_DIR": str(settings.index_dir)}

    def run(*args):
        return newsqa(*args, cwd=tmp_path, env_extra=env)

    followed = run("follow", RIDERS)
    assert followed.returncode == 0 and "about 3,000" in followed.stdout, followed.stderr
    twice = run("follow", RIDERS)
    assert twice.returncode == 2 and twice.stderr == f"newsqa: You already follow “{RIDERS}”.\n"
    assert run("follow", "--list").stdout == f"1. {RIDERS} — now: about 3,000\n"
    empty = run("follow", " ")
    assert empty.returncode == 2 and empty.stderr == (
        "newsqa: The question is empty. Ask something about the coverage.\n")
    private = run("follow", "Who runs the ferry?", "--webhook", "http://10.0.0.7/hook")
    assert private.returncode == 2 and private.stderr.count("\n") == 1
    assert "10.0.0.7 is a private address" in private.stderr
    assert "--allow-private" in private.stderr
    (settings.articles / "ferry-later.md").write_text(FERRY_LATER)
    indexed = run("index", str(settings.articles))
    assert f"followed: “{RIDERS}”: about 3,000 → 3,500 (The answer changed.)" in \
        indexed.stdout, indexed.stderr
    [event] = map(json.loads, run("follow", "--events", "--json").stdout.splitlines())
    assert (event["old"], event["new"]) == ("about 3,000", "3,500")
    timeline = run("ask", "--timeline", RIDERS).stdout
    assert re.search(r"Timeline: 2023-05-02: \*\*about 3,000\*\* \[\d\].* → "
                     r"2023-08-15: \*\*3,500\*\* \[\d\]", timeline), timeline
    unknown = run("follow", "--drop", "Who owns Le Procope?")
    assert unknown.returncode == 2 and "do not follow" in unknown.stderr
    assert run("follow", "--drop", "1").stdout == f"no longer following “{RIDERS}”\n"
    assert run("follow", "--list").stdout == ""


def test_api_answer_and_mcp_give_the_timeline_and_mcp_follows(tmp_path, embeddings):
    from mcp import Client
    from mcp.client.stdio import StdioServerParameters

    from tests.test_ui import serve

    settings = ferry_folder(tmp_path, embeddings)
    (settings.articles / "ferry-later.md").write_text(FERRY_LATER)
    from index.build import build

    build([settings.articles], settings, embeddings=embeddings)
    for base in serve(settings):
        request = urllib.request.Request(
            f"{base}/api/answer", data=json.dumps({"question": RIDERS, "timeline": True}).encode(),
            headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request) as response:
            reply = json.load(response)
    stages = [(s["answer"], s["first"]) for s in reply["timeline"]]
    assert ("about 3,000", "2023-05-02") in stages and stages[-1] == ("3,500", "2023-08-15")
    quoted = {c["n"]: c["quote"] for c in reply["citations"]}
    assert "3,500 passengers" in quoted[reply["timeline"][-1]["citations"][0]]

    server = StdioServerParameters(command=sys.executable, args=["-m", "ui.cli", "mcp"],
                                   env=environment(settings), cwd=str(ROOT))

    async def session():
        async with Client(server, read_timeout_seconds=120) as client:
            asked = await client.call_tool("ask", {"question": RIDERS, "timeline": True})
            followed = await client.call_tool("follow", {"question": RIDERS})
            twice = await client.call_tool("follow", {"question": RIDERS})
            dropped = await client.call_tool("unfollow", {"question": RIDERS})
            unknown = await client.call_tool("unfollow", {"question": RIDERS})
            return asked, followed, twice, dropped, unknown

    asked, followed, twice, dropped, unknown = asyncio.run(session())
    assert asked.structured_content["timeline"][-1]["answer"] == "3,500"
    assert followed.structured_content["answer"].startswith("As of 2023-08-15, **3,500**")
    assert twice.is_error and "already follow" in twice.content[0].text
    assert not dropped.is_error and unknown.is_error and "do not follow" in unknown.content[0].text


def test_the_chat_shows_a_timeline_follows_and_marks_changes_unread(tmp_path, embeddings,
                                                                   browser):  # noqa: F811
    from tests.test_ui import serve

    settings = ferry_folder(tmp_path, embeddings)
    for url in serve(settings):
        page = browser.new_page()
        page.goto(url)
        page.wait_for_selector("#question textarea", timeout=60_000)
        page.get_by_text("Followed", exact=True).click()
        page.wait_for_selector("#followed .newsqa-empty", timeout=60_000)
        page.check("#timeline input")
        page.fill("#question textarea", RIDERS)
        page.press("#question textarea", "Enter")
        page.wait_for_selector("#sources .newsqa-stage", timeout=60_000)
        assert "2023-05-02: about 3,000" in page.inner_text("#sources .newsqa-timeline")
        page.click("#follow")
        page.wait_for_selector("#followed .newsqa-followed", timeout=60_000)
        assert f"Following “{RIDERS}”" in page.inner_text("#follow-status")
        assert f"{RIDERS} — about 3,000" in page.inner_text("#followed")

        (settings.articles / "ferry-later.md").write_text(FERRY_LATER)
        page.get_by_text("Index", exact=True).click()
        page.click("#update-index")
        page.wait_for_selector("#followed .newsqa-unread", timeout=120_000)
        assert "about 3,000 → 3,500" in page.inner_text("#followed .newsqa-unread")
        assert "Changes (1 new)" in page.inner_text("#followed")
        assert "followed:" in page.input_value("#index-status textarea")
        page.click("#mark-read")
        page.wait_for_selector("#followed .newsqa-unread", state="detached", timeout=60_000)
        assert "about 3,000 → 3,500" in page.inner_text("#followed .newsqa-event")
        page.close()
