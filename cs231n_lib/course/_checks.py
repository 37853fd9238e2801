"""Input validation shared by every loss, regularizer and classifier.

Letters: N examples, D features (3073 with the bias column), C classes.
``W`` is (D, C), ``X`` is (N, D), ``y`` is (N,) integers in [0, C).

Every check raises ``ValueError`` with one sentence that names the argument,
what it got and what to do. The checks touch each input once (O(N * D) for
``X``, the size of the input, O(D * C) for ``W``, O(N) for ``y``) and never
do O(N * D * C) work, so the losses run them on every call.

Labels must have an integer dtype: float arrays are rejected even when every
value is integral, because float labels are almost always a loading bug
(convert them with ``y.astype(int)`` if they really are labels).
"""

import functools
import inspect
import math
import numbers
import warnings

import numpy as np

from .divergence import ON_DIVERGENCE

# Rows checked per step when a matrix must be searched entry by entry for NaN
# or inf: bounds the temporary boolean mask to a few megabytes.
_FINITE_CHUNK_ROWS = 1024


def _describe(a):
    """Return a short description of ``a`` for error messages: shape and dtype, or type."""
    if isinstance(a, np.ndarray):
        return f"an array of shape {a.shape} and dtype {a.dtype}"
    return f"an object of type {type(a).__name__}"


def _all_finite(a):
    """Return True when every entry of the float array ``a`` is finite.

    A single NaN or inf makes the sum NaN or inf, so a finite sum proves every
    entry finite in one cheap pass. A non-finite sum can also come from large
    finite entries that overflow, so then the entries are checked one by one
    (in blocks of rows, to keep the temporary mask small).

    Parameters
    ----------
    a : ndarray of shape (R, K)
    """
    with np.errstate(over="ignore", invalid="ignore"):
        if np.isfinite(a.sum()):
            return True
    for start in range(0, a.shape[0], _FINITE_CHUNK_ROWS):
        if not np.isfinite(a[start:start + _FINITE_CHUNK_ROWS]).all():
            return False
    return True


def check_float_matrix(a, name, finite=True):
    """Check that ``a`` is a 2-D floating-point ndarray with only finite entries.

    Parameters
    ----------
    a : ndarray of shape (R, K)
        The array to check.
    name : str
        The argument name used in the error message.
    finite : bool
        Also scan the entries for NaN and inf (one pass over ``a``).

    Raises
    ------
    ValueError
        If ``a`` is not an ndarray, not 2-D, not of a float dtype, or holds NaN or inf.
    """
    if not isinstance(a, np.ndarray) or a.ndim != 2:
        raise ValueError(f"{name} must be a 2-D numpy array, got {_describe(a)}; "
                         f"pass an ndarray of shape (rows, columns).")
    if not np.issubdtype(a.dtype, np.floating):
        raise ValueError(f"{name} must have a float dtype, got {_describe(a)}; "
                         f"convert it with {name}.astype(np.float64).")
    if finite and not _all_finite(a):
        raise ValueError(f"{name} contains NaN or inf ({_describe(a)}); "
                         f"remove or replace the non-finite entries.")


def check_labels(y, num_examples, num_classes=None):
    """Check that ``y`` holds one integer label in [0, C) per example.

    Parameters
    ----------
    y : ndarray of shape (N,)
        Class labels; any integer dtype (bool and float are rejected).
    num_examples : int
        N, the number of rows of ``X``; must be at least 1.
    num_classes : int or None
        C, the number of classes; None skips the upper bound check.

    Raises
    ------
    ValueError
        If ``y`` is not a 1-D integer array of length N, N is 0, or a label is out of range.
    """
    if not isinstance(y, np.ndarray) or y.ndim != 1:
        raise ValueError(f"y must be a 1-D numpy array of integer labels, got {_describe(y)}; "
                         f"pass an ndarray of shape (N,).")
    if not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"y must have an integer dtype, got {_describe(y)}; "
                         f"convert the labels with y.astype(int).")
    if y.shape[0] != num_examples:
        raise ValueError(f"y must have one label per row of X, got y of shape {y.shape} "
                         f"for X with {num_examples} rows; pass matching X and y.")
    if num_examples == 0:
        raise ValueError("X and y must hold at least one example, got N = 0; "
                         "pass a non-empty batch.")
    low, high = y.min(), y.max()
    if low < 0 or (num_classes is not None and high >= num_classes):
        bound = f"[0, {num_classes})" if num_classes is not None else "[0, C)"
        raise ValueError(f"y must hold labels in {bound}, got labels from {low} to {high} "
                         f"(y of shape {y.shape}); check the labels or the number of classes.")


