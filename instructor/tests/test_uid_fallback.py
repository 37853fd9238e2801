"""The uid fallback (Gradescope's Docker refuses namespaces) graded end to end, hostile submission included.

Gradescope runs ``run_autograder`` as root in a container whose Python is readable by everyone
(/autograder/venv) and whose instructor's tree is the only copy of the course on the machine. This
machine is not laid out like that (the venv's Python may live under /root, 0700, and other checkouts of
the course sit beside this one), so each test runs the grader, as root, in a container view made with
bubblewrap, without any namespace but the mount one:

* every folder that a Python interpreter or the venv needs and that is closed to other users (e.g. /root)
  is replaced by an empty world-traversable folder holding only what is needed;
* this checkout and its siblings are hidden the same way (only the venv stays), so the reference and
  the hidden tests exist only in the graded copy, made root-owned 0700 as run_autograder does.

Inside, the grader is forced onto the uid backend (``--isolation uid``): student code runs as an
unprivileged uid under rlimits and a seccomp filter that refuses every socket but AF_UNIX.
"""

import glob
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest

from instructor.grading import jail
from instructor.grading.gradescope import build_autograder
from instructor.release.build import graded_files, student_version
from instructor.tests.redteam_common import MARKER, REPO, Listener

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or jail.bwrap_binary()[0] is None or shutil.which("setpriv") is None,
                                reason="the uid fallback needs root (and bwrap to lay out a container view here)")



def _closed_ancestors(paths):
    """The outermost folder on the way to each of ``paths`` that other users cannot traverse."""
    closed = set()
    for path in paths:
        parts = Path(path).parts
        for i in range(1, len(parts)):
            parent = Path(*parts[:i])
            if not parent.stat().st_mode & stat.S_IXOTH:
                closed.add(str(parent))
                break
    return closed


def container_args():
    """bwrap arguments of the container view (see the module docstring)."""
    keep = sorted(set(jail.python_roots()) | {sys.prefix})
    # this checkout and its siblings too; a checkout in /tmp hides only itself (the tests' folders are in /tmp)
    checkouts = REPO if Path(tempfile.gettempdir()).resolve().is_relative_to(REPO.parent) else REPO.parent
    # and the other checkouts in /tmp that anyone can read (a fresh clone there is world-readable)
    clones = {str(found.parents[1]) for pattern in ("/tmp/*/instructor/hidden_tests", "/tmp/*/*/instructor/hidden_tests")
              for found in map(Path, glob.glob(pattern)) if not any(k.startswith(str(found.parents[1]) + "/") for k in keep)}
    hidden = sorted({str(checkouts)} | clones | _closed_ancestors(keep), key=len)
    args, made = [jail.bwrap_binary()[0], "--dev-bind", "/", "/", "--die-with-parent", "--cap-add", "ALL"], set()

    def dirs_to(path):
        out = []
        under = [h for h in hidden if path.startswith(h + "/")]
        if under:
            top = max(under, key=len)
            parts = Path(path).relative_to(top).parts
            for i in range(1, len(parts)):
                folder = str(Path(top, *parts[:i]))
                if folder not in made:
                    made.add(folder)
                    out += ["--perms", "0755", "--dir", folder]
        return out

    for folder in hidden:                        # outer folders first: an empty, world-traversable tmpfs each
        args += dirs_to(folder) + ["--perms", "0755", "--tmpfs", folder]
    for path in keep:                            # then what the interpreter and the venv need, bound back
        if any(path.startswith(h + "/") for h in hidden):
            args += dirs_to(path) + ["--bind", path, path]
    return args


def in_container(command, env, timeout=900):
    return subprocess.run(container_args() + ["--"] + command, env=env, capture_output=True, text=True,
                          timeout=timeout, cwd="/")


