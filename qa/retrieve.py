"""Hybrid retrieval: dense (Chroma) and BM25 over the same chunks, fused by reciprocal rank."""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import json
import logging
import math
import os
import shutil
import tempfile
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, Field, PrivateAttr

from index.chunking import Chunk
from index.embeddings import MiniLMEmbeddings
from index.settings import Settings
from index.store import EVERYTHING, Hit, Scope, Store, day_number
from qa.dates import Window, question_window
from qa.terms import terms


def cache_folder(settings: Settings) -> Path:
    """Where the BM25 index of a store is kept between processes: beside an embedded index;
    for a Chroma server, in this machine's temporary folder."""
    if settings.chroma_url:
        key = hashlib.sha256(f"{settings.chroma_url} {settings.collection}".encode())
        return Path(tempfile.gettempdir()) / f"newsqa-bm25-{key.hexdigest()[:16]}"
    index_dir = Path(settings.index_dir)
    return index_dir.with_name(f"{index_dir.name}.bm25")


def _hit(row: list) -> Hit:
    id_, article_id, start, end, day, text = row
    return Hit(Chunk(id_, article_id, text, start, end), 0.0, day)


def to_document(chunk: Chunk, score: float, copies: Sequence[str] = ()) -> Document:
    """The one place our Chunk becomes a LangChain Document (and back, below). `copies`:
    the articles whose near-identical chunk was left out in favour of this one."""
    return Document(
        id=chunk.id,
        page_content=chunk.text,
        metadata={"article_id": chunk.article_id, "start": chunk.start, "end": chunk.end,
                  "score": score, "copies": list(copies)},
    )


def from_document(doc: Document) -> Chunk:
    meta = doc.metadata
    return Chunk(doc.id or "", meta["article_id"], doc.page_content, meta["start"], meta["end"])


