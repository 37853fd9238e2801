"""Blocked full-batch losses and the deferred NaN/inf scan, against the plain vectorized losses and finite differences."""

import warnings

import numpy as np
import pytest

from cs231n_lib import (eval_numerical_gradient, rel_error, softmax_loss_naive, softmax_loss_vectorized,
                        svm_loss_naive, svm_loss_vectorized)
from cs231n_lib._checks import DeferredInputScan
from cs231n_lib.full_batch import blocked_loss, softmax_loss_full_batch, svm_loss_full_batch
from cs231n_lib.linear_svm import svm_loss_on_scores
from cs231n_lib.second_order import lbfgs_train
from cs231n_lib.softmax import softmax_loss_on_scores

PAIRS = [(svm_loss_full_batch, svm_loss_vectorized, svm_loss_on_scores),
         (softmax_loss_full_batch, softmax_loss_vectorized, softmax_loss_on_scores)]
IDS = ["svm", "softmax"]


def problem(seed=0, num_train=203, dim=17, num_classes=6, dtype=np.float64):
    rng = np.random.default_rng(seed)
    W = (rng.standard_normal((dim, num_classes)) * 0.3).astype(dtype)
    X = rng.standard_normal((num_train, dim)).astype(dtype)
    y = rng.integers(0, num_classes, num_train)
    return W, X, y


@pytest.mark.parametrize("num_threads", [1, 2, 5])
@pytest.mark.parametrize("block_rows", [1, 7, 32, 203, 1000])
@pytest.mark.parametrize("full_batch, vectorized, on_scores", PAIRS, ids=IDS)
def test_blocked_equals_vectorized(full_batch, vectorized, on_scores, block_rows, num_threads):
    W, X, y = problem()  # 203 rows: the last block is partial for every block size but 1, 7 and 203
    loss, dW = blocked_loss(on_scores, W, X, y, 0.05, block_rows=block_rows, num_threads=num_threads)
    expected_loss, expected_dW = vectorized(W, X, y, 0.05)
    assert rel_error(loss, expected_loss) <= 1e-10, f"blocked loss {loss!r}, vectorized {expected_loss!r}"
    assert rel_error(dW, expected_dW) <= 1e-10, f"blocked dW differs from the vectorized one (B = {block_rows})"
    assert dW.shape == W.shape and dW.dtype == W.dtype, "dW has the shape and dtype of W"


@pytest.mark.parametrize("full_batch, vectorized, on_scores", PAIRS, ids=IDS)
def test_default_blocks_match_vectorized_and_keep_float32(full_batch, vectorized, on_scores):
    W, X, y = problem(seed=1, num_train=1000, dtype=np.float32)
    loss, dW = full_batch(W, X, y, 1e-3)
    expected_loss, expected_dW = vectorized(W, X, y, 1e-3)
    assert dW.dtype == np.float32, "float32 in, float32 out"
    # float32 rounding of sums grouped differently: compare to the gradient's scale (entries near 0 cancel)
    assert rel_error(loss, expected_loss) < 1e-5, f"float32 blocked loss {loss}, vectorized {expected_loss}"
    assert np.abs(dW - expected_dW).max() < 1e-5 * np.abs(expected_dW).max(), "float32 blocked dW differs"


@pytest.mark.parametrize("full_batch, vectorized, on_scores", PAIRS, ids=IDS)
def test_blocked_gradient_matches_centered_differences(full_batch, vectorized, on_scores):
    W, X, y = problem(seed=2, num_train=70, dim=6, num_classes=4)
    loss, dW = blocked_loss(on_scores, W, X, y, 0.1, block_rows=16)
    numerical = eval_numerical_gradient(lambda w: blocked_loss(on_scores, w, X, y, 0.1, block_rows=16)[0],
                                        W.copy(), verbose=False, h=1e-5)
    assert rel_error(dW, numerical) < 1e-7, "the blocked gradient differs from centered differences"


