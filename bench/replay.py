"""Followed questions on real coverage. Part one replays the dev questions: each is followed
from DAYS before its quiz date and re-answered as of each day up to it (one index, `as_of`
per day); a change of its short answer is an event (qa/follow/following.py decides, as it
does after `newsqa index`). Part two runs a real `newsqa feed` against a loopback feed server
that publishes one quiz week's articles day by day, with that week's questions followed,
and checks that every change arrives once. Part three: the time an update of one article
adds with COSTLY questions followed.

    python bench/replay.py ../shared/data/realtimeqa-2023/articles.jsonl.gz \\
        --questions ../shared/data/realtimeqa-2023/questions-dev.jsonl --index-dir DIR \\
        [--limit N] [--feed-week 20230120] [--only replay|feed|cost]

DIR is the dev index `newsqa eval` builds (built here when it does not exist).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import html
import http.server
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

from index.records import Article
from index.settings import Settings, go_offline
from qa.evaluate import answers, load_questions, write_articles
from qa.follow.following import CHANGED, weigh
from qa.query import Query

DAYS = 14  # a question is followed from this many days before its quiz date
RIGHT_CHARS = 60  # right: the gold answer within the first 60 characters (acc@60)


def day_of(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text.replace("/", "-")[:10])


def corpus(path: Path) -> dict[datetime.date, list[Article]]:
    """The corpus's dated articles by day (their text as the index holds them)."""
    from index.articles import load_articles

    with tempfile.TemporaryDirectory() as tmp:
        write_articles(path, None, Path(tmp))
        found = load_articles([Path(tmp)], on_skip=lambda *_: None)
    days: dict[datetime.date, list[Article]] = defaultdict(list)
    for a in found:
        if a.date:
            days[a.date].append(a)
    return days


@dataclasses.dataclass
class Replayed:
    """One question's replay: its answer's rightness by day, and its events as (old right,
    new right), judged on the short answers the events name."""

    right_by_day: list[bool]
    events: list[tuple[bool, bool]]
    asked_once_right: bool


def replay(q: dict, parts) -> Replayed:
    """Followed from DAYS before the quiz date and re-answered as of each day after, as
    `reanswer` does after an update: each answer weighed against the one last announced,
    and judged as the followed question shows it (its latest answer)."""
    quiz, gold = day_of(q["question_date"]), q["gold_answer"]
    start = quiz - datetime.timedelta(days=DAYS)
    query = Query(q["question"], as_of=start)
    announced = parts.answer(query)
    right = [answers(announced.text[:RIGHT_CHARS], gold)]
    events = []
    for n in range(1, DAYS + 1):
        later = parts.answer(dataclasses.replace(query, as_of=start + datetime.timedelta(n)))
        announced, changed = weigh(announced, later)
        if changed:
            _, old, new = changed
            events.append((bool(old) and answers(old, gold), answers(new, gold)))
        right.append(answers(later.text[:RIGHT_CHARS], gold))
    once = parts.answer(Query(q["question"], as_of=quiz))
    return Replayed(right, events, answers(once.text[:RIGHT_CHARS], gold))


def part_one(questions: list[dict], settings: Settings) -> None:
    from qa.pipeline import pipeline

    parts = pipeline(settings)
    started = time.perf_counter()
    runs = [replay(q, parts) for q in questions]
    seconds = time.perf_counter() - started
    n = len(runs) or 1
    right = [r for r in runs if r.right_by_day[-1]]
    lead = []
    for r in right:
        first = len(r.right_by_day) - 1
        while first > 0 and r.right_by_day[first - 1]:
            first -= 1
        lead.append(DAYS - first)
    print(f"questions followed: {len(runs)} (answerable dev questions), answered as of each of "
          f"{DAYS + 1} days ({seconds:.0f} s)")
    print(f"right on the quiz date (gold in the first {RIGHT_CHARS} characters): "
          f"{len(right) / n:.3f}; asked once on that date: "
          f"{sum(r.asked_once_right for r in runs) / n:.3f}")
    print(f"right from (median days before the quiz date, when right on it): "
          f"{statistics.median(lead) if lead else 0}")
    events = [e for r in runs for e in r.events]
    worse = sum(1 for old, new in events if old and not new)
    better = sum(1 for old, new in events if new and not old)
    print(f"change events: {len(events)} = {len(events) / n / (DAYS / 7):.2f} per question per "
          f"week; right-to-wrong {worse} ({worse / (len(events) or 1):.1%}), wrong-to-right "
          f"{better}", flush=True)


