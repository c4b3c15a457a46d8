"""`newsqa eval` on natural questions: asked as people type them into a chat, over small
folders of one to four articles and over the RealTimeQA coverage as a haystack, scored by
kind (who, list, number, when, where, what, follow-up, unanswerable).

A question file is JSONL, one question a line:

    {"id": "n001", "kind": "list", "question": "Who attended the talks?",
     "history": [{"role": "user", "content": "..."}, {"role": "assistant", "content": "..."}],
     "articles": ["../../seeds/a.txt", "folders/cafe.md", "corpus:1adec49dfa7d17bf"],
     "article": "folders/cafe.md", "as_of": "2023-09-23",
     "answer": ["René Dubois"] | "all": ["Bob Iger", "..."] | "abstain": true,
     "evidence": "the sentence of `article` that answers it"}

`articles` is the folder the question is asked over (paths relative to the file, or corpus
articles by id), or "haystack": the index of every article of the RealTimeQA dev questions.
Questions are split in halves by the article that answers them (`fit` and `held`, see
halves()), so that nothing tuned on one half has seen the other's articles."""

from __future__ import annotations

import gzip
import hashlib
import json
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from index.settings import Settings
from qa.evaluate import answers, load_questions, write_articles
from qa.query import Turn, turns

HAYSTACK = "haystack"
LIST_CHARS = 120  # every item of a list answer within this many characters


@dataclass(frozen=True)
class Item:
    id: str
    kind: str
    question: str
    articles: tuple[str, ...] | str  # the folder's articles, or HAYSTACK
    article: str  # the one that answers it (its half)
    history: tuple[Turn, ...] = ()
    as_of: str | None = None
    answer: tuple[str, ...] = ()  # any of these
    all: tuple[str, ...] = ()  # every one of these
    abstain: bool = False
    evidence: str = ""

    @classmethod
    def from_dict(cls, data: dict) -> Item:
        articles = data["articles"]
        return cls(id=data["id"], kind=data["kind"], question=data["question"],
                   articles=articles if articles == HAYSTACK else tuple(articles),
                   article=data["article"], history=turns(data.get("history") or ()),
                   as_of=data.get("as_of"), answer=tuple(data.get("answer") or ()),
                   all=tuple(data.get("all") or ()), abstain=bool(data.get("abstain")),
                   evidence=data.get("evidence", ""))



@dataclass(frozen=True)
class Marked:
    """One asked question and how its answer did."""

    item: Item
    text: str
    abstained: bool
    seconds: float
    half: str = ""  # "fit" or "held"

    def within(self, chars: int) -> bool:
        """A gold answer (for a list, any item) within the first `chars` characters."""
        return any(answers(self.text[:chars], g) for g in self.item.answer or self.item.all)

    @property
    def whole_list(self) -> bool:
        return all(answers(self.text[:LIST_CHARS], g) for g in self.item.all)

    def as_dict(self) -> dict:
        return {"id": self.item.id, "kind": self.item.kind, "half": self.half,
                "question": self.item.question, "gold": list(self.item.answer or self.item.all),
                "abstain": self.item.abstain, "answer": self.text, "abstained": self.abstained,
                "at60": self.within(60), "at300": self.within(300),
                "list": self.whole_list if self.item.all else None, "seconds": self.seconds}


def halves(items: list[Item]) -> dict[str, str]:
    """Each answering article's half, "fit" or "held": articles with the most questions
    first (ties by a hash of their name), each to the half with fewer questions so far, so
    that the halves are even and no article is in both."""
    count = Counter(i.article for i in items)
    order = sorted(count, key=lambda a: (-count[a], hashlib.sha1(a.encode()).hexdigest()))
    sizes, out = {"fit": 0, "held": 0}, {}
    for article in order:
        half = min(sizes, key=lambda h: (sizes[h], h))
        out[article], sizes[half] = half, sizes[half] + count[article]
    return out


def is_natural(path: Path) -> bool:
    """Whether a question file is in this format (not RealTimeQA's)."""
    first = next((line for line in path.read_text().splitlines() if line.strip()), "{}")
    return "kind" in json.loads(first)


def load(path: Path) -> list[Item]:
    return [Item.from_dict(json.loads(line)) for line in path.read_text().splitlines()
            if line.strip()]


