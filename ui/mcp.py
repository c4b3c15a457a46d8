"""`newsqa mcp`: the index for agents, over the Model Context Protocol (stdio, or streamable
HTTP behind the chat's login rules). Tools: `ask` (a cited answer, with its timeline when
asked), `search` (passages), `follow` and `unfollow` (questions re-answered after updates)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from importlib.metadata import version

from pydantic import BaseModel

from index.settings import Settings
from qa.citations import Answer, Citation, Passage, Stage
from qa.errors import UserError
from ui.gate import Gate
from ui.running import running


class Asked(BaseModel):
    answer: str  # markdown with [n] markers that refer to `citations`
    abstained: bool
    citations: list[Citation]
    timeline: list[Stage] = []  # with timeline=true: the answers over time, oldest first


@contextmanager
def sentences() -> Iterator[None]:
    """What the user should fix or wait for reaches the agent as the tool's error text."""
    from mcp.server.mcpserver.exceptions import ToolError

    try:
        yield
    except UserError as e:
        raise ToolError(str(e)) from None


def answered(settings: Settings, question: str, **options) -> Answer:
    """The answer of the chat server running for this index when there is one (no model to
    load here), else this process's own."""
    remote = running(settings)
    reply = remote.post("/api/answer", {"question": question, **options}) if remote else None
    if reply is not None:
        return Answer.from_dict(reply)
    from qa.api import answer  # the model's stack, loaded only when this process answers

    return answer(question, settings=settings, **options)


def searched(settings: Settings, query: str, **options) -> list[Passage]:
    remote = running(settings)
    reply = remote.post("/api/search", {"query": query, **options}) if remote else None
    if reply is not None:
        return [Passage.from_dict(p) for p in reply]
    from qa.api import search

    return search(query, settings=settings, **options)


def build_server(settings: Settings, gate: Gate | None = None):
    """An MCPServer with the tools `ask` and `search` over the index of `settings`."""
    from mcp.server.mcpserver import MCPServer

    gate = gate or Gate()
    server = MCPServer("newsqa", version=version("newsqa"), instructions=(
        "Answers questions about the indexed news coverage. `ask` returns a short answer whose "
        "[n] markers cite verbatim quotes; `search` returns the passages it would read."),
        log_level="WARNING")

    @server.tool()
    def ask(question: str, as_of: str | None = None, since: str | None = None,
            until: str | None = None, sources: list[str] | None = None,
            history: list[dict[str, str]] | None = None, timeline: bool = False) -> Asked:
        """Answer a question from the news coverage, citing verbatim quotes. Dates are
        YYYY-MM-DD: `as_of` ignores later articles; `since`/`until` limit publication
        dates; `sources` limits outlets or web sites. `history`: the conversation so far
        as {"role": "user" | "assistant", "content": text} messages, oldest first, for a
        follow-up ("Which of them runs Netflix?"). `timeline`: also the distinct answers the
        coverage gave over time, oldest first, each with its first and last day and the
        numbers of the citations that state it."""
        with sentences(), gate.slot():
            result = answered(settings, question, as_of=as_of, since=since, until=until,
                              sources=sources, history=history,
                              **({"timeline": True} if timeline else {}))
        return Asked(answer=result.text, abstained=result.abstained,
                     citations=list(result.citations), timeline=list(result.timeline))

    @server.tool(name="search")
    def search_tool(query: str, k: int = 5, as_of: str | None = None,
                    since: str | None = None, until: str | None = None,
                    sources: list[str] | None = None) -> list[Passage]:
        """The best passages of the coverage for a query, best first: each with its article's
        title, date, URL and the passage's character offsets in the article."""
        with sentences(), gate.slot():
            return searched(settings, query, k=k, as_of=as_of, since=since, until=until,
                            sources=sources)

    add_follow_tools(server, settings, gate)
    return server


def add_follow_tools(server, settings: Settings, gate: Gate) -> None:
    """`follow` and `unfollow`: questions re-answered after every index update."""

    @server.tool()
    def follow(question: str, history: list[dict[str, str]] | None = None,
               webhook: str | None = None) -> Asked:
        """Follow a question: after every index update it is answered again, and a change of
        its answer is recorded (and POSTed as JSON to `webhook`, when given). Returns its
        answer now."""
        from qa.follow.following import follow as follow_question
        from qa.query import Query

        with sentences(), gate.slot():
            now, _ = follow_question(Query.parse(question, settings, history=history),
                                     settings, webhook=webhook or "")
        return Asked(answer=now.text, abstained=now.abstained, citations=list(now.citations),
                     timeline=list(now.timeline))

    @server.tool()
    def unfollow(question: str) -> str:
        """Stop following a question (its text as followed)."""
        from qa.follow.book import Book

        with sentences():
            return f"No longer following “{Book.of(settings).drop(question).query.question}”."


def http_app(settings: Settings, auth: tuple[str, str] | None, host: str):
    """The MCP server as a Starlette app at /mcp, behind the chat's login when `auth` is set."""
    from ui.http import guarded  # starlette: loaded only when MCP is served over HTTP

    app = build_server(settings).streamable_http_app(host=host)
    return guarded(app, auth) if auth else app
