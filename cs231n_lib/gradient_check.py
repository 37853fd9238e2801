"""Numerical gradients by centered differences, and the relative error used to compare them.

This module only ever calls the function it is given, so it is an oracle
independent of the losses it checks. The centered difference

    df/dx_k ~ (f(x + h e_k) - f(x - h e_k)) / (2 h)

has error O(h^2) for smooth f; in float64 ``h = 1e-5`` balances that against
rounding. Float32 inputs need a much larger ``h`` (around 1e-2) to say anything.
"""

import numbers

import numpy as np

from .course._checks import random_source


def _check_point(x, h):
    """Raise ValueError unless ``x`` is a float ndarray we can perturb and ``h`` > 0."""
    if not isinstance(x, np.ndarray) or not np.issubdtype(x.dtype, np.floating):
        got = f"dtype {x.dtype}" if isinstance(x, np.ndarray) else f"type {type(x).__name__}"
        raise ValueError(f"x must be a float numpy array (it is perturbed in place), got {got}; "
                         f"convert it with x.astype(np.float64).")
    if not isinstance(h, numbers.Real) or not np.isfinite(h) or h <= 0:
        raise ValueError(f"h must be a finite step > 0, got {h!r}; use 1e-5 for float64.")


def _values_around(f, x, ix, h):
    """Return ``(f(x + h e_ix), f(x - h e_ix))``, perturbing ``x[ix]`` in place and always restoring it."""
    old_value = x[ix]
    try:
        x[ix] = old_value + h
        f_plus = f(x)
        x[ix] = old_value - h
        f_minus = f(x)
    finally:
        x[ix] = old_value
    return f_plus, f_minus


def eval_numerical_gradient(f, x, verbose=True, h=1e-5):
    """Gradient of a scalar function at ``x`` by centered differences over every entry.

    ``x`` is perturbed in place one entry at a time and restored afterwards
    (also when ``f`` raises).

    Parameters
    ----------
    f : callable
        ``f(x) -> float``, a scalar function of one array.
    x : ndarray of any shape S
        The point, float dtype.
    verbose : bool
        Print each index and its partial derivative.
    h : float
        The step.

    Returns
    -------
    grad : ndarray of shape S
    """
    _check_point(x, h)
    grad = np.zeros_like(x)
    for ix in np.ndindex(x.shape):
        f_plus, f_minus = _values_around(f, x, ix, h)
        grad[ix] = (f_plus - f_minus) / (2 * h)
        if verbose:
            print(ix, grad[ix], flush=True)
    return grad


def eval_numerical_gradient_array(f, x, df, h=1e-5):
    """Numerical gradient of ``sum(f(x) * df)``: backpropagate an upstream gradient through f.

    Parameters
    ----------
    f : callable
        ``f(x) -> ndarray of shape T``.
    x : ndarray of any shape S
        The point, float dtype; perturbed in place and restored.
    df : ndarray of shape T
        Upstream gradient, the derivative of some scalar with respect to ``f(x)``.
    h : float
        The step.

    Returns
    -------
    grad : ndarray of shape S
    """
    _check_point(x, h)
    df = np.asarray(df)
    grad = np.zeros_like(x)
    def f_copy(z):
        return np.array(f(z), copy=True)  # copy: f may return a view of x, changed by the next step

    for ix in np.ndindex(x.shape):
        out_plus, out_minus = _values_around(f_copy, x, ix, h)
        if out_plus.shape != df.shape:
            raise ValueError(f"df must have the shape of f(x), got df of shape {df.shape} and "
                             f"f(x) of shape {out_plus.shape}; pass an upstream gradient like f(x).")
        grad[ix] = np.sum((out_plus - out_minus) * df) / (2 * h)
    return grad


def rel_error(x, y):
    """Largest elementwise relative error ``|x - y| / max(1e-8, |x| + |y|)``.

    The denominator is floored at 1e-8, so two zeros compare as error 0 and
    nothing is ever divided by zero.

    Parameters
    ----------
    x : ndarray of any shape S, or a scalar
    y : ndarray of shape S, or a scalar

    Returns
    -------
    error : float
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.shape != y.shape:
        raise ValueError(f"x and y must have the same shape, got {x.shape} and {y.shape}; "
                         f"compare arrays of one shape.")
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y)), initial=0.0))


def grad_check_sparse(f, x, analytic_grad, num_checks=10, h=1e-5, seed=None, verbose=True):
    """Compare an analytic gradient with centered differences at a few random entries.

    Parameters
    ----------
    f : callable
        ``f(x) -> float``.
    x : ndarray of any shape S
        The point, float dtype; perturbed in place and restored.
    analytic_grad : ndarray of shape S
        The gradient to check.
    num_checks : int
        How many entries to sample (with replacement).
    h : float
        The step.
    seed : int, numpy.random.Generator or None
        Chooses the entries; the same seed checks the same entries. None (the
        default) draws from NumPy's global generator, so ``np.random.seed(...)``
        before the call chooses the same entries again, as in CS231n.
    verbose : bool
        Print one line per check: numerical, analytic, relative error.

    Returns
    -------
    errors : ndarray of shape (num_checks,)
        The relative error of each check (see :func:`rel_error`).
    """
    _check_point(x, h)
    analytic_grad = np.asarray(analytic_grad)
    if analytic_grad.shape != x.shape:
        raise ValueError(f"analytic_grad must have the shape of x, got {analytic_grad.shape} "
                         f"for x of shape {x.shape}; pass the gradient of f at x.")
    if x.size == 0:
        raise ValueError(f"x must have at least one entry to check, got shape {x.shape}; pass a non-empty array.")
    if isinstance(num_checks, bool) or not isinstance(num_checks, numbers.Integral) or num_checks < 1:
        raise ValueError(f"num_checks must be a positive integer, got {num_checks!r}; pass e.g. 10.")
    rng = random_source(seed)
    errors = np.empty(num_checks)
    for k in range(num_checks):
        ix = tuple(int(rng.choice(n)) for n in x.shape)
        f_plus, f_minus = _values_around(f, x, ix, h)
        grad_numerical = (f_plus - f_minus) / (2 * h)
        grad_analytic = analytic_grad[ix]
        errors[k] = rel_error(grad_numerical, grad_analytic)
        if verbose:
            print(f"numerical: {grad_numerical:f} analytic: {grad_analytic:f}, "
                  f"relative error: {errors[k]:e}", flush=True)
    return errors
