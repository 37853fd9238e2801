"""Grading throughput: the honest submission's cost per grading unit, and submissions per core-hour.

    python -m instructor.bench_grading [--baseline DIR] [--copies K] [--rounds R] [--only ITEM ...]

1. Breakdown: grades the honest submission (the reference's graded files) twice in this process with one
   job slot, as the first and a later submission of a batch, and prints each unit's wall time and CPU time:
   the package tests, each notebook (its box and kernel), and inside each notebook the trusted check
   (the retraining of the reference, instructor/grading/nbchecks.py).
2. Throughput, side by side: a batch of K copies of the honest submission graded by ``grade --all --jobs 1``
   with this tree and, with ``--baseline DIR``, with another checkout of the grader (today's main, say),
   the two interleaved R times. Submissions per core-hour = K * 3600 / CPU seconds of the whole run.

CPU time is that of every process of the run, the jailed ones included: each run is put in a cgroup of
its own (cgroup v1 cpuacct, or v2), which needs root; elsewhere the figures fall back to wall time on one
job slot (noisy on a shared machine: compare ratios from one run, with the load average printed beside).
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


class CpuMeter:
    """CPU seconds of a process tree, read from a cgroup of its own; None where cgroups are not writable."""

    def __init__(self, name):
        self.path = None
        for root, usage in (("/sys/fs/cgroup/cpuacct", "cpuacct.usage"), ("/sys/fs/cgroup", "cpu.stat")):
            folder = Path(root) / f"bench-grading-{name}-{os.getpid()}"
            try:
                folder.mkdir(exist_ok=True)
                if (folder / usage).exists():
                    self.path, self.usage = folder, usage
                    return
                folder.rmdir()
            except OSError:
                continue

    def join(self, pid):
        if self.path:
            (self.path / "cgroup.procs").write_text(str(pid))

    def seconds(self):
        if not self.path:
            return None
        text = (self.path / self.usage).read_text()
        if self.usage == "cpuacct.usage":
            return int(text) / 1e9
        return int(dict(line.split() for line in text.splitlines())["usage_usec"]) / 1e6

    def close(self, leave=False):
        if self.path:
            if leave:  # move this process back out, so the folder can go
                (self.path.parent / "cgroup.procs").write_text(str(os.getpid()))
            try:
                self.path.rmdir()
            except OSError:
                pass


def load():
    return os.getloadavg()[0]


def honest_submission(src, folder):
    """The reference's graded files, as a student would submit them."""
    sys.path.insert(0, str(src))
    from instructor.release.build import graded_files

    for rel in graded_files(src):
        target = Path(folder) / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(Path(src) / rel, target)
    return Path(folder)


def breakdown(submission, only, jobs=1):
    """Grade ``submission`` twice in this process; print each unit's wall and CPU seconds."""
    from instructor.grading import course as courses, grade, jail, nbchecks, refcache

    meter = CpuMeter("breakdown")
    meter.join(os.getpid())
    figures = {}

    def timed(label, fn):
        def run(*args, **kwargs):
            wall, cpu = time.monotonic(), meter.seconds()
            try:
                return fn(*args, **kwargs)
            finally:
                spent = (time.monotonic() - wall, None if cpu is None else meter.seconds() - cpu)
                figures[label(*args)] = spent
        return run

    grade.package_outcomes = timed(lambda *a: "package tests", grade.package_outcomes)  # as grade.run_units calls them
    grade.notebook_result = timed(lambda course, item, *a: f"{item.id}", grade.notebook_result)
    for rel, spec in nbchecks.CHECKS.items():
        spec["check"] = timed(lambda artifacts, rel=rel: f"  {Path(rel).stem[:2]}: trusted check", spec["check"])
    try:
        backend = jail.choose_backend("auto", False)
        course = courses.load_course(REPO, only, backend=backend)
        for attempt in ("first of a batch", "later in a batch"):
            figures.clear()
            out = Path(tempfile.mkdtemp(prefix="bench-grading-"))
            wall, cpu, before = time.monotonic(), meter.seconds(), load()
            result = grade.grade_submission(course, submission, out, jobs)
            wall, cpu = time.monotonic() - wall, None if cpu is None else meter.seconds() - cpu
            shutil.rmtree(out, ignore_errors=True)
            print(f"\nhonest submission, {attempt}: score {result['score']}/{result['max_score']}, "
                  f"{jobs} job slot(s), load {before:.1f} -> {load():.1f}")
            print(f"  {'unit':<28} {'wall s':>8} {'CPU s':>8}")
            order = sorted(figures, key=lambda k: (k.strip()[:2] if k.startswith(" ") else k.replace("nb", "")[:2], k.startswith(" ")))
            for label in order:
                w, c = figures[label]
                print(f"  {label:<28} {w:8.1f} {'-' if c is None else f'{c:8.1f}':>8}")
            print(f"  {'total':<28} {wall:8.1f} {'-' if cpu is None else f'{cpu:8.1f}':>8}")
            rate = 3600 / cpu if cpu else 3600 / wall / max(1, jobs)
            print(f"  submissions per core-hour: {rate:.0f} ({'CPU time' if cpu else 'wall time on one slot'}); "
                  f"reference results computed/reused so far: {refcache.stats()}")
    finally:
        meter.close(leave=True)


