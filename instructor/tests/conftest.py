"""Fixtures of the instructor tests."""

from pathlib import Path

import pytest

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
