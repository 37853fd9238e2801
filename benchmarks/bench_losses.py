"""Speed of the losses and of the hyperparameter search, as ratios measured side by side in one run (`make bench`).

1. Naive versus vectorized loss + gradient on the 500-example dev batch
   (500 x 3073, C = 10): the lesson's punchline, target at least 10x.
2. Vectorized loss + gradient on the full training set (49000 x 3073) versus
   the floor of the two matrix products every version must do, ``X @ W`` and
   ``X.T @ G`` on the same arrays: target within 1.15x of the floor in
   float64, input validation included, and float32 faster than float64.
3. The blocked full-batch losses (``cs231n_lib.course.full_batch``: X read from
   memory once, the rows per block chosen for this machine) versus the same
   floor, in float64 and float32: target at most 0.6x of the floor in float64
   for both losses, float32 at least 1.5x faster than float64, and agreement
   with the vectorized losses to 1e-10. Also printed: the block size chosen
   (and whether it was measured now, read from the cache file or set by
   CS231N_BLOCK_ROWS) with the blocks per group that follow from the cache,
   a sweep of block sizes around it, the chosen blocks called one by one
   from Python (one block a group: the GIL taken between blocks), and the memory
   floor, one read of X at the bandwidth measured here (the faster of
   ``X.sum()`` and the BLAS product ``X @ ones``).
4. A 4 x 4 grid of (learning rate, reg) for LinearSVM, 1500 iterations of
   batch 200 on full-size random data: ``tuning.train_stacked`` versus 16
   sequential ``train`` runs with the same seed, target at least 4x faster,
   and every configuration equal to its own sequential run to 1e-10.
5. Scaling of the blocked softmax loss: N = 10,000 to 200,000 rows, C = 10
   and 100, time per example and the ratio to the floor at every N. Targets:
   time per example flat (largest / smallest at most 1.5x: no hidden
   quadratic term), the ratio to the floor as flat, and for C = 10 within
   the 0.6x of section 3 at every N. Needs 5 GB of memory for X.

Every timed call is repeated; the repeats of all candidates are interleaved
(one round calls each candidate once), so a busy machine slows them alike,
and the minimum over rounds is reported (in section 4, per sequential run).
In sections 3 and 5 each timed call starts after 0.25 s of idle cores, not
right after another candidate's multithreaded BLAS call, whose worker
threads keep spinning for ~0.1 s (measured on 10,000 rows, that alone made
the blocked loss 1.4x slower: 56 ms right after the floor, 39 ms back to
back).
Data are random: speed does not depend on the values. ``--quick`` uses 10000
rows instead of 49000, fewer rounds, 150 search iterations and N up to 50,000
in section 5; ``--sections 1 2 3`` runs only those sections (4 and 5 take
minutes). The exit status is 1 when a target is missed (2 for bad arguments).

    .venv/bin/python benchmarks/bench_losses.py [--quick] [--sections N ...]
"""

import argparse
import os
import subprocess
import sys
import time

import numpy as np

from cs231n_lib import (LinearSVM, softmax_loss_naive, softmax_loss_vectorized, svm_loss_naive,
                        svm_loss_vectorized)
from cs231n_lib.course._checks import check_loss_inputs
from cs231n_lib.course._block_rows import cache_path
from cs231n_lib.course.full_batch import (blas_threads, blocked_loss, choose_block_rows, group_blocks_for,
                                          softmax_loss_full_batch, svm_loss_full_batch)
from cs231n_lib.classifiers.linear_svm import svm_loss_on_scores
from cs231n_lib.classifiers.softmax import softmax_loss_on_scores
from cs231n_lib.course.tuning import grid, train_stacked

DIM = 3073
NUM_CLASSES = 10
DEV_ROWS = 500
TARGET_SPEEDUP = 10.0
TARGET_FLOOR_RATIO = 1.15
TARGET_BLOCKED_RATIO = 0.6
TARGET_BLOCKED_FLOAT32_SPEEDUP = 1.5
TARGET_STACKED_SPEEDUP = 4.0
TARGET_FLAT = 1.5
SCALING_ROWS = (10000, 20000, 50000, 100000, 200000)
SCALING_CLASSES = (10, 100)
GRID_LEARNING_RATES = (1e-7, 3e-7, 1e-6, 3e-6)
GRID_REGS = (1e3, 5e3, 2.5e4, 1e5)
BATCH_SIZE = 200
SETTLE_SECONDS = 0.25  # longer than OpenBLAS's worker threads spin after a call


