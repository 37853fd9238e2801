"""Regularizers: hand-worked values, finite-difference gradients, the max-norm projection."""

import functools
import warnings

import numpy as np
import pytest

from cs231n_lib import eval_numerical_gradient, rel_error
from cs231n_lib.regularizers import (elastic_net_penalty, get_regularizer, l1_penalty, l2_penalty,
                                     max_norm_project, no_penalty)

PENALTIES = [l2_penalty, l1_penalty, elastic_net_penalty,
             functools.partial(elastic_net_penalty, l1_ratio=0.2), no_penalty]
PENALTY_IDS = ["l2", "l1", "elastic_net", "elastic_net_0.2", "none"]

W_HAND = np.array([[1.0, -2.0],
                   [3.0, 0.0]])  # sum|W| = 6, sum W^2 = 14


def test_l2_by_hand():
    value, grad = l2_penalty(W_HAND, 0.5)
    assert value == 0.5 * 14, f"l2_penalty: reg * sum(W * W) = 0.5 * 14, got {value!r}"
    np.testing.assert_array_equal(grad, 2 * 0.5 * W_HAND, err_msg="l2_penalty: the gradient is 2 * reg * W")


def test_l1_by_hand_with_zero_subgradient_at_zero():
    value, grad = l1_penalty(W_HAND, 0.5)
    assert value == 0.5 * 6, f"l1_penalty: reg * sum(|W|) = 0.5 * 6 for W = {W_HAND.tolist()}, got {value!r}"
    np.testing.assert_array_equal(grad, [[0.5, -0.5], [0.5, 0.0]], err_msg=(
        "l1_penalty: the subgradient is reg * sign(W), and 0 where W == 0 (np.sign(0) is 0)"))


def test_elastic_net_by_hand_and_at_its_ends():
    value, grad = elastic_net_penalty(W_HAND, 0.5, l1_ratio=0.25)
    assert value == pytest.approx(0.5 * (0.25 * 6 + 0.75 * 14), rel=1e-15), (
        f"elastic_net_penalty: reg * (l1_ratio * sum|W| + (1 - l1_ratio) * sum W^2), got {value!r}")
    np.testing.assert_allclose(grad, 0.5 * (0.25 * np.sign(W_HAND) + 0.75 * 2 * W_HAND), rtol=1e-15, err_msg=(
        "elastic_net_penalty: the gradient is the same mix of the L1 and L2 gradients"))
    for ratio, pure in [(1.0, l1_penalty), (0.0, l2_penalty)]:
        mixed_value, mixed_grad = elastic_net_penalty(W_HAND, 0.3, l1_ratio=ratio)
        pure_value, pure_grad = pure(W_HAND, 0.3)
        assert mixed_value == pytest.approx(pure_value, rel=1e-15), (
            f"elastic net with l1_ratio={ratio} must equal {pure.__name__} (needs l1_penalty right: make check Q=l1_penalty)")
        np.testing.assert_allclose(mixed_grad, pure_grad, rtol=1e-15, err_msg=f"elastic net with l1_ratio={ratio}: gradient")


def test_no_penalty_is_zero():
    value, grad = no_penalty(W_HAND, 10.0)
    assert value == 0.0, "no_penalty is 0"
    assert not grad.any() and grad.shape == W_HAND.shape, "no_penalty's gradient is zeros of W's shape"


@pytest.mark.parametrize("penalty", PENALTIES, ids=PENALTY_IDS)
def test_gradient_matches_centered_differences(penalty):
    rng = np.random.default_rng(0)
    W = rng.standard_normal((7, 4))
    # |w| has a kink at 0: keep every weight farther from 0 than the step.
    assert np.abs(W).min() > 100 * 1e-5, "test set-up: a weight sits at the kink of |w|"
    _, grad = penalty(W, 0.7)
    numerical = eval_numerical_gradient(lambda w: penalty(w, 0.7)[0], W.copy(), verbose=False)
    assert rel_error(grad, numerical) < 1e-8, (
        f"{getattr(penalty, '__name__', penalty)}: the gradient differs from centered differences of the "
        f"value (relative error {rel_error(grad, numerical):.2e}); check the factor reg and sign(W)")


