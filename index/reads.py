"""Reading many records of a Chroma collection: SQLite limits the variables of one query,
so a get of everything, or of every record a filter matches, is made in parts."""

from __future__ import annotations

from collections.abc import Iterator

from index.texts import parts

# Records read in one request when reading everything (a page also bounds the texts held
# at once).
PAGE = 5000
# Ids in one request that names them.
IDS = 500


def pages(collection, include: list[str]) -> Iterator[dict[str, list]]:
    """Every record, PAGE at a time."""
    offset = 0
    while True:
        part = collection.get(include=include, limit=PAGE, offset=offset)
        yield part
        if len(part["ids"]) < PAGE:
            return
        offset += PAGE


def matching(collection, where: dict) -> dict[str, dict]:
    """The metadata of the records matching `where`, by id: their ids first, then their
    metadata IDS at a time (one get of every match's metadata fails past about 32,000
    records; pages by offset would skip one when a record is removed meanwhile). A record
    removed between the two reads is left out."""
    ids = collection.get(where=where, include=[])["ids"]
    found: dict[str, dict] = {}
    for part in parts(ids, IDS):
        got = collection.get(ids=part, include=["metadatas"])
        found.update(zip(got["ids"], got["metadatas"], strict=True))
    return found
