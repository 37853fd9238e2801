"""The three playgrounds in a real JupyterLab (and Notebook 7), driven by Chromium: move a control, see a change.

The notebook the browser runs is built from the course notebooks' own
playground cells (by cell id), after one set-up cell that defines what they
need (the data, a trained SVM), so the cells tested are the cells shipped.

The server is a plain ``jupyter lab`` or ``jupyter notebook`` on a throwaway
folder (``labdriver.start_jupyter``); the browser is conftest.py's (the
system's Chromium, never a downloaded one; a skip saying why where it is
missing, a failure under CI). Screenshots go to build/browser/ (or
``$BROWSER_SCREENSHOTS``).
"""

import json
import os
import time
import urllib.request

import nbformat
import pytest

from labdriver import REPO, shoot, start_jupyter

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
FRONTENDS = {"lab": "lab/tree/playgrounds.ipynb", "notebook": "notebooks/playgrounds.ipynb"}  # -> the notebook's URL path


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


@pytest.fixture(scope="module", params=sorted(FRONTENDS))
def playground_server(request, browser, tmp_path_factory):
    """(Lab, the notebook's URL path): JupyterLab or Notebook 7 on a folder holding the playground notebook."""
    tmp = tmp_path_factory.mktemp(f"playgrounds-{request.param}")
    root = tmp / "root"
    root.mkdir()
    playground_notebook(root / "playgrounds.ipynb")
    server = start_jupyter(root, tmp / "server", request.param)
    yield server, FRONTENDS[request.param]
    server.stop()


@pytest.fixture(scope="module")
def playground_browser_page(browser, playground_server):
    """A page on the playground notebook, all cells run (once per frontend); yields the page."""
    server, notebook_path = playground_server
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(60_000)
    page = context.new_page()
    page.goto(server.url(notebook_path))
    page.locator(".jp-Notebook").wait_for(timeout=60_000)
    _accept_kernel(page, server.base, server.token)
    _run_all(page, server.base, server.token)
    try:
        page.locator(".cs231n-playground img").nth(2).wait_for(timeout=RUN_TIMEOUT_MS)
    except Exception:
        shot = _screenshot(page, "run_all_timed_out")
        raise AssertionError(f"the three playgrounds did not appear after Run All Cells; the page: {shot}")
    yield page
    context.close()


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


def _screenshot(page, name):
    frontend = "lab" if "/lab/" in page.url else "notebook"
    return shoot(page, f"playground-{frontend}-{name}")


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


def test_classifier_step_button_moves_the_loss(playground_browser_page):
    page = playground_browser_page
    playground = page.locator(".cs231n-playground").nth(0)
    playground.scroll_into_view_if_needed()
    before = _state(playground)
    assert before[0] and "total loss" in before[1], before
    playground.locator("button", has_text="step").click()
    after = _wait_for_change(page, playground, before, "classifier: the step button")
    assert after[0] != before[0] and after[1] != before[1], "a step redraws the figure and changes the total"
    _screenshot(page, "classifier_after_step")


def test_landscape_lambda_slider_changes_the_bowl(playground_browser_page):
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
    _screenshot(page, "landscape_smaller_lambda")


def test_optimizer_landscape_switch_redraws(playground_browser_page):
    page = playground_browser_page
    playground = page.locator(".cs231n-playground").nth(2)
    playground.scroll_into_view_if_needed()
    before = _state(playground)
    assert before[0] and "SGD" in before[1], before
    playground.locator("select").first.select_option(label="Rosenbrock")
    after = _wait_for_change(page, playground, before, "optimizer: the landscape dropdown")
    assert after[0] != before[0] and after[1] != before[1], after
    _screenshot(page, "optimizer_rosenbrock")
