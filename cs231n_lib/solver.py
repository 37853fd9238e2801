"""Solver: trains a model with minibatch gradient descent and an update rule from :mod:`cs231n_lib.optim`.

Letters: N examples, C classes; ``X`` of shape (N, d_1, ..., d_k), ``y`` (N,).

CS231n's contract: the model has ``params`` (a dict of arrays) and
``loss(X, y=None)``, returning scores (N, C) without labels and
``(loss, grads)`` with them. ::

    solver = Solver(model, data, update_rule="adam",
                    optim_config={"learning_rate": 1e-3},
                    lr_decay=0.95, num_epochs=10, batch_size=100, print_every=100)
    solver.train()
    solver.best_val_acc, solver.loss_history

After ``train()`` the model holds the parameters that scored best on the
validation set (``solver.best_params``).

Checkpoints (``checkpoint_name``) are ``.npz`` files of plain arrays, one
per epoch, written to a temporary file and renamed into place; read them
with :func:`load_checkpoint`. They hold no pickled code.

A loss that becomes NaN or inf, or parameters that do, stop the training
(``solver.diverged`` is set and one line says at which iteration): the
babysitting sign of a learning rate that is far too high. With
``divergence_factor=3.0`` a loss above 3x the first one stops it too.
"""

import json
import numbers
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from .course._checks import _describe, check_optim_config, check_positive_int
from .course.divergence import loss_diverged
from .optim import get_update_rule

_DATA_KEYS = ("X_train", "y_train", "X_val", "y_val")


def _count(value, name, allow_none=False):
    """``value`` as an int once :func:`check_positive_int` accepts it (None passes when allowed)."""
    if value is None and allow_none:
        return None
    check_positive_int(value, name, "e.g. 100" + (" or None" if allow_none else ""))
    return int(value)


def _format_seconds(seconds):
    """Format a duration as ``1h02m``, ``3m05s`` or ``12.3s``."""
    if seconds >= 3600:
        return f"{int(seconds // 3600)}h{int(seconds % 3600 // 60):02d}m"
    if seconds >= 60:
        return f"{int(seconds // 60)}m{int(seconds % 60):02d}s"
    return f"{seconds:.1f}s"