# -- part two: a real `newsqa feed` --------------------------------------------------------
class Published:
    """What the loopback news site shows: a feed of the articles published so far, and a
    page per article."""

    articles: dict[str, Article] = {}
    shown: list[str] = []


def page(a: Article) -> bytes:
    e = html.escape
    paragraphs = "".join(f"<p>{e(p)}</p>" for p in a.text.split("\n") if p.strip())
    return (f"<html><head><title>{e(a.title)}</title><meta property='article:published_time' "
            f"content='{a.date}'></head><body><article><h1>{e(a.title)}</h1>{paragraphs}"
            "</article></body></html>").encode()


class Site(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (the standard library's name)
        base = f"http://{self.headers['Host']}"
        if self.path == "/feed.xml":
            items = "".join(
                f"<item><title>{html.escape(a.title)}</title><link>{base}/a/{a.id}</link>"
                f"<guid>{base}/a/{a.id}</guid><pubDate>{a.date:%a, %d %b %Y} 08:00:00 GMT"
                f"</pubDate></item>" for a in map(Published.articles.get, Published.shown))
            body, kind = (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Replay'
                          f"</title><link>{base}/</link><description>News</description>{items}"
                          "</channel></rss>").encode(), "application/rss+xml"
        elif self.path.startswith("/a/") and self.path[3:] in Published.articles:
            body, kind = page(Published.articles[self.path[3:]]), "text/html; charset=utf-8"
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def part_two(questions: list[dict], days: dict, week: str) -> None:
    """One quiz week: its questions followed over the coverage before the week, then a real
    `newsqa feed` each day publishing that day's articles; every change must arrive once."""
    from index.build import build
    from qa.follow.book import Book
    from qa.follow.following import follow

    asked = [q for q in questions if q["week"] == week]
    quiz = max(day_of(q["question_date"]) for q in asked)
    first = quiz - datetime.timedelta(days=6)
    week_days = [first + datetime.timedelta(days=n) for n in range(7)]
    Published.articles = {a.id: a for d in week_days for a in days.get(d, ())
                          if len(a.text) > 400}
    before = {d for q in asked for d in q["gcs_doc_ids"]} - set(Published.articles)
    with tempfile.TemporaryDirectory() as tmp:
        folder, index_dir = Path(tmp) / "articles", Path(tmp) / "index"
        older = [a for found in days.values() for a in found if a.id in before]
        folder.mkdir()
        (folder / "older.jsonl").write_text("".join(json.dumps(
            {"doc_id": a.id, "title": a.title, "publish_date": str(a.date), "text": a.text})
            + "\n" for a in older))
        settings = Settings(index_dir=index_dir, articles=folder, allow_private=True)
        build([folder], settings)
        for q in asked:
            follow(Query.parse(q["question"], settings), settings)
        book = Book.of(settings)
        start = {f.id: f.answer.short for f in book.followed()}
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Site)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_address[1]}/feed.xml"
        polls, outputs = [], []
        for day in week_days:
            Published.shown += [a.id for a in Published.articles.values() if a.date == day]
            started = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", "ui.cli", "feed", url,
                                   "--allow-private", "--articles", str(folder),
                                   "--index-dir", str(index_dir)],
                                  capture_output=True, text=True, check=False)
            polls.append(time.perf_counter() - started)
            outputs += [f"  {day}: {line}" for line in done.stdout.splitlines()
                        if line.startswith(("indexed", "followed"))]
            if done.returncode:
                print(f"  {day}: newsqa feed failed: {done.stderr.strip()}")
        server.shutdown()
        events = sorted(book.events(limit=10_000), key=lambda e: e.id)
        for line in outputs:
            print(line)
        final = {f.id: f.announced.short for f in book.followed()}
    chained = 0
    for id_, current in start.items():  # each event starts from the answer of its time
        links = True
        for e in (e for e in events if e.followed == id_):
            links = links and e.old == current
            current = e.new if e.why == CHANGED else current
        chained += links and current == final[id_]
    print(f"feed replay, quiz week {week}: {len(asked)} questions followed over "
          f"{len(before)} older articles; {len(Published.articles)} articles published over "
          f"7 days by a loopback feed, one `newsqa feed` a day ({statistics.median(polls):.1f} s "
          f"median, re-answers included)")
    print(f"  {len(events)} change events; questions whose events chain from their first "
          f"answer to their last with none lost or repeated: {chained}/{len(start)}", flush=True)


