# `make up` runs the platform on this machine; `make test` runs every test (the slow
# reliability scenarios aside: `make reliability` runs them all). Both first install
# what is missing (scripts/bootstrap.sh). See deploy/README.md.
SHELL := /bin/bash
export PATH := $(HOME)/.local/bin:$(PATH)

UV_RUN := uv run --frozen
# Only the folders that exist: a service without tests yet must not break the run.
TEST_PATHS = $(wildcard libs/*/tests services/*/tests deploy/local/tests tests/platform tests/e2e tests/reliability)
PYTEST_ARGS ?=
# `make up KAFKA_BROKERS=3`: three Kafka brokers (replication factor 3, min.insync.replicas=2).
KAFKA_BROKERS ?= 1
# `make demo-signup EMAIL=jeanne@example.fr`: sign a titulaire up on the running platform.
EMAIL ?=

.PHONY: bootstrap up down status reset test lint docs typecheck demo-signup mutation mutation-changed bench reliability

bootstrap:
	@scripts/bootstrap.sh

up: bootstrap
	$(UV_RUN) python -m cpf_local up --kafka-brokers $(KAFKA_BROKERS)

# Works from a new shell too: the Makefile puts ~/.local/bin (uv) on PATH itself.
demo-signup:
	$(UV_RUN) python scripts/demo_signup.py $(if $(EMAIL),--email $(EMAIL))

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
	@set +e; $(UV_RUN) pytest $(TEST_PATHS) -m "not slow_reliability" $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest collected no test" >&2; exit 1; fi; \
	exit $$rc

# Every scenario of tests/reliability (the slow ones too) on three Kafka brokers; figures in
# .local/reliability.json and .local/reliability.md (README, "Reliability").
reliability: bootstrap
	@set +e; started=$$(date +%s); $(UV_RUN) pytest tests/reliability $(PYTEST_ARGS); rc=$$?; \
	echo "make reliability: $$(( $$(date +%s) - started )) s, figures in .local/reliability.md"; \
	if [ $$rc -eq 5 ]; then echo "make reliability: pytest collected no test" >&2; exit 1; fi; \
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

# Mutation testing (mutmut) of every domain/ and libs/contracts, one package at a time; fails
# under 90 % killed in any of them. `make mutation PACKAGES=identity` for one. docs/mutation.md.
PACKAGES ?=
mutation: bootstrap
	$(UV_RUN) python scripts/mutation.py $(PACKAGES)

# The same, over the domain/ modules the last commit changed (HEAD~1..HEAD) only, gated at
# 90 %: what a CI step can afford. Prints "mutation: no domain module changed" otherwise.
mutation-changed: bootstrap
	$(UV_RUN) python scripts/mutation.py --changed --max-children 2

# The platform under offered load, as ratios to its goals (bench/README.md); the table is
# printed and written to bench/results/last.json. `make bench BENCH_QUICK=1`: a 1-2 min run.
bench: bootstrap
	$(UV_RUN) python bench/platform_bench.py
