"""Hidden checks of newton_step: other dimensions, non-symmetric Hessians.

PYTEST_DONT_REWRITE: a failure shows only the message written here, never this source.
"""

import numpy as np
import pytest

import hidden_oracles as oracle
from cs231n_lib.second_order import newton_step


@pytest.mark.parametrize("P", [1, 3, 8])
def test_one_newton_step_lands_on_the_minimum_of_a_quadratic(P):
    rng = np.random.default_rng(P)
    A = rng.standard_normal((P, P))
    H = A @ A.T + P * np.eye(P)       # (P, P) symmetric positive definite
    x_star = rng.standard_normal(P)
    x = rng.standard_normal(P)
    grad = H @ (x - x_star)           # gradient of 0.5 (x - x*)^T H (x - x*)
    assert oracle.close(newton_step(grad, H, x), x_star), f"newton_step: one step on a quadratic must land on its minimum (P = {P})"


def test_newton_step_solves_with_a_non_symmetric_matrix():
    H = np.array([[2.0, 1.0], [0.0, 4.0]])
    grad = np.array([3.0, 8.0])
    x = np.array([1.0, -1.0])
    expected = x - np.array([0.5, 2.0])
    assert oracle.close(newton_step(grad, H, x), expected), "newton_step: the step solves hess @ step = grad"
