"""BFGS on a small problem, with its path recorded: the quasi-Newton method run, not only described.

Letters: P is the number of parameters (2 for the landscapes of :mod:`cs231n_lib.course.landscapes`).

First-order methods (SGD, momentum, Adam: :mod:`cs231n_lib.optim`) use only the gradient.
Second-order methods also use the curvature: Newton's method the Hessian itself
(:mod:`cs231n_lib.second_order`), BFGS an estimate of its inverse, built from how the gradient
changes from step to step. BFGS keeps that estimate as a dense (P, P) matrix, so it is for
small P; L-BFGS (:func:`cs231n_lib.second_order.lbfgs_train`) keeps only the last few steps.

:func:`bfgs_path` runs SciPy's BFGS (``scipy.optimize.minimize(method="BFGS")``) and records
every iterate, its value, and how many times the function and its gradient had been evaluated by
then (the line search evaluates more than once per iteration sometimes), so its cost can be
compared with gradient descent's, one evaluation per step.
"""

import numbers

import numpy as np
import scipy.optimize


def bfgs_path(fn, x0, max_iter=200, gtol=1e-10):
    """Minimize ``fn`` with BFGS from ``x0`` and return every iterate.

    Parameters
    ----------
    fn : callable
        ``x (P,) -> (value, gradient (P,))``; a landscape object is one (``landscape(xy)``).
    x0 : ndarray of shape (P,)
        Starting point.
    max_iter : int
        Largest number of BFGS iterations, >= 1.
    gtol : float
        Stop when the largest gradient entry is below this, > 0.

    Returns
    -------
    path : ndarray of shape (k + 1, P)
        ``x0``, then the point after each of the k iterations.
    values : ndarray of shape (k + 1,)
        ``fn``'s value at each point of ``path``.
    evaluations : ndarray of shape (k + 1,)
        How many times ``fn`` had run when each point was reached (1 at ``x0``): the number to
        compare with the steps of gradient descent, which evaluates the gradient once per step.
    inverse_hessian : ndarray of shape (P, P)
        BFGS's final estimate of the inverse Hessian.
    """
    x0 = np.asarray(x0, dtype=float)
    if x0.ndim != 1 or x0.size == 0 or not np.all(np.isfinite(x0)):
        raise ValueError(f"x0 must be a finite point of shape (P,), got shape {x0.shape}; flatten the parameters.")
    if isinstance(max_iter, bool) or not isinstance(max_iter, numbers.Integral) or max_iter < 1:
        raise ValueError(f"max_iter must be an integer >= 1, got {max_iter!r}; try 200.")
    if not (isinstance(gtol, numbers.Real) and np.isfinite(gtol) and gtol > 0):
        raise ValueError(f"gtol must be a finite number > 0, got {gtol!r}; try 1e-10.")

    calls = [0]
    last = {}  # the most recent evaluation, so recording an iterate costs nothing extra
    path, values, evaluations = [x0], [], [1]  # SciPy's first evaluation is at x0

    def objective(x):  # x (P,)
        calls[0] += 1
        value, gradient = fn(x)
        last["x"], last["value"] = x.copy(), float(value)
        if not values:
            values.append(float(value))  # the value at x0
        return float(value), np.asarray(gradient, dtype=float)  # scalar, (P,)

    def record(x):  # called by SciPy after each iteration
        value = last["value"] if np.array_equal(x, last["x"]) else objective(x)[0]
        path.append(x.copy())
        values.append(value)
        evaluations.append(calls[0])

    result = scipy.optimize.minimize(objective, x0, jac=True, method="BFGS", callback=record,
                                     options={"maxiter": max_iter, "gtol": gtol})
    return np.array(path), np.array(values), np.array(evaluations), np.asarray(result.hess_inv)


def evaluations_to_reach(values, target, evaluations=None):
    """How many evaluations a run had spent when its value first fell to ``target`` or below.

    Parameters
    ----------
    values : ndarray of shape (k + 1,)
        The value at each point of a run (``bfgs_path``'s or ``landscapes.run_optimizer``'s).
    target : float
        The value to reach.
    evaluations : ndarray of shape (k + 1,) or None
        Evaluations spent when each point was reached (``bfgs_path``'s); None counts one per
        step, as gradient descent spends: point i after i gradient evaluations.

    Returns
    -------
    count : int
        The evaluations at the first point with ``values <= target``; when no point reaches it,
        one more than the run spent (a lower bound on what it would need).
    """
    values = np.asarray(values, dtype=float)
    if values.ndim != 1 or values.size == 0:
        raise ValueError(f"values must have shape (k + 1,) with k >= 0, got shape {values.shape}; pass one run's values.")
    evaluations = np.arange(values.size) if evaluations is None else np.asarray(evaluations)
    if evaluations.shape != values.shape:
        raise ValueError(f"evaluations must have the shape of values, {values.shape}, got {evaluations.shape}; "
                         f"pass the counts of the same run.")
    reached = np.flatnonzero(values <= target)  # (number of points at or below target,)
    return int(evaluations[reached[0]]) if reached.size else int(evaluations[-1]) + 1
