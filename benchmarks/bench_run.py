"""`make run`'s budget: each notebook's wall time and peak memory, next to the run time it states.

Each notebook is executed as `make run` executes it (tools/run_notebooks.py,
a fresh kernel), one at a time, from a fresh wrapper process, so the peak
resident memory measured (the largest process the wrapper waited for: the
kernel) belongs to that notebook alone. Peak memory of `make run` is the
largest of these (the notebooks run one after the other). The machine's load
is printed with the figures: on a shared machine, compare notebooks within one
run, not across runs.

Usage:
    python benchmarks/bench_run.py [--data DIR] [NOTEBOOK ...]

``--data`` is a ``cifar-10-batches-py`` folder (the subset, or the full-size
stand-in from tools/make_full_cifar.py); the default is the one the notebooks
read. The course's budget: all six within about 10 minutes and 3 GB on 2 idle
cores at full size.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RUNNER = REPO / "tools" / "run_notebooks.py"
BUDGET_SECONDS, BUDGET_GB = 600, 3.0

# Runs run_notebooks.py on one notebook and reports the largest descendant's peak RSS (kB on Linux).
WRAPPER = """
import json, resource, subprocess, sys, time
tic = time.perf_counter()
code = subprocess.run(sys.argv[1:]).returncode
print(json.dumps({"code": code, "seconds": time.perf_counter() - tic,
                  "peak_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))
"""


def stated_minutes(path: Path) -> str:
    """The notebook's '**Run time:** ...' sentence up to its first semicolon or full stop, or '?'."""
    nb = json.loads(path.read_text())
    for cell in nb["cells"]:
        match = re.search(r"\*\*Run time:\*\*\s*([^;.]*)", "".join(cell["source"]))
        if match:
            return " ".join(match.group(1).split())
    return "?"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every course notebook")
    parser.add_argument("--data", type=Path, help="a cifar-10-batches-py folder (default: the notebooks' own)")
    args = parser.parse_args(argv)
    notebooks = args.notebooks or sorted((REPO / "assignments").glob("[0-9][0-9]_*.ipynb"))
    env = dict(os.environ, MPLBACKEND="Agg")
    env.setdefault("OPENBLAS_NUM_THREADS", "1")  # as make run
    if args.data is not None:
        if not (args.data / "data_batch_1").is_file():
            print(f"bench_run: error: {args.data} holds no CIFAR-10 batches; pass a cifar-10-batches-py folder.",
                  file=sys.stderr)
            return 2
        env["CS231N_DATA_DIR"] = str(args.data.resolve())
    print(f"load average at the start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; "
          f"data: {env.get('CS231N_DATA_DIR', 'the default folder')}")
    total, peak, failed = 0.0, 0, False
    with tempfile.TemporaryDirectory(prefix="bench-run-") as out:
        for path in notebooks:
            proc = subprocess.run([sys.executable, "-c", WRAPPER, sys.executable, str(RUNNER), "--out", out,
                                   str(path)], env=env, capture_output=True, text=True)
            result = json.loads(proc.stdout.strip().splitlines()[-1])
            total += result["seconds"]
            peak = max(peak, result["peak_kb"])
            status = "ok" if result["code"] == 0 else "FAILED"
            failed |= result["code"] != 0
            print(f"{path.name:36s} {result['seconds']:6.1f} s  peak {result['peak_kb'] / 2**20:5.2f} GB  "
                  f"{status:6s} (states: {stated_minutes(path)})", flush=True)
    print(f"{'all':36s} {total:6.1f} s  peak {peak / 2**20:5.2f} GB  (budget {BUDGET_SECONDS} s, {BUDGET_GB} GB); "
          f"load average at the end: {os.getloadavg()[0]:.1f}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
