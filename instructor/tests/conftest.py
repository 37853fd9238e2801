"""Fixtures of the instructor tests."""

import pytest

from .course import make_course

# Submissions kept as test data, never tests themselves: the red team's hostile folders
# and the independent solutions are graded inside the jail by test_hostile.py and
# test_independent_solutions.py. Collecting their notebooks with nbval would run hostile
# code in this process's kernel, outside any sandbox.
collect_ignore = ["hostile", "solutions"]


@pytest.fixture
def course(tmp_path):
    """A fresh tiny course tree (see course.py)."""
    return make_course(tmp_path / "course")
