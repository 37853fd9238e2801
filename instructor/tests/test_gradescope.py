"""The Gradescope autograder zip (instructor/grading/gradescope.py), run locally in a folder laid out like Gradescope's."""

import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile

import pytest

from instructor.grading.gradescope import build_autograder
from instructor.release.build import graded_files


@pytest.mark.jail
def test_run_autograder_grades_the_reference_to_full_marks(course, tmp_path):
    archive_path = tmp_path / "autograder.zip"
    build_autograder(course, archive_path)
    root = tmp_path / "autograder"
    with zipfile.ZipFile(archive_path) as archive:
        names = archive.namelist()
        assert {"setup.sh", "run_autograder", "instructor/points.toml", "instructor/hidden_tests/test_hidden_ops.py"} <= set(names)
        assert not any(name.startswith((".ci/", "instructor/tests/", "datasets/big")) for name in names)
        assert stat.S_IMODE(archive.getinfo("run_autograder").external_attr >> 16) & 0o111, "executable"
        archive.extractall(root / "source")
    for rel in graded_files(course):  # Gradescope unpacks the student's zip into submission/
        (root / "submission" / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(course / rel, root / "submission" / rel)
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "AUTOGRADER_PYTHON": sys.executable}
    done = subprocess.run(["bash", str(root / "source" / "run_autograder")], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "score 7/7" in done.stdout
    results = json.loads((root / "results" / "results.json").read_text())
    assert results["score"] == 7 and [t["score"] for t in results["tests"]] == [4, 2, 1]
    assert {"name", "score", "max_score", "output", "visibility"} <= set(results["tests"][0])
    report = (root / "grades" / "submission" / "report.md").read_text()
    assert "**Score: 7 / 7**" in report


def test_run_autograder_writes_results_even_when_the_grader_cannot_start(tmp_path):
    root = tmp_path / "autograder"
    (root / "source").mkdir(parents=True)
    (root / "submission").mkdir()
    script = os.path.join(os.path.dirname(__file__), "..", "gradescope", "run_autograder")
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "AUTOGRADER_PYTHON": sys.executable}
    done = subprocess.run(["bash", script], env=env, capture_output=True, text=True)
    assert done.returncode == 0
    results = json.loads((root / "results" / "results.json").read_text())
    assert results["score"] == 0 and "tell your instructor" in results["output"]
