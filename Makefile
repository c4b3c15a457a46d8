# Two commands: `make chat` (set up, index seeds/, start the chat) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: chat test test-3.13 setup setup-test lint screenshots

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

# The llm extra compiles llama.cpp (about 7 minutes on 2 cores) for any x86-64, once: the
# wheel is cached in its own folder, apart from wheels built for one CPU.
$(VENV)/.installed-test: $(VENV)/.installed
	CMAKE_ARGS="-DGGML_NATIVE=OFF" $(BIN)/pip install --quiet \
		--cache-dir $(HOME)/.cache/newsqa-pip -e '.[test,llm]'
	touch $@

# The README's pictures (docs/*.png), taken in a real browser from the chat on seeds/.
screenshots: setup-test /usr/bin/chromium
	$(BIN)/python bench/screenshots.py

# The browser tests drive Debian's chromium (never a downloaded browser build).
/usr/bin/chromium:
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

# The suite but its browser tests on Python 3.13 (pyenv's), in a venv of its own; CI runs it
# after `make test`. On 3.13, PyPI's torch 2.13.0 is the CUDA build (about 3 GB to download).
PY313 := $(firstword $(wildcard $(HOME)/.pyenv/versions/3.13*/bin/python) python3.13)
VENV313 := .venv-3.13

test-3.13: $(VENV313)/.installed-test
	$(VENV313)/bin/python -m pytest -m "not browser"

$(VENV313)/.installed-test: pyproject.toml
	$(PY313) -m venv $(VENV313)
	$(VENV313)/bin/pip install --quiet --upgrade pip
	CMAKE_ARGS="-DGGML_NATIVE=OFF" $(VENV313)/bin/pip install --quiet \
		--cache-dir $(HOME)/.cache/newsqa-pip -e '.[test,llm]'
	touch $@