def scores(marked: list[Marked]) -> dict[str, float]:
    """acc@60 and acc@300 over the answerable questions, then per kind; whole lists within
    LIST_CHARS; abstentions on unanswerable and on answerable questions; p50 seconds."""
    answerable = [m for m in marked if not m.item.abstain]
    lists = [m for m in marked if m.item.all]
    unanswerable = [m for m in marked if m.item.abstain]
    out: dict[str, float] = {"questions": len(marked), **_accuracy("", answerable)}
    for kind in sorted({m.item.kind for m in answerable}):
        out |= _accuracy(f"{kind} ", [m for m in answerable if m.item.kind == kind])
    out["list whole@120"] = _share(m.whole_list for m in lists)
    out["unanswerable abstained"] = _share(m.abstained for m in unanswerable)
    out["answerable abstained"] = _share(m.abstained for m in answerable)
    out["p50 s"] = statistics.median(m.seconds for m in marked) if marked else 0.0
    return out


def _accuracy(prefix: str, marked: list[Marked]) -> dict[str, float]:
    return {f"{prefix}n": len(marked), f"{prefix}acc@60": _share(m.within(60) for m in marked),
            f"{prefix}acc@300": _share(m.within(300) for m in marked)}


def _share(flags: Iterable[bool]) -> float:
    flags = list(flags)
    return sum(flags) / len(flags) if flags else 0.0


Ask = Callable[[Item, Settings], tuple[str, bool]]


def run(path: Path, corpus: Path, *, haystack: Path | None, index_dir: Path | None,
        out: Path | None, ask: Ask | None = None, only: str | None = None,
        llm: dict | None = None, keep: Callable[[Item], bool] = lambda item: True
        ) -> dict[str, dict[str, float]]:
    """Scores of each half and of both, asking each folder's questions over an index of
    that folder; HAYSTACK questions over `index_dir` holding the articles of the
    RealTimeQA questions in `haystack` (skipped without it). `only`: one half's questions;
    `llm`: the LLM settings of the reader asked (llm_gguf or llm_url, llm_style); `keep`:
    which questions to ask."""
    from index.build import build

    items, marked = load(path), []
    half = halves(items)
    items = [i for i in items if only in (None, half[i.article]) and keep(i)]
    ask = ask or _ask
    with tempfile.TemporaryDirectory() as tmp:
        folders: dict[tuple[str, ...] | str, list[Item]] = {}
        for item in items:
            folders.setdefault(item.articles, []).append(item)
        for n, (articles, asked) in enumerate(folders.items()):
            if articles == HAYSTACK:
                if haystack is None:
                    continue
                settings = Settings(index_dir=index_dir or Path(tmp) / "haystack", **llm or {})
                ids = {d for q in load_questions(haystack, None, 0, True) for d in q["gcs_doc_ids"]}
                folder = Path(tmp) / "haystack-articles"
                write_articles(corpus, ids, folder)
            else:
                settings = Settings(index_dir=Path(tmp) / f"index-{n}", **llm or {})
                folder = folder_of(articles, path.parent, corpus, Path(tmp) / f"folder-{n}")
            build([folder], settings)
            for item in asked:
                started = time.perf_counter()
                text, abstained = ask(item, settings)
                marked.append(Marked(item, text, abstained, time.perf_counter() - started,
                                     half[item.article]))
    if out:
        out.write_text("".join(json.dumps(m.as_dict(), ensure_ascii=False) + "\n"
                               for m in marked))
    return {name: scores([m for m in marked if name in ("both", m.half)])
            for name in ("held", "fit", "both")}


def _ask(item: Item, settings: Settings) -> tuple[str, bool]:
    from qa.api import answer

    result = answer(item.question, history=item.history, as_of=item.as_of, settings=settings)
    return result.text, result.abstained


def folder_of(articles: tuple[str, ...], base: Path, corpus: Path, folder: Path) -> Path:
    """The folder's articles in one directory: files copied, corpus articles as JSONL."""
    folder.mkdir(parents=True)
    ids = {a.removeprefix("corpus:") for a in articles if a.startswith("corpus:")}
    for name in articles:
        if not name.startswith("corpus:"):
            source = base / name
            (folder / source.name).write_bytes(source.read_bytes())
    if ids:
        opener = gzip.open if corpus.suffix == ".gz" else open
        with opener(corpus, "rt") as src, (folder / "corpus.jsonl").open("w") as dst:
            dst.writelines(line for line in src if json.loads(line).get("doc_id") in ids)
    return folder
