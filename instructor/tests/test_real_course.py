"""The release and the grader on the real course (slow: they run the package's tests and notebooks).

One grading of the reference solution and one release build are shared by
every test here (session fixtures). Faults are planted in copies of the
reference files and graded only on the items they could touch (``only``),
so no notebook runs twice without need.
"""

import concurrent.futures
import json
import shutil
import subprocess

import nbformat
import pytest

from instructor.grade import PYTEST, grade_submission, load_course, read_events, run_notebook
from instructor.release import build_release, check_release, distinctive_lines, graded_files
from instructor.sandbox import child_env, run_limited
from instructor.tree import tree_files

from .course import REPO

pytestmark = pytest.mark.slow

PACKAGE_FILES = [rel for rel in graded_files(REPO) if rel.endswith(".py")]
NOTEBOOKS = [rel for rel in graded_files(REPO) if rel.endswith(".ipynb")]


@pytest.fixture(scope="session")
def real_course():
    return load_course(REPO)


@pytest.fixture(scope="session")
def reference(real_course, tmp_path_factory):
    """The reference solution, graded once like a submission."""
    return grade_submission(real_course, REPO, tmp_path_factory.mktemp("grades"), jobs=2, name="reference")


@pytest.fixture(scope="session")
def release(tmp_path_factory):
    """The release, built once: (folder, zip)."""
    out = tmp_path_factory.mktemp("build") / "release"
    build_release(REPO, out)
    return out, out.with_name("release.zip")


@pytest.fixture(scope="session")
def plugin_path(tmp_path_factory):
    """A folder providing only instructor.grade_plugin, for pytest runs inside the release."""
    folder = tmp_path_factory.mktemp("plugin")
    (folder / "instructor").mkdir()
    for name in ("__init__.py", "grade_plugin.py"):
        shutil.copy2(REPO / "instructor" / name, folder / "instructor" / name)
    return folder


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


def test_reference_solution_scores_full_marks(reference):
    assert reference["status"] == "graded" and not reference["notes"], reference["notes"]
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


def test_every_release_module_imports_from_the_release(release, tmp_path):
    folder, _ = release
    modules = [rel[:-3].replace("/", ".").removesuffix(".__init__") for rel in tree_files(folder)
               if rel.startswith("cs231n_lib/") and rel.endswith(".py")]
    code = ("import importlib, os, sys\nfor name in sys.argv[1:]:\n"
            "    assert importlib.import_module(name).__file__.startswith(os.getcwd()), name\n")
    done = run_limited(["-c", code, *modules], folder, child_env(folder, tmp_path), 120, 3072, tmp_path / "imports.log")
    assert done.returncode == 0, done.output


def test_release_public_tests_fail_with_not_implemented_error_only(release, plugin_path, tmp_path):
    folder, _ = release
    out = tmp_path / "public.jsonl"
    # The test files that touch what students change: a graded module, or the solution markers.
    words = [rel.split("/")[-1][:-3] for rel in PACKAGE_FILES] + ["BEGIN SOLUTION"]
    test_files = [rel for rel in tree_files(folder) if rel.startswith("tests/test_") and rel.endswith(".py")
                  and any(word in (folder / rel).read_text() for word in words)]
    args = PYTEST + ["--grade-out", str(out), "--grade-package", "cs231n_lib", *test_files]
    done = run_limited(args, folder, child_env([folder, plugin_path], tmp_path), 600, 3072, tmp_path / "public.log")
    events = read_events(out)
    assert not [e for e in events if e["event"] == "collect_error"], done.output
    failed = [e for e in events if e["event"] == "done" and e["outcome"] == "failed"]
    others = [f"{e['nodeid']}: {e['message'][:120]}" for e in failed if not e["message"].startswith("NotImplementedError: Implement ")]
    assert failed and not others, "public tests failing for another reason than a stub:\n" + "\n".join(others[:10])


def test_release_notebooks_stop_at_their_first_unfinished_cell(real_course, release, plugin_path, tmp_path):
    folder, _ = release

    def run(rel):
        scratch = tmp_path / rel.replace("/", "_")
        scratch.mkdir()
        return run_notebook(real_course, folder, rel, scratch, pythonpath=[folder, plugin_path])

    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = dict(zip(NOTEBOOKS, pool.map(run, NOTEBOOKS)))
    for rel, (ok, message) in outcomes.items():
        assert not ok and ": NotImplementedError: Implement " in message, f"{rel}: {message}"
        assert "replace this raise with your code" in message, f"{rel}: {message}"


