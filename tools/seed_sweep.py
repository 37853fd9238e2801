"""Run chosen notebook experiments over many seeds and report every assert's pass rate and margin.

A notebook's claim is only as good as its worst seed: an assert that holds on
seed 0 but fails on one seed in ten teaches the learner who changes the seed
that the lesson is wrong. This tool executes an experiment (a few cells of one
notebook: its set-up, data and experiment cells) once per seed, in a fresh
process, with the notebook's ``SEED = 0`` line replaced by ``SEED = s`` (the
notebook on disk is not changed), and records every ``assert`` in those cells
instead of stopping at the first failure:

- pass rate: in how many seeds the assert held;
- margin: for a comparison (``a < b``, ``a > b``, chains, ``np.all(a < b)``),
  how far the measured side is beyond the threshold, in the comparison's own
  units (``b - a`` for ``a < b``; the minimum over the elements for
  ``np.all``). Its mean over the seeds divided by its standard deviation is
  the margin in standard deviations, ``z``: an assert with ``z >= 2.5`` fails
  on fewer than 1% of seeds if the margin is about normal.

Usage:
    python tools/seed_sweep.py --list
    python tools/seed_sweep.py [--seeds 30] [--first-seed 0] [--jobs 2] [--data DIR ...] [--json OUT] EXPERIMENT ...

``--data`` names ``cifar-10-batches-py`` folders to sweep (the real subset, the
tiled full size from tools/make_full_cifar.py); the default is the one the
notebooks read. Results for the course are recorded in CONTRIBUTING.md.
"""
from __future__ import annotations

import argparse
import ast
import contextlib
import io
import json
import multiprocessing
import os
import re
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENTS = REPO / "assignments"
SEED_LINE = re.compile(r"^SEED = \d+\b", re.MULTILINE)

# name -> (notebook, the cell ids to execute, in order). Each list holds the
# set-up cell (imports, SEED), the data cell and the experiment's cells.
EXPERIMENTS = {
    "01-templates": ("01_svm_loss.ipynb", ["svm-01", "svm-03", "svm-36", "svm-43"]),
    "01-margin": ("01_svm_loss.ipynb", ["svm-01", "svm-03", "svm-margin"]),
    "02-log-c": ("02_softmax_loss.ipynb", ["softmax-01", "softmax-09"]),
    "02-gradcheck": ("02_softmax_loss.ipynb", ["softmax-01", "softmax-09", "softmax-19", "softmax-21"]),
    "03-overfit": ("03_regularization.ipynb", ["reg-01", "reg-03", "reg-05", "reg-06", "reg-08"]),
    "04-random-search": ("04_optimizers.ipynb", ["opt-01", "opt-03", "opt-05", "opt-07"]),
    "04-bfgs": ("04_optimizers.ipynb", ["opt-01", "opt-bfgs"]),
    "04-rules": ("04_optimizers.ipynb", ["opt-01", "opt-03", "opt-13", "opt-23"]),
    "04-schedules": ("04_optimizers.ipynb", ["opt-01", "opt-03", "opt-13", "opt-27", "opt-28b"]),
    "05-overfit": ("05_backprop_two_layer_net.ipynb", ["cell-01", "cell-13", "cell-19"]),
    "05-two-layer": ("05_backprop_two_layer_net.ipynb", ["cell-01", "cell-13", "cell-21"]),
    "05-rules": ("05_backprop_two_layer_net.ipynb", ["cell-01", "cell-13", "cell-27"]),
    "05-rmsprop-bias": ("05_backprop_two_layer_net.ipynb", ["cell-01", "cell-13", "cell-27", "rmsprop-bias"]),
    "05-linear": ("05_backprop_two_layer_net.ipynb", ["cell-01", "cell-13", "cell-21", "linear-baseline"]),
    "05-decay": ("05_backprop_two_layer_net.ipynb", ["cell-01", "cell-13", "cell-27", "cell-29"]),
    "06-init": ("06_init_dropout_batchnorm.ipynb", ["cell-01", "cell-03"]),
    "06-dropout": ("06_init_dropout_batchnorm.ipynb", ["cell-01", "cell-05", "cell-09"]),
    "06-symmetry": ("06_init_dropout_batchnorm.ipynb", ["cell-01", "cell-05", "symmetry", "preprocess"]),
    "06-activations": ("06_init_dropout_batchnorm.ipynb", ["cell-01", "activations"]),
    "06-dropout-average": ("06_init_dropout_batchnorm.ipynb", ["cell-01", "cell-05", "cell-09", "dropout-average"]),
    "06-batchnorm": ("06_init_dropout_batchnorm.ipynb", ["cell-01", "cell-05", "cell-13", "cell-15"]),
    "06-bn-speed": ("06_init_dropout_batchnorm.ipynb", ["cell-01", "cell-05", "cell-13"]),
    "06-bn-noise": ("06_init_dropout_batchnorm.ipynb", ["cell-01", "cell-05", "bn-noise"]),
    "06-augment": ("06_init_dropout_batchnorm.ipynb", ["cell-01", "augment-figure", "augment-train"]),
}


