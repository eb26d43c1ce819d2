# PedAtt: `make run` starts the whole system; `make test` runs every test tier.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PACKAGES := services/common services/identity services/organizations services/applications \
            services/documents services/assessment services/gateway
STAMP := $(VENV)/.installed

.PHONY: install web run test bench clean

install: $(STAMP)

$(STAMP): Makefile requirements.lock $(foreach p,$(PACKAGES),$(p)/pyproject.toml) deploy/system-packages.sh
	bash deploy/system-packages.sh libgcrypt20 libengine-gost-openssl chromium
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade "pip>=24" setuptools==80.9.0 wheel==0.48.0
	$(BIN)/pip install -q -r requirements.lock
	$(BIN)/pip install -q --no-deps --no-build-isolation $(foreach p,$(PACKAGES),-e $(p))
	touch $(STAMP)

web: install
	bash web/build.sh

run: install web
	$(BIN)/python -m deploy.devstack

test: install web
	$(BIN)/python -m deploy.testenv
	$(BIN)/pytest

BENCH ?= rpc_roundtrip documents gost applications_list
bench: install
	for b in $(BENCH); do $(BIN)/python bench/$$b.py || exit 1; done

clean:
	rm -rf $(VENV) .run
