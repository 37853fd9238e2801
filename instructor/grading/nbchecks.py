"""Notebook items, the trusted side: which cells run in the jail, what they export, how the result is recomputed.

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


import numpy as np

from . import refcache
from .nbdata import (accuracy, array, linear, linear_fingerprint, linear_float32, nets, nets_fingerprint,
                     nets_loaded, notebook_seed)


def _export(**names):
    """The export cell saving each expression as <file>.npy. Trusts its caller's (the CHECKS table's) expressions;
    checks nothing."""
    lines = ["import os as _os, numpy as _np"]
    for file, expression in names.items():
        lines.append(f"_np.save(_os.path.join(_os.environ['GRADE_ARTIFACTS'], {file + '.npy'!r}), "
                     f"_np.asarray({expression}, dtype=float))")
    return "\n".join(lines)


def _tuned_classifier(what, rel, grid, artifacts):
    """The kept classifier: its saved W must give the notebook's numbers and match a trusted retraining."""
    from cs231n_lib import LinearSVM, Softmax  # trusted reference

    data = linear()
    D, C = data["X_train"].shape[1], len(data["class_names"])
    W, claimed, table = array(artifacts, "W", (D, C)), array(artifacts, "best_val", ()), array(artifacts, "grid", (4, 4))
    if W is None or claimed is None or table is None:
        return [(f"the tuned {what}'s weights and its grid were saved", "no valid (D, C) weights, best_val or 4 grid results")]
    checks = [(f"the tuned {what}'s weights and its grid were saved", None)]
    points = {(float(lr), float(reg)) for lr, reg, _, _ in table}
    best = table[int(np.argmax(table[:, 3]))]
    train_acc, val_acc = accuracy(W, data["X_train"], data["y_train"]), accuracy(W, data["X_val"], data["y_val"])
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
                  batch_size=200, seed=notebook_seed(rel))
        return float(np.mean(clf.predict(data["X_val"]) == data["y_val"]))

    # the same retraining for every submission that chose this grid point: once per batch (instructor/grading/refcache.py)
    reference = refcache.cached(f"retrain {cls.__name__}", (float(best[0]), float(best[1]), notebook_seed(rel)), retrain,
                                linear_fingerprint(data))
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
    data = linear(np.float32)
    X_dev, y_dev = data["X_dev"].astype(np.float64), data["y_dev"]
    shape = (X_dev.shape[1], len(data["class_names"]))
    W_start, W_l2, W_decay = (array(artifacts, n, shape) for n in ("W_start", "W_l2", "W_decay"))
    if W_start is None or W_l2 is None or W_decay is None:
        return [("W_l2 and W_decay were saved", "no valid (D, C) arrays were saved")]
    # The runs start from the notebook's own draw, never from the kernel's W_start: huge weights would
    # make the data gradient negligible and any W_l2 = W_decay pass. In the graded notebook (cells reg-01,
    # reg-03, reg-27) W_start is the first draw of rng = default_rng(SEED), scaled by 0.001.
    seeded = 0.001 * np.random.default_rng(notebook_seed("assignments/03_regularization.ipynb")).standard_normal(shape)
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
    lrs, regs, accs = (array(artifacts, n, (9,)) for n in ("lrs", "regs", "accs"))
    if lrs is None or regs is None or accs is None:
        return [("the 9 coarse trials were saved", "no 9 (learning rate, reg, accuracy) trials were saved")]
    checks = [("the 9 coarse trials were saved", None)]
    inside = (lrs > 0).all() and (regs > 0).all() and (-8 <= np.log10(lrs)).all() and (np.log10(lrs) <= -5).all() \
        and (1 <= np.log10(regs)).all() and (np.log10(regs) <= 4).all() and len(set(lrs.tolist())) == 9
    checks.append(("trials are 9 distinct log-uniform draws in the search box",
                   None if inside else "learning rates or regs outside the box, or repeated"))
    data = linear(np.float32)
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

    accuracy = refcache.cached("search trial", (float(lrs[best]), float(regs[best])), retrain, linear_fingerprint(data))
    checks.append(("the best trial's accuracy is reproduced",
                   None if abs(accuracy - float(accs[best])) <= 0.02 else
                   f"recomputed {accuracy:.4f}, the notebook says {float(accs[best]):.4f}"))
    return checks


