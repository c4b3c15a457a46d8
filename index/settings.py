"""The one settings object: defaults in code, overridable by NEWSQA_* variables and flags."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from index.offline import OFFLINE_ENV, go_offline  # noqa: F401 (where callers find them)

# How the embedding model runs (index/embeddings.py); "auto" picks by the CPU.
Embedder = Literal["auto", "torch", "torch-bf16"]


class Settings(BaseSettings):
    """Where the index lives and how questions are answered."""

    model_config = SettingsConfigDict(env_prefix="NEWSQA_", frozen=True, extra="ignore")

    articles: Path = Field(Path("seeds"), description="Default folder of article files.")
    index_dir: Path = Field(Path(".newsqa/index"), description="Embedded Chroma directory.")
    chroma_url: str | None = Field(None, description="Chroma server URL; overrides index_dir.")
    collection: str = Field("newsqa", min_length=3)
    chunk_chars: int = Field(600, ge=100, le=4000)
    batch_chunks: int = Field(256, ge=1)
    threads: int = Field(0, ge=0, description="Torch threads; 0 means one per core.")
    embedder: Embedder = Field("auto", description="How the embedding model runs: torch, "
                          "torch-bf16, or auto (torch-bf16 where the CPU has bfloat16 math).")
    k: int = Field(8, ge=1, le=50, description="Chunks read per question.")
    max_question_chars: int = Field(2000, ge=1)
    llm_url: str | None = Field(None, description="OpenAI-compatible server, e.g. "
                                "http://127.0.0.1:8080/v1 (Ollama, vLLM, llama.cpp, OpenAI).")
    llm_model: str = Field("default", description="Model name sent to the LLM server.")
    llm_api_key: str | None = Field(None, repr=False, description="API key for the LLM server.")
    llm_gguf: Path | None = Field(None, description="A local GGUF model (needs newsqa[llm]).")
    llm_style: Literal["choose", "write"] = Field(
        "choose", description="How the LLM answers: choose (a short answer and the numbers of "
        "the extractive reader's best sentences that state it; for small local models) or "
        "write (a few sentences citing [n], for large models).")
    llm_timeout_s: float = Field(60.0, gt=0, description="Longest wait for the LLM.")
    llm_max_tokens: int = Field(256, ge=16, le=4096)
    fetch_timeout_s: float = Field(15.0, gt=0, description="Per web page or feed fetched.")
    fetch_max_bytes: int = Field(5_000_000, ge=1000, description="Largest page or feed read.")
    allow_private: bool = Field(False, description="Let `add`, `feed` and the chat's Add URL "
                                "fetch from loopback and private addresses (your own network).")
    auth: str | None = Field(None, repr=False, description="user:password that the chat, its "
                             "APIs and `newsqa mcp --port` require.")
    feeds: tuple[str, ...] = Field((), description="Feeds `newsqa feed` polls when given none.")
