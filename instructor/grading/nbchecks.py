"""Notebook items: run what the graded result needs in the jail, then recompute it on the trusted side.

A notebook item rewards the result of the notebook's solution cell, not the
kernel's word that it "ran cleanly" (a kernel can swallow its own errors and
forge any reply). For each graded notebook, CHECKS names:

    cells   the instructor's cells to run, by id: the set-up the solution cell
            needs, then the solution cell itself (the student's version); the
            rest of the notebook (plots, demos, timing) is not run, which keeps
            grading at seconds per notebook
    export  code appended by the grader: it saves the result to
            $GRADE_ARTIFACTS as .npy files (plain arrays)
    data    the loader of the instructor's data that ``check`` reads (run before the
            notebook, so a missing stand-in is generated here, not in a read-only box)
    check   a function of the trusted side: it loads the artifacts with
            allow_pickle=False, validates shapes and dtypes, recomputes the
            result from the instructor's data and reference code, and returns
            [(check name, None or why it failed)]

An item is all or nothing: full points when every check passes (a check
alone, such as "some weights were saved" or "the accuracy is above the
floor", is easy to meet with a shortcut). A notebook that does no work
produces no artifact and scores 0, whatever its kernel prints.
"""

import functools
import os
import shutil
import sys
import threading
from pathlib import Path

import numpy as np

from . import jail, refcache, wire
from .box import NOTEBOOKS, TREE, WORKER, env as box_env, seen, seen_home, worker_binds

ARTIFACT_CAP = 64 * 2**20
NOTEBOOK_BUDGET = 90  # seconds one notebook may run in the jail (the reference: 2.5-6.5 s on an idle 2-core machine, about 30 s at load 3)


def _export(**names):
    """The export cell saving each expression as <file>.npy. Trusts its caller's (the CHECKS table's) expressions;
    checks nothing."""
    lines = ["import os as _os, numpy as _np"]
    for file, expression in names.items():
        lines.append(f"_np.save(_os.path.join(_os.environ['GRADE_ARTIFACTS'], {file + '.npy'!r}), "
                     f"_np.asarray({expression}, dtype=float))")
    return "\n".join(lines)


_DATA_LOCK = threading.Lock()


def _data(dtype=np.float64):
    """Notebooks 01-04's data (flattened, bias column), loaded once per grader process (read-only)."""
    with _DATA_LOCK:
        return _linear_data(np.dtype(dtype).name)


def _data_float32():
    """Notebooks 03-04's data in float32. Trusts the instructor's copy of the data loader; checks nothing."""
    return _data(np.float32)


@functools.lru_cache(maxsize=2)
def _linear_data(dtype):
    """Load notebooks 01-04's data (cached). Trusts the instructor's data loader; checks nothing."""
    from cs231n_lib.data_utils import get_CIFAR10_linear_data  # the instructor's copy: trusted
    return get_CIFAR10_linear_data(allow_synthetic=True, dtype=np.dtype(dtype))


def _linear_fingerprint(data):
    """The content hash of notebooks 01-04's data that a retraining reads (refcache's key)."""
    return refcache.fingerprint(data["X_train"], data["y_train"], data["X_val"], data["y_val"])


def _array(artifacts, name, shape=None):
    """Artifact ``name`` when it is a finite float array (of ``shape`` when given), else None. Trusts nothing of
    the artifacts."""
    value = artifacts.get(name)
    if not isinstance(value, np.ndarray) or value.dtype.kind != "f" or not np.isfinite(value).all():
        return None
    if shape is not None and value.shape != shape:
        return None
    return value


def _accuracy(W, X, y):
    """The accuracy of linear classifier ``W`` on (X, y). Trusts its arrays (validated by _array); checks nothing."""
    return float(np.mean(np.argmax(X @ W, axis=1) == y))