def check_reg(reg):
    """Check that ``reg`` is a finite real number >= 0 and return it as a Python float.

    Returning a Python float keeps ``reg * W`` in the dtype of ``W`` (a numpy
    float64 scalar would upcast float32 weights).

    Raises
    ------
    ValueError
        If ``reg`` is not a real number, not finite or negative.
    """
    if not isinstance(reg, numbers.Real) or isinstance(reg, bool) or not math.isfinite(reg) or reg < 0:
        raise ValueError(f"reg must be a finite number >= 0, got {reg!r}; "
                         f"pass a non-negative float such as 1e-5.")
    return float(reg)



def check_margin(delta):
    """Check that the SVM margin ``delta`` is a finite real number > 0 and return it as a Python float.

    Raises
    ------
    ValueError
        If ``delta`` is not a real number, not finite or not positive.
    """
    if not isinstance(delta, numbers.Real) or isinstance(delta, bool) or not math.isfinite(delta) or delta <= 0:
        raise ValueError(f"delta must be a finite number > 0, got {delta!r}; the standard margin is 1.")
    return float(delta)

# The floating-point error kinds numpy's error callback names, and their np.errstate keys.
_FP_ERROR_KEYS = {"overflow": "over", "invalid value": "invalid", "divide by zero": "divide"}


class DeferredInputScan:
    """Compute a loss first and scan ``X`` for NaN/inf only if something went wrong.

    Use it with ``check_loss_inputs(..., scan_X=False)``::

        with DeferredInputScan(X) as scan:
            ...compute loss and dW...
        scan.check(loss, dW)

    Inside the ``with`` block, overflow, invalid-value and divide-by-zero
    events are recorded instead of reported. :meth:`check` then scans ``X``
    (O(N * D), one pass) only when an event was recorded or the result is not
    finite, and raises the ValueError of :func:`check_float_matrix` if ``X``
    holds NaN or inf, so a bad ``X`` gives exactly the message (and no
    warning) of the scan up front. A NaN or inf in ``X`` always shows in the
    result: ``X.T @ dscores`` multiplies every entry of ``X``, and ``inf * 0``
    is NaN. With a finite ``X`` the recorded events are reported as the
    caller's ``np.errstate`` says (warn by default, raise, or ignore), after
    the computation rather than at the operation.

    Parameters
    ----------
    X : ndarray of shape (N, D)
        The data of the loss, checked by everything but the NaN/inf scan.
    """

    def __init__(self, X):
        self.X = X
        self.events = []
        self._caller = None
        self._state = None

    def _record(self, kind, flag):
        self.events.append(kind)

    def recording(self):
        """An ``np.errstate`` that records into this scan: for worker threads, which start
        with NumPy's default error handling (``np.errstate`` is per thread)."""
        return np.errstate(over="call", invalid="call", divide="call", call=self._record)

    def __enter__(self):
        self._caller = np.geterr()
        self._state = self.recording()
        self._state.__enter__()
        return self

    def __exit__(self, *exc_info):
        self._state.__exit__(*exc_info)
        self._state = None  # it holds self._record, so self: drop it, or every scan (and its X) waits for the GC
        return False

    def check(self, loss, dW):
        """Raise the ValueError for ``X`` if it holds NaN/inf; else report any recorded event.

        Parameters
        ----------
        loss : float scalar
        dW : ndarray of shape (D, C)
        """
        if self.events or not (np.isfinite(loss) and np.isfinite(dW).all()):
            check_float_matrix(self.X, "X")
        for kind in dict.fromkeys(self.events):  # each kind once, in order
            action = self._caller.get(_FP_ERROR_KEYS.get(kind, ""), "warn")
            message = f"{kind} encountered while computing the loss"
            if action == "raise":
                raise FloatingPointError(message)
            if action in ("warn", "print", "log"):
                warnings.warn(message, RuntimeWarning, stacklevel=2)


