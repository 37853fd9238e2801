# The verbs people type. Every verb sets up what it needs (.venv, kernel, data)
# when it is missing, so `make run` and `make test` work on a fresh machine.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
KERNEL := cs231n
LAB_IP   ?= 127.0.0.1
LAB_PORT ?= 8888
export MPLBACKEND := Agg
export PYTHONHASHSEED := 0
# The course's matrix products are small (a minibatch times W): one BLAS thread
# beats two fighting over 2 cores (measured 2-3x on the training loop). Override
# with OPENBLAS_NUM_THREADS=N make ...
export OPENBLAS_NUM_THREADS ?= 1

.PHONY: help setup data test check run lab bench release grade grade-all gradescope submit clean

help: ## list the verbs, one line each
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-11s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

setup: $(STAMP) ## create .venv with the requirements, the package and a Jupyter kernel

$(STAMP): requirements.txt pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found; install Python 3.10 or newer and run make setup again." >&2; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt -e .
	$(PY) -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python (cs231n)" >/dev/null
	@touch $(STAMP)
	@echo "setup: .venv ready (kernel '$(KERNEL)')"

data: ## fetch and verify CIFAR-10 into datasets/ (skips when already there)
	bash get_datasets.sh

test: setup ## run the test suite and execute every notebook with nbval
	PYTHONPATH=tools $(PY) -m pytest -p selfcheck $(if $(wildcard tests/questions.json),--by-question)

check: setup ## run one question's public tests with a verdict per test: make check Q=svm_vectorized (no Q: list them)
	@$(PY) tools/selfcheck.py $(Q)

run: setup ## the whole walkthrough: fetch data, execute every notebook into build/ (ipynb + html)
	@bash get_datasets.sh || echo "NOTICE: CIFAR-10 could not be fetched; the notebooks will use the synthetic stand-in (run 'make data' later for the real images)."
	$(PY) tools/run_notebooks.py --out build

lab: setup ## open JupyterLab on assignments/ and print the URL to open (as root: says so, allows it)
	@# JupyterLab refuses to start as root, which is how containers and many course VMs run.
	@if [ "$$(id -u)" = 0 ]; then echo "make lab: running as root (uid 0), so JupyterLab starts with --allow-root."; fi
	@token=$$($(PY) -c 'import secrets; print(secrets.token_hex(16))'); \
	echo "make lab: open http://$(LAB_IP):$(LAB_PORT)/lab?token=$$token in your browser (Ctrl+C here stops JupyterLab)."; \
	exec $(VENV)/bin/jupyter lab $$([ "$$(id -u)" = 0 ] && echo --allow-root) --no-browser --ip=$(LAB_IP) \
	  --port=$(LAB_PORT) --ServerApp.port_retries=0 --IdentityProvider.token=$$token assignments/

bench: setup ## print speed ratios measured side by side (losses vs the matmul floor, blocked, stacked search, a net's step vs PyTorch, the grader's sandbox start-up, a playground's redraw)
	@# Library speed on every core (the one-thread default above is for shared test runs).
	OPENBLAS_NUM_THREADS=$${BENCH_THREADS:-$$(nproc)} $(PY) benchmarks/bench_losses.py $(BENCH_ARGS)
	OPENBLAS_NUM_THREADS=$${BENCH_THREADS:-$$(nproc)} $(PY) benchmarks/bench_nets.py
	$(PY) benchmarks/bench_jail.py
	@# The interactive playgrounds' redraw after a control change (budget 0.5 s; issue 23).
	OPENBLAS_NUM_THREADS=$${BENCH_THREADS:-$$(nproc)} $(PY) benchmarks/bench_playgrounds.py

clean: ## remove build products and caches (keeps .venv and datasets/)
	rm -rf build .pytest_cache
	find . -name __pycache__ -type d -prune -not -path './.venv/*' -exec rm -rf {} +

# ---- instructor verbs: the release's Makefile ends above this line (instructor/release.py) ----
JOBS ?= 2
GRADES ?= build/grades

release: setup ## cut the solutions out: the student version in build/release/ and build/release.zip
	$(PY) -m instructor.release --out build/release

grade: setup ## grade one submission (SUBMISSION=zip or folder) into $(GRADES)/<name>/ (default build/grades)
	@test -n "$(SUBMISSION)" || { echo "error: say which submission to grade: make grade SUBMISSION=path/to/zip-or-folder" >&2; exit 2; }
	$(PY) -m instructor.grade "$(SUBMISSION)" --out "$(GRADES)"

grade-all: setup ## grade every zip or folder in SUBMISSIONS=dir, JOBS at a time, into $(GRADES)/gradebook.csv
	@test -n "$(SUBMISSIONS)" || { echo "error: say which folder to grade: make grade-all SUBMISSIONS=path/to/folder [JOBS=2]" >&2; exit 2; }
	$(PY) -m instructor.grade --all "$(SUBMISSIONS)" --jobs $(JOBS) --out "$(GRADES)"

gradescope: setup ## build the Gradescope autograder zip: build/gradescope_autograder.zip
	$(PY) -m instructor.gradescope --out build/gradescope_autograder.zip
