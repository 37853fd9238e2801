"""Hostile submissions gain nothing and harm nobody, graded end to end by ``make grade-all``.

One batch, 2 jobs: every red-team submission, built from a fresh release by redteam_build.py (the
untouched release files plus one attack each; the attacks are in redteam_payloads.py), the ones made here because they depend on
this machine (a lying-header zip bomb, a zip with escaping paths and symlinks, a folder of symlinks to the
reference, stub submissions named like spreadsheet formulas), an honest submission (style_a's
library files) and a copy of the untouched release's graded files. Then:

* each hostile submission scores, item by item, no more than the untouched release;
* the honest submission scores in the batch exactly what it scores graded alone;
* the batch completes: a report for every submission and a gradebook row each;
* nothing outside the grades folder changed: the instructor's tree (hashed), the venv's site-packages
  (listed), $HOME (a fresh one, hashed; and no marker in the real one), the submissions (hashed),
  /tmp (no marker); no connection reached the test's listeners;
* the reports are final: unchanged a few seconds after grading, and no process of a submission is left;
* no gradebook cell starts with = + - @ tab or CR, report.md stays capped and escaped, the canary
  planted among the hidden tests (and in the tree and $HOME) is in no report.

The second round's classes (``redteam_build.build_round2``, in CORE): zeroing the inputs in place
(``zero_inputs``), the speed gate's yardstick (``keep_hijack``, ``sleepy_naive``), nested callbacks
(``nested_callbacks``: within the budget), notebook 03 from huge starting weights (``nb03_huge_start``)
a submission made against an earlier release (``older_release``: full marks on every package item) and
one with faults in two items' own functions (``faulty_layers``: only those two items lose).

``REDTEAM=all`` grades every red-team submission (about 35), ``REDTEAM=a,b`` only those named (and the
honest and untouched ones); the default, ``REDTEAM=core``, the CORE
ones below: every attack of the first round's list (the boundary, forging, kernels, processes, hangs at import
and in every test, the fork storm, the disk fill, the network, zips, names, the vectorized and notebook
shortcuts), leaving out only the variants (plain loops, wire abuse, the other formula names).

The payloads are bounded (a fork storm of at most 300 processes for 8 s, a disk fill of at most 512 MB,
hangs of at most 240 s) and only ever create marker files outside the test's own folders.
"""

import json
import os
import pickle
import secrets
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

from instructor.tests import redteam_build
from instructor.tests.redteam_common import (BATCH_SENTINEL, GRADED_PY, MARKER, REPO, Listener,
                                             SOLUTIONS, changes, copy_submission, grade_alone, item_scores,
                                             listing, read_gradebook, read_reports, run_make, site_packages,
                                             tree_digest)

pytestmark = pytest.mark.jail  # grades in the jail: see conftest.py

HONEST = "honest_style_a_library"
UNTOUCHED = "untouched_release"
LOOPS = ("loops_as_vectorized", "memoized_loops")   # style_a, but the vectorized losses are the loops
VECTORIZED_ITEMS = ("svm_vectorized", "softmax_vectorized")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CORE = ["read_reference", "patch_inprocess", "forge_results", "write_everywhere", "setsid_daemon", "kill_everything",
        "kill_parent", "swallow_errors", "trivial_notebook", "shortcut_notebook", "memoized_loops", "zip_bomb.zip",
        "zip_escape.zip", "symlink_reference", "formula_injection", redteam_build.FORMULA_NAMES[0],
        "hang_import", "hang_tests", "fork_storm", "disk_fill", "network"]
