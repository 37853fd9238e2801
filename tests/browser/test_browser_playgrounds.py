"""The three playgrounds in a real JupyterLab, driven by Chromium through Playwright: move a control, see a change.

The notebook the browser runs is built from the course notebooks' own
playground cells (by cell id), after one set-up cell that defines what they
need (the data, a trained SVM), so the cells tested are the cells shipped.

The fixtures below (``playground_lab_server``, ``playground_browser_page``)
start ``jupyter lab`` on a free port with a token and a throwaway workspace,
settings and runtime folder, and stop it by its process group id; they are
self-contained so that they can be folded into a shared tests/browser/conftest.py.

Uses the system's Chromium (``/usr/bin/chromium`` or ``$CHROMIUM``), never a
downloaded browser. Skips, saying why, when Chromium or Playwright is missing,
unless ``CI`` is set (then it fails: CI installs both). Screenshots go to the
test's tmp folder, and also to ``$BROWSER_SCREENSHOTS`` when it is set.
"""

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
SERVER_START_TIMEOUT = 120  # seconds for jupyter lab to answer (a loaded 2-core machine: ~20 s)
RUN_TIMEOUT_MS = int(os.environ.get("PLAYGROUND_RUN_TIMEOUT_MS", 240_000))  # the set-up cell loads CIFAR-10 and trains an SVM; three playgrounds draw

SETUP = """import numpy as np
from cs231n_lib import LinearSVM, get_CIFAR10_linear_data, svm_loss_vectorized

SEED = 0
data = get_CIFAR10_linear_data(allow_synthetic=True, verbose=False)
X_train, y_train = data["X_train"], data["y_train"]
num_classes = 10
svm = LinearSVM()
svm.train(X_train, y_train, learning_rate=3e-7, reg=2.5e4, num_iters=100, batch_size=200, seed=SEED)"""

PLAYGROUND_CELLS = [  # (notebook, cell id): the order of the playgrounds on the page
    ("02_softmax_loss.ipynb", "softmax-playground"),
    ("01_svm_loss.ipynb", "svm-landscape"),
    ("04_optimizers.ipynb", "opt-playground"),
]