def batch_run(src, folder, jobs, only):
    """Run ``grade --all`` of ``src``'s grader on ``folder`` in its own cgroup; return (wall, cpu, load)."""
    meter = CpuMeter(f"run-{Path(src).name}")
    out = Path(tempfile.mkdtemp(prefix="bench-grading-out-"))
    command = [sys.executable, "-m", "instructor.grade", str(folder), "--all", "--jobs", str(jobs), "--out", str(out),
               "--src", str(src), *(["--only", *only] if only else [])]
    env = {**os.environ, "PYTHONPATH": str(src), "OPENBLAS_NUM_THREADS": "1"}
    before, wall = load(), time.monotonic()
    child = subprocess.Popen(command, cwd=src, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             preexec_fn=(lambda: meter.join(os.getpid())) if meter.path else None)
    output = child.communicate()[0].decode("utf-8", "replace")
    wall = time.monotonic() - wall
    cpu = meter.seconds()
    meter.close()
    shutil.rmtree(out, ignore_errors=True)
    if child.returncode != 0:
        raise SystemExit(f"grade --all with {src} failed (exit {child.returncode}):\n{output[-2000:]}")
    return wall, cpu, (before + load()) / 2


def throughput(baseline, copies, rounds, jobs, only):
    work = Path(tempfile.mkdtemp(prefix="bench-grading-batch-"))
    try:
        folder = work / "submissions"
        for k in range(copies):
            honest_submission(REPO, folder / f"honest-{k + 1:02d}")
        variants = [("this tree", REPO)] + ([("baseline", Path(baseline).resolve())] if baseline else [])
        totals = {name: [0.0, 0.0, True] for name, _ in variants}
        print(f"\nbatch of {copies} honest submissions, grade --all --jobs {jobs}, {rounds} interleaved round(s):")
        for round_ in range(rounds):
            for name, src in (variants if round_ % 2 == 0 else variants[::-1]):
                wall, cpu, mean_load = batch_run(src, folder, jobs, only)
                totals[name][0] += wall
                totals[name][1] += cpu or 0.0
                totals[name][2] &= cpu is not None
                print(f"  round {round_ + 1} {name:<10} wall {wall:7.1f} s  CPU {'-' if cpu is None else f'{cpu:7.1f} s'}  "
                      f"load {mean_load:.1f}", flush=True)
        rates = {}
        for name, (wall, cpu, measured) in totals.items():
            rates[name] = copies * rounds * 3600 / (cpu if measured and cpu else wall * jobs)
            print(f"  {name:<10} {rates[name]:7.1f} submissions per core-hour "
                  f"({'CPU time' if measured else 'wall time x jobs'}; {cpu / (copies * rounds) if measured else wall / (copies * rounds):.1f} s each)")
        if baseline:
            print(f"  ratio this tree / baseline: {rates['this tree'] / rates['baseline']:.2f}x")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, help="another checkout of the repository to compare with (its grader, its reference)")
    parser.add_argument("--copies", type=int, default=3, help="submissions in the throughput batch (default 3)")
    parser.add_argument("--rounds", type=int, default=1, help="interleaved rounds of the throughput runs (default 1)")
    parser.add_argument("--jobs", type=int, default=1, help="grade --all's --jobs in the throughput runs (default 1)")
    parser.add_argument("--only", nargs="+", metavar="ITEM", help="grade only these items")
    parser.add_argument("--skip-breakdown", action="store_true", help="only the throughput runs")
    args = parser.parse_args(argv)
    if args.baseline and not (args.baseline / "instructor" / "grade.py").is_file():
        raise SystemExit(f"{args.baseline} holds no instructor/grade.py; give a checkout of this repository.")
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    print(f"grading benchmark on {os.cpu_count()} cores, load {load():.1f}")
    if not args.skip_breakdown:
        with tempfile.TemporaryDirectory(prefix="bench-grading-honest-") as scratch:
            breakdown(honest_submission(REPO, Path(scratch) / "honest"), args.only)
    if args.copies > 0:
        throughput(args.baseline, args.copies, args.rounds, args.jobs, args.only)


if __name__ == "__main__":
    main()
