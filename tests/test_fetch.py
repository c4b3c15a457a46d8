"""Adding articles from URLs and feeds, against a real HTTP server on a loopback port."""

import datetime
import http.server
import os
import subprocess
import sys
import threading
import time

import httpx
import pytest

from index.feeds import poll
from index.fetch import FetchError, add_urls, fetch
from index.store import Store
from qa import answer
from tests.conftest import ROOT, settings_for

BOILERPLATE = ["Home | World | Business", "Subscribe to our newsletter", "ad-slot-leaderboard",
               "Cookie settings", "Most read", "trackVisit", "Sponsored: Buy a boat"]


def page(title: str, date: str, paragraphs: list[str]) -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return f"""<!doctype html><html><head><title>{title} | Harbour Gazette</title>
<meta property="og:title" content="{title}">
<meta property="og:site_name" content="Harbour Gazette">
<meta property="article:published_time" content="{date}T08:00:00Z">
<meta name="author" content="Mina Okafor">
<script>function trackVisit() {{ return 'ad-slot-leaderboard'; }} trackVisit();</script>
</head><body>
<header><nav><a href="/">Home | World | Business</a></nav></header>
<div class="ad">Sponsored: Buy a boat</div>
<main><article><h1>{title}</h1><p class="byline">By Mina Okafor</p>{body}</article></main>
<aside><h2>Most read</h2><ul><li><a href="/x">Another story</a></li></ul></aside>
<footer><p>Subscribe to our newsletter</p><p>Cookie settings</p></footer>
<script>window.dataLayer = ['ad-slot-leaderboard'];</script>
</body></html>""".encode()


FERRY = page("Harbour ferry returns after engine repair", "2023-09-18", [
    "The harbour ferry resumed service on Monday after a two-month repair of both engines, "
    "the port authority said.",
    "Captain Ingrid Solberg said the ferry carried 412 passengers on its first day back, "
    "more than on any day last summer.",
    "The repair cost 1.2 million dollars and was paid for by the regional transport fund.",
])
MUSEUM = page("Maritime museum opens new wing", "2023-09-19", [
    "The maritime museum opened a new wing on Tuesday dedicated to the age of sail, with "
    "three restored lifeboats at its centre.",
    "Director Paulo Mendes said the wing took four years to build and cost 6 million dollars.",
])
LIGHTHOUSE = page("Lighthouse keeper retires after 40 years", "2023-09-21", [
    "Agnes Whitlock, the last resident keeper of the North Point lighthouse, retired on "
    "Thursday after 40 years of service.",
    "The lighthouse has been automated since 2009, but Whitlock stayed on to maintain it.",
])


def rss(items: list[tuple[str, str, str]]) -> bytes:
    entries = "".join(
        f"<item><title>{t}</title><link>{link}</link><guid>{link}</guid>"
        f"<pubDate>{d}</pubDate></item>" for t, link, d in items)
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Harbour Gazette'
            f"</title><link>/</link><description>News</description>{entries}</channel></rss>"
            ).encode()


class Site(http.server.BaseHTTPRequestHandler):
    routes: dict = {}

    def do_GET(self):  # noqa: N802 (http.server's naming)
        route = self.routes.get(self.path)
        if route is None:
            self.send_error(404, "Not Found")
            return
        status, headers, body = route() if callable(route) else route
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def slow():
    time.sleep(3)
    return 200, {"Content-Type": "text/html"}, FERRY


@pytest.fixture(scope="module")
def site():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Site)
    url = f"http://127.0.0.1:{server.server_address[1]}"
    html = {"Content-Type": "text/html; charset=utf-8"}
    Site.routes = {
        "/news/ferry": (200, html, FERRY),
        "/news/museum": (200, html, MUSEUM),
        "/news/lighthouse": (200, html, LIGHTHOUSE),
        "/moved": (301, {"Location": "/news/ferry"}, b""),
        "/loop": (302, {"Location": "/loop"}, b""),
        "/to-inside": (302, {"Location": f"{url}/news/ferry"}, b""),
        "/photo.png": (200, {"Content-Type": "image/png"}, b"\x89PNG\r\n" + b"\x00" * 500),
        "/slow": slow,
        "/no-article": (200, html, b"<html><body><nav>Home | World</nav><p>Menu</p></body>"
                                   b"</html>"),
        "/huge": (200, html, b"<html><body><p>" + b"word " * 400_000 + b"</p></body></html>"),
        "/feed.xml": (200, {"Content-Type": "application/rss+xml"}, rss([
            ("Harbour ferry returns", f"{url}/news/ferry", "Mon, 18 Sep 2023 08:00:00 GMT"),
            ("Maritime museum opens", f"{url}/news/museum", "Tue, 19 Sep 2023 08:00:00 GMT"),
        ])),
    }
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield url
    server.shutdown()


def settings_in(tmp_path, allow_private=True):
    """The test site is on loopback: fetching from it needs allow_private."""
    return settings_for(tmp_path, articles=tmp_path / "articles", fetch_timeout_s=1.0,
                        fetch_max_bytes=1_000_000, allow_private=allow_private)


