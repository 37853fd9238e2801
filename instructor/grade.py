"""Grade submissions: ``make grade SUBMISSION=path`` and ``make grade-all SUBMISSIONS=dir``.

    python -m instructor.grade SUBMISSION [--only ITEM ...] [--jobs N]
    python -m instructor.grade --all FOLDER [--jobs N]

One submission (a zip or folder laid out like the release) is graded in a
temporary folder, in three kinds of child processes (instructor/sandbox.py):

1. Package items, one process per graded .py file: a fresh copy of the
   instructor's tree with only that submitted file overlaid (the reference
   for every other file) runs the instructor's tests (public tests/ and
   instructor/hidden_tests/) of that file's items in points.toml. A file that
   does not compile or fails on import is replaced by its release stub. A
   crash resumes the run after the crashing test.
2. Notebook items: another fresh copy, with the reference package and the
   submitted notebook (instructor/notebooks.py), runs under nbval, stopping
   at the first failing cell.
3. Answer items: read statically from the submitted notebooks.

The expected tests of each item come from collecting the instructor's own
tree, so a submission cannot shrink a denominator. Nothing from the
submission but the graded files is ever copied; the submission is never
modified. Results go to build/grades/<name>/ (instructor/report.py) and the
total is printed as ``score X/Y``. Exit status: 0 graded, 1 submission
rejected, 2 grader misconfigured.
"""

import argparse
import concurrent.futures
import json
import re
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat

from .grade_plugin import node_pattern
from .markers import MarkerError, read_notebook
from .notebooks import answers, prepare_for_grading
from .points import Points, PointsError, load_points
from .release import graded_files, student_version
from .report import fmt, write_gradebook, write_reports
from .sandbox import child_env, run_limited
from .submission import SubmissionError, read_submission
from .tree import tree_files

REPO = Path(__file__).resolve().parents[1]
POINTS_FILE = "instructor/points.toml"
PACKAGE = "cs231n_lib"
SANITIZE = "assignments/sanitize.cfg"
IMPORT_FACTOR = 2  # importing the package or the test modules may take twice a test's limit
MAX_RESUMES = 25

# Every pytest child: explicit config and rootdir, no cache, no addopts, our plugin.
PYTEST = ["-m", "pytest", "-p", "instructor.grade_plugin", "-p", "no:cacheprovider",
          "-c", "pyproject.toml", "--rootdir", ".", "--confcutdir", ".", "-o", "addopts=", "-q"]


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

    def select(self, only=None, limits=None):
        """Return this course with only the items ``only``, and ``limits`` overriding points.toml's."""
        points = self.points.select(only)
        overrides = {key: value for key, value in (limits or {}).items() if value}
        points = Points({**points.limits, **overrides}, points.items)
        expected = {item.id: self.expected[item.id] for item in points.items if item.id in self.expected}
        return Course(self.src, self.files, self.graded, points, expected)


def _test_files(course_files, items):
    """Return the test files the patterns of ``items`` name (the part before '::')."""
    wanted = set()
    for item in items:
        for pattern in item.targets:
            head = node_pattern(pattern.split("::")[0])
            wanted |= {rel for rel in course_files if head.fullmatch(rel)}
    return sorted(wanted)


def load_course(src=REPO, only=None, limits=None):
    """Read the tree, the graded files and the points; collect each tests item's expected tests."""
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
            records = _collect(src, _test_files(files, test_items), Path(scratch), points.limits)
        for item in test_items:
            expected[item.id] = [n for n in records if item.matches(n)]
            if not expected[item.id]:
                raise GraderError(f"points.toml item {item.id} matches no test of the instructor's tree; fix its patterns.")
    return Course(src, files, graded, points, expected).select(limits=limits)


