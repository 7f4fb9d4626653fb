# Knee Coach tasks. Quick start (see README):
#   make chat   set up .venv and talk to the skill in the terminal (offline, no AWS)
#   make test   set up .venv (+ Node test tools) and run every check CI runs
PY ?= python3
VENV ?= .venv
PYTHON := $(VENV)/bin/python
NODE_DIR := tests/node
# setuptools announces every editable install with a screen of notes ("Editable installation":
# folders named like the package may shadow it); a new user's `make chat` should show the chat.
PIP_INSTALL := PYTHONWARNINGS="ignore:Editable installation" $(PYTHON) -m pip install --quiet

.PHONY: chat test lint typecheck pytest bench package skill-package submission-package icons generate clean

$(VENV)/.runtime: pyproject.toml
	$(PY) -c 'import sys; assert sys.version_info >= (3, 10), "Knee Coach needs Python 3.10+"'
	$(PY) -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --upgrade pip
	$(PIP_INSTALL) -e .
	touch $@

$(VENV)/.dev: pyproject.toml $(VENV)/.runtime
	$(PIP_INSTALL) -e '.[dev]'
	touch $@

$(NODE_DIR)/node_modules/.installed: $(NODE_DIR)/package.json $(wildcard $(NODE_DIR)/package-lock.json)
	npm ci --prefix $(NODE_DIR) --no-audit --no-fund --loglevel=error
	touch $@

chat: $(VENV)/.runtime
	$(VENV)/bin/knee-coach chat $(ARGS)

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check skill tests scripts bench
	$(VENV)/bin/ruff format --check skill tests scripts bench

typecheck: $(VENV)/.dev
	$(VENV)/bin/mypy

# The Lambda zip is built here (from PyPI, like any install step) so that the zip smoke test
# itself needs no network: it finds the artifact fresh and only unpacks and runs it.
pytest: $(VENV)/.dev $(if $(wildcard $(NODE_DIR)/package.json),$(NODE_DIR)/node_modules/.installed)
	$(PYTHON) scripts/build_lambda.py --if-stale
	$(VENV)/bin/pytest --cov=skill --cov-report=term-missing:skip-covered --cov-fail-under=90 $(PYTEST_ARGS)

test: lint typecheck pytest

# Cold start, peak memory, warm latency, zip size and web throughput against a hello-world
# ASK SDK skill, with budget verdicts (docs/performance.md). Record the table there with
# ARGS="--write docs/performance.md"; ARGS=--quick skips the zip-tree and web runs.
bench: $(VENV)/.dev
	$(PYTHON) bench/run.py $(ARGS)

# After editing content/*.yaml or models/utterances.yaml: regenerate what is derived from them
# (tests fail while either is stale).
generate: $(VENV)/.dev
	$(PYTHON) scripts/compile_content.py
	$(PYTHON) scripts/build_interaction_models.py

# The Lambda zip for arm64 / python3.12 (build/knee-coach-lambda.zip, the CodeUri of template.yaml).
package: $(VENV)/.dev
	$(PYTHON) scripts/build_lambda.py

# The Alexa skill package in build/skill-package/. Pass ENDPOINT_ARN=<FunctionArn output> once
# the stack exists; without it the manifest has no endpoint (the first `ask deploy`).
# PRIVACY_URL=<where docs/privacy-policy.md is published> (and TERMS_URL=, if any) go into
# every locale. `make submission-package` is the same build, refusing to run without both.
SKILL_PACKAGE_ARGS = $(if $(ENDPOINT_ARN),--endpoint-arn $(ENDPOINT_ARN)) \
	$(if $(PRIVACY_URL),--privacy-url $(PRIVACY_URL)) $(if $(TERMS_URL),--terms-url $(TERMS_URL))
skill-package: $(VENV)/.dev
	$(PYTHON) scripts/build_skill_package.py $(SKILL_PACKAGE_ARGS)

submission-package: $(VENV)/.dev
	$(PYTHON) scripts/build_skill_package.py --for-submission $(SKILL_PACKAGE_ARGS)

# The store icons (108 and 512 px PNG) from skill-package/assets/source/icon.svg.
icons: $(VENV)/.dev
	$(PYTHON) scripts/build_icons.py

clean:
	rm -rf build .pytest_cache .mypy_cache .ruff_cache .coverage htmlcov $(NODE_DIR)/node_modules
