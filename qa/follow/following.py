"""Following a question: answered once when followed, then re-answered after each index
update whose articles could change its answer (its scope, and its terms in them, say so),
recording an event when another short answer is put forward on evidence at least as strong
as the answer last announced."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from index.derived import OVERLAP_NS
from index.records import Article
from index.settings import Settings
from index.terms import term_set
from qa.citations import Answer
from qa.follow.book import Book, Event, Followed
from qa.follow.webhook import WebhookError, checked_webhook, post_json
from qa.pipeline import Pipeline, pipeline
from qa.query import Query
from qa.timeline import same_answer

CHANGED = "The answer changed."  # why an event is recorded: another short answer
TOUCH_SHARE = 0.5  # an article may change an answer when it holds this share of the
#                   question's terms (weighted by rarity), as its article must to be read


def follow(query: Query, settings: Settings, webhook: str = "") -> tuple[Answer, Followed]:
    """Follow a question: its answer now, recorded as what later answers are compared to.
    The webhook, when given, is checked now (http(s), a public address unless allowed)."""
    if webhook:
        checked_webhook(webhook, allow_private=settings.allow_private)
    parts = pipeline(settings)
    now = parts.answer(query)
    store = parts.retriever.store
    generation = int(store.generation() or 0)
    recent = store.changes(max(generation - OVERLAP_NS, 0))  # what the answer saw already
    book = Book.of(settings)
    followed = book.add(query, now, generation, recent.created, webhook)
    book.considered({id_: e.digest for id_, e in recent.committed.items()})
    return now, followed


def reanswer(settings: Settings, parts: Pipeline | None = None,
             deliver: Callable[[Event], None] | None = None) -> list[Event]:
    """Re-answer the followed questions an update since their last answer may change (all of
    them after a rebuild); record an event for each changed answer, and post the events a
    webhook waits for (`deliver`, by default a JSON POST). Returns the new events."""
    book = Book.of(settings)
    followed = book.followed()
    if not followed:
        return []
    parts = parts or pipeline(settings)
    parts.refresh()
    store = parts.retriever.store
    changes = store.changes(max(min(f.seen for f in followed) - OVERLAP_NS, 0))
    digests = {id_: e.digest for id_, e in changes.committed.items()}
    derived = parts.retriever.derived
    articles = derived.articles(book.unconsidered(digests))
    events = []
    for f in followed:
        rebuilt = f.store != changes.created
        if not rebuilt and not touches(f, articles, changes.removed, derived.idf,
                                       derived.catalog.articles_from):
            continue
        now = parts.answer(f.query)
        seen = max(changes.newest, f.seen)
        # A rebuilt index scores anew, and a removed article's evidence is gone.
        comparable = not rebuilt and not cites_removed(f.announced, changes.removed)
        announced, changed = weigh(f.announced, now, comparable)
        event = book.answered(f, now, announced, seen, changes.created, changed)
        if event:
            events.append(event)
    book.considered(digests)  # after every question has weighed them
    post_events(book, deliver, settings)
    return events


def touches(f: Followed, articles: Mapping[str, Article], removed: Iterable[str],
            idf: Callable[[str], float], sources: Callable[[Iterable[str]], set[str]]) -> bool:
    """Whether an update may change a followed question's answer: it removed an article the
    answer cites, or brought in one within the question's scope that holds TOUCH_SHARE of
    its terms (by rarity; a follow-up's earlier questions count)."""
    if cites_removed(f.answer, removed):
        return True
    q = f.query
    asked = term_set(" ".join([q.question, *q.earlier_questions]))
    total = sum(idf(t) for t in asked) or 1.0
    allowed = sources(q.sources) if q.sources else None
    for a in articles.values():
        if (q.since and (a.date is None or a.date < q.since)) or (
                q.until and (a.date is None or a.date > q.until)) or (
                allowed is not None and a.id not in allowed):
            continue
        if sum(idf(t) for t in asked & term_set(f"{a.title}\n{a.text}")) >= TOUCH_SHARE * total:
            return True
    return False


def cites_removed(answer: Answer, removed: Iterable[str]) -> bool:
    """Whether the answer quotes an article the update removed."""
    return bool({c.article_id for c in answer.citations} & set(removed))


def weigh(announced: Answer, new: Answer, comparable: bool = True
          ) -> tuple[Answer, tuple[str, str, str] | None]:
    """A new reading weighed against the answer last announced: the answer announced after
    it, and the change to announce, (why, old, new), if any. Another short answer (or one
    where there was none) is announced when its evidence scores at least as high as the
    announced answer's: a weaker day's reading is not news (on the replayed dev questions
    this cut right-to-wrong events from 12 to 7, docs/experiments.md), and neither is a
    withdrawn short answer. Scores are not compared when the announced answer's evidence is
    gone or the index was rebuilt (`comparable` False). A new article whose timeline stage
    differs is not an event by itself: such alerts were wrong 14 times in 33."""
    if not new.short:
        return announced, None
    if same_answer(announced.short, new.short):
        return new, None  # the same answer, its evidence as it stands now
    if announced.short and comparable and new.score < announced.score:
        return announced, None
    return new, (CHANGED, announced.short, new.short)


def post_events(book: Book, deliver: Callable[[Event], None] | None, settings: Settings
                ) -> None:
    """Post each event a webhook has not received yet; one that fails is tried again after
    the next update."""
    for event in book.undelivered():
        try:
            if deliver:
                deliver(event)
            else:
                post_json(event.webhook, event.to_dict(), allow_private=settings.allow_private,
                          timeout=settings.fetch_timeout_s)
        except WebhookError:
            continue
        book.delivered(event)