def _seed(rel):
    """The SEED the instructor's notebook sets (its first code cell)."""
    import re

    import nbformat

    nb = nbformat.read(str(Path(__file__).resolve().parents[2] / rel), as_version=4)
    for cell in nb.cells:
        found = re.search(r"^SEED = (\d+)", cell.source, re.M)
        if cell.cell_type == "code" and found:
            return int(found.group(1))
    raise RuntimeError(f"{rel} sets no SEED; nbchecks cannot retrain its classifier")


def _tuned_classifier(what, rel, grid, artifacts):
    """The kept classifier: its saved W must give the notebook's numbers and match a trusted retraining."""
    from cs231n_lib import LinearSVM, Softmax  # trusted reference

    data = _data()
    D, C = data["X_train"].shape[1], len(data["class_names"])
    W, claimed, table = _array(artifacts, "W", (D, C)), _array(artifacts, "best_val", ()), _array(artifacts, "grid", (4, 4))
    if W is None or claimed is None or table is None:
        return [(f"the tuned {what}'s weights and its grid were saved", "no valid (D, C) weights, best_val or 4 grid results")]
    checks = [(f"the tuned {what}'s weights and its grid were saved", None)]
    points = {(float(lr), float(reg)) for lr, reg, _, _ in table}
    best = table[int(np.argmax(table[:, 3]))]
    train_acc, val_acc = _accuracy(W, data["X_train"], data["y_train"]), _accuracy(W, data["X_val"], data["y_val"])
    same = points == set(grid) and abs(val_acc - float(claimed)) <= 1e-9 and abs(val_acc - best[3]) <= 1e-9 \
        and abs(train_acc - best[2]) <= 1e-9
    checks.append((f"the grid and best_val are those of the kept {what}",
                   None if same else f"the saved weights give train {train_acc:.4f} / validation {val_acc:.4f}; "
                                     f"the notebook says {best[2]:.4f} / {float(claimed):.4f} (or the grid is not the assignment's)"))
    cls = LinearSVM if what == "LinearSVM" else Softmax

    def retrain():
        """The reference's validation accuracy retrained at the chosen point. Trusts the reference."""
        clf = cls()
        clf.train(data["X_train"], data["y_train"], learning_rate=float(best[0]), reg=float(best[1]), num_iters=300,
                  batch_size=200, seed=_seed(rel))
        return float(np.mean(clf.predict(data["X_val"]) == data["y_val"]))

    # the same retraining for every submission that chose this grid point: once per batch (instructor/grading/refcache.py)
    reference = refcache.cached(f"retrain {cls.__name__}", (float(best[0]), float(best[1]), _seed(rel)), retrain,
                                _linear_fingerprint(data))
    checks.append((f"retraining a {what} with the chosen hyperparameters gives the same accuracy",
                   None if abs(reference - val_acc) <= 0.03 else
                   f"the reference retrained at lr {best[0]:.1e}, reg {best[1]:.1e} reaches {reference:.4f}, "
                   f"the saved weights {val_acc:.4f}"))
    floor = 0.30 if data["source"] == "cifar10" else 0.25
    checks.append((f"the tuned {what} reaches {floor:.2f} on validation",
                   None if val_acc > floor else f"validation accuracy recomputed from the saved weights: {val_acc:.4f}"))
    return checks


def _check_svm(artifacts):
    """Notebook 01's checks. Trusts nothing of the artifacts (see _tuned_classifier)."""
    return _tuned_classifier("LinearSVM", "assignments/01_svm_loss.ipynb",
                             [(lr, reg) for lr in (3e-7, 1e-6) for reg in (5e3, 2.5e4)], artifacts)


def _check_softmax(artifacts):
    """Notebook 02's checks. Trusts nothing of the artifacts (see _tuned_classifier)."""
    return _tuned_classifier("Softmax classifier", "assignments/02_softmax_loss.ipynb",
                             [(lr, reg) for lr in (1e-6, 3e-6) for reg in (5e3, 2.5e4)], artifacts)


