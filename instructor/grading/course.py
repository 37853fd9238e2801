"""The instructor's tree as grading needs it: files, graded files, points, and each item's expected tests.

``load_course`` reads it once per run (``Course``). The expected tests of a
tests item come from collecting the instructor's tree in a harness run
(``run_harness``: a trusted pytest process, harness.py), so a submission can
never shrink a denominator. Nothing here reads a submission.
"""

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..release.build import graded_files
from ..release.tree import tree_files
from .box import PACKAGE
from .points import Points, load_points, node_pattern

REPO = Path(__file__).resolve().parents[2]
POINTS_FILE = "instructor/points.toml"
HARNESS = "instructor.grading.harness"  # python -m HARNESS CONFIG: one harness run


class GraderError(RuntimeError):
    """The grader itself is misconfigured (not the submission's fault)."""


@dataclass
class Course:
    """What grading needs from the instructor's tree, computed once per run."""

    src: Path
    files: list
    graded: list
    points: object
    expected: dict  # tests item id -> node ids collected from the instructor's tree
    backend: str = "bwrap"

    def select(self, only=None, limits=None):
        """Return this course with only the items ``only``, and ``limits`` overriding points.toml's. Trusts the
        instructor's arguments; points.select checks the item ids."""
        points = self.points.select(only)
        overrides = {key: value for key, value in (limits or {}).items() if value}
        points = Points({**points.limits, **overrides}, points.items)
        expected = {item.id: self.expected[item.id] for item in points.items if item.id in self.expected}
        return Course(self.src, self.files, self.graded, points, expected, self.backend)


def item_test_files(course_files, items):
    """Return the test files the patterns of ``items`` name (the part before '::'). Trusts points.toml;
    checks each file against the tree's files."""
    wanted = set()
    for item in items:
        for pattern in item.targets:
            head = node_pattern(pattern.split("::")[0])
            wanted |= {rel for rel in course_files if head.fullmatch(rel)}
    return sorted(wanted)


def graded_modules(graded):
    """{module name: graded .py file} of the package, from the graded files (the instructor's markers).
    Trusts the instructor's tree; checks nothing."""
    return {rel[:-3].replace("/", "."): rel for rel in graded if rel.endswith(".py") and rel.startswith(PACKAGE + "/")}


def load_course(src=REPO, only=None, limits=None, backend="bwrap"):
    """Read the tree, the graded files and the points; collect each tests item's expected tests. Trusts the
    instructor's tree; checks that every item names a graded file or notebook and matches a collected test
    (GraderError otherwise)."""
    src = Path(src).resolve()
    files = tree_files(src)
    graded = graded_files(src, files)
    points = load_points(src / POINTS_FILE).select(only)
    notebooks = {rel for rel in graded if rel.endswith(".ipynb")}
    for item in points.items:
        if item.kind == "tests" and item.file not in graded:
            raise GraderError(f"points.toml item {item.id}: file {item.file} is not a graded .py file; fix the path.")
        if item.kind in ("notebook", "answers"):
            stray = [t for t in item.targets if t not in notebooks]
            if stray:
                raise GraderError(f"points.toml item {item.id}: {', '.join(stray)} is not a graded notebook; fix the path.")
    expected = {}
    test_items = [item for item in points.items if item.kind == "tests"]
    if test_items:
        with tempfile.TemporaryDirectory(prefix="grade-collect-") as scratch:
            records = _collect(src, item_test_files(files, test_items), Path(scratch))
        for item in test_items:
            expected[item.id] = [n for n in records if item.matches(n)]
            if not expected[item.id]:
                raise GraderError(f"points.toml item {item.id} matches no test of the instructor's tree; fix its patterns.")
    return Course(src, files, graded, points, expected, backend).select(limits=limits)


def read_events(path):
    """Return the records a harness run wrote to ``path`` (none if it never started). Trusts the harness (a
    trusted process; the file sits in the 0700 logs/ folder); checks each line and stops at the first that is
    not JSON."""
    if not Path(path).exists():
        return []
    events = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        try:
            events.append(json.loads(line))
        except ValueError:
            break
    return events


def run_harness(src, config, scratch, wall):
    """Run the trusted harness (a pytest process in the instructor's tree); return (events, log tail).
    Trusts the grader's config; checks the time: the process gets a fresh environment, its own session, and
    ``wall`` seconds, then its whole process group is killed."""
    path = scratch / "harness.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    env = {key: os.environ[key] for key in ("PATH", "LANG", "LC_ALL", "CS231N_DATA_DIR") if key in os.environ}
    env.update(PYTHONPATH=str(src), PYTHONNOUSERSITE="1", PYTHONDONTWRITEBYTECODE="1", PYTHONHASHSEED="0",
               PYTEST_DISABLE_PLUGIN_AUTOLOAD="1", MPLBACKEND="Agg", OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1",
               HOME=str(scratch))
    log = scratch / "harness.log"
    with open(log, "wb") as out:
        child = subprocess.Popen([sys.executable, "-m", HARNESS, str(path)], cwd=src, env=env,
                                 stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            child.wait(timeout=wall)
        except subprocess.TimeoutExpired:
            pass
        finally:
            try:
                os.killpg(child.pid, 9)
            except ProcessLookupError:
                pass
            child.wait()
    tail = log.read_bytes()[-3000:].decode("utf-8", "replace")
    return read_events(config["out"]) if config.get("out") else [], tail


def _collect(src, test_files, scratch):
    """The node ids the instructor's tree collects for ``test_files``. Trusts the harness's events; checks
    that collection ran and nothing failed to collect (GraderError otherwise)."""
    out = scratch / "collect.jsonl"
    config = {"src": str(src), "collect_only": True, "out": str(out), "test_files": test_files, "select": []}
    events, tail = run_harness(src, config, scratch, 600)
    errors = [e for e in events if e["event"] == "collect_error"]
    if errors or not any(e["event"] == "collected" for e in events):
        detail = errors[0]["message"] if errors else tail[-500:]
        raise GraderError(f"the instructor's tests do not collect ({detail}); run make test and fix them first.")
    return [n for e in events if e["event"] == "collected" for n in e["nodeids"]]
