"""Hyperparameter search with the K classifiers trained at once: one matrix product per step for all of them.

Letters: N examples, D features (3073 with the bias column), C classes,
B examples per minibatch, K configurations (learning rate, regularization).

The tuning loop of notebooks 01 and 02 trains one classifier per
configuration, one after the other. Every run of that loop draws the same
initial weights and the same minibatches from the same seed; only the
learning rate and the regularization strength differ. So the K runs can
share each minibatch, and their K weight matrices can sit side by side in one
(D, K * C) matrix: the scores of all K classifiers are then one product of the
(B, D) minibatch by that matrix, and their gradients one product of the
transposed minibatch by the (B, K * C) score gradients. Wide products use the
processor far better than K narrow ones, and the minibatch is gathered once
instead of K times. This is the loop's vectorization, one level up.

Each configuration gets exactly its own sequential run (``train`` with the
same seed and arguments), up to rounding in the matrix products: the loss on
each (B, C) block of scores is the classifier's own ``scores_loss``
(``svm_loss_on_scores`` or ``softmax_loss_on_scores``), its penalty and its
update rule are called as ``train`` calls them. A configuration that diverges
stops alone, with the warning ``train`` gives
(:func:`cs231n_lib.course.divergence.stop_if_diverged`), and the others go on.

    lrs, regs = log_uniform_sample(16, (1e-7, 1e-5), (1e2, 1e5), seed=0)   # random search
    results, best_val, best = search_hyperparameters(LinearSVM, X_train, y_train, X_val, y_val,
                                                     lrs, regs, num_iters=1500, seed=0)
"""


import numpy as np

from .. import optim
from ..classifiers.linear_classifier import sample_minibatch
from ..regularizers import get_regularizer
from ._checks import check_float_matrix, check_labels, check_positive_int, check_reg, random_source
from .divergence import stop_if_diverged

# Rows of X scored per product when computing accuracies: bounds the (rows, K * C) scores.
_PREDICT_BLOCK_ROWS = 4096


def log_uniform_sample(num_configs, learning_rate_range, reg_range, seed=None):
    """Random search's configurations: learning rates and regularizations drawn log-uniformly.

    ``log10(lr)`` is uniform between the logs of the range's ends, and so is
    ``log10(reg)``: each decade gets the same share of the draws, which is
    what a hyperparameter with a multiplicative effect needs.

    Parameters
    ----------
    num_configs : int
        K, the number of configurations, >= 1.
    learning_rate_range : tuple of two floats
        ``(low, high)``, 0 < low <= high.
    reg_range : tuple of two floats
        ``(low, high)``, 0 < low <= high.
    seed : int, numpy.random.Generator or None
        Source of the draws (None: NumPy's global generator).

    Returns
    -------
    learning_rates : ndarray of shape (K,)
    regs : ndarray of shape (K,)
    """
    check_positive_int(num_configs, "num_configs", "e.g. 16")
    bounds = [_log_range(learning_rate_range, "learning_rate_range", "(1e-7, 1e-5)"),
              _log_range(reg_range, "reg_range", "(1e2, 1e5)")]
    rng = random_source(seed)
    draws = [10.0 ** rng.uniform(low, high, size=num_configs) for low, high in bounds]  # 2 x (K,)
    return draws[0], draws[1]


def _log_range(bounds, name, example):
    """Return ``(log10(low), log10(high))`` of a range of positive numbers, or raise ValueError."""
    try:
        low, high = (float(value) for value in bounds)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a pair (low, high) of numbers, got {bounds!r}; pass e.g. {example}.") from None
    if not (np.isfinite(low) and np.isfinite(high) and 0 < low <= high):
        raise ValueError(f"{name} must satisfy 0 < low <= high (both finite), got {bounds!r}; pass e.g. {example}.")
    return np.log10(low), np.log10(high)