def _check_weight_decay(artifacts):
    """Notebook 03's checks. Trusts nothing of the artifacts: checks W_start is the seeded draw and
    recomputes the 10 SGD steps with the reference."""
    from cs231n_lib import optim, rel_error, softmax_loss_vectorized  # trusted reference
    data = _data(np.float32)
    X_dev, y_dev = data["X_dev"].astype(np.float64), data["y_dev"]
    shape = (X_dev.shape[1], len(data["class_names"]))
    W_start, W_l2, W_decay = (_array(artifacts, n, shape) for n in ("W_start", "W_l2", "W_decay"))
    if W_start is None or W_l2 is None or W_decay is None:
        return [("W_l2 and W_decay were saved", "no valid (D, C) arrays were saved")]
    # The runs start from the notebook's own draw, never from the kernel's W_start: huge weights would
    # make the data gradient negligible and any W_l2 = W_decay pass. In the graded notebook (cells reg-01,
    # reg-03, reg-27) W_start is the first draw of rng = default_rng(SEED), scaled by 0.001.
    seeded = 0.001 * np.random.default_rng(_seed("assignments/03_regularization.ipynb")).standard_normal(shape)
    if rel_error(W_start, seeded) > 1e-12:
        return [("W_l2 and W_decay were saved", None),
                ("W_start is the notebook's seeded draw", "W_start is not 0.001 * rng.standard_normal((D, C)) from the "
                                                          "notebook's SEED; keep the given line")]
    lr, lam = 1e-6, 1e3
    expected = seeded.copy()
    for _ in range(10):
        expected, _ = optim.sgd(expected, softmax_loss_vectorized(expected, X_dev, y_dev, lam)[1], {"learning_rate": lr})
    return [
        ("W_l2 and W_decay were saved", None),
        ("W_l2 is 10 SGD steps on the L2-regularized loss",
         None if rel_error(W_l2, expected) < 1e-8 else f"relative error {rel_error(W_l2, expected):.1e} to the recomputed steps"),
        ("W_decay (weight decay) equals W_l2 for SGD",
         None if rel_error(W_decay, expected) < 1e-8 else f"relative error {rel_error(W_decay, expected):.1e}"),
    ]


def _check_search(artifacts):
    """Notebook 04's checks. Trusts nothing of the artifacts: checks the 9 trials lie in the search box and
    retrains the best one with the reference."""
    from cs231n_lib import Softmax  # trusted reference
    lrs, regs, accs = (_array(artifacts, n, (9,)) for n in ("lrs", "regs", "accs"))
    if lrs is None or regs is None or accs is None:
        return [("the 9 coarse trials were saved", "no 9 (learning rate, reg, accuracy) trials were saved")]
    checks = [("the 9 coarse trials were saved", None)]
    inside = (lrs > 0).all() and (regs > 0).all() and (-8 <= np.log10(lrs)).all() and (np.log10(lrs) <= -5).all() \
        and (1 <= np.log10(regs)).all() and (np.log10(regs) <= 4).all() and len(set(lrs.tolist())) == 9
    checks.append(("trials are 9 distinct log-uniform draws in the search box",
                   None if inside else "learning rates or regs outside the box, or repeated"))
    data = _data(np.float32)
    best = int(np.argmax(accs))

    def retrain():
        """The reference's accuracy at the best trial (chance when it diverges). Trusts the reference."""
        clf = Softmax(weight_scale=0)
        try:
            clf.train(data["X_train"], data["y_train"], learning_rate=float(lrs[best]), reg=float(regs[best]),
                      num_iters=60, batch_size=100, seed=0)
            return float(np.mean(clf.predict(data["X_val"]) == data["y_val"]))
        except Exception:  # a diverged run scores chance, as in the notebook
            return 1.0 / len(data["class_names"])

    accuracy = refcache.cached("search trial", (float(lrs[best]), float(regs[best])), retrain, _linear_fingerprint(data))
    checks.append(("the best trial's accuracy is reproduced",
                   None if abs(accuracy - float(accs[best])) <= 0.02 else
                   f"recomputed {accuracy:.4f}, the notebook says {float(accs[best]):.4f}"))
    return checks


