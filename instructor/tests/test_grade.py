"""The grader (instructor/grading/) on the tiny course: scores, isolation of faults, hostile submissions.

Each fault is planted in a copy of the reference files and must cost the
points of its own item and nothing else. Runs that need no notebook grade
only the package items (``only``), which start no Jupyter kernel.
"""

import hashlib
import json
import os
import unicodedata
import zipfile
from pathlib import Path

import nbformat
import pytest

from instructor.grading.cli import main
from instructor.grading.course import load_course
from instructor.grading.grade import grade_submission
from instructor.release.build import build_release, graded_files

from .course import HIDDEN_TESTS, demo_notebook, make_course, write_notebook

pytestmark = pytest.mark.jail  # grades in the jail: see conftest.py

PACKAGE_ITEMS = ["double", "halve"]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """The tiny course, its release zip, and a cache of loaded courses (one collection each)."""
    root = tmp_path_factory.mktemp("tiny")
    src = make_course(root / "course")
    build_release(src, root / "build" / "release")
    loaded = {}

    def course(only=None, **limits):
        key = (tuple(only or ()), tuple(sorted(limits.items())))
        if key not in loaded:
            loaded[key] = load_course(src, only, limits)
        return loaded[key]

    return {"src": src, "release_zip": root / "build" / "release.zip", "course": course, "root": root}


def submission(tiny, folder, **changes):
    """Write a submission folder: the reference graded files, with ``changes`` ({rel: text or None})."""
    folder = Path(folder)
    for rel in graded_files(tiny["src"]):
        target = folder / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes((tiny["src"] / rel).read_bytes())
    for rel, text in changes.items():
        target = folder / rel
        if text is None:
            target.unlink()
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
    return folder


def scores(result):
    return {item["id"]: item["score"] for item in result["items"]}


def failures(result, item_id):
    return [f["message"] for item in result["items"] if item["id"] == item_id for f in item["failures"]]


def digest(folder):
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(Path(folder).rglob("*")) if p.is_file()}


def ops_with(tiny, old, new):
    text = (tiny["src"] / "cs231n_lib/ops.py").read_text()
    assert old in text
    return text.replace(old, new)


def test_untouched_release_scores_zero_with_the_stub_message(tiny, tmp_path):
    result = grade_submission(tiny["course"](PACKAGE_ITEMS + ["answers"]), tiny["release_zip"], tmp_path)
    assert result["score"] == 0 and result["status"] == "graded"
    assert all(m.startswith("NotImplementedError: Implement double in cs231n_lib/ops.py") for m in failures(result, "double"))


def test_endless_loop_and_a_students_conftest_cost_only_their_own_item(tiny, tmp_path):
    force_pass = (
        "import pytest\n\n@pytest.hookimpl(hookwrapper=True)\ndef pytest_runtest_makereport(item, call):\n"
        "    report = (yield).get_result()\n    report.outcome = 'passed'\n"
    )
    folder = submission(
        tiny, tmp_path / "sub",
        **{"cs231n_lib/ops.py": ops_with(tiny, "    twice = x + x", "    while True:\n        pass\n    twice = x + x"),
           "conftest.py": force_pass, "tests/conftest.py": force_pass, "cs231n_lib/conftest.py": force_pass,
           "pytest.ini": "[pytest]\naddopts = -p no:instructor.grade_plugin\n",
           "tests/test_ops.py": "def test_double():\n    pass\n"},
    )
    before = digest(folder)
    result = grade_submission(tiny["course"](PACKAGE_ITEMS, call_timeout=1), folder, tmp_path / "out")
    assert scores(result) == {"double": 0, "halve": 2}
    assert all("StudentTimeout" in m for m in failures(result, "double")), failures(result, "double")
    assert digest(folder) == before, "the submission is never modified"


def test_crash_and_huge_allocation_cost_only_their_tests(tiny, tmp_path):
    ops = ops_with(tiny, "    twice = x + x", "    if x < 0:\n        import os\n        os._exit(3)\n    twice = x + x")
    ops = ops.replace("        return x / 2.0", "        import numpy\n        numpy.ones(10**11)\n        return x / 2.0")
    result = grade_submission(tiny["course"](PACKAGE_ITEMS), submission(tiny, tmp_path / "sub", **{"cs231n_lib/ops.py": ops}), tmp_path)
    assert scores(result) == {"double": 3, "halve": 0}, "public double tests pass; the hidden negative one crashed"
    assert any("process died" in m for m in failures(result, "double")), failures(result, "double")
    assert all("MemoryError" in m for m in failures(result, "halve"))


