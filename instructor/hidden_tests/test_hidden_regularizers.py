"""Hidden checks of the penalties and the max-norm projection: other shapes, exact zeros, dtypes.

PYTEST_DONT_REWRITE: a failure shows only the message written here, never this source.
"""

import numpy as np
import pytest

import hidden_oracles as oracle
from cs231n_lib import regularizers


def l1_oracle(W, reg):
    return reg * np.abs(W).sum(), reg * np.sign(W)


@pytest.mark.parametrize("shape", [(1, 1), (4, 3), (9, 10)])
@pytest.mark.parametrize("reg", [0.0, 0.3])
def test_l1_value_and_subgradient(shape, reg):
    W = np.random.default_rng(sum(shape)).standard_normal(shape)
    W[0, 0] = 0.0
    value, dW = regularizers.l1_penalty(W.copy(), reg)
    expected_value, expected_dW = l1_oracle(W, reg)
    assert np.isclose(value, expected_value), f"l1_penalty: value {value:.6g}, expected {expected_value:.6g} (reg = {reg})"
    assert oracle.close(dW, expected_dW), f"l1_penalty: the subgradient should be reg * sign(W), 0 where W == 0 (reg = {reg})"


def test_l1_keeps_float32():
    W = np.linspace(-1, 1, 12, dtype=np.float32).reshape(4, 3)
    value, dW = regularizers.l1_penalty(W, 0.5)
    assert dW.dtype == np.float32 and np.asarray(value).dtype == np.float32, "l1_penalty: float32 in, float32 out"


@pytest.mark.parametrize("l1_ratio", [0.0, 0.3, 1.0])
def test_elastic_net_mixes_the_two_penalties(l1_ratio):
    # The mixing alone, against the student's own L1 and L2 penalties (a fault in L1 costs only its item).
    W = np.random.default_rng(8).standard_normal((5, 4))
    value, dW = regularizers.elastic_net_penalty(W.copy(), 0.2, l1_ratio=l1_ratio)
    l1_value, l1_dW = regularizers.l1_penalty(W.copy(), 0.2 * l1_ratio)
    l2_value, l2_dW = regularizers.l2_penalty(W.copy(), 0.2 * (1 - l1_ratio))
    expected_value, expected_dW = l1_value + l2_value, l1_dW + l2_dW
    assert np.isclose(value, expected_value), f"elastic_net_penalty: value {value:.6g}, expected {expected_value:.6g} (l1_ratio = {l1_ratio})"
    assert oracle.close(dW, expected_dW), f"elastic_net_penalty: gradient wrong for l1_ratio = {l1_ratio}"


def test_max_norm_scales_only_the_columns_that_are_too_long():
    W = np.array([[3.0, 0.3, 0.0, -6.0],
                  [4.0, 0.4, 0.0, 8.0]])  # column norms 5, 0.5, 0, 10
    before = W.copy()
    projected = regularizers.max_norm_project(W, 2.0)
    expected = np.array([[1.2, 0.3, 0.0, -1.2],
                         [1.6, 0.4, 0.0, 1.6]])
    assert np.array_equal(W, before), "max_norm_project: W itself must not change; return a new array"
    assert oracle.close(projected, expected), "max_norm_project: columns longer than max_norm are scaled to max_norm, others kept"


def test_max_norm_bound_holds_for_random_weights():
    W = 10 * np.random.default_rng(9).standard_normal((20, 7)).astype(np.float32)
    projected = regularizers.max_norm_project(W, 1.5)
    norms = np.linalg.norm(projected.astype(np.float64), axis=0)
    assert projected.dtype == np.float32, "max_norm_project: float32 in, float32 out"
    assert np.all(norms <= 1.5 * (1 + 1e-5)) and np.allclose(norms, 1.5, rtol=1e-5), (
        "max_norm_project: every column longer than max_norm should end with norm max_norm")