# A hostile ops.py for the tiny course: the release stub plus an import-time attack on everything the uid
# fallback has to protect. Outside its own folder it only ever creates MARKER files.
HOSTILE = '''

def _attack():
    import glob, json, os, signal, socket, time
    got = {{"read": 0, "forged": 0, "wrote": 0, "reached": 0}}
    for pattern in ("/autograder*/source/instructor/hidden_tests/*", "/tmp/**/source/instructor/hidden_tests/*",
                    "/tmp/**/hidden_tests/*", "/tmp/**/source/cs231n_lib/ops.py", "{repo}/instructor/hidden_tests/*"):
        for path in glob.glob(pattern, recursive=True):
            try:
                print("LEAKED HIDDEN TESTS:", open(path).read()[:400])
                got["read"] += 1
            except OSError:
                pass
    for path in glob.glob("/tmp/**/results", recursive=True) + glob.glob("/tmp/**/grades", recursive=True):
        for name in ("results.json", "{marker}-forged"):
            try:
                with open(os.path.join(path, name), "w") as f:
                    json.dump({{"score": 7, "tests": []}}, f)
                got["forged"] += 1
            except OSError:
                pass
    for home in ("/root", "{repo}", "{repo}/cs231n_lib", "{repo}/instructor"):
        try:
            open(os.path.join(home, "{marker}-uid"), "a").close()
            got["wrote"] += 1
        except OSError:
            pass
    for family, address in ((socket.AF_INET, ("127.0.0.1", {port})), (socket.AF_INET6, ("::1", {port}))):
        try:
            s = socket.socket(family)
            s.settimeout(1)
            s.connect(address)
            got["reached"] += 1
        except OSError:
            pass
    print("score 7/7")
    if os.fork() == 0:                # a second later, kill every process this uid can (the grader is not one)
        time.sleep(1)
        try:
            os.kill(-1, signal.SIGKILL)
        finally:
            os._exit(0)
    raise RuntimeError("HOSTILE IMPORT RAN: " + ", ".join(f"{{k}} {{v}}" for k, v in sorted(got.items())))


_attack()
'''


@pytest.fixture(scope="module")
def tiny_autograder(tmp_path_factory):
    from instructor.tests.course import make_course

    base = tmp_path_factory.mktemp("uidtiny")
    course = make_course(base / "course")
    archive = base / "autograder.zip"
    build_autograder(course, archive)
    return course, archive


def _run_autograder(course, archive, root, files):
    with zipfile.ZipFile(archive) as z:
        z.extractall(root / "source")
    os.chmod(root / "source" / "run_autograder", 0o755)
    for rel, data in files.items():
        (root / "submission" / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / "submission" / rel).write_bytes(data)
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "AUTOGRADER_PYTHON": sys.executable,
           "AUTOGRADER_ISOLATION": "uid"}
    done = in_container(["bash", str(root / "source" / "run_autograder")], env)
    results = json.loads((root / "results" / "results.json").read_text())
    return done, results


def test_the_uid_fallback_grades_the_tiny_reference_to_full_marks(tiny_autograder, tmp_path):
    course, archive = tiny_autograder
    files = {rel: (course / rel).read_bytes() for rel in graded_files(course)}
    done, results = _run_autograder(course, archive, tmp_path / "autograder", files)
    assert results["score"] == 7, f"{results.get('output')}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    report = json.loads((tmp_path / "autograder" / "grades" / "submission" / "report.json").read_text())
    assert report["isolation"] == "uid"


def test_a_hostile_submission_gains_nothing_under_the_uid_fallback(tiny_autograder, tmp_path):
    course, archive = tiny_autograder
    files = {rel: (course / rel).read_bytes() for rel in graded_files(course)}
    ops = "cs231n_lib/ops.py"
    listener = Listener(0)  # a free port: two runs never collide
    files[ops] = student_version(course, ops) + HOSTILE.format(marker=MARKER, repo=REPO, port=listener.port).encode()
    try:
        done, results = _run_autograder(course, archive, tmp_path / "autograder", files)
    finally:
        listener.close()
    root = tmp_path / "autograder"
    report = json.loads((root / "grades" / "submission" / "report.json").read_text())
    scores = {item["id"]: item["score"] for item in report["items"]}
    assert report["status"] == "graded" and report["isolation"] == "uid", report["notes"][:3]
    assert scores["double"] == 0 and scores["halve"] == 0, scores
    assert results["score"] == report["score"], "results.json is the grader's, not the submission's"
    assert not listener.hits, "the submission reached a socket of the host"
    ran = [note for note in report["notes"] if "HOSTILE IMPORT RAN" in note]
    assert ran, f"the hostile import did not run to its end: {report['notes'][:5]}"
    assert "forged 0, reached 0, read 0, wrote 0" in ran[0], ran[0]
    everything = "".join(p.read_text(errors="replace") for p in root.rglob("*") if p.is_file()
                         and p.parent.name in ("submission", "grades", "results"))
    assert "hidden-test-source-must-not-leak" not in everything + done.stdout, "the hidden tests leaked"
    markers = [str(p) for base in (root, REPO, REPO / "cs231n_lib", Path("/root")) for p in base.glob(f"**/{MARKER}*")
               if "pytest-of" not in str(p) or str(root) in str(p)]
    assert not markers, f"the submission wrote outside its jail: {markers}"
    assert not [p for p in jail._pids_of_uid(jail.BASE_UID) if jail._running(p)]


