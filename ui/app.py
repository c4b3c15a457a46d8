"""The web chat (Gradio): questions, sources, filters, index updates and article uploads; the
conversation is kept in the person's own browser."""

from __future__ import annotations

import dataclasses
import logging
import secrets
from collections.abc import Iterator
from pathlib import Path

import gradio as gr

from index.settings import Settings
from qa.api import answer, stream
from qa.citations import Answer
from qa.errors import Busy, UserError
from qa.llm import llm_from
from qa.query import Turn
from ui.actions import add_files, add_url, reindex
from ui.examples import offered
from ui.followed import follow_last, followed_html, mark_read
from ui.gate import Gate
from ui.render import answer_markdown, safe_markdown, sources_html

log = logging.getLogger("newsqa")

CSS = """
.newsqa-sources, .newsqa-quotes { list-style: none; padding-left: 0; }
.newsqa-source blockquote { margin: .3em 0 .8em; color: var(--body-text-color-subdued); }
.newsqa-source mark { background: #fff3a3; color: #000; }
"""


def ask_stream(question: object, history, settings: Settings, **filters
               ) -> Iterator[tuple[str, str | None]]:
    """(answer markdown, None) while an LLM writes, then (verified answer markdown, sources
    HTML); failures become sentences, not traces. `filters`: since, until (YYYY-MM-DD or
    empty) and sources, as for answer()."""
    written = ""
    try:
        filters = {name: value or None for name, value in filters.items()}
        for piece in stream(question, history=chat_turns(history), settings=settings,
                            **filters):
            if isinstance(piece, Answer):
                result = piece
            else:
                written += piece
                yield safe_markdown(written), None
    except UserError as e:  # what to do, in the chat
        yield str(e), ""
        return
    except Exception as e:  # the user gets a sentence; the log keeps the details
        log.exception("answering failed")
        yield (f"Something went wrong while answering ({e.__class__.__name__}). "
               "Try again; if it persists, run `newsqa index`."), ""
        return
    yield answer_markdown(result), sources_html(result)


def chat_turns(history) -> list:
    """Gradio's messages, whose content is text or a list of parts, as Turn records (other
    items, such as (question, answer) pairs, as they are)."""
    turns = []
    for message in history or ():
        if not isinstance(message, dict):
            turns.append(message)
            continue
        content = message.get("content") or ""
        if isinstance(content, list):
            content = " ".join(p.get("text", "") if isinstance(p, dict) else str(p)
                               for p in content)
        if message.get("role") in ("user", "assistant"):
            turns.append(Turn(role=message["role"], text=str(content)))
    return turns


def plain_answer(question: object, settings: Settings) -> str:
    """The answer's text with its [n] markers and notes, as `newsqa ask` prints it, or the
    sentence that says what went wrong."""
    try:
        result = answer(question, settings=settings)
    except UserError as e:
        return str(e)
    return "\n\n".join([result.text, *result.notes])


def reader_label(settings: Settings) -> str:
    llm = llm_from(settings)
    return f"**LLM** ({llm.name}), citations verified" if llm else \
        "**extractive** (offline, no LLM)"


def browser_key(settings: Settings) -> str:
    """The key that seals conversations kept in browsers, next to the index so that it
    survives restarts (a new key would make every saved conversation unreadable)."""
    path = Path(settings.index_dir).with_name("browser.key")
    try:
        return path.read_text().strip()
    except OSError:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(key := secrets.token_urlsafe(32))
        return key


EMPTY_PANEL = "<p>Sources appear here.</p>"


@dataclasses.dataclass
class Handlers:
    """What the chat's events call, bound to the settings and the one concurrency gate."""

    settings: Settings
    gate: Gate

    def respond(self, message: str, history: list, since: str | None, until: str | None,
                chosen: list[str], timeline: bool = False):
        history = list(history or [])
        asked = {"role": "user", "content": safe_markdown(message or "")}
        try:
            with self.gate.slot():
                for text, found in ask_stream(message, history, self.settings,
                                              since=(since or "").strip(),
                                              until=(until or "").strip(), sources=chosen,
                                              timeline=timeline):
                    turn = history + [asked, {"role": "assistant", "content": text}]
                    if found is None:  # still being written
                        yield "", turn, gr.skip(), gr.skip(), gr.skip()
                    else:
                        found = found or "<p>No sources for this message.</p>"
                        yield "", turn, found, turn, found
        except Busy as e:
            yield message, history + [asked, {"role": "assistant", "content": str(e)}], \
                gr.skip(), gr.skip(), gr.skip()

    def refreshed(self, line: str):
        """After the index changed: its line, the examples and outlets it offers now, and
        the followed questions with the changes it brought."""
        questions, names = offered(self.settings)
        return line, gr.Dataset(samples=[[q] for q in questions]), gr.Dropdown(choices=names), \
            followed_html(self.settings)

    def follow(self, history: list):
        """Follow the last question asked: a line saying so, and the followed panel."""
        try:
            with self.gate.slot():
                line = follow_last(chat_turns(history), self.settings)
        except Busy as e:
            line = str(e)
        return line, followed_html(self.settings)

    def update_index(self, progress=gr.Progress()):  # noqa: B008 (Gradio injects it this way)
        return self.refreshed(reindex(self.settings, lambda done, total, *_: progress(
            (done, total), unit="chunks")))

    def added_url(self, url: str):
        return "", *self.refreshed(add_url(url, self.settings))

    def added_files(self, files):
        return None, *self.refreshed(add_files(files, self.settings))

    def chat(self, question: str) -> str:
        """Answer one question; returns the answer's text with its [n] markers."""
        try:
            with self.gate.slot():
                return plain_answer(question, self.settings)
        except Busy as e:
            raise gr.Error(str(e)) from None


