# transformer-lite: `make lab` to learn, `make test` to check everything.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: lab test lint assignments student report slides html checkpoints data clean hub-deps

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is needed"'
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml requirements.lock
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c requirements.lock -e .
	touch $@

$(DEV_STAMP): $(STAMP)
	$(BIN)/pip install -q -c requirements.lock -e '.[dev]'
	touch $@

# The class hub's proxy (tests/test_hub.py, benchmarks/class_load.py), from npm, inside .venv.
PROXY := $(VENV)/node/node_modules/.bin/configurable-http-proxy
$(PROXY): $(BIN)/python
	npm install --silent --no-audit --no-fund --prefix $(VENV)/node configurable-http-proxy@5.3.0

hub-deps: $(DEV_STAMP) $(PROXY)

# Jupyter refuses to run as root (containers, some JupyterHub images) unless told to.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)

LAB_PORT ?= 8888
# Localhost only, with a fresh token, by explicit flags that win over any user's jupyter config.
lab: $(STAMP)  ## start JupyterLab on the notebooks
	@token=$$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n'); \
	echo "transformer-lite: JupyterLab at http://127.0.0.1:$(LAB_PORT)/lab?token=$$token"; \
	exec $(BIN)/jupyter lab --notebook-dir=notebooks --ServerApp.ip=127.0.0.1 --ServerApp.port=$(LAB_PORT) \
		--ServerApp.port_retries=0 --IdentityProvider.token=$$token --ServerApp.allow_remote_access=False $(ALLOW_ROOT)

test: $(DEV_STAMP) $(PROXY)  ## lint, then the whole test suite (notebooks in full mode, claims of docs/claims.md asserted)
	$(BIN)/ruff check transformer_lite tests benchmarks tools notebooks deploy
	$(BIN)/python -m pytest

lint: $(DEV_STAMP)
	$(BIN)/ruff check transformer_lite tests benchmarks tools notebooks deploy

assignments: $(DEV_STAMP)  ## the nbgrader course in build/course/: source/ (instructor) and release/ (nbgrader generate_assignment)
	$(BIN)/python -m tools.assignments --out build/course

student: assignments  ## the student edition is nbgrader's release: build/course/release/<notebook stem>/
	@echo "student edition: build/course/release/ (give students these; keep build/course/source/ and the repository)"

report: $(STAMP)  ## after `nbgrader autograde` in build/course: what the class got wrong, build/report/index.html + CSV
	$(BIN)/python -m transformer_lite.exercises.report --course build/course --out build/report

slides: $(DEV_STAMP)  ## reveal.js slides into build/slides/
	$(BIN)/python -m tools.editions slides --out build/slides

html: $(DEV_STAMP)  ## executed static HTML reading copy into build/html/
	$(BIN)/python -m tools.editions html --out build/html

data: $(STAMP)  ## regenerate the corpus in data/
	$(BIN)/python -m transformer_lite.data build

checkpoints: $(STAMP)  ## retrain the shipped checkpoints in data/checkpoints/
	$(BIN)/python -m transformer_lite.recipes

clean:
	rm -rf build test-artifacts .pytest_cache
