"""The release and the grader on the real course (slow: they run the package's tests and notebooks).

One `make grade-all` batch (JOBS=2) grades, end to end and in the jail, every
submission these tests look at: the reference solution, the untouched
release zip, a copy of the reference with three planted library faults, and
a copy whose smallest notebook raises in its solution cell. One release
build is shared too (session fixtures).
"""

import csv
import json
import os
import subprocess
import sys

import nbformat
import pytest

from instructor.grading.course import load_course
from instructor.release.build import build_release, check_release, distinctive_lines, graded_files
from instructor.release.tree import tree_files

from .course import REPO

pytestmark = [pytest.mark.slow, pytest.mark.jail]  # grades in the jail: see conftest.py

PACKAGE_FILES = [rel for rel in graded_files(REPO) if rel.endswith(".py")]
NOTEBOOKS = [rel for rel in graded_files(REPO) if rel.endswith(".ipynb")]


@pytest.fixture(scope="session")
def real_course():
    return load_course(REPO)


@pytest.fixture(scope="session")
def release(tmp_path_factory):
    """The release, built once: (folder, zip)."""
    out = tmp_path_factory.mktemp("build") / "release"
    build_release(REPO, out)
    return out, out.with_name("release.zip")


PLANTED = {
    "cs231n_lib/optim.py": [("m_hat = m / (1 - beta1**t)", "m_hat = m"), ("v_hat = v / (1 - beta2**t)", "v_hat = v")],
    "cs231n_lib/classifiers/softmax.py": [("shifted = scores - scores.max(axis=1, keepdims=True)", "shifted = scores")],
    "cs231n_lib/classifiers/linear_svm.py": [("    dW = X.T @ dscores  ", "    dW = 0.5 * X.T @ dscores  ")],
}
FAULTY = {"adam", "softmax_vectorized", "svm_vectorized"}
RAISING_NOTEBOOK = min(NOTEBOOKS, key=lambda r: len(nbformat.read(str(REPO / r), as_version=4).cells))


@pytest.fixture(scope="session")
def batch(release, tmp_path_factory):
    """Grade the four submissions with the real `make grade-all`; return ({name: report.json}, gradebook rows, seconds)."""
    folder = tmp_path_factory.mktemp("submissions")
    copy_with(folder / "reference", {})
    copy_with(folder / "planted", PLANTED)
    raising = copy_with(folder / "raising", {})
    nb = nbformat.read(str(REPO / RAISING_NOTEBOOK), as_version=4)
    solution = next(c for c in nb.cells if c.cell_type == "code" and "### BEGIN SOLUTION" in c.source)
    solution.source = "raise RuntimeError('planted halfway')\n" + solution.source
    nbformat.write(nb, str(raising / RAISING_NOTEBOOK))
    (folder / "release.zip").write_bytes(release[1].read_bytes())
    grades = tmp_path_factory.mktemp("grades")
    started = __import__("time").monotonic()
    done = subprocess.run(["make", "-C", str(REPO), "grade-all", f"SUBMISSIONS={folder}", f"GRADES={grades}", "JOBS=2",
                           f"PY={sys.executable}"], capture_output=True, text=True)
    seconds = __import__("time").monotonic() - started
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    reports = {name: json.loads((grades / name / "report.json").read_text())
               for name in ("reference", "planted", "raising", "release")}
    with open(grades / "gradebook.csv", newline="") as f:
        rows = list(csv.reader(f))
    return reports, rows, seconds


def by_id(result):
    return {item["id"]: item for item in result["items"]}


def copy_with(folder, changes):
    """A submission folder: the reference graded files, with ``changes`` ({rel: (old, new)}) applied."""
    for rel in graded_files(REPO):
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        text = (REPO / rel).read_text()
        for old, new in changes.get(rel, []):
            assert old in text, f"the planted fault expects {old!r} in {rel}; update this test to the new reference"
            text = text.replace(old, new)
        (folder / rel).write_text(text)
    return folder


