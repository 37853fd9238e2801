"""Beyond first-order steps: Newton's method, L-BFGS, and random search as the baseline.

Letters: N examples, D features (3073 with the bias column), C classes;
W is (D, C), X is (N, D), y is (N,) integers in [0, C). P is the number of
parameters of a generic function (2 for the landscapes).

A loss function here has the CS231n signature ``loss_fn(W, X, y, reg) -> (loss, dW)``,
e.g. ``cs231n_lib.classifiers.softmax.softmax_loss_vectorized``.

* Newton's method uses the curvature (Hessian): on a quadratic one step lands
  exactly on the minimum, with no learning rate. It needs P x P memory and an
  O(P^3) solve, impossible for millions of parameters.
* L-BFGS builds a cheap curvature estimate from the last few gradients. It works
  well in full batch (deterministic) mode, as here, but not with noisy minibatches.
* Random search is the lecture's strawman: about 15.5% accuracy on CIFAR-10.
"""

import numbers

import numpy as np
import scipy.optimize
import scipy.linalg


def newton_step(grad, hess, x):
    """One Newton step: ``x - H^{-1} g``, computed with a linear solve.

    Parameters
    ----------
    grad : ndarray of shape (P,)
        Gradient at ``x``.
    hess : ndarray of shape (P, P)
        Hessian at ``x``; must be invertible.
    x : ndarray of shape (P,)
        Current point.

    Returns
    -------
    next_x : ndarray of shape (P,)

    Raises
    ------
    ValueError
        If the shapes do not fit, or if ``hess`` is singular: then the
        message starts with "hess is singular" (catch numpy's
        ``np.linalg.LinAlgError`` from the solve and raise this instead).
    """
    x = np.asarray(x, dtype=float)
    grad = np.asarray(grad, dtype=float)
    hess = np.asarray(hess, dtype=float)
    P = x.shape[0] if x.ndim == 1 else None
    if P is None or grad.shape != (P,) or hess.shape != (P, P):
        raise ValueError(
            f"x, grad and hess must have shapes (P,), (P,), (P, P), got {x.shape}, {grad.shape}, {hess.shape}; "
            f"flatten the parameters into a vector."
        )
    # TODO: solve hess @ step = grad for the step (do not invert hess), and move against it. If the
    # solve raises np.linalg.LinAlgError, raise ValueError("hess is singular at x = ...; ...") instead.
    if np.linalg.matrix_rank(hess) < P:
        raise ValueError(f"hess is singular (rank {np.linalg.matrix_rank(hess)} < {P}); Newton's method needs "
                         f"an invertible Hessian, so start elsewhere or use lbfgs_train.")
    lu_piv = scipy.linalg.lu_factor(hess)          # LU of (P, P), no inverse formed
    next_x = x + scipy.linalg.lu_solve(lu_piv, -grad)
    return next_x


def newton_method(grad_fn, hess_fn, x0, num_steps):
    """Repeat :func:`newton_step` from ``x0``.

    Parameters
    ----------
    grad_fn : callable
        ``x (P,) -> gradient (P,)``, e.g. ``landscape.gradient``.
    hess_fn : callable
        ``x (P,) -> Hessian (P, P)``, e.g. ``landscape.hessian``.
    x0 : ndarray of shape (P,)
        Starting point.
    num_steps : int
        Number of steps k, >= 0.

    Returns
    -------
    trajectory : ndarray of shape (k + 1, P)
        ``x0`` followed by the point after each step.
    """
    _check_count("num_steps", num_steps, allow_zero=True)
    x = np.asarray(x0, dtype=float)
    trajectory = [x]
    for _ in range(num_steps):
        x = newton_step(grad_fn(x), hess_fn(x), x)
        trajectory.append(x)
    return np.array(trajectory)  # (k + 1, P)


def _check_count(name, value, allow_zero=False):
    low = 0 if allow_zero else 1
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}.")


def _check_data(X, y):
    """Validate X (N, D) and y (N,) and return them with the number of classes C = max(y) + 1."""
    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim != 2 or y.shape != (X.shape[0],):
        raise ValueError(
            f"X must have shape (N, D) and y shape (N,), got {X.shape} and {y.shape}; "
            f"reshape the images into rows (with the bias column)."
        )
    if not np.issubdtype(y.dtype, np.integer) or y.size == 0 or y.min() < 0:
        raise ValueError(f"y must be a non-empty array of integer labels >= 0, got dtype {y.dtype}; pass class indices.")
    return X, y, int(y.max()) + 1