def check_loss_inputs(W, X, y, reg, scan_X=True):
    """Validate the arguments of every loss ``f(W, X, y, reg)`` and return ``reg`` as a float.

    Everything but the NaN/inf scan of ``X`` costs O(N + D * C). With
    ``scan_X=False`` that O(N * D) scan is left to :func:`check_loss_result`,
    which runs it only when the result is not finite, so the messages are the
    same either way.

    Parameters
    ----------
    W : ndarray of shape (D, C)
        Weights, float dtype, finite.
    X : ndarray of shape (N, D)
        Data, float dtype, finite, N >= 1.
    y : ndarray of shape (N,)
        Integer labels in [0, C).
    reg : float
        Regularization strength, finite and >= 0.
    scan_X : bool
        Scan ``X`` for NaN/inf now (True) or leave it to :class:`DeferredInputScan`.

    Returns
    -------
    reg : float

    Raises
    ------
    ValueError
        Naming the offending argument and the shapes it got.
    """
    check_float_matrix(W, "W")
    if not isinstance(X, np.ndarray) or X.ndim != 2 or X.shape[1] != W.shape[0]:
        raise ValueError(f"X must be a 2-D array of shape (N, {W.shape[0]}) to match W of shape "
                         f"{W.shape}, got {_describe(X)}; pass X with one row per example "
                         f"and D = W.shape[0] columns.")
    check_labels(y, X.shape[0], W.shape[1])
    check_float_matrix(X, "X", finite=scan_X)
    try:
        return check_reg(reg)
    except ValueError:
        if not scan_X:
            check_float_matrix(X, "X")  # a non-finite X is reported before reg, as with scan_X=True
        raise


def checks_penalty_inputs(penalty):
    """Decorate a penalty ``penalty(W, reg[, l1_ratio]) -> (value, dW)``: its arguments are checked first.

    ``W`` must be a finite float matrix, ``reg`` a finite number >= 0 and the
    elastic net's ``l1_ratio`` (its third argument) a number in [0, 1].
    """
    @functools.wraps(penalty)
    def checked(W, reg, *args, **kwargs):
        check_float_matrix(W, "W")
        reg = check_reg(reg)
        if args or kwargs:
            l1_ratio = args[0] if args else kwargs.get("l1_ratio")
            if not isinstance(l1_ratio, numbers.Real) or not 0.0 <= l1_ratio <= 1.0:
                raise ValueError(f"l1_ratio must lie in [0, 1], got {l1_ratio!r}; "
                                 f"pass the fraction of the penalty that is L1.")
        return penalty(W, reg, *args, **kwargs)

    return checked


def checks_max_norm_inputs(project):
    """Decorate ``project(W, max_norm) -> W_projected``: a finite float ``W`` and a finite ``max_norm`` > 0."""
    @functools.wraps(project)
    def checked(W, max_norm):
        check_float_matrix(W, "W")
        if not isinstance(max_norm, numbers.Real) or not np.isfinite(max_norm) or max_norm <= 0:
            raise ValueError(f"max_norm must be a finite number > 0, got {max_norm!r}; "
                             f"pass the largest allowed norm of a class column, such as 3.0.")
        return project(W, max_norm)

    return checked


def checks_loss_inputs(loss):
    """Decorate a loss ``f(W, X, y, reg) -> (loss, dW)``: its arguments are checked before it runs.

    The loss's own body then holds only the lesson; a bad argument raises the
    ValueError of :func:`check_loss_inputs` and the loss never runs.
    """
    @functools.wraps(loss)
    def checked(W, X, y, reg):
        reg = check_loss_inputs(W, X, y, reg)
        return loss(W, X, y, reg)

    return checked


