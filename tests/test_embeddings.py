"""Embedders: how the model runs, chosen by the CPU, recorded by the index and never mixed."""

import shutil

import numpy as np
import pytest

from index import embeddings as module
from index.build import build
from index.embeddings import MiniLMEmbeddings, embedder_named
from index.store import IndexUnavailable
from qa import answer
from tests.conftest import SEEDS, settings_for


def test_auto_takes_bf16_only_where_the_cpu_has_bfloat16_math(monkeypatch):
    monkeypatch.setattr(module, "cpu_flags", lambda: {"avx2", "avx512f", "avx512_bf16"})
    assert embedder_named("auto") == "torch-bf16"
    monkeypatch.setattr(module, "cpu_flags", lambda: {"avx2", "avx512f", "amx_bf16"})
    assert embedder_named("auto") == "torch-bf16"
    monkeypatch.setattr(module, "cpu_flags", lambda: {"avx2", "avx512f", "avx512_vnni"})
    assert embedder_named("auto") == "torch"
    assert embedder_named("torch") == "torch"
    with pytest.raises(ValueError, match="NEWSQA_EMBEDDER must be auto, torch or torch-bf16"):
        embedder_named("onnx")


def test_bf16_vectors_stay_close_to_float32():
    texts = ["Bob Iger, David Zaslav and Ted Sarandos attended the talks.",
             "The harbour ferry carried 412 passengers on its first day back.", "Who won?"]
    full = MiniLMEmbeddings(embedder="torch").encode(texts)
    half = MiniLMEmbeddings(embedder="torch-bf16").encode(texts)
    assert half.dtype == np.float32 and half.shape == (3, 384)
    assert np.all(np.sum(full * half, axis=1) > 0.99)
    assert not np.array_equal(full, half)  # really another embedder


def test_an_index_refuses_another_embedder_and_rebuild_switches(tmp_path):
    shutil.copytree(SEEDS, tmp_path / "seeds")
    settings = settings_for(tmp_path, embedder="torch")
    build([tmp_path / "seeds"], settings)
    other = settings_for(tmp_path, embedder="torch-bf16")
    message = (f"The index at {tmp_path / 'index'} was built with the torch embedder, and "
               "this one is torch-bf16: set NEWSQA_EMBEDDER=torch, or run `newsqa index "
               "--rebuild` to embed everything with torch-bf16.")
    with pytest.raises(IndexUnavailable) as refused:
        answer("Who attended the talks?", settings=other)
    assert str(refused.value) == message
    with pytest.raises(IndexUnavailable, match="was built with the torch embedder"):
        build([tmp_path / "seeds"], other)
    assert answer("Who attended the talks?", settings=settings).citations  # untouched

    report = build([tmp_path / "seeds"], other, rebuild=True)
    assert report.new == 1
    assert answer("Who attended the talks?", settings=other).citations
