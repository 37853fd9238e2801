"""Grade submissions: ``make grade SUBMISSION=path`` and ``make grade-all SUBMISSIONS=dir``.

    python -m instructor.grade SUBMISSION [--only ITEM ...] [--isolation auto|bwrap|uid] [--no-isolation]
    python -m instructor.grade --all FOLDER [--jobs N]

The trust boundary (instructor/README.md): student code runs only in a worker
process inside a jail (instructor/jail.py); this process and the harness it
starts (instructor/harness.py) never import, execute or unpickle anything a
student wrote. One submission, in a temporary folder:

1. The box tree: the package with the student's graded .py files (a file that
   does not compile, or that fails or hangs at import, is replaced by its
   release stub, with a note) and the release's other files. No reference
   solution, hidden test or oracle is ever in it.
2. Package items: one harness run (a trusted pytest process in the
   instructor's tree) runs the public and hidden tests of the selected items;
   the graded modules are proxies to the worker in the jail.
3. Notebook items: the graded notebook is the instructor's, with the
   student's solution cells put in (instructor/notebooks.py); it runs in the
   jail, kernel included, and saves artifacts that this side reads back as
   plain data and checks itself (instructor/nbchecks.py).
4. Answer items: read statically from the submitted notebooks.

Every process of the submission is killed and gone before its reports are
written (instructor/report.py). The expected tests of each item come from
collecting the instructor's tree, so a submission cannot shrink a
denominator. Exit status: 0 graded, 1 submission rejected, 2 grader
misconfigured or no isolation.
"""

import argparse
import concurrent.futures
import json
import os
import queue
import re
import resource
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat

from . import jail, nbchecks
from .markers import MarkerError, read_notebook
from .notebooks import answers, graded_notebook
from .points import Points, PointsError, load_points
from .release import graded_files, student_version
from .report import fmt, write_reports
from .submission import SubmissionError, read_submission
from .tree import tree_files

REPO = Path(__file__).resolve().parents[1]
POINTS_FILE = "instructor/points.toml"
HIDDEN_DIR = "instructor/hidden_tests"
PACKAGE = "cs231n_lib"
IMPORT_FACTOR = 2  # importing one graded module in the worker may take twice a call's limit
IMPORT_BUDGET_FACTOR = 3  # all graded modules together (over every restart): three times a call's limit
HARNESS_MEMORY_MB = 3072  # RLIMIT_AS of a harness process (it decodes the worker's replies; the reference: ~400 MB)
GRADER_MEMORY_MB = 6144  # RLIMIT_AS of this process (it decodes notebook artifacts; see instructor/README.md)


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
        """Return this course with only the items ``only``, and ``limits`` overriding points.toml's."""
        points = self.points.select(only)
        overrides = {key: value for key, value in (limits or {}).items() if value}
        points = Points({**points.limits, **overrides}, points.items)
        expected = {item.id: self.expected[item.id] for item in points.items if item.id in self.expected}
        return Course(self.src, self.files, self.graded, points, expected, self.backend)


def _test_files(course_files, items):
    """Return the test files the patterns of ``items`` name (the part before '::')."""
    from .harness import node_pattern

    wanted = set()
    for item in items:
        for pattern in item.targets:
            head = node_pattern(pattern.split("::")[0])
            wanted |= {rel for rel in course_files if head.fullmatch(rel)}
    return sorted(wanted)


def package_files(src, files):
    """The package's .py files that go into a box: git-tracked ones in a checkout, else the walked ones.

    Never an untracked scratch file of the instructor's (an old solution, a merge's leftovers, notes):
    everything in the box is readable by the student's code.
    """
    candidates = [rel for rel in files if rel.startswith(PACKAGE + "/") and rel.endswith(".py")]
    if (Path(src) / ".git").exists():
        try:
            listing = subprocess.run(["git", "-C", str(src), "ls-files", "-z", "--cached", "--", PACKAGE],
                                     capture_output=True, check=True).stdout.decode("utf-8").split("\0")
        except (OSError, subprocess.CalledProcessError):
            listing = None
        if listing is not None:
            tracked = set(listing)
            candidates = [rel for rel in candidates if rel in tracked]
    return candidates


def _graded_modules(graded):
    return {rel[:-3].replace("/", "."): rel for rel in graded if rel.endswith(".py") and rel.startswith(PACKAGE + "/")}