CORE += redteam_build.ROUND2_NAMES     # round 2's classes
ALL = redteam_build.BUILT_NAMES + redteam_build.GENERATED_NAMES
_CHOICE = os.environ.get("REDTEAM", "core")
SELECTED = ALL if _CHOICE == "all" else CORE if _CHOICE == "core" else [n for n in ALL if n in _CHOICE.split(",")]
# Round 2's style_a-based submissions: honest but for one attack, so they are compared with the maximum.
ROUND2_LOOPS = ("keep_hijack", "sleepy_naive", "cpu_hog")  # the speed gate's yardstick (class 2; cpu_hog: round 3)
NESTED, OLDER, FAULTY = "nested_callbacks", "older_release", "faulty_layers"  # classes 5 and 10
STYLE_A_BASED = (*LOOPS, *ROUND2_LOOPS, NESTED, OLDER, FAULTY)
SETTLE_S = 4                            # the setsid daemon rewrites every 0.5 s: wait this long, compare


def _marker_files(*folders):
    found = []
    for folder in folders:
        try:
            found += [str(p) for p in Path(folder).glob(f"{MARKER}*")]
        except OSError:
            pass
    return sorted(found)


def _markers_in_trees(root, depth=4):
    """Marker files (and red-team conftest.py lines) in any tree under ``root`` (this checkout's parent:
    the other checkouts of this machine), ``depth`` folders deep: the payloads mark every instructor tree
    and reference package they can reach, so a marker there means student code ran outside the jail."""
    found, root = [], str(root)
    for dirpath, dirnames, filenames in os.walk(root):
        level = dirpath[len(root):].count(os.sep)
        dirnames[:] = [] if level >= depth else [d for d in dirnames if not d.startswith(".") and d not in (
            "node_modules", "__pycache__", "build", "datasets")]
        found += [os.path.join(dirpath, f) for f in filenames if f.startswith(MARKER)]
        if os.path.basename(dirpath) == "hidden_tests" and "conftest.py" in filenames:
            try:
                if MARKER in Path(dirpath, "conftest.py").read_text(errors="replace"):
                    found.append(os.path.join(dirpath, "conftest.py"))
            except OSError:
                pass
    return sorted(found)


PR_SET_CHILD_SUBREAPER = 36


def _subreaper(on):
    """Make this process the reaper of its orphaned descendants (Linux), so a process of a submission that
    escapes the grader's process tree is re-parented here and can be seen, and killed, afterwards."""
    import ctypes
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1 if on else 0, 0, 0, 0)


def _live_children(exclude):
    """Pids and command lines of this process's live (not zombie) children, but ``exclude``."""
    me, out = os.getpid(), []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) in exclude:
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, IndexError):
            continue
        if int(fields[1]) == me and fields[0] != "Z":
            out.append((int(entry), cmd[:150]))
    return out


def _reap():
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


