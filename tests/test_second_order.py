"""Tests for cs231n_lib.second_order: Newton against closed forms, L-BFGS against least squares and SGD."""

import numpy as np
import pytest

from cs231n_lib import second_order
from cs231n_lib.course import landscapes


def blobs(num_per_class=50, num_classes=3, dim=8, seed=0):
    """Overlapping Gaussian clusters with a bias column: X (N, dim + 1), y (N,)."""
    rng = np.random.default_rng(seed)
    centers = rng.standard_normal((num_classes, dim))  # (C, dim)
    y = np.repeat(np.arange(num_classes), num_per_class)  # (N,)
    X = centers[y] + rng.standard_normal((y.size, dim))  # (N, dim)
    return np.hstack([X, np.ones((y.size, 1))]), y  # (N, dim + 1)


def least_squares_loss(W, X, y, reg):
    """0.5 * mean ||X W - onehot(y)||^2 + reg * sum(W^2), with its gradient: an independent test loss."""
    Y = np.eye(W.shape[1])[y]  # (N, C)
    residual = X @ W - Y  # (N, C)
    loss = 0.5 * np.sum(residual**2) / X.shape[0] + reg * np.sum(W * W)
    dW = X.T @ residual / X.shape[0] + 2 * reg * W  # (D, C)
    return loss, dW


# --- Newton ---


def test_newton_lands_on_the_minimum_of_a_quadratic_in_one_step():
    A = np.array([[3.0, 1.0], [1.0, 50.0]])
    center = np.array([0.7, -1.3])
    fn = landscapes.Quadratic(A, center)
    trajectory = second_order.newton_method(fn.gradient, fn.hessian, np.array([-4.0, 2.5]), 1)
    assert trajectory.shape == (2, 2), f"one step from the start gives 2 points, got shape {trajectory.shape}"
    np.testing.assert_allclose(trajectory[1], center, rtol=0, atol=1e-12, err_msg=(
        "on a quadratic one Newton step x - H^-1 g lands exactly on the minimum; solve hess @ step = grad "
        "and subtract the step"))


def test_newton_step_in_higher_dimension_by_hand():
    # f(x) = 1/2 x^T diag(2, 4, 8) x - b^T x has its minimum at b / (2, 4, 8)
    H = np.diag([2.0, 4.0, 8.0])
    b = np.array([2.0, -4.0, 4.0])
    x = np.array([5.0, 5.0, 5.0])
    next_x = second_order.newton_step(H @ x - b, H, x)
    np.testing.assert_allclose(next_x, [1.0, -1.0, 0.5], rtol=0, atol=1e-12, err_msg=(
        "newton_step: x - solve(hess, grad) for H = diag(2, 4, 8) is b / (2, 4, 8) = (1, -1, 0.5)"))


def test_newton_converges_on_rosenbrock():
    fn = landscapes.Rosenbrock()
    trajectory = second_order.newton_method(fn.gradient, fn.hessian, np.array([-1.2, 1.0]), 8)
    np.testing.assert_allclose(trajectory[-1], fn.minima[0], atol=1e-10, err_msg=(
        "8 Newton steps from (-1.2, 1) reach Rosenbrock's minimum (1, 1); check newton_step on the quadratic tests first"))
    assert trajectory.shape == (9, 2), f"8 steps give 9 points, got shape {trajectory.shape}"


def test_newton_zero_steps_returns_the_start():
    fn = landscapes.Rosenbrock()
    np.testing.assert_array_equal(second_order.newton_method(fn.gradient, fn.hessian, [0.5, 0.5], 0), [[0.5, 0.5]],
                                  err_msg="zero steps return just the start")


def test_newton_singular_hessian_and_bad_shapes():
    with pytest.raises(ValueError, match="hess is singular"):
        second_order.newton_step(np.ones(2), np.zeros((2, 2)), np.zeros(2))
    with pytest.raises(ValueError, match=r"must have shapes \(P,\), \(P,\), \(P, P\)"):
        second_order.newton_step(np.ones(3), np.eye(2), np.zeros(2))
    with pytest.raises(ValueError, match="num_steps"):
        second_order.newton_method(np.sin, np.cos, np.zeros(2), -1)


# --- L-BFGS ---