def _net_data():
    """Notebooks 05/06's data: 4000/1000/1000 images standardized by the training pixels' std."""
    data = dict(_nets_loaded())
    pixel_std = data["X_train"].std()
    for split in ("X_train", "X_val", "X_test"):
        data[split] = data[split] / pixel_std  # (N, 3, 32, 32)
    return data


def _nets_loaded():
    """Notebooks 05-06's raw data, loaded once under the data lock. Trusts the instructor's loader."""
    with _DATA_LOCK:
        return _nets_raw()


@functools.lru_cache(maxsize=1)
def _nets_raw():
    """Load notebooks 05-06's data (cached). Trusts the instructor's data loader; checks nothing."""
    from cs231n_lib.data_utils import get_CIFAR10_data  # trusted
    return get_CIFAR10_data(num_training=4000, num_validation=1000, num_test=1000, allow_synthetic=True)


def _nets_fingerprint():
    """The content hash of notebooks 05-06's data (refcache's key). Trusts the data; checks nothing."""
    raw = _nets_loaded()
    return refcache.fingerprint(raw["X_train"], raw["y_train"], raw["X_val"], raw["y_val"])


def _check_staged_backprop(artifacts):
    """Notebook 05's staged backprop: checks dw and dx against the chain rule's values. Trusts nothing
    of the artifacts."""
    w, x = np.array([2.0, -3.0, -3.0]), np.array([-1.0, -2.0])
    sig = 1.0 / (1.0 + np.exp(-(w[0] * x[0] + w[1] * x[1] + w[2])))
    local = (1 - sig) * sig  # d sigma / dt
    expected_dw, expected_dx = np.array([x[0], x[1], 1.0]) * local, w[:2] * local
    dw, dx = _array(artifacts, "dw", (3,)), _array(artifacts, "dx", (2,))
    ok = dw is not None and dx is not None and np.allclose(dw, expected_dw, rtol=1e-9) and np.allclose(dx, expected_dx, rtol=1e-9)
    return [("dw and dx of the staged sigmoid neuron", None if ok else "dw or dx differs from the chain rule's values")]


def _check_two_layer(artifacts):
    """Notebook 05's checks. Trusts nothing of the artifacts: checks the parameters' shapes and recomputes
    the accuracies from them."""
    data = _net_data()
    params = {k: _array(artifacts, k) for k in ("W1", "b1", "W2", "b2")}
    claimed = _array(artifacts, "best_val_acc", ())
    shapes_ok = all(v is not None for v in params.values()) and claimed is not None and \
        params["W1"].shape == (3072, 100) and params["b1"].shape == (100,) and params["W2"].shape == (100, 10) \
        and params["b2"].shape == (10,)
    checks = _check_staged_backprop(artifacts)
    if not shapes_ok:
        return checks + [("the trained TwoLayerNet's parameters were saved", "no valid W1 (3072, 100), b1, W2, b2")]

    def accuracy(X, y):
        """The saved net's accuracy on (X, y). Trusts the parameters (shapes checked above)."""
        hidden = np.maximum(0, X.reshape(len(X), -1) @ params["W1"] + params["b1"])  # (N, 100)
        return float(np.mean(np.argmax(hidden @ params["W2"] + params["b2"], axis=1) == y))

    val = accuracy(data["X_val"], data["y_val"])
    train = accuracy(data["X_train"][:1000], data["y_train"][:1000])
    from cs231n_lib.data_utils import get_CIFAR10_source  # trusted

    floor = 0.36 if get_CIFAR10_source() == "cifar10" else 0.40  # the notebook's own thresholds
    return checks + [
        ("the trained TwoLayerNet's parameters were saved", None),
        ("best_val_acc is the saved parameters' validation accuracy",
         None if abs(val - float(claimed)) <= 1e-9 else f"recomputed {val:.4f}, the notebook says {float(claimed):.4f}"),
        ("the net was trained on the training set", None if train >= val - 0.05 else
         f"training accuracy {train:.4f} far below validation accuracy {val:.4f}"),
        (f"the TwoLayerNet reaches {floor:.2f} on validation", None if val > floor else f"validation accuracy {val:.4f}"),
    ]


