"""Grade one submission: its box, its units run in job slots, its scores and reports.

    python -m instructor.grade SUBMISSION [--only ITEM ...] [--isolation auto|bwrap|uid] [--no-isolation]
    python -m instructor.grade --all FOLDER [--jobs N]

(the command: cli.py; a folder of submissions: batch.py, which calls
``grade_submission`` for each.)

The trust boundary (instructor/README.md): student code runs only in a worker
process inside a jail (jail.py); this process and the harness it
starts (harness.py) never import, execute or unpickle anything a
student wrote. One submission, in a temporary folder:

1. The box tree: the package with the student's graded .py files (a file that
   does not compile, or that fails or hangs at import, is replaced by its
   release stub, with a note) and the release's other files. No reference
   solution, hidden test or oracle is ever in it.
2. Package items: one harness run (a trusted pytest process in the
   instructor's tree) runs the public and hidden tests of the selected items;
   the graded modules are proxies to the worker in the jail.
3. Notebook items: the graded notebook is the instructor's, with the
   student's solution cells put in (notebooks.py); it runs in the
   jail, kernel included, and saves artifacts that this side reads back as
   plain data and checks itself (nbchecks.py).
4. Answer items: read statically from the submitted notebooks.

Every process of the submission is killed and gone before its reports are
written (report.py). The expected tests of each item come from
collecting the instructor's tree, so a submission cannot shrink a
denominator. Exit status: 0 graded, 1 submission rejected, 2 grader
misconfigured or no isolation.
"""

import concurrent.futures
import os
import queue
import resource
import shutil
import tempfile
import time
from pathlib import Path

from . import jail, jail_cpu, nbchecks
from .box import make_box
from .report import submission_name, write_reports
from .scoring import read_student_notebook, rejected, score_items
from .submission import SubmissionError, read_submission
from .units import notebook_result, package_outcomes


def grade_submission(course, path, out_root, jobs=1, name=None, slot=0):
    """Grade the submission at ``path`` into ``out_root``/<name>/; return the result dict.

    Its units (the package tests, each notebook) run ``jobs`` at a time, each in its own box
    with its own uid (job slots ``slot`` .. ``slot + jobs - 1``), all in the group of the first
    slot's uid, the only group that can enter this submission's box folder. Trusts nothing of the
    submission (read as bounded data by read_submission, checked there); the result records its entry's
    real name. Checks that every slot's uid is cleared before the reports are written."""
    started = time.monotonic()
    name = name or submission_name(path)
    try:
        found, notes = read_submission(path, course.graded)
    except SubmissionError as error:
        result = {**rejected(course, name, str(error), started), "entry": Path(path).name}
        write_reports(result, Path(out_root) / name)
        return result
    if course.backend == "none":
        notes.insert(0, "Graded WITHOUT isolation (--no-isolation): the student's code ran as the grader's user.")
    student_nbs = {rel: read_student_notebook(rel, found.get(rel), notes)
                   for rel in course.graded if rel.endswith(".ipynb")}
    slots = list(range(slot, slot + max(1, jobs)))
    work = Path(tempfile.mkdtemp(prefix=f"grade-{name}-"))
    gid = jail.slot_uid(slot) if course.backend != "none" and os.geteuid() == 0 else None
    try:
        layout = {**make_box(course, work, found, notes, gid), "gid": gid}
        outcomes, figures, nb_results, unit_seconds, unit_notes = run_units(course, work, layout, slots, student_nbs)
        notes += unit_notes
    finally:
        for s in slots:  # nothing of this submission runs on when its reports are written
            jail.clear_uid(jail.slot_uid(s), course.backend)
        if not os.environ.get("GRADE_KEEP_WORK"):  # a debugging aid: keep the scratch folder
            shutil.rmtree(work, ignore_errors=True)
    results = score_items(course, outcomes, nb_results, student_nbs)
    result = {"submission": name, "entry": Path(path).name, "status": "graded",
              "score": round(sum(r["score"] for r in results), 2),
              "max_score": course.points.total, "execution_time": time.monotonic() - started,
              "isolation": course.backend, "notes": notes, "items": results,
              "figures": {"worker_startup_s": figures.get("startup", {}).get("seconds", []),
                          "student_seconds": figures.get("budget", {}).get("used"),
                          "unit_seconds": unit_seconds,
                          "harness_peak_rss_mb": figures.get("memory", {}).get("peak_rss_mb"),
                          "grader_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                          # CPUs one job slot's boxes may use together (jail_cpu.py), None where unbounded
                          "slot_cpu_quota": 1.0 if gid is not None and jail_cpu.slot_cgroup(gid) else None}}
    if course.backend == "bwrap":
        result["jail"] = jail.bwrap_version()
    write_reports(result, Path(out_root) / name)
    return result


def run_units(course, work, layout, slots, student_nbs):
    """Run a submission's units (the package tests, each graded notebook), one per free job slot of ``slots``,
    longest first; return (outcomes, figures, notebook results, seconds per unit, notes).

    Trusts the units' results (the harness's events, nbchecks'); checks nothing itself. Every unit runs in
    its slot's box, so the caller must clear every slot's uid before it reads anything the units wrote.
    """
    items = course.points.items
    test_items = [i for i in items if i.kind == "tests"]
    nb_items = [i for i in items if i.kind == "notebook"]
    figures, outcomes, nb_results = {}, {}, {}
    free = queue.Queue()
    for s in slots:
        free.put(s)
    unit_notes = []

    unit_seconds = {}

    def unit(kind, item):
        """Run one unit in a free slot; record its seconds; free the slot even when it fails."""
        s = free.get()
        began = time.monotonic()
        try:
            if kind == "package":
                mine = []
                outcomes_, figures_ = package_outcomes(course, test_items, work, layout, s, mine)
                unit_notes.extend(mine)
                outcomes.update(outcomes_)
                figures.update(figures_)
            else:
                nb_results[item.id] = notebook_result(course, item, work, layout, s, student_nbs)
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
    return outcomes, figures, nb_results, unit_seconds, unit_notes
