"""Adding articles from the web: `add_urls` on N pages served from a loopback HTTP server
(corpus articles wrapped in a page with navigation, ads and scripts).

    python bench/add_urls.py ../shared/data/realtimeqa-2023/articles.jsonl.gz --count 20
"""

from __future__ import annotations

import argparse
import gzip
import html
import http.server
import itertools
import json
import tempfile
import threading
import time
from pathlib import Path

from index.settings import Settings, go_offline

PAGE = """<!doctype html><html><head><title>{title}</title>
<meta property="article:published_time" content="{date}"><script>var ad = 'slot';</script>
</head><body><nav>Home | World | Business | Sport</nav><div class="ad">Advertisement</div>
<article><h1>{title}</h1>{paragraphs}</article><footer>Subscribe to our newsletter</footer>
</body></html>"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("articles", type=Path)
    parser.add_argument("--count", type=int, default=20)
    args = parser.parse_args()
    go_offline()
    from index.embeddings import MiniLMEmbeddings
    from index.fetch import add_page, add_urls

    with gzip.open(args.articles, "rt") as src:
        records = [json.loads(line) for line in itertools.islice(src, 1000, 1000 + args.count)]
    pages = {}
    for n, r in enumerate(records):
        paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in r["text"].split("\n") if p)
        pages[f"/story/{n}"] = PAGE.format(title=html.escape(r["title"]), date=r.get(
            "publish_date", "")[:10], paragraphs=paragraphs).encode()

    class Site(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            body = pages[self.path]
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Site)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    urls = [f"http://127.0.0.1:{server.server_address[1]}{path}" for path in pages]
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(index_dir=Path(tmp) / "index", articles=Path(tmp) / "articles")
        embeddings = MiniLMEmbeddings()
        embeddings.encode(["warm up"])
        started = time.perf_counter()
        fetched = [add_page(u, Path(tmp) / "dry", timeout=15, max_bytes=5_000_000)
                   for u in urls]
        fetch_s = time.perf_counter() - started
        started = time.perf_counter()
        added, report = add_urls(urls, settings, embeddings=embeddings)
        total_s = time.perf_counter() - started
    server.shutdown()
    print(f"{len(urls)} URLs: fetch + extract + save {fetch_s:.2f} s "
          f"({1000 * fetch_s / len(urls):.0f} ms a page); {sum(a.new for a in fetched)} saved")
    print(f"add_urls with indexing (model warm): {total_s:.2f} s; {report.line()}")
    print(f"added {sum(a.new for a in added)}, failed {sum(a.path is None for a in added)}")


if __name__ == "__main__":
    main()
