"""The web chat in a real browser (Debian's chromium via Playwright), and its two APIs."""

import json
import os
import shutil
import threading
import time
import urllib.request

import pytest
import uvicorn

from tests.conftest import ATTENDED, FOLLOW_UP, NAMES, SEEDS, free_port, settings_for
from tests.test_dates import desk  # noqa: F401 (fixture: a small dated corpus)
from tests.test_fetch import site  # noqa: F401 (fixture: a local news site)
from tests.test_llm import corpus, llm_url  # noqa: F401 (fixtures: an LLM server)
from ui.server import create_app

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"]
HOSTILE = (
    "The city council met on Monday to vote on the harbour budget. "
    "Officials wrote <script>window.__pwned = 1</script> on the harbour budget notice. "
    'The harbour budget page showed <img src=x onerror="window.__pwned = 2"> and a '
    "[harbour budget link](javascript:window.__pwned=3) for residents."
)


def serve(settings, auth=None, gate=None):
    """The app on a free loopback port; yields its URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings, auth, gate), host="127.0.0.1",
                                           port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


def indexed_folder(tmp_path, embeddings, files: dict[str, str] | None = None):
    from index.build import build

    folder = tmp_path / "seeds"
    shutil.copytree(SEEDS, folder)
    for name, text in (files or {}).items():
        (folder / name).write_text(text)
    settings = settings_for(tmp_path, articles=folder)
    build([folder], settings, embeddings=embeddings)
    return settings


@pytest.fixture(scope="module")
def app_url(tmp_path_factory, embeddings):
    settings = indexed_folder(tmp_path_factory.mktemp("ui"), embeddings,
                              {"harbour.txt": HOSTILE})
    yield from serve(settings)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


def ask_in_page(page, url: str, question: str) -> None:
    page.goto(url)
    page.wait_for_selector("#question textarea", timeout=60_000)
    page.fill("#question textarea", question)
    page.press("#question textarea", "Enter")
    page.wait_for_selector("#sources .newsqa-source", timeout=60_000)


def test_browser_asks_the_seed_question_and_shows_names_and_source(app_url, browser):
    page = browser.new_page()
    hosts = set()
    page.on("request", lambda r: hosts.add(r.url.split("/")[2]))
    ask_in_page(page, app_url, "Who attended the talks?")
    chat = page.inner_text("#chat")
    assert all(name in chat for name in NAMES)
    assert "[1]" in chat
    sources = page.inner_text("#sources")
    assert "000_a17fed1a18a053f1.txt" in sources and "2023-09-23" in sources
    assert "Donna Langley" in page.inner_text("#sources mark")
    assert page.get_by_text("Who attended the talks?", exact=True).count() >= 1  # example
    assert hosts == {app_url.split("/")[2]}  # nothing leaves the machine
    page.close()


def test_article_markup_is_shown_as_text_and_runs_nothing(app_url, browser):
    page = browser.new_page()
    ask_in_page(page, app_url, "What did officials write on the harbour budget notice?")
    page.wait_for_timeout(500)
    assert page.evaluate("window.__pwned") is None
    assert "<script>window.__pwned = 1</script>" in page.inner_text("#sources")
    assert "<script>" in page.inner_text("#chat")
    assert page.locator("#chat a[href^='javascript']").count() == 0
    assert page.locator("#chat img, #sources img").count() == 0
    page.close()


def test_update_index_makes_a_new_article_answerable_without_restart(
        tmp_path, embeddings, browser):
    settings = indexed_folder(tmp_path, embeddings)
    for url in serve(settings):
        (settings.articles / "zoo.txt").write_text(
            "date 2023-09-25 The city zoo welcomed a baby giraffe named Kito on Sunday. "
            "Keepers said Kito weighed 150 pounds at birth.")
        page = browser.new_page()
        page.goto(url)
        page.wait_for_selector("#question textarea", timeout=60_000)
        page.get_by_text("Index", exact=True).click()
        page.click("#update-index")
        page.wait_for_function(
            "document.querySelector('#index-status textarea').value.startsWith('indexed:')",
            timeout=60_000)
        status = page.input_value("#index-status textarea")
        assert status.startswith("indexed: 1 new, 0 changed, 0 removed, 1 unchanged articles")
        page.fill("#question textarea", "What was the name of the baby giraffe?")
        page.press("#question textarea", "Enter")
        page.wait_for_selector("#sources .newsqa-source", timeout=60_000)
        assert "Kito" in page.inner_text("#chat")
        assert "zoo.txt" in page.inner_text("#sources")
        page.close()


def test_gradio_client_calls_chat(app_url):
    from gradio_client import Client

    client = Client(app_url, verbose=False)
    text = client.predict("Who attended the talks?", api_name="/chat")
    assert all(name in text for name in NAMES) and "[1]" in text
    assert "\\" not in text and "Warner Bros." in text  # plain text, no markdown escapes
    assert client.predict("  ", api_name="/chat") == (
        "The question is empty. Ask something about the coverage.")


def post(url: str, body) -> tuple[int, dict]:
    request = urllib.request.Request(f"{url}/api/answer", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def test_post_api_answer_round_trip_and_errors(app_url):
    status, data = post(app_url, {"question": "Who attended the talks?"})
    assert status == 200
    assert set(data) == {"question", "text", "citations", "abstained", "reader", "notes",
                         "score", "short", "timeline", "sources"}
    assert data["timeline"] == []  # only when asked for
    assert sorted(n for s in data["sources"] for n in s["citations"]) == \
        [c["n"] for c in data["citations"]]
    assert data["sources"][0]["article_id"].endswith("000_a17fed1a18a053f1.txt")
    assert all(c["url"] == "" for c in data["citations"])  # no server path
    assert data["citations"][0]["article_id"] == "seeds/000_a17fed1a18a053f1.txt"
    assert all(name in data["text"] for name in NAMES)
    assert post(app_url, {"question": ""}) == (
        400, {"error": "The question is empty. Ask something about the coverage."})
    assert post(app_url, {"question": 7}) == (400, {"error": "The question must be text, not int."})
    assert post(app_url, {"nothing": 1})[0] == 400
    status, chosen = post(app_url, {"question": FOLLOW_UP, "history": ATTENDED})
    assert status == 200 and chosen["text"].startswith("**Ted Sarandos**")
    assert post(app_url, {"question": FOLLOW_UP, "history": "Who attended?"}) == (400, {
        "error": 'history must be a list of messages like {"role": "user", "content": '
                 '"Who attended the talks?"}.'})
    assert post(app_url, {"question": "why " * 250_000}) == (400, {
        "error": "The question is 999,999 characters long; the limit is 2,000. Shorten it."})


def status_of(url: str, method="GET", headers=None, body=None) -> int:
    request = urllib.request.Request(url, data=body, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as e:
        return e.code


def test_files_outside_the_articles_and_index_are_not_served(app_url):
    for path in ["/gradio_api/file=/etc/passwd", "/file=/etc/passwd",
                 "/gradio_api/file=../../../../etc/passwd", "/static/../../../etc/passwd"]:
        assert status_of(app_url + path) in (403, 404), path


def test_with_auth_every_route_needs_the_password(seed_index, browser):
    import base64

    good = {"Authorization": "Basic " + base64.b64encode(b"desk:s3cret").decode()}
    bad = {"Authorization": "Basic " + base64.b64encode(b"desk:guess").decode()}
    question = json.dumps({"question": "Who attended the talks?"}).encode()
    json_type = {"Content-Type": "application/json"}
    for url in serve(seed_index, auth=("desk", "s3cret")):
        assert status_of(url) == 401
        assert status_of(url, headers=bad) == 401
        assert status_of(url + "/gradio_api/info") == 401
        assert status_of(url + "/follow.atom") == 401
        assert status_of(url + "/follow.atom", headers=good) == 200
        assert status_of(url + "/api/answer", "POST", json_type, question) == 401
        assert status_of(url + "/api/answer", "POST", {**json_type, **good}, question) == 200

        context = browser.new_context(http_credentials={"username": "desk",
                                                        "password": "s3cret"})
        page = context.new_page()
        ask_in_page(page, url, "Who attended the talks?")
        assert all(name in page.inner_text("#chat") for name in NAMES)
        context.close()


def test_a_network_host_needs_auth_or_insecure(tmp_path):
    import subprocess
    import sys

    from tests.conftest import ROOT

    def chat(*args):
        return subprocess.run([sys.executable, "-m", "ui.cli", "chat", *args], cwd=tmp_path,
                              env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True,
                              text=True, timeout=120)

    refused = chat("--host", "0.0.0.0")
    assert refused.returncode == 2
    assert refused.stderr == (
        "newsqa: --host 0.0.0.0 opens the chat to the network: add --auth user:password "
        "(or NEWSQA_AUTH), or --insecure to let anyone in.\n")
    malformed = chat("--host", "0.0.0.0", "--auth", "nopassword")
    assert malformed.returncode == 2
    assert malformed.stderr == "newsqa: --auth (or NEWSQA_AUTH) must look like user:password.\n"


def test_a_pasted_url_is_added_and_answerable(tmp_path, embeddings, browser, site):  # noqa: F811
    settings = indexed_folder(tmp_path, embeddings).model_copy(update={"allow_private": True})
    for url in serve(settings):
        page = browser.new_page()
        page.goto(url)
        page.wait_for_selector("#question textarea", timeout=60_000)
        page.get_by_text("Index", exact=True).click()
        page.fill("#add-url textarea", f"{site}/news/lighthouse")
        page.press("#add-url textarea", "Enter")
        page.wait_for_function(
            "document.querySelector('#index-status textarea').value.includes('indexed:')",
            timeout=60_000)
        status = page.input_value("#index-status textarea")
        assert status.startswith("added: ") and "Lighthouse keeper retires" in status
        assert "indexed: 1 new" in status
        page.fill("#question textarea", "How long did Agnes Whitlock keep the lighthouse?")
        page.press("#question textarea", "Enter")
        page.wait_for_selector("#sources .newsqa-source", timeout=60_000)
        assert "40 years" in page.inner_text("#chat")
        assert "Lighthouse keeper retires after 40 years · 2023-09-21" in page.inner_text(
            "#sources")
        page.close()


def test_date_and_source_filters_in_the_page(desk, browser):  # noqa: F811
    for url in serve(desk):
        page = browser.new_page()
        page.goto(url)
        page.wait_for_selector("#question textarea", timeout=60_000)
        page.get_by_text("Filters", exact=True).click()
        page.fill("#until input", "2023-09-10")  # a date picker; typing works too
        page.press("#until input", "Enter")
        page.fill("#question textarea", "How much money was in the dockworkers strike fund?")
        page.press("#question textarea", "Enter")
        page.wait_for_selector("#sources .newsqa-source", timeout=60_000)
        assert "12 million" in page.inner_text("#chat")
        assert "2023-09-08" in page.inner_text("#sources")
        assert "2023-09-18" not in page.inner_text("#sources")

        page.fill("#until input", "")
        page.press("#until input", "Enter")
        page.click("#sources-filter input")
        page.get_by_role("option", name="Port News").click()
        page.keyboard.press("Escape")
        page.fill("#question textarea", "How much money was in the dockworkers strike fund?")
        page.press("#question textarea", "Enter")
        page.wait_for_function(
            "document.querySelector('#sources').innerText.includes('2023-09-27')",
            timeout=60_000)
        assert "15 million" in page.inner_text("#chat")
        assert "harbourgazette" not in page.inner_text("#sources")
        page.close()


def test_the_chat_answers_through_an_llm_server_and_names_it(corpus, llm_url,  # noqa: F811
                                                             browser):
    settings = corpus.model_copy(update={"llm_url": llm_url, "llm_model": "smollm2"})
    for url in serve(settings):
        page = browser.new_page()
        ask_in_page(page, url, "Who attended the talks?")
        assert f"Reader: LLM (smollm2 at {llm_url}), citations verified." in \
            page.inner_text("body")
        assert "[1]" in page.inner_text("#chat")
        assert "000_a17fed1a18a053f1.txt" in page.inner_text("#sources")
        page.close()


def test_dropped_files_are_saved_beside_the_others_and_answerable(tmp_path, embeddings, browser):
    settings = indexed_folder(tmp_path, embeddings, {"ferry.txt": "The harbour office opened."})
    dropped = tmp_path / "dropped"
    dropped.mkdir()
    (dropped / "ferry.txt").write_text(
        "Harbour ferry returns\n\nCaptain Ingrid Solberg said the ferry carried 412 passengers "
        "on its first day back after a two-month repair of both engines.\n")
    (dropped / "summit.txt").write_text(
        "date 2024-01-05 Mayors of six port towns met at the harbour summit on Friday.\n")
    (dropped / "photo.png").write_bytes(b"\x89PNG\r\n")
    for url in serve(settings):
        page = browser.new_page()
        page.goto(url)
        page.wait_for_selector("#question textarea", timeout=60_000)
        assert "summit" not in page.inner_text("#examples")
        page.get_by_text("Index", exact=True).click()
        page.set_input_files("#upload input[type=file]",
                             [dropped / "ferry.txt", dropped / "summit.txt",
                              dropped / "photo.png"])
        page.wait_for_function(
            "document.querySelector('#index-status textarea').value.includes('indexed:')",
            timeout=60_000)
        status = page.input_value("#index-status textarea")
        assert f"saved: {settings.articles / 'ferry-2.txt'}" in status
        assert "skipped photo.png: newsqa reads" in status
        assert (settings.articles / "ferry.txt").read_text() == "The harbour office opened."
        page.wait_for_function("document.querySelector('#examples').innerText"
                               ".includes('summit')", timeout=30_000)  # the Try examples
        ask_in_page(page, url, "How many passengers did the ferry carry on its first day back?")
        assert "412" in page.inner_text("#chat")


def test_the_conversation_stays_in_the_browser_across_reloads_until_cleared(app_url, browser):
    chat_shows = "document.querySelector('#chat').innerText.includes('Bob Iger')"
    context = browser.new_context()
    page = context.new_page()
    ask_in_page(page, app_url, "Who attended the talks?")
    page.wait_for_function(chat_shows, timeout=60_000)
    page.reload()
    page.wait_for_selector("#question textarea", timeout=60_000)
    page.wait_for_function(chat_shows, timeout=30_000)
    page.wait_for_selector("#sources .newsqa-source mark", timeout=30_000)  # its sources too
    assert "Bob Iger" in page.inner_text("#sources mark")

    other = browser.new_context().new_page()  # another person: nothing of this conversation
    other.goto(app_url)
    other.wait_for_selector("#question textarea", timeout=60_000)
    other.wait_for_timeout(1500)
    assert "Bob Iger" not in other.inner_text("#chat")

    page.click("#clear")
    page.wait_for_function(f"!{chat_shows}", timeout=30_000)
    page.reload()
    page.wait_for_selector("#question textarea", timeout=60_000)
    page.wait_for_timeout(1500)
    assert "Bob Iger" not in page.inner_text("#chat")
    assert page.inner_text("#sources") == "Sources appear here."
    context.close()