def _collect(tree, test_files, scratch, limits):
    out = scratch / "collect.jsonl"
    args = PYTEST + ["--collect-only", "--grade-out", str(out), "--grade-package", PACKAGE, *test_files]
    done = run_limited(args, tree, child_env(tree, scratch), limits["run_timeout"], limits["memory_mb"], scratch / "collect.log")
    events = read_events(out)
    errors = [e for e in events if e["event"] == "collect_error"]
    if done.returncode != 0 or errors:
        detail = errors[0]["message"] if errors else done.output[-500:]
        raise GraderError(f"the instructor's tests do not collect ({detail}); run make test and fix them first.")
    return [n for e in events if e["event"] == "collected" for n in e["nodeids"]]


def read_events(path):
    """Return the records a grade_plugin run wrote to ``path`` (none if it never started)."""
    if not path.exists():
        return []
    events = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            events.append(json.loads(line))
        except ValueError:
            break  # a line cut short by a crash
    return events


# ------------------------------------------------------------ the trees


def _make_tree(course, dest, overlay):
    """Copy the instructor's tree to ``dest`` with ``overlay`` ({rel: bytes}) written over it."""
    for rel in course.files:
        if rel.startswith("datasets/"):
            continue
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(course.src / rel, target)
    (dest / "datasets").symlink_to(course.src / "datasets", target_is_directory=True)
    for rel, data in overlay.items():
        (dest / rel).write_bytes(data)


def _student_python(course, rel, data, notes):
    """Return the bytes to grade for package file ``rel``: the submission if it compiles, else the stub."""
    if data is not None:
        try:
            compile(data, rel, "exec")
            return data
        except (SyntaxError, ValueError) as error:
            line = getattr(error, "lineno", None)
            notes.append(f"{rel} does not compile ({type(error).__name__}{f' at line {line}' if line else ''}: "
                         f"{getattr(error, 'msg', error)}); it was graded as unfinished.")
    return student_version(course.src, rel)


_VET = (
    "import faulthandler, importlib, sys\n"
    "faulthandler.dump_traceback_later(float(sys.argv[1]), exit=True)\n"
    "importlib.import_module(sys.argv[2])\n"
)


def _import_error(course, tree, rel, scratch):
    """Return what goes wrong importing module ``rel`` in ``tree``, or None if it imports."""
    module = rel[:-3].replace("/", ".")
    limit = IMPORT_FACTOR * course.points.limits["test_timeout"]
    done = run_limited(["-c", _VET, str(limit), module], tree, child_env(tree, scratch),
                       limit + 10, course.points.limits["memory_mb"], scratch / "import.log")
    if done.returncode == 0:
        return None
    if "Timeout (" in done.output or done.timed_out:  # faulthandler's words when it stops the import
        return f"importing it took longer than {limit:g} s"
    lines = done.output.strip().splitlines()
    return lines[-1][:200] if lines else f"exit status {done.returncode}"


# ------------------------------------------------------------- the runs


def _run_tests(course, tree, items, scratch, label):
    """Run the tests of ``items`` in ``tree``; return ({node id: (outcome, message)}, collection errors)."""
    limits = course.points.limits
    select = scratch / "select.txt"
    select.write_text("\n".join(n for item in items for n in course.expected[item.id]) + "\n")
    base = PYTEST + ["--grade-select", str(select), "--grade-timeout", str(limits["test_timeout"]),
                     "--grade-collect-timeout", str(IMPORT_FACTOR * limits["test_timeout"]), "--grade-package", PACKAGE,
                     *_test_files(course.files, items)]
    outcomes, collect_errors = {}, []
    for attempt in range(MAX_RESUMES):
        out = scratch / f"{label}-{attempt}.jsonl"
        skip = [arg for n in outcomes for arg in ("--deselect", n)]
        done = run_limited(base + ["--grade-out", str(out)] + skip, tree, child_env(tree, scratch),
                           limits["run_timeout"], limits["memory_mb"], scratch / f"{label}-{attempt}.log")
        if "grading error:" in done.output:  # the plugin's check that imports use the grading copy
            raise GraderError(done.output[done.output.index("grading error:"):].splitlines()[0])
        events = read_events(out)
        collect_errors += [e for e in events if e["event"] == "collect_error"]
        running = None
        for event in events:
            if event["event"] == "start":
                running = event["nodeid"]
            elif event["event"] == "done":
                outcomes[event["nodeid"]] = (event["outcome"], event["message"])
                running = None
        if any(e["event"] == "end" for e in events) or running is None:
            break
        why = (f"the test process was stopped after {limits['run_timeout']:g} s" if done.timed_out
               else f"the test process died (exit status {done.returncode}), e.g. out of memory or a crash")
        outcomes[running] = ("failed", why)
    reason = collect_errors[0]["message"] if collect_errors else "the test did not run"
    for item in items:
        for nodeid in course.expected[item.id]:
            outcomes.setdefault(nodeid, ("failed", f"not run: {reason}"))
    return outcomes, collect_errors


