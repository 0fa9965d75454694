# `make up` runs the platform on this machine; `make test` runs every test. Both first install
# what is missing (scripts/bootstrap.sh). See deploy/README.md.
SHELL := /bin/bash
export PATH := $(HOME)/.local/bin:$(PATH)

UV_RUN := uv run --frozen
# Only the folders that exist: a service without tests yet must not break the run.
TEST_PATHS = $(wildcard libs/*/tests services/*/tests deploy/local/tests tests/platform tests/e2e)
PYTEST_ARGS ?=

.PHONY: bootstrap up down status reset test lint docs typecheck

bootstrap:
	@scripts/bootstrap.sh

up: bootstrap
	$(UV_RUN) python -m cpf_local up

down:
	$(UV_RUN) python -m cpf_local down

status:
	$(UV_RUN) python -m cpf_local status

# Stops the platform, then deletes .local/ (databases, keys, caught mail, logs).
reset:
	$(UV_RUN) python -m cpf_local reset

# pytest exits 5 when it collected nothing: that is a failure here, never a silent pass.
test: bootstrap
	$(UV_RUN) ruff check .
	$(UV_RUN) mypy libs/runtime/src libs/contracts/src deploy/local/src services/*/src
	@if [ -z "$(strip $(TEST_PATHS))" ]; then echo "make test: no test folder found" >&2; exit 1; fi
	@set +e; $(UV_RUN) pytest $(TEST_PATHS) $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest collected no test" >&2; exit 1; fi; \
	exit $$rc

lint: bootstrap
	$(UV_RUN) ruff check .

# Regenerate what is generated from code: event JSON Schemas, AsyncAPI documents, topics.
docs: bootstrap
	$(UV_RUN) python -m cpf_contracts.schemas export
	$(UV_RUN) python scripts/export_docs.py

# ruff and mypy over the sources (mypy's settings live in the root pyproject.toml).
typecheck: bootstrap
	$(UV_RUN) mypy libs/runtime/src libs/contracts/src deploy/local/src services/*/src
