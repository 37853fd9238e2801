"""Hidden checks of the SVM and softmax losses: other shapes and seeds, edge cases, fault detectors.

PYTEST_DONT_REWRITE: a failure shows only the message written here, never this source.
"""

import warnings

import numpy as np
import pytest

import hidden_oracles as oracle
from cs231n_lib.classifiers.linear_svm import svm_loss_naive, svm_loss_vectorized
from cs231n_lib.classifiers.softmax import softmax_loss_naive, softmax_loss_vectorized

CASES = [(11, (1, 3, 2)), (12, (6, 4, 3)), (13, (17, 9, 10))]  # (seed, (N, D, C))
IDS = ["N1-D3-C2", "N6-D4-C3", "N17-D9-C10"]


def run(loss_fn, W, X, y, reg):
    """Call loss_fn on copies and check it left the inputs alone."""
    W_in, X_in, y_in = W.copy(), X.copy(), y.copy()
    loss, dW = loss_fn(W_in, X_in, y_in, reg)[:2]
    assert np.array_equal(W_in, W) and np.array_equal(X_in, X) and np.array_equal(y_in, y), (
        f"{loss_fn.__name__} modified its inputs; work on new arrays")
    assert np.shape(dW) == W.shape, f"{loss_fn.__name__}: dW has shape {np.shape(dW)}, expected {W.shape}"
    return float(loss), np.asarray(dW)


@pytest.mark.parametrize("seed, shape", CASES, ids=IDS)
@pytest.mark.parametrize("reg", [0.0, 0.25])
def test_svm_naive_loss(seed, shape, reg):
    W, X, y = oracle.problem(seed, *shape)
    loss, _ = run(svm_loss_naive, W, X, y, reg)
    expected, _ = oracle.svm(W, X, y, reg)
    assert np.isclose(loss, expected), f"svm_loss_naive: loss {loss:.6g}, expected {expected:.6g} (N, D, C = {shape}, reg = {reg})"


@pytest.mark.parametrize("seed, shape", CASES, ids=IDS)
@pytest.mark.parametrize("reg", [0.0, 0.25])
def test_svm_naive_gradient(seed, shape, reg):
    W, X, y = oracle.problem(seed, *shape)
    _, dW = run(svm_loss_naive, W, X, y, reg)
    _, expected = oracle.svm(W, X, y, reg)
    assert oracle.close(dW, expected), f"svm_loss_naive: dW differs from the analytic gradient (N, D, C = {shape}, reg = {reg})"


def test_svm_naive_gradient_is_zero_at_a_margin_of_exactly_zero():
    X = np.array([[1.0, 0.0]])           # (1, 2)
    W = np.array([[2.0, 1.0], [0.0, 0.0]])  # (2, 2): scores [2, 1], margin 1 - 2 + 1 = 0
    loss, dW = run(svm_loss_naive, W, X, np.array([0]), 0.0)
    assert loss == 0.0 and not dW.any(), "svm_loss_naive: a margin of exactly 0 adds nothing to the loss or the gradient"


@pytest.mark.parametrize("seed, shape", CASES, ids=IDS)
@pytest.mark.parametrize("reg", [0.0, 0.25])
def test_svm_vectorized_loss_and_gradient(seed, shape, reg):
    W, X, y = oracle.problem(seed, *shape)
    loss, dW = run(svm_loss_vectorized, W, X, y, reg)
    expected_loss, expected_dW = oracle.svm(W, X, y, reg)
    assert np.isclose(loss, expected_loss), f"svm_loss_vectorized: loss {loss:.6g}, expected {expected_loss:.6g} (reg = {reg})"
    assert oracle.close(dW, expected_dW), f"svm_loss_vectorized: dW differs from the analytic gradient (N, D, C = {shape}, reg = {reg})"


def test_svm_vectorized_includes_the_regularization_gradient():
    W, X, y = oracle.problem(21, 8, 5, 4)
    _, dW0 = run(svm_loss_vectorized, W, X, y, 0.0)
    _, dW1 = run(svm_loss_vectorized, W, X, y, 1.5)
    assert oracle.close(dW1 - dW0, 3.0 * W), "svm_loss_vectorized: raising reg by 1.5 must add 2 * 1.5 * W to dW"


def test_svm_vectorized_matches_a_numeric_gradient():
    W, X, y = oracle.problem(22, 5, 4, 3, scale=0.01)
    _, dW = run(svm_loss_vectorized, W, X, y, 0.1)
    numeric = oracle.numeric_gradient(lambda V: svm_loss_vectorized(V, X, y, 0.1)[0], W.copy())
    assert oracle.close(dW, numeric, rtol=1e-4, atol=1e-6), "svm_loss_vectorized: dW disagrees with centered differences"


