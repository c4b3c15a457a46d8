"""`newsqa.toml`: every setting of Settings in one file (found in the working directory, or
given with --config). Environment variables and command-line flags override the file."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from index.settings import Settings

CONFIG_NAME = "newsqa.toml"


class ConfigError(ValueError):
    """A settings file that cannot be used; the message names the file and the key."""


def read_config(path: Path) -> dict:
    """The settings in a TOML file, checked against Settings' fields (and their types)."""
    from pydantic import ValidationError

    from index.settings import Settings  # pydantic: loaded when settings are read, not for --help

    try:
        values = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise ConfigError(f"{path}: cannot be read ({e.strerror or e}).") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: not valid TOML ({e}).") from None
    known = Settings.model_fields
    for key in values:
        if key not in known:
            raise ConfigError(f"{path}: unknown setting {key!r}; the settings are "
                              f"{', '.join(known)}.")
    try:
        Settings.model_validate(values)  # names the first bad key, e.g. k = "eight"
    except ValidationError as e:
        error = e.errors()[0]
        key = ".".join(str(part) for part in error["loc"])
        raise ConfigError(f"{path}: {key}: {error['msg']}.") from None
    return values


def load_settings(config: Path | None = None, **overrides) -> Settings:
    """Settings from, in rising priority: defaults, the config file (`config`, else
    ./newsqa.toml if there is one), NEWSQA_* environment variables, then `overrides` that
    are not None (command-line flags)."""
    from pydantic import ValidationError

    from index.settings import Settings

    path = config if config is not None else Path(CONFIG_NAME)
    from_file = read_config(path) if config is not None or path.is_file() else {}
    prefix = Settings.model_config["env_prefix"]
    in_env = {name.upper() for name in os.environ}
    values = {key: value for key, value in from_file.items()
              if f"{prefix}{key}".upper() not in in_env}
    values.update({key: value for key, value in overrides.items() if value is not None})
    try:
        return Settings(**values)
    except ValidationError as e:
        error = e.errors()[0]
        key = ".".join(str(part) for part in error["loc"])
        raise ConfigError(f"{key}: {error['msg']} (check NEWSQA_{key.upper()}).") from None