def _check_sweep(artifacts):
    """Notebook 06's checks. Trusts nothing of the artifacts: checks the 6 (normalization, scale) runs and
    retrains two of them with the reference."""
    from cs231n_lib import FullyConnectedNet, Solver  # trusted reference

    norms, scales, accs = (_array(artifacts, n, (6,)) for n in ("norms", "scales", "accs"))
    if norms is None or scales is None or accs is None:
        return [("the 6 runs of the weight-scale sweep were saved", "no 6 (normalization, scale, accuracy) runs were saved")]
    keys = {(int(n), float(sc)) for n, sc in zip(norms, scales)}
    checks = [("the 6 runs of the weight-scale sweep were saved",
               None if keys == {(n, sc) for n in (0, 1) for sc in (1e-3, 1e-2, 1e-1)} else "not the 6 (normalization, scale) pairs")]
    data = _net_data()
    subset = {"X_train": data["X_train"][:1000], "y_train": data["y_train"][:1000], "X_val": data["X_val"], "y_val": data["y_val"]}
    for n, scale in ((1, 1e-1), (0, 1e-3)):
        def retrain(n=n, scale=scale):
            """The reference's training accuracy for this run. Trusts the reference."""
            net = FullyConnectedNet([50] * 5, normalization="batchnorm" if n else None, weight_scale=scale, seed=0)
            solver = Solver(net, subset, update_rule="adam", optim_config={"learning_rate": 1e-3}, num_epochs=5,
                            batch_size=50, num_train_samples=500, verbose=False, seed=0)
            solver.train()
            return solver.train_acc_history[-1]

        # the same two runs for every submission: once per batch (instructor/grading/refcache.py)
        reference = refcache.cached("sweep run", (n, scale), retrain, _nets_fingerprint())
        got = [a for k, sc, a in zip(norms, scales, accs) if int(k) == n and float(sc) == scale]
        checks.append((f"the {'batch-norm' if n else 'plain'} run at scale {scale:g} is reproduced",
                       None if got and abs(got[0] - reference) <= 0.1 else
                       f"the reference retrained reaches {reference:.3f}, the notebook says {got[0] if got else 'nothing'}"))
    return checks


_GRID = "[[lr, reg, *accuracies] for (lr, reg), accuracies in results.items()]"

CHECKS = {
    "assignments/01_svm_loss.ipynb": {
        "cells": ["svm-01", "svm-03", "svm-36"],
        "export": _export(W="best_svm.W", best_val="best_val", grid=_GRID),
        "check": _check_svm,
        "data": _data,
    },
    "assignments/02_softmax_loss.ipynb": {
        "cells": ["softmax-01", "softmax-09", "softmax-24"],
        "export": _export(W="best_softmax.W", best_val="best_val", grid=_GRID),
        "check": _check_softmax,
        "data": _data,
    },
    "assignments/03_regularization.ipynb": {
        "cells": ["reg-01", "reg-03", "reg-27"],
        "export": _export(W_start="W_start", W_l2="W_l2", W_decay="W_decay"),
        "check": _check_weight_decay,
        "data": _data_float32,
    },
    "assignments/04_optimizers.ipynb": {
        "cells": ["opt-01", "opt-03", "opt-33"],
        "export": _export(lrs="[k[0] for k in coarse]", regs="[k[1] for k in coarse]", accs="list(coarse.values())"),
        "check": _check_search,
        "data": _data_float32,
    },
    "assignments/05_backprop_two_layer_net.ipynb": {
        "cells": ["cell-01", "cell-09", "cell-13", "cell-21"],
        "export": _export(dw="dw", dx="dx", W1="two_layer_solver.model.params['W1']",
                          b1="two_layer_solver.model.params['b1']", W2="two_layer_solver.model.params['W2']",
                          b2="two_layer_solver.model.params['b2']", best_val_acc="two_layer_solver.best_val_acc"),
        "check": _check_two_layer,
        "data": _nets_loaded,
    },
    "assignments/06_init_dropout_batchnorm.ipynb": {
        "cells": ["cell-01", "cell-05", "cell-15"],
        "setup": 'subset = {"X_train": data["X_train"][:1000], "y_train": data["y_train"][:1000], '
                 '"X_val": data["X_val"], "y_val": data["y_val"]}',
        "export": _export(norms="[0 if k[0] is None else 1 for k in sweep]", scales="[k[1] for k in sweep]",
                          accs="list(sweep.values())"),
        "check": _check_sweep,
        "data": _nets_loaded,
    },
}