@pytest.mark.parametrize("seed, shape", CASES, ids=IDS)
@pytest.mark.parametrize("reg", [0.0, 0.25])
def test_softmax_naive_loss_and_gradient(seed, shape, reg):
    W, X, y = oracle.problem(seed, *shape)
    loss, dW = run(softmax_loss_naive, W, X, y, reg)
    expected_loss, expected_dW = oracle.softmax(W, X, y, reg)
    assert np.isclose(loss, expected_loss), f"softmax_loss_naive: loss {loss:.6g}, expected {expected_loss:.6g} (reg = {reg})"
    assert oracle.close(dW, expected_dW), f"softmax_loss_naive: dW differs from the analytic gradient (N, D, C = {shape}, reg = {reg})"


@pytest.mark.parametrize("seed, shape", CASES, ids=IDS)
@pytest.mark.parametrize("reg", [0.0, 0.25])
def test_softmax_vectorized_loss_and_gradient(seed, shape, reg):
    W, X, y = oracle.problem(seed, *shape)
    loss, dW = run(softmax_loss_vectorized, W, X, y, reg)
    expected_loss, expected_dW = oracle.softmax(W, X, y, reg)
    assert np.isclose(loss, expected_loss), f"softmax_loss_vectorized: loss {loss:.6g}, expected {expected_loss:.6g} (reg = {reg})"
    assert oracle.close(dW, expected_dW), f"softmax_loss_vectorized: dW differs from the analytic gradient (N, D, C = {shape}, reg = {reg})"


@pytest.mark.parametrize("loss_fn", [softmax_loss_naive, softmax_loss_vectorized], ids=["naive", "vectorized"])
def test_softmax_is_stable_for_scores_in_the_thousands(loss_fn):
    W, X, y = oracle.problem(31, 6, 5, 4, scale=800.0)  # scores of several thousand: exp overflows unshifted
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            loss, dW = run(loss_fn, W, X, y, 0.0)
        except (RuntimeWarning, FloatingPointError) as warning:
            raise AssertionError(f"{loss_fn.__name__} overflowed on large scores ({warning}); subtract each row's max score first") from None
    expected_loss, expected_dW = oracle.softmax(W, X, y, 0.0)
    assert np.isfinite(loss) and np.isclose(loss, expected_loss), (
        f"{loss_fn.__name__}: loss {loss:.6g} on large scores, expected {expected_loss:.6g}; subtract each row's max score first")
    assert oracle.close(dW, expected_dW), f"{loss_fn.__name__}: dW is wrong on large scores"


# The student's vectorized function against the trusted loops of hidden_oracles (timed here, interleaved
# with the student's calls), on fresh random 2000 x 20 problems sent inside each timed call (20000
# (example, class) pairs: the loops take about 0.25 s); a "vectorized" function that loops (or calls the
# naive one, or caches its answers) is about 1x. This test gates its item (points.toml `gate`): without
# it the item scores 0.
SPEED_FACTOR = 3


@pytest.mark.parametrize("name, loss_fn, loops, oracle_fn", [
    ("svm_loss_vectorized", svm_loss_vectorized, oracle.loops_svm, oracle.svm),
    ("softmax_loss_vectorized", softmax_loss_vectorized, oracle.loops_softmax, oracle.softmax),
], ids=["svm", "softmax"])
def test_vectorized_is_much_faster_than_loops(name, loss_fn, loops, oracle_fn):
    ratio = oracle.speed_ratio(loss_fn, loops, oracle_fn)
    assert ratio is not None, f"{name}: wrong result on a 2000 x 20 problem"
    assert ratio > SPEED_FACTOR, (
        f"{name} is only {ratio:.1f}x faster than loops over examples and classes (needs {SPEED_FACTOR}x); "
        "replace the loops over examples and classes by matrix operations")


# The vectorized items' check of the loss on given scores, through the function the item names (W = the
# scores, X = the identity, so X @ W = scores and dW = dscores): svm/softmax_loss_on_scores are helpers a
# student may structure differently (or, with an earlier release, not have), so they are not called here.
@pytest.mark.parametrize("name, loss_fn, oracle_fn", [
    ("svm_loss_vectorized", svm_loss_vectorized, oracle.svm),
    ("softmax_loss_vectorized", softmax_loss_vectorized, oracle.softmax),
], ids=["svm", "softmax"])
def test_vectorized_loss_of_given_scores(name, loss_fn, oracle_fn):
    rng = np.random.default_rng(8)
    scores = rng.standard_normal((9, 5))  # (N, C): away from the hinge's kinks
    labels = rng.integers(0, 5, 9)
    expected_loss, expected_dscores = oracle_fn(scores, np.eye(9), labels, 0.0)
    loss, dscores = run(loss_fn, scores, np.eye(9), labels, 0.0)
    assert np.isclose(loss, expected_loss, rtol=1e-12), f"{name}: loss {loss:.6g} of given scores, expected {expected_loss:.6g}"
    assert oracle.close(dscores, expected_dscores, rtol=1e-10, atol=1e-12), (
        f"{name}: with X = I the gradient dW is the gradient with respect to the scores, and it is wrong")