def min_times_interleaved(candidates, rounds, settle=False):
    """Call every candidate once per round, ``rounds`` times; return name -> minimum seconds.

    Parameters
    ----------
    candidates : dict of str -> callable
        Functions of no argument.
    rounds : int
        Number of rounds.
    settle : bool
        Wait SETTLE_SECONDS before each timed call: otherwise a candidate that
        follows a multithreaded BLAS call shares the cores with the BLAS's
        worker threads, which spin for a while (~0.1 s in OpenBLAS) after
        every call before they sleep. Every candidate then starts on idle
        cores, as a loss called in a loop with less BLAS work between calls
        than the spin does.
    """
    best = {name: float("inf") for name in candidates}
    for _ in range(rounds):
        for name, call in candidates.items():
            if settle:
                time.sleep(SETTLE_SECONDS)
            start = time.perf_counter()
            call()
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def make_problem(rng, num_rows, dtype, num_classes=NUM_CLASSES, X=None):
    """Random W (D, C), X (N, D), y (N,) and an upstream gradient G (N, C) in ``dtype`` (``X`` given: used as it is)."""
    W = 1e-3 * rng.standard_normal((DIM, num_classes), dtype=dtype)
    X = rng.standard_normal((num_rows, DIM), dtype=dtype) if X is None else X
    y = rng.integers(0, num_classes, num_rows)
    G = rng.standard_normal((num_rows, num_classes), dtype=dtype)
    return W, X, y, G


