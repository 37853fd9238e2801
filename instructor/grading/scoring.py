"""Scores: what each item earns from its units' results, and the result of a rejected submission.

Trusts the outcomes it is given (the harness's, nbchecks'), the instructor's
points file and notebooks; reads the submitted notebooks only as data
(nbformat, validated), never runs them.
"""

import time

import nbformat

from ..release.notebook_cuts import read_notebook
from .notebooks import answers
from .points import node_pattern


def item_result(item, passed, total, failures):
    """An item's result dict (points.toml's figures and visibility, the counts given). Trusts its callers;
    checks only for a zero total (score 0)."""
    score = round(item.points * passed / total, 2) if total else 0.0
    return {"id": item.id, "title": item.title, "score": score, "max_score": item.points,
            "passed": passed, "total": total, "failures": failures, "visibility": item.visibility}


def score_tests(course, item, outcomes):
    """A tests item's result: passed / expected tests (the instructor's tree's, never the submission's), 0
    when a gate test failed. Trusts ``outcomes`` (the harness's); checks every expected test, not the reported
    ones."""
    nodeids = course.expected[item.id]
    failures = [{"name": n, "message": outcomes[n][1]} for n in nodeids if outcomes[n][0] != "passed"]
    result = item_result(item, len(nodeids) - len(failures), len(nodeids), failures)
    gates = [node_pattern(g) for g in item.gate]
    if any(g.fullmatch(f["name"]) for g in gates for f in failures):
        result["score"] = 0.0
        result["failures"].insert(0, {"name": "gate", "message": "a required check failed, so this item scores 0"})
    return result


def score_items(course, outcomes, nb_results, student_nbs):
    """The result dict of every item of ``course``, in points.toml's order. Trusts ``outcomes`` and
    ``nb_results`` (the trusted side's); reads the inline answers from ``student_nbs`` (validated notebooks),
    whose checks are notebooks.answers'."""
    results = []
    for item in course.points.items:
        if item.kind == "tests":
            results.append(score_tests(course, item, outcomes))
        elif item.kind == "notebook":
            fraction, failures = nb_results[item.id]
            result = item_result(item, 0, 1, failures)
            result.update(score=round(item.points * fraction, 2), passed=round(fraction, 2), total=1)
            results.append(result)
        else:
            checks = [check for rel in item.targets
                      for check in answers(read_notebook(course.src / rel, rel), student_nbs[rel], rel)]
            failures = [{"name": label, "message": why} for label, why in checks if why]
            results.append(item_result(item, len(checks) - len(failures), len(checks), failures))
    return results


def read_student_notebook(rel, data, notes):
    """The submitted notebook ``rel`` parsed from ``data`` (bytes), or None with a note. Trusts nothing of
    it: checks that nbformat parses and validates it; nothing in it runs here."""
    if data is None:
        return None
    try:
        nb = nbformat.reads(data.decode("utf-8"), as_version=4)
        nbformat.validate(nb)
        return nb
    except Exception as error:  # nbformat raises many types for broken JSON or schema
        notes.append(f"{rel} is not a valid notebook ({type(error).__name__}); its questions score 0.")
        return None


def rejected(course, name, reason, started):
    """The result of a submission that could not be graded at all (every item 0, ``reason`` its note). Trusts
    its caller's reason; checks nothing."""
    items = [item_result(item, 0, 0, []) for item in course.points.items]
    return {"submission": name, "status": "rejected", "score": 0.0, "max_score": course.points.total,
            "execution_time": time.monotonic() - started, "notes": [reason], "items": items,
            "isolation": course.backend}