def chat_blocks(settings: Settings, gate: Gate):
    on = Handlers(settings, gate)
    questions, names = offered(settings)
    with gr.Blocks(title="newsqa") as blocks:
        gr.Markdown("## newsqa\nAsk about the coverage. Every answer quotes its sources. "
                    f"Reader: {reader_label(settings)}.")
        secret = browser_key(settings)
        kept = gr.BrowserState([], storage_key="newsqa-conversation", secret=secret)
        kept_sources = gr.BrowserState(EMPTY_PANEL, storage_key="newsqa-sources",
                                       secret=secret)
        parts = _layout(questions, names)
        chatbot, panel, box = parts["chatbot"], parts["panel"], parts["box"]
        parts["examples"].click(lambda sample: sample[0], parts["examples"], box,
                                api_visibility="private")
        box.submit(on.respond, [box, chatbot, parts["since"], parts["until"], parts["chosen"],
                                parts["timeline"]],
                   [box, chatbot, panel, kept, kept_sources], api_visibility="private")
        followed = parts["followed"]
        parts["follow"].click(on.follow, chatbot, [parts["follow_status"], followed],
                              api_visibility="private")
        parts["mark_read"].click(lambda: mark_read(settings), None, followed,
                                 api_visibility="private")
        blocks.load(lambda: followed_html(settings), None, followed, api_visibility="private")
        parts["clear"].click(lambda: ([], [], EMPTY_PANEL, EMPTY_PANEL), None,
                             [chatbot, kept, panel, kept_sources], api_visibility="private")
        blocks.load(lambda saved, shown: (saved or [], shown or EMPTY_PANEL),
                    [kept, kept_sources], [chatbot, panel], api_visibility="private")
        index_changed = [parts["status"], parts["examples"], parts["chosen"], followed]
        parts["button"].click(on.update_index, None, index_changed, api_visibility="private")
        parts["url"].submit(on.added_url, parts["url"], [parts["url"], *index_changed],
                            api_visibility="private")
        parts["files"].upload(on.added_files, parts["files"], [parts["files"], *index_changed],
                              api_visibility="private")
        gr.api(on.chat, api_name="chat")
    return blocks


def _layout(questions: list[str], names: list[str]) -> dict:
    """The chat's components, by name: the conversation and its box, the examples, the
    filters; the sources panel and the index controls beside them."""
    with gr.Row():
        with gr.Column(scale=3):
            chatbot = gr.Chatbot(label="Chat", height=460, sanitize_html=True,
                                 feedback_options=None, buttons=["copy", "copy_all"],
                                 elem_id="chat")
            box = gr.Textbox(placeholder="Ask about the coverage…", show_label=False,
                             elem_id="question", submit_btn="Ask")
            with gr.Row():
                examples = gr.Dataset(components=[box], samples=[[q] for q in questions],
                                      label="Try", type="values", elem_id="examples")
                clear = gr.Button("Clear conversation", elem_id="clear", size="sm", scale=0)
            with gr.Row():
                timeline = gr.Checkbox(label="Timeline: how the answer changed over time",
                                       elem_id="timeline")
                follow = gr.Button("Follow this question", elem_id="follow", size="sm",
                                   scale=0)
            follow_status = gr.Markdown(elem_id="follow-status")
            with gr.Accordion("Filters", open=False):
                with gr.Row():
                    since = gr.DateTime(label="Published since", include_time=False,
                                        type="string", elem_id="since")
                    until = gr.DateTime(label="Published until", include_time=False,
                                        type="string", elem_id="until")
                chosen = gr.Dropdown(names, value=[], multiselect=True, allow_custom_value=True,
                                     label="Sources", elem_id="sources-filter")
        with gr.Column(scale=2):
            panel = gr.HTML(EMPTY_PANEL, elem_id="sources")
            with gr.Accordion("Followed", open=False, elem_id="followed-panel"):
                followed = gr.HTML(elem_id="followed")
                mark = gr.Button("Mark changes read", elem_id="mark-read", size="sm")
            with gr.Accordion("Index", open=False):
                button = gr.Button("Update index", elem_id="update-index")
                status = gr.Textbox(label="Last update", interactive=False,
                                    elem_id="index-status")
                url = gr.Textbox(label="Add an article from the web", placeholder="https://…",
                                 elem_id="add-url", submit_btn="Add")
                files = gr.File(label="Drop article files here", file_count="multiple",
                                elem_id="upload", type="filepath")
    return {"chatbot": chatbot, "box": box, "examples": examples, "clear": clear,
            "since": since, "until": until, "chosen": chosen, "panel": panel,
            "button": button, "status": status, "url": url, "files": files,
            "timeline": timeline, "follow": follow, "follow_status": follow_status,
            "followed": followed, "mark_read": mark}