def test_the_uid_fallback_runs_the_real_course_notebook_and_package_items(tmp_path):
    """The real course's reference, some package items and notebook 03 (a kernel over unix sockets, under
    the seccomp filter, reading a copy of the data), graded with --isolation uid from a 0700 copy."""
    archive = tmp_path / "autograder.zip"
    build_autograder(REPO, archive)
    source, submission, grades = tmp_path / "source", tmp_path / "submission", tmp_path / "grades"
    with zipfile.ZipFile(archive) as z:
        z.extractall(source)
    if (REPO / "datasets" / "cifar-10-batches-py").is_dir():  # the data the instructor's machine has
        shutil.copytree(REPO / "datasets" / "cifar-10-batches-py", source / "datasets" / "cifar-10-batches-py")
    for rel in [r for r in graded_files(REPO) if r.endswith(".py")] + ["assignments/03_regularization.ipynb"]:
        (submission / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(REPO / rel, submission / rel)
    for folder in (source, grades):
        folder.mkdir(exist_ok=True)
        os.chown(folder, 0, 0)
        os.chmod(folder, 0o700)
    env = {key: os.environ[key] for key in ("PATH", "LANG") if key in os.environ}
    done = in_container([sys.executable, "-m", "instructor.grade", str(submission), "--src", str(source),
                         "--out", str(grades), "--name", "reference", "--isolation", "uid",
                         "--only", "l1_penalty", "elastic_net", "max_norm", "nb03_runs"], {**env, "PYTHONPATH": str(source)})
    assert done.returncode == 0 and "score 11/11" in done.stdout, done.stdout[-3000:] + done.stderr[-3000:]
    report = json.loads((grades / "reference" / "report.json").read_text())
    assert report["isolation"] == "uid" and report["status"] == "graded"


# grade-all under --isolation uid (round 2, items 3, 6 and 8): three submissions of the tiny course share the
# machine. The thief's import watches every process's command line for another box's folder, the submissions
# folder and the grader's logs; it takes the victim's code if it can read it (then it scores Halver.halve) and
# gets double right if it can read any grader log (hidden test ids, live outcomes). The litterer leaves files in
# /tmp, /var/tmp and /dev/shm, and more files than the bound in /tmp.
VICTIM = '''
import time
time.sleep(8)  # the thief looks while this box runs
'''

THIEF = '''

def _look():
    import glob, json, os, re, time
    stolen, logs = None, 0
    deadline = time.time() + 12
    while time.time() < deadline and not (stolen and logs):
        paths, folders = set(), set()
        for cmdline in glob.glob("/proc/[0-9]*/cmdline"):
            if time.time() > deadline:
                break
            try:
                args = open(cmdline, "rb").read().decode(errors="replace").split("\\0")
            except OSError:
                continue
            for i, arg in enumerate(args):
                try:
                    value = json.loads(arg)
                    paths |= {v for v in value.values() if isinstance(v, str)} if isinstance(value, dict) else set()
                except ValueError:
                    pass
                if arg.startswith("/"):
                    paths.add(arg)
                if arg == "--all" and i + 1 < len(args):
                    folders.add(args[i + 1])
        files = [f + "/cs231n_lib/ops.py" for f in paths if "tree-" in f]
        for folder in folders:                       # the submissions folder that grade-all was given
            files += glob.glob(folder + "/*/cs231n_lib/ops.py")
        works = {m.group(1) for f in paths for m in [re.search("^(/.*?/grade-[abcd]_[a-z]+-[^/]+)", f)] if m}
        for work in works:                           # a grading's scratch folder of this batch: logs, events
            for name in ("worker.log", "events-0.jsonl", "events-1.jsonl", "logs/worker-0.log", "logs/worker-1.log",
                         "logs/events-0.jsonl", "logs/events-1.jsonl"):
                try:
                    logs += len(open(os.path.join(work, name)).read()) > 0
                except OSError:
                    pass
            files += glob.glob(work + "/box/tree-*/cs231n_lib/ops.py")
        for path in files:
            try:
                text = open(path).read()
            except OSError:
                continue
            if "twice = x + x" in text and "time.sleep(8)" in text:   # this batch's victim, nobody else's
                stolen = text
        time.sleep(0.2)
    return stolen, logs


_stolen, _logs = _look()
if _stolen:
    _taken = {}
    exec(_stolen.replace("time.sleep(8)", ""), _taken)
    Halver = _taken["Halver"]
if _logs:
    def double(x):
        return 2 * x
print("THIEF:", bool(_stolen), _logs)
'''

LITTER = '''
import os
for folder in ("/tmp", "/var/tmp", "/dev/shm"):
    with open(os.path.join(folder, "{marker}-litter"), "w") as f:
        f.write("left for the next submission")
os.makedirs("/tmp/{marker}-many", exist_ok=True)
import time
started = time.monotonic()
for i in range(200000):  # past the bound of 20,000 within a second, then on for up to 10 s: the watcher (once a
    open(f"/tmp/{marker}-many/{{i}}", "w").close()  # second) must stop it here, at import, whatever the speed
    if i > 60000 and time.monotonic() - started > 10:
        break
'''


# What every user of the machine reads of a worker: its command line (the grader's, its parent, holds only the
# path of its own 0700 config).
ARGV = '''
raise RuntimeError("ARGV " + open("/proc/self/cmdline").read().replace("\\0", " "))
'''


def _tiny_course_batch(tmp_path, base):
    from instructor.tests.course import make_course
    course = make_course(tmp_path / "course")
    os.chown(tmp_path, 0, 0)
    os.chmod(tmp_path, 0o700)                 # the instructor's tree: root's, closed (as run_autograder makes it)
    subs = base / "subs"
    reference = (course / "cs231n_lib/ops.py").read_text()
    stub = student_version(course, "cs231n_lib/ops.py").decode()
    for name, text in (("a_victim", reference + VICTIM), ("b_thief", stub + THIEF),
                       ("c_litter", reference + LITTER.format(marker=MARKER)), ("d_argv", stub + ARGV)):
        (subs / name / "cs231n_lib").mkdir(parents=True)
        (subs / name / "cs231n_lib" / "ops.py").write_text(text)
    for folder in [base, subs, *subs.rglob("*")]:
        os.chmod(folder, 0o755 if folder.is_dir() else 0o644)   # the default umask: readable by every user
    return course, subs


def _litter():
    return [p for folder in ("/tmp", "/var/tmp", "/dev/shm") for p in glob.glob(f"{folder}/{MARKER}-*")]


def test_grade_all_under_the_uid_fallback_keeps_submissions_apart(tmp_path):
    base = Path(tempfile.mkdtemp(prefix="uid-batch-", dir="/tmp"))
    try:
        os.chmod(base, 0o755)
        course, subs = _tiny_course_batch(tmp_path, base)
        env = {key: os.environ[key] for key in ("PATH", "LANG") if key in os.environ}
        done = in_container([sys.executable, "-m", "instructor.grade", "--all", str(subs), "--src", str(course),
                             "--out", str(base / "grades"), "--isolation", "uid", "--jobs", "2",
                             "--only", "double", "halve", "--call-timeout", "30"],   # imports may take 60 s: the
                            {**env, "PYTHONPATH": str(course)})           # thief reads /proc of a busy machine
        reports = {name: json.loads((base / "grades" / name / "report.json").read_text())
                   for name in ("a_victim", "b_thief", "c_litter", "d_argv")}
        scores = {name: {i["id"]: i["score"] for i in r["items"]} for name, r in reports.items()}
        assert scores["a_victim"] == {"double": 4, "halve": 2}, (scores, done.stdout[-2000:], done.stderr[-2000:])
        assert scores["b_thief"] == {"double": 0, "halve": 0}, (
            f"the thief read another box or the grader's logs: {scores['b_thief']}; {reports['b_thief']['notes'][:3]}")
        argv = next(n for n in reports["d_argv"]["notes"] if "ARGV " in n).split("ARGV ", 1)[1]
        assert "/" not in argv.split(" ", 1)[1], f"a path in a worker's command line: {argv}"
        assert not _litter(), f"files of a submission outlived its grading: {_litter()[:5]}"
        assert scores["c_litter"]["double"] == 0, "the litterer made more files than the bound and was stopped"
        assert not subs.stat().st_mode & 0o007 and "was open to other users" in done.stderr, done.stderr[-2000:]
    finally:
        for path in _litter():
            shutil.rmtree(path) if os.path.isdir(path) and not os.path.islink(path) else os.unlink(path)
        shutil.rmtree(base, ignore_errors=True)
