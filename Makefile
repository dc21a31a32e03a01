# pb: `make run` serves the demo on http://127.0.0.1:5000, `make test` runs every test.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
export FLASK_APP := wsgi
export PB_ENV ?= development

.PHONY: run serve test test-postgres install install-test bench clean translations translations-extract translations-update translation-new

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed-run

install: $(VENV)/.installed-run
install-test: $(VENV)/.installed-test

## make run: install, create or upgrade the SQLite database, load the demo if empty, serve.
run: install translations serve

serve:
	$(BIN)/flask pb init
	$(BIN)/flask pb demo-if-empty
	@echo ""
	@echo "  pb is running at http://$(HOST):$(PORT)/"
	@echo "  Staff sign-in:    staff@example.org / pb-demo-password"
	@echo "  Resident sign-in: resident@example.org / pb-demo-password"
	@echo "  Press Ctrl+C to stop."
	@echo ""
	$(BIN)/flask run --host $(HOST) --port $(PORT)

## make test: install with the test extra and run the whole suite.
test: install-test translations
	$(BIN)/python -m pytest -q -n 2 --dist loadgroup $(PYTEST_ARGS)

## The suite again against PostgreSQL (PB_TEST_DATABASE_URL must be set); browser and
## engine tests do not touch the database and ran already.
test-postgres: install-test translations
	@test -n "$$PB_TEST_DATABASE_URL" || (echo "Set PB_TEST_DATABASE_URL, e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test" && exit 2)
	$(BIN)/python -m pytest -q -n 2 --dist loadgroup --ignore=tests/tally --ignore=tests/browser $(PYTEST_ARGS)

## Languages. The catalogs (.po) are kept in git; the compiled .mo files are made here.
## make translation-new CODE=xx  adds a language: one command, then translate its catalog.
TRANSLATIONS := pb/translations
POT := $(TRANSLATIONS)/messages.pot
BABEL_KEYWORDS := -k _ -k n_:1,2 -k N_ -k _l -k lazy_gettext

translations: install
	$(BIN)/python -c "from pb.i18n import compile_catalogs; compile_catalogs()"

translations-extract: install
	$(BIN)/pybabel extract -F babel.cfg $(BABEL_KEYWORDS) --ignore-dirs='.*' --add-comments=TRANSLATORS: --sort-by-file \
		--project=pb --copyright-holder="pb contributors" -o $(POT) .

translations-update: translations-extract
	$(BIN)/pybabel update -i $(POT) -d $(TRANSLATIONS) --no-fuzzy-matching --width=100

translation-new: translations-extract
	@test -n "$(CODE)" || (echo "Say which language, e.g. make translation-new CODE=so" && exit 2)
	$(BIN)/pybabel init -i $(POT) -d $(TRANSLATIONS) -l $(CODE)

bench: install-test
	$(BIN)/python bench/tally.py
	$(BIN)/python bench/cast_ballots.py

clean:
	rm -rf $(VENV) instance build *.egg-info .pytest_cache test-output
