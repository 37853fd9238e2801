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

.PHONY: help setup data test check run lab bench release grade grade-all similarity gradescope bench-jail submit clean

help: ## list the verbs, one line each
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-11s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

setup: $(STAMP) ## create .venv with the requirements, the package and a Jupyter kernel
	@# The instructor's git checkout: JupyterLab saves outputs into the notebooks, and git strips them
	@# on add (nbstripout as a git filter), so they are never committed. --keep-id: the cells' ids are
	@# how the grader and the tests find a cell (nbstripout would renumber them). Checked on every
	@# make setup, as an older set-up may have installed the filter without it. The config names this
	@# checkout's .venv, so a linked worktree (git worktree add) leaves the shared config alone.
	@if [ -d instructor ] && git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
	  if [ "$$(git rev-parse --path-format=absolute --git-dir)" = "$$(git rev-parse --path-format=absolute --git-common-dir)" ]; then \
	    clean='"$(abspath $(PY))" -m nbstripout --keep-id'; \
	    if [ "$$(git config filter.nbstripout.clean)" != "$$clean" ]; then \
	      if $(VENV)/bin/nbstripout --install && git config filter.nbstripout.clean "$$clean" && \
	         git config diff.ipynb.textconv "$$clean -t"; then echo "setup: git strips notebook outputs on add (nbstripout filter, cell ids kept)"; \
	      else echo "setup: nbstripout could not install its git filter; clear notebook outputs before git add." >&2; fi; \
	    fi; \
	  else echo "setup: a linked git worktree; run make setup in the main checkout to strip notebook outputs on git add"; fi; \
	fi

# The grader's pinned bubblewrap wheel (instructor checkout only; the student release has no instructor/).
JAIL_REQS := $(wildcard instructor/requirements-jail.txt)

$(STAMP): requirements.txt pyproject.toml $(JAIL_REQS)
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found; install Python 3.10 or newer and run make setup again." >&2; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt -e .
	$(if $(JAIL_REQS),$(PY) -m pip install --quiet --require-hashes --no-deps -r $(JAIL_REQS))
	$(PY) -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python (cs231n)" >/dev/null
	@touch $(STAMP)
	@echo "setup: .venv ready (kernel '$(KERNEL)')"

data: ## fetch and verify CIFAR-10 into datasets/ (skips when already there)
	bash get_datasets.sh

test: setup ## run the test suite and execute every notebook with nbval
	PYTHONPATH=tools $(PY) -m pytest -p selfcheck $(if $(wildcard tests/questions.json),--by-question,--durations=15)

check: setup ## run one question's public tests with a verdict per test: make check Q=svm_vectorized (no Q: list them)
	@$(PY) tools/selfcheck.py $(Q)

run: setup ## the whole walkthrough: fetch data, execute every notebook into build/ (ipynb + html)
	@bash get_datasets.sh || echo "NOTICE: CIFAR-10 could not be fetched; the notebooks will use the synthetic stand-in (run 'make data' later for the real images)."
	$(PY) tools/run_notebooks.py --out build

lab: setup ## JupyterLab on the course folder, opening in assignments/; prints the URL (LAB_PORT=8890 for another port)
	@# The course folder is served so that cs231n_lib/*.py open in JupyterLab's editor; the
	@# browser lands in assignments/. Only the course's kernel is offered (not the venv's
	@# identical "Python 3"). JupyterLab refuses to start as root, which is how containers
	@# and many course VMs run: then --allow-root, said out loud.
	@$(PY) -c 'import socket, sys; s = socket.socket(); s.bind((sys.argv[1], int(sys.argv[2])))' $(LAB_IP) $(LAB_PORT) 2>/dev/null || \
	  { echo "make lab: port $(LAB_PORT) on $(LAB_IP) is taken (another JupyterLab?); stop that server or choose a free port, as in make lab LAB_PORT=8890." >&2; exit 1; }
	@if [ "$$(id -u)" = 0 ]; then echo "make lab: running as root (uid 0), so JupyterLab starts with --allow-root."; fi
	@token=$$($(PY) -c 'import secrets; print(secrets.token_hex(16))'); \
	echo "make lab: open http://$(LAB_IP):$(LAB_PORT)/lab/tree/assignments?token=$$token in your browser (Ctrl+C here stops JupyterLab)."; \
	exec $(VENV)/bin/jupyter lab $$([ "$$(id -u)" = 0 ] && echo --allow-root) --no-browser --ip=$(LAB_IP) \
	  --port=$(LAB_PORT) --ServerApp.port_retries=0 --IdentityProvider.token=$$token \
	  --ServerApp.root_dir="$(CURDIR)" --LabApp.default_url=/lab/tree/assignments \
	  --KernelSpecManager.ensure_native_kernel=False --KernelSpecManager.allowed_kernelspecs=$(KERNEL) \
	  --MultiKernelManager.default_kernel_name=$(KERNEL)

