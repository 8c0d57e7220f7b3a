# The front door. `make run` imports the sample file; `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
ROWS ?= 100000
STAGE ?= dev
LAYER := build/lambda-layer
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20

.PHONY: setup java tools run test test-web unit integration lint format bench bench-intake bench-sync bench-events bench-webhooks bench-query bench-projector bench-companies bench-bulk bench-audit layer synth clean

setup: $(VENV)/.installed tools

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip==25.3
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

java:
	@command -v java >/dev/null || { echo "Java 17+ is required for DynamoDB Local. On Debian/Ubuntu: sudo apt-get install -y openjdk-17-jre-headless" >&2; exit 1; }
	@java -version 2>&1 | awk -F'"' '/version/ { split($$2, v, "."); if (v[1] < 17) { print "Java 17+ is required (found " $$2 ")" > "/dev/stderr"; exit 1 } }'

tools: java $(VENV)/.installed
	@$(BIN)/python -c "from local.dynamodb import ensure_installed; print('DynamoDB Local:', ensure_installed())"

run: setup
	$(BIN)/contact-import import examples/contacts.csv

test: setup
	$(BIN)/pytest -q

# the web app in headless Chromium (/usr/bin/chromium); screenshots land in build/screenshots/
test-web: setup
	$(BIN)/pytest -q tests/browser

unit: $(VENV)/.installed
	$(BIN)/pytest -q tests/unit

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(VENV)/.installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: setup
	$(BIN)/python bench/pipeline_bench.py --rows $(ROWS)

bench-intake: $(VENV)/.installed
	$(BIN)/python bench/intake_bench.py
bench-sync: $(VENV)/.installed ; $(BIN)/python bench/sync_bench.py
# engagement ingest: events/s with and without re-scoring, estimated WRU per event (EVENTS= to size it)
EVENTS ?= 10000
bench-events: setup
	$(BIN)/python bench/events_bench.py --events $(EVENTS)
# an import without and with a webhook subscription, interleaved over ROUNDS rounds (ROWS_HOOKED= to size it), then deliveries/s
ROWS_HOOKED ?= 10000
ROUNDS ?= 3
bench-webhooks: setup
	$(BIN)/python bench/webhook_import_bench.py --rows $(ROWS_HOOKED) --rounds $(ROUNDS)
# the read model: projector throughput, then list/search/segment latency over HTTP (CONTACTS= to size it)
CONTACTS ?= 1000000
STREAM_CONTACTS ?= 100000
IMPORT_ROWS ?= 20000
bench-query: setup ; $(BIN)/python bench/query_bench.py --contacts $(CONTACTS) --stream-contacts $(STREAM_CONTACTS) --import-rows $(IMPORT_ROWS) $(if $(EXPLAIN),--explain)
# the projector handler alone (the Lambda's work, no stream reads): contacts/s, CPU s, SQL time per statement (PROFILE=1: cProfile)
PROJECTOR_CONTACTS ?= 20000
bench-projector: $(VENV)/.installed ; $(BIN)/python bench/projector_bench.py --contacts $(PROJECTOR_CONTACTS) $(if $(PROFILE),--profile)
# company name -> domain: resolution rate of a names-only file vs a domain column (examples + export corpus + the Apollo stub)
bench-companies: setup ; $(BIN)/python bench/company_resolution_bench.py
# bulk operations: a bulk tag of BULK_CONTACTS by filter on the bulk state machine, then its undo (contacts/s, WRU per contact)
BULK_CONTACTS ?= 100000
bench-bulk: setup ; $(BIN)/python bench/bulk_bench.py --contacts $(BULK_CONTACTS)
# the audit log's cost to the projector: records/s with and without audit entries (AUDIT_CONTACTS= to size it)
AUDIT_CONTACTS ?= 20000
bench-audit: $(VENV)/.installed ; $(BIN)/python bench/audit_bench.py --contacts $(AUDIT_CONTACTS)

# the Lambda dependencies layer: pyproject's runtime deps at this venv's versions, as cp312 arm64 wheels (needs PyPI)
$(LAYER)/requirements.txt: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m infra.layer --out $(LAYER)

layer: $(LAYER)/requirements.txt

# CloudFormation and assets in cdk.out/; cdk-nag (AwsSolutions) runs during synthesis and fails it on an unacknowledged finding
synth: $(LAYER)/requirements.txt
	$(BIN)/python -m infra.app -c stage=$(STAGE)

clean:
	rm -rf .contact-import bench/out
