"""One writer at a time for the index, or for one shard of its articles."""

from __future__ import annotations

import contextlib
import hashlib
import tempfile
from collections.abc import Iterator
from pathlib import Path

from index.settings import Settings
from index.store import IndexBusy, where


@contextlib.contextmanager
def exclusive(settings: Settings, shard: object = None) -> Iterator[None]:
    """Hold the index (or one shard of its articles) for writing; a second writer of the
    same gets IndexBusy instead of interleaving. A lock file on this machine: indexers on
    several machines each take their own shards. Shards of an embedded index still write
    one at a time (embedded Chroma takes one writer); a Chroma server takes them at once."""
    from filelock import FileLock, Timeout

    sharded = settings.chroma_url and shard and str(shard) != "1/1"
    part = f".shard-{str(shard).replace('/', '-of-')}" if sharded else ""
    if settings.chroma_url:
        key = hashlib.sha256(f"{settings.chroma_url} {settings.collection}".encode()).hexdigest()
        path = Path(tempfile.gettempdir()) / f"newsqa-{key[:16]}{part}.lock"
    else:
        path = Path(settings.index_dir) / f"write{part}.lock"
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with FileLock(path, timeout=0):
            yield
    except Timeout:
        raise IndexBusy(
            f"Another `newsqa index` is updating the index at {where(settings)}"
            f"{f' (shard {shard})' if part else ''}. "
            "Wait for it to finish, then run the command again."
        ) from None