def grid(learning_rates, regs):
    """Grid search's configurations: every learning rate with every regularization strength.

    The order is the nested loop's: the learning rate in the outer loop.

    Parameters
    ----------
    learning_rates : sequence of float, length L
    regs : sequence of float, length R

    Returns
    -------
    grid_learning_rates : ndarray of shape (L * R,)
    grid_regs : ndarray of shape (L * R,)
    """
    lrs, rs = np.meshgrid(np.asarray(learning_rates, dtype=float), np.asarray(regs, dtype=float),
                          indexing="ij")  # (L, R) each
    return lrs.ravel(), rs.ravel()  # (L * R,), (L * R,)


def _check_configs(learning_rates, regs):
    """Validate the K learning rates and regularizations; return them as float lists."""
    lrs = np.asarray(learning_rates, dtype=float).ravel() if np.ndim(learning_rates) else None
    rs = np.asarray(regs, dtype=float).ravel() if np.ndim(regs) else None
    if lrs is None or rs is None or lrs.size == 0 or lrs.shape != rs.shape:
        raise ValueError(f"learning_rates and regs must be sequences of the same length K >= 1, got "
                         f"{np.shape(learning_rates)} and {np.shape(regs)}; pass one (learning rate, reg) "
                         f"pair per configuration, e.g. from log_uniform_sample or grid.")
    if not (np.isfinite(lrs).all() and (lrs > 0).all()):
        raise ValueError(f"learning_rates must all be finite and > 0, got {lrs.tolist()}; "
                         f"pass e.g. log_uniform_sample(16, (1e-7, 1e-5), (1e2, 1e5))[0].")
    return [float(lr) for lr in lrs], [check_reg(float(r)) for r in rs]


