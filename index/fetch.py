"""Web pages to article files: fetch (bounded in time and size), extract, save as markdown."""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import yaml

from index.articles import FRONT_MATTER, iso_date
from index.netguard import Refused, Resolver, system_resolver, target
from index.settings import Settings

PAGE_TYPES = ("text/html", "application/xhtml+xml")
MAX_REDIRECTS = 5  # hops followed before a URL counts as a redirect loop
USER_AGENT = "newsqa (+https://github.com/newsqa)"


class FetchError(Exception):
    """A URL that gave no article; the message says why, in one line."""


@dataclass(frozen=True)
class Added:
    url: str
    path: Path | None  # the article file written, or the one already holding this article
    new: bool
    message: str  # one line for the user


def fetch(url: str, *, timeout: float, max_bytes: int, types: Iterable[str] = PAGE_TYPES,
          allow_private: bool = False, resolver: Resolver = system_resolver,
          transport=None) -> tuple[str, bytes]:
    """(final URL, body) of an http(s) URL, or FetchError: error statuses, other content
    types, redirect loops, no answer within `timeout` seconds, bodies over `max_bytes`, and
    (unless `allow_private`) any hop, first or redirected, to a non-public address. Each
    hop's host is resolved once and the request goes to that checked address."""
    import httpx

    deadline = time.monotonic() + timeout
    current = url
    try:
        with httpx.Client(timeout=timeout, transport=transport) as client:
            for _ in range(MAX_REDIRECTS + 1):
                try:
                    hop = target(current, allow_private=allow_private, resolver=resolver)
                except Refused as e:
                    raise FetchError(f"{url}: {e}") from None
                request = client.build_request(
                    "GET", hop.connect_url(),
                    headers={"User-Agent": USER_AGENT, "Host": hop.host_header()},
                    extensions=hop.extensions())
                response = client.send(request, stream=True)
                try:
                    if response.is_redirect and "location" in response.headers:
                        current = urljoin(current, response.headers["location"])
                        continue
                    return current, _body(url, response, types, max_bytes, deadline)
                finally:
                    response.close()
            raise FetchError(f"{url}: too many redirects (a redirect loop?)")
    except httpx.TimeoutException:
        raise FetchError(f"{url}: no answer within {timeout:g} s") from None
    except httpx.HTTPError as e:
        raise FetchError(f"{url}: cannot be fetched ({e.__class__.__name__}: {e})") from None


def _body(url: str, response, types: Iterable[str], max_bytes: int, deadline: float) -> bytes:
    import httpx

    if response.status_code >= 400:
        raise FetchError(f"{url}: the server answered {response.status_code} "
                         f"{response.reason_phrase}")
    kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in types:
        raise FetchError(f"{url}: not a web page ({kind or 'no content type'})")
    if int(response.headers.get("content-length") or 0) > max_bytes:
        raise FetchError(f"{url}: larger than {max_bytes:,} bytes")
    body = bytearray()
    for part in response.iter_bytes():
        body += part
        if len(body) > max_bytes:
            raise FetchError(f"{url}: larger than {max_bytes:,} bytes")
        if time.monotonic() > deadline:
            raise httpx.ReadTimeout("too slow")
    return bytes(body)


@dataclass(frozen=True)
class Page:
    """What was extracted from a web page."""

    url: str
    title: str
    date: str | None
    author: str | None
    source: str | None
    text: str


def extract(html: bytes, url: str, hints: Mapping[str, str] | None = None) -> Page:
    """The article in a page: body text without navigation, ads or scripts, and its metadata
    (`hints`, e.g. from a feed entry, fill in a missing title or date)."""
    import trafilatura

    hints = hints or {}
    doc = trafilatura.bare_extraction(html, url=url, with_metadata=True,
                                      include_comments=False, include_tables=False)
    text = (doc.text or "").strip() if doc else ""
    if len(text) < 200:
        raise FetchError(f"{url}: no article found on the page")
    return Page(
        url=url, title=(doc.title or hints.get("title") or url).strip(),
        date=iso_date(doc.date) or iso_date(hints.get("date")),
        author=doc.author or None, source=doc.sitename or hints.get("source") or None,
        text=text,
    )


def save(page: Page, folder: Path, aliases: Iterable[str] = ()) -> Added:
    """Write the page as `DATE-title.md` with front matter, unless an article file in
    `folder` already has its URL (or one of `aliases`); never overwrites a file."""
    urls = {page.url, *aliases}
    for existing in sorted(folder.glob("*.md")):
        if _front_matter(existing).get("url") in urls:
            return Added(page.url, existing, False, f"already saved: {existing} ({page.url})")
    slug = re.sub(r"[^a-z0-9]+", "-", page.title.lower()).strip("-")[:60].rstrip("-")
    stem = f"{page.date or 'undated'}-{slug or 'article'}"
    folder.mkdir(parents=True, exist_ok=True)
    meta = {k: v for k, v in {"title": page.title, "date": page.date, "url": page.url,
                               "source": page.source, "author": page.author}.items() if v}
    content = f"---\n{yaml.safe_dump(meta, allow_unicode=True, sort_keys=False)}---\n\n" \
              f"{page.text}\n"
    for n in range(1, 1000):
        path = folder / (f"{stem}.md" if n == 1 else f"{stem}-{n}.md")
        try:
            with path.open("x", encoding="utf-8") as f:  # "x": never overwrite
                f.write(content)
        except FileExistsError:
            continue
        return Added(page.url, path, True,
                     f"added: {path} — {page.title} ({page.date or 'undated'})")
    raise FetchError(f"{page.url}: too many articles named {stem}")


def _front_matter(path: Path) -> dict:
    try:
        match = FRONT_MATTER.match(path.read_text(encoding="utf-8", errors="replace")[:8192])
        meta = yaml.safe_load(match.group(1)) if match else {}
    except (OSError, yaml.YAMLError):
        return {}
    return meta if isinstance(meta, dict) else {}


def add_page(url: str, folder: Path, *, timeout: float, max_bytes: int,
             allow_private: bool = False, hints: Mapping[str, str] | None = None) -> Added:
    """Fetch, extract and save one URL; failures come back as an Added with no path."""
    try:
        final, html = fetch(url, timeout=timeout, max_bytes=max_bytes,
                            allow_private=allow_private)
        return save(extract(html, final, hints), folder, aliases={url})
    except FetchError as e:
        return Added(url, None, False, f"skipped {e}")


def add_urls(urls: Iterable[str], settings: Settings, *,
             hints: Mapping[str, Mapping[str, str]] | None = None, embeddings=None,
             index: bool = True):
    """Add each URL's article to the articles folder, then (with `index`) update the index
    if anything is new: (one Added per URL, the BuildReport or None)."""
    from index.build import build

    added = [add_page(url, settings.articles, timeout=settings.fetch_timeout_s,
                      max_bytes=settings.fetch_max_bytes, allow_private=settings.allow_private,
                      hints=(hints or {}).get(url))
             for url in urls]
    if not index or not any(a.new for a in added):
        return added, None
    return added, build([settings.articles], settings, embeddings=embeddings)
