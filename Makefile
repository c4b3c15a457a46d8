# Two commands: `make chat` (set up, index seeds/, start the chat) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: chat test setup setup-test lint

chat: setup
	$(BIN)/newsqa chat

test: setup-test /usr/bin/chromium
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

setup: $(VENV)/.installed
setup-test: $(VENV)/.installed-test

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# The browser tests drive Debian's chromium (never a downloaded browser build).
/usr/bin/chromium:
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
