"""The units of a submission's grading: one harness run for the package tests, one box per graded notebook.

Each unit runs in a job slot (its own uid, ``jail.slot_uid``) and returns
plain results that grade.py scores: the package tests' outcomes from the
harness's events, a notebook item's fraction and failures from nbchecks.py.
"""

from ..release.notebook_cuts import read_notebook
from . import jail, nbchecks, nbrun
from .box import box_home
from .launch import WALL_FACTOR
from .course import GraderError, graded_modules, item_test_files, run_harness
from .notebooks import graded_notebook

IMPORT_FACTOR = 2  # importing one graded module in the worker may take twice a call's limit
IMPORT_BUDGET_FACTOR = 3  # all graded modules together (over every restart): three times a call's limit
HARNESS_MEMORY_MB = 3072  # RLIMIT_AS of a harness process (it decodes the worker's replies; the reference: ~400 MB)


def _stand_ins(course, items):
    """{node id: [functions run as the reference in that test]}: the ``trusted`` lists of points.toml, so
    that each item's tests grade its own functions only (instructor/grading/stand_ins.py). Trusts points.toml
    (checked when it was loaded); checks nothing else."""
    chosen = {}
    for item in items:
        for nodeid in course.expected[item.id] if item.trusted else ():
            chosen.setdefault(nodeid, [])
            chosen[nodeid] += [name for name in item.trusted if name not in chosen[nodeid]]
    return chosen


def package_outcomes(course, items, work, layout, slot, notes):
    """Run the tests of ``items``; return {node id: (outcome, message)} and the harness's figures.
    Trusts the harness's events (a trusted process; its log and events sit in the 0700 logs/ folder, out of
    the boxes' reach); checks that the run ended and marks every expected test it did not report as failed."""
    limits = course.points.limits
    modules = graded_modules(course.graded)
    config = {
        "src": str(course.src), **layout, "home": box_home(layout, slot, course.backend), "modules": modules, "backend": course.backend, "uid": jail.slot_uid(slot),
        "limits": {"memory_mb": int(limits["memory_mb"])}, "log": str(work / "logs" / f"worker-{slot}.log"),
        "gid": layout.get("gid"), "memory_mb": HARNESS_MEMORY_MB,
        "import_timeout": IMPORT_FACTOR * limits["call_timeout"], "import_budget": IMPORT_BUDGET_FACTOR * limits["call_timeout"], "call_timeout": limits["call_timeout"], "budget": limits["budget"],
        "out": str(work / "logs" / f"events-{slot}.jsonl"), "select": [n for item in items for n in course.expected[item.id]],
        "test_files": item_test_files(course.files, items), "stand_ins": _stand_ins(course, items),
    }
    wall = WALL_FACTOR * limits["budget"] + IMPORT_FACTOR * limits["call_timeout"] * (len(modules) + 2) + 300
    scratch = work / f"harness-{slot}"
    scratch.mkdir(mode=0o700)
    events, tail = run_harness(course.src, config, scratch, wall)
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


def notebook_result(course, item, work, layout, slot, student_nbs):
    """Run notebook item ``item``'s graded notebook in the jail; return (score fraction, failures).
    Trusts ``student_nbs`` only as cells to put into the instructor's notebook (notebooks.py), run in the box;
    the result is nbchecks' recomputation, never the kernel's word."""
    rel = item.targets[0]
    student = student_nbs.get(rel)
    if student is None:
        return 0.0, [{"name": rel, "message": f"{rel} was not submitted or is not a valid notebook"}]
    instructor = read_notebook(course.src / rel, rel)
    nb = graded_notebook(student, instructor, nbchecks.export_cell(rel), nbchecks.cells_to_run(rel),
                         nbchecks.setup_code(rel))
    return nbrun.run_and_check(course, rel, nb, work, {**layout, "home": box_home(layout, slot, course.backend)}, slot)
