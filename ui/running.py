"""A chat server already running for this index: `newsqa chat` records where it listens, and
`newsqa ask` and `newsqa mcp` put their questions to it instead of loading the model again."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import signal
import sys
import tempfile
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from index.errors import UserError

if TYPE_CHECKING:
    from index.settings import Settings


# How long a command waits for the running server before answering by itself. An answer
# takes ~0.1 s warm; a server that is busy past this is better left to its own users.
REMOTE_TIMEOUT_S = 30.0
# The settings that change what an answer is: a server answers for a command only when these
# are the same for both.
ANSWER_SETTINGS = ("index_dir", "chroma_url", "collection", "k", "embedder", "llm_url",
                   "llm_model", "llm_gguf", "llm_style", "max_question_chars")


class Refused(UserError):
    """The running server answered with an error meant for the user (`status` 400: the
    question; 503: the index or the server is busy)."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


def record_path(settings: Settings) -> Path:
    """Where `newsqa chat` records its address: inside an embedded index's folder; for a
    Chroma server, in this machine's temporary folder, one per server and collection."""
    if settings.chroma_url:
        key = hashlib.sha256(f"{settings.chroma_url} {settings.collection}".encode())
        return Path(tempfile.gettempdir()) / f"newsqa-server-{key.hexdigest()[:16]}.json"
    return Path(settings.index_dir) / "server.json"


def answer_key(settings: Settings) -> str:
    values = [str(Path(v).resolve()) if name == "index_dir" else str(v)
              for name in ANSWER_SETTINGS for v in [getattr(settings, name)]]
    return hashlib.sha256("\x1f".join(values).encode()).hexdigest()[:16]


@contextlib.contextmanager
def announced(settings: Settings, host: str, port: int) -> Iterator[None]:
    """Record this process's server for the commands run beside it, until it stops."""
    local = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    path = record_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {"url": f"http://{local}:{port}", "pid": os.getpid(), "answers": answer_key(settings)}
    temporary = path.with_name(f"{path.name}.{os.getpid()}")
    temporary.write_text(json.dumps(record))
    temporary.replace(path)
    main = threading.current_thread() is threading.main_thread()
    if main:
        # uvicorn passes a SIGTERM on to the handler it found once it has shut down: exit
        # through `finally` below rather than be killed with the record left behind.
        before = signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        yield
    finally:
        if main:
            signal.signal(signal.SIGTERM, before)
        with contextlib.suppress(OSError, ValueError):
            if json.loads(path.read_text()).get("pid") == os.getpid():
                path.unlink()


class Remote:
    """The running server's JSON API, with this command's login if it has one."""

    def __init__(self, url: str, auth: str | None = None):
        self.url = url
        self.headers = {"Content-Type": "application/json"}
        if auth:
            self.headers["Authorization"] = "Basic " + base64.b64encode(auth.encode()).decode()

    def post(self, path: str, body: dict) -> object | None:
        """The server's JSON reply; None when it cannot answer for us (gone, or it wants
        another login), so that the command answers by itself. Raises Refused for an error
        the user should read."""
        request = urllib.request.Request(self.url + path, data=json.dumps(body).encode(),
                                         headers=self.headers)
        try:
            with urllib.request.urlopen(request, timeout=REMOTE_TIMEOUT_S) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as e:
            if e.code in (400, 503):
                with contextlib.suppress(ValueError, AttributeError):
                    raise Refused(json.loads(e.read())["error"], e.code) from None
            return None
        except (OSError, ValueError):
            return None


def running(settings: Settings) -> Remote | None:
    """The server `newsqa chat` runs for the same index and the same answer settings, if
    one is recorded and its process is alive."""
    try:
        record = json.loads(record_path(settings).read_text())
        os.kill(int(record["pid"]), 0)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if record.get("answers") != answer_key(settings):
        return None
    return Remote(str(record["url"]), settings.auth)