def load_course(src=REPO, only=None, limits=None, backend="bwrap"):
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
            records = _collect(src, _test_files(files, test_items), Path(scratch))
        for item in test_items:
            expected[item.id] = [n for n in records if item.matches(n)]
            if not expected[item.id]:
                raise GraderError(f"points.toml item {item.id} matches no test of the instructor's tree; fix its patterns.")
    return Course(src, files, graded, points, expected, backend).select(limits=limits)


def read_events(path):
    """Return the records a harness run wrote to ``path`` (none if it never started)."""
    if not Path(path).exists():
        return []
    events = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        try:
            events.append(json.loads(line))
        except ValueError:
            break
    return events


def _harness(src, config, scratch, wall):
    """Run the trusted harness (a pytest process in the instructor's tree); return (events, log tail)."""
    path = scratch / "harness.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    env = {key: os.environ[key] for key in ("PATH", "LANG", "LC_ALL", "CS231N_DATA_DIR") if key in os.environ}
    env.update(PYTHONPATH=str(src), PYTHONNOUSERSITE="1", PYTHONDONTWRITEBYTECODE="1", PYTHONHASHSEED="0",
               PYTEST_DISABLE_PLUGIN_AUTOLOAD="1", MPLBACKEND="Agg", OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1",
               HOME=str(scratch))
    log = scratch / "harness.log"
    with open(log, "wb") as out:
        child = subprocess.Popen([sys.executable, "-m", "instructor.harness", str(path)], cwd=src, env=env,
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
    out = scratch / "collect.jsonl"
    config = {"src": str(src), "collect_only": True, "out": str(out), "test_files": test_files, "select": []}
    events, tail = _harness(src, config, scratch, 600)
    errors = [e for e in events if e["event"] == "collect_error"]
    if errors or not any(e["event"] == "collected" for e in events):
        detail = errors[0]["message"] if errors else tail[-500:]
        raise GraderError(f"the instructor's tests do not collect ({detail}); run make test and fix them first.")
    return [n for e in events if e["event"] == "collected" for n in e["nodeids"]]


# ------------------------------------------------------------ the box tree


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


def _write(path, data, mode=0o644):
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o755)
    path.write_bytes(data)
    os.chmod(path, mode)


def make_box(course, work, found, notes, gid=None):
    """Lay out ``work``: box/ (what the jail sees), stubs/ (release stubs) and logs/ (trusted side only).

    Trusts the submission's bytes only as data (they are written, never run here). ``gid``: the group of
    this submission's box uids (jail.start ``gid``); box/ is then root:gid 0710, so the uid of another
    submission (another group) cannot enter it even when it learns its path; the logs are 0700.
    """
    os.chmod(work, 0o711)  # the uid backend passes through, cannot list
    (work / "logs").mkdir(mode=0o700)
    box = work / "box"
    box.mkdir(mode=0o711)  # not listable: another submission's uid cannot find the folders below
    if gid is not None and os.geteuid() == 0:
        os.chown(box, 0, gid)
        os.chmod(box, 0o710)
    tree = box / f"tree-{secrets.token_hex(8)}"
    for rel in package_files(course.src, course.files):
        if rel in course.graded:
            data = _student_python(course, rel, found.get(rel), notes)
            _write(work / "stubs" / rel, student_version(course.src, rel))
            os.chmod(work / "stubs", 0o700)
        else:
            data = (course.src / rel).read_bytes()
        _write(tree / rel, data)
    worker = box / f"worker-{secrets.token_hex(8)}"
    for name in ("worker.py", "wire.py"):
        _write(worker / name, (Path(__file__).parent / name).read_bytes())
    for folder in (tree, worker):
        for path in [folder, *folder.rglob("*")]:
            os.chmod(path, 0o755 if path.is_dir() else 0o644)
    return {"tree": str(tree), "worker_dir": str(worker), "stubs": str(work / "stubs"), "box": str(box)}


def _home(layout, slot, backend):
    """The writable home of job slot ``slot`` for the uid backend (bwrap boxes use their tmpfs)."""
    home = Path(layout["box"]) / f"home-{slot}"
    if not home.exists():
        home.mkdir(mode=0o700)
        if backend == "uid":
            uid = jail.slot_uid(slot)
            os.chown(home, uid, uid)
    return str(home)


# ------------------------------------------------------------- the runs


def _stand_ins(course, items):
    """{node id: [functions run as the reference in that test]}: the ``trusted`` lists of points.toml, so
    that each item's tests grade its own functions only (instructor/stand_ins.py)."""
    chosen = {}
    for item in items:
        for nodeid in course.expected[item.id] if item.trusted else ():
            chosen.setdefault(nodeid, [])
            chosen[nodeid] += [name for name in item.trusted if name not in chosen[nodeid]]
    return chosen


