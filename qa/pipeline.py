"""From a Query to an Answer in three typed steps: retrieve(Query) -> Evidence, then the
reader's read(Evidence) -> Draft, then verify(Draft, Evidence) -> Answer. `answer` and
`stream` differ only in whether they iterate the reader; qa/langchain.py's `as_runnable()`
is the same chain in LCEL, for LangChain users."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import threading
from collections.abc import Iterator

from index.connection import refuse_mixed
from index.embeddings import MiniLMEmbeddings
from index.settings import Settings, go_offline
from index.store import Store
from qa.choosing import ChoosingReader
from qa.citations import Answer, Draft, verify
from qa.evidence import Evidence, Reader
from qa.extractive import ExtractiveReader
from qa.followup import Resolved, resolve
from qa.grounded import LLMReader, rewrite
from qa.llm import llm_from
from qa.query import Query
from qa.retrieve import Retriever
from qa.timeline import TIMELINE_CHUNKS, stages_read, with_timeline


@dataclasses.dataclass(frozen=True)
class Pipeline:
    retriever: Retriever
    reader: Reader
    extractive: ExtractiveReader | None = None  # whose candidates a timeline is read from

    def refresh(self) -> None:
        """Bring the derived indexes up to date with the store (after a build)."""
        self.retriever.refresh()

    def retrieve(self, query: Query) -> Evidence:
        """The chunks for the question (a follow-up made to stand alone first), their
        articles, the outlets that ran the same story, and the days in focus."""
        resolved = self.standalone(query)
        question = resolved.text
        retrieved = self.retriever.retrieve(question, k=query.k, as_of=query.as_of,
                                            since=query.since, until=query.until,
                                            sources=query.sources)
        chunks = tuple(f.hit.chunk for f in retrieved.found)
        derived = self.retriever.derived
        outlet = derived.catalog.outlet
        copies: dict[str, dict[str, None]] = {}
        for f in retrieved.found:
            own = outlet(f.hit.chunk.article_id)
            outlets = copies.setdefault(f.hit.chunk.article_id, {})
            outlets.update(dict.fromkeys(o for o in map(outlet, f.copies) if o != own))
        return Evidence(
            question=question, asked=query.question, chunks=chunks,
            articles=derived.articles(c.article_id for c in chunks), idf=derived.idf,
            focus=retrieved.focus,
            copies={id_: tuple(outlets) for id_, outlets in copies.items() if outlets},
            as_of=query.as_of, choices=resolved.choices)

    def verify(self, draft: Draft, evidence: Evidence) -> Answer:
        """Only quotes that stand verbatim in their articles; the question as it was asked."""
        answer = verify(draft, evidence.articles, self.reader.name, evidence.copies)
        return dataclasses.replace(answer, question=evidence.asked or draft.question)

    def answer(self, query: Query) -> Answer:
        if query.timeline:
            return self.with_timeline(query)
        return self.concluded(self.retrieve(query))

    def with_timeline(self, query: Query) -> Answer:
        """The answer, and the distinct answers its evidence gave over time (read from more
        chunks than one answer needs, so that older coverage is among them)."""
        evidence = self.retrieve(dataclasses.replace(query, k=max(query.k, TIMELINE_CHUNKS)))
        extractive = self.extractive or self.reader
        reading = extractive.reading(evidence)
        draft = reading.draft if self.reader is extractive else self.reader.read(evidence)
        stages = stages_read(reading, evidence.articles)
        return with_timeline(self.verify(draft, evidence), stages, evidence.articles)

    def concluded(self, evidence: Evidence) -> Answer:
        """The reader's draft from the evidence, verified."""
        return self.verify(self.reader.read(evidence), evidence)

    def stream(self, query: Query) -> Iterator[str | Answer]:
        """The reader's text as it is written (LLM readers), then the verified Answer."""
        if query.timeline:
            yield self.with_timeline(query)
            return
        evidence = self.retrieve(query)
        for piece in self.reader.stream(evidence):
            yield self.verify(piece, evidence) if isinstance(piece, Draft) else piece

    def standalone(self, query: Query) -> Resolved:
        """A follow-up made to stand alone (qa/followup.py); with an LLM reader, rewritten by
        the LLM unless it chooses among the previous answer's items."""
        resolved = resolve(query)
        earlier = query.earlier_questions
        if earlier and not resolved.choices and isinstance(self.reader,
                                                           LLMReader | ChoosingReader):
            rewritten = rewrite(self.reader.llm, query.question, earlier)
            if rewritten:
                return Resolved(rewritten)
        return resolved


@functools.lru_cache(maxsize=4)
def pipeline(settings: Settings) -> Pipeline:
    """Store, model, retriever and reader for these settings, opened once per process."""
    go_offline()
    embeddings = MiniLMEmbeddings(threads=settings.threads, embedder=settings.embedder)
    retriever = Retriever(Store(settings), embeddings, k=settings.k)
    retriever.refresh()  # questions are embedded as the served vectors were:
    refuse_mixed(settings, retriever.derived.vectors.embedder, embeddings.embedder)
    reader = extractive = ExtractiveReader(embeddings)
    llm = llm_from(settings)
    if llm and settings.llm_style == "choose":
        reader = ChoosingReader(llm, extractive)
    elif llm:
        reader = LLMReader(llm, extractive, settings.llm_max_tokens)
    return Pipeline(retriever=retriever, reader=reader, extractive=extractive)


def ready_in_background(settings: Settings) -> None:
    """For a server, ahead of its first question: its pipeline opened, and its store
    connected (Chroma imported, about a second), so that the first question after a build
    reads the changes without that wait. A failure is left for a question to report."""

    def ready() -> None:
        with contextlib.suppress(Exception):
            pipeline(settings).retriever.store.connect()

    threading.Thread(target=ready, name="newsqa-ready", daemon=True).start()
