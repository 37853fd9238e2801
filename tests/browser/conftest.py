"""Fixtures for tests that drive JupyterLab in a real browser: Playwright for Python and the system's Chromium.

    course_copy(kind)   -> Path   a throwaway course folder: "instructor" (this tree's files) or "release"
                                  (what make release builds), sharing this checkout's .venv and CIFAR-10
    lab(root)           -> Lab    JupyterLab started by `make lab` in that folder, on a free port, with
                                  throwaway workspace, settings and runtime folders; stopped by pid at the end
    page                -> Page   a fresh page of the session's Chromium (1400 x 1000)
    shoot(page, name)             saves a PNG of what the student sees to build/browser/<name>.png

The browser is Debian's Chromium at /usr/bin/chromium (`apt-get install chromium`; .ci/run installs it);
Playwright never downloads one. Without Chromium or Playwright these tests skip with the reason, except
in CI (CI=true), where that is an error. Helpers for notebooks (open, Run All, run one cell, wait, save)
are the functions below the fixtures.
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
SCREENSHOTS = Path(os.environ.get("BROWSER_SCREENSHOTS", REPO / "build" / "browser"))
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
LAB_START_TIMEOUT = 180  # s: a cold JupyterLab on a loaded 2-core machine takes 10-40 s
URL_LINE = re.compile(r"make lab: open (http://\S+) in your browser")
# JupyterLab settings for a test run: every cell in the DOM (no windowing), no news or update prompts.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                        "checkForUpdates": False},
}


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


def shoot(page, name):
    """Save a screenshot of ``page`` as build/browser/<name>.png and return its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


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
    from instructor.tree import tree_files

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


# ------------------------------------------------------------------ JupyterLab


@dataclass
class Lab:
    """A running `make lab`: its base URL, token, course folder, process and log."""

    root: Path
    base: str
    token: str
    process: subprocess.Popen
    log: Path
    workdir: Path
    kernels_seen: list = field(default_factory=list)

    def url(self, path):
        """The URL of ``path`` (e.g. 'lab/tree/assignments/01_svm_loss.ipynb') with the token."""
        return f"{self.base}/{path.lstrip('/')}?token={self.token}"

    def api(self, path):
        """GET /api/<path> as JSON."""
        with urllib.request.urlopen(self.url(f"api/{path}"), timeout=30) as response:
            return json.load(response)

    def stop(self):
        """Stop make lab and JupyterLab (their process group, by the pid we started), then its kernels."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=30)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_lab(root, workdir, port=None, timeout=LAB_START_TIMEOUT):
    """Start `make lab` in ``root`` on a free port; return a Lab once its server answers."""
    workdir.mkdir(parents=True, exist_ok=True)
    settings = workdir / "settings"
    for rel, values in LAB_SETTINGS.items():
        (settings / rel).parent.mkdir(parents=True, exist_ok=True)
        (settings / rel).write_text(json.dumps(values))
    env = dict(os.environ, JUPYTERLAB_SETTINGS_DIR=str(settings), JUPYTERLAB_WORKSPACES_DIR=str(workdir / "ws"),
               JUPYTER_RUNTIME_DIR=str(workdir / "runtime"), PYTHONPATH=str(root))  # the copy's cs231n_lib
    data = REPO / "datasets" / "cifar-10-batches-py"
    if data.is_dir():
        env["CS231N_DATA_DIR"] = str(data)
    log = workdir / "make-lab.log"
    port = port or free_port()
    with open(log, "w") as out:
        process = subprocess.Popen(["make", "lab", f"LAB_PORT={port}"], cwd=root, env=env, stdout=out,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + timeout
    lab = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"make lab exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        match = URL_LINE.search(log.read_text())
        if match and lab is None:
            url = match.group(1)
            base = url.split("/lab")[0]
            lab = Lab(root=root, base=base, token=url.split("token=")[1], process=process, log=log, workdir=workdir)
        if lab is not None:
            try:
                lab.api("status")
                return lab
            except OSError:
                pass
        time.sleep(0.5)
    Lab(root, "", "", process, log, workdir).stop()
    raise RuntimeError(f"JupyterLab did not answer within {timeout} s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="session")
def lab(tmp_path_factory, browser):
    """lab(root) -> Lab: `make lab` in the course folder ``root`` (one server per folder, per session)."""
    started = {}

    def get(root):
        if root not in started:
            started[root] = start_lab(root, tmp_path_factory.mktemp("lab"))
        return started[root]

    yield get
    for server in started.values():
        server.stop()


# ------------------------------------------------------------------ notebooks in the page


def open_notebook(page, lab, rel, timeout=120):
    """Open the notebook ``rel`` (relative to the course folder); wait until its kernel has started and is idle.

    A dialog instead (e.g. JupyterLab asking which kernel to pick) is an AssertionError quoting it.
    """
    page.goto(lab.url(f"lab/tree/{rel}"))
    page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell").first.wait_for()
    name = notebook(page).locator(".jp-KernelName").first
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        dialog = page.locator(".jp-Dialog")
        if dialog.count():
            raise AssertionError(f"JupyterLab opened a dialog instead of the kernel: {dialog.first.inner_text()!r}")
        if name.count() and name.inner_text().strip() not in ("", "No Kernel", "Kernel"):
            break
        time.sleep(0.5)
    else:
        raise AssertionError(f"no kernel started for {rel} within {timeout} s")
    wait_kernel_idle(page, timeout)


def notebook(page):
    """The visible notebook panel."""
    return page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")


def wait_kernel_idle(page, timeout=120):
    """Wait until the toolbar's kernel status says idle."""
    status = notebook(page).locator(".jp-Notebook-ExecutionIndicator")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if status.count() and status.first.get_attribute("data-status") == "idle":
            return
        time.sleep(0.5)
    raise AssertionError(f"the kernel was not idle within {timeout} s")


