"""A tiny course tree for the instructor tests, and small helpers.

The tiny course (``course`` fixture) has everything the real one has, in
miniature: a package ``cs231n_lib`` with two marked functions, public and
hidden tests, a notebook with a marked code cell, a marked answer and an
instructor cell, a Makefile with the instructor cut line, a points file. The
release, marker and grader tests run on it in seconds; the tests marked
``slow`` run the same tools on the real repository.
"""

import json
import shutil
import textwrap
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[2]
INSTRUCTOR = REPO / "instructor"

OPS = '''\
"""Two tiny operations."""


def double(x):
    """Return 2 * x."""
    # TODO: return twice x.
    ### BEGIN SOLUTION
    twice = x + x  # the doubling trick
    return twice
    ### END SOLUTION


class Halver:
    def halve(self, x):
        """Return x / 2."""
        # TODO: return half of x
        # (a float, also for integers).
        ### BEGIN SOLUTION
        return x / 2.0
        ### END SOLUTION
'''

PUBLIC_TESTS = '''\
import pytest

from cs231n_lib.ops import Halver, double


@pytest.mark.parametrize("x", [1, 2, 3])
def test_double(x):
    assert double(x) == 2 * x


def test_halve():
    assert Halver().halve(3) == 1.5
'''

HIDDEN_TESTS = '''\
"""Hidden checks of the tiny course. PYTEST_DONT_REWRITE"""

from cs231n_lib.ops import Halver, double

SECRET_CONSTANT = "hidden-test-source-must-not-leak"


def test_double_negative():
    assert double(-4) == -8, "double(-4) should be -8"


def test_halve_int_gives_float():
    result = Halver().halve(5)
    assert result == 2.5 and SECRET_CONSTANT, f"halve(5) should be 2.5, got {result!r}"
'''

POINTS = '''\
[limits]
call_timeout = 10
budget = 20
cell_timeout = 60
memory_mb = 2048

[[item]]
id = "double"
title = "double"
points = 4
file = "cs231n_lib/ops.py"
tests = ["tests/test_ops.py::test_double*", "instructor/hidden_tests/test_hidden_ops.py::test_double_*"]

[[item]]
id = "halve"
title = "Halver.halve"
points = 2
file = "cs231n_lib/ops.py"
tests = ["tests/test_ops.py::test_halve", "instructor/hidden_tests/test_hidden_ops.py::test_halve_*"]

[[item]]
id = "answers"
title = "Inline answers present"
points = 1
answers = ["assignments/demo.ipynb"]
'''

PYPROJECT = '''\
[project]
name = "tiny"
version = "0"

[tool.pytest.ini_options]
testpaths = ["tests", "instructor/tests", "assignments"]
addopts = "-ra"
'''

MAKEFILE = '''\
PYTHON ?= python3
PY := $(PYTHON)
.PHONY: help setup test release grade grade-all gradescope submit

setup: ## nothing to set up here
\t@true

test: setup ## run the tests
\t$(PY) -m pytest

# ---- instructor verbs: the release's Makefile ends above this line ----
release: setup ## build the release
\t$(PY) -m instructor.release
'''

ANSWER = "The hinge loss stops caring once the margin is met: correct scores beyond it add nothing."


def demo_notebook():
    """The tiny course's notebook: a marked code cell, a marked answer, an instructor cell."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Demo\nDoubling, the CS231n way."),
        nbformat.v4.new_code_cell("from cs231n_lib.ops import double"),
        nbformat.v4.new_code_cell(
            "# TODO: double 21 with the package.\n### BEGIN SOLUTION\nresult = double(21)\n### END SOLUTION"
        ),
        nbformat.v4.new_code_cell('assert result == 42, f"double(21) should be 42, got {result}"'),
        nbformat.v4.new_markdown_cell(
            f"**Question:** why does the loss stop?\n\n**Your answer:**\n<!-- BEGIN SOLUTION -->\n{ANSWER}\n<!-- END SOLUTION -->"
        ),
        nbformat.v4.new_code_cell("print('instructor only: grading notes')", metadata={"tags": ["instructor"]}),
    ]
    nb.cells[2].outputs = [nbformat.v4.new_output("stream", text="an old output\n")]
    nb.cells[2].execution_count = 3
    return nb


def make_course(root):
    """Write the tiny course into folder ``root`` (not a git repository: the tree is walked)."""
    root = Path(root)
    files = {
        "cs231n_lib/__init__.py": '"""Tiny package."""\nfrom . import ops\n',
        "cs231n_lib/ops.py": OPS,
        "cs231n_lib/util.py": '"""No markers here."""\n\n\ndef identity(x):\n    return x\n',
        "tests/test_ops.py": PUBLIC_TESTS,
        "instructor/hidden_tests/test_hidden_ops.py": HIDDEN_TESTS,
        "instructor/points.toml": POINTS,
        "pyproject.toml": PYPROJECT,
        "Makefile": MAKEFILE,
        "README.md": "# Instructor README\n",
        "datasets/README.md": "# datasets\n",
        "datasets/big.bin": "not shipped",
        ".ci/run": "#!/bin/sh\nmake test\n",
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    for module in INSTRUCTOR.glob("*.py"):
        shutil.copy2(module, root / "instructor" / module.name)
    for package in ("release", "grading"):  # the grader's two jobs (instructor/README.md)
        shutil.copytree(INSTRUCTOR / package, root / "instructor" / package,
                        ignore=shutil.ignore_patterns("__pycache__"))
    for extra in ("release_README.md", "requirements-grader.txt", "gradescope"):
        copy = shutil.copytree if (INSTRUCTOR / extra).is_dir() else shutil.copy2
        copy(INSTRUCTOR / extra, root / "instructor" / extra)
    write_notebook(root / "assignments" / "demo.ipynb", demo_notebook())
    return root


def write_notebook(path, nb):
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))


def read_json(path):
    return json.loads(Path(path).read_text())


def dedent(text):
    return textwrap.dedent(text).lstrip("\n")