def checks_loss_inputs_lazily(loss):
    """Like :func:`checks_loss_inputs`, with the O(N * D) NaN/inf scan of ``X`` left for last.

    For the vectorized losses, whose speed is measured against a matrix
    product: everything but that scan runs first (O(N + D * C)); the loss then
    runs under a :class:`DeferredInputScan`, which scans ``X`` only when the
    result is not finite or a floating-point event was recorded, so a bad
    ``X`` gives the same message as the scan up front.
    """
    @functools.wraps(loss)
    def checked(W, X, y, reg):
        reg = check_loss_inputs(W, X, y, reg, scan_X=False)
        with DeferredInputScan(X) as scan:
            value, dW = loss(W, X, y, reg)
        scan.check(value, dW)
        return value, dW

    return checked


def random_source(seed, name="seed"):
    """Return where random draws come from, following CS231n's habit.

    ``None`` gives the ``numpy.random`` module itself, i.e. NumPy's global
    generator, so ``np.random.seed(231)`` at the top of a notebook reproduces
    the run; an int gives a fresh ``numpy.random.default_rng(seed)``; a
    ``Generator`` or ``RandomState`` is used as it is. Every source offers
    ``choice(n, size, replace)`` and ``standard_normal(shape)``.

    Parameters
    ----------
    seed : None, int, numpy.random.Generator or numpy.random.RandomState
    name : str
        The argument's name, for the error message.
    """
    if seed is None:
        return np.random
    if isinstance(seed, (np.random.Generator, np.random.RandomState)):
        return seed
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool) and seed >= 0:
        return np.random.default_rng(int(seed))
    raise ValueError(f"{name} must be None, a non-negative int or a numpy Generator, got {seed!r}; "
                     f"pass e.g. {name}=0, or None to use np.random's global generator.")


# ------------------------------------------------------------ update rules

# Hyperparameters an update rule may receive and the interval each must lie in:
# key -> (low, high, low_inclusive).
_HYPERPARAMETER_RANGES = {
    "learning_rate": (0.0, math.inf, False),
    "momentum": (0.0, 1.0, True),
    "decay_rate": (0.0, 1.0, True),
    "beta1": (0.0, 1.0, True),
    "beta2": (0.0, 1.0, True),
    "epsilon": (0.0, math.inf, False),
    "weight_decay": (0.0, math.inf, True),
}


def check_hyperparameter(key, value):
    """Raise ValueError unless ``config[key]`` is a finite real number in its allowed interval."""
    low, high, low_inclusive = _HYPERPARAMETER_RANGES[key]
    is_number = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if not is_number or not math.isfinite(value):
        raise ValueError(f"config['{key}'] must be a finite number, got {value!r}; pass a float.")
    above_low = value >= low if low_inclusive else value > low
    if not (above_low and value < high):
        bracket = "[" if low_inclusive else "("
        raise ValueError(f"config['{key}'] must lie in {bracket}{low}, {high}), got {value!r}; "
                         f"choose a value in that interval.")


def check_optim_config(config):
    """Check that ``config`` is None or a dict whose known hyperparameters lie in their intervals."""
    if config is not None and not isinstance(config, dict):
        raise ValueError(f"config must be a dict or None, got {type(config).__name__}; "
                         f"pass a dict of hyperparameters.")
    for key, value in (config or {}).items():
        if key in _HYPERPARAMETER_RANGES:
            check_hyperparameter(key, value)


def check_update_inputs(w, dw, config):
    """Check the arguments of an update rule ``rule(w, dw, config)`` before it runs.

    Hyperparameters the caller set must lie in their intervals (the defaults a
    rule fills in do); state arrays left in ``config`` must have the shape of ``w``.

    Parameters
    ----------
    w : ndarray of any shape S
    dw : ndarray of shape S
    config : dict or None
    """
    check_optim_config(config)
    if np.shape(w) != np.shape(dw):
        raise ValueError(f"dw must have the shape of w {np.shape(w)}, got {np.shape(dw)}; "
                         f"pass the gradient of the loss with respect to w.")
    for key, value in (config or {}).items():
        if isinstance(value, np.ndarray) and value.shape != np.shape(w):
            raise ValueError(f"config['{key}'] has shape {value.shape} but w has shape {np.shape(w)}; "
                             f"delete the stale state from config or pass a fresh config.")