class Solver:
    """Train a classification model with minibatch SGD-style updates, keeping the best validation parameters.

    Parameters
    ----------
    model : object
        With ``params`` (dict of ndarray) and ``loss(X, y=None)`` as above.
    data : dict
        ``X_train`` (N_train, ...), ``y_train`` (N_train,), ``X_val`` (N_val, ...),
        ``y_val`` (N_val,); other keys are ignored.
    update_rule : str or callable, default 'sgd'
        A name in :mod:`cs231n_lib.optim` ('sgd', 'sgd_momentum',
        'nesterov_momentum', 'adagrad', 'rmsprop', 'adam', 'adamw') or a
        function ``(w, dw, config) -> (next_w, config)``.
    optim_config : dict, optional
        Hyperparameters of the update rule (copied for every parameter).
    lr_decay : float, default 1.0
        The learning rate is multiplied by this after every epoch.
    batch_size : int, default 100
    num_epochs : int, default 10
    num_train_samples : int or None, default 1000
        Training examples used to compute the training accuracy after each
        epoch; None uses all of them.
    num_val_samples : int or None, default None
        Validation examples for the validation accuracy; None uses all.
    checkpoint_name : str or None
        When given, ``{checkpoint_name}_epoch_{e}.npz`` is written after each epoch.
    print_every : int, default 10
        Print the training loss every this many iterations (when verbose).
    verbose : bool, default True
    divergence_factor : float or None, default None
        Also stop (``diverged``) when a minibatch loss exceeds this many times
        the first one (3.0 is the babysitting rule); None stops only on NaN or inf.
    seed : int or None
        Seed of the minibatch sampling and accuracy subsampling; None uses
        numpy's global generator (``np.random.seed``), as CS231n does.

    Attributes
    ----------
    loss_history : list of float
        The minibatch loss of every iteration.
    train_acc_history, val_acc_history : list of float
        Accuracies at the start and after every epoch.
    best_val_acc : float
    best_params : dict of ndarray
    diverged : bool
        True when training stopped on a non-finite loss or parameter.
    """

    def __init__(self, model, data, **kwargs):
        self.model = model
        if not hasattr(model, "params") or not isinstance(model.params, dict) or not callable(
                getattr(model, "loss", None)):
            raise ValueError(f"model must have a params dict and a loss(X, y=None) method, got "
                             f"{type(model).__name__}; pass a model such as FullyConnectedNet.")
        if not isinstance(data, dict) or any(k not in data for k in _DATA_KEYS):
            got = sorted(data) if isinstance(data, dict) else type(data).__name__
            raise ValueError(f"data must be a dict with keys {', '.join(_DATA_KEYS)}, got {got}; "
                             f"pass e.g. the dict of get_CIFAR10_data().")
        for x_key, y_key in (("X_train", "y_train"), ("X_val", "y_val")):
            X, y = data[x_key], data[y_key]
            if not isinstance(X, np.ndarray) or not isinstance(y, np.ndarray) or X.ndim < 2 or y.shape != (
                    X.shape[0],) or X.shape[0] == 0:
                raise ValueError(f"data['{x_key}'] and data['{y_key}'] must be arrays of shapes (N, ...) and "
                                 f"(N,) with N >= 1, got {_describe(X)} and {_describe(y)}; pass matching arrays.")
        self.X_train, self.y_train = data["X_train"], data["y_train"]
        self.X_val, self.y_val = data["X_val"], data["y_val"]

        self.update_rule = get_update_rule(kwargs.pop("update_rule", "sgd"))
        optim_config = kwargs.pop("optim_config", None)
        check_optim_config(optim_config)
        self.optim_config = dict(optim_config or {})
        self.lr_decay = kwargs.pop("lr_decay", 1.0)
        if (not isinstance(self.lr_decay, numbers.Real) or isinstance(self.lr_decay, bool)
                or not 0 < self.lr_decay <= 1):
            raise ValueError(f"lr_decay must be in (0, 1], got {self.lr_decay!r}; pass e.g. 0.95 (1 keeps "
                             f"the learning rate).")
        self.batch_size = _count(kwargs.pop("batch_size", 100), "batch_size")
        self.num_epochs = _count(kwargs.pop("num_epochs", 10), "num_epochs")
        self.num_train_samples = _count(kwargs.pop("num_train_samples", 1000), "num_train_samples",
                                              allow_none=True)
        self.num_val_samples = _count(kwargs.pop("num_val_samples", None), "num_val_samples",
                                            allow_none=True)
        self.checkpoint_name = kwargs.pop("checkpoint_name", None)
        if self.checkpoint_name is not None:
            if not isinstance(self.checkpoint_name, (str, os.PathLike)):
                raise ValueError(f"checkpoint_name must be a path prefix (str) or None, got "
                                 f"{type(self.checkpoint_name).__name__}; pass e.g. 'checkpoints/run1'.")
            folder = Path(self.checkpoint_name).parent
            if not folder.is_dir():
                raise ValueError(f"checkpoint_name must be in an existing folder, got {self.checkpoint_name!r} "
                                 f"({folder} does not exist); create the folder first.")
        self.print_every = _count(kwargs.pop("print_every", 10), "print_every")
        self.verbose = bool(kwargs.pop("verbose", True))
        self.divergence_factor = kwargs.pop("divergence_factor", None)
        if self.divergence_factor is not None and (
                not isinstance(self.divergence_factor, numbers.Real) or isinstance(self.divergence_factor, bool)
                or not self.divergence_factor > 1):
            raise ValueError(f"divergence_factor must be a number > 1 or None, got {self.divergence_factor!r}; "
                             f"pass e.g. 3.0.")
        seed = kwargs.pop("seed", None)
        self._rng = np.random.default_rng(seed) if seed is not None else np.random
        if kwargs:
            raise ValueError(f"Solver got unknown arguments {', '.join(sorted(kwargs))}; "
                             f"check their spelling against the Solver docstring.")
        self._reset()

    def _reset(self):
        """Set up the bookkeeping and one optimizer config per parameter (called by __init__)."""
        self.epoch = 0
        self.best_val_acc = 0.0
        self.best_params = {}
        self.loss_history = []
        self.train_acc_history = []
        self.val_acc_history = []
        self.diverged = False
        self.optim_configs = {p: dict(self.optim_config) for p in self.model.params}

    def _step(self):
        """One update: sample a minibatch, compute loss and gradients, update every parameter.

        Returns
        -------
        ok : bool
            False when the loss or a parameter is no longer finite, or the loss
            exceeds ``divergence_factor`` times the first one.
        """
        num_train = self.X_train.shape[0]
        batch_mask = self._rng.choice(num_train, self.batch_size)  # (batch_size,), with replacement as CS231n
        X_batch = self.X_train[batch_mask]
        y_batch = self.y_train[batch_mask]

        # Overflow warnings are silenced: an overflow makes the loss or a parameter
        # inf or NaN, which is checked below and reported in one line instead.
        with np.errstate(over="ignore", invalid="ignore"):
            loss, grads = self.model.loss(X_batch, y_batch)
            self.loss_history.append(float(loss))
            if loss_diverged(self.loss_history, factor=self.divergence_factor):
                return False
            for p, w in self.model.params.items():
                next_w, next_config = self.update_rule(w, grads[p], self.optim_configs[p])
                self.model.params[p] = next_w
                self.optim_configs[p] = next_config
                if not np.isfinite(next_w.sum()):
                    return False
        return True

    def _save_checkpoint(self):
        """Write the model's parameters and the histories to ``{checkpoint_name}_epoch_{epoch}.npz`` atomically."""
        if self.checkpoint_name is None:
            return
        path = Path(f"{self.checkpoint_name}_epoch_{self.epoch}.npz")
        meta = {
            "epoch": self.epoch, "batch_size": self.batch_size, "num_epochs": self.num_epochs,
            "lr_decay": self.lr_decay, "best_val_acc": self.best_val_acc,
            "update_rule": getattr(self.update_rule, "__name__", str(self.update_rule)),
            "optim_config": {k: v for k, v in self.optim_config.items() if isinstance(v, (int, float, str))},
            "loss_history": self.loss_history, "train_acc_history": self.train_acc_history,
            "val_acc_history": self.val_acc_history,
        }
        arrays = {f"param_{k}": v for k, v in self.model.params.items()}
        fd, tmp_name = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                np.savez(f, meta=np.array(json.dumps(meta)), **arrays)
            os.replace(tmp_name, path)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
        if self.verbose:
            print(f"Saved checkpoint {path}", flush=True)

    def check_accuracy(self, X, y, num_samples=None, batch_size=100):
        """Fraction of examples the model classifies correctly (the arg-max of its scores).

        Parameters
        ----------
        X : ndarray of shape (N, d_1, ..., d_k)
        y : ndarray of shape (N,)
        num_samples : int or None
            When given and smaller than N, a random subset of this many examples is used.
        batch_size : int
            Examples per call to ``model.loss`` (bounds the memory).

        Returns
        -------
        acc : float
            In [0, 1].
        """
        if not isinstance(X, np.ndarray) or not isinstance(y, np.ndarray) or X.ndim < 1 or y.shape != (
                X.shape[0],) or X.shape[0] == 0:
            raise ValueError(f"X and y must be arrays of shapes (N, ...) and (N,) with N >= 1, got "
                             f"{_describe(X)} and {_describe(y)}; pass matching arrays.")
        num_samples = _count(num_samples, "num_samples", allow_none=True)
        batch_size = _count(batch_size, "batch_size")
        N = X.shape[0]
        if num_samples is not None and N > num_samples:
            mask = self._rng.choice(N, num_samples)  # (num_samples,)
            N = num_samples
            X, y = X[mask], y[mask]
        y_pred = np.empty(N, dtype=np.int64)
        for start in range(0, N, batch_size):
            scores = self.model.loss(X[start:start + batch_size])  # (b, C)
            y_pred[start:start + batch_size] = np.argmax(scores, axis=1)
        return float(np.mean(y_pred == y))

    def train(self):
        """Run ``num_epochs`` epochs of optimization; restore the best validation parameters at the end.

        Returns
        -------
        self : Solver
        """
        num_train = self.X_train.shape[0]
        iterations_per_epoch = max(num_train // self.batch_size, 1)
        num_iterations = self.num_epochs * iterations_per_epoch
        start_time = time.perf_counter()
        width = len(str(num_iterations))

        self._record_accuracies(num_iterations, start_time)
        for t in range(num_iterations):
            ok = self._step()
            if self.verbose and (t % self.print_every == 0 or not ok):
                elapsed = time.perf_counter() - start_time
                eta = elapsed / (t + 1) * (num_iterations - t - 1)
                print(f"(Iteration {t + 1:{width}d} / {num_iterations}) loss: {self.loss_history[-1]:.6f}"
                      f"  [{_format_seconds(elapsed)} elapsed, ~{_format_seconds(eta)} left]", flush=True)
            if not ok:
                self.diverged = True
                if self.verbose:
                    why = ("the loss or a parameter is NaN or inf" if not np.isfinite(self.loss_history[-1])
                           or self.divergence_factor is None
                           else f"the loss exceeds {self.divergence_factor:g}x its first value")
                    print(f"Stopped at iteration {t + 1}: {why}; lower the learning rate.", flush=True)
                break
            if (t + 1) % iterations_per_epoch == 0:
                self.epoch += 1
                for config in self.optim_configs.values():
                    if "learning_rate" in config:  # filled in by the update rule on its first step
                        config["learning_rate"] *= self.lr_decay
                self._record_accuracies(num_iterations, start_time)
                self._save_checkpoint()

        if self.best_params:
            self.model.params = {k: v.copy() for k, v in self.best_params.items()}
        return self

    def _record_accuracies(self, num_iterations, start_time):
        """Append the training and validation accuracy, keep the best parameters, print one line."""
        train_acc = self.check_accuracy(self.X_train, self.y_train, num_samples=self.num_train_samples)
        val_acc = self.check_accuracy(self.X_val, self.y_val, num_samples=self.num_val_samples)
        self.train_acc_history.append(train_acc)
        self.val_acc_history.append(val_acc)
        if self.verbose:
            elapsed = time.perf_counter() - start_time
            print(f"(Epoch {self.epoch} / {self.num_epochs}) train acc: {train_acc:.3f}; val_acc: {val_acc:.3f}"
                  f"  [{_format_seconds(elapsed)}]", flush=True)
        if val_acc > self.best_val_acc or not self.best_params:
            self.best_val_acc = val_acc
            self.best_params = {k: v.copy() for k, v in self.model.params.items()}


def load_checkpoint(path):
    """Read a checkpoint written by :class:`Solver`.

    Parameters
    ----------
    path : str or Path
        A ``{checkpoint_name}_epoch_{e}.npz`` file.

    Returns
    -------
    checkpoint : dict
        ``params`` (dict of ndarray) and the metadata: ``epoch``, ``batch_size``,
        ``num_epochs``, ``lr_decay``, ``best_val_acc``, ``update_rule``,
        ``optim_config``, ``loss_history``, ``train_acc_history``, ``val_acc_history``.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}; pass a file written by Solver(checkpoint_name=...).")
    with np.load(path, allow_pickle=False) as archive:
        if "meta" not in archive.files:
            raise ValueError(f"path {path} is not a Solver checkpoint (no 'meta' entry); "
                             f"pass a file written by Solver(checkpoint_name=...).")
        checkpoint = json.loads(str(archive["meta"]))
        checkpoint["params"] = {k[len("param_"):]: archive[k] for k in archive.files if k.startswith("param_")}
    return checkpoint
