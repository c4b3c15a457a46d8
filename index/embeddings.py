"""The packaged all-MiniLM-L6-v2 model, offline, with LangChain's Embeddings methods
(`embed_documents`, `embed_query`). It does not subclass LangChain's class, whose import
(LangChain's runnables and callbacks) costs a cold `newsqa ask` 0.3 s; LangChain takes any
object with those methods (tests/test_evaluate.py runs it under langchain-chroma)."""

from __future__ import annotations

import contextlib
import functools
import os
import sys
import threading
from typing import get_args

import numpy as np

from index.minilm import model_dir, numpy_model
from index.settings import Embedder, go_offline

DIMENSIONS = 384
# How the model runs. "torch": float32 weights, any CPU. "torch-bf16": bfloat16 weights, for
# CPUs with bfloat16 instructions (AVX-512 BF16 or AMX), where it is ~2.5x faster with
# vectors within a cosine of 0.996 of float32's; elsewhere bfloat16 is emulated and slow.
EMBEDDERS = tuple(name for name in get_args(Embedder) if name != "auto")
BF16_FLAGS = {"avx512_bf16", "amx_bf16"}  # /proc/cpuinfo flags of native bfloat16 math
# Until a process has loaded torch, the float32 model runs in numpy (index/minilm.py) for
# calls of at most this many texts: a question and the reader's dozen sentences take
# 0.03-0.4 s either way, and a cold `newsqa ask` skips the 8 s import of torch and
# sentence-transformers. Larger calls (builds) load torch, 1.3-2x faster there on 2 cores;
# once it is loaded, every call uses it (a warm answer's p50 0.47 s against numpy's 0.50 s).
# Under "torch-bf16" too: float32 vectors of a question and its sentences, against chunks
# embedded in bfloat16, answer the dev questions as well (docs/experiments.md).
NUMPY_TEXTS = 64


def cpu_flags() -> set[str]:
    try:
        with open("/proc/cpuinfo") as f:
            return next((set(line.split(":", 1)[1].split()) for line in f
                         if line.startswith("flags")), set())
    except OSError:
        return set()


def embedder_named(name: str) -> str:
    """The embedder a setting names: "auto" is the fastest this CPU runs well."""
    if name == "auto":
        return "torch-bf16" if BF16_FLAGS & cpu_flags() else "torch"
    if name not in EMBEDDERS:
        raise ValueError(f"NEWSQA_EMBEDDER must be auto, {' or '.join(EMBEDDERS)}, "
                         f"not {name!r}.")
    return name


_torch_import = threading.Lock()


@contextlib.contextmanager
def torch_hidden():
    """Within it, `import torch` fails unless torch is already imported. For libraries that
    import torch when they can but need not: spaCy's thinc costs a cold start 2 s for it."""
    with _torch_import:
        hide = "torch" not in sys.modules
        if hide:
            sys.modules["torch"] = None
        try:
            yield
        finally:
            if hide:
                del sys.modules["torch"]


@functools.cache
def _model(threads: int, embedder: str):
    """One model per process and embedder, loaded on first use from the installed package
    (never a hub)."""
    go_offline()
    with _torch_import:  # never while torch_hidden() hides it
        import torch
        from sentence_transformers import SentenceTransformer

    torch.set_num_threads(threads or os.cpu_count() or 1)
    model = SentenceTransformer(str(model_dir()), device="cpu")
    return model.to(torch.bfloat16) if embedder == "torch-bf16" else model


class MiniLMEmbeddings:
    """Normalised 384-d embeddings; `calls` counts the texts embedded (for tests and reports).
    `embedder` says how the model runs (EMBEDDERS, or "auto")."""

    def __init__(self, threads: int = 0, batch_size: int = 8, embedder: str = "auto"):
        self.threads = threads
        self.batch_size = batch_size
        self.embedder = embedder_named(embedder)
        self.calls = 0
        self._lock = threading.Lock()

    def encode(self, texts: list[str], batch_size: int | None = None) -> np.ndarray:
        """Texts are sorted by length and encoded `batch_size` at a time. Small batches pad
        less and hold less memory: on 2 cores, with 8 rather than 64, 150 articles indexed
        in 39 s instead of 47 s, at a 0.85 GB peak instead of 1.2 GB. Many short texts of
        about one length (names, phrases) go faster in one batch."""
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        with self._lock:
            self.calls += len(texts)
        if len(texts) <= NUMPY_TEXTS and "sentence_transformers" not in sys.modules:
            return numpy_model().encode(list(texts), batch_size or self.batch_size)
        vectors = _model(self.threads, self.embedder).encode(
            list(texts),
            batch_size=batch_size or self.batch_size,
            normalize_embeddings=True,
            convert_to_tensor=True,
            show_progress_bar=False,
        )
        return vectors.float().numpy()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.encode(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.encode([text])[0].tolist()
