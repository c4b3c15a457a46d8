"""The README's pictures, taken from the chat itself: index seeds/ into a temporary folder, serve
the chat on loopback, ask the README's question and its follow-up in Debian's chromium, and
write docs/chat.png (the answer and its sources) and docs/followup.png (the follow-up), and
the answers they show in docs/screenshots.txt (a test checks that they are still today's).

    .venv/bin/python bench/screenshots.py [--out docs]     # or: make screenshots
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from index.offline import go_offline  # noqa: E402

QUESTIONS = ("Who attended the talks?", "Which of them runs Netflix?")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"]
VIEWPORT = {"width": 1280, "height": 860}


def serve(app) -> tuple[str, object, threading.Thread]:
    import socket

    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}", server, thread


def ask(page, question: str, answers_before: int) -> str:
    """Ask in the page and wait for the verified answer (its sources panel is redrawn)."""
    page.fill("#question textarea", question)
    page.press("#question textarea", "Enter")
    page.wait_for_function(
        f"document.querySelectorAll('#chat .bot').length > {answers_before} && "
        "document.querySelector('#question textarea').value === ''", timeout=120_000)
    page.wait_for_selector("#sources .newsqa-source", timeout=120_000)
    page.wait_for_timeout(500)  # the last repaint
    return page.locator("#chat .bot").last.inner_text()


def take(url: str, out: Path) -> list[str]:
    """Both questions in a fresh page at `url`; the answers as shown, and the two pictures."""
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport=VIEWPORT)
        page.goto(url)
        page.wait_for_selector("#question textarea", timeout=120_000)
        answers = [ask(page, QUESTIONS[0], 0)]
        page.screenshot(path=str(out / "chat.png"))
        answers.append(ask(page, QUESTIONS[1], 1))
        page.screenshot(path=str(out / "followup.png"))
        browser.close()
    return answers


def main(out: Path) -> list[str]:
    go_offline()
    from index.build import build
    from index.settings import Settings
    from ui.server import create_app

    with tempfile.TemporaryDirectory() as tmp:
        articles = Path(tmp) / "seeds"
        shutil.copytree(ROOT / "seeds", articles)
        settings = Settings(index_dir=Path(tmp) / "index", articles=articles)
        build([articles], settings)
        url, server, thread = serve(create_app(settings))
        try:
            answers = take(url, out)
        finally:
            server.should_exit = True
            thread.join(10)
    (out / "screenshots.txt").write_text(shown(answers))
    print(shown(answers), end="")
    print(f"wrote {out / 'chat.png'}, {out / 'followup.png'} and {out / 'screenshots.txt'}")
    return answers


def shown(answers: list[str]) -> str:
    """The questions and the answers as the pictures show them."""
    return "".join(f"> {question}\n{answer.strip()}\n\n"
                   for question, answer in zip(QUESTIONS, answers, strict=True))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    main(parser.parse_args().out)
