"""Article files (txt, md, html, json, jsonl, gzipped) to Article records."""

from __future__ import annotations

import datetime
import gzip
import hashlib
import json
import logging
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import yaml

from index.records import Article, iso

log = logging.getLogger("newsqa")

SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".json", ".jsonl")
MAX_FILE_BYTES = 50_000_000  # a JSONL file may hold many articles
MAX_ARTICLE_CHARS = 1_000_000  # a long book; no news story comes near


class Unreadable(Exception):
    """A file or record that cannot become an article; the message says why."""


OnSkip = Callable[[str, str], None]  # (file path, reason)


def warn_skip(path: str, reason: str) -> None:
    log.warning("skipped %s: %s", path, reason)


def load_articles(paths: Iterable[str | Path], on_skip: OnSkip = warn_skip) -> list[Article]:
    """Every article under `paths` (folders recursively), by id; unreadable files are
    reported and skipped.

    Ids are stable: a file's id is its path below the folder it was found in (prefixed with
    that folder's name); a record's id is its own `id`/`doc_id`.
    """
    return sorted(scan_articles(paths, on_skip), key=lambda a: a.id)


def scan_articles(paths: Iterable[str | Path], on_skip: OnSkip = warn_skip) -> Iterator[Article]:
    """The articles of load_articles() one file at a time, in the order of their files (of
    two with one id, the first is kept): only one file's articles are held at once."""
    seen: set[str] = set()
    for root, file in _files(paths, on_skip):
        try:
            found = list(_load_file(file, _file_id(root, file), on_skip))
        except Unreadable as e:
            on_skip(str(file), str(e))
            continue
        for article in found:
            if article.id in seen:
                on_skip(str(file), f"duplicate article id {article.id!r}, first one kept")
            else:
                seen.add(article.id)
                yield article


def article_files(paths: Iterable[str | Path]) -> list[Path]:
    """The article files under `paths`, resolved; missing paths are ignored."""
    return [file for _, file in _files(paths, lambda *_: None)]


def _files(paths: Iterable[str | Path], on_skip: OnSkip) -> Iterator[tuple[Path, Path]]:
    for given in paths:
        path = Path(given).resolve()
        if path.is_dir():
            for file in sorted(path.rglob("*")):
                if file.is_file() and _suffix(file) in SUFFIXES and not file.name.startswith("."):
                    yield path, file
        elif path.is_file():
            yield path.parent, path
        else:
            on_skip(str(given), "no such file or folder")


def _suffix(file: Path) -> str:
    suffixes = [s.lower() for s in file.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes.pop()
    return suffixes[-1] if suffixes else ""


def _file_id(root: Path, file: Path) -> str:
    return (Path(root.name) / file.relative_to(root)).as_posix()


def _read_text(file: Path) -> str:
    try:
        if file.stat().st_size > MAX_FILE_BYTES:
            raise Unreadable(f"larger than {MAX_FILE_BYTES // 1_000_000} MB")
        data = file.read_bytes()
    except OSError as e:
        raise Unreadable(e.strerror or str(e)) from e
    if file.suffix.lower() == ".gz":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as e:
            raise Unreadable(f"not valid gzip ({e})") from e
    if not data.strip():
        raise Unreadable("empty file")
    if b"\x00" in data[:8192]:
        raise Unreadable("binary file, not text")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise Unreadable("not decodable as UTF-8 or Windows-1252 text")
    controls = sum(1 for c in text[:8192] if ord(c) < 32 and c not in "\t\n\r\f")
    if controls > 0.05 * min(len(text), 8192):
        raise Unreadable("binary file, not text")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _load_file(file: Path, file_id: str, on_skip: OnSkip) -> Iterator[Article]:
    kind = _suffix(file)
    raw = _read_text(file)
    if kind == ".jsonl":
        yield from _jsonl(raw, file, file_id, on_skip)
    elif kind == ".json":
        try:
            record = json.loads(raw)
        except json.JSONDecodeError as e:
            raise Unreadable(f"invalid JSON ({e.msg} at line {e.lineno})") from e
        yield _from_record(record, file, file_id)
    elif kind in (".md", ".markdown"):
        yield _markdown(raw, file, file_id)
    elif kind in (".html", ".htm"):
        yield _html(raw, file, file_id)
    else:
        yield _plain(raw, file, file_id)


DATE_MARKER = re.compile(r"\A\s*date\s+(\d{4}-\d{2}-\d{2})\s+")
DATE_VALUE = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})")


def date_of(value: object) -> datetime.date | None:
    """`YYYY-MM-DD`, `YYYY/MM/DD` or an ISO timestamp as a date; anything else is None."""
    match = DATE_VALUE.match(str(value or "").strip())
    if not match:
        return None
    try:
        return datetime.date(*(int(g) for g in match.groups()))
    except ValueError:
        return None