def test_lbfgs_with_the_blocked_loss_follows_the_vectorized_one():
    W, X, y = problem(seed=3, num_train=150, dim=8, num_classes=3)
    W_blocked, history_blocked = lbfgs_train(softmax_loss_full_batch, X, y, 1e-2, max_iter=15)
    W_plain, history_plain = lbfgs_train(softmax_loss_vectorized, X, y, 1e-2, max_iter=15)
    assert len(history_blocked) == len(history_plain), "L-BFGS takes the same steps with either loss"
    assert rel_error(history_blocked, history_plain) < 1e-8, "the same losses along the way"
    assert history_blocked[-1] < history_blocked[0], "L-BFGS lowers the loss"


def test_threads_give_the_same_sum_every_time():
    W, X, y = problem(seed=6, num_train=2000)
    first = blocked_loss(softmax_loss_on_scores, W, X, y, 0.0, block_rows=16, num_threads=3)
    for _ in range(3):
        again = blocked_loss(softmax_loss_on_scores, W, X, y, 0.0, block_rows=16, num_threads=3)
        assert again[0] == first[0] and np.array_equal(again[1], first[1]), "threads must not change the sum"


@pytest.mark.parametrize("name, value", [("block_rows", 0), ("num_threads", 0), ("num_threads", 1.5)])
def test_block_rows_and_threads_must_be_positive_integers(name, value):
    W, X, y = problem()
    with pytest.raises(ValueError, match=f"{name} must be a positive integer, got {value}"):
        blocked_loss(svm_loss_on_scores, W, X, y, 0.0, **{name: value})


# ---------------------------------------------------------------- the deferred NaN/inf scan of X

BAD = {"inf": np.inf, "-inf": -np.inf, "NaN": np.nan}
def svm_blocked_in_threads(W, X, y, reg):
    return blocked_loss(svm_loss_on_scores, W, X, y, reg, block_rows=16, num_threads=3)


def softmax_blocked_in_threads(W, X, y, reg):
    return blocked_loss(softmax_loss_on_scores, W, X, y, reg, block_rows=16, num_threads=3)


ALL = [svm_loss_vectorized, softmax_loss_vectorized, svm_loss_full_batch, softmax_loss_full_batch,
       svm_blocked_in_threads, softmax_blocked_in_threads]


@pytest.mark.parametrize("value", list(BAD), ids=list(BAD))
@pytest.mark.parametrize("loss_fn", ALL, ids=[f.__name__ for f in ALL])
@pytest.mark.parametrize("W_scale", [0.3, 0.0], ids=["W random", "W zero"])
def test_non_finite_X_gives_the_up_front_message_and_no_warning(loss_fn, value, W_scale):
    W, X, y = problem(seed=4)
    W = W * W_scale
    X[150, 3] = BAD[value]
    naive = svm_loss_naive if "svm" in loss_fn.__name__ else softmax_loss_naive  # checks X up front
    with pytest.raises(ValueError) as expected:
        naive(W, X, y, 0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError) as got:
            loss_fn(W, X, y, 0.0)
    assert str(got.value) == str(expected.value), "the message of the check up front, word for word"
    assert str(got.value).startswith("X contains NaN or inf"), str(got.value)


@pytest.mark.parametrize("loss_fn", ALL, ids=[f.__name__ for f in ALL])
def test_non_finite_X_is_reported_before_a_bad_reg_as_before(loss_fn):
    W, X, y = problem(seed=5)
    X[0, 0] = np.nan
    with pytest.raises(ValueError, match="X contains NaN or inf"):
        loss_fn(W, X, y, -1.0)


def test_overflow_with_finite_X_still_follows_the_callers_errstate():
    X = np.array([[1e308, 1e308]])
    with warnings.catch_warnings(record=True) as caught, np.errstate(over="warn"):
        warnings.simplefilter("always")
        with DeferredInputScan(X) as scan:
            result = X.sum()  # overflows to inf: finite X, so not a bad input
        scan.check(result, np.zeros((1, 1)))
    assert [str(w.message) for w in caught] == ["overflow encountered while computing the loss"], "one warning, as numpy's"
    with np.errstate(over="raise"), pytest.raises(FloatingPointError, match="overflow"):
        with DeferredInputScan(X) as scan:
            X.sum()
        scan.check(np.inf, np.zeros((1, 1)))
    with warnings.catch_warnings(), np.errstate(over="ignore"):
        warnings.simplefilter("error")
        with DeferredInputScan(X) as scan:
            X.sum()
        scan.check(np.inf, np.zeros((1, 1)))  # the caller ignores overflow: silent
