"""The student's loop on the real release: the question map, make check, make test's summary."""

import json
import re
import subprocess
import sys
from xml.etree import ElementTree

import nbformat
import pytest

from instructor.grading.points import load_points
from instructor.release.questions import MAP_PATH, build_question_map, check_asked_in
from instructor.release.build import build_release

from .course import REPO

ANSI = re.compile(r"\x1b\[")


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    out = tmp_path_factory.mktemp("selfcheck") / "release"
    build_release(REPO, out)
    return out


def run(release, *args, timeout=300):
    return subprocess.run([sys.executable, *map(str, args)], cwd=release, capture_output=True, text=True,
                          timeout=timeout)


def test_the_shipped_map_is_generated_from_points_toml_and_every_pattern_finds_a_test(release):
    points = load_points(REPO / "instructor" / "points.toml")
    check_asked_in(points)
    shipped = json.loads((release / MAP_PATH).read_text())
    assert shipped == build_question_map(points), f"{MAP_PATH} must be exactly what points.toml gives"
    assert [q["id"] for q in shipped["questions"]] and {q["id"] for q in shipped["questions"]} == \
        {item.id for item in points.items}, "every item of the grade report is a question"
    files = sorted({p.split("::")[0] for q in shipped["questions"] for p in q.get("tests", ())})
    collected = run(release, "-m", "pytest", *files, "--collect-only", "-q", "-p", "no:nbval", "-o", "addopts=")
    nodeids = [line for line in collected.stdout.splitlines() if "::" in line]
    sys.path.insert(0, str(release / "tools"))
    import selfcheck

    for question in shipped["questions"]:
        if question["kind"] == "tests":
            assert all(p.startswith("tests/") for p in question["tests"]), "only public tests are shipped"
            found = [n for n in nodeids if selfcheck.matches(question, n)]
            assert found, f"question {question['id']} matches no public test of the release"


def test_make_check_on_a_stub_a_bug_and_a_solution(release):
    stub = run(release, "tools/selfcheck.py", "svm_vectorized")
    assert stub.returncode == 1 and "not started: replace the raise NotImplementedError in svm_loss_vectorized" \
        in stub.stdout, stub.stdout + stub.stderr
    assert stub.stdout.count("NotImplementedError: Implement svm_loss_vectorized") == 1, "the stub message once"

    reference = (REPO / "cs231n_lib" / "classifiers" / "linear_svm.py").read_text()
    target = release / "cs231n_lib" / "classifiers" / "linear_svm.py"
    target.write_text(reference)
    solved = run(release, "tools/selfcheck.py", "svm_vectorized")
    assert solved.returncode == 0, solved.stdout + solved.stderr
    assert re.search(r"^(\d+) of \1 public tests pass\.$", solved.stdout, re.MULTILINE), solved.stdout

    averaging = "dscores /= num_train"
    assert reference.count(averaging) == 1, "the planted bug needs the reference's averaging line"
    target.write_text(reference.replace(averaging, "dscores /= 2 * num_train"))  # a gradient half too small
    buggy = run(release, "tools/selfcheck.py", "svm_vectorized")
    assert buggy.returncode == 1
    assert "  FAIL   " in buggy.stdout and "look at " in buggy.stdout and "the test is at tests/" in buggy.stdout, \
        buggy.stdout


def test_make_check_lists_questions_and_rejects_unknown_names(release):
    listed = run(release, "tools/selfcheck.py")
    assert listed.returncode == 0 and "svm_vectorized" in listed.stdout and "adamw" in listed.stdout
    unknown = run(release, "tools/selfcheck.py", "svm")
    assert unknown.returncode == 2 and "there is no question 'svm'; pick one of: svm_naive_loss" in unknown.stderr
    softmax = release / "cs231n_lib" / "classifiers" / "softmax.py"
    saved = softmax.read_text()
    softmax.write_text(saved + "\ndef broken(:\n")
    try:
        broken = run(release, "tools/selfcheck.py", "svm_vectorized")
    finally:
        softmax.write_text(saved)
    assert broken.returncode == 2 and "does not import: File " in broken.stderr and "softmax.py\", line" in \
        broken.stderr and "SyntaxError" in broken.stderr, broken.stderr