def iso_date(value: object) -> str | None:
    """The same, written YYYY-MM-DD (for front matter)."""
    return iso(date_of(value))


def _article(file_id: str, file: Path, text: str, title: str | None, **meta) -> Article:
    text = text.strip()
    if not text:
        raise Unreadable("no article text")
    if len(text) > MAX_ARTICLE_CHARS:
        raise Unreadable(f"the article is {len(text):,} characters long; the limit is "
                         f"{MAX_ARTICLE_CHARS:,} (split it into separate articles)")
    return Article(
        id=file_id,
        title=(title or "").strip() or _title_from_text(text) or file.name,
        date=date_of(meta.get("date")),
        source=_str_or_none(meta.get("source")),
        url=_str_or_none(meta.get("url")),
        path=str(file),
        text=text,
    )


def _str_or_none(value: object) -> str | None:
    return str(value).strip() or None if value not in (None, "") else None


# Longest title made from an article's text (an article without a title of its own): it is
# shown above every quote from the article, so a whole first sentence would crowd them.
TITLE_CHARS = 90


def _title_from_text(text: str) -> str | None:
    """The first line, or the first sentence of a long one, cut at a word within
    TITLE_CHARS."""
    first_line = text.split("\n", 1)[0].strip()
    sentence = re.match(r"(.+?[.!?])(\s|$)", first_line)
    title = sentence.group(1) if sentence and len(first_line) > TITLE_CHARS else first_line
    if len(title) <= TITLE_CHARS:
        return title or None
    cut = title[:TITLE_CHARS].rsplit(" ", 1)[0].rstrip(" ,;:—-")
    return f"{cut}…"


def _plain(raw: str, file: Path, file_id: str) -> Article:
    marker = DATE_MARKER.match(raw)
    date = marker.group(1) if marker else None
    text = raw[marker.end():] if marker else raw
    return _article(file_id, file, text, None, date=date)


FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*(\n|\Z)", re.S)


def _markdown(raw: str, file: Path, file_id: str) -> Article:
    meta: dict = {}
    match = FRONT_MATTER.match(raw)
    if match:
        try:
            meta = yaml.safe_load(match.group(1)) or {}
        except yaml.YAMLError as e:
            raise Unreadable(f"invalid front matter ({e.__class__.__name__})") from e
        if not isinstance(meta, dict):
            raise Unreadable("front matter is not a mapping")
        raw = raw[match.end():]
    title = meta.get("title")
    heading = re.match(r"\A\s*#\s+(.+)\n", raw)
    if heading and not title:
        title = heading.group(1)
    return _article(file_id, file, raw, _str_or_none(title), date=meta.get("date"),
                    url=meta.get("url"), source=meta.get("source"))


def _html(raw: str, file: Path, file_id: str) -> Article:
    import trafilatura  # slow import, only needed for HTML

    doc = trafilatura.bare_extraction(raw, with_metadata=True, include_comments=False)
    if doc is None or not (doc.text or "").strip():
        raise Unreadable("no article text found in the HTML")
    return _article(
        file_id, file, doc.text, doc.title, date=doc.date, url=doc.url, source=doc.sitename
    )


def _from_record(record: object, file: Path, file_id: str) -> Article:
    if not isinstance(record, dict):
        raise Unreadable("expected a JSON object with 'title' and 'text'")
    missing = [key for key in ("title", "text") if not isinstance(record.get(key), str)]
    if missing:
        raise Unreadable(f"missing {' and '.join(repr(k) for k in missing)}")
    own_id = record.get("id") or record.get("doc_id")
    if own_id is None and file.suffix.lower() != ".json":
        key = record.get("url") or record["title"] + record["text"][:500]
        own_id = f"{file_id}#{hashlib.sha1(key.encode()).hexdigest()[:12]}"
    return _article(
        str(own_id) if own_id is not None else file_id,
        file,
        record["text"],
        record["title"],
        date=record.get("date") or record.get("publish_date"),
        url=record.get("url"),
        source=record.get("source"),
    )


def _jsonl(raw: str, file: Path, file_id: str, on_skip: OnSkip) -> Iterator[Article]:
    found = False
    for number, line in enumerate(raw.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            yield _from_record(json.loads(line), file, file_id)
            found = True
        except json.JSONDecodeError as e:
            on_skip(str(file), f"line {number}: invalid JSON ({e.msg})")
        except Unreadable as e:
            on_skip(str(file), f"line {number}: {e}")
    if not found:
        raise Unreadable("no readable article in this file")