def scaled_error(a, b):
    """Largest difference between ``a`` and ``b`` relative to the largest entry of ``b``.

    The agreement measure of sections 3 and 4: an entry-by-entry relative error
    (``rel_error``) is dominated by gradient entries that are sums cancelling to
    near 0, where any regrouping of the sum changes the last digits.
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.abs(a - b).max() / max(np.abs(b).max(), 1e-300))


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
        candidates[("validation", key)] = lambda W=W, X=X, y=y: check_loss_inputs(W, X, y, reg, scan_X=False)
        candidates[("full scan", key)] = lambda W=W, X=X, y=y: check_loss_inputs(W, X, y, reg)
    best = min_times_interleaved(candidates, rounds)

    print(f"\n2. vectorized loss + gradient vs the floor X @ W + X.T @ G, {num_rows} x {DIM}, C = {NUM_CLASSES} "
          f"(min of {rounds} interleaved rounds)")
    print(f"   {'':<34}{'float64 ms':>11}{'float32 ms':>11}{'f64 / floor':>13}{'f32 / floor':>13}{'f64 / f32':>11}")
    labels = {"floor": "floor (two matmuls)", "svm": "svm loss + gradient", "softmax": "softmax loss + gradient",
              "validation": "validation done in the losses", "full scan": "(the NaN/inf scan of X they skip)"}
    for name, label in labels.items():
        t64, t32 = best[(name, "float64")], best[(name, "float32")]
        r64 = t64 / best[("floor", "float64")]
        r32 = t32 / best[("floor", "float32")]
        print(f"   {label:<34}{t64 * 1e3:>11.1f}{t32 * 1e3:>11.1f}{r64:>12.2f}x{r32:>12.2f}x{t64 / t32:>10.2f}x")

    all_ok = True
    print(f"   targets: within {TARGET_FLOOR_RATIO:g}x of the floor in float64, validation included; "
          f"float32 faster than float64")
    for name in ("svm", "softmax"):
        r64 = best[(name, "float64")] / best[("floor", "float64")]
        faster = best[(name, "float32")] < best[(name, "float64")]
        all_ok &= r64 <= TARGET_FLOOR_RATIO and faster
        print(f"   {name:<9} {r64:.2f}x of floor: {verdict(r64 <= TARGET_FLOOR_RATIO)}; "
              f"float32 faster: {verdict(faster)}")
    return all_ok


def block_sweep(chosen):
    """Block sizes around the chosen one: a quarter, a half, twice and four times."""
    return sorted({max(1, chosen // 4), max(1, chosen // 2), 2 * chosen, 4 * chosen} - {chosen})


def bench_blocked_vs_floor(rng, num_rows, rounds):
    problems = {dtype: make_problem(rng, num_rows, dtype) for dtype in (np.float64, np.float32)}
    reg = 1e-5
    losses = {"svm": (svm_loss_full_batch, svm_loss_vectorized, svm_loss_on_scores),
              "softmax": (softmax_loss_full_batch, softmax_loss_vectorized, softmax_loss_on_scores)}
    W, X, y, G = problems[np.float64]
    ones = np.ones(DIM)
    print(f"\n3. blocked full-batch loss + gradient (X read once) vs the floor X @ W + X.T @ G, {num_rows} x {DIM}, "
          f"C = {NUM_CLASSES} (min of {rounds} interleaved rounds)")
    chosen = {}
    for dtype, (W_d, X_d, _, _) in problems.items():
        for name, (_, _, on_scores) in losses.items():
            start = time.perf_counter()
            rows, source = choose_block_rows(on_scores, W_d, X_d)
            chosen[(name, np.dtype(dtype).name)] = rows
            took = f", {time.perf_counter() - start:.1f} s" if source == "measured" else ""
            groups = group_blocks_for(rows, W_d, X_d, blas_threads())
            print(f"   rows per block, {name} {np.dtype(dtype).name}: {rows} ({source}{took}; "
                  f"{rows * DIM * np.dtype(dtype).itemsize / 2 ** 20:.2f} MiB a block), {groups} blocks per group "
                  f"({groups * rows * DIM * np.dtype(dtype).itemsize / 2 ** 20:.1f} MiB)")
    print(f"   (the choices are kept in {cache_path()}; delete it to measure again, or set CS231N_BLOCK_ROWS)")

    def floor(W=W, X=X, G=G):
        X @ W  # (N, C)
        X.T @ G  # (D, C)

    candidates = {"floor": floor, "read X (sum)": lambda: X.sum(), "read X (X @ ones)": lambda: X @ ones,
                  "svm vectorized": lambda: svm_loss_vectorized(W, X, y, reg)}
    W32, X32, y32, G32 = problems[np.float32]
    candidates["floor float32"] = lambda: (X32 @ W32, X32.T @ G32)
    for name, (full_batch, _, _) in losses.items():
        candidates[f"{name} blocked"] = lambda f=full_batch: f(W, X, y, reg)
        candidates[f"{name} blocked float32"] = lambda f=full_batch: f(W32, X32, y32, reg)
    sweep = block_sweep(chosen[("svm", "float64")])
    for rows in sweep:
        candidates[f"svm blocked, B = {rows}"] = lambda rows=rows: blocked_loss(svm_loss_on_scores, W, X, y, reg, rows)
    # The cause of the speed, removed: the same blocks, the BLAS called block by block from Python.
    ungrouped = f"svm, B = {chosen[('svm', 'float64')]}, 1 block a group"
    candidates[ungrouped] = lambda: blocked_loss(svm_loss_on_scores, W, X, y, reg, chosen[("svm", "float64")],
                                                 group_blocks=1)
    best = min_times_interleaved(candidates, rounds, settle=True)

    # Agreement with the plain vectorized losses, on the same arrays.
    agree = max(scaled_error(a, b) for f_blocked, f_plain, _ in losses.values()
                for a, b in zip(f_blocked(W, X, y, reg), f_plain(W, X, y, reg)))
    read = min(best["read X (sum)"], best["read X (X @ ones)"])
    bandwidth = X.nbytes / read
    floor_s = best["floor"]

    print(f"   {'':<32}{'ms':>9}{'/ floor':>10}{'/ memory floor':>16}")
    rows_shown = (["floor", "svm vectorized", "svm blocked", "softmax blocked"]
                  + [f"svm blocked, B = {rows}" for rows in sweep] + [ungrouped])
    for name in rows_shown:
        label = "floor (two matmuls)" if name == "floor" else name
        if name in ("svm blocked", "softmax blocked"):
            label += f", B = {chosen[(name.split()[0], 'float64')]} (chosen)"
        print(f"   {label:<32}{best[name] * 1e3:>9.1f}{best[name] / floor_s:>9.2f}x{best[name] / read:>15.2f}x")
    print(f"   {'memory floor: one read of X':<32}{read * 1e3:>9.1f}{read / floor_s:>9.2f}x{1:>15.2f}x   "
          f"({X.nbytes / 1e9:.2f} GB at the measured {bandwidth / 1e9:.1f} GB/s)")
    floor32 = best["floor float32"]
    for name in losses:
        f32 = best[f"{name} blocked float32"]
        print(f"   {name + ' blocked float32, B = ' + str(chosen[(name, 'float32')]):<32}{f32 * 1e3:>9.1f}"
              f"{f32 / floor32:>9.2f}x   (of the float32 floor, {floor32 * 1e3:.1f} ms)")
    all_ok = agree <= 1e-10
    print(f"   blocked vs vectorized: max |difference| / max |entry| of loss and dW {agree:.1e} "
          f"(target <= 1e-10): {verdict(agree <= 1e-10)}")
    for name in losses:
        ratio = best[f"{name} blocked"] / floor_s
        speedup = best[f"{name} blocked"] / best[f"{name} blocked float32"]
        all_ok &= ratio <= TARGET_BLOCKED_RATIO and speedup >= TARGET_BLOCKED_FLOAT32_SPEEDUP
        print(f"   {name} blocked: {ratio:.2f}x of floor (target <= {TARGET_BLOCKED_RATIO:g}x): "
              f"{verdict(ratio <= TARGET_BLOCKED_RATIO)}; float32 {speedup:.2f}x faster than float64 "
              f"(target >= {TARGET_BLOCKED_FLOAT32_SPEEDUP:g}x): {verdict(speedup >= TARGET_BLOCKED_FLOAT32_SPEEDUP)}")
    return all_ok


def bench_scaling(rng, row_counts, rounds):
    """Blocked softmax vs the floor at growing N, C = 10 and 100: time per example and ratio, on prefixes of one X.

    For each C the rounds are interleaved over every N as well, so a change of
    the machine's load during the section slows every N alike.
    """
    reg = 1e-5
    X_all = rng.standard_normal((max(row_counts), DIM))  # (N_max, D); X[:N] is C-contiguous, no copy
    print(f"\n5. scaling: blocked softmax loss + gradient vs the floor, N = {row_counts[0]:,} to {row_counts[-1]:,} "
          f"rows x {DIM}, float64 (min of {rounds} rounds interleaved over every N)")
    print(f"   {'C':>4}{'N':>9}{'B':>5}{'floor ms':>11}{'blocked ms':>12}{'/ floor':>10}{'us / example':>15}")
    all_ok = True
    for num_classes in SCALING_CLASSES:
        candidates, chosen = {}, {}
        for num_rows in row_counts:
            W, X, y, G = make_problem(rng, num_rows, np.float64, num_classes, X=X_all[:num_rows])
            chosen[num_rows] = choose_block_rows(softmax_loss_on_scores, W, X)[0]
            candidates[("floor", num_rows)] = lambda W=W, X=X, G=G: (X @ W, X.T @ G)
            candidates[("blocked", num_rows)] = lambda W=W, X=X, y=y: softmax_loss_full_batch(W, X, y, reg)
        best = min_times_interleaved(candidates, rounds, settle=True)
        ratios, per_example = [], []
        for num_rows in row_counts:
            floor_s, blocked_s = best[("floor", num_rows)], best[("blocked", num_rows)]
            ratios.append(blocked_s / floor_s)
            per_example.append(blocked_s / num_rows)
            print(f"   {num_classes:>4}{num_rows:>9,}{chosen[num_rows]:>5}{floor_s * 1e3:>11.1f}{blocked_s * 1e3:>12.1f}"
                  f"{ratios[-1]:>9.2f}x{per_example[-1] * 1e6:>15.2f}")
        flat_time = max(per_example) / min(per_example)
        flat_ratio = max(ratios) / min(ratios)
        ok = flat_time <= TARGET_FLAT and flat_ratio <= TARGET_FLAT
        line = (f"   C = {num_classes}: time per example largest / smallest {flat_time:.2f}x, ratio to the floor "
                f"{min(ratios):.2f}x to {max(ratios):.2f}x (targets: both spreads <= {TARGET_FLAT:g}x")
        if num_classes == NUM_CLASSES:
            ok &= max(ratios) <= TARGET_BLOCKED_RATIO
            line += f", every ratio <= {TARGET_BLOCKED_RATIO:g}x"
        print(f"{line}): {verdict(ok)}")
        all_ok &= ok
    return all_ok


def load_line():
    """The machine's load averages, as ``uptime`` prints them (other users' work slows every timing)."""
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "uptime: not available"


def bench_stacked_search(rng, num_rows, num_iters, rounds):
    """4 x 4 grid: train_stacked against 16 sequential LinearSVM.train runs, same seed and minibatches."""
    W, X, y, _ = make_problem(rng, num_rows, np.float64)  # W unused: both start from the seed's weights
    lrs, regs = grid(GRID_LEARNING_RATES, GRID_REGS)
    kwargs = dict(num_iters=num_iters, batch_size=BATCH_SIZE, seed=0)
    best_stacked = float("inf")
    best_runs = [float("inf")] * len(lrs)
    for _ in range(rounds):
        # One round: the stacked search, then the 16 runs; each run's minimum is taken separately.
        start = time.perf_counter()
        models, histories = train_stacked(LinearSVM, X, y, lrs, regs, **kwargs)
        best_stacked = min(best_stacked, time.perf_counter() - start)
        sequential = []
        for k, (lr, reg) in enumerate(zip(lrs, regs)):
            start = time.perf_counter()
            model = LinearSVM()
            history = model.train(X, y, learning_rate=lr, reg=reg, **kwargs)
            best_runs[k] = min(best_runs[k], time.perf_counter() - start)
            sequential.append((model, history))
    agree = max(max(scaled_error(m.W, s.W), scaled_error(h, hs) if len(h) == len(hs) else np.inf)
                for m, h, (s, hs) in zip(models, histories, sequential))
    sequential_s = sum(best_runs)
    speedup = sequential_s / best_stacked
    lengths = sorted({len(h) for h in histories})

    print(f"\n4. hyperparameter search, {len(GRID_LEARNING_RATES)} x {len(GRID_REGS)} grid (LinearSVM), {num_iters} "
          f"iterations, batch {BATCH_SIZE}, {num_rows} x {DIM} float64 (min of {rounds} interleaved rounds)")
    print(f"   {len(lrs)} sequential train() runs  {sequential_s:8.1f} s")
    print(f"   train_stacked, one run       {best_stacked:8.1f} s   ({BATCH_SIZE} x {DIM}) @ ({DIM} x "
          f"{len(lrs) * NUM_CLASSES}) per step")
    print(f"   iterations run per configuration: {lengths}")
    ok_agree = agree <= 1e-10
    print(f"   stacked vs sequential: max |difference| / max |entry| of W and of the losses {agree:.1e} (target <= 1e-10): "
          f"{verdict(ok_agree)}")
    print(f"   speedup {speedup:.2f}x (target >= {TARGET_STACKED_SPEEDUP:g}x): "
          f"{verdict(speedup >= TARGET_STACKED_SPEEDUP)}")
    return ok_agree and speedup >= TARGET_STACKED_SPEEDUP


def blas_settings():
    """One line: the BLAS numpy uses and the thread variables set for it."""
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        name = f"{blas.get('name', '?')} {blas.get('version', '')}".strip()
    except (KeyError, TypeError, AttributeError):
        name = "unknown"
    threads = ", ".join(f"{var}={os.environ.get(var, 'unset')}" for var in
                        ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"))
    return f"BLAS: {name}; {threads}; {os.cpu_count()} cores"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="10000 rows, fewer rounds, 150 search iterations (a smoke run)")
    parser.add_argument("--sections", type=int, nargs="+", choices=(1, 2, 3, 4, 5), default=[1, 2, 3, 4, 5],
                        help="run only these sections (4, the search, and 5, the scaling table, take minutes)")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # each line as it comes, also into a pipe or a file (minutes of work)
    print(blas_settings() + ". Ratios are measured side by side in this run; on a busy machine times grow "
          "but the ratios hold better.")
    print(f"load at the start: {load_line()}")
    rng = np.random.default_rng(0)
    if args.quick:
        num_rows, dev_rounds, full_rounds, search_iters, search_rounds = 10000, 9, 3, 150, 1
        scaling_rows, scaling_rounds = SCALING_ROWS[:3], 1
    else:
        num_rows, dev_rounds, full_rounds, search_iters, search_rounds = 49000, 15, 7, 1500, 2
        scaling_rows, scaling_rounds = SCALING_ROWS, 3
    sections = {1: lambda: bench_naive_vs_vectorized(rng, dev_rounds),
                2: lambda: bench_vectorized_vs_floor(rng, num_rows, full_rounds),
                3: lambda: bench_blocked_vs_floor(rng, num_rows, full_rounds),
                4: lambda: bench_stacked_search(rng, num_rows, search_iters, search_rounds),
                5: lambda: bench_scaling(rng, scaling_rows, scaling_rounds)}
    ok = True
    for number in sorted(set(args.sections)):
        ok &= sections[number]()
    print(f"\nload at the end: {load_line()}")
    print(f"all targets met: {'yes' if ok else 'NO (timings on a busy machine vary; run again to confirm)'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
