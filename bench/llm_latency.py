"""Time to the first streamed token and to the verified answer with a local LLM, next to the
extractive reader in the same process, on the dev questions and an index built by
`newsqa eval` (its --index-dir).

    python bench/llm_latency.py --index-dir /tmp/eval-index -n 20 [--gguf PATH] [--style choose]

Without --gguf, the Qwen2.5-1.5B model of bench/model.py.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from index.settings import Settings  # noqa: E402
from qa.api import stream  # noqa: E402
from qa.evaluate import load_questions  # noqa: E402

QUESTIONS = Path(__file__).resolve().parents[2] / "shared/data/realtimeqa-2023/questions-dev.jsonl"


def timed(question: dict, settings: Settings) -> tuple[float | None, float]:
    """Seconds to the first streamed piece of text (None if nothing was streamed) and to
    the verified answer."""
    started, first = time.perf_counter(), None
    for piece in stream(question["question"], settings=settings,
                        as_of=question["question_date"].replace("/", "-")):
        if isinstance(piece, str) and first is None:
            first = time.perf_counter() - started
    return first, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--index-dir", type=Path, required=True)
    parser.add_argument("-n", type=int, default=20)
    parser.add_argument("--gguf", type=Path)
    parser.add_argument("--style", default="choose")
    args = parser.parse_args()
    if args.gguf is None:
        from model import model_path

        args.gguf = model_path()
    plain = Settings(index_dir=args.index_dir)
    with_llm = plain.model_copy(update={"llm_gguf": args.gguf, "llm_style": args.style})
    questions = load_questions(QUESTIONS, args.n, 0, True)
    for settings in (plain, with_llm):
        timed(questions[-1], settings)  # warm: model loaded, prompt prefix cached
    extractive = [timed(q, plain)[1] for q in questions]
    llm = [timed(q, with_llm) for q in questions]
    firsts = [f for f, _ in llm if f is not None]
    print(f"questions: {len(questions)}; model {args.gguf.name}, style {args.style}")
    print(f"extractive answer p50 {statistics.median(extractive):.2f} s")
    if firsts:
        print(f"LLM first token p50 {statistics.median(firsts):.2f} s, "
              f"max {max(firsts):.2f} s ({len(firsts)} streamed)")
    print(f"LLM verified answer p50 {statistics.median(t for _, t in llm):.2f} s, "
          f"max {max(t for _, t in llm):.2f} s")


if __name__ == "__main__":
    main()
