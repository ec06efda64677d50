# Self-documenting: `make` or `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Pipeline stages call `python -m toeleiding`; run them inside the project environment.
export PATH := $(abspath $(BIN)):$(PATH)
export PYTHONHASHSEED := 0

.DEFAULT_GOAL := help
.PHONY: help all setup repro render status test lint format lab lock bench site release

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

all: setup repro ## Set up the environment and run the whole pipeline (dvc repro)

setup: $(VENV)/.installed ## Create .venv with the locked versions and register the Jupyter kernel

$(VENV)/.installed: requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "Python 3.11 or newer is needed (set PYTHON=...)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name toeleiding --display-name "Python 3 (toeleiding)"
	touch $@

# The last stages of the DVC pipeline; DVC brings their upstream stages (synthesize, clean)
# along. Naming only the leaves keeps a no-op run fast: DVC reads dvc.lock once per target.
CORE_STAGES := metrics execute
HAVE_QUARTO := $(shell command -v quarto 2>/dev/null)
# What the book is assembled from (`make site`, `make render`).
BOOK_ARGS := --params params.yaml --book book --build build --codebook-dir data/codebook \
	--clean-dir data/clean --assumptions docs/ASSUMPTIONS.md --lock dvc.lock --metrics metrics
RENDER := $(BIN)/python -m toeleiding render $(BOOK_ARGS) --out _site

# The book is not a DVC stage: it is rendered after the pipeline, where Quarto is installed,
# and keeps its own record of what it rendered (.book-cache/), so dvc.lock is the same on
# every machine (README, "The book").
repro: setup ## Run the pipeline (dvc repro), then render the book where Quarto is installed
	$(BIN)/dvc repro $(CORE_STAGES)
ifeq ($(HAVE_QUARTO),)
	@echo "Quarto not found: the book is not rendered. Install Quarto (https://quarto.org) and run 'make render'."
else
	$(RENDER)
endif

render: setup ## Render the book into _site/: only what changed (FORCE=1: every edition whole)
	$(RENDER) $(if $(FORCE),--force)

status: setup ## Show whether the pipeline (and, where Quarto is installed, the book) is up to date
	@$(BIN)/dvc status --with-deps $(CORE_STAGES)
ifeq ($(HAVE_QUARTO),)
	@echo "Quarto not found: the book is not checked."
else
	@$(RENDER) --check
endif

test: setup ## Run lint and the test suite (after bringing the pipeline up to date)
	$(MAKE) --no-print-directory repro
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

format: setup ## Format and fix the code with ruff
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: setup ## Benchmark the notebook stage (and, with Quarto, the book render); prints figures
	$(BIN)/python -m toeleiding.bench

lab: setup ## Open JupyterLab with the project kernel
	$(BIN)/jupyter lab notebooks/

site: setup ## Assemble the book sources of every edition into _quarto_build/ (no Quarto needed)
	$(BIN)/python -m toeleiding book $(BOOK_ARGS) --out _quarto_build

# VERSION and NOTES come from the command line, through the environment, so quotes in the
# notes reach the command as typed (README, "Releases"). NO_PUSH=1: no `dvc push` at the end.
release: setup ## Make a release: make release VERSION=x.y.z NOTES="what changed and why"
	@test -n "$$VERSION" && test -n "$$NOTES" \
		|| { echo 'usage: make release VERSION=x.y.z NOTES="what changed and why"'; exit 2; }
	$(BIN)/python -m toeleiding release $(BOOK_ARGS) --out _quarto_build --site _site \
		--version "$$VERSION" --notes "$$NOTES" $(if $(NO_PUSH),--no-push)

lock: ## Regenerate requirements.lock from pyproject.toml (needs network to PyPI)
	$(PYTHON) -m pip install --quiet "uv==0.13.8"
	$(PYTHON) -m uv pip compile pyproject.toml --extra dev --python-version 3.11 \
		--universal --generate-hashes -o requirements.lock
