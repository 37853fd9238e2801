"""Speed of the losses, as ratios measured side by side in one run (`make bench`).

1. Naive versus vectorized loss + gradient on the 500-example dev batch
   (500 x 3073, C = 10): the lesson's punchline, target at least 10x.
2. Vectorized loss + gradient on the full training set (49000 x 3073) versus
   the floor of the two matrix products every version must do, ``X @ W`` and
   ``X.T @ G`` on the same arrays: target within 1.3x of the floor in float64,
   and float32 faster than float64.

Every timed call is repeated; the repeats of all candidates are interleaved
(one round calls each candidate once), so a busy machine slows them alike,
and the minimum over rounds is reported. Data are random: speed does not
depend on the values. ``--quick`` uses 10000 rows instead of 49000 and fewer
rounds.

    .venv/bin/python benchmarks/bench_losses.py [--quick]
"""

import argparse
import os
import time

import numpy as np

from cs231n_lib import (softmax_loss_naive, softmax_loss_vectorized, svm_loss_naive,
                        svm_loss_vectorized)
from cs231n_lib._checks import check_loss_inputs

DIM = 3073
NUM_CLASSES = 10
DEV_ROWS = 500
TARGET_SPEEDUP = 10.0
TARGET_FLOOR_RATIO = 1.3


def min_times_interleaved(candidates, rounds):
    """Call every candidate once per round, ``rounds`` times; return name -> minimum seconds.

    Parameters
    ----------
    candidates : dict of str -> callable
        Functions of no argument.
    rounds : int
        Number of rounds.
    """
    best = {name: float("inf") for name in candidates}
    for _ in range(rounds):
        for name, call in candidates.items():
            start = time.perf_counter()
            call()
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def make_problem(rng, num_rows, dtype):
    """Random W (D, C), X (N, D), y (N,) and an upstream gradient G (N, C) in ``dtype``."""
    W = 1e-3 * rng.standard_normal((DIM, NUM_CLASSES), dtype=dtype)
    X = rng.standard_normal((num_rows, DIM), dtype=dtype)
    y = rng.integers(0, NUM_CLASSES, num_rows)
    G = rng.standard_normal((num_rows, NUM_CLASSES), dtype=dtype)
    return W, X, y, G


def verdict(ok):
    return "ok" if ok else "MISSED"


def bench_naive_vs_vectorized(rng, rounds):
    W, X, y, _ = make_problem(rng, DEV_ROWS, np.float64)
    reg = 1e-5
    losses = {"svm": (svm_loss_naive, svm_loss_vectorized),
              "softmax": (softmax_loss_naive, softmax_loss_vectorized)}
    candidates = {}
    for name, (naive, vectorized) in losses.items():
        candidates[f"{name} naive"] = lambda f=naive: f(W, X, y, reg)
        candidates[f"{name} vectorized"] = lambda f=vectorized: f(W, X, y, reg)
    best = min_times_interleaved(candidates, rounds)

    print(f"\n1. naive vs vectorized loss + gradient, dev batch {DEV_ROWS} x {DIM}, C = {NUM_CLASSES}, "
          f"float64 (min of {rounds} interleaved rounds)")
    print(f"   {'loss':<9}{'naive ms':>10}{'vectorized ms':>15}{'naive / vectorized':>20}   target >= {TARGET_SPEEDUP:g}x")
    all_ok = True
    for name in losses:
        naive_s, vec_s = best[f"{name} naive"], best[f"{name} vectorized"]
        speedup = naive_s / vec_s
        all_ok &= speedup >= TARGET_SPEEDUP
        print(f"   {name:<9}{naive_s * 1e3:>10.1f}{vec_s * 1e3:>15.2f}{speedup:>19.0f}x   "
              f"{verdict(speedup >= TARGET_SPEEDUP)}")
    return all_ok


def bench_vectorized_vs_floor(rng, num_rows, rounds):
    problems = {dtype: make_problem(rng, num_rows, dtype) for dtype in (np.float64, np.float32)}
    reg = 1e-5
    candidates = {}
    for dtype, (W, X, y, G) in problems.items():
        key = np.dtype(dtype).name

        def floor(W=W, X=X, G=G):
            X @ W  # (N, C)
            X.T @ G  # (D, C)

        candidates[("floor", key)] = floor
        candidates[("svm", key)] = lambda W=W, X=X, y=y: svm_loss_vectorized(W, X, y, reg)
        candidates[("softmax", key)] = lambda W=W, X=X, y=y: softmax_loss_vectorized(W, X, y, reg)
        candidates[("validation", key)] = lambda W=W, X=X, y=y: check_loss_inputs(W, X, y, reg)
    best = min_times_interleaved(candidates, rounds)

    print(f"\n2. vectorized loss + gradient vs the floor X @ W + X.T @ G, {num_rows} x {DIM}, C = {NUM_CLASSES} "
          f"(min of {rounds} interleaved rounds)")
    print(f"   {'':<26}{'float64 ms':>11}{'float32 ms':>11}{'f64 / floor':>13}{'f32 / floor':>13}{'f64 / f32':>11}")
    for name in ("floor", "svm", "softmax", "validation"):
        t64, t32 = best[(name, "float64")], best[(name, "float32")]
        r64 = t64 / best[("floor", "float64")]
        r32 = t32 / best[("floor", "float32")]
        label = "floor (two matmuls)" if name == "floor" else (
            "validation (in the losses)" if name == "validation" else f"{name} loss + gradient")
        print(f"   {label:<26}{t64 * 1e3:>11.1f}{t32 * 1e3:>11.1f}{r64:>12.2f}x{r32:>12.2f}x{t64 / t32:>10.2f}x")

    all_ok = True
    print(f"   targets: within {TARGET_FLOOR_RATIO:g}x of the floor in float64; float32 faster than float64")
    for name in ("svm", "softmax"):
        r64 = best[(name, "float64")] / best[("floor", "float64")]
        faster = best[(name, "float32")] < best[(name, "float64")]
        all_ok &= r64 <= TARGET_FLOOR_RATIO and faster
        print(f"   {name:<9} {r64:.2f}x of floor: {verdict(r64 <= TARGET_FLOOR_RATIO)}; "
              f"float32 faster: {verdict(faster)}")
    return all_ok


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10000 rows and fewer rounds (a smoke run)")
    args = parser.parse_args()
    threads = os.environ.get("OPENBLAS_NUM_THREADS", "the library default (all cores)")
    print(f"BLAS threads: {threads}; {os.cpu_count()} cores. Ratios are measured side by side in this run.")
    rng = np.random.default_rng(0)
    num_rows, dev_rounds, full_rounds = (10000, 9, 3) if args.quick else (49000, 15, 5)
    ok = bench_naive_vs_vectorized(rng, dev_rounds)
    ok &= bench_vectorized_vs_floor(rng, num_rows, full_rounds)
    print(f"\nall targets met: {'yes' if ok else 'NO (timings on a busy machine vary; run again to confirm)'}")


if __name__ == "__main__":
    main()
