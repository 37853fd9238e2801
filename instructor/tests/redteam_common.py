"""Shared by test_hostile.py and test_independent_solutions.py: grade through the real Makefile verbs.

``grade_alone(folder)`` runs ``make grade`` and ``grade_batch(folder)`` runs ``make grade-all`` in the
repository, each into its own grades folder; both return the parsed report.json of every submission.
Solo grades are cached for the pytest process, so a submission graded alone by one test file is not
graded again by the other.
"""

import csv
import hashlib
import json
import os
import re
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SOLUTIONS = REPO / "instructor" / "tests" / "solutions"
BATCH_SENTINEL = ".h9b-redteam-batch"   # the payloads may only modify existing files under such a folder
MARKER = "H9B-HOSTILE-MARKER"
GRADED_PY = ["cs231n_lib/regularizers.py", "cs231n_lib/classifiers/linear_svm.py", "cs231n_lib/classifiers/softmax.py",
             "cs231n_lib/optim.py", "cs231n_lib/classifiers/linear_classifier.py", "cs231n_lib/second_order.py"]
NOTEBOOKS = ["assignments/01_svm_loss.ipynb", "assignments/02_softmax_loss.ipynb",
             "assignments/03_regularization.ipynb", "assignments/04_optimizers.ipynb"]


class Listener:
    """Count connections to 127.0.0.1:``port`` (0: a free port, then ``self.port``) (and to the abstract unix socket ``abstract``, if given) that a
    red-team payload makes, from a background thread, until ``close``."""

    def __init__(self, port, abstract=None):
        self.hits = []
        self.sockets = []
        tcp = socket.socket()
        tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        tcp.bind(("127.0.0.1", port))
        self.port = tcp.getsockname()[1]  # port 0: a free one, so that two runs never collide
        self.sockets.append(tcp)
        self.abstract = abstract
        if abstract is not None:
            unix = socket.socket(socket.AF_UNIX)
            unix.bind("\0" + abstract)
            self.sockets.append(unix)
        for s in self.sockets:
            s.listen(8)
            s.settimeout(0.2)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self.stop.is_set():
            for s in self.sockets:
                try:
                    conn, _ = s.accept()
                    self.hits.append(repr(s.getsockname()))
                    conn.close()
                except OSError:
                    pass

    def close(self):
        self.stop.set()
        self.thread.join()
        for s in self.sockets:
            s.close()


class MakeRun:
    """What one ``make`` call did: its exit status, output, wall time and the grader parent's peak RSS."""

    def __init__(self, returncode, output, seconds, peak_rss_mb):
        self.returncode, self.output, self.seconds, self.peak_rss_mb = returncode, output, seconds, peak_rss_mb


def _makefile_has_grades_variable():
    return re.search(r"^GRADES\s*\?=", (REPO / "Makefile").read_text(), re.M) is not None


def _peak_rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _descendants(root_pid):
    """{pid: argv} of every live descendant of ``root_pid``."""
    parents, argvs = {}, {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    parents[int(entry)] = int(f.read().rsplit(")", 1)[1].split()[1])
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    argvs[int(entry)] = f.read().split(b"\0")
            except (OSError, ValueError, IndexError):
                continue
    out, frontier = {}, [root_pid]
    while frontier:
        pid = frontier.pop()
        for child, parent in parents.items():
            if parent == pid and child not in out:
                out[child] = argvs.get(child, [])
                frontier.append(child)
    return out


def run_make(verb, variables, grades, env_extra=None, timeout=1800):
    """Run ``make VERB VAR=...`` in the repository with reports going to ``grades``; watch the grader's memory.

    The peak is VmHWM of the ``python -m instructor.grade`` process that make starts (the grader's parent).
    """
    grades = Path(grades)
    args = ["make", "--no-print-directory", "-C", str(REPO), verb, *(f"{k}={v}" for k, v in variables.items())]
    if _makefile_has_grades_variable():
        args.append(f"GRADES={grades}")
    else:  # until the Makefile takes GRADES=: the verb's own command line, plus --out
        command = {"grade": [sys.executable, "-m", "instructor.grade", str(variables.get("SUBMISSION", ""))],
                   "grade-all": [sys.executable, "-m", "instructor.grade", "--all", str(variables.get("SUBMISSIONS", "")),
                                 "--jobs", str(variables.get("JOBS", 2))]}[verb]
        args = command + ["--out", str(grades)]
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "MPLBACKEND": "Agg", **(env_extra or {})}
    peak = [0]
    done = threading.Event()
    started = time.monotonic()
    proc = subprocess.Popen(args, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            errors="replace")

    def watch():
        while not done.is_set():
            family = {proc.pid: [b"-m", b"instructor.grade"] if args[0] == sys.executable else []}
            family.update(_descendants(proc.pid))
            for pid, argv in family.items():
                if b"instructor.grade" in argv and b"-m" in argv:
                    peak[0] = max(peak[0], _peak_rss_kb(pid))
            done.wait(0.2)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        output, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        output, _ = proc.communicate()
        output += f"\n[redteam_common: killed after {timeout} s]"
    finally:
        done.set()
        watcher.join()
    return MakeRun(proc.returncode, output, time.monotonic() - started, peak[0] / 1024)


