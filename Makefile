# Quick start: `make demo` and `make test`. Both do all the set-up from a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test setup browser test-services lint clean

demo: setup browser
	$(BIN)/ecoaudit demo

test: setup browser test-services lint
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

# Style, the layers (no import from a lower layer to a higher one) and the types.
lint: setup
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/lint-imports
	$(BIN)/mypy

clean:
	rm -rf $(VENV) build *.egg-info reports