def checked_update(rule):
    """Return ``rule`` with its arguments checked by :func:`check_update_inputs` on every call.

    What the entry points (``LinearClassifier.train``, ``Solver``, the search in
    :mod:`cs231n_lib.course.tuning`) get from ``optim.get_update_rule``: the rules
    themselves hold only their update.
    """
    @functools.wraps(rule)
    def checked(w, dw, config=None):
        check_update_inputs(w, dw, config)
        return rule(np.asarray(w), np.asarray(dw), config)

    return checked


# ------------------------------------------------------------ layers
# One check per layer function, applied by the decorator `checked_by` in layers.py,
# so every layer's body holds only its lesson. The layers check types and shapes,
# not NaN or inf: a network whose activations blow up is a lesson of the
# babysitting notebook, and the Solver reports it.


def checked_by(check, by_name=False):
    """Decorate a function so that ``check`` runs first (and raises ValueError) on every call.

    ``check`` takes the function's arguments as they are passed (its parameters
    have the function's names). With ``by_name`` it receives every argument by
    name, defaults filled in (``self`` too, for a method), and may ignore the
    rest with ``**_``: for functions with many parameters that are called once
    (a constructor, ``train``), as binding costs a few microseconds per call.
    """
    def decorate(function):
        signature = inspect.signature(function)

        @functools.wraps(function)
        def checked(*args, **kwargs):
            if by_name:
                bound = signature.bind(*args, **kwargs)
                bound.apply_defaults()
                check(**bound.arguments)
            else:
                check(*args, **kwargs)
            return function(*args, **kwargs)

        return checked

    return decorate


def check_float_array(x, name, ndim=None, min_ndim=None):
    """Raise ValueError unless ``x`` is a float ndarray with ``ndim`` (or at least ``min_ndim``) axes."""
    if not isinstance(x, np.ndarray) or not np.issubdtype(x.dtype, np.floating):
        raise ValueError(f"{name} must be a float numpy array, got {_describe(x)}; "
                         f"convert it with np.asarray({name}, dtype=np.float64).")
    if ndim is not None and x.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} axes, got {_describe(x)}; "
                         f"pass an array of {ndim} axes.")
    if min_ndim is not None and x.ndim < min_ndim:
        raise ValueError(f"{name} must have at least {min_ndim} axes (N, ...), got {_describe(x)}; "
                         f"put the examples along the first axis.")


def _same_shape(a, a_name, b, b_name):
    """Raise ValueError unless ``a`` is a float array of the shape of ``b``."""
    check_float_array(a, a_name)
    if a.shape != np.shape(b):
        raise ValueError(f"{a_name} must have the shape of {b_name} {np.shape(b)}, got {_describe(a)}; "
                         f"pass the upstream gradient of this layer's output.")


def _vector(v, name, length):
    """Raise ValueError unless ``v`` is a float array of shape (length,)."""
    check_float_array(v, name)
    if v.shape != (length,):
        raise ValueError(f"{name} must have shape ({length},), got {_describe(v)}; "
                         f"pass one value per feature.")


def _mode(param, name):
    """Raise ValueError unless ``param`` is a dict whose 'mode' is 'train' or 'test'."""
    if not isinstance(param, dict):
        raise ValueError(f"{name} must be a dict, got an object of type {type(param).__name__}; "
                         f"pass a dict such as {{'mode': 'train'}}.")
    if param.get("mode") not in ("train", "test"):
        raise ValueError(f"{name}['mode'] must be 'train' or 'test', got {param.get('mode')!r}; "
                         f"set it before the forward pass.")


def _eps(param, name):
    """Raise ValueError unless ``param['eps']``, when given, is a finite number > 0."""
    eps = param.get("eps", 1e-5)
    if not isinstance(eps, numbers.Real) or isinstance(eps, bool) or not np.isfinite(eps) or eps <= 0:
        raise ValueError(f"{name}['eps'] must be a finite number > 0, got {eps!r}; use 1e-5.")


