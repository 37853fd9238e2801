"""Time of a playground's redraw after a control change (`make bench`): the budget is 0.5 s.

For each of the three interactive lessons (cs231n_lib/course/playground_widgets.py),
built at the notebook's starting setting, one control is moved back and forth
between two values ROUNDS times; each change runs what the frontend would
trigger (compute, draw, PNG into the Image widget). Reported per control: the
median wall-clock time and the median CPU time of this process (which a busy
machine inflates less), with the load average, since the machine is shared.
The verdict uses the wall-clock median. The first redraw of each control is
left out (matplotlib's first text layout and mathtext parse are cached after it).

    .venv/bin/python benchmarks/bench_playgrounds.py [--rounds 7] [--strict]

Like the other benchmarks it reports and exits 0; with ``--strict`` it exits 1
when a median wall time exceeds the budget (for a quiet machine).
"""

import argparse
import os
import statistics
import time

import numpy as np

BUDGET = 0.5  # seconds: the redraw budget


def trained_svm_weights():
    """The SVM of notebook 01 section 4 (500 steps, lr 3e-7, reg 2.5e4), and 500 of its training rows."""
    from cs231n_lib import LinearSVM, get_CIFAR10_linear_data

    data = get_CIFAR10_linear_data(allow_synthetic=True, verbose=False)
    svm = LinearSVM()
    svm.train(data["X_train"], data["y_train"], learning_rate=3e-7, reg=2.5e4, num_iters=500, batch_size=200, seed=0)
    return svm.W, data["X_train"][:500], data["y_train"][:500]


def time_changes(control, values, rounds):
    """Set ``control.value`` to each of ``values`` in turn, ``rounds`` times after a warm-up; return (wall, cpu) lists."""
    control.value = values[-1]  # warm-up
    walls, cpus = [], []
    for r in range(rounds):
        value = values[r % len(values)]
        wall, cpu = time.perf_counter(), time.process_time()
        control.value = value  # the observer redraws synchronously
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return walls, cpus


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7, help="control changes timed per control (default 7)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a median wall time is over the budget")
    args = parser.parse_args(argv)
    from cs231n_lib.course import playground_widgets as pw

    W, X, y = trained_svm_weights()
    classifier = pw.ClassifierPlayground(np.array([[0.5, 0.0, -0.5], [-0.3, 0.6, -0.3]]), np.zeros(3),
                                         reg=0.01, step_size=0.5)
    landscape = pw.LandscapePlayground(W, X, y, reg=2.5e4, seed=0)
    optimizer = pw.OptimizerPlayground(condition_number=10.0, step_size=0.05, momentum=0.8, num_steps=60)
    cases = [
        ("classifier (02): W[0,0] slider", classifier.weights[0], [-1.0, 0.5]),
        ("classifier (02): loss SVM <-> softmax", classifier.loss, ["softmax", "svm"]),
        ("landscape (01): lambda", landscape.reg, [1e3, 1e5]),
        ("landscape (01): example", landscape.example, [5, 40]),
        ("optimizer (04): step size", optimizer.step_size, [0.02, 0.15]),
        ("optimizer (04): condition number (map recomputed)", optimizer.condition_number, [3.0, 30.0]),
    ]
    load = os.getloadavg()[0]
    print(f"Playground redraw after a control change, median of {args.rounds} "
          f"(load average {load:.1f} on {os.cpu_count()} cores; budget {BUDGET} s wall):")
    worst = 0.0
    for name, control, values in cases:
        walls, cpus = time_changes(control, values, args.rounds)
        wall, cpu = statistics.median(walls), statistics.median(cpus)
        worst = max(worst, wall)
        print(f"  {name:52s} wall {wall:.3f} s   cpu {cpu:.3f} s   {'ok' if wall < BUDGET else 'OVER BUDGET'}")
    wall, cpu = time.perf_counter(), time.process_time()
    classifier.step()
    print(f"  {'classifier (02): the step button (9 sliders, 1 redraw)':52s} wall {time.perf_counter() - wall:.3f} s   "
          f"cpu {time.process_time() - cpu:.3f} s   (one press)")
    if worst >= BUDGET:
        print(f"A redraw took {worst:.2f} s (median) > {BUDGET} s; at load {load:.1f} on {os.cpu_count()} cores the "
              f"machine may be busy: rerun on a quiet one before reading it as a regression.")
        return 1 if args.strict else 0
    print(f"Every redraw under {BUDGET} s.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