def train_stacked(model_class, X, y, learning_rates, regs, num_iters=100, batch_size=200, *,
                  seed=None, weight_scale=1e-3, update_rule="sgd", optim_config=None,
                  lr_schedule=None, regularizer="l2", replace=True, verbose=False, print_every=100):
    """Train K classifiers at once, one per (learning rate, reg), on shared minibatches.

    Configuration k gets what ``model_class(weight_scale).train(X, y,
    learning_rates[k], regs[k], num_iters, batch_size, seed=seed, ...)``
    gives: the same initial weights, the same minibatches, the same losses and
    weights up to rounding in the matrix products (about 1e-15 relative per
    step). Each step is one (B, D) x (D, K * C) product for the scores and one
    (D, B) x (B, K * C) product for the gradients.

    Parameters
    ----------
    model_class : type
        A :class:`cs231n_lib.classifiers.linear_classifier.LinearClassifier` subclass with a
        ``scores_loss`` (``LinearSVM`` or ``Softmax``).
    X : ndarray of shape (N, D)
        Training examples.
    y : ndarray of shape (N,)
        Integer labels in [0, C), C = max(y) + 1.
    learning_rates : sequence of float, length K
        Base learning rate of each configuration, > 0.
    regs : sequence of float, length K
        Regularization strength of each configuration, >= 0.
    num_iters : int
        Minibatch steps of every run.
    batch_size : int
        B, examples per minibatch.
    seed : int, numpy.random.Generator or None
        As in ``train``: the source of the initial weights and the minibatches,
        shared by the K runs (None: NumPy's global generator).
    weight_scale : float
        As ``model_class(weight_scale=...)``: the initial weights' scale.
    update_rule, optim_config, lr_schedule, regularizer, replace :
        As in ``train``; each configuration keeps its own copy of ``optim_config``.
    verbose : bool
        Print the number of running configurations and their best loss every
        ``print_every`` iterations.
    print_every : int

    Returns
    -------
    models : list of K model_class instances
        ``models[k].W`` (D, C) is configuration k's final weights (its last
        finite weights if it diverged).
    loss_histories : list of K lists of float
        Each configuration's minibatch losses (shorter than ``num_iters`` for
        a configuration that diverged).

    Warns
    -----
    TrainingDivergedWarning
        Once per diverging configuration, with the message ``train`` gives.
    """
    if getattr(model_class, "scores_loss", None) is None:
        raise ValueError(f"model_class must be LinearSVM or Softmax (a classifier with a scores_loss), got "
                         f"{model_class!r}; pass the class itself, e.g. LinearSVM.")
    check_float_matrix(X, "X")
    check_labels(y, X.shape[0])
    lrs, rs = _check_configs(learning_rates, regs)
    check_positive_int(num_iters, "num_iters", "e.g. 1500")
    check_positive_int(batch_size, "batch_size", "e.g. 200")
    check_positive_int(print_every, "print_every", "e.g. 100")
    num_train, dim = X.shape
    if not replace and batch_size > num_train:
        raise ValueError(f"batch_size must be at most N = {num_train} when replace=False, got "
                         f"{batch_size}; lower batch_size or sample with replace=True.")
    base_config = dict(optim_config or {})
    if "learning_rate" in base_config:
        raise ValueError("optim_config must not contain 'learning_rate', got "
                         f"{base_config['learning_rate']!r}; pass learning_rates=... instead.")
    if lr_schedule is not None and not callable(lr_schedule):
        raise ValueError(f"lr_schedule must be a callable t -> multiplier or None, got {lr_schedule!r}; "
                         f"use one from cs231n_lib.course.schedules.")
    update = optim.get_update_rule(update_rule)
    penalty = get_regularizer(regularizer)
    scores_loss = model_class.scores_loss
    rng = random_source(seed)

    num_configs = len(lrs)
    num_classes = int(y.max()) + 1
    models = [model_class(weight_scale=weight_scale) for _ in range(num_configs)]
    W0 = models[0].initial_weights(dim, num_classes, X.dtype, rng)  # (D, C), drawn once as in train
    weights = [W0.copy() for _ in range(num_configs)]  # K x (D, C), each contiguous as in train
    running = list(range(num_configs))  # the configurations still training, in column order
    configs = [dict(base_config) for _ in range(num_configs)]
    histories = [[] for _ in range(num_configs)]

    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        for it in range(num_iters):
            X_batch, y_batch = sample_minibatch(X, y, batch_size, rng, replace)  # (B, D), (B,)
            W_stack = np.concatenate([weights[k] for k in running], axis=1)  # (D, R * C), R running
            scores = X_batch @ W_stack  # (B, D) @ (D, R * C) -> (B, R * C)
            dscores = np.empty_like(scores)  # (B, R * C)
            penalty_grads, still = {}, []
            for slot, k in enumerate(running):
                cols = slice(slot * num_classes, (slot + 1) * num_classes)  # configuration k's (B, C) block
                data_loss, dscores[:, cols] = scores_loss(scores[:, cols], y_batch)
                reg_loss, penalty_grads[k] = penalty(weights[k], rs[k])
                histories[k].append(float(data_loss + reg_loss))
                if stop_if_diverged(histories[k], lrs[k], it, stacklevel=3):
                    models[k].W = weights[k]  # its last finite weights, as train keeps them
                else:
                    still.append(slot)
            if len(still) < len(running):
                blocks = dscores.reshape(batch_size, len(running), num_classes)  # (B, R, C)
                dscores = blocks[:, still, :].reshape(batch_size, len(still) * num_classes)  # (B, R' * C)
                running = [running[slot] for slot in still]
                if not running:
                    break
            dW_stack = X_batch.T @ dscores  # (D, B) @ (B, R * C) -> (D, R * C)

            multiplier = 1.0 if lr_schedule is None else lr_schedule(it)
            still = []
            for slot, k in enumerate(running):
                grad = dW_stack[:, slot * num_classes:(slot + 1) * num_classes] + penalty_grads[k]  # (D, C)
                configs[k]["learning_rate"] = float(lrs[k] * multiplier)  # a Python float keeps W's dtype
                next_W, configs[k] = update(weights[k], grad, configs[k])
                if np.isfinite(next_W).all():
                    weights[k] = next_W
                    still.append(k)
                else:
                    stop_if_diverged(histories[k], lrs[k], it, weights_finite=False, stacklevel=3)
                    models[k].W = weights[k]
            running = still
            if not running:
                break

            if verbose and it % print_every == 0:
                best = min(histories[k][-1] for k in running)
                print(f"iteration {it} / {num_iters}: {len(running)} of {num_configs} configurations "
                      f"running, lowest loss {best:f}", flush=True)

    for k in running:
        models[k].W = weights[k]  # (D, C)
    return models, histories


