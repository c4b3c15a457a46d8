"""Article files handed over by a person (the chat's drop zone): checked like any article
file, copied into the article folder under their own names, never over an existing file."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from index.articles import MAX_FILE_BYTES, SUFFIXES

# How many "-2", "-3", ... names are tried before an upload is refused as a name clash.
MAX_NAME_TRIES = 1000


@dataclass(frozen=True)
class Saved:
    name: str  # the name the file was given
    path: Path | None  # where it was saved, or None when it was refused
    message: str  # one line for the user


def readable_suffix(name: str) -> bool:
    parts = [s.lower() for s in Path(name).suffixes]
    if parts and parts[-1] == ".gz":
        parts.pop()
    return bool(parts) and parts[-1] in SUFFIXES


def save_upload(source: Path, name: str, folder: Path) -> Saved:
    """Copy `source` into `folder` as `name` (only its last part, made safe), or as
    `name-2`, `name-3`... when that name is taken; refused with a sentence when the file is
    of a kind `newsqa index` does not read or larger than it reads."""
    base = re.sub(r"[^\w.\- ]+", "_", Path(name).name).strip(" .") or "article.txt"
    if not readable_suffix(base):
        return Saved(name, None, f"skipped {name}: newsqa reads {', '.join(SUFFIXES)} files "
                     "(optionally gzipped)")
    try:
        size = source.stat().st_size
    except OSError as e:
        return Saved(name, None, f"skipped {name}: {e.strerror or e}")
    if size > MAX_FILE_BYTES:
        return Saved(name, None, f"skipped {name}: larger than {MAX_FILE_BYTES // 1_000_000} MB")
    folder.mkdir(parents=True, exist_ok=True)
    stem, dot, suffix = base.partition(".")
    for n in range(1, MAX_NAME_TRIES):
        path = folder / (base if n == 1 else f"{stem}-{n}{dot}{suffix}")
        try:
            with source.open("rb") as src, path.open("xb") as out:  # "x": never overwrite
                shutil.copyfileobj(src, out)
        except FileExistsError:
            continue
        return Saved(name, path, f"saved: {path}")
    return Saved(name, None, f"skipped {name}: too many files named {base}")
