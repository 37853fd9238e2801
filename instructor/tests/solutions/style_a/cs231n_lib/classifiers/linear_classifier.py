"""Linear classifiers trained by minibatch gradient descent: LinearSVM and Softmax.

Letters: N examples, D features (3073 with the bias column), C classes.
``W`` is (D, C), ``X`` is (N, D), ``y`` is (N,) integers in [0, C).

The classifier scores ``X @ W`` and predicts the class with the highest score.
Training samples a minibatch, computes the loss and gradient, and hands them
to an update rule of :mod:`cs231n_lib.optim` with the contract
``update(w, dw, config) -> (next_w, config)``.
"""

import numbers
import os
import tempfile
import zipfile

import numpy as np

from .. import optim
from ..course._checks import check_float_matrix, check_predict, check_train, checked_by, random_source
from ..course.divergence import TrainingDivergedError, TrainingDivergedWarning, stop_if_diverged  # noqa: F401 (re-exported)
from ..regularizers import get_regularizer, max_norm_project
from .linear_svm import svm_loss_on_scores, svm_loss_vectorized
from .softmax import softmax_loss_on_scores, softmax_loss_vectorized

def sample_minibatch(X, y, batch_size, rng, replace=True):
    """Draw one minibatch: ``batch_size`` rows of ``X`` with their labels.

    Shared by :meth:`LinearClassifier.train` and the stacked search of
    :mod:`cs231n_lib.course.tuning`, so both see the same minibatches from the same seed.

    Parameters
    ----------
    X : ndarray of shape (N, D)
        Training examples.
    y : ndarray of shape (N,)
        Their labels.
    batch_size : int
        B, the number of rows to draw.
    rng : numpy.random.Generator, RandomState or the numpy.random module
        The run's random source (:func:`cs231n_lib.course._checks.random_source`).
    replace : bool
        Draw with replacement (the CS231n default) or B distinct rows.

    Returns
    -------
    X_batch : ndarray of shape (B, D)
    y_batch : ndarray of shape (B,)
    """
    X_batch, y_batch = None, None
    # TODO: sample batch_size rows of X and the matching labels with rng.choice
    # (with or without replacement as `replace` says).
    idx = rng.choice(X.shape[0], batch_size, replace=replace)  # (B,)
    X_batch, y_batch = X[idx], y[idx]
    return X_batch, y_batch


