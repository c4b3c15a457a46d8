"""The followed questions' events as an Atom feed (RFC 4287), newest first, so that any feed
reader can subscribe to `/follow.atom` on the chat server."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from xml.etree import ElementTree as ET

from qa.follow.book import Event

ATOM = "http://www.w3.org/2005/Atom"
FEED_ID = "urn:newsqa:followed"


def atom(events: Sequence[Event], link: str) -> bytes:
    """The feed document: one entry per event, its summary the old and new answers and the
    quotes that state the new one."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")

    def add(parent: ET.Element, tag: str, text: str = "", **attrs: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
        element.text = text or None
        return element

    add(feed, "title", "newsqa: followed questions")
    add(feed, "id", FEED_ID)
    add(feed, "link", href=link, rel="self")
    newest = max((e.at for e in events), default=datetime.datetime.now(datetime.UTC))
    add(feed, "updated", newest.isoformat())
    add(add(feed, "author"), "name", "newsqa")
    for e in events:
        entry = add(feed, "entry")
        add(entry, "title", f"{e.question} — {e.new or 'no answer'}")
        add(entry, "id", f"{FEED_ID}:event:{e.id}")
        add(entry, "updated", e.at.isoformat())
        quotes = [f"[{c.n}] “{c.quote}” ({c.title}, {c.date or 'undated'})"
                  for c in e.new_answer.citations[:3]]
        add(entry, "summary", "\n".join([e.why, f"Before: {e.old or 'no answer'}",
                                        f"Now: {e.new or 'no answer'}", *quotes]))
        for c in e.new_answer.citations[:3]:
            if c.url:
                add(entry, "link", href=c.url, rel="related")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