def _package_outcomes(course, items, work, layout, slot, notes):
    """Run the tests of ``items``; return {node id: (outcome, message)} and the harness's figures.
    Trusts the harness's events (a trusted process; its log and events sit in the 0700 logs/ folder, out of
    the boxes' reach); checks that the run ended and marks every expected test it did not report as failed."""
    limits = course.points.limits
    modules = _graded_modules(course.graded)
    config = {
        "src": str(course.src), **layout, "home": _home(layout, slot, course.backend), "modules": modules, "backend": course.backend, "uid": jail.slot_uid(slot),
        "limits": {"memory_mb": int(limits["memory_mb"])}, "log": str(work / "logs" / f"worker-{slot}.log"),
        "gid": layout.get("gid"), "memory_mb": HARNESS_MEMORY_MB,
        "import_timeout": IMPORT_FACTOR * limits["call_timeout"], "import_budget": IMPORT_BUDGET_FACTOR * limits["call_timeout"], "call_timeout": limits["call_timeout"], "budget": limits["budget"],
        "out": str(work / "logs" / f"events-{slot}.jsonl"), "select": [n for item in items for n in course.expected[item.id]],
        "test_files": _test_files(course.files, items), "stand_ins": _stand_ins(course, items),
    }
    wall = limits["budget"] + IMPORT_FACTOR * limits["call_timeout"] * (len(modules) + 2) + 300
    scratch = work / f"harness-{slot}"
    scratch.mkdir(mode=0o700)
    events, tail = _harness(course.src, config, scratch, wall)
    outcomes, running = {}, None
    for event in events:
        if event["event"] == "start":
            running = event["nodeid"]
        elif event["event"] == "done":
            outcomes[event["nodeid"]] = (event["outcome"], event["message"])
            running = None
        elif event["event"] == "note":
            notes.append(event["message"])
    errors = [e for e in events if e["event"] == "collect_error"]
    if errors or not any(e["event"] == "end" for e in events):
        raise GraderError("the grading harness failed (" + (errors[0]["message"] if errors else tail[-400:].strip())
                          + "); this is a grader fault, not the submission's.")
    if running:
        outcomes[running] = ("failed", "the test did not finish")
    for item in items:
        for nodeid in course.expected[item.id]:
            outcomes.setdefault(nodeid, ("failed", "not run"))
    figures = {e["event"]: e for e in events if e["event"] in ("startup", "budget", "memory")}
    return outcomes, figures


def _notebook_result(course, item, work, layout, slot, student_nbs):
    """Run notebook item ``item``'s graded notebook in the jail; return (score fraction, failures)."""
    rel = item.targets[0]
    student = student_nbs.get(rel)
    if student is None:
        return 0.0, [{"name": rel, "message": f"{rel} was not submitted or is not a valid notebook"}]
    instructor = read_notebook(course.src / rel, rel)
    nb = graded_notebook(student, instructor, nbchecks.export_cell(rel), nbchecks.cells_to_run(rel),
                         nbchecks.setup_code(rel))
    return nbchecks.run_and_check(course, rel, nb, work, {**layout, "home": _home(layout, slot, course.backend)}, slot)


# ------------------------------------------------------------- scoring


def _item_result(item, passed, total, failures):
    """An item's result dict (points.toml's figures and visibility, the counts given); trusts its callers."""
    score = round(item.points * passed / total, 2) if total else 0.0
    return {"id": item.id, "title": item.title, "score": score, "max_score": item.points,
            "passed": passed, "total": total, "failures": failures, "visibility": item.visibility}


def _score_tests(course, item, outcomes):
    from .harness import node_pattern

    nodeids = course.expected[item.id]
    failures = [{"name": n, "message": outcomes[n][1]} for n in nodeids if outcomes[n][0] != "passed"]
    result = _item_result(item, len(nodeids) - len(failures), len(nodeids), failures)
    gates = [node_pattern(g) for g in item.gate]
    if any(g.fullmatch(f["name"]) for g in gates for f in failures):
        result["score"] = 0.0
        result["failures"].insert(0, {"name": "gate", "message": "a required check failed, so this item scores 0"})
    return result


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
    return re.sub(r"[^A-Za-z0-9._-]", "_", stem).lstrip(".-")[:80] or "submission"