class LinearClassifier:
    """A linear classifier ``scores = X @ W``; subclasses choose the loss.

    Attributes
    ----------
    W : ndarray of shape (D, C) or None
        The weights; None until :meth:`train` or :meth:`load`.
    weight_scale : float
        :meth:`train` starts from ``weight_scale * randn(D, C)`` when ``W`` is
        None (default 1e-3, small random weights); 0 starts from ``W = 0``.
    data_loss : callable
        ``data_loss(W, X, y, reg) -> (loss, dW)``, set by each subclass.
    scores_loss : callable
        ``scores_loss(scores, y) -> (mean data loss, dscores)``, the same loss
        on given scores (used by :mod:`cs231n_lib.course.tuning`).
    """

    data_loss = None
    scores_loss = None

    def __init__(self, weight_scale=1e-3):
        is_number = isinstance(weight_scale, numbers.Real) and not isinstance(weight_scale, bool)
        if not (is_number and np.isfinite(weight_scale) and weight_scale >= 0):
            raise ValueError(f"weight_scale must be a finite number >= 0, got {weight_scale!r}; "
                             f"use 1e-3 for small random weights or 0 to start from W = 0.")
        self.weight_scale = float(weight_scale)
        self.W = None

    @checked_by(check_train, by_name=True)
    def train(self, X, y, learning_rate=1e-3, reg=1e-5, num_iters=100, batch_size=200,
              verbose=False, *, update_rule="sgd", optim_config=None, lr_schedule=None,
              regularizer="l2", max_norm=None, seed=None, replace=True, print_every=100,
              on_divergence="warn"):
        """Train by minibatch gradient descent and return the loss of every iteration.

        ``W`` is created on the first call as ``weight_scale * randn(D, C)``
        from the same random generator as the minibatches, with C = max(y) + 1;
        later calls continue from the current ``W``.

        A run that diverges (loss NaN/inf or above 3x its first value, or an
        update that makes ``W`` non-finite) stops there: by default with a
        :class:`TrainingDivergedWarning` naming the learning rate, returning
        the losses so far, so a tuning loop goes on (diverged runs just score
        low); ``on_divergence='raise'`` raises :class:`TrainingDivergedError`.

        Parameters
        ----------
        X : ndarray of shape (N, D)
            Training examples.
        y : ndarray of shape (N,)
            Integer labels in [0, C).
        learning_rate : float
            Base step size, > 0; at iteration t the update rule receives
            ``learning_rate * lr_schedule(t)``.
        reg : float
            Regularization strength, >= 0.
        num_iters : int
            Number of minibatch steps.
        batch_size : int
            Examples per minibatch.
        verbose : bool
            Print the loss every ``print_every`` iterations.
        update_rule : str or callable
            A name from :mod:`cs231n_lib.optim` ('sgd', 'sgd_momentum', 'adam', ...) or
            a function ``(w, dw, config) -> (next_w, config)``.
        optim_config : dict or None
            Other hyperparameters of the update rule (e.g. ``{'momentum': 0.9}``);
            not ``learning_rate``, which is passed separately. Copied, not modified.
        lr_schedule : callable or None
            ``t -> multiplier`` (see :mod:`cs231n_lib.course.schedules`); None is constant.
        regularizer : {'l2', 'l1', 'elastic_net', None} or callable
            The penalty (see :mod:`cs231n_lib.regularizers`).
        max_norm : float or None
            If given, project every class column of ``W`` to norm <= max_norm
            after each update (and once before the first).
        seed : int, numpy.random.Generator or None
            Source of the initial weights and the minibatches; the same seed
            gives the same run. None (the default) draws from NumPy's global
            generator, so ``np.random.seed(...)`` before the call reproduces
            the run, as in CS231n.
        replace : bool
            Sample minibatches with replacement (the CS231n default).
        print_every : int
            Iterations between progress lines when ``verbose``.
        on_divergence : {'warn', 'raise'}
            What a diverging run does: warn and return the losses so far
            (default), or raise :class:`TrainingDivergedError`.

        Returns
        -------
        loss_history : list of float
            The minibatch loss at each iteration (shorter than ``num_iters``
            when the run diverged); ``self.W`` keeps the last finite weights.

        Raises
        ------
        TrainingDivergedError
            With ``on_divergence='raise'``, when the run diverges.
        """
        dim = X.shape[1]
        config = dict(optim_config or {})
        update = optim.get_update_rule(update_rule)
        penalty = get_regularizer(regularizer)
        rng = random_source(seed)  # None: np.random's global generator, as in CS231n

        num_classes = int(y.max()) + 1
        if self.W is None:
            self.W = self.initial_weights(dim, num_classes, X.dtype, rng)  # (D, C)
        if max_norm is not None:
            self.W = max_norm_project(self.W, max_norm)

        loss_history = []
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            for it in range(num_iters):
                X_batch, y_batch = sample_minibatch(X, y, batch_size, rng, replace)  # (B, D), (B,)
                loss, grad = self.loss(X_batch, y_batch, reg, regularizer=penalty)
                loss_history.append(float(loss))
                # stacklevel 4: the warning points at train's caller (past the checks' wrapper)
                if stop_if_diverged(loss_history, learning_rate, it, on_divergence=on_divergence, stacklevel=4):
                    break

                multiplier = 1.0 if lr_schedule is None else lr_schedule(it)
                config["learning_rate"] = float(learning_rate * multiplier)  # a Python float keeps W's dtype
                next_W = self.W
                # TODO: update the weights with update(W, dW, config) -> (next_W, config).
                next_W, config = update(self.W, grad, config)
                if not np.isfinite(next_W).all():
                    stop_if_diverged(loss_history, learning_rate, it, weights_finite=False,
                                     on_divergence=on_divergence, stacklevel=4)
                    break
                self.W = next_W if max_norm is None else max_norm_project(next_W, max_norm)

                if verbose and it % print_every == 0:
                    print(f"iteration {it} / {num_iters}: loss {loss:f}", flush=True)
        return loss_history

    def initial_weights(self, dim, num_classes, dtype, rng):
        """The weights a first :meth:`train` starts from: ``weight_scale * randn(D, C)``, or zeros.

        Parameters
        ----------
        dim : int
            D, the number of features.
        num_classes : int
            C, the number of classes.
        dtype : numpy dtype
            The dtype of ``X``.
        rng : numpy.random.Generator, RandomState or the numpy.random module
            The run's random source; nothing is drawn from it when ``weight_scale`` is 0.

        Returns
        -------
        W : ndarray of shape (D, C)
        """
        if self.weight_scale == 0:
            return np.zeros((dim, num_classes), dtype=dtype)  # (D, C); draws nothing from rng
        return (self.weight_scale * rng.standard_normal((dim, num_classes))).astype(dtype)  # (D, C)

    @checked_by(check_predict)
    def predict(self, X):
        """Predict the class with the highest score for every row of ``X``.

        Parameters
        ----------
        X : ndarray of shape (N, D)
            Examples.

        Returns
        -------
        y_pred : ndarray of shape (N,)
            Integer class indices in [0, C).
        """
        W = self.W
        y_pred = np.zeros(X.shape[0], dtype=np.intp)
        # TODO: score every example and keep the index of the highest score.
        y_pred = np.argmax(X @ W, axis=1)  # (N, C) scores -> (N,)
        return y_pred

    def loss(self, X_batch, y_batch, reg, regularizer="l2"):
        """Loss and gradient on a minibatch at the current ``W``.

        Parameters
        ----------
        X_batch : ndarray of shape (B, D)
        y_batch : ndarray of shape (B,)
        reg : float
            Regularization strength, >= 0.
        regularizer : {'l2', 'l1', 'elastic_net', None} or callable
            With 'l2' the loss function adds ``reg * sum(W * W)`` itself; any other
            penalty is added to the data loss computed with reg = 0.

        Returns
        -------
        loss : float scalar
        dW : ndarray of shape (D, C)
        """
        if self.data_loss is None:
            raise NotImplementedError("LinearClassifier has no loss; use a LinearSVM or a Softmax instead.")
        W = self._trained_weights()
        penalty = get_regularizer(regularizer)
        if penalty is get_regularizer("l2"):
            return self.data_loss(W, X_batch, y_batch, reg)
        data_loss, dW = self.data_loss(W, X_batch, y_batch, 0.0)
        reg_loss, reg_grad = penalty(W, reg)
        return data_loss + reg_loss, dW + reg_grad

    def _trained_weights(self):
        """Return ``self.W``, or raise ValueError if there are no weights yet."""
        if self.W is None:
            raise ValueError(f"{type(self).__name__} has no weights yet (W is None); call train() or load() first.")
        return self.W

    def save(self, path):
        """Write the weights to ``path`` as .npz, atomically (a temporary file, then a rename).

        Parameters
        ----------
        path : str or os.PathLike
            Destination file; its directory must exist.
        """
        W = self._trained_weights()
        path = os.fspath(path)
        fd, tmp_path = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)), suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                np.savez(f, W=W, classifier=np.array(type(self).__name__))
            os.replace(tmp_path, path)
        except BaseException:
            if os.path.exists(tmp_path):
                os.unlink(tmp_path)
            raise

    def load(self, path):
        """Read weights written by :meth:`save` for the same class, and return ``self``.

        Parameters
        ----------
        path : str or os.PathLike

        Returns
        -------
        self : LinearClassifier
        """
        path = os.fspath(path)
        if not os.path.isfile(path):
            raise FileNotFoundError(f"weights file {path!r} does not exist; check the path or call save() first.")
        try:
            with np.load(path, allow_pickle=False) as data:
                W = data["W"]
                saved_class = str(data["classifier"])
            check_float_matrix(W, "W")
        except (OSError, ValueError, KeyError, zipfile.BadZipFile) as error:
            raise ValueError(f"{path!r} does not hold valid weights written by save() ({error}); "
                             f"save the classifier again.") from error
        if saved_class != type(self).__name__:
            raise ValueError(f"{path!r} holds weights of a {saved_class}, not of a {type(self).__name__}; "
                             f"load it with {saved_class}().load(...).")
        self.W = W
        return self


class LinearSVM(LinearClassifier):
    """Linear classifier trained with the multiclass SVM (hinge) loss."""

    data_loss = staticmethod(svm_loss_vectorized)
    scores_loss = staticmethod(svm_loss_on_scores)


class Softmax(LinearClassifier):
    """Linear classifier trained with the softmax (cross-entropy) loss."""

    data_loss = staticmethod(softmax_loss_vectorized)
    scores_loss = staticmethod(softmax_loss_on_scores)
