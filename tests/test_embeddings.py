"""Embedders: how the model runs, chosen by the CPU, recorded by the index and never mixed."""

import json
import shutil
import sys

import numpy as np
import pytest

from index import embeddings as module
from index.build import build
from index.embeddings import NUMPY_TEXTS, MiniLMEmbeddings, embedder_named, torch_hidden
from index.minilm import numpy_model
from index.store import IndexUnavailable
from qa import answer
from tests.conftest import NAMES, ROOT, SEEDS, settings_for
from tests.test_cli import newsqa


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
    full, half = (module._model(0, embedder).encode(texts, normalize_embeddings=True,
                                                    convert_to_tensor=True).float().numpy()
                  for embedder in ("torch", "torch-bf16"))
    assert half.shape == (3, 384)
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


def test_the_numpy_model_gives_the_torch_vectors():
    texts = ["Who attended the talks?", "", "Bob Iger, David Zaslav and Ted Sarandos attended.",
             "word " * 400,  # past the model's 256 tokens: cut as sentence-transformers cuts
             "The harbour ferry carried 412 passengers on its first day back."] * 2
    by_numpy = numpy_model().encode(texts, batch_size=3)  # batches pad to unequal lengths
    by_torch = module._model(0, "torch").encode(texts, normalize_embeddings=True)
    assert by_numpy.dtype == np.float32 and by_numpy.shape == (10, 384)
    assert np.abs(by_numpy - by_torch).max() < 1e-5
    assert np.abs(by_numpy[0] - by_numpy[2]).max() > 0.01  # not one vector for all


@pytest.mark.parametrize("embedder", ["torch", "torch-bf16"])
def test_small_calls_use_numpy_until_torch_is_loaded(monkeypatch, embedder):
    embeddings = MiniLMEmbeddings(embedder=embedder)
    used = []
    monkeypatch.setattr(module, "numpy_model", lambda: used.append("numpy") or numpy_model())
    monkeypatch.delitem(sys.modules, "sentence_transformers")  # as in a process that never built
    embeddings.encode(["one"] * NUMPY_TEXTS)
    assert used == ["numpy"]
    embeddings.encode(["one"] * (NUMPY_TEXTS + 1))
    assert used == ["numpy"]  # torch, then
    monkeypatch.setitem(sys.modules, "sentence_transformers", object())
    embeddings.encode(["one"])
    assert used == ["numpy"]  # torch is loaded: it serves small calls too


def test_torch_hidden_hides_torch_only_when_it_is_not_loaded():
    assert "torch" in sys.modules  # the tests above loaded it
    with torch_hidden():
        import torch  # noqa: F401  (already loaded: still there)
    saved = sys.modules.pop("torch")
    try:
        with torch_hidden(), pytest.raises(ImportError):
            import torch  # noqa: F401,F811
        assert "torch" not in sys.modules  # nothing left behind
    finally:
        sys.modules["torch"] = saved


def test_a_cold_ask_answers_without_torch(seed_index, tmp_path):
    blocked = tmp_path / "blocked" / "torch"  # a torch that cannot load: none may be needed
    blocked.mkdir(parents=True)
    (blocked / "__init__.py").write_text("raise RuntimeError('torch was loaded')\n")
    asked = newsqa("ask", "Who attended the talks?", "--json", "--index-dir",
                   str(seed_index.index_dir), cwd=tmp_path,
                   env_extra={"PYTHONPATH": f"{blocked.parent}:{ROOT}"})
    assert asked.returncode == 0, asked.stderr
    assert all(name in json.loads(asked.stdout)["text"] for name in NAMES)
