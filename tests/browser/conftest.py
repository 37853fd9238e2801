"""Fixtures for tests that drive JupyterLab in a real browser: Playwright for Python and the system's Chromium.

    course_copy(kind)   -> Path   a throwaway course folder: "instructor" (this tree's files) or "release"
                                  (what make release builds), sharing this checkout's .venv and CIFAR-10
    release, instructor -> Path   one of each per session
    lab(root)           -> Lab    JupyterLab started by `make lab` in that folder, on a free port, with
                                  throwaway workspace, settings and runtime folders; stopped by pid at the end
    page                -> Page   a fresh page of the session's Chromium (1400 x 1000)

The browser is Debian's Chromium at /usr/bin/chromium (`apt-get install chromium`; .ci/run installs it);
Playwright never downloads one. Without Chromium or Playwright these tests skip with the reason, except
in CI (CI=true), where that is an error. What a student does in the page (open a notebook, Run All, run
one cell, save, take a screenshot) is in labdriver.py, for tests to import.
"""

import os
import shutil
import subprocess
import sys

import pytest

from labdriver import CHROMIUM, CHROMIUM_ARGS, IN_CI, REPO, start_lab


def _missing(reason):
    """Skip outside CI; in CI a browser test that cannot run is a failure, not a silent pass."""
    if IN_CI:
        pytest.fail(f"{reason}; CI must run the browser tests (.ci/run installs chromium and playwright).")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    """The session's Chromium, driven by Playwright."""
    if not CHROMIUM.is_file():
        _missing(f"no Chromium at {CHROMIUM} (apt-get install chromium, or set CHROMIUM=path)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("Playwright is not installed (pip install -r tests/browser/requirements.txt)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A fresh page (its own context: no cookies or storage from another test)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(60_000)
    page = context.new_page()
    yield page
    context.close()


# ------------------------------------------------------------------ course folders


def _share_venv(root):
    """Let ``root`` use this checkout's .venv as it is: make's set-up stamp stays newer than its inputs."""
    stamp = REPO / ".venv" / ".installed"
    if not stamp.is_file():
        pytest.fail(f"{stamp} is missing; run make setup in {REPO} first.")
    (root / ".venv").symlink_to(REPO / ".venv", target_is_directory=True)
    before = stamp.stat().st_mtime - 60
    for name in ("requirements.txt", "pyproject.toml"):
        os.utime(root / name, (before, before))


@pytest.fixture(scope="session")
def course_copy(tmp_path_factory):
    """course_copy("instructor" | "release") -> a fresh course folder in a temporary directory.

    The copy is what a user has after a clone (the instructor's tree) or after unzipping the release; its
    notebooks and library files can be run, saved and edited without touching this checkout.
    """
    sys.path.insert(0, str(REPO))
    from instructor.release.tree import tree_files

    def make(kind):
        root = tmp_path_factory.mktemp(f"course-{kind}") / "course"
        if kind == "instructor":
            for rel in tree_files(REPO):
                (root / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(REPO / rel, root / rel)
        elif kind == "release":
            subprocess.run([sys.executable, "-m", "instructor.release", "--out", str(root)], cwd=REPO, check=True,
                           capture_output=True, text=True, timeout=300)
        else:
            raise ValueError(f"kind must be 'instructor' or 'release', got {kind!r}")
        _share_venv(root)
        return root

    return make


@pytest.fixture(scope="session")
def release(course_copy):
    """The student release (make release), unzipped once per session."""
    return course_copy("release")


@pytest.fixture(scope="session")
def instructor(course_copy):
    """A copy of this tree, as a fresh clone has it, once per session."""
    return course_copy("instructor")


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    """lab(root) -> Lab: `make lab` in the course folder ``root`` (one server per folder, per session)."""
    started = {}

    def get(root):
        if root not in started:
            started[root] = start_lab(root, tmp_path_factory.mktemp("lab"))
        return started[root]

    yield get
    for server in started.values():
        server.stop()