def _package_unit(course, tree, rel, items, scratch):
    """Run the tests of package file ``rel``'s items; return (outcomes, notes).

    When test modules fail to collect because the submitted ``rel`` does not
    import, ``rel`` is replaced by its release stub and the tests run again,
    so the failure costs that file's items only, with a note saying why.
    """
    outcomes, collect_errors = _run_tests(course, tree, items, scratch, "submitted")
    if not collect_errors:
        return outcomes, []
    error = _import_error(course, tree, rel, scratch)
    if error is None:
        return outcomes, []
    (tree / rel).write_bytes(student_version(course.src, rel))
    outcomes, _ = _run_tests(course, tree, items, scratch, "stub")
    return outcomes, [f"{rel} fails when imported ({error}); it was graded as unfinished."]


def _notebook_unit(course, tree, rel, scratch):
    """Run notebook ``rel``; return ((ran cleanly?, message), notes)."""
    return run_notebook(course, tree, rel, scratch), []


def run_notebook(course, tree, rel, scratch, pythonpath=None):
    """Run notebook ``rel`` of ``tree`` under nbval; return (ran cleanly?, message).

    Imports resolve in ``pythonpath`` (default: ``tree``), which must provide
    the package and instructor.grade_plugin.
    """
    limits = course.points.limits
    label = Path(rel).stem
    out = scratch / f"{label}.jsonl"
    args = PYTEST + ["-p", "nbval.plugin", "-x", "--nbval-lax", "--nbval-current-env",
                     f"--nbval-cell-timeout={limits['cell_timeout']:g}", "--grade-out", str(out)]
    if (tree / SANITIZE).exists():
        args.append(f"--nbval-sanitize-with={SANITIZE}")
    done = run_limited(args + [rel], tree, child_env(pythonpath or tree, scratch), limits["run_timeout"],
                       limits["memory_mb"], scratch / f"{label}.log")
    events = read_events(out)
    failed = [e for e in events if e["event"] == "done" and e["outcome"] == "failed"]
    if failed:
        cell = failed[0]["nodeid"].split("::")[-1]  # nbval's 'Cell 4' counts code cells from 0
        number = cell.split()[-1]
        where = f"code cell {int(number) + 1}" if number.isdigit() else cell
        return False, f"{where}: {failed[0]['message']}"
    errors = [e for e in events if e["event"] == "collect_error"]
    if errors:
        return False, f"the notebook could not be read: {errors[0]['message']}"
    if done.timed_out:
        return False, f"the notebook did not finish within {limits['run_timeout']:g} s"
    if done.returncode != 0 or not any(e["event"] == "end" for e in events):
        return False, f"the notebook run stopped unexpectedly (exit status {done.returncode})"
    return True, ""


# ------------------------------------------------------------- scoring


def _item_result(item, passed, total, failures):
    score = round(item.points * passed / total, 2) if total else 0.0
    return {"id": item.id, "title": item.title, "score": score, "max_score": item.points,
            "passed": passed, "total": total, "failures": failures}