# -- part three: what an update costs with many questions followed --------------------------
COSTLY = 200  # questions followed when an update's cost is measured


def part_three(questions: list[dict], index_dir: Path, articles: Path) -> None:
    """COSTLY questions followed on a copy of the dev index; then one new article (a dev
    article under a new name and date) indexed: the time `reanswer` adds, and how many
    questions it re-answered."""
    import shutil

    from index.build import build
    from qa.follow.following import follow, reanswer
    from qa.pipeline import pipeline

    with tempfile.TemporaryDirectory() as tmp:
        copy, folder = Path(tmp) / "index", Path(tmp) / "articles"
        shutil.copytree(index_dir, copy)
        write_articles(articles, {d for q in questions for d in q["gcs_doc_ids"]}, folder)
        settings = Settings(index_dir=copy, articles=folder)
        followed = list({q["question"]: q for q in questions}.values())[:COSTLY]
        for q in followed:
            follow(Query.parse(q["question"], settings), settings)
        source = json.loads((folder / "articles-000.jsonl").read_text().splitlines()[0])
        (folder / "new.jsonl").write_text(json.dumps(
            {**source, "doc_id": "replay-new", "publish_date": "2023/12/31"}) + "\n")
        report = build([folder], settings, embeddings=pipeline(settings).retriever.embeddings,
                       on_skip=lambda *_: None)
        parts = pipeline(settings)
        counted = []
        answer = parts.answer

        def counting(query):
            counted.append(query.question)
            return answer(query)

        object.__setattr__(parts, "answer", counting)
        started = time.perf_counter()
        events = reanswer(settings, parts)
        seconds = time.perf_counter() - started
    print(f"update cost: {len(followed)} questions followed on the dev index; "
          f"{report.line()}; then re-answering took {seconds:.2f} s: {len(counted)} questions "
          f"touched and re-answered, {len(events)} events", flush=True)


def main() -> None:
    go_offline()
    parser = argparse.ArgumentParser()
    parser.add_argument("articles", type=Path)
    parser.add_argument("--questions", type=Path, required=True)
    parser.add_argument("--index-dir", type=Path, required=True)
    parser.add_argument("--limit", type=int)
    parser.add_argument("--feed-week", default="20230120",
                        help="The quiz week whose articles the loopback feed publishes.")
    parser.add_argument("--only", choices=["replay", "feed", "cost"],
                        help="Run one part only.")
    args = parser.parse_args()
    questions = load_questions(args.questions, args.limit, 0, answerable=True)
    settings = Settings(index_dir=args.index_dir)
    days = corpus(args.articles)
    if not args.index_dir.exists():
        from index.build import build

        with tempfile.TemporaryDirectory() as tmp:
            write_articles(args.articles, {d for q in questions for d in q["gcs_doc_ids"]},
                           Path(tmp))
            print(build([Path(tmp)], settings).line(), flush=True)
    if args.only in (None, "replay"):
        part_one(questions, settings)
    if args.only in (None, "feed"):
        part_two(questions, days, args.feed_week)
    if args.only in (None, "cost"):
        part_three(questions, args.index_dir, args.articles)


if __name__ == "__main__":
    main()