def stacked_accuracies(models, X, y):
    """Accuracy of each of K classifiers on ``(X, y)``, scoring all of them in one product per block of rows.

    Parameters
    ----------
    models : list of K trained classifiers, all with W of shape (D, C)
    X : ndarray of shape (N, D)
    y : ndarray of shape (N,)

    Returns
    -------
    accuracies : ndarray of shape (K,)
        The fraction of rows where ``argmax(X @ W_k)`` equals ``y``, as
        ``np.mean(models[k].predict(X) == y)`` gives.
    """
    check_float_matrix(X, "X")
    check_labels(y, X.shape[0])
    shapes = {m.W.shape for m in models}
    if len(shapes) != 1 or X.shape[1] != next(iter(shapes))[0]:
        raise ValueError(f"models must all have W of shape (D, C) with D = X.shape[1] = {X.shape[1]}, got "
                         f"{sorted(shapes)}; pass the models of one train_stacked run.")
    num_classes = models[0].W.shape[1]
    W_stack = np.concatenate([m.W for m in models], axis=1)  # (D, K * C)
    correct = np.zeros(len(models), dtype=np.int64)
    for start in range(0, X.shape[0], _PREDICT_BLOCK_ROWS):
        scores = X[start:start + _PREDICT_BLOCK_ROWS] @ W_stack  # (rows, K * C)
        predicted = scores.reshape(scores.shape[0], len(models), num_classes).argmax(axis=2)  # (rows, K)
        correct += (predicted == y[start:start + _PREDICT_BLOCK_ROWS, None]).sum(axis=0)  # (K,)
    return correct / X.shape[0]


def search_hyperparameters(model_class, X_train, y_train, X_val, y_val, learning_rates, regs,
                           num_iters=1500, batch_size=200, **train_kwargs):
    """The tuning loop of notebooks 01/02, all K configurations trained at once by :func:`train_stacked`.

    Parameters
    ----------
    model_class : type
        ``LinearSVM`` or ``Softmax``.
    X_train : ndarray of shape (N, D)
    y_train : ndarray of shape (N,)
    X_val : ndarray of shape (M, D)
    y_val : ndarray of shape (M,)
    learning_rates : sequence of float, length K
    regs : sequence of float, length K
        One configuration per pair, e.g. from :func:`log_uniform_sample` (random
        search) or :func:`grid`.
    num_iters, batch_size : int
    **train_kwargs
        Passed to :func:`train_stacked` (``seed=...``, ``update_rule=...``, ...).

    Returns
    -------
    results : dict
        ``(learning_rate, reg) -> (training accuracy, validation accuracy)``,
        as the notebooks' loop fills it.
    best_val : float
        The highest validation accuracy.
    best_model : model_class instance
        The classifier that reached it (the first one on ties, as the loop keeps it).
    """
    models, _ = train_stacked(model_class, X_train, y_train, learning_rates, regs, num_iters, batch_size,
                              **train_kwargs)
    train_acc = stacked_accuracies(models, X_train, y_train)  # (K,)
    val_acc = stacked_accuracies(models, X_val, y_val)  # (K,)
    lrs, rs = _check_configs(learning_rates, regs)
    results = {(lr, r): (float(a), float(v)) for lr, r, a, v in zip(lrs, rs, train_acc, val_acc)}
    best = int(np.argmax(val_acc))
    return results, float(val_acc[best]), models[best]
