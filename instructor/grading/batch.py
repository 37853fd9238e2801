"""``grade --all`` at course scale: progress, resume and shards.

    python -m instructor.grade SUBMISSIONS --all [--jobs N] [--shard I/N] [--force] --out OUT

Every zip and sub-folder of SUBMISSIONS gets a report folder OUT/<name>/
(grade.py grades it) and a row of OUT/gradebook.csv. Three
things make a batch of a thousand submissions practical:

* progress: one line per finished submission with the count, the elapsed time
  and an estimate of the time left;
* resume: beside each report, OUT/<name>/stamp.json records the submission's
  content hash (what grading reads: the graded files found in it) and the
  grader's version (a hash of the instructor's tree and the limits). A
  submission whose stamp matches is not graded again unless ``--force``.
  Reports are written to a temporary folder and renamed, and the stamp after
  them, so a run that is killed loses only the submissions in flight;
* shards: ``--shard I/N`` grades the I-th of N deterministic shares (the
  submissions sorted by name, every N-th from the I-th), so N machines (a
  Slurm job array, a Kubernetes Indexed Job) each grade one share and
  ``python -m instructor.merge`` combines them. OUT/batch.json records the
  grader version, the ``--only`` items, the shard, and the content hash of
  every submission in the folder (not only the shard's), so merge can tell
  a missing or duplicated submission, mixed grader versions and a folder
  that changed between shards apart.
"""

import concurrent.futures
import hashlib
import json
import os
import queue
import re
import signal
import threading
import time
from pathlib import Path

from .course import GraderError
from .grade import grade_submission
from .report import fmt, report_names as folder_safe_names, visible, write_gradebook, write_reports
from .scoring import rejected
from .submission import SubmissionError, read_submission

STAMP = "stamp.json"
MANIFEST = "batch.json"
# What decides a grade: the reference package, the public tests, the notebooks, the grader and its hidden tests and
# points; not the grader's own tests, the cluster recipes or prose (editing a README must not regrade a course).
IN_VERSION = ("cs231n_lib/", "tests/", "assignments/", "instructor/", "pyproject.toml")
SKIPPED_IN_VERSION = ("instructor/tests/", "instructor/cluster/")


class ShardError(ValueError):
    """A malformed ``--shard`` spec."""


def parse_shard(text):
    """Return (I, N) from the spec ``"I/N"`` (1 <= I <= N); None for no spec."""
    if text is None:
        return None
    found = re.fullmatch(r"\s*(\d{1,6})\s*/\s*(\d{1,6})\s*", str(text))
    if not found or not 1 <= int(found.group(1)) <= int(found.group(2)):
        raise ShardError(f"--shard {text!r} is not I/N with 1 <= I <= N (for example --shard 2/8).")
    return int(found.group(1)), int(found.group(2))


def in_shard(index, shard):
    """True when the ``index``-th submission (0-based, in name order) belongs to ``shard`` (I, N)."""
    return shard is None or index % shard[1] == shard[0] - 1


def grader_version(course):
    """A hash of what decides a grade: the instructor's files (reference, tests, hidden tests, points,
    notebooks, the grader's code) and the limits in force."""
    digest = hashlib.sha256()
    for rel in course.files:
        if not rel.startswith(IN_VERSION) or rel.startswith(SKIPPED_IN_VERSION) or rel.endswith(".md"):
            continue
        digest.update(rel.encode() + b"\0" + (Path(course.src) / rel).read_bytes() + b"\0")
    digest.update(json.dumps(course.points.limits, sort_keys=True).encode())
    return digest.hexdigest()[:16]


def submission_digest(path, graded):
    """The content hash of a submission: the graded files grading reads from it, or why it is rejected."""
    digest = hashlib.sha256()
    try:
        found, notes = read_submission(path, graded)
    except SubmissionError as error:
        digest.update(b"rejected\0" + str(error).encode())
        return digest.hexdigest()
    for rel in sorted(found):
        data = found[rel]
        digest.update(rel.encode() + b"\0" + (b"-" if data is None else b"+" + data) + b"\0")
    for note in notes:
        digest.update(note.encode() + b"\0")
    return digest.hexdigest()


