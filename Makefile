# Two commands on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
# datacontract-cli pins typer<0.28 (our lock has a newer one through dagster), so the
# reference ODCS linter gets its own small venv; `make test` lints the demo contracts with it.
DC_VENV := .venv-datacontract
export DATAOPS_DATA_DIR ?= $(CURDIR)/.dataops
# The Dagster instance lives beside the data directory, not inside it: it witnesses the
# audit trail's checkpoints, so whoever can rewrite the data directory must not own it too.
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home
# Demo-only key for keyed hashes of personal values; set your own in any real deployment.
export DATAOPS_HASH_KEY ?= demo-only-hash-key-change-me
# The audit trail is signed with a key kept OUTSIDE the data directory (whoever can write the
# data directory must not be able to sign); `make home` creates it once.
export DATAOPS_AUDIT_KEY ?= $(HOME)/.config/dataops/audit_ed25519
HOST ?= 127.0.0.1
PORT ?= 3000
# The governance portal is served beside the Dagster UI; datasheet metadata links to it.
PORTAL_PORT ?= 3001
export DATAOPS_PORTAL_URL ?= http://$(HOST):$(PORTAL_PORT)

.PHONY: install datacontract home demo run test test-parquet lint lock clean browser \
	cluster-install cluster-up cluster-down cluster-demo cluster-test

$(VENV)/.installed: requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	# Extract the name lexicons and the gazetteer once (about 15 s), not in the first scan.
	$(BIN)/python -m governance.pii.lexicon
	touch $@

install: $(VENV)/.installed

$(DC_VENV)/.installed: requirements-datacontract.lock
	test -x $(DC_VENV)/bin/python || $(PYTHON) -m venv $(DC_VENV)
	$(DC_VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-datacontract.lock
	touch $@

datacontract: $(DC_VENV)/.installed

home: install
	mkdir -p "$(DAGSTER_HOME)"
	cp dagster.yaml "$(DAGSTER_HOME)/dagster.yaml"
	@if [ -f "$(DATAOPS_AUDIT_KEY)" ]; then \
	  echo "audit trail signed with the key at $(DATAOPS_AUDIT_KEY) (public half: .pub)"; \
	else $(BIN)/dataops audit init-key --path "$(DATAOPS_AUDIT_KEY)"; fi

demo: home
	$(BIN)/dataops demo

# The demo builds the portal; its server runs in the background while dagster dev runs,
# and the trap stops it when dagster dev exits (Ctrl-C included).
run: demo
	@echo ""
	@echo "Dagster UI: http://$(HOST):$(PORT)"
	@echo "Governance portal: http://$(HOST):$(PORTAL_PORT)"
	@$(BIN)/dataops portal serve --host $(HOST) --port $(PORTAL_PORT) & portal=$$!; \
	  trap 'kill $$portal 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/dagster dev -h $(HOST) -p $(PORT) -w workspace.yaml

# The UI test drives Debian's chromium (Playwright's own browser download cannot work
# offline). Install it when missing and we are root; otherwise that test skips, saying why.
browser:
	@command -v chromium >/dev/null || [ "$$(id -u)" != 0 ] || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) \
	  || echo "chromium could not be installed; the browser test will be skipped"

test: install browser datacontract
	$(BIN)/ruff check .
	$(BIN)/pytest

# The same suite with every data directory and the demo on the Parquet warehouse (the
# cluster's backend; tests that are about one backend pick it explicitly). CI runs it too.
test-parquet: install browser datacontract
	DATAOPS_TEST_WAREHOUSE=parquet $(BIN)/pytest

lint: install
	$(BIN)/ruff check .

# Re-pin after changing dependencies in pyproject.toml.
lock:
	rm -rf /tmp/dataops-lock-venv
	$(PYTHON) -m venv /tmp/dataops-lock-venv
	/tmp/dataops-lock-venv/bin/pip install --quiet -e '.[dev,bench]'
	# --all keeps setuptools (tests/test_wheel.py builds with it); pip itself comes with the venv.
	/tmp/dataops-lock-venv/bin/pip freeze --all --exclude-editable | grep -v '^pip==' \
	  | sort > requirements.lock
	rm -rf /tmp/dataops-lock-venv
	$(PYTHON) -m venv /tmp/dataops-lock-venv
	/tmp/dataops-lock-venv/bin/pip install --quiet datacontract-cli==1.2.8
	{ sed -n '1,2p' requirements-datacontract.lock; \
	  /tmp/dataops-lock-venv/bin/pip freeze | sort; } > requirements-datacontract.lock.new
	mv requirements-datacontract.lock.new requirements-datacontract.lock

# Cluster profile (issue 16): PostgreSQL instance, Redis broker, two Celery workers, the
# daemon and the webserver (port 3300); its own data directory and instance, so it never
# touches the embedded default's.
CLUSTER_ENV := DATAOPS_DATA_DIR=$(CURDIR)/.dataops-cluster \
	DATAOPS_CLUSTER_HOME=$(CURDIR)/.dagster_home_cluster \
	DAGSTER_HOME=$(CURDIR)/.dagster_home_cluster
# Demo-only password of the throwaway PostgreSQL cluster; set your own anywhere else.
export DATAOPS_PG_PASSWORD ?= demo-only-pg-password-change-me

cluster-install: install
	deploy/cluster/install.sh

cluster-up: cluster-install
	$(CLUSTER_ENV) deploy/cluster/up.sh

cluster-down:
	$(CLUSTER_ENV) deploy/cluster/down.sh

# The `cluster` test (not in `make test`; .ci/run runs it after): its own throwaway cluster
# and ports. Where PostgreSQL or Redis cannot be installed, the test skips and says why.
cluster-test: install
	deploy/cluster/install.sh || echo "cluster servers not installed: the cluster test will skip"
	$(BIN)/pytest -m cluster -rs tests/dataops_assets/cluster

# Starts the cluster (daemon and webserver included), queues a run per demo version so they
# run in parallel, prints the same summary as `make demo`, and stops everything it started,
# whatever the outcome (`home` creates the audit signing key the demo's trail is signed with).
cluster-demo: cluster-install home
	$(CLUSTER_ENV) deploy/cluster/demo.sh

clean:
	-$(CLUSTER_ENV) deploy/cluster/down.sh
	rm -rf .dataops .dagster_home .dataops-cluster .dagster_home_cluster
