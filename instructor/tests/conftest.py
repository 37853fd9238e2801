"""Fixtures of the instructor tests."""

import pytest

from .course import make_course


@pytest.fixture
def course(tmp_path):
    """A fresh tiny course tree (see course.py)."""
    return make_course(tmp_path / "course")