def report_names(entries):
    """{entry path: report folder name} for the entries of one ``grade-all`` folder, all different.

    Trusts nothing in the entries' names. An entry whose name is already folder-safe keeps it; the others
    (and the second of 'alice.zip' and 'alice/') get ``name-N`` with the smallest N that is neither taken
    nor the folder-safe name of another entry, so a suffix never lands on another submission's row
    ('a b', 'a_b' and 'a_b-2' become a_b-3, a_b and a_b-2). Every report records its entry's real name.
    """
    bases = {entry: submission_name(entry) for entry in entries}
    stems = {entry: entry.name[:-4] if entry.name.lower().endswith(".zip") else entry.name for entry in entries}
    reserved = set(bases.values())
    names, taken = {}, set()
    for entry in sorted(entries, key=lambda e: (bases[e] != stems[e], e.name)):
        name, n = bases[entry], 1
        while name in taken or (n > 1 and name in reserved):
            n += 1
            name = f"{bases[entry]}-{n}"
        taken.add(name)
        names[entry] = name
    return names


def _rejected(course, name, reason, started):
    items = [_item_result(item, 0, 0, []) for item in course.points.items]
    return {"submission": name, "status": "rejected", "score": 0.0, "max_score": course.points.total,
            "execution_time": time.monotonic() - started, "notes": [reason], "items": items,
            "isolation": course.backend}


