# The two commands a newcomer needs are `make demo` and `make test`; each installs what it needs.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# checkov pins boto3 and networkx versions that clash with the SAM CLI's: it gets a venv of its own.
CHECKOV := .venv-checkov
CHECKOV_STAMP := $(CHECKOV)/.installed
# The local stack's IAM evaluator (@cloud-copilot/iam-simulate, run by Node.js).
IAM_STAMP := engage_local/iam/node_modules/.installed
export SAM_CLI_TELEMETRY := 0
export PATH := $(abspath $(VENV))/bin:$(PATH)

.PHONY: help venv test test-aws lint build console durations demo bench deploy lock clean

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(PY):
	@py=$$(devtools/find-python313.sh) || exit 1; \
	echo "Creating $(VENV) with $$py"; \
	"$$py" -m venv $(VENV)

$(STAMP): $(PY) requirements/dev.txt pyproject.toml
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements/dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $(STAMP)

$(IAM_STAMP): engage_local/iam/package-lock.json
	npm ci --prefix engage_local/iam --no-audit --no-fund --silent
	@touch $(IAM_STAMP)

$(CHECKOV_STAMP): requirements/checkov.txt
	@py=$$(devtools/find-python313.sh) || exit 1; "$$py" -m venv $(CHECKOV)
	$(CHECKOV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements/checkov.txt
	@touch $(CHECKOV_STAMP)

venv: $(STAMP) $(CHECKOV_STAMP) $(IAM_STAMP) ## Create .venv (Python 3.13) and install the pinned tools

test: $(STAMP) $(CHECKOV_STAMP) $(IAM_STAMP) ## Lint, validate, build and run every test tier, printing each stage's time
	$(PY) -m devtools.stages test

test-aws: $(STAMP) ## The cloud tier against the deployed stack ENGAGE_STACK_NAME (skipped without it or credentials)
	$(PY) -m devtools.stages aws

lint: $(STAMP) $(CHECKOV_STAMP) ## ruff, import contracts, handler rules, cfn-lint (with rules/), checkov, the ASL check, sam validate --lint
	$(PY) -m devtools.stages lint

build: $(STAMP) ## sam build (cached, parallel, no containers)
	sam build --cached --parallel

durations: $(STAMP) ## After `make test`: record each e2e file's time, so workers take the longest first
	$(PY) -m devtools.durations

demo: $(STAMP) $(IAM_STAMP) console ## Run the flagship scenario on the local stack (no AWS account, no Docker)
	$(PY) -m devtools.demo

console: ## Build the web console into build/console/ (npm ci from its lockfile, then Vite)
	bash devtools/console.sh

bench: $(STAMP) $(IAM_STAMP) ## Benchmarks: one line per figure, also written to build/bench.json
	$(PY) -m devtools.bench

deploy: build console ## sam deploy to the samconfig environment ENV (default: default), then publish the console
	sam deploy --config-env $${ENV:-default}
	$(PY) -m engage_cli.console publish --config-env $${ENV:-default}

lock: $(PY) ## Re-pin requirements/dev.txt from requirements/dev.in
	$(PY) -m pip install --quiet -r requirements/dev.in
	$(PY) -m pip freeze --exclude-editable | grep -v '^-e ' > requirements/dev.txt

clean: ## Remove the venv and build outputs
	rm -rf $(VENV) $(CHECKOV) engage_local/iam/node_modules .aws-sam build .pytest_cache .ruff_cache .engage-local