@pytest.mark.parametrize("penalty", PENALTIES, ids=PENALTY_IDS)
def test_float32_stays_float32(penalty):
    W = W_HAND.astype(np.float32)
    value, grad = penalty(W, np.float64(0.5))
    assert grad.dtype == np.float32, f"{getattr(penalty, '__name__', penalty)}: float32 W gave a {grad.dtype} gradient"
    assert np.asarray(value).dtype == np.float32, (
        f"{getattr(penalty, '__name__', penalty)}: float32 W gave a {np.asarray(value).dtype} value; convert reg to "
        f"a Python float (float(reg)) so it does not upcast")


def test_lookup_by_name():
    assert get_regularizer("l2") is l2_penalty
    assert get_regularizer("l1") is l1_penalty
    assert get_regularizer("elastic_net") is elastic_net_penalty
    assert get_regularizer(None) is no_penalty
    custom = functools.partial(elastic_net_penalty, l1_ratio=0.9)
    assert get_regularizer(custom) is custom


@pytest.mark.parametrize("name", ["L2", "ridge", "", 2])
def test_unknown_name_is_rejected(name):
    with pytest.raises(ValueError, match=r"regularizer must be one of 'l2', 'l1', 'elastic_net', None"):
        get_regularizer(name)


def test_max_norm_projection():
    # columns of norm 5 (3-4-5 triangle), 1 and 0
    W = np.array([[3.0, 0.6, 0.0],
                  [4.0, 0.8, 0.0]])
    W_before = W.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        projected = max_norm_project(W, 2.0)
    np.testing.assert_allclose(projected, [[1.2, 0.6, 0.0], [1.6, 0.8, 0.0]], rtol=1e-15, err_msg=(
        "max_norm_project(W, 2): the column of norm 5 is scaled to norm 2, the ones of norm 1 and 0 are kept"))
    np.testing.assert_array_equal(W, W_before, err_msg="max_norm_project must not modify W (work on W_projected)")
    np.testing.assert_allclose(max_norm_project(projected, 2.0), projected, rtol=1e-15, err_msg=(
        "projecting twice must change nothing"))
    assert max_norm_project(W.astype(np.float32), 2.0).dtype == np.float32, "max_norm_project keeps W's dtype"


def test_max_norm_bounds_every_column():
    W = np.random.default_rng(1).standard_normal((50, 10)) * 3
    projected = max_norm_project(W, 1.5)
    assert np.linalg.norm(projected, axis=0).max() <= 1.5 * (1 + 1e-12), (
        "every column's L2 norm (over axis 0: a column is one class) must end <= max_norm")
    # directions are kept: each column is a non-negative multiple of the original
    cosines = np.sum(W * projected, axis=0) / (np.linalg.norm(W, axis=0) * np.linalg.norm(projected, axis=0))
    np.testing.assert_allclose(cosines, 1.0, rtol=1e-12, err_msg="max_norm_project must only scale columns, not turn them")


@pytest.mark.parametrize("call, pattern", [
    (lambda: l2_penalty(W_HAND, -1.0), r"reg must be a finite number >= 0, got -1.0"),
    (lambda: l1_penalty(W_HAND, float("inf")), r"reg must be a finite number >= 0, got inf"),
    (lambda: l2_penalty(W_HAND.astype(int), 1.0), r"W must have a float dtype"),
    (lambda: l1_penalty(W_HAND[0], 1.0), r"W must be a 2-D"),
    (lambda: elastic_net_penalty(W_HAND, 1.0, l1_ratio=1.5), r"l1_ratio must lie in \[0, 1\], got 1.5"),
    (lambda: elastic_net_penalty(W_HAND, 1.0, -0.1), r"l1_ratio must lie in \[0, 1\], got -0.1"),
    (lambda: max_norm_project(W_HAND, 0.0), r"max_norm must be a finite number > 0, got 0.0"),
    (lambda: max_norm_project(W_HAND, "3"), r"max_norm must be a finite number > 0, got '3'"),
], ids=["reg negative", "reg inf", "W int", "W 1-D", "l1_ratio", "l1_ratio positional", "max_norm zero", "max_norm str"])
def test_bad_input_raises_a_clear_error(call, pattern):
    with pytest.raises(ValueError, match=pattern):
        call()