def _require_browser():
    """Return the sync_playwright function, or skip (fail under CI) when Chromium or Playwright is missing."""
    missing = None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing, sync_playwright = "the playwright package is not installed (pip install playwright)", None
    if missing is None and not CHROMIUM.exists():
        missing = f"no Chromium at {CHROMIUM} (apt-get install -y chromium, or set CHROMIUM=path)"
    if missing is not None:
        if os.environ.get("CI"):
            pytest.fail(f"browser test under CI: {missing}.")
        pytest.skip(f"browser test skipped: {missing}.")
    return sync_playwright


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def playground_notebook(path):
    """Write the notebook the browser runs: the set-up cell, then the three playground cells from assignments/."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(SETUP)]
    for name, cell_id in PLAYGROUND_CELLS:
        source = next(c.source for c in nbformat.read(REPO / "assignments" / name, as_version=4).cells
                      if c.get("id") == cell_id)
        nb.cells.append(nbformat.v4.new_code_cell(source))
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


FRONTENDS = {  # name -> (jupyter subcommand, its application class, the notebook's URL path)
    "lab": ("lab", "LabApp", "lab/tree/playgrounds.ipynb"),
    "notebook": ("notebook", "JupyterNotebookApp", "notebooks/playgrounds.ipynb"),  # classic Notebook 7
}


@pytest.fixture(scope="module", params=sorted(FRONTENDS))
def playground_lab_server(request, tmp_path_factory):
    """A running ``jupyter lab`` (or Notebook 7) on a throwaway folder; stopped by its process group id at the end.

    Yields ``(base_url, token, root, notebook_path)``: the notebook's URL is ``base_url/notebook_path?token=``.
    """
    _require_browser()
    subcommand, app, notebook_path = FRONTENDS[request.param]
    tmp = tmp_path_factory.mktemp("lab")
    root, settings = tmp / "root", tmp / "settings"
    root.mkdir()
    # Keep every cell in the page (JupyterLab 4 may detach cells scrolled out of view) and skip the news prompt.
    for plugin, values in [("@jupyterlab/notebook-extension/tracker", {"windowingMode": "none"}),
                           ("@jupyterlab/apputils-extension/notification", {"fetchNews": "false"})]:
        target = settings / f"{plugin}.jupyterlab-settings"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(values))
    playground_notebook(root / "playgrounds.ipynb")
    port, token = _free_port(), secrets.token_hex(16)
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp / "runtime"), "JUPYTER_CONFIG_DIR": str(tmp / "config"),
           "MPLBACKEND": "Agg", "OPENBLAS_NUM_THREADS": "1"}
    command = [str(Path(sys.executable).with_name("jupyter")), subcommand, "--no-browser", "--ip=127.0.0.1",
               f"--port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
               f"--ServerApp.root_dir={root}", f"--{app}.workspaces_dir={tmp / 'workspaces'}",
               f"--{app}.user_settings_dir={settings}"]
    if os.geteuid() == 0:
        command.append("--allow-root")
    log = open(tmp / "lab.log", "w")
    server = subprocess.Popen(command, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT,
                              start_new_session=True)  # its own process group: the kernels stop with it
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            try:
                with urllib.request.urlopen(f"{base_url}/api/status?token={token}", timeout=5) as reply:
                    if reply.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"jupyter {subcommand} did not start in {SERVER_START_TIMEOUT} s; its log:\n"
                            f"{(tmp / 'lab.log').read_text()[-3000:]}")
            time.sleep(0.5)
        yield base_url, token, root, notebook_path
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
        log.close()


@pytest.fixture(scope="module")
def playground_browser_page(playground_lab_server):
    """A Chromium page (Playwright) on the playground notebook in JupyterLab, all cells run; yields the page."""
    sync_playwright = _require_browser()
    base_url, token, _, notebook_path = playground_lab_server
    with sync_playwright() as playwright:
        args = ["--no-sandbox"] if os.geteuid() == 0 else []
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=args)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{base_url}/{notebook_path}?token={token}")
        page.locator(".jp-Notebook").wait_for(timeout=60_000)
        _accept_kernel(page, base_url, token)
        _run_all(page, base_url, token)
        try:
            page.locator(".cs231n-playground img").nth(2).wait_for(timeout=RUN_TIMEOUT_MS)
        except Exception:
            shot = _screenshot(page, playground_lab_server[2], "run_all_timed_out")
            raise AssertionError(f"the three playgrounds did not appear after Run All Cells; the page: {shot}")
        yield page
        browser.close()


def _kernel_idle(base_url, token):
    """True when the notebook's session has a kernel that reports idle (the server's REST API)."""
    try:
        with urllib.request.urlopen(f"{base_url}/api/sessions?token={token}", timeout=5) as reply:
            sessions = json.load(reply)
    except OSError:
        return False
    return any(s["path"].endswith("playgrounds.ipynb") and (s.get("kernel") or {}).get("execution_state") == "idle"
               for s in sessions)


def _accept_kernel(page, base_url, token, timeout=90, settle=3):
    """Wait until the kernel has been idle for ``settle`` seconds in a row, accepting a "Select Kernel" dialog.

    A kernel reads idle once before the page's session has connected; a Run All sent then is lost.
    """
    deadline, idle_since = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        accept = page.locator(".jp-Dialog .jp-mod-accept")
        if accept.count() and accept.first.is_visible():
            accept.first.click()
            idle_since = None
        elif _kernel_idle(base_url, token):
            idle_since = idle_since or time.monotonic()
            if time.monotonic() - idle_since >= settle:
                return
        else:
            idle_since = None
        page.wait_for_timeout(300)
    pytest.fail(f"the notebook's kernel was not idle for {settle} s within {timeout} s")


def _run_all(page, base_url, token):
    """Run All Cells from the Run menu; retried once if the first cell has not started after 20 s."""
    for _ in range(2):
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
        first_prompt = page.locator(".jp-Cell .jp-InputPrompt").first
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if first_prompt.inner_text().strip() not in ("[ ]:", ""):
                return
            page.wait_for_timeout(300)
        _accept_kernel(page, base_url, token)
    pytest.fail("Run All Cells did not start the first cell")


def _screenshot(page, tmp_path, name):
    frontend = "lab" if "/lab/" in page.url else "notebook"
    path = tmp_path / f"{frontend}_{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if os.environ.get("BROWSER_SCREENSHOTS"):
        target = Path(os.environ["BROWSER_SCREENSHOTS"])
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, target / path.name)
    return path


def _state(playground):
    """The figure's image source (a new blob URL on every redraw) and the readout's text."""
    return playground.locator("img").get_attribute("src"), playground.locator(".widget-html-content").inner_text()


def _wait_for_change(page, playground, before, what):
    """Wait until both the figure and the numbers differ from ``before`` (they arrive as two messages)."""
    deadline = time.monotonic() + 60
    while True:
        now = _state(playground)
        if all(now) and now[0] != before[0] and now[1] != before[1]:
            return now
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: the figure and the numbers did not both change in 60 s (now {now[1]!r})")
        page.wait_for_timeout(200)


def test_classifier_step_button_moves_the_loss(playground_browser_page, tmp_path):
    page = playground_browser_page
    playground = page.locator(".cs231n-playground").nth(0)
    playground.scroll_into_view_if_needed()
    before = _state(playground)
    assert before[0] and "total loss" in before[1], before
    playground.locator("button", has_text="step").click()
    after = _wait_for_change(page, playground, before, "classifier: the step button")
    assert after[0] != before[0] and after[1] != before[1], "a step redraws the figure and changes the total"
    _screenshot(page, tmp_path, "classifier_after_step")


def test_landscape_lambda_slider_changes_the_bowl(playground_browser_page, tmp_path):
    page = playground_browser_page
    playground = page.locator(".cs231n-playground").nth(1)
    playground.scroll_into_view_if_needed()
    before = _state(playground)
    assert before[0] and "λ = 25000" in before[1], before
    handle = playground.locator(".noUi-handle").first  # the λ slider comes first
    handle.scroll_into_view_if_needed()
    box = handle.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x - 45, y, steps=5)  # drag left, down to a smaller λ (the value is sent on release)
    page.mouse.up()
    after = _wait_for_change(page, playground, before, "landscape: the λ slider")
    assert "λ = 25000" not in after[1] and after[0] != before[0], after
    _screenshot(page, tmp_path, "landscape_smaller_lambda")


def test_optimizer_landscape_switch_redraws(playground_browser_page, tmp_path):
    page = playground_browser_page
    playground = page.locator(".cs231n-playground").nth(2)
    playground.scroll_into_view_if_needed()
    before = _state(playground)
    assert before[0] and "SGD" in before[1], before
    playground.locator("select").first.select_option(label="Rosenbrock")
    after = _wait_for_change(page, playground, before, "optimizer: the landscape dropdown")
    assert after[0] != before[0] and after[1] != before[1], after
    _screenshot(page, tmp_path, "optimizer_rosenbrock")