# The order grade.py starts notebook units in, slowest first (the reference, each notebook alone: 01 and 02
# tune a classifier on the trusted side too, 06 trains a dozen nets), so the last unit to start is short.
SLOWEST_FIRST = ["assignments/01_svm_loss.ipynb", "assignments/02_softmax_loss.ipynb",
                 "assignments/06_init_dropout_batchnorm.ipynb", "assignments/05_backprop_two_layer_net.ipynb",
                 "assignments/04_optimizers.ipynb", "assignments/03_regularization.ipynb"]


def export_cell(rel):
    """The export cell of notebook ``rel`` ('' when it has no checks). Trusts the CHECKS table; checks nothing."""
    return CHECKS[rel]["export"] if rel in CHECKS else ""


def setup_code(rel):
    """Grader-written code run just before the solution cell (what a skipped cell would have defined)."""
    return CHECKS.get(rel, {}).get("setup", "")


def cells_to_run(rel):
    """The instructor cell ids of notebook ``rel`` to run, or None (all). Trusts the CHECKS table; checks nothing."""
    return CHECKS[rel]["cells"] if rel in CHECKS else None


_COPY_LOCK = threading.Lock()


def _readable_copy(src, dst):
    """Copy the data folder ``src`` into ``dst`` once (hard links where they work), world-readable."""
    with _COPY_LOCK:
        done = dst / ".copied"
        if done.exists() or not src.is_dir():
            return
        for folder, dirs, files in os.walk(src):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            target = dst / Path(folder).relative_to(src)
            target.mkdir(mode=0o755, exist_ok=True)
            os.chmod(target, 0o755)
            for name in files:
                source, copy = Path(folder) / name, target / name
                try:
                    os.link(source, copy)  # same file system: no copy (the instructor's files stay 0644)
                    if os.stat(copy).st_mode & 0o004 == 0:
                        os.unlink(copy)
                        raise OSError("not world-readable")
                except OSError:
                    shutil.copyfile(source, copy)
                    os.chmod(copy, 0o644)
        done.write_text("")


# Installed packages a notebook's box never needs and that cost seconds at every import: jsonschema (under
# nbformat, under nbclient) imports rfc3987_syntax when it is there, which builds a URI grammar (about 1.5 s of
# CPU, per notebook). An empty folder bound over it inside the box (bwrap) makes the optional import fail, as
# on an install without it; the notebook's JSON schema uses no IRI format.
MASKED_PACKAGES = ("rfc3987_syntax",)


def _masks(folder):
    """[(empty folder, package folder)] binds that hide MASKED_PACKAGES inside a bwrap box."""
    import importlib.util

    empty = folder / "empty"
    empty.mkdir(mode=0o755, exist_ok=True)
    binds = []
    for name in MASKED_PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.submodule_search_locations:
            binds.append((str(empty), str(list(spec.submodule_search_locations)[0])))
    return binds