def test_a_page_is_saved_without_boilerplate_and_answerable(tmp_path, site, embeddings):
    settings = settings_in(tmp_path)
    added, report = add_urls([f"{site}/news/ferry"], settings, embeddings=embeddings)
    assert [a.new for a in added] == [True] and report.new == 1
    saved = added[0].path
    assert saved.name == "2023-09-18-harbour-ferry-returns-after-engine-repair.md"
    text = saved.read_text()
    assert text.startswith("---\ntitle: Harbour ferry returns after engine repair\n"
                           "date: '2023-09-18'\n"
                           f"url: {site}/news/ferry\nsource: Harbour Gazette\n"
                           "author: Mina Okafor\n---\n")
    for sentence in ["resumed service on Monday", "412 passengers", "1.2 million dollars"]:
        assert sentence in text
    for junk in BOILERPLATE:
        assert junk not in text

    result = answer("How many passengers did the ferry carry on its first day back?",
                    settings=settings)
    assert result.citations[0].article_id == f"articles/{saved.name}"
    assert result.citations[0].date == datetime.date(2023, 9, 18)
    assert "412" in result.citations[0].quote

    again, report = add_urls([f"{site}/news/ferry", f"{site}/moved"], settings,
                             embeddings=embeddings)
    assert report is None and [a.new for a in again] == [False, False]
    assert all(a.path == saved for a in again)
    assert again[0].message == f"already saved: {saved} ({site}/news/ferry)"
    assert sorted(p.name for p in settings.articles.iterdir()) == [saved.name]


def test_each_failure_is_one_line_and_the_batch_goes_on(tmp_path, site, embeddings):
    settings = settings_in(tmp_path)
    urls = [f"{site}{p}" for p in ["/gone", "/photo.png", "/loop", "/slow", "/no-article",
                                   "/huge", "/news/museum"]] + ["file:///etc/passwd"]
    added, report = add_urls(urls, settings, embeddings=embeddings)
    assert [a.message for a in added[:6]] == [
        f"skipped {site}/gone: the server answered 404 Not Found",
        f"skipped {site}/photo.png: not a web page (image/png)",
        f"skipped {site}/loop: too many redirects (a redirect loop?)",
        f"skipped {site}/slow: no answer within 1 s",
        f"skipped {site}/no-article: no article found on the page",
        f"skipped {site}/huge: larger than 1,000,000 bytes",
    ]
    assert added[6].new and added[6].message.startswith("added: ")
    assert added[7].message == "skipped file:///etc/passwd: not an http(s) URL"
    assert report.new == 1
    assert [p.name for p in settings.articles.iterdir()] == [added[6].path.name]


def test_a_feed_adds_only_entries_not_seen_before(tmp_path, site, embeddings):
    settings = settings_in(tmp_path)
    added, report = poll(f"{site}/feed.xml", settings, embeddings=embeddings)
    assert [a.new for a in added] == [True, True] and report.new == 2
    assert (tmp_path / "feeds.json").exists()

    again, report = poll(f"{site}/feed.xml", settings, embeddings=embeddings)
    assert again == [] and report is None

    first_feed = Site.routes["/feed.xml"]
    Site.routes["/feed.xml"] = (200, {"Content-Type": "application/rss+xml"}, rss([
        ("Lighthouse keeper retires", f"{site}/news/lighthouse", "Thu, 21 Sep 2023 08:00:00 GMT"),
        ("Harbour ferry returns", f"{site}/news/ferry", "Mon, 18 Sep 2023 08:00:00 GMT"),
    ]))
    try:
        third, report = poll(f"{site}/feed.xml", settings, embeddings=embeddings)
    finally:
        Site.routes["/feed.xml"] = first_feed
    assert [a.url for a in third] == [f"{site}/news/lighthouse"] and report.new == 1
    assert len(Store(settings).catalog()) == 3


def test_add_and_feed_from_the_command_line(tmp_path, site):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NEWSQA_FETCH_TIMEOUT_S": "1",
           "NEWSQA_ALLOW_PRIVATE": "1"}

    def newsqa(*args):
        return subprocess.run([sys.executable, "-m", "ui.cli", *args], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=300)

    done = newsqa("add", f"{site}/news/museum", f"{site}/gone", "--articles", "news")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == ("added: news/2023-09-19-maritime-museum-opens-new-wing.md — Maritime "
                        "museum opens new wing (2023-09-19)")
    assert lines[1] == f"skipped {site}/gone: the server answered 404 Not Found"
    assert lines[2].startswith("indexed: 1 new, 0 changed, 0 removed, 0 unchanged articles")

    fed = newsqa("feed", f"{site}/feed.xml", "--articles", "news")
    assert fed.returncode == 0, fed.stderr
    assert fed.stdout.splitlines()[0].startswith("added: news/2023-09-18-harbour-ferry")
    assert fed.stdout.splitlines()[1].startswith("already saved: news/2023-09-19-maritime")
    assert newsqa("feed", f"{site}/feed.xml", "--articles", "news").stdout == (
        f"no new entries in {site}/feed.xml\n")
    assert newsqa("feed", f"{site}/gone").stderr == (
        f"newsqa: {site}/gone: the server answered 404 Not Found\n")
    assert newsqa("feed", f"{site}/feed.xml", "--every", "soon").returncode == 2

    (tmp_path / "newsqa.toml").write_text(f'articles = "news"\nfeeds = ["{site}/feed.xml", '
                                          f'"{site}/gone"]\n')
    configured = newsqa("feed")  # no URL: the configured feeds, each in turn
    assert configured.stdout == f"no new entries in {site}/feed.xml\n"
    assert configured.stderr == f"newsqa: {site}/gone: the server answered 404 Not Found\n"


