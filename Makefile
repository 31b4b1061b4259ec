# transformer-lite: `make lab` to learn, `make test` to check everything.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: lab lab-teacher restore test lint assignments student report slides html checkpoints data clean hub-deps \
	i18n ko-notebooks lab-ko lab-teacher-ko restore-ko student-ko slides-ko html-ko

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

# axe-core, the accessibility engine tests/test_accessibility.py runs in Chromium, from npm, inside .venv.
AXE := $(VENV)/node/node_modules/axe-core/axe.min.js
$(AXE): $(BIN)/python
	npm install --silent --no-audit --no-fund --prefix $(VENV)/node axe-core@4.14.1

# Jupyter refuses to run as root (containers, some JupyterHub images) unless told to.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)

LAB_PORT ?= 8888
WORK ?= work
# The student edition is nbgrader's release (tools/workspace.py builds it), so `make lab` needs nbgrader.
NBGRADER_STAMP := $(VENV)/.installed-nbgrader
$(NBGRADER_STAMP): $(STAMP)
	$(BIN)/pip install -q -c requirements.lock nbgrader
	touch $@

# JupyterLab on $(1), after running $(3): localhost only, with a fresh token, by explicit flags that win over any
# user's jupyter config; the URL comes first. tools/jupyter/labconfig turns off Lab's JSON viewer, so the records
# beside each check and claim (application/json, for the tests and the class report) show nothing there.
define serve_lab
	@token=$$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n'); \
	echo "transformer-lite: JupyterLab at http://127.0.0.1:$(LAB_PORT)/lab?token=$$token ($(2))"; \
	$(3) \
	JUPYTER_CONFIG_PATH="$(CURDIR)/tools/jupyter$${JUPYTER_CONFIG_PATH:+:$$JUPYTER_CONFIG_PATH}" \
	exec $(BIN)/jupyter lab --notebook-dir=$(1) --ServerApp.ip=127.0.0.1 --ServerApp.port=$(LAB_PORT) \
		--ServerApp.port_retries=0 --IdentityProvider.token=$$token --ServerApp.allow_remote_access=False $(ALLOW_ROOT)
endef

lab: $(NBGRADER_STAMP)  ## the student edition in work/: made from nbgrader's release on first use, never overwritten
	$(call serve_lab,$(WORK),the student edition in $(WORK)/,$(BIN)/python -m tools.workspace open --work $(WORK) || exit 1;)

lab-teacher: $(STAMP)  ## the teacher's copy, notebooks/: worked solutions, hidden tests, model answers
	$(call serve_lab,notebooks,the teacher's copy: solutions shown,)

restore: $(NBGRADER_STAMP)  ## one pristine student notebook: make restore NB=03 (yours goes to work/backups/)
	@test -n "$(NB)" || { echo "which notebook? make restore NB=03"; exit 2; }
	$(BIN)/python -m tools.workspace restore $(NB) --work $(WORK)

# ---- 한국어판: the Korean edition. Its notebooks are built from the English ones and i18n/ko/ (tools/translate.py):
# the code cells are the English ones, the markdown comes from the catalogs; its kernels print, label and grade in
# Korean (TRANSFORMER_LITE_LANG=ko).
KO := build/ko/notebooks
i18n: $(DEV_STAMP)  ## after changing English text: refresh the catalogs (changed entries turn fuzzy) and README.ko.md, TEACHING.ko.md
	$(BIN)/python -m tools.translate update
	$(BIN)/python -m tools.translate markdown

ko-notebooks: $(STAMP)  ## the Korean teacher's notebooks in build/ko/notebooks/
	$(BIN)/python -m tools.translate notebooks --out $(KO)

lab-ko: $(NBGRADER_STAMP)  ## 한국어 학생용: the Korean student edition in work-ko/, made once, never overwritten
	$(call serve_lab,work-ko,한국어 학생용 work-ko/,$(BIN)/python -m tools.workspace open --edition ko || exit 1; export TRANSFORMER_LITE_LANG=ko;)

lab-teacher-ko: ko-notebooks  ## 한국어 교사용: the Korean teacher's copy (solutions shown)
	$(call serve_lab,$(KO),한국어 교사용: solutions shown,export TRANSFORMER_LITE_LANG=ko;)

restore-ko: $(NBGRADER_STAMP)  ## one pristine Korean student notebook: make restore-ko NB=03
	@test -n "$(NB)" || { echo "which notebook? make restore-ko NB=03"; exit 2; }
	$(BIN)/python -m tools.workspace restore $(NB) --edition ko

student-ko: ko-notebooks $(DEV_STAMP)  ## nbgrader's Korean release: build/course-ko/release/<notebook stem>/
	$(BIN)/python -m tools.assignments --src $(KO) --out build/course-ko

slides-ko: ko-notebooks $(DEV_STAMP)  ## Korean reveal.js slides into build/slides-ko/
	$(BIN)/python -m tools.editions --src $(KO) slides --out build/slides-ko

html-ko: ko-notebooks $(DEV_STAMP)  ## Korean executed reading copy into build/html-ko/
	$(BIN)/python -m tools.editions --src $(KO) html --out build/html-ko

test: $(DEV_STAMP) $(PROXY) $(AXE)  ## lint, then the whole test suite (notebooks in full mode, claims of docs/claims.md asserted)
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