def _score_tests(course, item, outcomes):
    nodeids = course.expected[item.id]
    failures = [{"name": n, "message": outcomes[n][1]} for n in nodeids if outcomes[n][0] != "passed"]
    return _item_result(item, len(nodeids) - len(failures), len(nodeids), failures)


def _read_student_notebook(rel, data, notes):
    if data is None:
        return None
    try:
        nb = nbformat.reads(data.decode("utf-8"), as_version=4)
        nbformat.validate(nb)
        return nb
    except Exception as error:  # nbformat raises many types for broken JSON or schema
        notes.append(f"{rel} is not a valid notebook ({type(error).__name__}); its questions score 0.")
        return None


def submission_name(path):
    """Return a folder-safe name for the submission at ``path``."""
    stem = Path(path).name
    stem = stem[:-4] if stem.lower().endswith(".zip") else stem
    return re.sub(r"[^A-Za-z0-9._-]", "_", stem).lstrip(".") or "submission"


def _rejected(course, name, reason, started):
    items = [_item_result(item, 0, 0, []) for item in course.points.items]
    return {"submission": name, "status": "rejected", "score": 0.0, "max_score": course.points.total,
            "execution_time": time.monotonic() - started, "notes": [reason], "items": items}


def grade_submission(course, path, out_root, jobs=1, name=None):
    """Grade the submission at ``path`` into ``out_root``/<name>/; return the result dict."""
    started = time.monotonic()
    name = name or submission_name(path)
    try:
        found, notes = read_submission(path, course.graded)
    except SubmissionError as error:
        result = _rejected(course, name, str(error), started)
        write_reports(result, Path(out_root) / name)
        return result
    items = course.points.items
    test_items = [i for i in items if i.kind == "tests"]
    run_notebooks = sorted({i.targets[0] for i in items if i.kind == "notebook"})
    student_nbs = {rel: _read_student_notebook(rel, found.get(rel), notes)
                   for rel in course.graded if rel.endswith(".ipynb")}
    with tempfile.TemporaryDirectory(prefix=f"grade-{name}-") as work:
        work = Path(work)
        jobs_to_run = {}
        for rel in sorted({item.file for item in test_items}):
            tree, scratch = work / rel.replace("/", "_"), work / f"scratch-py-{Path(rel).stem}"
            _make_tree(course, tree, {rel: _student_python(course, rel, found.get(rel), notes)})
            scratch.mkdir()
            file_items = [item for item in test_items if item.file == rel]
            jobs_to_run[rel] = (_package_unit, (course, tree, rel, file_items, scratch))
        runnable = [rel for rel in run_notebooks if student_nbs.get(rel) is not None]
        if runnable:
            nb_tree = work / "notebooks"  # one tree: the notebooks run with the reference package
            overlay = {rel: nbformat.writes(prepare_for_grading(student_nbs[rel], read_notebook(course.src / rel, rel))).encode()
                       for rel in runnable}
            _make_tree(course, nb_tree, overlay)
            for rel in runnable:
                scratch = work / f"scratch-nb-{Path(rel).stem}"
                scratch.mkdir()
                jobs_to_run[rel] = (_notebook_unit, (course, nb_tree, rel, scratch))
        slow_first = sorted(jobs_to_run, key=lambda key: not key.endswith(".ipynb"))  # notebooks take longest
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            futures = {key: pool.submit(jobs_to_run[key][0], *jobs_to_run[key][1]) for key in slow_first}
            done = {}
            for key, future in futures.items():
                done[key], unit_notes = future.result()
                notes += unit_notes
    results = []
    for item in items:
        if item.kind == "tests":
            results.append(_score_tests(course, item, done[item.file]))
        elif item.kind == "notebook":
            rel = item.targets[0]
            ok, message = done.get(rel, (False, f"{rel} was not submitted or is not a valid notebook"))
            results.append(_item_result(item, int(ok), 1, [] if ok else [{"name": rel, "message": message}]))
        else:
            checks = [check for rel in item.targets
                      for check in answers(read_notebook(course.src / rel, rel), student_nbs[rel], rel)]
            failures = [{"name": label, "message": "no answer"} for label, ok in checks if not ok]
            results.append(_item_result(item, len(checks) - len(failures), len(checks), failures))
    result = {"submission": name, "status": "graded", "score": round(sum(r["score"] for r in results), 2),
              "max_score": course.points.total, "execution_time": time.monotonic() - started,
              "notes": notes, "items": results}
    write_reports(result, Path(out_root) / name)
    return result