REFUSAL = "pass --allow-private (or NEWSQA_ALLOW_PRIVATE=1) to fetch from your own network"


def test_loopback_is_refused_by_default_and_fetched_with_the_switch(tmp_path, site, embeddings):
    refused = settings_in(tmp_path, allow_private=False)
    added, report = add_urls([f"{site}/news/ferry", "https://[::1]/x"], refused,
                             embeddings=embeddings)
    assert [a.message for a in added] == [
        f"skipped {site}/news/ferry: 127.0.0.1 is a loopback address (127.0.0.1); {REFUSAL}",
        f"skipped https://[::1]/x: ::1 is a loopback address (::1); {REFUSAL}"]
    assert report is None and not refused.articles.exists()
    with pytest.raises(FetchError, match="loopback"):
        poll(f"{site}/feed.xml", refused, embeddings=embeddings)

    allowed = settings_in(tmp_path, allow_private=True)
    added, report = add_urls([f"{site}/news/ferry"], allowed, embeddings=embeddings)
    assert added[0].new and report.new == 1


class Rerouted(httpx.BaseTransport):
    """A transport that takes requests for one (public) test address to the loopback site,
    as if that address were the site's; it records every request it sends."""

    def __init__(self, public: str, port: int):
        self.public, self.port, self.sent = public, port, []
        self.inner = httpx.HTTPTransport()

    def handle_request(self, request):
        self.sent.append(str(request.url))
        if request.url.host == self.public:
            request.url = request.url.copy_with(host="127.0.0.1")
        return self.inner.handle_request(request)

    def close(self):
        self.inner.close()


def test_a_redirect_to_loopback_is_refused_at_the_redirect(site):
    port = int(site.rsplit(":", 1)[1])
    transport = Rerouted("93.184.216.34", port)
    public = {"news.example": ["93.184.216.34"]}
    with pytest.raises(FetchError, match=rf"^http://news.example:{port}/to-inside: 127.0.0.1 "
                       "is a loopback address"):
        fetch(f"http://news.example:{port}/to-inside", timeout=2, max_bytes=10_000,
              resolver=lambda host, _: public[host], transport=transport)
    assert transport.sent == [f"http://93.184.216.34:{port}/to-inside"]  # not the redirect

    final, body = fetch(f"http://news.example:{port}/news/ferry", timeout=2, max_bytes=100_000,
                        resolver=lambda host, _: public[host], transport=Rerouted(*public[
                            "news.example"], port))
    assert final == f"http://news.example:{port}/news/ferry" and b"412 passengers" in body


@pytest.mark.parametrize("url", ["http://[::1]/", "http://0x7f000001/", "http://2130706433/",
                                 "http://[::ffff:127.0.0.1]:8080/", "http://localhost:1/"])
def test_loopback_in_any_spelling_is_refused_without_a_connection(url):
    sent = []
    transport = httpx.MockTransport(lambda request: sent.append(request) or httpx.Response(200))
    with pytest.raises(FetchError, match="is a loopback address|resolves to a loopback"):
        fetch(url, timeout=1, max_bytes=1000, transport=transport)
    assert sent == []


def test_saved_entries_are_indexed_by_the_next_poll_when_the_index_was_busy(
        tmp_path, site, embeddings):
    from index.store import IndexBusy

    settings = settings_in(tmp_path)
    lock = settings.index_dir / "write.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from filelock import FileLock; "
         "lock = FileLock(sys.argv[1]); lock.acquire(); print('held', flush=True); time.sleep(120)",
         str(lock)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(IndexBusy):
            poll(f"{site}/feed.xml", settings, embeddings=embeddings)
    finally:
        holder.kill()
        holder.wait()
    assert len(list(settings.articles.iterdir())) == 2  # saved, not yet indexed

    added, report = poll(f"{site}/feed.xml", settings, embeddings=embeddings)
    assert added == [] and report.new == 2  # nothing new in the feed, yet both indexed
    assert len(Store(settings).catalog()) == 2
    assert poll(f"{site}/feed.xml", settings, embeddings=embeddings) == ([], None)