# ------------------------------------------------------------ instrumenting


def _margins(test: ast.expr) -> list[ast.expr]:
    """Expressions for the margins of a comparison assert (positive when it holds), [] for other tests."""
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
        return [m for value in test.values for m in _margins(value)]
    if (isinstance(test, ast.Call) and len(test.args) == 1 and isinstance(test.args[0], ast.Compare)
            and ast.unparse(test.func) in {"np.all", "numpy.all"}):
        return [ast.Call(ast.Attribute(ast.Name("__np__", ast.Load()), "min", ast.Load()), [m], [])
                for m in _margins(test.args[0])]
    if not isinstance(test, ast.Compare):
        return []
    out, left = [], test.left
    for op, right in zip(test.ops, test.comparators):
        if isinstance(op, (ast.Lt, ast.LtE)):
            out.append(ast.BinOp(right, ast.Sub(), left))
        elif isinstance(op, (ast.Gt, ast.GtE)):
            out.append(ast.BinOp(left, ast.Sub(), right))
        left = right
    return out


class _RecordAsserts(ast.NodeTransformer):
    """Turn ``assert test, msg`` into a call that records the outcome and the margins, and goes on."""

    def __init__(self, cell_id: str):
        self.cell_id = cell_id

    def visit_Assert(self, node: ast.Assert) -> ast.stmt:
        message = ast.unparse(node.msg) if node.msg is not None else ast.unparse(node.test)
        key = f"{self.cell_id}:{node.lineno} {message.strip('f').strip(chr(34) + chr(39))[:70]}"
        lam = lambda expr: ast.Lambda(ast.arguments([], [], None, [], [], None, []), expr)  # noqa: E731
        call = ast.Call(ast.Name("__sweep_assert__", ast.Load()),
                        [ast.Constant(key), lam(node.test), ast.List([lam(m) for m in _margins(node.test)], ast.Load())],
                        [])
        return ast.copy_location(ast.Expr(call), node)


def instrument(source: str, cell_id: str) -> ast.Module:
    """A cell's code with IPython magics dropped and its asserts recording instead of raising."""
    lines = ["" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()]  # keep line numbers
    tree = _RecordAsserts(cell_id).visit(ast.parse("\n".join(lines)))
    return ast.fix_missing_locations(tree)


# ------------------------------------------------------------ one run


def run_once(task: tuple[str, int, str | None]) -> dict:
    """Execute one experiment with one seed on one dataset; return {'records': {key: ...}, 'error': str}."""
    name, seed, data_dir = task
    if data_dir is not None:
        os.environ["CS231N_DATA_DIR"] = data_dir
    os.environ.setdefault("MPLBACKEND", "Agg")
    import matplotlib.pyplot as plt
    import nbformat

    notebook, cell_ids = EXPERIMENTS[name]
    nb = nbformat.read(ASSIGNMENTS / notebook, as_version=4)
    cells = {cell.get("id"): cell for cell in nb.cells}
    missing = [cid for cid in cell_ids if cid not in cells]
    if missing:
        return {"records": {}, "error": f"{notebook} has no cell {missing[0]}; update EXPERIMENTS in seed_sweep.py."}
    records: dict[str, dict] = {}

    def sweep_assert(key, test, margins):
        ok = bool(test())
        values = []
        for margin in margins:
            try:
                values.append(float(margin()))
            except Exception:  # a margin that is not a number (a string compare): pass/fail only
                values.append(float("nan"))
        records.setdefault(key, {"passed": [], "margins": []})
        records[key]["passed"].append(ok)
        records[key]["margins"].append(values)

    namespace = {"__name__": "__main__", "__sweep_assert__": sweep_assert, "__np__": np}
    seeded = False
    os.chdir(ASSIGNMENTS)
    for cid in cell_ids:
        source = cells[cid].source
        if SEED_LINE.search(source):
            source, seeded = SEED_LINE.sub(f"SEED = {seed}", source), True
        try:
            with contextlib.redirect_stdout(io.StringIO()):  # the cells' printing is not the report
                exec(compile(instrument(source, cid), f"{notebook}:{cid}", "exec"), namespace)
        except Exception as exc:
            return {"records": records, "error": f"cell {cid}: {type(exc).__name__}: {str(exc)[:200]}"}
        finally:
            plt.close("all")
    if not seeded:
        return {"records": records, "error": f"no 'SEED = <int>' line in the cells of {name}; add its set-up cell."}
    return {"records": records, "error": ""}


