"""The release generator (instructor/release/build.py) on the tiny course, and ``make submit`` in its release."""

import re
import subprocess
import sys
import zipfile

import nbformat
import pytest

from instructor.release.build import ReleaseError, build_release, check_release, distinctive_lines, main
from instructor.release.tree import tree_files

from .course import ANSWER


@pytest.fixture
def release(course, tmp_path):
    out = tmp_path / "build" / "release"
    graded = build_release(course, out)
    return course, out, graded


def test_release_holds_the_student_tree_and_nothing_else(release):
    course, out, graded = release
    assert graded == ["assignments/demo.ipynb", "cs231n_lib/ops.py"]
    files = set(tree_files(out))
    assert files == {
        "Makefile", "README.md", "pyproject.toml", "tools/submit.py", "datasets/README.md",
        "cs231n_lib/__init__.py", "cs231n_lib/ops.py", "cs231n_lib/util.py",
        "tests/test_ops.py", "assignments/demo.ipynb", "tests/questions.json",
        "tools/notebook_cells.py",
    }
    assert (out / "cs231n_lib/util.py").read_bytes() == (course / "cs231n_lib/util.py").read_bytes()
    with zipfile.ZipFile(out.with_name("release.zip")) as archive:
        assert sorted(archive.namelist()) == sorted(f"release/{rel}" for rel in files)


def test_release_has_no_solution_and_stubs_that_say_what_to_implement(release):
    course, out, _ = release
    ops = (out / "cs231n_lib/ops.py").read_text()
    released = {line.strip() for line in ops.split("\n")}
    solution = distinctive_lines(course, "cs231n_lib/ops.py")
    assert solution == ["return twice", "return x / 2.0", "twice = x + x  # the doubling trick"]
    assert not released & set(solution)
    assert "Implement double in cs231n_lib/ops.py" in ops and "Implement Halver.halve in cs231n_lib/ops.py" in ops
    nb = nbformat.read(str(out / "assignments/demo.ipynb"), as_version=4)
    text = nbformat.writes(nb)
    assert ANSWER not in text and "result = double(21)" not in text and "instructor only" not in text
    assert "YOUR ANSWER HERE" in text


def test_generated_files_drop_instructor_verbs_and_paths(release):
    _, out, graded = release
    makefile = (out / "Makefile").read_text()
    assert "release:" not in makefile and "# ---- instructor verbs" not in makefile
    assert ".PHONY: help setup test submit" in makefile
    assert "submit: ## " in makefile and all(rel in makefile for rel in graded)
    assert 'testpaths = ["tests", "assignments"]' in (out / "pyproject.toml").read_text()
    readme = (out / "README.md").read_text()
    assert "make submit" in readme and all(f"- `{rel}`" in readme for rel in graded)


def test_make_submit_zips_exactly_the_graded_files(release):
    _, out, graded = release
    (out / "conftest.py").write_text("# a student's extra file\n")
    done = subprocess.run(["make", "-s", "submit", f"PYTHON={sys.executable}"], cwd=out, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "submission.zip: 2 files written" in done.stdout and "still unfinished" in done.stdout
    # Each unfinished region is named: the notebook's cells as every tool names them, the .py file's lines.
    assert '- cell 3 ("# TODO: double 21 with the package."): code to write' in done.stdout, done.stdout
    assert '- cell 5 ("**Question:** why does the loss stop?"): answer to write' in done.stdout, done.stdout
    assert re.search(r"- line \d+: double in cs231n_lib/ops.py", done.stdout), done.stdout
    with zipfile.ZipFile(out / "submission.zip") as archive:
        assert sorted(archive.namelist()) == graded


def test_make_submit_refuses_a_missing_file_and_writes_no_zip(release):
    _, out, _ = release
    (out / "cs231n_lib/ops.py").unlink()
    done = subprocess.run(["make", "-s", "submit", f"PYTHON={sys.executable}"], cwd=out, capture_output=True, text=True)
    assert done.returncode != 0
    assert "cs231n_lib/ops.py is missing" in done.stderr
    assert not (out / "submission.zip").exists()


def test_a_malformed_marker_fails_the_build_and_keeps_the_previous_release(course, tmp_path, capsys):
    out = tmp_path / "build" / "release"
    assert main(["--src", str(course), "--out", str(out)]) == 0
    before = sorted(tree_files(out))
    ops = course / "cs231n_lib/ops.py"
    ops.write_text(ops.read_text().replace("    ### END SOLUTION\n\n\nclass", "\n\nclass", 1))
    assert main(["--src", str(course), "--out", str(out)]) == 1
    error = capsys.readouterr().err
    assert error.startswith("error: cs231n_lib/ops.py, line 17: nested ### BEGIN SOLUTION"), error
    assert sorted(tree_files(out)) == before
    assert sorted(p.name for p in out.parent.iterdir()) == ["release", "release.zip"], "no temporary folder left"


def test_check_release_catches_leaked_solutions_and_hidden_tests(release):
    course, out, graded = release
    ops = out / "cs231n_lib/ops.py"
    original = ops.read_text()
    ops.write_text(original + "\n    twice = x + x  # the doubling trick\n")
    with pytest.raises(ReleaseError, match="still holds solution text"):
        check_release(course, out, graded)
    ops.write_text(original)
    util = out / "cs231n_lib/util.py"  # a helper that re-implements the answer gives it away too
    helper = util.read_text()
    util.write_text(helper + "\ndef doubled(x):\n    twice = x + x  # the doubling trick\n    return twice\n")
    with pytest.raises(ReleaseError, match="cs231n_lib/util.py in the release holds a solution line of cs231n_lib/ops.py"):
        check_release(course, out, graded)
    util.write_text(helper)
    hidden = course / "instructor/hidden_tests/test_hidden_ops.py"
    (out / "tests/test_more.py").write_bytes(hidden.read_bytes())
    with pytest.raises(ReleaseError, match="hidden tests"):
        check_release(course, out, graded)
