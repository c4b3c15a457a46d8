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

# The llm extra compiles llama.cpp (about 7 minutes on 2 cores) for any x86-64, once: the
# wheel is cached in its own folder, apart from wheels built for one CPU.
$(VENV)/.installed-test: $(VENV)/.installed
	CMAKE_ARGS="-DGGML_NATIVE=OFF" $(BIN)/pip install --quiet \
		--cache-dir $(HOME)/.cache/newsqa-pip -e '.[test,llm]'
	touch $@

# The browser tests drive Debian's chromium (never a downloaded browser build).
/usr/bin/chromium:
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
