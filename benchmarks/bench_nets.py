"""Speed of a training step of a fully connected network, as a ratio to PyTorch on the CPU (`make bench`).

One step is forward + backward + SGD update of ``FullyConnectedNet([100, 100])``
(3072 -> 100 -> 100 -> 10, ReLU, softmax loss, float32) on a batch of 200
CIFAR-sized inputs (200, 3, 32, 32), against the same network in PyTorch
(``nn.Linear`` layers, ``cross_entropy``, ``torch.optim.SGD``), both on the
same number of threads. The steps of the two are interleaved (one round runs
each once) and the minimum over rounds is reported, so a busy machine slows
both alike. Target: numpy within 1.5x of PyTorch.

PyTorch is used here only, never by the course: without it the ratio is
skipped with one line and the numpy time is still printed.

    .venv/bin/python benchmarks/bench_nets.py [--quick] [--threads N]
"""

import argparse
import os
import time

import numpy as np

from cs231n_lib import optim
from cs231n_lib.classifiers.fc_net import FullyConnectedNet

BATCH = 200
HIDDEN = [100, 100]
NUM_CLASSES = 10
LEARNING_RATE = 1e-3
TARGET_RATIO = 1.5


def numpy_step(model, X, y, configs):
    """One forward + backward + SGD update of the numpy model; returns the loss."""
    loss, grads = model.loss(X, y)
    for name, w in model.params.items():
        model.params[name], configs[name] = optim.sgd(w, grads[name], configs[name])
    return loss


def make_torch_step(torch, X, y):
    """Build the same network in PyTorch; return a function doing one training step."""
    nn = torch.nn
    layers = []
    dims = [X[0].size] + HIDDEN
    for d_in, d_out in zip(dims, dims[1:]):
        layers += [nn.Linear(d_in, d_out), nn.ReLU()]
    layers.append(nn.Linear(dims[-1], NUM_CLASSES))
    net = nn.Sequential(nn.Flatten(), *layers)
    opt = torch.optim.SGD(net.parameters(), lr=LEARNING_RATE)
    X_t = torch.from_numpy(X)  # (N, 3, 32, 32), float32
    y_t = torch.from_numpy(y)  # (N,), int64

    def step():
        opt.zero_grad(set_to_none=True)
        loss = nn.functional.cross_entropy(net(X_t), y_t)
        loss.backward()
        opt.step()
        return loss.item()

    return step


def min_times_interleaved(candidates, rounds):
    """Call every candidate once per round; return name -> minimum seconds over the rounds."""
    best = {name: float("inf") for name in candidates}
    for _ in range(rounds):
        for name, call in candidates.items():
            start = time.perf_counter()
            call()
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds (a smoke run)")
    parser.add_argument("--threads", type=int, default=None,
                        help="threads for both (default: OPENBLAS_NUM_THREADS, else every core)")
    args = parser.parse_args()
    threads = args.threads or int(os.environ.get("OPENBLAS_NUM_THREADS") or os.cpu_count())
    if threads < 1:
        parser.error(f"--threads must be at least 1, got {threads}")
    rounds = 20 if args.quick else 100

    rng = np.random.default_rng(0)
    X = rng.standard_normal((BATCH, 3, 32, 32), dtype=np.float32)
    y = rng.integers(NUM_CLASSES, size=BATCH)
    model = FullyConnectedNet(HIDDEN, seed=0)  # float32
    configs = {name: {"learning_rate": LEARNING_RATE} for name in model.params}
    candidates = {"numpy": lambda: numpy_step(model, X, y, configs)}

    try:
        import torch
    except ImportError:
        torch = None
    blas = os.environ.get("OPENBLAS_NUM_THREADS", "unset (the library default)")
    print(f"\n3. training step of FullyConnectedNet({HIDDEN}) on a batch of {BATCH} x 3 x 32 x 32, float32, "
          f"forward + backward + SGD (min of {rounds} interleaved rounds)")
    if torch is None:
        print(f"   threads: numpy BLAS {blas}; PyTorch is not installed, so the ratio to it is skipped.")
    else:
        torch.set_num_threads(threads)
        torch.manual_seed(0)
        candidates["pytorch"] = make_torch_step(torch, X, y)
        print(f"   threads: numpy BLAS (OPENBLAS_NUM_THREADS) {blas}; PyTorch {torch.__version__} "
              f"intra-op {torch.get_num_threads()}, inter-op {torch.get_num_interop_threads()}")
    for call in candidates.values():  # warm up: first calls allocate
        call()
    load_before = os.getloadavg()[0]
    best = min_times_interleaved(candidates, rounds)
    load = max(load_before, os.getloadavg()[0])
    busy = f" (busy machine: load {load:.1f} on {os.cpu_count()} cores, so the times are noisy)" \
        if load > os.cpu_count() else ""
    print(f"   load average during the run: {load:.1f}{busy}")
    print(f"   numpy    {best['numpy'] * 1e3:8.2f} ms per step")
    if torch is None:
        return True
    ratio = best["numpy"] / best["pytorch"]
    ok = ratio <= TARGET_RATIO
    print(f"   pytorch  {best['pytorch'] * 1e3:8.2f} ms per step")
    print(f"   numpy / pytorch = {ratio:.2f}x   target <= {TARGET_RATIO:g}x: {'ok' if ok else 'MISSED'}")
    return ok


if __name__ == "__main__":
    main()
