"""The child process that runs a local GGUF model for `LocalLLM`, so that a model crash
ends this process and not the one serving people.

Reads one JSON request per line on stdin ({"messages", "max_tokens", "schema"}) and answers
each with {"text": ...} lines as the model writes, then {"end": true}, or {"error": ...}.
"""

from __future__ import annotations

import json
import os
import sys


def main(path: str) -> None:
    from llama_cpp import Llama

    cores = len(os.sched_getaffinity(0))  # llama.cpp would use half of them
    model = Llama(model_path=path, n_ctx=4096, n_threads=cores, n_threads_batch=cores,
                  flash_attn=True, verbose=False)  # flash attention reads a prompt ~4% faster
    send({"ready": True})
    for line in sys.stdin:
        request = json.loads(line)
        schema = request.get("schema")
        try:
            for part in model.create_chat_completion(
                    [{"role": r, "content": c} for r, c in request["messages"]],
                    max_tokens=request["max_tokens"], temperature=0, stream=True,
                    response_format={"type": "json_object", "schema": schema} if schema else None):
                text = part["choices"][0].get("delta", {}).get("content")
                if text:
                    send({"text": text})
            send({"end": True})
        except Exception as e:  # a bad request: this one fails, the model stays loaded
            send({"error": f"{e.__class__.__name__}: {e}"})


def send(message: dict) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main(sys.argv[1])