def grade_submission(course, path, out_root, jobs=1, name=None, slot=0):
    """Grade the submission at ``path`` into ``out_root``/<name>/; return the result dict.

    Its units (the package tests, each notebook) run ``jobs`` at a time, each in its own box
    with its own uid (job slots ``slot`` .. ``slot + jobs - 1``), all in the group of the first
    slot's uid, the only group that can enter this submission's box folder. Trusts nothing of the
    submission (read as bounded data by read_submission); the result records its entry's real name.
    """
    started = time.monotonic()
    name = name or submission_name(path)
    try:
        found, notes = read_submission(path, course.graded)
    except SubmissionError as error:
        result = {**_rejected(course, name, str(error), started), "entry": Path(path).name}
        write_reports(result, Path(out_root) / name)
        return result
    if course.backend == "none":
        notes.insert(0, "Graded WITHOUT isolation (--no-isolation): the student's code ran as the grader's user.")
    items = course.points.items
    test_items = [i for i in items if i.kind == "tests"]
    nb_items = [i for i in items if i.kind == "notebook"]
    student_nbs = {rel: _read_student_notebook(rel, found.get(rel), notes)
                   for rel in course.graded if rel.endswith(".ipynb")}
    figures, outcomes, nb_results = {}, {}, {}
    slots = list(range(slot, slot + max(1, jobs)))
    work = Path(tempfile.mkdtemp(prefix=f"grade-{name}-"))
    gid = jail.slot_uid(slot) if course.backend != "none" and os.geteuid() == 0 else None
    try:
        layout = {**make_box(course, work, found, notes, gid), "gid": gid}
        free = queue.Queue()
        for s in slots:
            free.put(s)
        unit_notes = []

        unit_seconds = {}

        def unit(kind, item):
            s = free.get()
            began = time.monotonic()
            try:
                if kind == "package":
                    mine = []
                    outcomes_, figures_ = _package_outcomes(course, test_items, work, layout, s, mine)
                    unit_notes.extend(mine)
                    outcomes.update(outcomes_)
                    figures.update(figures_)
                else:
                    nb_results[item.id] = _notebook_result(course, item, work, layout, s, student_nbs)
            finally:
                unit_seconds[item.id if item else "package tests"] = round(time.monotonic() - began, 1)
                free.put(s)

        # longest first (the package tests, then the notebooks that train), so two slots finish together
        slow = {rel: n for n, rel in enumerate(nbchecks.SLOWEST_FIRST)}
        units = ([("package", None)] if test_items else []) + sorted(
            (("notebook", item) for item in nb_items), key=lambda unit: slow.get(unit[1].targets[0], len(slow)))
        with concurrent.futures.ThreadPoolExecutor(max_workers=len(slots)) as pool:
            for future in [pool.submit(unit, kind, item) for kind, item in units]:
                future.result()
        notes += unit_notes
    finally:
        for s in slots:  # nothing of this submission runs on when its reports are written
            jail.clear_uid(jail.slot_uid(s), course.backend)
        if not os.environ.get("GRADE_KEEP_WORK"):  # a debugging aid: keep the scratch folder
            shutil.rmtree(work, ignore_errors=True)
    results = []
    for item in items:
        if item.kind == "tests":
            results.append(_score_tests(course, item, outcomes))
        elif item.kind == "notebook":
            fraction, failures = nb_results[item.id]
            total = max(1, len(failures) + (1 if fraction > 0 else 0))
            result = _item_result(item, 0, 1, failures)
            result.update(score=round(item.points * fraction, 2), passed=round(fraction, 2), total=1)
            results.append(result)
        else:
            checks = [check for rel in item.targets
                      for check in answers(read_notebook(course.src / rel, rel), student_nbs[rel], rel)]
            failures = [{"name": label, "message": why} for label, why in checks if why]
            results.append(_item_result(item, len(checks) - len(failures), len(checks), failures))
    result = {"submission": name, "entry": Path(path).name, "status": "graded",
              "score": round(sum(r["score"] for r in results), 2),
              "max_score": course.points.total, "execution_time": time.monotonic() - started,
              "isolation": course.backend, "notes": notes, "items": results,
              "figures": {"worker_startup_s": figures.get("startup", {}).get("seconds", []),
                          "student_seconds": figures.get("budget", {}).get("used"),
                          "unit_seconds": unit_seconds,
                          "harness_peak_rss_mb": figures.get("memory", {}).get("peak_rss_mb"),
                          "grader_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}}
    if course.backend == "bwrap":
        result["jail"] = jail.bwrap_version()
    write_reports(result, Path(out_root) / name)
    return result


def grade_all(course, folder, out_root, jobs, shard=None, force=False, only=None):
    """Grade every zip and sub-folder of ``folder`` (or shard (I, N)'s share), ``jobs`` at a time, skipping
    those already graded by this grader version; write the gradebook (instructor/batch.py)."""
    from . import batch

    return batch.run(course, folder, out_root, jobs, shard=shard, force=force, only=only)


# ------------------------------------------------------------- the canary

_PROBE = r"""
import socket, sys
found = []
for path in (sys.argv[1], sys.argv[3]):
    try:
        with open(path, encoding="utf-8") as f:
            found.append("read a canary: " + f.read(64))
    except OSError:
        pass
try:
    s = socket.socket()
    s.settimeout(2)
    s.connect(("127.0.0.1", int(sys.argv[2])))
    found.append("reached the grader's socket")
except OSError:  # no route in the box's own network namespace, or no socket at all (the uid backend's filter)
    pass
for host in ("1.1.1.1", "8.8.8.8"):
    try:
        socket.create_connection((host, 53), timeout=2).close()
        found.append("reached " + host)
    except OSError:
        pass
print("CANARY:" + ("; ".join(found) or "ok"))
"""


def canary_check(src, backend, slot=0):
    """Prove the boundary holds here: a boxed process must not read a file planted among the hidden
    tests nor open a socket. Returns None when it holds, else what the probe managed."""
    if backend == "none":
        return None
    canary = Path(src) / HIDDEN_DIR / f".canary-{secrets.token_hex(8)}"
    token = secrets.token_hex(16)
    reference_canary = Path(src) / PACKAGE / f".canary-{secrets.token_hex(8)}"  # next to the reference too
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    work = Path(tempfile.mkdtemp(prefix="grade-canary-"))
    try:
        canary.write_text(token, encoding="utf-8")
        reference_canary.write_text(token, encoding="utf-8")
        os.chmod(work, 0o755)
        out = work / "probe.log"
        with open(out, "wb") as log:
            box = jail.start([sys.executable, "-I", "-c", _PROBE, str(canary), str(listener.getsockname()[1]),
                              str(reference_canary)],
                             backend=backend, uid=jail.slot_uid(slot), env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
                             cwd="/tmp" if backend == "bwrap" else str(work), stdout=log)
            try:
                box.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                pass
            jail.kill(box)
        text = out.read_text(errors="replace")
        if "CANARY:ok" in text:
            return None
        line = next((l for l in text.splitlines() if l.startswith("CANARY:")), None)
        if line is None:
            return f"the canary probe did not run ({text.strip()[-200:] or 'no output'}), so the boundary is unproven"
        return line.replace("CANARY:", "").replace(token, "<canary>")
    finally:
        listener.close()
        canary.unlink(missing_ok=True)
        reference_canary.unlink(missing_ok=True)
        shutil.rmtree(work, ignore_errors=True)
        jail.clear_uid(jail.slot_uid(slot), backend)


def close_to_others(folder, what):
    """Remove other users' rights on ``folder`` (chmod o-rwx) when it has any; return a note saying so, or None.

    Under the uid backend student code runs as another user of this machine: a submissions or grades folder
    that others can list or read would hand it every other submission or report. Trusts os.stat; changes only
    the "others" bits of that one folder (the grader's own user and group keep theirs).
    """
    folder = Path(folder)
    mode = folder.stat().st_mode & 0o7777
    if not mode & 0o007:
        return None
    os.chmod(folder, mode & ~0o007)
    return (f"note: {what} {folder} was open to other users (mode {mode:04o}), and student code runs as another "
            f"user under --isolation uid; it is now {mode & ~0o007:04o} (chmod o-rwx).")


def main(argv=None):
    parser = argparse.ArgumentParser(description="Grade one submission, or every submission in a folder.")
    parser.add_argument("submission", type=Path, help="a submission zip or folder (with --all: the folder holding them)")
    parser.add_argument("--all", action="store_true", help="grade every zip and folder inside SUBMISSION; write gradebook.csv")
    parser.add_argument("--out", type=Path, default=REPO / "build" / "grades", help="where reports go (default build/grades)")
    parser.add_argument("--src", type=Path, default=REPO, help="the instructor's tree (default: this repository)")
    parser.add_argument("--only", nargs="+", metavar="ITEM", help="grade only these items of points.toml")
    parser.add_argument("--jobs", "-j", type=int, default=2,
                        help="boxes at a time (default 2): submissions with --all, else a submission's units")
    parser.add_argument("--name", help="report folder name (default: from the submission's file name)")
    parser.add_argument("--cell-timeout", type=float, help="seconds per notebook cell (overrides points.toml)")
    parser.add_argument("--call-timeout", type=float, help="seconds per call into student code (overrides points.toml)")
    parser.add_argument("--isolation", default="auto", choices=["auto", "bwrap", "uid"],
                        help="the jail backend (default auto: bwrap, else the uid fallback)")
    parser.add_argument("--no-isolation", action="store_true",
                        help="run student code WITHOUT a jail (trusted code only); the reports say so")
    parser.add_argument("--results-json", type=Path, help="also copy Gradescope's results.json here")
    parser.add_argument("--shard", metavar="I/N", help="with --all: grade only the I-th of N shares (merge: python -m instructor.merge)")
    parser.add_argument("--force", action="store_true", help="with --all: grade again what this grader version already graded")
    args = parser.parse_args(argv)
    from .harness import limit_memory
    if argv is None:  # the command, not a test calling main() in its own process
        limit_memory(GRADER_MEMORY_MB)  # this process decodes notebook artifacts: a bound on what they cost
    from .batch import ShardError, parse_shard

    try:
        shard = parse_shard(args.shard)
    except ShardError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    try:
        backend = jail.choose_backend(args.isolation, args.no_isolation)
        course = load_course(args.src, args.only, {"cell_timeout": args.cell_timeout, "call_timeout": args.call_timeout},
                             backend=backend)
        breach = canary_check(course.src, backend)
        if breach:
            raise GraderError(f"the {backend} jail does not hold on this machine ({breach}); grading stopped.")
        if args.all:
            if backend == "uid" and args.submission.is_dir():
                args.out.mkdir(parents=True, exist_ok=True)
                for folder, what in ((args.submission, "the submissions folder"), (args.out, "the grades folder")):
                    note = close_to_others(folder, what)
                    if note:
                        print(note, file=sys.stderr)
            results = grade_all(course, args.submission, args.out, args.jobs, shard, args.force, args.only)
            print(f"gradebook: {args.out / 'gradebook.csv'} ({len(results)} submissions)")
            return 0 if all(r["status"] == "graded" for r in results) else 1
        result = grade_submission(course, args.submission, args.out, args.jobs, args.name)
    except (PointsError, GraderError, MarkerError, jail.JailError) as error:
        print(f"grader error: {error}", file=sys.stderr)
        return 2
    except SubmissionError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    folder = args.out / result["submission"]
    if args.results_json:
        args.results_json.parent.mkdir(parents=True, exist_ok=True)
        tmp = args.results_json.with_name(f".{args.results_json.name}.tmp")
        shutil.copyfile(folder / "results.json", tmp)
        os.replace(tmp, args.results_json)
    if result["status"] != "graded":
        print(f"error: {result['notes'][0]}", file=sys.stderr)
        print(f"score 0/{fmt(result['max_score'])} (report in {folder})")
        return 1
    print(f"score {fmt(result['score'])}/{fmt(result['max_score'])} (report in {folder})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