def lbfgs_train(loss_fn, X, y, reg, W0=None, max_iter=100, seed=0, return_evaluations=False):
    """Minimize the full-batch loss over W with L-BFGS (``scipy.optimize.minimize``).

    Parameters
    ----------
    loss_fn : callable
        ``loss_fn(W, X, y, reg) -> (loss, dW)`` with W of shape (D, C).
    X : ndarray of shape (N, D)
        Training data, one example per row.
    y : ndarray of shape (N,)
        Integer labels in [0, C).
    reg : float
        Regularization strength passed to ``loss_fn``.
    W0 : ndarray of shape (D, C) or None
        Starting weights; ``None`` draws ``1e-4 * standard normal`` with C = max(y) + 1.
    max_iter : int
        Maximum number of L-BFGS iterations (each may evaluate the loss more than once).
    seed : int or None
        Seed for ``W0`` when it is drawn.
    return_evaluations : bool
        Also return how many times ``loss_fn`` ran (each run is one pass over
        X), the number to compare with other methods' passes over the data.

    Returns
    -------
    W : ndarray of shape (D, C)
        Final weights.
    loss_history : ndarray of shape (num_iterations + 1,)
        Full-batch loss at ``W0``, then after each iteration.
    num_evaluations : int
        Only with ``return_evaluations=True``: calls of ``loss_fn``, the first
        one at ``W0`` included.
    """
    X, y, C = _check_data(X, y)
    _check_count("max_iter", max_iter)
    D = X.shape[1]
    if W0 is None:
        W0 = 1e-4 * np.random.default_rng(seed).standard_normal((D, C))
    W0 = np.asarray(W0, dtype=float)
    if W0.ndim != 2 or W0.shape[0] != D or W0.shape[1] < C:
        raise ValueError(f"W0 must have shape ({D}, C) with C >= {C}, got {W0.shape}; match X's columns.")
    shape = W0.shape

    last = {}  # the most recent evaluation, so the callback need not recompute it
    calls = [0]  # evaluations of loss_fn

    def objective(w_flat):  # w_flat (D * C,)
        calls[0] += 1
        loss, dW = loss_fn(w_flat.reshape(shape), X, y, reg)  # dW (D, C)
        last["w"], last["loss"] = w_flat.copy(), float(loss)
        return float(loss), np.asarray(dW, dtype=float).ravel()  # (D * C,)

    loss_history = [objective(W0.ravel())[0]]

    def record(w_flat):
        if "w" in last and np.array_equal(w_flat, last["w"]):
            loss_history.append(last["loss"])
        else:
            loss_history.append(objective(w_flat)[0])

    result = scipy.optimize.minimize(
        objective, W0.ravel(), method="L-BFGS-B", jac=True, callback=record, options={"maxiter": max_iter}
    )
    if return_evaluations:
        return result.x.reshape(shape), np.array(loss_history), calls[0]
    return result.x.reshape(shape), np.array(loss_history)  # (D, C), (num_iterations + 1,)


def random_search(loss_fn, X, y, num_tries=100, scale=1e-4, seed=0, reg=0.0):
    """The lecture's baseline: try random W, keep the one with the lowest loss.

    Parameters
    ----------
    loss_fn : callable
        ``loss_fn(W, X, y, reg) -> (loss, dW)``; only the loss is used.
    X : ndarray of shape (N, D)
        Data, one example per row.
    y : ndarray of shape (N,)
        Integer labels in [0, C), C = max(y) + 1.
    num_tries : int
        Number of random weight matrices, > 0.
    scale : float
        Standard deviation of the entries of each W, > 0.
    seed : int or None
        Seed of the generator.
    reg : float
        Regularization strength passed to ``loss_fn``.

    Returns
    -------
    best_W : ndarray of shape (D, C)
    best_loss : float
    history : ndarray of shape (num_tries,)
        Loss of each try, in order (``np.minimum.accumulate(history)`` is the best so far).
    """
    X, y, C = _check_data(X, y)
    _check_count("num_tries", num_tries)
    if not (np.isfinite(scale) and scale > 0):
        raise ValueError(f"scale must be a finite number > 0, got {scale!r}; try 1e-4.")
    rng = np.random.default_rng(seed)
    D = X.shape[1]
    history = np.empty(num_tries)
    best_W, best_loss = None, np.inf
    for i in range(num_tries):
        W = scale * rng.standard_normal((D, C))  # (D, C)
        history[i] = loss_fn(W, X, y, reg)[0]
        if history[i] < best_loss:
            best_W, best_loss = W, float(history[i])
    return best_W, best_loss, history