def test_lbfgs_reaches_the_least_squares_solution():
    X, y = blobs()
    reg = 1e-2
    W, history = second_order.lbfgs_train(least_squares_loss, X, y, reg, max_iter=200, seed=0)
    # normal equations of the least-squares loss: (X^T X / N + 2 reg I) W = X^T Y / N
    N, D = X.shape
    Y = np.eye(3)[y]  # (N, C)
    W_exact = np.linalg.solve(X.T @ X / N + 2 * reg * np.eye(D), X.T @ Y / N)  # (D, C)
    np.testing.assert_allclose(W, W_exact, atol=1e-5)
    assert W.shape == (D, 3)
    # history: the loss at W0, then one value per iteration, never going up (Wolfe line search)
    W0 = 1e-4 * np.random.default_rng(0).standard_normal((D, 3))
    assert history[0] == pytest.approx(least_squares_loss(W0, X, y, reg)[0])
    assert history[-1] == pytest.approx(least_squares_loss(W, X, y, reg)[0])
    assert np.all(np.diff(history) <= 1e-12)


def test_lbfgs_beats_the_same_number_of_sgd_steps_on_softmax():
    from cs231n_lib.classifiers.linear_classifier import Softmax
    from cs231n_lib.classifiers.softmax import softmax_loss_vectorized

    X, y = blobs()
    reg = 1e-3
    W0 = 1e-3 * np.random.default_rng(1).standard_normal((X.shape[1], 3))  # (D, C)
    W_lbfgs, history = second_order.lbfgs_train(softmax_loss_vectorized, X, y, reg, W0=W0, max_iter=20)
    iterations = len(history) - 1
    assert 1 <= iterations <= 20

    classifier = Softmax()
    classifier.W = W0.copy()
    classifier.train(X, y, learning_rate=0.1, reg=reg, num_iters=iterations, batch_size=50, seed=0)
    loss_sgd = softmax_loss_vectorized(classifier.W, X, y, reg)[0]
    loss_lbfgs = softmax_loss_vectorized(W_lbfgs, X, y, reg)[0]
    assert loss_lbfgs < loss_sgd, f"L-BFGS {loss_lbfgs:.4f} vs SGD {loss_sgd:.4f} after {iterations} iterations"


def test_lbfgs_counts_every_loss_evaluation():
    X, y = blobs()
    calls = []

    def counted(W, X, y, reg):
        calls.append(1)
        return least_squares_loss(W, X, y, reg)

    _, history, evaluations = second_order.lbfgs_train(counted, X, y, 1e-3, max_iter=5, return_evaluations=True)
    assert evaluations == len(calls), "every call of loss_fn is counted, the one at W0 included"
    assert evaluations >= len(history), "at least one evaluation per iteration, plus the start"


def test_lbfgs_bad_input():
    X, y = blobs()
    with pytest.raises(ValueError, match="X must have shape"):
        second_order.lbfgs_train(least_squares_loss, X[:, 0], y, 0.0)
    with pytest.raises(ValueError, match="W0 must have shape"):
        second_order.lbfgs_train(least_squares_loss, X, y, 0.0, W0=np.zeros((3, 3)))
    with pytest.raises(ValueError, match="y must be"):
        second_order.lbfgs_train(least_squares_loss, X, y.astype(float), 0.0)
    with pytest.raises(ValueError, match="max_iter"):
        second_order.lbfgs_train(least_squares_loss, X, y, 0.0, max_iter=0)


# --- random search ---


def test_random_search_keeps_the_best_try():
    X, y = blobs()
    best_W, best_loss, history = second_order.random_search(least_squares_loss, X, y, num_tries=30, scale=0.1, seed=0)
    assert history.shape == (30,)
    assert best_W.shape == (X.shape[1], 3)
    assert best_loss == history.min()
    assert least_squares_loss(best_W, X, y, 0.0)[0] == pytest.approx(best_loss)
    assert np.unique(history).size == 30  # every try is a new W
    again = second_order.random_search(least_squares_loss, X, y, num_tries=30, scale=0.1, seed=0)
    np.testing.assert_array_equal(again[2], history)


def test_random_search_is_worse_than_lbfgs():
    X, y = blobs()
    _, best_loss, _ = second_order.random_search(least_squares_loss, X, y, num_tries=50, scale=0.1, seed=0)
    _, history = second_order.lbfgs_train(least_squares_loss, X, y, 0.0, max_iter=10)
    assert history[-1] < best_loss


@pytest.mark.parametrize("kwargs, match", [({"num_tries": 0}, "num_tries"), ({"scale": 0.0}, "scale"),
                                           ({"scale": float("nan")}, "scale")])
def test_random_search_bad_input(kwargs, match):
    X, y = blobs()
    with pytest.raises(ValueError, match=match):
        second_order.random_search(least_squares_loss, X, y, **kwargs)