def test_reference_solution_scores_full_marks(batch):
    reference = batch[0]["reference"]
    assert reference["status"] == "graded" and not reference["notes"], reference["notes"]
    assert reference["isolation"] in ("bwrap", "uid")
    lost = {item["id"]: item["failures"][:2] for item in reference["items"] if item["score"] != item["max_score"]}
    assert not lost, f"the reference loses points: {json.dumps(lost, indent=1)}"


def test_every_graded_file_has_points(real_course):
    items = real_course.points.items
    assert {item.file for item in items if item.kind == "tests"} == set(PACKAGE_FILES)
    assert {item.targets[0] for item in items if item.kind == "notebook"} == set(NOTEBOOKS)
    answered = {rel for item in items if item.kind == "answers" for rel in item.targets}
    with_answers = {rel for rel in NOTEBOOKS if "<!-- BEGIN SOLUTION -->" in (REPO / rel).read_text()}
    assert answered == with_answers


def test_release_holds_no_instructor_file_and_no_instructor_testpath(release):
    folder, _ = release
    files = tree_files(folder)
    assert not [rel for rel in files if rel.startswith(("instructor/", ".ci/")) or "hidden" in rel]
    assert "instructor" not in (folder / "pyproject.toml").read_text()
    assert "# ---- instructor verbs" not in (folder / "Makefile").read_text()


def test_release_holds_no_solution_line(release):
    folder, _ = release
    solution = {rel: distinctive_lines(REPO, rel) for rel in graded_files(REPO)}
    assert all(solution.values()), f"every graded file has solution lines to look for: {solution}"
    check_release(REPO, folder, list(solution))


def test_untouched_release_scores_zero(batch):
    result = batch[0]["release"]
    assert result["status"] == "graded" and result["score"] == 0, {i["id"]: i["score"] for i in result["items"]}


def test_planted_library_faults_cost_only_their_own_items(batch):
    # Package items only: notebooks run with the student's own package (no reference code in the jail), so
    # a library fault may also cost the notebook item whose result depends on that function.
    items = {i: item for i, item in by_id(batch[0]["planted"]).items() if not i.startswith("nb")}
    for item_id in FAULTY:
        assert items[item_id]["score"] < items[item_id]["max_score"], f"{item_id}: the planted fault was not caught"
    lost = {i: items[i]["failures"][:1] for i in items if i not in FAULTY and items[i]["score"] < items[i]["max_score"]}
    assert not lost, f"a planted fault cost other items: {lost}"


def test_a_notebook_raising_in_its_solution_cell_costs_only_its_item(batch):
    items = by_id(batch[0]["raising"])
    lost = {i: items[i]["score"] for i in items if items[i]["score"] < items[i]["max_score"]}
    nb_item = next(i for i in items if items[i]["title"].startswith(RAISING_NOTEBOOK.split("/")[-1]))
    assert lost == {nb_item: 0}, lost
    assert "planted halfway" in items[nb_item]["failures"][0]["message"]


def test_gradebook_has_one_row_per_submission_and_no_formula(batch):
    _, rows, _ = batch
    assert [row[:2] for row in rows[1:]] == [["planted", "graded"], ["raising", "graded"], ["reference", "graded"],
                                             ["release", "graded"]]
    assert not [cell for row in rows for cell in row if cell[:1] in ("=", "+", "@", "\t", "\r")]


def test_make_verbs_call_the_tools():
    dry = subprocess.run(["make", "-n", "-C", str(REPO), "grade"], capture_output=True, text=True).stdout
    assert "make grade SUBMISSION=path/to/zip-or-folder" in dry, dry
    for verb, command in [("release", "-m instructor.release"), ("grade SUBMISSION=x.zip", "-m instructor.grade"),
                          ("grade-all SUBMISSIONS=subs", "--all"), ("gradescope", "-m instructor.gradescope")]:
        dry = subprocess.run(["make", "-n", "-C", str(REPO), *verb.split()], capture_output=True, text=True).stdout
        assert command in dry, f"make {verb}: {dry}"
