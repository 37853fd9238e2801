"""tools/run_notebooks.py (make run): executes notebooks in a real kernel into ipynb + html."""
import html.parser
import subprocess
import sys
import urllib.parse
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[1]
RUNNER = REPO / "tools" / "run_notebooks.py"


def write_notebook(path: Path, *sources: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src) for src in sources]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def run(*args):
    return subprocess.run([sys.executable, str(RUNNER), *map(str, args)],
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    """One passing and one failing notebook, run together once for all tests."""
    tmp = tmp_path_factory.mktemp("nbrun")
    good = write_notebook(tmp / "01_good.ipynb", "x = 6 * 7", "print('answer', x)")
    bad = write_notebook(tmp / "02_bad.ipynb", "y = 1", "assert y == 2, 'y should be 2'", "print('never')")
    out = tmp / "build"
    return good, bad, out, run("--out", out, good, bad)


def test_passing_notebook_is_executed_into_ipynb_and_html(two_runs):
    good, _, out, proc = two_runs
    executed = nbformat.read(out / "01_good.ipynb", as_version=4)
    assert executed.cells[1].outputs[0]["text"] == "answer 42\n"
    assert "answer 42" in (out / "01_good.html").read_text()
    assert "[1/2] 01_good.ipynb ... ok in" in proc.stdout


def test_failing_notebook_is_named_failed_and_exit_is_nonzero(two_runs):
    _, bad, out, proc = two_runs
    assert proc.returncode == 1
    assert "[2/2] 02_bad.ipynb ... FAILED" in proc.stdout
    assert '02_bad.ipynb failed at cell 2 ("assert y == 2, \'y should be 2\'"): AssertionError: y should be 2' in proc.stderr, proc.stderr
    assert (out / "02_bad.failed.ipynb").is_file() and (out / "02_bad.failed.html").is_file()
    assert not (out / "02_bad.ipynb").exists(), "a failed run must not look like a finished notebook"
    assert not list(out.glob(".*.tmp")), "no temporary files are left behind"


def test_html_page_is_titled_by_the_notebooks_first_heading(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# 07 · Losses & <friends>\n\n**Goal:** a title."),
                nbformat.v4.new_code_cell("x = 1")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, tmp_path / "07_titled.ipynb")
    proc = run("--out", tmp_path / "build", tmp_path / "07_titled.ipynb")
    assert proc.returncode == 0, proc.stderr
    page = (tmp_path / "build" / "07_titled.html").read_text()
    assert "<title>07 · Losses &amp; &lt;friends&gt;</title>" in page, page[:600]


def test_missing_notebook_is_a_clear_error(tmp_path):
    proc = run("--out", tmp_path, tmp_path / "nope.ipynb")
    assert proc.returncode == 2
    assert "notebook not found" in proc.stderr and "nope.ipynb" in proc.stderr


class _RemoteAssets(html.parser.HTMLParser):
    """Collects every <script src> and <link href> of a page, the remote ones, and inline script text."""

    def __init__(self):
        super().__init__()
        self.assets, self.remote, self.scripts, self._in_script = [], [], [], False

    def handle_endtag(self, tag):
        self._in_script = self._in_script and tag != "script"

    def handle_data(self, data):
        if self._in_script:
            self.scripts.append(data)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self._in_script = tag == "script"
        url = attrs.get("src") if tag == "script" else attrs.get("href") if tag == "link" else None
        if url is None:
            return
        self.assets.append(url)
        parsed = urllib.parse.urlparse(url)
        if parsed.scheme not in ("", "file") or url.startswith("//"):
            self.remote.append(url)


def test_rendered_page_needs_no_remote_script_and_its_local_ones_exist(two_runs):
    _, _, out, _ = two_runs
    page = (out / "01_good.html").read_text()
    parser = _RemoteAssets()
    parser.feed(page)
    assert parser.remote == [], f"the page loads {parser.remote} from the network; it must read offline"
    assert any("MathJax.js" in url for url in parser.assets), "the page should load the local MathJax"
    for url in parser.assets:
        local = out / urllib.parse.urlparse(url).path
        assert local.is_file(), f"the page loads {url}, but {local} was not written"
    inline = "".join(parser.scripts)
    assert "http://" not in inline and "https://" not in inline, "no inline script may fetch from the network either"
    assert not any("require" in url for url in parser.assets), "no require.js: widgets show as the PNG their output carries"


def test_markdown_formulas_are_left_for_the_local_mathjax(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# 09 · Test\n\n**Goal:** see a formula.\n\n$$L_i = -\\log p_{y_i}$$")]
    write_notebook_path = tmp_path / "09_math.ipynb"
    nbformat.write(nb, write_notebook_path)
    proc = run("--out", tmp_path / "build", write_notebook_path)
    assert proc.returncode == 0, proc.stderr
    page = (tmp_path / "build" / "09_math.html").read_text()
    assert "L_i = -\\log p_{y_i}" in page, "the TeX source stays in the page for MathJax to typeset"
    assert (tmp_path / "build" / "mathjax" / "jax" / "input" / "TeX" / "config.js").is_file()


def test_index_links_the_notebooks_in_order_with_their_goals(two_runs):
    _, _, out, proc = two_runs
    index = (out / "index.html").read_text()
    assert index.index('href="01_good.html"') < index.index('href="02_bad.failed.html"'), index
    assert "failed" in index.split('href="02_bad.failed.html"')[1].split("</li>")[0]


def test_every_course_notebook_has_a_title_and_a_one_line_goal():
    sys.path.insert(0, str(REPO / "tools"))
    try:
        import run_notebooks
    finally:
        sys.path.pop(0)
    notebooks = run_notebooks.course_notebooks()
    assert notebooks, "assignments/ should hold the course notebooks"
    for path in notebooks:
        title, goal = run_notebooks.title_and_goal(path)
        assert title != path.stem and goal, f"{path.name} needs a '# ' title and a '**Goal:** ...' line under it"
        assert "\n" not in goal and len(goal) < 200, f"{path.name}: the goal should be one short line"


def test_a_playground_renders_as_the_png_of_its_starting_state_without_remote_scripts(tmp_path):
    pytest.importorskip("ipywidgets")
    notebook = write_notebook(tmp_path / "07_playground.ipynb",
                              "from cs231n_lib.course.playground_widgets import OptimizerPlayground\n"
                              "playground = OptimizerPlayground(num_steps=10)\nplayground")
    proc = run("--out", tmp_path / "build", notebook)
    assert proc.returncode == 0, proc.stderr
    executed = nbformat.read(tmp_path / "build" / "07_playground.ipynb", as_version=4)
    bundle = executed.cells[0].outputs[0]["data"]
    assert "application/vnd.jupyter.widget-view+json" in bundle and "image/png" in bundle
    assert "widgets" not in executed.metadata, "no widget state: the page would need the CDN's widget manager"
    page = (tmp_path / "build" / "07_playground.html").read_text()
    assert f'src="data:image/png;base64,{bundle["image/png"][:40]}' in page, "the page shows the PNG"
    parser = _RemoteAssets()
    parser.feed(page)
    assert parser.remote == [] and not any("http" in script for script in parser.scripts)
    assert "widget-state+json" not in page and "embed-amd" not in page
