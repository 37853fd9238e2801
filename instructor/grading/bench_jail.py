"""The grader's sandbox start-up overhead: a process started in a jail box vs the same process started plainly.

    make bench-jail    # or: python -m instructor.bench_jail [--rounds 15]

Each round starts ``python -I -c pass`` (the interpreter alone) and ``python -I -c "import numpy"`` (what
every worker imports first) once plainly and once in a box of each available backend (instructor/grading/jail.py:
bwrap, and uid when running as root), in an interleaved order, and waits until every process of it is
gone (``jail.kill``). It prints the median wall time of each and the overhead of each backend, as a
difference and a ratio, measured side by side in one run (the machine is shared and noisy).
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from . import jail, jail_backends

PROGRAMS = {"interpreter": "pass", "import numpy": "import numpy"}


def plain(code):
    started = time.perf_counter()
    subprocess.run([sys.executable, "-I", "-c", code], check=True, stdin=subprocess.DEVNULL)
    return time.perf_counter() - started


def boxed(code, backend, cwd):
    started = time.perf_counter()
    box = jail.start([sys.executable, "-I", "-c", code], backend=backend, uid=jail.slot_uid(0),
                     env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}, cwd="/tmp" if backend == "bwrap" else cwd)
    code_ = box.process.wait(timeout=60)
    jail.kill(box)
    elapsed = time.perf_counter() - started
    if code_ != 0:
        raise SystemExit(f"the {backend} box exited {code_}: it cannot run this Python here (see instructor/README.md).")
    return elapsed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args(argv)
    backends = ["bwrap"] if jail_backends._probe_bwrap() is None else []
    if os.geteuid() == 0 and shutil.which("setpriv") and jail.closed_python_root() is None:
        backends.append("uid")
    if not backends:
        raise SystemExit("no jail backend works here (bwrap missing, and the uid backend needs root and a Python "
                         "other users can run); install bubblewrap.")
    cwd = tempfile.mkdtemp(prefix="bench-jail-")
    os.chmod(cwd, 0o755)
    times = {(program, way): [] for program in PROGRAMS for way in ["plain", *backends]}
    for round_ in range(args.rounds):
        ways = ["plain", *backends]
        ways = ways[round_ % len(ways):] + ways[:round_ % len(ways)]   # rotate: no way always runs first
        for program, code in PROGRAMS.items():
            for way in ways:
                times[program, way].append(plain(code) if way == "plain" else boxed(code, way, cwd))
    shutil.rmtree(cwd, ignore_errors=True)
    print(f"sandbox start-up, median of {args.rounds} interleaved rounds (start, run, every process gone):")
    print(f"  {'program':<14}{'way':<8}{'median':>10}{'overhead':>12}{'ratio':>8}")
    for program in PROGRAMS:
        base = statistics.median(times[program, "plain"])
        print(f"  {program:<14}{'plain':<8}{base * 1000:>8.0f} ms")
        for way in backends:
            median = statistics.median(times[program, way])
            print(f"  {program:<14}{way:<8}{median * 1000:>8.0f} ms{(median - base) * 1000:>+9.0f} ms{median / base:>7.2f}x")


if __name__ == "__main__":
    main()