@pytest.mark.parametrize(
    "broken, note",
    [("def double(x)\n", "does not compile (SyntaxError at line"),
     ("raise RuntimeError('boom')\n", "fails when imported (RuntimeError: boom)"),
     ("while True:\n    pass\n", "fails when imported (importing it took longer than 2 s)")],
    ids=["syntax-error", "import-error", "import-loops-forever"],
)
def test_a_broken_module_is_graded_as_unfinished(tiny, tmp_path, broken, note):
    ops = (tiny["src"] / "cs231n_lib/ops.py").read_text() + broken
    course = tiny["course"](PACKAGE_ITEMS, call_timeout=1)
    result = grade_submission(course, submission(tiny, tmp_path / "sub", **{"cs231n_lib/ops.py": ops}), tmp_path)
    assert result["score"] == 0 and result["status"] == "graded"
    assert any(note in n for n in result["notes"]), result["notes"]
    assert all("NotImplementedError" in m for m in failures(result, "double"))


def test_hidden_test_source_never_reaches_the_report(tiny, tmp_path):
    ops = ops_with(tiny, "        return x / 2.0", "        return x // 2")
    result = grade_submission(tiny["course"](PACKAGE_ITEMS), submission(tiny, tmp_path / "sub", **{"cs231n_lib/ops.py": ops}), tmp_path / "out")
    assert scores(result) == {"double": 4, "halve": 0}
    assert "AssertionError: halve(5) should be 2.5, got 2" in failures(result, "halve")
    reports = "".join(p.read_text() for p in (tmp_path / "out" / "sub").iterdir())
    for line in HIDDEN_TESTS.splitlines():
        if len(line.strip()) > 25:
            assert line.strip() not in reports
    assert "hidden-test-source-must-not-leak" not in reports


def test_malformed_notebook_and_missing_file_lose_their_items_and_grading_goes_on(tiny, tmp_path):
    folder = submission(tiny, tmp_path / "sub", **{"assignments/demo.ipynb": '{"cells": [', "cs231n_lib/ops.py": None})
    result = grade_submission(tiny["course"](), folder, tmp_path)
    assert result["score"] == 0 and result["status"] == "graded"
    notes = " ".join(result["notes"])
    assert "assignments/demo.ipynb is not a valid notebook" in notes and "cs231n_lib/ops.py is not in the submission" in notes


def test_unanswered_question_found_by_its_text_when_cell_ids_change(tiny, tmp_path):
    nb = demo_notebook()
    for cell in nb.cells:
        cell["id"] = "changed-" + cell["id"]
    nb.cells[4].source = nb.cells[4].source.split("<!--")[0] + "YOUR ANSWER HERE"
    folder = submission(tiny, tmp_path / "sub", **{"assignments/demo.ipynb": nbformat.writes(nb)})
    assert scores(grade_submission(tiny["course"](["answers"]), folder, tmp_path)) == {"answers": 0}
    nb.cells[4].source = nb.cells[4].source.replace("YOUR ANSWER HERE", "Because margins.")
    write_notebook(folder / "assignments/demo.ipynb", nb)
    result = grade_submission(tiny["course"](["answers"]), folder, tmp_path)
    assert scores(result) == {"answers": 0} and "too short" in failures(result, "answers")[0]
    nb.cells[4].source = nb.cells[4].source.replace("Because margins.", "why does the loss stop? why does the loss stop?")
    write_notebook(folder / "assignments/demo.ipynb", nb)
    result = grade_submission(tiny["course"](["answers"]), folder, tmp_path)
    assert scores(result) == {"answers": 0} and "repeats the question" in failures(result, "answers")[0]
    nb.cells[4].source = nb.cells[4].source.replace("why does the loss stop? why does the loss stop?",
                                                    "Once every wrong score trails the right one by the margin, "
                                                    "the hinge is flat and contributes zero.")
    write_notebook(folder / "assignments/demo.ipynb", nb)
    assert scores(grade_submission(tiny["course"](["answers"]), folder, tmp_path)) == {"answers": 1}


def _zip(path, entries):
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in entries:
            if isinstance(data, zipfile.ZipInfo):
                archive.writestr(data, name)
            else:
                archive.writestr(name, data)
    return path


def _symlink_entry(name):
    info = zipfile.ZipInfo(name)
    info.external_attr = (0o120777 << 16)
    return info