def check_affine_forward(x, w, b):
    """x (N, d_1, ..., d_k) float, w (D, M) with D = d_1 * ... * d_k, b (M,)."""
    check_float_array(x, "x", min_ndim=2)
    check_float_array(w, "w", ndim=2)
    num_features = int(np.prod(x.shape[1:]))
    if w.shape[0] != num_features:
        raise ValueError(f"w must have one row per input feature, got w of shape {w.shape} for x of "
                         f"shape {x.shape} (D = {num_features}); pass w of shape ({num_features}, M).")
    _vector(b, "b", w.shape[1])


def check_affine_backward(dout, cache, compute_dx=True):
    """dout (N, M) for the cache ``(x, w, b)`` of affine_forward."""
    x, w, _ = cache
    if not isinstance(dout, np.ndarray) or dout.shape != (x.shape[0], w.shape[1]):
        raise ValueError(f"dout must have shape {(x.shape[0], w.shape[1])} (the output of the "
                         f"forward pass), got {_describe(dout)}; pass the upstream gradient.")


def check_activation_forward(x, alpha=0.0):
    """x a float array of any shape; ``alpha`` (leaky ReLU, ELU) a finite number >= 0."""
    check_float_array(x, "x")
    if not isinstance(alpha, numbers.Real) or isinstance(alpha, bool) or not np.isfinite(alpha) or alpha < 0:
        raise ValueError(f"alpha must be a finite number >= 0, got {alpha!r}; pass a float such as 0.01.")


def check_activation_backward(dout, cache):
    """dout of the shape of the forward pass: its input or output (the cache, or the cache's first item)."""
    forward = cache[0] if isinstance(cache, tuple) else cache
    _same_shape(dout, "dout", forward, "the forward pass's input")


def check_dropout_forward(x, dropout_param):
    """x float; dropout_param a dict with 'mode' and the keep probability 'p' in (0, 1]."""
    check_float_array(x, "x")
    _mode(dropout_param, "dropout_param")
    p = dropout_param.get("p")
    if not isinstance(p, numbers.Real) or isinstance(p, bool) or not 0 < p <= 1:
        raise ValueError(f"dropout_param['p'] must be the keep probability in (0, 1], got {p!r}; "
                         f"pass e.g. 0.5 (1 keeps every unit).")


def check_dropout_backward(dout, cache):
    """dout float, of the shape of the training-mode mask when there is one."""
    _, mask = cache
    check_float_array(dout, "dout")
    if mask is not None and dout.shape != mask.shape:
        raise ValueError(f"dout must have the shape of the forward input {mask.shape}, got "
                         f"{_describe(dout)}; pass the upstream gradient of this layer's output.")


def _norm_inputs(x, gamma, beta):
    """x (N, D) float with N >= 1, gamma and beta (D,)."""
    check_float_array(x, "x", ndim=2)
    if x.shape[0] == 0:
        raise ValueError("x must hold at least one example, got N = 0; pass a non-empty batch.")
    _vector(gamma, "gamma", x.shape[1])
    _vector(beta, "beta", x.shape[1])


def check_batchnorm_forward(x, gamma, beta, bn_param):
    """x (N, D), gamma and beta (D,); bn_param: 'mode', 'eps' > 0, 'momentum' in [0, 1], running stats (D,)."""
    _norm_inputs(x, gamma, beta)
    _mode(bn_param, "bn_param")
    _eps(bn_param, "bn_param")
    momentum = bn_param.get("momentum", 0.9)
    if not isinstance(momentum, numbers.Real) or isinstance(momentum, bool) or not 0 <= momentum <= 1:
        raise ValueError(f"bn_param['momentum'] must be in [0, 1], got {momentum!r}; use 0.9.")
    for key in ("running_mean", "running_var"):
        if key in bn_param:
            _vector(bn_param[key], f"bn_param['{key}']", x.shape[1])


def check_layernorm_forward(x, gamma, beta, ln_param):
    """x (N, D), gamma and beta (D,); ln_param a dict with 'eps' > 0 when given."""
    _norm_inputs(x, gamma, beta)
    if not isinstance(ln_param, dict):
        raise ValueError(f"ln_param must be a dict, got an object of type {type(ln_param).__name__}; "
                         f"pass {{}} or {{'eps': 1e-5}}.")
    _eps(ln_param, "ln_param")


