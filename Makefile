# Goda exempel — `make run` serves the site, `make test` runs every test.
# Each target bootstraps .venv when needed (on a fresh machine: nothing to install by hand).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 5000
WORKERS ?= 2
export FLASK_APP := app
# `make run` serves plain http on 127.0.0.1, so session cookies cannot be Secure there.
run: export KB_ENV ?= development

.PHONY: run serve test install db load reindex check eval bench clean admin translations

# Each step says what it does; pip shows its own progress (the first install takes minutes).
$(STAMP): pyproject.toml
	@if [ ! -x $(BIN)/python ]; then \
	  echo "==> Skapar den virtuella miljön $(VENV) ($$($(PYTHON) --version))"; \
	  $(PYTHON) -m venv $(VENV); \
	fi
	@echo "==> Installerar beroendena i $(VENV) (första gången tar det några minuter)"
	$(BIN)/python -m pip install --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

db: $(STAMP)
	$(BIN)/flask db upgrade

load: db
	$(BIN)/flask kb load

## run: migrate, load new and changed files in content/, check or build the index, serve on http://$(HOST):$(PORT)
## (one process prepares and serves, and delivers the e-mail outbox every 30 s;
## a restart with nothing changed skips everything already done)
run: $(STAMP)
	@$(BIN)/flask kb prepare --serve --host $(HOST) --port $(PORT) --mail-every 30

## admin: add an administrator; prompts for the password, e.g. `make admin EMAIL=du@example.se`
admin: $(STAMP)
	@test -n "$(EMAIL)" || { echo "Ange e-postadressen: make admin EMAIL=din.adress@example.se"; exit 2; }
	@$(BIN)/flask db upgrade
	@$(BIN)/flask kb user add "$(EMAIL)" --role admin $(if $(NAME),--name "$(NAME)")

## serve: production serving: migrate, load content/, repair the index, then gunicorn with $(WORKERS) workers.
## Each worker keeps the index in step with the database's index log (README "Serving in production").
serve: load
	$(BIN)/flask kb check --repair
	$(BIN)/flask kb mail send --every 30 & sender=$$!; trap 'kill $$sender' EXIT INT TERM; \
	$(BIN)/gunicorn --workers $(WORKERS) --bind $(HOST):$(PORT) --access-logfile - --graceful-timeout 20 app:app

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

## translations: collect the Swedish strings of kb/ and templates/ and add new ones to each
## language's catalogue (kb/translations/<lang>/LC_MESSAGES/messages.po); translate the empty ones,
## `make test` checks that none is left (tests/test_i18n.py). The app compiles .mo files itself.
translations: $(STAMP)
	$(BIN)/pybabel extract -F kb/translations/babel.cfg -k _l -k lazy_gettext --no-location --sort-output --omit-header -o kb/translations/messages.pot .
	$(BIN)/pybabel update -i kb/translations/messages.pot -d kb/translations --no-wrap --no-fuzzy-matching --ignore-obsolete