bench: setup ## print speed ratios measured side by side (losses vs the matmul floor, blocked, stacked search, a net's step vs PyTorch, a playground's redraw); fails when a target is missed
	@# Library speed on every core (the one-thread default above is for shared test runs).
	@# Every benchmark runs; the verb then exits non-zero if one of them did (a missed target).
	status=0; \
	OPENBLAS_NUM_THREADS=$${BENCH_THREADS:-$$(nproc)} $(PY) benchmarks/bench_losses.py $(BENCH_ARGS) || status=$$?; \
	OPENBLAS_NUM_THREADS=$${BENCH_THREADS:-$$(nproc)} $(PY) benchmarks/bench_nets.py || status=$$?; \
	OPENBLAS_NUM_THREADS=$${BENCH_THREADS:-$$(nproc)} $(PY) benchmarks/bench_playgrounds.py || status=$$?; \
	exit $$status

clean: ## remove build products and caches (keeps .venv and datasets/)
	rm -rf build .pytest_cache
	find . -name __pycache__ -type d -prune -not -path './.venv/*' -exec rm -rf {} +

# ---- instructor verbs: the release's Makefile ends above this line (instructor/release/build.py) ----
JOBS ?= 2
GRADES ?= build/grades
SIMILARITY ?= build/similarity
GRADER_STAMP := $(VENV)/.grader-installed

# The grader's own requirements (instructor/requirements-grader.txt: copydetect for the similarity report);
# the instructor's test run needs them too.
$(GRADER_STAMP): $(STAMP) instructor/requirements-grader.txt
	$(PY) -m pip install --quiet -r instructor/requirements-grader.txt
	@touch $@

test grade grade-all similarity: $(GRADER_STAMP)

release: setup ## cut the solutions out: the student version in build/release/ and build/release.zip
	$(PY) -m instructor.release --out build/release

grade: setup ## grade one submission (SUBMISSION=zip or folder) into $(GRADES)/<name>/ (default build/grades)
	@test -n "$(SUBMISSION)" || { echo "error: say which submission to grade: make grade SUBMISSION=path/to/zip-or-folder" >&2; exit 2; }
	$(PY) -m instructor.grade "$(SUBMISSION)" --out "$(GRADES)"

grade-all: setup ## grade every zip or folder in SUBMISSIONS=dir, JOBS at a time, into $(GRADES)/gradebook.csv (SHARD=I/N: one share; FORCE=1: regrade)
	@test -n "$(SUBMISSIONS)" || { echo "error: say which folder to grade: make grade-all SUBMISSIONS=path/to/folder [JOBS=2] [SHARD=I/N]" >&2; exit 2; }
	$(PY) -m instructor.grade --all "$(SUBMISSIONS)" --jobs $(JOBS) --out "$(GRADES)" $(if $(SHARD),--shard "$(SHARD)") $(if $(FORCE),--force)

similarity: setup ## report pairs of submissions in SUBMISSIONS=dir with unusually similar code: $(SIMILARITY)/similarity.html and .csv
	@test -n "$(SUBMISSIONS)" || { echo "error: say which folder to compare: make similarity SUBMISSIONS=path/to/folder" >&2; exit 2; }
	$(PY) -m instructor.similarity "$(SUBMISSIONS)" --out "$(SIMILARITY)"

gradescope: setup ## build the Gradescope autograder zip: build/gradescope_autograder.zip
	$(PY) -m instructor.gradescope --out build/gradescope_autograder.zip

bench-jail: setup ## the grader's sandbox start-up: a process in a jail box vs started plainly
	$(PY) -m instructor.bench_jail
