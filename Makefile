# Two commands on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
export DATAOPS_DATA_DIR ?= $(CURDIR)/.dataops
export DAGSTER_HOME ?= $(DATAOPS_DATA_DIR)/dagster_home
# Demo-only key for keyed hashes of personal values; set your own in any real deployment.
export DATAOPS_HASH_KEY ?= demo-only-hash-key-change-me
HOST ?= 127.0.0.1
PORT ?= 3000

.PHONY: install home demo run test lint lock clean browser

$(VENV)/.installed: requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	# Extract the name lexicons and the gazetteer once (about 15 s), not in the first scan.
	$(BIN)/python -m governance.pii.lexicon
	touch $@

install: $(VENV)/.installed

home: install
	mkdir -p "$(DAGSTER_HOME)"
	cp dagster.yaml "$(DAGSTER_HOME)/dagster.yaml"

demo: home
	$(BIN)/dataops demo

run: demo
	@echo ""
	@echo "Dagster UI: http://$(HOST):$(PORT)"
	$(BIN)/dagster dev -h $(HOST) -p $(PORT) -w workspace.yaml

# The UI test drives Debian's chromium (Playwright's own browser download cannot work
# offline). Install it when missing and we are root; otherwise that test skips, saying why.
browser:
	@command -v chromium >/dev/null || [ "$$(id -u)" != 0 ] || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) \
	  || echo "chromium could not be installed; the browser test will be skipped"

test: install browser
	$(BIN)/ruff check .
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .

# Re-pin after changing dependencies in pyproject.toml.
lock:
	rm -rf /tmp/dataops-lock-venv
	$(PYTHON) -m venv /tmp/dataops-lock-venv
	/tmp/dataops-lock-venv/bin/pip install --quiet -e '.[dev,bench]'
	/tmp/dataops-lock-venv/bin/pip freeze --exclude-editable | sort > requirements.lock

clean:
	rm -rf .dataops
