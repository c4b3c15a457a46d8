# Two commands: `make chat` (set up, index seeds/, start the chat) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: chat test setup setup-test lint

chat: setup
	$(BIN)/newsqa index seeds
	$(BIN)/newsqa ask "Who attended the talks?"

test: setup-test
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
