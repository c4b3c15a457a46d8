"""No downloads and no telemetry: the environment every entry point sets before heavy imports
(kept apart from the settings so that the command line starts without loading pydantic)."""

from __future__ import annotations

import os

OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "ANONYMIZED_TELEMETRY": "False",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "TOKENIZERS_PARALLELISM": "false",
}


def go_offline() -> None:
    """Forbid downloads and telemetry; called by every entry point before heavy imports."""
    for name, value in OFFLINE_ENV.items():
        os.environ.setdefault(name, value)