def report_names(folder):
    """Return {entry path: report folder name} for every zip and sub-folder of ``folder``, in name order.
    Trusts nothing of the entries' names (report.report_names makes them folder-safe and distinct)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise SubmissionError(f"{folder} is not a folder; give the folder holding the submissions.")
    entries = sorted(p for p in folder.iterdir()
                     if not p.name.startswith(".") and (p.is_dir() or p.suffix.lower() == ".zip"))
    if not entries:
        raise SubmissionError(f"{folder} holds no .zip file or folder to grade.")
    names = folder_safe_names(entries)  # a suffix never lands on another entry's name
    return {entry: names[entry] for entry in entries}  # name order: the shards' deterministic order


def _write_json(path, value):
    """Write ``value`` to ``path`` atomically (a temporary file, then a rename)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(json.dumps(value, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def read_json(path):
    """The JSON in ``path``, or None when unreadable. Trusts nothing of the file (its callers check the value)."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _done(out_root, name, stamp):
    """The result already in ``out_root``/<name>/ for this exact stamp, else None."""
    folder = Path(out_root) / name
    if read_json(folder / STAMP) != stamp:
        return None
    result = read_json(folder / "report.json")
    return result if isinstance(result, dict) and result.get("submission") == name else None


def _clock(seconds):
    """``seconds`` as H:MM:SS. Trusts its caller; checks nothing."""
    seconds = int(round(seconds))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class Progress:
    """Prints one line per finished submission: count, elapsed time, estimated time left."""

    def __init__(self, total, reused, print_=print):
        """Trusts its caller's counts; checks nothing."""
        self.total, self.reused, self.done, self.started = total, reused, 0, time.monotonic()
        self.print = print_

    def finished(self, result):
        """Print one finished submission's line. Trusts the grader's result (its name and notes are capped)."""
        self.done += 1
        elapsed = time.monotonic() - self.started
        left = self.total - self.reused - self.done
        eta = _clock(elapsed / self.done * left) if left else "0:00:00"
        status = "" if result["status"] == "graded" else f" ({result['status']}: {visible(result['notes'][0][:200])})"
        self.print(f"[{self.reused + self.done}/{self.total}] {result['submission']}: score "
                   f"{fmt(result['score'])}/{fmt(result['max_score'])}{status} | elapsed {_clock(elapsed)}, "
                   f"left ~{eta}", flush=True)


def _terminated(signum, frame):
    """SIGTERM's handler: raise SystemExit (128 + signum). Checks nothing."""
    raise SystemExit(128 + signum)


def run(course, folder, out_root, jobs, shard=None, force=False, only=None, print_=print):
    """Grade ``shard``'s share of ``folder`` into ``out_root``, skipping what is already graded; return the results."""
    out_root = Path(out_root)
    names = report_names(folder)
    version = grader_version(course)
    only = sorted(only) if only else None
    digests = {names[entry]: submission_digest(entry, course.graded) for entry in names}
    mine = [entry for k, entry in enumerate(names) if in_shard(k, shard)]
    out_root.mkdir(parents=True, exist_ok=True)
    manifest = {"grader_version": version, "only": only, "items": [item.id for item in course.points.items],
                "shard": list(shard) if shard else [1, 1], "submissions": digests,
                "graded": sorted(names[entry] for entry in mine)}
    _write_json(out_root / MANIFEST, manifest)

    def stamp(entry):
        """The stamp of ``entry``: folder name, content hash, grader version, ``--only``. Trusts the digests."""
        return {"submission": names[entry], "content": digests[names[entry]], "grader_version": version, "only": only}

    results, todo = [], []
    for entry in mine:
        previous = None if force else _done(out_root, names[entry], stamp(entry))
        if previous is not None:
            results.append(previous)
        else:
            todo.append(entry)
    where = f"shard {shard[0]}/{shard[1]}: " if shard else ""
    print_(f"{where}{len(mine)} submissions, {len(results)} already graded by this grader version "
           f"(--force grades them again), {len(todo)} to grade, {max(1, jobs)} at a time", flush=True)
    progress = Progress(len(mine), len(results), print_)
    slots = queue.Queue()
    for slot in range(max(1, jobs)):
        slots.put(slot)

    def one(entry):
        """Grade ``entry`` in a free job slot; a grader failure is an ``error`` row, unstamped. Trusts the grader."""
        slot = slots.get()
        try:
            result = grade_submission(course, entry, out_root, 1, names[entry], slot)
        except GraderError as error:  # one submission's harness failure must not stop the batch
            result = rejected(course, names[entry], f"grading failed: {error}", time.monotonic())
            result.update(status="error", entry=entry.name)
            write_reports(result, out_root / names[entry])
        finally:
            slots.put(slot)
        if result["status"] != "error":  # a grader fault is retried by the next run
            _write_json(out_root / names[entry] / STAMP, stamp(entry))
        return result

    pool = concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs))
    previous = None
    if threading.current_thread() is threading.main_thread():  # a batch system's SIGTERM (a time limit): stop cleanly
        previous = signal.signal(signal.SIGTERM, _terminated)
    try:
        for future in concurrent.futures.as_completed([pool.submit(one, entry) for entry in todo]):
            result = future.result()
            results.append(result)
            progress.finished(result)
    except BaseException:  # Ctrl-C, a batch system's SIGTERM turned into an exception: start nothing new
        pool.shutdown(wait=False, cancel_futures=True)
        print_(f"interrupted after {progress.done} of {len(todo)} submissions; the same command grades the rest.",
               flush=True)
        raise
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    pool.shutdown()
    write_gradebook(results, manifest["items"], out_root / "gradebook.csv")
    return results