def _check_staged_backprop(artifacts):
    """Notebook 05's staged backprop: checks dw and dx against the chain rule's values. Trusts nothing
    of the artifacts."""
    w, x = np.array([2.0, -3.0, -3.0]), np.array([-1.0, -2.0])
    sig = 1.0 / (1.0 + np.exp(-(w[0] * x[0] + w[1] * x[1] + w[2])))
    local = (1 - sig) * sig  # d sigma / dt
    expected_dw, expected_dx = np.array([x[0], x[1], 1.0]) * local, w[:2] * local
    dw, dx = array(artifacts, "dw", (3,)), array(artifacts, "dx", (2,))
    ok = dw is not None and dx is not None and np.allclose(dw, expected_dw, rtol=1e-9) and np.allclose(dx, expected_dx, rtol=1e-9)
    return [("dw and dx of the staged sigmoid neuron", None if ok else "dw or dx differs from the chain rule's values")]


def _check_two_layer(artifacts):
    """Notebook 05's checks. Trusts nothing of the artifacts: checks the parameters' shapes and recomputes
    the accuracies from them."""
    data = nets()
    params = {k: array(artifacts, k) for k in ("W1", "b1", "W2", "b2")}
    claimed = array(artifacts, "best_val_acc", ())
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

    norms, scales, accs = (array(artifacts, n, (6,)) for n in ("norms", "scales", "accs"))
    if norms is None or scales is None or accs is None:
        return [("the 6 runs of the weight-scale sweep were saved", "no 6 (normalization, scale, accuracy) runs were saved")]
    keys = {(int(n), float(sc)) for n, sc in zip(norms, scales)}
    checks = [("the 6 runs of the weight-scale sweep were saved",
               None if keys == {(n, sc) for n in (0, 1) for sc in (1e-3, 1e-2, 1e-1)} else "not the 6 (normalization, scale) pairs")]
    data = nets()
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
        reference = refcache.cached("sweep run", (n, scale), retrain, nets_fingerprint())
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
        "data": linear,
    },
    "assignments/02_softmax_loss.ipynb": {
        "cells": ["softmax-01", "softmax-09", "softmax-24"],
        "export": _export(W="best_softmax.W", best_val="best_val", grid=_GRID),
        "check": _check_softmax,
        "data": linear,
    },
    "assignments/03_regularization.ipynb": {
        "cells": ["reg-01", "reg-03", "reg-27"],
        "export": _export(W_start="W_start", W_l2="W_l2", W_decay="W_decay"),
        "check": _check_weight_decay,
        "data": linear_float32,
    },
    "assignments/04_optimizers.ipynb": {
        "cells": ["opt-01", "opt-03", "opt-33"],
        "export": _export(lrs="[k[0] for k in coarse]", regs="[k[1] for k in coarse]", accs="list(coarse.values())"),
        "check": _check_search,
        "data": linear_float32,
    },
    "assignments/05_backprop_two_layer_net.ipynb": {
        "cells": ["cell-01", "cell-09", "cell-13", "cell-21"],
        "export": _export(dw="dw", dx="dx", W1="two_layer_solver.model.params['W1']",
                          b1="two_layer_solver.model.params['b1']", W2="two_layer_solver.model.params['W2']",
                          b2="two_layer_solver.model.params['b2']", best_val_acc="two_layer_solver.best_val_acc"),
        "check": _check_two_layer,
        "data": nets_loaded,
    },
    "assignments/06_init_dropout_batchnorm.ipynb": {
        "cells": ["cell-01", "cell-05", "cell-15"],
        "setup": 'subset = {"X_train": data["X_train"][:1000], "y_train": data["y_train"][:1000], '
                 '"X_val": data["X_val"], "y_val": data["y_val"]}',
        "export": _export(norms="[0 if k[0] is None else 1 for k in sweep]", scales="[k[1] for k in sweep]",
                          accs="list(sweep.values())"),
        "check": _check_sweep,
        "data": nets_loaded,
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
