"""The grader's own cost per submission: peak memory and wall time, honest vs the worst hostile submission.

    python -m instructor.bench_grader [--only ITEM ...]

Grades two submissions of the real course one after the other, each with ``python -m instructor.grade``
in a child (the default 2 boxes at a time, as ``make grade``):

* honest: the reference's graded files (149/149);
* hostile: the same, but ``optim.sgd`` answers with the wire's memory amplification: a 128 MB blob and
  16 arrays that all point at it (2 GB decoded before round 2; refused now).

For each it prints the score, the wall time, the peak RSS of grade.py and of its harness (their own
figures, in report.json) and the largest peak RSS of any process of that grading (the jailed boxes
included: RUSAGE_CHILDREN of the child that ran it), then the bounds the limits give (instructor/README.md).
Timings on a shared machine are noisy: read them with the load average printed at the end.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

AMPLIFY = '''

def sgd(w, dw, config=None):
    """Send the harness 16 arrays that all point at one 128 MB range of the reply's blob."""
    import json, os, struct, sys
    nbytes = 128 * 2**20
    node = {"$nd": ["<f8", [nbytes // 8], 0, nbytes]}
    header = json.dumps({"op": "return", "value": {"$l": [node] * 16}}).encode()
    view = memoryview(struct.pack("<II", len(header), nbytes) + header + bytes(nbytes))
    fd = int(sys.argv[-1])
    while view:
        view = view[os.write(fd, view):]
    return w, config
'''


def _submission(folder, hostile):
    """Write the reference's graded files into ``folder`` (plus the amplification when ``hostile``)."""
    from ..release.build import graded_files

    for rel in graded_files(REPO):
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(REPO / rel, folder / rel)
    if hostile:
        with open(folder / "cs231n_lib" / "optim.py", "a", encoding="utf-8") as f:
            f.write(AMPLIFY)
    return folder


def grade(folder, out, only):
    """Grade ``folder`` in a child; return (report.json, wall seconds, largest peak RSS of any process in MB)."""
    code = ("import resource, subprocess, sys\n"
            "done = subprocess.run(sys.argv[1:])\n"
            "print('PEAK_KB', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    command = [sys.executable, "-c", code, sys.executable, "-m", "instructor.grade", str(folder), "--out", str(out),
               "--name", folder.name] + (["--only", *only] if only else [])
    started = time.monotonic()
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
    wall = time.monotonic() - started
    report = out / folder.name / "report.json"
    if not report.exists():
        raise SystemExit(f"grading {folder.name} wrote no report:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return json.loads(report.read_text()), wall, int(done.stdout.rsplit("PEAK_KB", 1)[1]) / 1024


def main(argv=None):
    from .cli import GRADER_MEMORY_MB
    from .course import POINTS_FILE
    from .nbrun import NOTEBOOK_BUDGET
    from .points import load_points
    from .units import HARNESS_MEMORY_MB, IMPORT_BUDGET_FACTOR
    from .launch import WALL_FACTOR

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", metavar="ITEM", help="grade only these items (a quicker look)")
    args = parser.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="bench-grader-"))
    try:
        rows = []
        for name, hostile in (("honest", False), ("hostile_amplify", True)):
            report, wall, peak = grade(_submission(root / name, hostile), root / "grades", args.only)
            figures = report.get("figures", {})
            rows.append((name, f"{report['score']:g}/{report['max_score']:g}", wall, figures.get("grader_peak_rss_mb"),
                         figures.get("harness_peak_rss_mb"), peak))
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print("the grader's cost per submission (make grade: 2 boxes at a time):")
    print(f"  {'submission':<17}{'score':>9}{'wall s':>9}{'grade.py MB':>13}{'harness MB':>12}{'any process MB':>16}")
    for name, score, wall, parent, harness, peak in rows:
        print(f"  {name:<17}{score:>9}{wall:>9.1f}{parent or 0:>13}{harness or 0:>12}{peak:>16.0f}")
    limits = load_points(REPO / POINTS_FILE).limits
    notebooks = sum(1 for item in load_points(REPO / POINTS_FILE).items if item.kind == "notebook")
    box_time = WALL_FACTOR * limits["budget"] + IMPORT_BUDGET_FACTOR * limits["call_timeout"] + notebooks * NOTEBOOK_BUDGET
    print(f"bounds: box time at most {box_time:g} s per submission ({WALL_FACTOR} x {limits['budget']:g} s package "
          f"budget of wall time + "
          f"{IMPORT_BUDGET_FACTOR * limits['call_timeout']:g} s of imports + {notebooks} notebooks x "
          f"{NOTEBOOK_BUDGET} s); memory (RLIMIT_AS): grade.py {GRADER_MEMORY_MB} MB, its harness "
          f"{HARNESS_MEMORY_MB} MB, each box {limits['memory_mb']:g} MB (2 boxes at a time)")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