def check_norm_backward(dout, cache):
    """dout (N, D) float, and a cache from a training-mode forward pass (its layout is the forward's choice)."""
    if cache is None:
        raise ValueError("cache is None (a test-mode forward pass keeps nothing); run the forward "
                         "pass with mode 'train' before the backward pass.")
    check_float_array(dout, "dout", ndim=2)


def check_scores(x, y):
    """The inputs of a loss on scores: x (N, C) float, y (N,) integer labels in [0, C)."""
    check_float_array(x, "x", ndim=2)
    if not isinstance(y, np.ndarray) or y.ndim != 1 or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"y must be a 1-D integer array of labels, got {_describe(y)}; "
                         f"pass an ndarray of shape (N,) with an integer dtype.")
    if y.shape[0] != x.shape[0] or x.shape[0] == 0:
        raise ValueError(f"y must hold one label per row of x (N >= 1), got y of shape {y.shape} "
                         f"for x of shape {x.shape}; pass matching scores and labels.")
    if y.min() < 0 or y.max() >= x.shape[1]:
        raise ValueError(f"y must hold labels in [0, {x.shape[1]}), got labels from {y.min()} to "
                         f"{y.max()}; check the labels or the number of classes.")


# ------------------------------------------------------------ networks

NORMALIZATIONS = (None, "batchnorm", "layernorm")


def check_positive_int(value, name, example):
    """Raise ValueError unless ``value`` is an int >= 1 (bool excluded); ``example`` shows a good value."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}; pass {example}.")


def check_two_layer_net(self, input_dim, hidden_dim, num_classes, reg, **_):
    """The sizes (positive ints) and ``reg`` (finite, >= 0) of a TwoLayerNet."""
    for value, name in ((input_dim, "input_dim"), (hidden_dim, "hidden_dim"), (num_classes, "num_classes")):
        check_positive_int(value, name, "a layer width such as 100")
    check_reg(reg)


def check_fully_connected_net(self, hidden_dims, input_dim, num_classes, dropout_keep_ratio, normalization, reg,
                              dtype, **_):
    """The sizes, keep probability, normalization, ``reg`` and dtype of a FullyConnectedNet."""
    if isinstance(hidden_dims, (str, bytes)) or not hasattr(hidden_dims, "__len__"):
        raise ValueError(f"hidden_dims must be a list of layer widths, got {hidden_dims!r}; "
                         f"pass e.g. [100, 100].")
    for value in hidden_dims:
        check_positive_int(value, "each entry of hidden_dims", "a layer width such as 100")
    check_positive_int(input_dim, "input_dim", "a layer width such as 100")
    check_positive_int(num_classes, "num_classes", "a layer width such as 100")
    if (not isinstance(dropout_keep_ratio, numbers.Real) or isinstance(dropout_keep_ratio, bool)
            or not 0 < dropout_keep_ratio <= 1):
        raise ValueError(f"dropout_keep_ratio must be a keep probability in (0, 1], got "
                         f"{dropout_keep_ratio!r}; pass 1 for no dropout or e.g. 0.5.")
    if normalization not in NORMALIZATIONS:
        raise ValueError(f"normalization must be None, 'batchnorm' or 'layernorm', got "
                         f"{normalization!r}; pick one of those.")
    if not np.issubdtype(np.dtype(dtype), np.floating):
        raise ValueError(f"dtype must be a floating dtype, got {dtype!r}; pass np.float32 or np.float64.")
    check_reg(reg)


def check_net_loss(self, X, y=None):
    """The arguments of a network's ``loss(X, y=None)``: X (N, d_1, ..., d_k) with D = input_dim, y (N,) or None."""
    input_dim, num_classes = self.input_dim, self.num_classes
    if not isinstance(X, np.ndarray) or X.ndim < 2 or int(np.prod(X.shape[1:])) != input_dim:
        raise ValueError(f"X must be an array of shape (N, ...) with {input_dim} features per example, "
                         f"got {_describe(X)}; pass a minibatch the model was built for.")
    if not np.issubdtype(X.dtype, np.floating):
        raise ValueError(f"X must have a float dtype, got {_describe(X)}; convert it with X.astype(np.float32).")
    if y is not None:
        if not isinstance(y, np.ndarray) or y.shape != (X.shape[0],) or not np.issubdtype(y.dtype, np.integer):
            raise ValueError(f"y must be an integer array of shape ({X.shape[0]},), got {_describe(y)}; "
                             f"pass one integer label per example.")
        if X.shape[0] > 0 and (y.min() < 0 or y.max() >= num_classes):
            raise ValueError(f"y must hold labels in [0, {num_classes}), got labels from {y.min()} to "
                             f"{y.max()}; check the labels or num_classes.")
    check_reg(self.reg)


