"""tools/run_notebooks.py (make run): executes notebooks in a real kernel into ipynb + html."""
import subprocess
import sys
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


def test_missing_notebook_is_a_clear_error(tmp_path):
    proc = run("--out", tmp_path, tmp_path / "nope.ipynb")
    assert proc.returncode == 2
    assert "notebook not found" in proc.stderr and "nope.ipynb" in proc.stderr
