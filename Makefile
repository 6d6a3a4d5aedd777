# Goda exempel — `make run` serves the site, `make test` runs every test.
# Each target bootstraps .venv when needed (on a fresh machine: nothing to install by hand).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 5000
export FLASK_APP := app
# `make run` serves plain http on 127.0.0.1, so session cookies cannot be Secure there.
run: export KB_ENV ?= development

.PHONY: run test install db load reindex check eval bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

db: $(STAMP)
	$(BIN)/flask db upgrade

load: db
	$(BIN)/flask kb load

## run: migrate, load content/, build the index if needed, serve on http://$(HOST):$(PORT)
run: load
	$(BIN)/flask kb check --repair
# The mail sender runs beside the server (every 30 s) and stops with it.
	$(BIN)/flask kb mail send --every 30 & sender=$$!; trap 'kill $$sender' EXIT INT TERM; \
	$(BIN)/flask run --host $(HOST) --port $(PORT)

## test: the whole suite (browser tests skip loudly without Chromium; fail under CI=true)
test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

reindex: $(STAMP)
	$(BIN)/flask kb reindex

check: $(STAMP)
	$(BIN)/flask kb check

## eval: relevance of the running site against the shared judged queries
eval:
	$(BIN)/python ../shared/eval/relevance.py http://$(HOST):$(PORT)

clean:
	rm -rf $(VENV) instance .pytest_cache