@pytest.fixture(scope="module")
def red_team(tmp_path_factory):
    root = tmp_path_factory.mktemp("redteam")
    release = root / "release"
    subprocess.run([sys.executable, "-m", "instructor.release", "--out", str(release)], cwd=REPO, check=True,
                   stdout=subprocess.DEVNULL)
    regenerated = root / "regenerated"
    listener = Listener(0, f"h9b-redteam-{secrets.token_hex(6)}")  # a free port and name: runs never collide
    redteam_build.build(release, regenerated, (listener.port, listener.abstract))
    redteam_build.build_loops(SOLUTIONS / "style_a", regenerated)
    redteam_build.build_round2(release, SOLUTIONS / "style_a", regenerated)
    assert sorted(p.name for p in regenerated.iterdir()) == redteam_build.BUILT_NAMES, "BUILT_NAMES is out of date"

    batch, grades, home = root / "submissions", root / "grades", root / "home"
    for folder in (batch, grades, home):
        folder.mkdir()
    (batch / BATCH_SENTINEL).write_text("red-team batch\n")
    (grades / BATCH_SENTINEL).write_text("red-team grades\n")
    for folder in sorted(regenerated.iterdir()):   # built from this release, never committed
        if folder.name in SELECTED:
            copy_submission(folder, batch / folder.name)
    for rel in GRADED_PY:  # its notebooks would score 0 too, only slower; a missing notebook scores 0 fast
        (batch / UNTOUCHED / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(release / rel, batch / UNTOUCHED / rel)
    for rel in GRADED_PY:
        (batch / HONEST / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(SOLUTIONS / "style_a" / rel, batch / HONEST / rel)
    generated = redteam_build.add_generated(batch, release, REPO)
    for name in generated:   # made together; keep the selected ones
        if name not in SELECTED:
            path = batch / name
            shutil.rmtree(path) if path.is_dir() else path.unlink()

    # make grade-all depends on make setup and the grader's requirements (.venv/.grader-installed): bring
    # both up to date now, so that the snapshots below only see what grading does (a pip run inside
    # grade-all, with the test's HOME, once left ~/.rustup/settings.toml there)
    subprocess.run(["make", "--no-print-directory", "-C", str(REPO), "setup", ".venv/.grader-installed"], check=True,
                   stdout=subprocess.DEVNULL)
    token = secrets.token_hex(16)
    canaries = [REPO / "instructor" / "hidden_tests" / f"canary-h9b-{token[:8]}.txt", REPO / f"canary-h9b-{token[:8]}",
                REPO / "cs231n_lib" / f"canary-h9b-{token[:8]}", home / f"canary-h9b-{token[:8]}"]
    sentinel = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(1800)", "h9b-redteam-sentinel"])
    # children this test process already had (another test's session fixtures, e.g. the browser tests' JupyterLab)
    ours = {pid for pid, _ in _live_children(exclude=set())} | {sentinel.pid}
    _subreaper(True)
    real_home = Path(os.path.expanduser("~"))
    try:
        for path in canaries:
            path.write_text(f"CANARY {token}\n")
        before = {"tree": tree_digest(REPO), "venv": listing(site_packages()), "home": tree_digest(home),
                  "submissions": tree_digest(batch),
                  "markers": _marker_files(real_home, "/tmp", "/var/tmp", "/dev/shm", REPO.parent)
                             + _markers_in_trees(REPO.parent)}
        run = run_make("grade-all", {"SUBMISSIONS": batch, "JOBS": 2}, grades, env_extra={"HOME": str(home)},
                       timeout=2400)
        just_after = tree_digest(grades)
        time.sleep(SETTLE_S)
        after = {"tree": tree_digest(REPO), "venv": listing(site_packages()), "home": tree_digest(home),
                 "submissions": tree_digest(batch),
                 "markers": _marker_files(real_home, "/tmp", "/var/tmp", "/dev/shm", REPO.parent)
                             + _markers_in_trees(REPO.parent)}
        settled = tree_digest(grades)
        leftovers = _live_children(exclude=ours)
    finally:
        _subreaper(False)
        for pid, _ in _live_children(exclude=ours):   # whatever escaped must not outlive the test
            try:
                os.kill(pid, 9)
            except OSError:
                pass
        _reap()
        listener.close()
        sentinel.kill()
        sentinel.wait()
        for path in canaries:
            path.unlink(missing_ok=True)
        for pth in site_packages().glob("h9b_hostile_marker*.pth"):   # a breach must not outlive the test
            pth.unlink()
    solo, solo_run = grade_alone(batch / HONEST)
    entries = sorted(p.name for p in batch.iterdir() if not p.name.startswith("."))
    return {"root": root, "release": release, "regenerated": regenerated, "batch": batch, "grades": grades,
            "run": run, "reports": read_reports(grades), "entries": entries,
            "gradebook": read_gradebook(grades) if (grades / "gradebook.csv").exists() else [],
            "generated": generated, "before": before, "after": after, "just_after": just_after,
            "settled": settled, "leftovers": leftovers, "listener_hits": listener.hits, "token": token,
            "solo": solo, "solo_run": solo_run}


def _report_of(red_team, entry):
    from instructor.grading.report import submission_name
    return red_team["reports"].get(submission_name(entry))


def test_the_batch_completes(red_team):
    run = red_team["run"]
    missing = [e for e in red_team["entries"] if _report_of(red_team, e) is None]
    assert not missing, f"no report for {missing}; make grade-all said:\n{run.output[-4000:]}"
    assert red_team["gradebook"], f"no gradebook.csv; make grade-all said:\n{run.output[-4000:]}"
    rows = red_team["gradebook"][1:]
    assert len(rows) == len(red_team["entries"]), f"{len(rows)} gradebook rows for {len(red_team['entries'])} submissions"
    # make turns the grader's "1: some submission was rejected" (the zip bomb) into its own 2
    assert run.returncode in (0, 2) and "grader error" not in run.output, (
        f"make grade-all failed ({run.returncode}):\n{run.output[-4000:]}")
    assert f"({len(red_team['entries'])} submissions)" in run.output, run.output[-2000:]
    untouched = _report_of(red_team, UNTOUCHED)
    assert untouched["status"] == "graded" and untouched["isolation"] != "none", untouched["notes"][:3]


@pytest.mark.parametrize("entry", [n for n in SELECTED if n not in STYLE_A_BASED])
def test_a_hostile_submission_gains_nothing(red_team, entry):
    report = _report_of(red_team, entry)
    assert report is not None, f"no report for {entry}"
    baseline = item_scores(_report_of(red_team, UNTOUCHED))
    gained = {i: s for i, s in item_scores(report).items() if s > baseline.get(i, 0)}
    assert not gained, f"{entry} gained points over the untouched release: {gained}; notes {report['notes'][:3]}"


@pytest.mark.parametrize("entry", [n for n in LOOPS if n in SELECTED])
def test_loops_do_not_earn_the_vectorized_points(red_team, entry):
    honest, loops = item_scores(_report_of(red_team, HONEST)), item_scores(_report_of(red_team, entry))
    maximum = {item["id"]: item["max_score"] for item in _report_of(red_team, HONEST)["items"]}
    for item in VECTORIZED_ITEMS:
        assert loops[item] < maximum[item], f"{entry}: loops scored {loops[item]}/{maximum[item]} on {item}"
    others = {i: s for i, s in loops.items() if i not in VECTORIZED_ITEMS and s != honest[i]}
    assert not others, f"{entry}: items other than the vectorized ones changed: {others}"


def _package_items():
    """Ids of points.toml's package items (graded by tests, not notebooks or answers)."""
    with open(REPO / "instructor" / "points.toml", "rb") as f:
        return {item["id"] for item in tomllib.load(f)["item"] if "file" in item}


def _short_of_maximum(report, items):
    return {i["id"]: (i["score"], i["max_score"], [f["message"][:160] for f in i["failures"][:2]])
            for i in report["items"] if i["id"] in items and i["score"] < i["max_score"]}


@pytest.mark.parametrize("entry", [n for n in ROUND2_LOOPS if n in SELECTED])
def test_the_speed_yardstick_is_trusted(red_team, entry):
    """Round 2, class 2: loops as the vectorized losses, with the worker's `keep` hijacked to compute them
    before the timer (keep_hijack) or a naive function that sleeps on large problems (sleepy_naive); round 3:
    with processes that load the machine only while the trusted loops are timed (cpu_hog)."""
    report = _report_of(red_team, entry)
    lost = _short_of_maximum(report, _package_items())
    assert set(VECTORIZED_ITEMS) <= set(lost), f"{entry}: loops earned vectorized points: {report['score']}, lost only {lost}"
    if entry != "cpu_hog":  # cpu_hog's spinners slow its own code too: it may spend its time budget elsewhere
        assert set(lost) == set(VECTORIZED_ITEMS), f"{entry}: items other than the vectorized ones lost points: {lost}"


@pytest.mark.skipif(NESTED not in SELECTED, reason="REDTEAM does not select nested_callbacks")
def test_nested_callbacks_share_the_call_deadline(red_team):
    """Round 2, class 5: a loss that calls the grader's override, which calls the student again, 12 levels
    of 8 s: one deadline for the whole call, and the submission's calls stay within the budget."""
    from instructor.grading.points import load_points
    limits = load_points(REPO / "instructor" / "points.toml").limits
    report = _report_of(red_team, NESTED)
    used = report["figures"]["student_seconds"]
    assert used <= limits["budget"] + 5, f"the student's code ran {used} s against a budget of {limits['budget']} s"
    messages = [f["message"] for i in report["items"] if i["id"] == "classifier_train" for f in i["failures"]]
    assert any(f"longer than {limits['call_timeout']:g} s" in m for m in messages), (
        f"a nested call was not stopped at the call's limit: {messages[:3]}")


@pytest.mark.skipif(OLDER not in SELECTED, reason="REDTEAM does not select older_release")
def test_a_submission_made_against_an_earlier_release_scores_full_marks(red_team):
    """Round 2, class 10: style_a's library as made against an earlier release (LinearClassifier without
    scores_loss, train without the on_divergence keyword) loses nothing on any package item."""
    report = _report_of(red_team, OLDER)
    lost = _short_of_maximum(report, _package_items())
    assert not lost, f"an item graded code that is not its own: {lost}"


@pytest.mark.skipif(FAULTY not in SELECTED, reason="REDTEAM does not select faulty_layers")
def test_a_fault_costs_only_the_item_that_owns_it(red_team):
    """Round 2, class 10: a wrong affine_backward and a wrong svm_loss_on_scores cost affine_layer and
    svm_vectorized, and nothing else: the nets and LinearClassifier.train run the reference versions of
    the layers and losses they call (points.toml's ``trusted`` lists, instructor/grading/stand_ins.py)."""
    report = _report_of(red_team, FAULTY)
    lost = _short_of_maximum(report, _package_items())
    assert set(lost) == set(redteam_build.FAULTY_ITEMS), (
        f"the faults in {', '.join(redteam_build.FAULTY_ITEMS)} cost exactly those items, got {lost}")


def test_the_honest_submission_scores_what_it_scores_alone(red_team):
    in_batch = _report_of(red_team, HONEST)
    assert item_scores(in_batch) == item_scores(red_team["solo"]), (
        f"honest submission: batch {in_batch['score']} vs alone {red_team['solo']['score']}")
    assert in_batch["score"] > 50, f"the honest library files should score well, got {in_batch['score']}"


@pytest.mark.parametrize("what", ["tree", "venv", "home", "submissions", "markers"])
def test_nothing_outside_the_grades_changed(red_team, what):
    before, after = red_team["before"][what], red_team["after"][what]
    if what == "markers":
        assert after == before, f"red-team markers appeared: {sorted(set(after) - set(before))}"
    else:
        assert not changes(before, after), f"{what} changed during grading: {changes(before, after)[:20]}"


def test_no_connection_left_the_jail(red_team):
    assert not red_team["listener_hits"], f"a submission reached the host's sockets: {red_team['listener_hits']}"


def test_reports_are_final_when_grading_returns(red_team):
    assert not changes(red_team["just_after"], red_team["settled"]), (
        f"reports changed after grading: {changes(red_team['just_after'], red_team['settled'])}")
    assert not red_team["leftovers"], f"processes outlived make grade-all (re-parented to the test): {red_team['leftovers'][:10]}"
    assert not _marker_files(red_team["grades"], *red_team["grades"].iterdir()), "a submission wrote in the grades"


def test_no_gradebook_cell_starts_a_formula(red_team):
    bad = [cell for row in red_team["gradebook"] for cell in row if cell.startswith(FORMULA_START)]
    assert not bad, f"gradebook cells a spreadsheet would run: {bad[:5]}"


def test_reports_are_capped_escaped_and_free_of_the_canary(red_team):
    token = red_team["token"]
    for path in sorted(red_team["grades"].rglob("*")):
        if not path.is_file():
            continue
        text = path.read_text(errors="replace")
        assert token not in text, f"the canary leaked into {path}"
        assert "LEAKED HIDDEN TESTS" not in text, f"hidden-test text leaked into {path}"
        assert len(text) < 300_000, f"{path} is {len(text)} characters: student text is not capped"
        if path.name == "report.md":
            assert "<script>" not in text and "</details>" not in text, f"raw markup from a submission in {path}"
            score_lines = [line for line in text.splitlines() if line.lower().startswith("score ")]
            assert len(score_lines) <= 1, f"forged score lines in {path}: {score_lines[:3]}"
    assert token not in red_team["run"].output, "the canary leaked into make grade-all's output"


def test_figures(red_team, record_property):
    """Not a check: the closing note's figures, printed with -s and kept in the junit properties."""
    reports = {e: _report_of(red_team, e) for e in red_team["entries"]}
    times = {e: round(r["execution_time"], 1) for e, r in reports.items() if r}
    worst = max((e for e in times if e not in (HONEST, UNTOUCHED, *LOOPS)), key=times.get)
    figures = {"batch_wall_s": round(red_team["run"].seconds, 1), "grader_parent_peak_rss_mb": round(red_team["run"].peak_rss_mb),
               "untouched_s": times.get(UNTOUCHED), "honest_s": times.get(HONEST), "worst_hostile": worst,
               "worst_hostile_s": times[worst], "per_submission_s": times}
    for key, value in figures.items():
        record_property(key, value)
    print("red-team figures:", figures)
    bound = 1024 + _trusted_data_mb()
    assert figures["grader_parent_peak_rss_mb"] < bound, (
        f"the grader's parent peaked at {figures['grader_parent_peak_rss_mb']} MB (bound {bound:.0f} MB: 1 GB plus "
        f"its copies of the training data)")


def _trusted_data_mb():
    """MB of the training data the grader's parent holds for the notebook checks: notebooks 01-04's rows as float64
    and as float32 (instructor/grading/nbdata.py: 12 bytes a value, 3073 values a row), as many rows as the
    batches in datasets/ hold: about 180 MB for the course's subset, 1.8 GB for full CIFAR-10, 0 for the
    synthetic stand-in. Reads the instructor's own data files (trusted)."""
    images = 0
    for path in (REPO / "datasets" / "cifar-10-batches-py").glob("data_batch_*"):
        with open(path, "rb") as f:
            batch = pickle.load(f, encoding="bytes")  # the real batches' keys are bytes, a tiled stand-in's str
            images += len(batch.get(b"labels", batch.get("labels", ())))
    return 12 * 3073 * images / 2**20


def test_pytest_refuses_to_run_a_submitted_notebook_named_on_the_command_line():
    """collect_ignore keeps the submissions kept as test data out of make test; naming one is refused too."""
    notebook = SOLUTIONS / "style_a" / "assignments" / "01_svm_loss.ipynb"
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", str(notebook)], cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 4 and "not a test" in done.stdout + done.stderr, done.stdout[-2000:] + done.stderr[-2000:]


# ------------------------------------------------------- round 2: memory, names, reports
# Each grades the tiny course (instructor/tests/course.py) or one notebook of the real one, alone.

AMPLIFY = '''

def _amplify(x):
    """Send the harness a reply of K arrays that all point at one 128 MB range of the blob (the worker's write
    end of the pipe is its last argument), instead of the answer."""
    import json, os, struct, sys, time
    nbytes, copies = 128 * 2**20, 16
    node = {{"$nd": ["<f8", [nbytes // 8], 0, nbytes]}}
    header = json.dumps({{"op": "return", "value": {{"$l": [node] * copies}}}}).encode()
    frame = struct.pack("<II", len(header), nbytes) + header + bytes(nbytes)
    fd = int(sys.argv[-1])
    view = memoryview(frame)
    while view:
        view = view[os.write(fd, view):]
    time.sleep(30)


def double(x):
    return _amplify(x)
'''


def _grade_in_a_child(src, sub, out, *only):
    """Grade ``sub`` with ``python -m instructor.grade`` in a child; return (its output, the largest peak RSS
    in MB of any process of that grading: the grader, its harness, every box)."""
    code = ("import resource, subprocess, sys\n"
            "done = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
            "print(done.stdout + done.stderr)\n"
            "print('PEAK_MB', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)")
    done = subprocess.run([sys.executable, "-c", code, sys.executable, "-m", "instructor.grade", str(sub), "--src",
                           str(src), "--out", str(out), "--name", "sub", "--only", *only],
                          cwd=src, env={**os.environ, "PYTHONPATH": str(src)}, capture_output=True, text=True,
                          timeout=900)
    peak = int(done.stdout.rsplit("PEAK_MB", 1)[1])
    return done.stdout, peak


def test_a_reply_whose_arrays_share_one_blob_costs_no_memory(tmp_path):
    """Item 4: 16 nodes pointing at one 128 MB range made the harness allocate 2 GB; now the frame is refused."""
    from instructor.tests.course import make_course
    src = make_course(tmp_path / "course")
    sub = tmp_path / "sub"
    for rel in ("cs231n_lib/ops.py",):
        (sub / rel).parent.mkdir(parents=True)
        text = (src / rel).read_text()
        (sub / rel).write_text(text.replace("def double(x):", "def _reference_double(x):") + AMPLIFY.format())
    output, peak = _grade_in_a_child(src, sub, tmp_path / "grades", "double", "halve")
    report = json.loads((tmp_path / "grades" / "sub" / "report.json").read_text())
    scores = {item["id"]: item["score"] for item in report["items"]}
    assert report["status"] == "graded" and scores["double"] == 0 and scores["halve"] == 2, (scores, output[-2000:])
    assert peak < 1024, f"a process of the grading peaked at {peak} MB: the shared-blob reply was decoded"
    assert report["figures"]["harness_peak_rss_mb"] < 1024, report["figures"]


def test_the_wire_refuses_arrays_that_decode_to_more_bytes_than_the_blob():
    from instructor.grading import wire
    blob = bytes(8 * 1000)
    node = {"$nd": ["<f8", [1000], 0, 8000]}
    assert wire.Decoder(blob).decode(node).shape == (1000,)
    with pytest.raises(wire.WireError, match="more bytes than it carries"):
        wire.Decoder(blob).decode({"$l": [node, node]})
    with pytest.raises(wire.WireError, match="more bytes than it carries"):
        wire.Decoder(blob).decode({"$l": [node] + [{"$sc": ["<f8", 0, 8]}]})


FORGE_CELL = '''
import ctypes, json, os, struct
worker = os.getppid()   # the notebook's kernel is a child of the worker, which holds the pipe to the grader
fd = int(open(f"/proc/{worker}/cmdline", "rb").read().split(b"\\0")[-2])
header = json.dumps({"op": "notebook", "artifacts": {"$d": []}, "report": {"$d": [["error", "FORGED-BY-KERNEL"]]}}).encode()
libc = ctypes.CDLL(None, use_errno=True)
pipe = libc.syscall(438, os.pidfd_open(worker), fd, 0)   # pidfd_getfd: a copy of the worker's write end
if pipe < 0:
    raise PermissionError(ctypes.get_errno(), "pidfd_getfd: " + os.strerror(ctypes.get_errno()))
os.write(pipe, struct.pack("<II", len(header), 0) + header)
'''


def test_a_notebook_kernel_cannot_write_to_its_workers_pipe(tmp_path):
    """Item 4: the kernel (same uid as its worker) took the worker's pipe with pidfd_getfd and sent grade.py its
    own frame; the worker is not dumpable now, so that fails."""
    import nbformat
    rel = "assignments/03_regularization.ipynb"
    nb = nbformat.read(str(REPO / rel), as_version=4)
    solution = [cell for cell in nb.cells if cell.get("id") == "reg-27"]
    assert solution, "nbchecks.CHECKS names reg-27 as notebook 03's solution cell"
    solution[0].source = FORGE_CELL
    (tmp_path / "sub" / "assignments").mkdir(parents=True)
    nbformat.write(nb, str(tmp_path / "sub" / rel))
    output, _ = _grade_in_a_child(REPO, tmp_path / "sub", tmp_path / "grades", "nb03_runs")
    report = json.loads((tmp_path / "grades" / "sub" / "report.json").read_text())
    messages = " ".join(f["message"] for item in report["items"] for f in item["failures"])
    assert report["status"] == "graded", output[-2000:]
    assert "FORGED-BY-KERNEL" not in messages, "the kernel's frame reached the grader"
    assert "PermissionError" in messages, messages[:1000]


def test_report_names_never_shift_a_gradebook_row(tmp_path):
    """Item 8: 'a b', 'a_b' and 'a_b-2' in one batch: each row holds its own entry's grade and names it."""
    from instructor.grading.cli import main
    from instructor.release.build import graded_files, student_version
    from instructor.tests.course import make_course
    src = make_course(tmp_path / "course")
    batch = tmp_path / "subs"
    for entry, reference in (("a b", True), ("a_b", True), ("a_b-2", False)):
        for rel in [r for r in graded_files(src) if r.endswith(".py")]:
            (batch / entry / rel).parent.mkdir(parents=True, exist_ok=True)
            (batch / entry / rel).write_bytes((src / rel).read_bytes() if reference else student_version(src, rel))
    assert main(["--all", str(batch), "--src", str(src), "--out", str(tmp_path / "out"), "--only", "double",
                 "halve", "--jobs", "2"]) == 0
    rows = {row[0]: row for row in read_gradebook(tmp_path / "out")[1:]}
    assert {name: (row[-3], row[-1]) for name, row in rows.items()} == {
        "a_b": ("6", "a_b"), "a_b-2": ("0", "a_b-2"), "a_b-3": ("6", "a b")}, rows
    report = json.loads((tmp_path / "out" / "a_b-3" / "report.json").read_text())
    assert report["entry"] == "a b" and "Submitted as: a b" in (tmp_path / "out" / "a_b-3" / "report.md").read_text()


def test_results_json_is_markdown_throughout_and_items_choose_their_visibility(tmp_path):
    """Item 8: a note carrying HTML is escaped in results.json's top-level output as in each test's, every
    output says it is markdown, and points.toml's per-item visibility reaches Gradescope."""
    from instructor.grading.cli import main
    from instructor.tests.course import make_course
    src = make_course(tmp_path / "course")
    points = src / "instructor" / "points.toml"
    points.write_text(points.read_text().replace('title = "Halver.halve"', 'title = "Halver.halve"\nvisibility = "after_published"'))
    sub = tmp_path / "sub"
    (sub / "cs231n_lib").mkdir(parents=True)
    (sub / "cs231n_lib" / "ops.py").write_text('raise RuntimeError("<img src=x onerror=alert(1)> <b>bold</b>")\n')
    assert main([str(sub), "--src", str(src), "--out", str(tmp_path / "out"), "--name", "sub",
                 "--results-json", str(tmp_path / "results.json"), "--only", "double", "halve"]) == 0
    results = json.loads((tmp_path / "results.json").read_text())
    unescaped = [i for i, c in enumerate(results["output"]) if c in "<>" and results["output"][i - 1:i] != "\\"]
    assert "onerror" in results["output"] and not unescaped, results["output"]
    assert results["output_format"] == "md" and all(t["output_format"] == "md" for t in results["tests"]), results
    assert {t["name"]: t["visibility"] for t in results["tests"]} == {"double": "visible", "Halver.halve": "after_published"}
