# Quick start: `make demo` and `make test`. Both do all the set-up from a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test setup browser test-services lint clean

demo: setup browser
	$(BIN)/ecoaudit demo

test: setup browser test-services
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/pytest -q

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

browser: setup
	scripts/ensure-browser.sh $(BIN)

test-services:
	scripts/ensure-test-services.sh

lint: setup
	$(BIN)/ruff check src tests benchmarks

clean:
	rm -rf $(VENV) build *.egg-info reports