# ------------------------------------------------------------ the linear classifiers


def check_train(self, X, y, learning_rate, reg, num_iters, batch_size, replace, optim_config, lr_schedule,
                max_norm, print_every, on_divergence="warn", **_):
    """The arguments of ``LinearClassifier.train``, all checked before anything is drawn or written (a train
    made against an earlier release, without ``on_divergence``, is checked as if it warned)."""
    if self.data_loss is None:
        raise NotImplementedError("LinearClassifier has no loss; train a LinearSVM or a Softmax instead.")
    check_float_matrix(X, "X")
    check_labels(y, X.shape[0])
    check_reg(reg)
    if not isinstance(learning_rate, numbers.Real) or not np.isfinite(learning_rate) or learning_rate <= 0:
        raise ValueError(f"learning_rate must be a finite number > 0, got {learning_rate!r}; pass e.g. 1e-7.")
    check_positive_int(num_iters, "num_iters", "e.g. 1500")
    check_positive_int(batch_size, "batch_size", "e.g. 200")
    check_positive_int(print_every, "print_every", "e.g. 100")
    if not replace and batch_size > X.shape[0]:
        raise ValueError(f"batch_size must be at most N = {X.shape[0]} when replace=False, got "
                         f"{batch_size}; lower batch_size or sample with replace=True.")
    if optim_config is not None and "learning_rate" in optim_config:
        raise ValueError("optim_config must not contain 'learning_rate', got "
                         f"{optim_config['learning_rate']!r}; pass it as train(..., learning_rate=...) instead.")
    check_optim_config(optim_config)
    if lr_schedule is not None and not callable(lr_schedule):
        raise ValueError(f"lr_schedule must be a callable t -> multiplier or None, got {lr_schedule!r}; "
                         f"use one from cs231n_lib.course.schedules.")
    if max_norm is not None and (not isinstance(max_norm, numbers.Real) or not np.isfinite(max_norm)
                                 or max_norm <= 0):
        raise ValueError(f"max_norm must be a finite number > 0, got {max_norm!r}; "
                         f"pass the largest allowed norm of a class column, such as 3.0.")
    if on_divergence not in ON_DIVERGENCE:
        raise ValueError(f"on_divergence must be 'warn' or 'raise', got {on_divergence!r}; "
                         f"pass on_divergence='raise' to stop a tuning loop at the first diverging run.")
    num_classes = int(y.max()) + 1
    if self.W is not None and (self.W.shape[0] != X.shape[1] or self.W.shape[1] < num_classes):
        raise ValueError(f"X and y do not fit the existing W of shape {self.W.shape}: got X of shape "
                         f"{X.shape} and labels up to {num_classes - 1}; train a new classifier.")


def check_predict(self, X):
    """A trained classifier, and X (N, D) float with D = W.shape[0]."""
    if self.W is None:
        raise ValueError(f"{type(self).__name__} has no weights yet (W is None); call train() or load() first.")
    check_float_matrix(X, "X")
    if X.shape[1] != self.W.shape[0]:
        raise ValueError(f"X must have D = {self.W.shape[0]} columns to match W of shape {self.W.shape}, "
                         f"got X of shape {X.shape}; pass data preprocessed like the training set.")