def grade_all(course, folder, out_root, jobs):
    """Grade every zip and sub-folder of ``folder``, ``jobs`` at a time; write the gradebook."""
    folder = Path(folder)
    if not folder.is_dir():
        raise SubmissionError(f"{folder} is not a folder; give the folder holding the submissions.")
    entries = sorted(p for p in folder.iterdir()
                     if not p.name.startswith(".") and (p.is_dir() or p.suffix.lower() == ".zip"))
    if not entries:
        raise SubmissionError(f"{folder} holds no .zip file or folder to grade.")
    names, taken = {}, set()
    for entry in entries:  # 'alice.zip' and 'alice/' must not share a report folder
        name, n = submission_name(entry), 2
        while name in taken:
            name, n = f"{submission_name(entry)}-{n}", n + 1
        taken.add(name)
        names[entry] = name
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {pool.submit(grade_submission, course, entry, out_root, 1, names[entry]): entry for entry in entries}
        results = []
        for future in concurrent.futures.as_completed(futures):
            result = future.result()
            results.append(result)
            print(f"{result['submission']}: score {fmt(result['score'])}/{fmt(result['max_score'])}"
                  + ("" if result["status"] == "graded" else f" (rejected: {result['notes'][0]})"), flush=True)
    write_gradebook(results, [item.id for item in course.points.items], Path(out_root) / "gradebook.csv")
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description="Grade one submission, or every submission in a folder.")
    parser.add_argument("submission", type=Path, help="a submission zip or folder (with --all: the folder holding them)")
    parser.add_argument("--all", action="store_true", help="grade every zip and folder inside SUBMISSION; write gradebook.csv")
    parser.add_argument("--out", type=Path, default=REPO / "build" / "grades", help="where reports go (default build/grades)")
    parser.add_argument("--src", type=Path, default=REPO, help="the instructor's tree (default: this repository)")
    parser.add_argument("--only", nargs="+", metavar="ITEM", help="grade only these items of points.toml")
    parser.add_argument("--jobs", "-j", type=int, default=2, help="processes at a time (default 2)")
    parser.add_argument("--name", help="report folder name (default: from the submission's file name)")
    parser.add_argument("--cell-timeout", type=float, help="seconds per notebook cell (overrides points.toml)")
    parser.add_argument("--test-timeout", type=float, help="seconds per test (overrides points.toml)")
    parser.add_argument("--results-json", type=Path, help="also copy Gradescope's results.json here")
    args = parser.parse_args(argv)
    try:
        course = load_course(args.src, args.only, {"cell_timeout": args.cell_timeout, "test_timeout": args.test_timeout})
        if args.all:
            results = grade_all(course, args.submission, args.out, args.jobs)
            print(f"gradebook: {args.out / 'gradebook.csv'} ({len(results)} submissions)")
            return 0 if all(r["status"] == "graded" for r in results) else 1
        result = grade_submission(course, args.submission, args.out, args.jobs, args.name)
    except (PointsError, GraderError, MarkerError) as error:
        print(f"grader error: {error}", file=sys.stderr)
        return 2
    except SubmissionError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    folder = args.out / result["submission"]
    if args.results_json:
        args.results_json.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(folder / "results.json", args.results_json)
    if result["status"] != "graded":
        print(f"error: {result['notes'][0]}", file=sys.stderr)
        print(f"score 0/{fmt(result['max_score'])} (report in {folder})")
        return 1
    print(f"score {fmt(result['score'])}/{fmt(result['max_score'])} (report in {folder})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
