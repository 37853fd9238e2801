"""Tests for cs231n_lib.course.quasi_newton: BFGS's recorded path against closed forms."""

import numpy as np
import pytest

from cs231n_lib.course import landscapes
from cs231n_lib.course.quasi_newton import bfgs_path, evaluations_to_reach


def quadratic(P=5, condition_number=50.0, seed=0):
    """``f(x) = 1/2 (x - c)^T A (x - c)`` in P dimensions: A (P, P) with the given condition number, c (P,)."""
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((P, P)))  # (P, P) orthogonal
    A = Q @ np.diag(np.geomspace(1.0, condition_number, P)) @ Q.T  # (P, P)
    A = (A + A.T) / 2
    c = rng.standard_normal(P)  # (P,)

    def fn(x):  # x (P,) -> value, gradient (P,)
        r = x - c
        return 0.5 * r @ A @ r, A @ r

    return fn, A, c


def test_bfgs_finds_the_minimum_and_the_inverse_hessian_of_a_quadratic():
    fn, A, c = quadratic()
    x0 = np.zeros(5)
    path, values, evaluations, inverse = bfgs_path(fn, x0)
    assert np.array_equal(path[0], x0) and values[0] == fn(x0)[0], "the path starts at x0 with its value"
    assert np.allclose(path[-1], c, atol=1e-8), "it ends at the minimum, the closed form c"
    assert values[-1] < 1e-15, "where the value is 0"
    assert np.allclose(values, [fn(x)[0] for x in path], rtol=1e-12, atol=1e-300), "values are fn along the path"
    assert np.all(np.diff(values) <= 1e-15), "every iteration lowers the value (Wolfe line search)"
    rel = np.linalg.norm(inverse - np.linalg.inv(A)) / np.linalg.norm(np.linalg.inv(A))
    assert rel < 1e-3, f"on a quadratic BFGS's estimate becomes A^-1 (relative error {rel:.1e})"


def test_evaluations_count_every_call():
    fn, _, _ = quadratic(seed=1)
    calls = []

    def counted(x):
        calls.append(x.copy())
        return fn(x)

    path, _, evaluations, _ = bfgs_path(counted, np.ones(5))
    assert evaluations[0] == 1 and evaluations[-1] == len(calls), "the counts run from 1 to the number of calls"
    assert np.all(np.diff(evaluations) >= 1), "at least one evaluation per iteration"
    assert len(evaluations) == len(path)


def test_bfgs_on_the_banana_valley():
    valley = landscapes.Rosenbrock()
    path, values, _, _ = bfgs_path(valley, valley.start)
    assert np.allclose(path[-1], valley.minima[0], atol=1e-6), "BFGS reaches Rosenbrock's minimum (1, 1)"
    assert len(values) < 100, "in far fewer iterations than gradient descent's thousands"


def test_evaluations_to_reach():
    values = np.array([5.0, 3.0, 1.0, 0.5])
    assert evaluations_to_reach(values, 1.0) == 2, "point 2 is reached after 2 steps"
    assert evaluations_to_reach(values, 1.0, np.array([1, 3, 4, 7])) == 4, "or after the counts given"
    assert evaluations_to_reach(values, 0.1) == 4, "never reached: one more than the run spent"
    assert evaluations_to_reach(values, 10.0) == 0, "reached at the start"


@pytest.mark.parametrize("x0, max_iter, gtol, pattern", [
    (np.zeros((2, 2)), 10, 1e-8, r"x0 must be a finite point of shape \(P,\)"),
    (np.array([np.nan, 0.0]), 10, 1e-8, r"x0 must be a finite point"),
    (np.zeros(2), 0, 1e-8, r"max_iter must be an integer >= 1"),
    (np.zeros(2), 10, -1.0, r"gtol must be a finite number > 0"),
])
def test_bfgs_rejects_bad_input(x0, max_iter, gtol, pattern):
    with pytest.raises(ValueError, match=pattern):
        bfgs_path(landscapes.Rosenbrock(), x0, max_iter=max_iter, gtol=gtol)


def test_evaluations_to_reach_rejects_mismatched_counts():
    with pytest.raises(ValueError, match=r"evaluations must have the shape of values"):
        evaluations_to_reach(np.ones(3), 0.5, np.arange(4))