def test_release_test_stops_a_notebook_at_its_first_unfinished_cell_and_summarizes(release):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# tiny"), nbformat.v4.new_code_cell("x = 1"),
                nbformat.v4.new_code_cell("# TODO: write it\nraise NotImplementedError('Implement the cell')"),
                nbformat.v4.new_code_cell("assert x == 2, 'would cascade'"), nbformat.v4.new_code_cell("y = x")]
    nbformat.write(nb, release / "assignments" / "01_svm_loss.ipynb")
    env_path = f"{release / 'tools'}"
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "selfcheck", "--by-question", "tests/test_regularizers.py",
         "assignments/01_svm_loss.ipynb", "-p", "no:cacheprovider"],
        cwd=release, capture_output=True, text=True, timeout=300,
        env={**__import__("os").environ, "PYTHONPATH": env_path})
    out = proc.stdout
    assert proc.returncode == 1, out + proc.stderr
    assert not ANSI.search(out), "no colour codes when the output is not a terminal"
    assert 'nb01_runs' in out and 'stopped at cell 3 ("# TODO: write it"): NotImplementedError: Implement the cell' \
        in out, out
    assert "would cascade" not in out, "later cells are skipped, not failed"
    assert re.search(r"not started\s+l1_penalty", out), out
    assert re.search(r"not run\s+svm_naive_loss", out), "questions whose tests did not run are not guessed"
    assert "Next: open assignments/01_svm_loss.ipynb in JupyterLab (make lab) and run it from the top; " \
           'it stopped at cell 3 ("# TODO: write it")' in out, out
    assert len(out.splitlines()) < 80, "the summary is short"


def test_a_failure_outside_every_question_is_named_and_nothing_is_called_done(release):
    (release / "tests" / "test_zz_outside.py").write_text(
        "def test_outside():\n    assert 1 == 2, 'a failure no question owns'\n")
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "selfcheck", "--by-question", "tests/test_zz_outside.py",
         "-p", "no:cacheprovider"], cwd=release, capture_output=True, text=True, timeout=300,
        env={**__import__("os").environ, "PYTHONPATH": str(release / "tools")})
    (release / "tests" / "test_zz_outside.py").unlink()
    out = proc.stdout
    assert proc.returncode == 1, out + proc.stderr
    assert "Failed, outside every question (1;" in out and "tests/test_zz_outside.py::test_outside" in out, out
    assert "AssertionError: a failure no question owns" in out, out
    assert "Everything is done" not in out, out


def test_no_question_has_a_passing_public_test_in_the_untouched_release(tmp_path):
    # A public test that passes before the student writes anything gives its points away (or tests
    # code the release already holds, such as a helper re-implementing the answer). Its own release:
    # the tests above edit theirs.
    release = tmp_path / "release"
    build_release(REPO, release)
    questions = [q for q in json.loads((release / MAP_PATH).read_text())["questions"] if q["kind"] == "tests"]
    files = sorted({p.split("::")[0] for q in questions for p in q["tests"]})
    report = tmp_path / "junit.xml"
    run(release, "-m", "pytest", *files, "-q", "-p", "no:nbval", "-p", "no:cacheprovider", "-o", "addopts=",
        f"--junitxml={report}")
    sys.path.insert(0, str(release / "tools"))
    import selfcheck

    cases = ElementTree.parse(report).getroot().iter("testcase")
    outcomes = {}
    for case in cases:
        nodeid = case.get("classname").replace(".", "/") + ".py::" + case.get("name")
        outcomes[nodeid] = not any(child.tag in ("failure", "error", "skipped") for child in case)
    assert outcomes, "the public tests ran"
    passing = {q["id"]: [n for n, ok in outcomes.items() if ok and selfcheck.matches(q, n)] for q in questions}
    ran = {q["id"]: [n for n in outcomes if selfcheck.matches(q, n)] for q in questions}
    assert all(ran.values()), f"every question's public tests ran: {ran}"
    assert not any(passing.values()), {i: tests for i, tests in passing.items() if tests}


def test_make_bench_names_only_shipped_scripts_that_start_in_the_release(release):
    dry = subprocess.run(["make", "-n", "bench", f"PY={sys.executable}", "VENV=.venv"], cwd=release,
                         capture_output=True, text=True)
    scripts = re.findall(r"(\S+\.py)", dry.stdout)
    assert scripts, dry.stdout + dry.stderr
    for script in scripts:
        assert (release / script).is_file(), f"make bench runs {script}, which the release does not hold"
        started = run(release, script, "--help")  # imports resolve in the release (no instructor/)
        assert started.returncode == 0, started.stderr[-1000:]
