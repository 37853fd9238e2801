"""Drive JupyterLab the way a student does: start `make lab` (or a plain `jupyter lab` / Notebook 7 server), open a
notebook, Run All, run one cell, save.

The fixtures that use these (a browser, a course folder, a running lab) are in conftest.py beside it.
"""

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

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


def start_jupyter(root, workdir, subcommand="lab", timeout=LAB_START_TIMEOUT):
    """Start ``jupyter lab`` or ``jupyter notebook`` (Notebook 7, the classic interface) on ``root`` directly, not
    through make lab: a free port, a token, throwaway workspace, settings and runtime folders; its own process
    group, stopped by pid. Return a Lab once the server answers."""
    app = {"lab": "LabApp", "notebook": "JupyterNotebookApp"}[subcommand]
    workdir.mkdir(parents=True, exist_ok=True)
    settings = workdir / "settings"
    for rel, values in LAB_SETTINGS.items():
        (settings / rel).parent.mkdir(parents=True, exist_ok=True)
        (settings / rel).write_text(json.dumps(values))
    port, token = free_port(), secrets.token_hex(16)
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(workdir / "runtime"), JUPYTER_CONFIG_DIR=str(workdir / "config"),
               MPLBACKEND="Agg", OPENBLAS_NUM_THREADS="1")
    command = [str(Path(sys.executable).with_name("jupyter")), subcommand, "--no-browser", "--ip=127.0.0.1",
               f"--port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
               f"--ServerApp.root_dir={root}", f"--{app}.workspaces_dir={workdir / 'ws'}",
               f"--{app}.user_settings_dir={settings}"] + (["--allow-root"] if os.geteuid() == 0 else [])
    log = workdir / f"jupyter-{subcommand}.log"
    with open(log, "w") as out:
        process = subprocess.Popen(command, cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
    lab = Lab(root=root, base=f"http://127.0.0.1:{port}", token=token, process=process, log=log, workdir=workdir)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            lab.api("status")
            return lab
        except OSError:
            time.sleep(0.5)
    lab.stop()
    raise RuntimeError(f"jupyter {subcommand} did not answer within {timeout} s:\n{log.read_text()[-3000:]}")


# ------------------------------------------------------------------ notebooks in the page


def open_notebook(page, lab, rel, timeout=300):
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


def wait_kernel_idle(page, timeout=300):
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


def shoot(page, name):
    """Save a screenshot of ``page`` as build/browser/<name>.png and return its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path