@dataclass(frozen=True)
class SparseIndex:
    """BM25 over every chunk in the store, rebuilt when the store's generation changes."""

    generation: str
    hits: tuple[Hit, ...]
    days: np.ndarray
    bm25: object
    vocab: frozenset[str]
    doc_freq: Counter
    catalog: dict[str, dict]  # article metadata by id

    @classmethod
    def of(cls, store: Store) -> SparseIndex:
        """The index for the store's current contents: read from its cache folder when that
        was saved for this generation, else built from every chunk (and saved)."""
        import bm25s

        logging.getLogger("bm25s").setLevel(logging.WARNING)  # bm25s sets DEBUG on import
        generation = store.generation()
        folder = cache_folder(store.settings)
        try:
            if (folder / "generation").read_text() == generation:
                hits = tuple(_hit(json.loads(line))
                             for line in (folder / "hits.jsonl").open(encoding="utf-8"))
                doc_freq = Counter(json.loads((folder / "doc_freq.json").read_text()))
                return cls._of(generation, hits, bm25s.BM25.load(str(folder / "bm25")),
                               doc_freq, store)
        except (OSError, ValueError, KeyError):
            pass  # no cache, or an unreadable one: build it again
        hits = tuple(store.all_hits())
        tokens = [terms(h.chunk.text) or ["_"] for h in hits]
        bm25 = bm25s.BM25()
        if hits:
            bm25.index(tokens, show_progress=False)
        index = cls._of(generation, hits, bm25,
                        Counter(t for toks in tokens for t in set(toks)), store)
        if hits:
            index.save(folder)
        return index

    @classmethod
    def _of(cls, generation: str, hits: tuple[Hit, ...], bm25, doc_freq: Counter,
            store: Store) -> SparseIndex:
        days = np.array([h.day for h in hits], dtype=np.int64)
        return cls(generation, hits, days, bm25, frozenset(doc_freq), doc_freq, store.catalog())

    def save(self, folder: Path) -> None:
        """Write the index beside the store (best effort: a failure only costs a rebuild)."""
        temporary = folder.with_name(f"{folder.name}.{os.getpid()}.tmp")
        try:
            shutil.rmtree(temporary, ignore_errors=True)
            temporary.mkdir(parents=True)
            self.bm25.save(str(temporary / "bm25"))
            with (temporary / "hits.jsonl").open("w", encoding="utf-8") as f:
                for h in self.hits:
                    f.write(json.dumps([h.chunk.id, h.chunk.article_id, h.chunk.start,
                                        h.chunk.end, h.day, h.chunk.text]) + "\n")
            (temporary / "doc_freq.json").write_text(json.dumps(self.doc_freq))
            (temporary / "generation").write_text(self.generation)  # written last
            shutil.rmtree(folder, ignore_errors=True)
            temporary.rename(folder)
        except OSError:
            shutil.rmtree(temporary, ignore_errors=True)

    def search(self, query: str, k: int, scope: Scope = EVERYTHING) -> list[Hit]:
        words = [t for t in terms(query) if t in self.vocab]
        if not words or not self.hits:
            return []
        scores = self.bm25.get_scores(words)
        if scope != EVERYTHING:
            admitted = (self.days >= scope.since) & (self.days <= scope.until)
            if scope.articles is not None:
                admitted &= np.array([h.chunk.article_id in scope.articles for h in self.hits])
            scores = np.where(admitted, scores, 0.0)
        top = np.argsort(-scores)[:k]
        return [dataclasses.replace(self.hits[i], score=float(scores[i]))
                for i in top if scores[i] > 0]

    def newest(self) -> datetime.date | None:
        """The date of the newest dated article."""
        day = int(self.days.max()) if len(self.days) else 0
        return datetime.date(day // 10000, day // 100 % 100, day % 100) if day else None

    def articles_from(self, sources: Sequence[str]) -> frozenset[str]:
        """Articles whose source (or web site) is one of `sources`: "The Hollywood Reporter",
        "cnn.com" or "www.cnn.com"."""
        wanted = {s.strip().lower().removeprefix("www.") for s in sources if s.strip()}

        def names(meta: dict) -> set[str]:
            host = urlparse(meta.get("url") or "").hostname or ""
            return {(meta.get("source") or "").lower(), host.removeprefix("www.")}

        return frozenset(id_ for id_, meta in self.catalog.items() if names(meta) & wanted)

    def outlet(self, article_id: str) -> str:
        """Who published an article: its source, else its web site, else its title."""
        meta = self.catalog.get(article_id, {})
        host = (urlparse(meta.get("url") or "").hostname or "").removeprefix("www.")
        return meta.get("source") or host or meta.get("title") or article_id

    def idf(self, term: str) -> float:
        n = max(len(self.hits), 1)
        return math.log(1 + n / (1 + self.doc_freq.get(term, 0)))


class HybridRetriever(BaseRetriever):
    """Dense + BM25, fused with reciprocal-rank fusion; returns chunks as Documents."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    store: Store
    embeddings: MiniLMEmbeddings
    k: int = Field(8, ge=1)
    candidates: int = Field(40, ge=1, description="Depth of each ranked list before fusion.")
    rrf_k: int = Field(60, ge=1, description="Reciprocal-rank fusion constant.")
    recent_days: int = Field(10, ge=0, description="With as_of: how far back counts as recent.")
    recent_boost: float = Field(2.0, ge=0, description="Fused-score lift for recent chunks, "
                                "in units of a first place in one ranking.")
    _sparse: SparseIndex | None = None
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    def sparse(self) -> SparseIndex:
        """The BM25 index, in step with the store (rebuilt after any build changed it)."""
        with self._lock:
            if self._sparse is None or self._sparse.generation != self.store.generation():
                self._sparse = SparseIndex.of(self.store)
            return self._sparse

    def recent_window(self, as_of: datetime.date | None
                      ) -> tuple[datetime.date, datetime.date] | None:
        """The days whose coverage counts as recent for a question asked on `as_of`."""
        return (as_of - datetime.timedelta(days=self.recent_days), as_of) if as_of else None

    def focus(self, query: str, as_of: datetime.date | None = None) -> Window | None:
        """The days a question is about: those its own words name ("this week", "in August"),
        counted from `as_of` (default: the newest article's date); else, when `as_of` is
        given, the days just before it (a question asked on a given day is about them)."""
        named = question_window(query, as_of or self.sparse().newest() or datetime.date.today())
        return named or self.recent_window(as_of)

    def scope(self, as_of: datetime.date | None = None, since: datetime.date | None = None,
              until: datetime.date | None = None, sources: Sequence[str] = ()) -> Scope:
        """Nothing published after `as_of` or `until`, nor before `since`; only `sources`."""
        last = min((d for d in (as_of, until) if d), default=None)
        return Scope(
            since=day_number(since.isoformat()) if since else 0,
            until=day_number(last.isoformat()) if last else EVERYTHING.until,
            articles=self.sparse().articles_from(sources) if sources else None,
        )

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, k: int | None = None,
        as_of: datetime.date | None = None, since: datetime.date | None = None,
        until: datetime.date | None = None, sources: Sequence[str] = (),
    ) -> list[Document]:
        """The k best chunks within the scope, those of the days in focus first, one of each
        set of near-identical chunks (wire copies)."""
        k = k or self.k
        depth = max(self.candidates, k)
        scope = self.scope(as_of, since, until, sources)
        dense = self.store.search(self.embeddings.embed_query(query), depth, scope)
        sparse = self.sparse().search(query, depth, scope)
        fused: dict[str, float] = {}
        by_id: dict[str, Hit] = {}
        for ranked in (dense, sparse):
            for rank, hit in enumerate(ranked):
                fused[hit.chunk.id] = (fused.get(hit.chunk.id, 0.0)
                                       + 1.0 / (self.rrf_k + rank + 1))
                by_id[hit.chunk.id] = hit
        focus = self.focus(query, as_of)
        if focus and self.recent_boost:
            first, last = (day_number(d.isoformat()) for d in focus)
            for id_, hit in by_id.items():
                if first <= hit.day <= last:
                    fused[id_] += self.recent_boost / (self.rrf_k + 1)
        ranked = [by_id[i] for i in sorted(fused, key=fused.get, reverse=True)]
        return [to_document(hit.chunk, fused[hit.chunk.id], copies)
                for hit, copies in collapse(ranked)[:k]]


def collapse(ranked: list[Hit], similar: float = 0.9) -> list[tuple[Hit, tuple[str, ...]]]:
    """One chunk per set of near-identical chunks (the same wire story in several outlets),
    at the best rank of the set, keeping the earliest-dated copy; with each, the other
    articles of its set."""
    kept: list[Hit] = []
    sets: list[list[Hit]] = []
    shingles: list[set] = []
    for hit in ranked:
        words = hit.chunk.text.lower().split()
        mine = {tuple(words[i : i + 3]) for i in range(max(1, len(words) - 2))}
        for n, theirs in enumerate(shingles):
            if len(mine & theirs) >= similar * min(len(mine), len(theirs)):
                sets[n].append(hit)
                if 0 < hit.day < kept[n].day:
                    kept[n] = hit
                break
        else:
            kept.append(hit)
            sets.append([hit])
            shingles.append(mine)
    return [(hit, tuple(dict.fromkeys(h.chunk.article_id for h in copies
                                      if h.chunk.article_id != hit.chunk.article_id)))
            for hit, copies in zip(kept, sets, strict=True)]