def run_and_check(course, rel, nb, work, layout, slot):
    """Run graded notebook ``nb`` in the jail; return (fraction of checks passed, failures).

    Trusts nothing the box sends: one frame within NOTEBOOK_BUDGET, at most ARTIFACT_CAP bytes, decoded by
    wire's allow-list, then recomputed by the check. The notebook's path goes in the box's environment, not its
    command line; the box runs in its submission's group (``layout["gid"]``), its log in the 0700 logs/ folder.
    """
    import nbformat

    if rel not in CHECKS:
        return 0.0, [{"name": rel, "message": "the grader has no check for this notebook"}]
    backend = course.backend
    folder = Path(layout["tree"]).parent / ("notebooks-" + Path(layout["tree"]).name.split("-")[-1])
    folder.mkdir(mode=0o755, exist_ok=True)
    name = Path(rel).name
    (folder / name).write_text(nbformat.writes(nb), encoding="utf-8")
    os.chmod(folder / name, 0o644)
    CHECKS[rel]["data"]()  # what the check reads, loaded (or the stand-in generated) before any kernel looks
    datasets = Path(layout["tree"]) / "datasets"
    datasets.mkdir(mode=0o755, exist_ok=True)
    inside = backend == "bwrap"
    if not inside:  # the uid cannot enter the instructor's 0700 tree: its kernels read a copy in the box tree
        _readable_copy(course.src / "datasets", datasets)
    tree = seen(layout["tree"], TREE, backend)
    nbdir = seen(folder, NOTEBOOKS, backend)
    worker_dir = seen(layout["worker_dir"], WORKER, backend)
    home = seen_home(layout, backend)
    cell_timeout = course.points.limits["cell_timeout"]
    env = box_env(home, path=f"{Path(sys.executable).parent}:/usr/bin:/bin", PYTHONPATH=tree,
                  JUPYTER_PLATFORM_DIRS="1", IPYTHONDIR=f"{home}/ipython", JUPYTER_RUNTIME_DIR=f"{home}/runtime",
                  JUPYTER_CONFIG_DIR=f"{home}/jupyter", JUPYTER_DATA_DIR=f"{sys.prefix}/share/jupyter",
                  GRADE_ARTIFACTS=f"{home}/artifacts", PYDEVD_DISABLE_FILE_VALIDATION="1")
    r, w = os.pipe()
    binds = [*worker_binds(layout), (str(folder), NOTEBOOKS)]
    if (course.src / "datasets").is_dir():
        binds.append((str(course.src / "datasets"), TREE + "/datasets"))
    if inside:
        binds += _masks(folder)
    env["GRADE_NOTEBOOK"] = f"{nbdir}/{name}"  # not in argv, which every user can read in /proc
    command = [sys.executable, "-I", "-B", "worker.py", "--notebook", str(cell_timeout), str(w)]
    with open(work / "logs" / f"{Path(rel).stem}.log", "ab") as log:
        box = jail.start(command, backend=backend, uid=jail.slot_uid(slot), env=env, cwd=worker_dir,
                         pass_fds=(w,), stdout=log, binds=binds, gid=layout.get("gid"),
                         limits=jail.Limits(memory_mb=int(course.points.limits["memory_mb"])))
    os.close(w)
    artifacts, report = {}, {}
    deadline = __import__("time").monotonic() + NOTEBOOK_BUDGET
    try:
        header, blob = wire.read_frame(r, deadline, box.alive)
        if header["op"] == "notebook" and len(blob) <= ARTIFACT_CAP:
            decoder = wire.Decoder(blob)
            value = decoder.decode(header.get("artifacts"))
            artifacts = value if isinstance(value, dict) else {}
            report = decoder.decode(header.get("report")) or {}
    except (wire.Timeout, wire.Closed, wire.WireError, OSError):
        report = {"error": f"the notebook did not finish within {NOTEBOOK_BUDGET} s or its process died"}
    finally:
        os.close(r)
        jail.kill(box)
    checks = CHECKS[rel]["check"]({k: v for k, v in artifacts.items() if isinstance(k, str)})
    failures = [{"name": what, "message": why} for what, why in checks if why]
    if failures and isinstance(report, dict) and isinstance(report.get("error"), str):
        failures.insert(0, {"name": rel, "message": "the notebook's kernel reported: " + report["error"][:300]})
    return (1.0 if not failures else 0.0), failures
