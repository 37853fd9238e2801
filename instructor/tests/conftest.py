"""Fixtures of the instructor tests."""

from pathlib import Path

import pytest

from .course import make_course

# Submissions kept as test data, never tests themselves: the red team's hostile folders
# and the independent solutions are graded inside the jail by test_hostile.py and
# test_independent_solutions.py. Collecting their notebooks with nbval would run hostile
# code in this process's kernel, outside any sandbox.
collect_ignore = ["hostile", "solutions"]
_SUBMISSIONS = [Path(__file__).parent / name for name in collect_ignore]


def pytest_collection_modifyitems(config, items):
    """collect_ignore does not cover paths named on the command line: refuse those too."""
    named = [item.nodeid for item in items if any(folder in Path(str(item.path)).parents for folder in _SUBMISSIONS)]
    if named:
        raise pytest.UsageError(
            f"{named[0]} is part of a red-team or independent submission, not a test: running it here would run "
            "student code outside the jail; grade the folder with make grade SUBMISSION=... instead.")


@pytest.fixture
def course(tmp_path):
    """A fresh tiny course tree (see course.py)."""
    return make_course(tmp_path / "course")
