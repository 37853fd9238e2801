"""What a student reads: the released graded files open on the lesson, and the tree carries no tracker labels."""

import ast
import re

import pytest

from instructor.release.build import graded_files, student_version
from instructor.release.tree import tree_files

from .course import REPO

PACKAGE_FILES = [rel for rel in graded_files(REPO) if rel.endswith(".py")]
FIRST_EXERCISE_WITHIN = 40  # lines after the module docstring
PLUMBING = re.compile(r"^(_?check_\w*|checked_\w*|_prepare|DeferredInputScan|_norm_inputs|_describe)$")


def _released(rel):
    return student_version(REPO, rel).decode("utf-8")


def _stubs(tree):
    """The functions of a released module whose body raises NotImplementedError: the ones a student writes."""
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and any(
                isinstance(n, ast.Raise) and "NotImplementedError" in ast.unparse(n) for n in ast.walk(node)):
            yield node


@pytest.mark.parametrize("rel", ["cs231n_lib/layers.py", "cs231n_lib/optim.py"])
def test_the_first_exercise_comes_soon_after_the_module_docstring(rel):
    tree = ast.parse(_released(rel))
    docstring_end = tree.body[0].end_lineno
    first = min(node.lineno for node in _stubs(tree))
    assert first - docstring_end <= FIRST_EXERCISE_WITHIN, (
        f"{rel}: the first function to write starts {first - docstring_end} lines after the module docstring")


@pytest.mark.parametrize("rel", PACKAGE_FILES)
def test_no_function_a_student_writes_calls_a_check(rel):
    calls = {}
    for function in _stubs(ast.parse(_released(rel))):
        body = [n for statement in function.body for n in ast.walk(statement)]  # not its decorators
        names = {n.func.id if isinstance(n.func, ast.Name) else n.func.attr
                 for n in body if isinstance(n, ast.Call) and isinstance(n.func, (ast.Name, ast.Attribute))}
        plumbing = sorted(name for name in names if PLUMBING.match(name))
        if plumbing:
            calls[function.name] = plumbing
    assert not calls, f"{rel}: functions to write call validation or plumbing in their body: {calls}"


def test_no_tracker_labels_in_the_tree():
    labels = re.compile(r"\(issue \d+\)|\bissue \d+\b")
    found = []
    for rel in tree_files(REPO):
        if rel.endswith((".py", ".md", ".ipynb", ".toml", ".cfg", ".sh")) or rel == "Makefile":
            text = (REPO / rel).read_text(encoding="utf-8", errors="replace")
            found += [f"{rel}: {m.group(0)}" for m in labels.finditer(text)]
    assert not found, found