def read_reports(grades):
    """Every ``<grades>/<name>/report.json`` as {name: report}."""
    reports = {}
    for path in sorted(Path(grades).glob("*/report.json")):
        with open(path, encoding="utf-8") as f:
            reports[path.parent.name] = json.load(f)
    return reports


def read_gradebook(grades):
    with open(Path(grades) / "gradebook.csv", newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def item_scores(report):
    return {item["id"]: item["score"] for item in report["items"]}


def copy_submission(source, target):
    """Copy a submission folder without following symlinks."""
    shutil.copytree(source, target, symlinks=True)


_ALONE = {}


def grade_alone(folder):
    """Grade ``folder`` with ``make grade`` (cached per folder for this process); return (report, MakeRun)."""
    folder = Path(folder).resolve()
    if folder not in _ALONE:
        grades = Path(tempfile.mkdtemp(prefix="redteam-alone-"))
        run = run_make("grade", {"SUBMISSION": folder}, grades)
        reports = read_reports(grades)
        assert len(reports) == 1, f"make grade of {folder} wrote {len(reports)} reports:\n{run.output[-3000:]}"
        _ALONE[folder] = (next(iter(reports.values())), run)
        shutil.rmtree(grades, ignore_errors=True)
    return _ALONE[folder]


# ---------------------------------------------------------------- snapshots

SKIP_DIRS = {".git", "build", ".venv", "datasets", "__pycache__", ".pytest_cache", ".ipynb_checkpoints"}


def tree_digest(root, skip=SKIP_DIRS):
    """{relative path: sha256 or link target} of every file under ``root``, not following symlinks."""
    root = Path(root)
    digest = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in skip]
        for name in filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, root)
            try:
                info = os.lstat(path)
                if stat.S_ISLNK(info.st_mode):
                    digest[rel] = "link:" + os.readlink(path)
                elif stat.S_ISREG(info.st_mode):
                    h = hashlib.sha256()
                    with open(path, "rb") as f:
                        for block in iter(lambda: f.read(2**20), b""):
                            h.update(block)
                    digest[rel] = h.hexdigest()
            except OSError as error:
                digest[rel] = f"unreadable:{error.errno}"
    return digest


def listing(root):
    """{relative path: (size, mtime_ns)} of every file under ``root`` (cheap, for a venv's site-packages)."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in filenames:
            path = os.path.join(dirpath, name)
            try:
                info = os.lstat(path)
            except OSError:
                continue
            out[os.path.relpath(path, root)] = (info.st_size, info.st_mtime_ns)
    return out


def changes(before, after):
    """Sorted list of 'added/removed/changed: path' between two snapshots."""
    out = [f"added: {p}" for p in after.keys() - before.keys()]
    out += [f"removed: {p}" for p in before.keys() - after.keys()]
    out += [f"changed: {p}" for p in before.keys() & after.keys() if before[p] != after[p]]
    return sorted(out)


def site_packages():
    import sysconfig
    return Path(sysconfig.get_paths()["purelib"])