@pytest.mark.parametrize(
    "entry, problem",
    [(("../../evil.py", "x"), "a '..' path component"),
     (("/etc/cs231n_lib/ops.py", "x"), "an absolute path"),
     (("/etc/passwd", _symlink_entry("cs231n_lib/util.py")), "a symbolic link")],
    ids=["traversal", "absolute", "symlink"],
)
def test_unsafe_zip_is_rejected_with_a_clear_message(tiny, tmp_path, capsys, entry, problem):
    bad = _zip(tmp_path / "bad.zip", [("cs231n_lib/ops.py", "x = 1\n"), entry])
    code = main([str(bad), "--src", str(tiny["src"]), "--out", str(tmp_path / "out"), "--only", "double"])
    assert code == 1
    err = capsys.readouterr().err
    assert f"contains {problem}" in err and "make submit" in err
    assert json.loads((tmp_path / "out/bad/results.json").read_text())["score"] == 0
    assert not (tmp_path / "evil.py").exists() and not (tmp_path.parent / "evil.py").exists()


def test_grade_all_writes_one_gradebook_row_per_submission(tiny, tmp_path, capsys):
    folder = tmp_path / "submissions"
    submission(tiny, folder / "alice")
    _zip(folder / "bob.zip", [("release/" + rel, (tiny["src"] / rel).read_bytes()) for rel in graded_files(tiny["src"])])
    (folder / "carol.zip").write_bytes(tiny["release_zip"].read_bytes())
    _zip(folder / "mallory.zip", [("../x.py", "x")])
    code = main(["--all", str(folder), "--src", str(tiny["src"]), "--out", str(tmp_path / "out"),
                 "--only", *PACKAGE_ITEMS, "--jobs", "2"])
    assert code == 1, "one submission was rejected"
    rows = (tmp_path / "out/gradebook.csv").read_text().splitlines()
    assert rows == [
        "submission,status,double,halve,total,max,entry",
        "alice,graded,4,2,6,6,alice",
        "bob,graded,4,2,6,6,bob.zip",
        "carol,graded,0,0,0,6,carol.zip",
        "mallory,rejected,0,0,0,6,mallory.zip",
    ]
    assert "mallory: score 0/6 (rejected:" in capsys.readouterr().out


def _unshown(text):
    """The characters of ``text`` a terminal, an editor or a browser would act on or hide (line breaks aside)."""
    return [c for c in text if unicodedata.category(c) in ("Cf", "Cs") or (unicodedata.category(c) == "Cc" and c != "\n")]


def test_text_a_terminal_or_browser_would_act_on_is_shown_not_obeyed(tiny, tmp_path, capsys):
    """A message of escape sequences (clear the screen, set the title), a bidirectional override, a zero-width
    space and a lone surrogate (which no UTF-8 file can hold: it used to stop report.md from being written), and
    an entry whose name holds an escape sequence and a byte that is not UTF-8: every report and the gradebook are
    written, with each such character shown as U+FFFD, and the terminal gets none of them."""
    hostile = "\\x1b[2J\\x1b]0;owned\\x07\\u202eSCORE 100/100\\u202c\\u200b\\ud800 ok"
    ops = ops_with(tiny, "        return x / 2.0", f'        raise ValueError("{hostile}")')
    folder = tmp_path / "submissions"
    submission(tiny, folder / "alice", **{"cs231n_lib/ops.py": ops})
    submission(tiny, folder / os.fsdecode(b"bob\x1b[31m\xff"))
    code = main(["--all", str(folder), "--src", str(tiny["src"]), "--out", str(tmp_path / "out"),
                 "--only", *PACKAGE_ITEMS, "--jobs", "2"])
    assert code == 0, "both are graded"
    report = (tmp_path / "out/alice/report.md").read_text(encoding="utf-8")
    assert "ValueError: \ufffd" in report and "SCORE 100/100" in report, report
    for path in (tmp_path / "out").rglob("*"):
        if path.is_file():
            assert not _unshown(path.read_text(encoding="utf-8")), path
    rows = (tmp_path / "out/gradebook.csv").read_text(encoding="utf-8").splitlines()
    assert rows[1:] == ["alice,graded,4,0,4,6,alice", "bob__31m_,graded,4,2,6,6,bob\ufffd[31m\ufffd"], rows
    out, err = capsys.readouterr()
    assert not _unshown(out + err)


def test_grader_misconfiguration_is_reported_not_graded(tiny, tmp_path, capsys):
    src = make_course(tmp_path / "course")
    points = src / "instructor/points.toml"
    text = points.read_text().replace("test_double*", "test_no_such_test").replace("test_double_*", "test_none")
    points.write_text(text)
    assert main([str(src), "--src", str(src), "--out", str(tmp_path / "out")]) == 2
    assert "item double matches no test" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