# ------------------------------------------------------------ report


def summarize(results: list[dict]) -> dict:
    """Per assert key: seeds passed, seeds run, and per margin its mean, SD, z and minimum."""
    keys = sorted({key for result in results for key in result["records"]})
    summary = {}
    for key in keys:
        runs = [result["records"][key] for result in results if key in result["records"]]
        passed = [ok for run in runs for ok in run["passed"]]  # an assert inside a loop records several times
        margins = np.array([m for run in runs for m in run["margins"]], dtype=float)  # (records, margins)
        stats = []
        for column in margins.T if margins.size else []:
            column = column[np.isfinite(column)]
            if column.size == 0:
                continue
            mean, sd = float(column.mean()), float(column.std(ddof=1)) if column.size > 1 else 0.0
            stats.append({"mean": mean, "sd": sd, "z": mean / sd if sd > 0 else float("inf") * np.sign(mean),
                          "min": float(column.min())})
        summary[key] = {"passed": int(sum(passed)), "runs": len(passed), "margins": stats}
    return summary


def print_report(title: str, summary: dict, errors: list[str], n_seeds: int) -> None:
    print(f"\n== {title}: {n_seeds} seeds")
    for error in sorted(set(errors)):
        print(f"   RUN ERROR ({errors.count(error)} seeds): {error}")
    for key, entry in summary.items():
        margins = "; ".join(f"margin {m['mean']:+.3g} (SD {m['sd']:.2g}, z {m['z']:.1f}, min {m['min']:+.3g})"
                            for m in entry["margins"]) or "pass/fail only"
        flag = "  " if entry["passed"] == entry["runs"] and all(m["z"] >= 2.5 for m in entry["margins"]) else "!!"
        print(f" {flag} {entry['passed']:3d}/{entry['runs']:<3d} {key}\n        {margins}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("experiments", nargs="*", help="names from --list (default: all)")
    parser.add_argument("--list", action="store_true", help="list the experiments and exit")
    parser.add_argument("--seeds", type=int, default=30, help="how many seeds (default 30)")
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=2, help="processes at once (default 2)")
    parser.add_argument("--data", action="append", help="a cifar-10-batches-py folder (repeat for several)")
    parser.add_argument("--json", type=Path, help="also write the summaries here")
    args = parser.parse_args(argv)
    if args.list:
        for name, (notebook, cells) in EXPERIMENTS.items():
            print(f"{name:18s} {notebook}: cells {', '.join(cells)}")
        return 0
    unknown = [name for name in args.experiments if name not in EXPERIMENTS]
    if unknown:
        print(f"seed_sweep: error: no experiment named {unknown[0]!r}; see --list.", file=sys.stderr)
        return 2
    if args.seeds < 2:
        print(f"seed_sweep: error: --seeds must be at least 2 to measure a spread, got {args.seeds}.", file=sys.stderr)
        return 2
    for folder in args.data or []:
        if not (Path(folder) / "data_batch_1").is_file():
            print(f"seed_sweep: error: {folder} holds no CIFAR-10 batches; pass a cifar-10-batches-py folder.",
                  file=sys.stderr)
            return 2
    names = args.experiments or list(EXPERIMENTS)
    datasets = [str(Path(d).resolve()) for d in args.data] if args.data else [None]
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    everything, failed = {}, False
    ctx = multiprocessing.get_context("spawn")  # a fresh interpreter per run: no state leaks between seeds
    for data_dir in datasets:
        for name in names:
            tic = time.perf_counter()
            with ctx.Pool(args.jobs, maxtasksperchild=1) as pool:
                results = pool.map(run_once, [(name, seed, data_dir) for seed in seeds], chunksize=1)
            summary = summarize(results)
            errors = [r["error"] for r in results if r["error"]]
            title = f"{name} on {data_dir or 'the default data'} ({time.perf_counter() - tic:.0f} s)"
            print_report(title, summary, errors, args.seeds)
            sys.stdout.flush()
            everything[f"{name} @ {data_dir}"] = {"summary": summary, "errors": errors}
            failed |= bool(errors) or any(e["passed"] < e["runs"] for e in summary.values())
    if args.json:
        args.json.write_text(json.dumps(everything, indent=1))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