def prompts(page):
    """The execution prompts of every code cell, e.g. ['[1]:', '[*]:', '[ ]:']."""
    return [text.strip() for text in notebook(page).locator(".jp-CodeCell .jp-InputPrompt").all_inner_texts()]


def wait_until_done(page, timeout=600, settle=2.0):
    """Wait until no cell is running or queued ('[*]') and the kernel is idle, for ``settle`` seconds."""
    deadline = time.monotonic() + timeout
    calm_since = None
    while time.monotonic() < deadline:
        status = notebook(page).locator(".jp-Notebook-ExecutionIndicator").first.get_attribute("data-status")
        busy = status != "idle" or any("*" in p for p in prompts(page))
        if busy:
            calm_since = None
        elif calm_since is None:
            calm_since = time.monotonic()
        elif time.monotonic() - calm_since >= settle:
            return
        time.sleep(0.5)
    raise AssertionError(f"the notebook was still running after {timeout} s: prompts {prompts(page)}")


def menu(page, top, item):
    """Click the menu bar's ``top`` menu, then its ``item`` (exact labels)."""
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(rf"^{re.escape(top)}$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(rf"^{re.escape(item)}$")).first.click()


def run_all(page, timeout=600):
    """Run > Run All Cells, then wait until it has finished or stopped at an error."""
    before = prompts(page)
    menu(page, "Run", "Run All Cells")
    deadline = time.monotonic() + 60
    while prompts(page) == before and time.monotonic() < deadline:  # wait for the first cell to start
        time.sleep(0.2)
    wait_until_done(page, timeout)


def code_cell(page, text):
    """The first code cell whose source contains ``text``."""
    return notebook(page).locator(".jp-CodeCell").filter(
        has=page.locator(".jp-InputArea-editor", has_text=text)).first


def run_cell(page, cell, timeout=300):
    """Select ``cell`` and run it (Shift+Enter, as a student does), then wait until the kernel is idle."""
    cell.locator(".jp-InputPrompt").click()
    page.keyboard.press("Shift+Enter")
    time.sleep(0.5)
    wait_until_done(page, timeout)


def save(page, path):
    """Save the notebook (Ctrl+S) and return it as saved, read from ``path`` once it changed on disk."""
    import nbformat

    before = path.stat().st_mtime_ns
    notebook(page).locator(".jp-Notebook").click(position={"x": 5, "y": 5})
    page.keyboard.press("Control+s")
    deadline = time.monotonic() + 60
    while path.stat().st_mtime_ns == before and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(0.3)  # the file is written in one go, but give the rename a moment
    return nbformat.read(path, as_version=4)
