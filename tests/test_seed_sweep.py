"""tools/seed_sweep.py: asserts recorded with their margins, and experiments that exist in the notebooks."""
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tools"))
import seed_sweep  # noqa: E402  (tools/ is not a package)


def run_cell(source):
    records = {}

    def record(key, test, margins):
        records[key] = (bool(test()), [float(m()) for m in margins])

    exec(compile(seed_sweep.instrument(source, "c"), "cell", "exec"),
         {"__sweep_assert__": record, "__np__": np, "np": np})
    return records


def test_a_failing_assert_is_recorded_with_its_margin_and_the_cell_goes_on():
    records = run_cell("%matplotlib inline\na = 0.3\nassert a > 0.5, 'too small'\nb = 2\nassert 1 < b <= 4, 'in range'\n")
    (key_a, (ok_a, margins_a)), (key_b, (ok_b, margins_b)) = sorted(records.items())
    assert key_a.startswith("c:3 too small") and not ok_a and margins_a == pytest.approx([-0.2])
    assert key_b.startswith("c:5 in range") and ok_b and margins_b == pytest.approx([1.0, 2.0])


def test_margins_of_and_and_np_all():
    records = run_cell("x = np.array([1.0, 2.0])\nassert np.all(x < 3) and x.sum() >= 2.5, 'both'\n")
    ok, margins = next(iter(records.values()))
    assert ok and margins == pytest.approx([1.0, 0.5])  # min(3 - x), then 3 - 2.5


def test_summary_reports_pass_rate_and_margin_in_sds():
    results = [{"records": {"k": {"passed": [m > 0], "margins": [[m]]}}, "error": ""} for m in (1.0, 2.0, 3.0, -1.0)]
    entry = seed_sweep.summarize(results)["k"]
    assert (entry["passed"], entry["runs"]) == (3, 4)
    assert entry["margins"][0]["z"] == pytest.approx(1.25 / np.std([1, 2, 3, -1], ddof=1))


@pytest.mark.parametrize("name", sorted(seed_sweep.EXPERIMENTS))
def test_every_experiment_names_cells_of_its_notebook_and_a_seed(name):
    notebook, cell_ids = seed_sweep.EXPERIMENTS[name]
    cells = {cell.get("id"): cell.source for cell in nbformat.read(REPO / "assignments" / notebook, as_version=4).cells}
    assert all(cid in cells for cid in cell_ids), f"{name}: a cell id is not in {notebook}"
    assert any(seed_sweep.SEED_LINE.search(cells[cid]) for cid in cell_ids), f"{name} never sets SEED"


def test_unknown_experiment_is_one_sentence_and_exit_2(capsys):
    assert seed_sweep.main(["no-such-experiment"]) == 2
    assert capsys.readouterr().err.count("\n") == 1