def test_untouched_release_scores_zero_on_implementation_items(real_course, release, tmp_path):
    _, zip_path = release
    course = real_course.select([i.id for i in real_course.points.items if i.kind != "notebook"])
    result = grade_submission(course, zip_path, tmp_path, jobs=2)
    assert result["status"] == "graded" and result["score"] == 0, {i["id"]: i["score"] for i in result["items"]}


def test_planted_library_faults_cost_only_their_own_items(real_course, tmp_path):
    force_pass = ("import pytest\n\n@pytest.hookimpl(hookwrapper=True)\ndef pytest_runtest_makereport(item, call):\n"
                  "    report = (yield).get_result()\n    report.outcome = 'passed'\n")
    folder = copy_with(tmp_path / "sub", {
        "cs231n_lib/optim.py": [("m_hat = m / (1 - beta1**t)", "m_hat = m"), ("v_hat = v / (1 - beta2**t)", "v_hat = v")],
        "cs231n_lib/softmax.py": [("shifted = scores - scores.max(axis=1, keepdims=True)", "shifted = scores")],
        "cs231n_lib/linear_svm.py": [("    dW += reg_grad\n    loss = loss + reg_loss\n    scan.check",
                                      "    loss = loss + reg_loss\n    scan.check")],
    })
    for rel in ("conftest.py", "tests/conftest.py", "cs231n_lib/conftest.py"):
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(force_pass)
    (folder / "pytest.ini").write_text("[pytest]\naddopts = -p no:instructor.grade_plugin\n")
    files = {"cs231n_lib/optim.py", "cs231n_lib/softmax.py", "cs231n_lib/linear_svm.py"}
    only = [item.id for item in real_course.points.items if item.file in files]
    result = grade_submission(real_course.select(only), folder, tmp_path / "grades", jobs=2)
    items = by_id(result)
    faulty = {"adam", "softmax_vectorized", "svm_vectorized"}
    for item_id in faulty:
        assert items[item_id]["score"] < items[item_id]["max_score"], f"{item_id}: the planted fault was not caught"
    lost = {i: items[i]["failures"][:1] for i in items if i not in faulty and items[i]["score"] < items[i]["max_score"]}
    assert not lost, f"a planted fault cost other items: {lost}"


def test_a_notebook_raising_halfway_costs_only_its_run_item(real_course, tmp_path):
    rel = min(NOTEBOOKS, key=lambda r: len(nbformat.read(str(REPO / r), as_version=4).cells))
    nb = nbformat.read(str(REPO / rel), as_version=4)
    middle = len(nb.cells) // 2
    nb.cells.insert(middle, nbformat.v4.new_code_cell("raise RuntimeError('planted halfway')"))
    folder = copy_with(tmp_path / "sub", {})
    nbformat.write(nb, str(folder / rel))
    items = real_course.points.items
    only = [i.id for i in items if i.kind == "notebook" and i.targets[0] == rel] + ["answers"]
    result = grade_submission(real_course.select(only), folder, tmp_path / "grades")
    scores = {item["id"]: item["score"] for item in result["items"]}
    assert scores == {only[0]: 0, "answers": by_id(result)["answers"]["max_score"]}, scores
    assert "RuntimeError: planted halfway" in by_id(result)[only[0]]["failures"][0]["message"]


def test_make_verbs_call_the_tools():
    dry = subprocess.run(["make", "-n", "-C", str(REPO), "grade"], capture_output=True, text=True).stdout
    assert "make grade SUBMISSION=path/to/zip-or-folder" in dry, dry
    for verb, command in [("release", "-m instructor.release"), ("grade SUBMISSION=x.zip", "-m instructor.grade"),
                          ("grade-all SUBMISSIONS=subs", "--all"), ("gradescope", "-m instructor.gradescope")]:
        dry = subprocess.run(["make", "-n", "-C", str(REPO), *verb.split()], capture_output=True, text=True).stdout
        assert command in dry, f"make {verb}: {dry}"
