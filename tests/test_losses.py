"""Losses against independent oracles: each other, finite differences, the lecture's worked examples."""

import math
import warnings

import numpy as np
import pytest

from cs231n_lib import (LinearSVM, eval_numerical_gradient, rel_error, softmax_loss_naive,
                        softmax_loss_vectorized, svm_loss_naive, svm_loss_vectorized)
from cs231n_lib.course._checks import check_loss_inputs
from cs231n_lib.classifiers.linear_svm import svm_loss_on_scores
from cs231n_lib.course.loss_variants import (class_probabilities, hinge_margins, per_example_losses,
                                      squared_hinge_loss, svm_loss_all_classes, svm_loss_margin, svm_loss_sum)
from cs231n_lib.classifiers.softmax import softmax_loss_on_scores
from cs231n_lib.course.margin_svm import MarginSVM

PAIRS = [(svm_loss_naive, svm_loss_vectorized), (softmax_loss_naive, softmax_loss_vectorized)]
MAIN_LOSSES = [svm_loss_naive, svm_loss_vectorized, softmax_loss_naive, softmax_loss_vectorized]
VARIANTS = [squared_hinge_loss, svm_loss_all_classes, svm_loss_sum, svm_loss_margin]
ALL_LOSSES = MAIN_LOSSES + VARIANTS
HINGE_LOSSES = {svm_loss_naive, svm_loss_vectorized, *VARIANTS}
VECTORIZED = [svm_loss_vectorized, softmax_loss_vectorized, *VARIANTS]
H = 1e-5


def ids(functions):
    return [f.__name__ for f in functions]


def random_problem(seed=0, num_train=30, dim=12, num_classes=5, dtype=np.float64):
    """Return W (D, C), X (N, D), y (N,) with scores of order 1, so margins straddle 0."""
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((dim, num_classes)).astype(dtype) * 0.3
    X = rng.standard_normal((num_train, dim)).astype(dtype)
    y = rng.integers(0, num_classes, num_train)
    return W, X, y


def lecture_problem():
    """The lecture's three images: X = identity, so the scores X @ W are the rows of W.

    Rows: the cat, car and frog images; columns: the classes (cat, car, frog).
    """
    W = np.array([[3.2, 5.1, -1.7],
                  [1.3, 4.9, 2.0],
                  [2.2, 2.5, -3.1]])
    return W, np.eye(3), np.array([0, 1, 2])


# ---------------------------------------------------------------- agreement


@pytest.mark.parametrize("reg", [0.0, 0.1])
@pytest.mark.parametrize("naive, vectorized", PAIRS, ids=["svm", "softmax"])
def test_naive_equals_vectorized(naive, vectorized, reg):
    W, X, y = random_problem()
    loss_naive, grad_naive = naive(W, X, y, reg)
    loss_vec, grad_vec = vectorized(W, X, y, reg)
    assert rel_error(loss_naive, loss_vec) < 1e-10, (
        f"{naive.__name__} and {vectorized.__name__} disagree on the loss ({loss_naive} vs {loss_vec}); "
        f"check the one whose own tests fail (make check), e.g. the mean over N or the reg term")
    assert rel_error(grad_naive, grad_vec) < 1e-10, (
        f"{naive.__name__} and {vectorized.__name__} disagree on the gradient (relative error "
        f"{rel_error(grad_naive, grad_vec):.2e}); check the one whose gradient test fails")
    assert grad_vec.shape == W.shape, f"dW must have W's shape {W.shape}, got {grad_vec.shape}"


def _hinge_margins(W, X, y):
    scores = X @ W
    margins = scores - scores[np.arange(len(y)), y][:, None] + 1
    margins[np.arange(len(y)), y] = 1.0  # the j = y_i term is exactly 1: never at the kink
    return margins


@pytest.mark.parametrize("reg", [0.0, 0.1])
@pytest.mark.parametrize("loss_fn", ALL_LOSSES, ids=ids(ALL_LOSSES))
def test_gradient_matches_centered_differences(loss_fn, reg):
    W, X, y = random_problem(seed=1)
    h = H
    if loss_fn in HINGE_LOSSES:
        # Hinge losses are piecewise linear or quadratic in W, where centered differences have no
        # truncation error: a larger step only shrinks rounding error, as long as no margin crosses
        # its kink. A step h on one weight moves each margin by at most 2 * h * max|X|.
        h = 1e-4
        assert np.abs(_hinge_margins(W, X, y)).min() > 2 * (2 * h * np.abs(X).max()), "test set-up: a margin sits at a kink"
    loss, grad = loss_fn(W, X, y, reg)
    numerical = eval_numerical_gradient(lambda w: loss_fn(w, X, y, reg)[0], W.copy(), verbose=False, h=h)
    assert rel_error(grad, numerical) < 1e-7, (
        f"{loss_fn.__name__}(reg={reg}): the analytic dW differs from centered differences of your own loss "
        f"(relative error {rel_error(grad, numerical):.2e} > 1e-7). If the loss tests pass, the gradient is wrong: "
        f"check the 1/N, the correct-class column and the 2 * reg * W term")


# ---------------------------------------------------------------- lecture examples


@pytest.mark.parametrize("svm", [svm_loss_naive, svm_loss_vectorized], ids=["naive", "vectorized"])
def test_lecture_cat_car_frog_svm(svm):
    W, X, y = lecture_problem()
    per_example = [svm(W, X[i:i + 1], y[i:i + 1], 0.0)[0] for i in range(3)]
    np.testing.assert_allclose(per_example, [2.9, 0.0, 12.9], rtol=0, atol=1e-12, err_msg=(
        f"{svm.__name__}: the lecture's cat, car and frog images have SVM losses 2.9, 0 and 12.9 (margin 1, "
        f"the correct class skipped)"))
    loss, _ = svm(W, X, y, 0.0)
    assert abs(loss - (2.9 + 0.0 + 12.9) / 3) < 1e-12, (
        f"{svm.__name__}: the loss over the three images is their mean, 5.27; got {loss!r} (divide by N)")
    assert round(loss, 2) == 5.27, f"the lecture's mean loss is 5.27, got {loss!r}"


def test_lecture_details_show_per_example_losses_and_margins():
    W, _, y = lecture_problem()  # the rows of W are the scores of the cat, car and frog images
    np.testing.assert_allclose(per_example_losses(svm_loss_on_scores, W, y), [2.9, 0.0, 12.9], atol=1e-12,
                               err_msg="svm_loss_on_scores on one image at a time: the lecture's 2.9, 0 and 12.9")
    # cat image: car margin 5.1 - 3.2 + 1 = 2.9, frog margin clipped; frog image: 6.3 and 6.6.
    margins, slopes = hinge_margins(W, y)
    np.testing.assert_allclose(margins, [[0, 2.9, 0], [0, 0, 0], [6.3, 6.6, 0]], atol=1e-12, err_msg=(
        "svm_loss_on_scores of each (correct class, class j) pair must be max(0, s_j - s_y + 1)"))
    assert np.array_equal(slopes, margins > 0), "a margin's slope is 1 exactly where it is positive"


@pytest.mark.parametrize("softmax", [softmax_loss_naive, softmax_loss_vectorized], ids=["naive", "vectorized"])
def test_lecture_softmax_by_hand(softmax):
    W, X, y = lecture_problem()
    expected = []
    for i in range(3):
        s = W[i]
        expected.append(math.log(sum(math.exp(v) for v in s)) - s[y[i]])
    loss, _ = softmax(W, X, y, 0.0)
    assert abs(loss - sum(expected) / 3) < 1e-12, (
        f"{softmax.__name__}: expected the mean of -s_y + log(sum_j exp(s_j)) over the lecture's three images, "
        f"{sum(expected) / 3:.6f}, got {loss!r}")
    # the lecture's cat image: probability of cat 0.13, loss -ln(0.13) = 2.04
    assert round(expected[0], 2) == 2.04, "test set-up: the lecture's cat loss is 2.04"


def test_softmax_details_probabilities():
    W, _, y = lecture_problem()
    probs = class_probabilities(W, y)  # read off softmax_loss_on_scores's gradient
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=0, atol=1e-15, err_msg=(
        "softmax_loss_on_scores's gradient must be (p - one_hot(y)) / N, with rows of p summing to 1"))
    np.testing.assert_allclose(probs[0], [0.13, 0.87, 0.00], atol=0.005, err_msg=(
        "the lecture's cat image has probabilities 0.13, 0.87, 0.00 (exp(scores) / their sum)"))
    np.testing.assert_allclose(per_example_losses(softmax_loss_on_scores, W, y), -np.log(probs[[0, 1, 2], y]),
                               rtol=1e-12, err_msg="each example's loss must be -log of its correct-class probability")


def test_lecture_variants_by_hand():
    W, X, y = lecture_problem()
    squared = [2.9 ** 2, 0.0, 6.3 ** 2 + 6.6 ** 2]
    assert abs(squared_hinge_loss(W, X, y, 0.0)[0] - sum(squared) / 3) < 1e-12, "squared hinge on the lecture's images"
    assert abs(svm_loss_all_classes(W, X, y, 0.0)[0] - (3.9 + 1.0 + 13.9) / 3) < 1e-12, "summing over j = y_i adds 1 per image"
    assert abs(svm_loss_sum(W, X, y, 0.0)[0] - (2.9 + 0.0 + 12.9)) < 1e-12, "the sum, not the mean, of the lecture's losses"


def test_all_classes_adds_one_and_keeps_the_gradient():
    W, X, y = random_problem(seed=4)
    loss, grad = svm_loss_vectorized(W, X, y, 0.1)
    loss_all, grad_all = svm_loss_all_classes(W, X, y, 0.1)
    assert abs(loss_all - (loss + 1.0)) < 1e-12, (
        f"including j = y_i adds exactly 1 to svm_loss_vectorized's loss ({loss!r} -> {loss_all!r}); "
        f"if this fails, check svm_loss_vectorized (make check Q=svm_vectorized)")
    assert rel_error(grad, grad_all) < 1e-12, "including j = y_i does not change the gradient of svm_loss_vectorized"


def test_sum_scales_the_data_part_by_n():
    W, X, y = random_problem(seed=5)
    reg = 0.1
    penalty = reg * np.sum(W * W)
    mean_loss, mean_grad = svm_loss_vectorized(W, X, y, reg)
    sum_loss, sum_grad = svm_loss_sum(W, X, y, reg)
    n = X.shape[0]
    assert abs(sum_loss - (n * (mean_loss - penalty) + penalty)) < 1e-10, (
        "the sum's data loss is N times svm_loss_vectorized's mean (check make check Q=svm_vectorized first)")
    assert rel_error(sum_grad, n * (mean_grad - 2 * reg * W) + 2 * reg * W) < 1e-12, (
        "the sum's data gradient is N times svm_loss_vectorized's")


def test_margin_by_hand_and_at_one():
    W, X, y = lecture_problem()
    # Delta = 2 on the lecture's images: cat 3.9 + 0, car 0 + 0, frog 7.3 + 7.6.
    assert abs(svm_loss_margin(W, X, y, 0.0, delta=2.0)[0] - (3.9 + 14.9) / 3) < 1e-12, "margin 2 on the lecture's images"
    W, X, y = random_problem(seed=6)
    loss, grad = svm_loss_vectorized(W, X, y, 0.1)
    loss_one, grad_one = svm_loss_margin(W, X, y, 0.1, delta=1.0)
    assert abs(loss_one - loss) < 1e-12 and rel_error(grad_one, grad) < 1e-12, "delta = 1 is svm_loss_vectorized"


def test_margin_gradient_matches_centered_differences():
    W, X, y = random_problem(seed=7)
    delta = 2.5
    margins = _hinge_margins(W, X, y) + delta - 1  # (N, C); the j = y_i entries are not margins
    margins[np.arange(len(y)), y] = 1.0
    h = 1e-4
    assert np.abs(margins).min() > 4 * h * np.abs(X).max(), "test set-up: a margin sits at a kink"
    loss, grad = svm_loss_margin(W, X, y, 0.1, delta=delta)
    numerical = eval_numerical_gradient(lambda w: svm_loss_margin(w, X, y, 0.1, delta=delta)[0], W.copy(),
                                        verbose=False, h=h)
    assert rel_error(grad, numerical) < 1e-7, f"svm_loss_margin's gradient at delta = {delta}: {rel_error(grad, numerical):.1e}"


@pytest.mark.parametrize("delta", [0.1, 10.0])
def test_margin_is_absorbed_by_the_scale_of_w(delta):
    # With W = delta * V and reg / delta: delta times the margin-1 objective at V, and the same gradient.
    V, X, y = random_problem(seed=8)
    loss_v, grad_v = svm_loss_vectorized(V, X, y, 0.2)
    loss_w, grad_w = svm_loss_margin(delta * V, X, y, 0.2 / delta, delta=delta)
    assert rel_error(loss_w, delta * loss_v) < 1e-12, "the objective scales by delta"
    assert rel_error(grad_w, grad_v) < 1e-10, "its gradient in W is the margin-1 gradient in V"


def test_margin_svm_trains_like_linear_svm_at_delta_one():
    W, X, y = random_problem(seed=9, num_train=60)
    runs = []
    for clf in (MarginSVM(delta=1.0), LinearSVM()):
        clf.train(X, y, learning_rate=1e-2, reg=1e-3, num_iters=20, batch_size=10, seed=3)
        runs.append(clf.W)
    assert np.array_equal(*runs), "MarginSVM(delta=1) is LinearSVM"


@pytest.mark.parametrize("delta", [0.0, -1.0, float("nan"), "1", True])
def test_margin_rejects_a_bad_delta(delta):
    W, X, y = random_problem()
    with pytest.raises(ValueError, match=r"delta must be a finite number > 0"):
        svm_loss_margin(W, X, y, 0.0, delta=delta)
    with pytest.raises(ValueError, match=r"delta must be a finite number > 0"):
        MarginSVM(delta=delta)


@pytest.mark.parametrize("loss_fn", MAIN_LOSSES, ids=ids(MAIN_LOSSES))
def test_loss_at_zero_weights(loss_fn):
    num_classes = 10
    W, X, y = random_problem(seed=6, num_classes=num_classes)
    expected = num_classes - 1 if loss_fn in HINGE_LOSSES else math.log(num_classes)
    assert abs(loss_fn(np.zeros_like(W), X, y, 0.0)[0] - expected) < 1e-12, (
        f"{loss_fn.__name__} at W = 0 with C = 10 classes must be {expected:.4f} (the lecture's sanity check: "
        f"C - 1 for the SVM, log C for softmax), got {loss_fn(np.zeros_like(W), X, y, 0.0)[0]!r}")
    # small random weights (the classifier's initialisation): close to the same value
    assert abs(loss_fn(W * 1e-5, X, y, 0.0)[0] - expected) < 1e-3, (
        f"{loss_fn.__name__} at tiny random W must be close to {expected:.4f}")


@pytest.mark.parametrize("softmax", [softmax_loss_naive, softmax_loss_vectorized], ids=["naive", "vectorized"])
def test_softmax_is_finite_and_silent_with_huge_scores(softmax):
    W = np.array([[1e4, -1e4], [-1e4, 1e4]])  # scores are the rows of W
    X = np.eye(2)
    y = np.array([0, 0])  # first example right with margin 2e4, second wrong by 2e4
    # NumPy's default: overflow, invalid and divide warn; underflow of exp(-2e4) to 0 is harmless.
    with warnings.catch_warnings(), np.errstate(over="warn", invalid="warn", divide="warn", under="ignore"):
        warnings.simplefilter("error")
        loss, grad = softmax(W, X, y, 0.0)
    assert loss == pytest.approx(1e4, rel=1e-12), (  # mean of 0 and 2e4
        f"{softmax.__name__} with scores of 1e4: loss must be 1e4, got {loss!r}; subtract each row's maximum "
        f"score before exp (and compute log-probabilities, not log of a probability that underflowed to 0)")
    assert np.isfinite(grad).all(), f"{softmax.__name__}: dW has NaN or inf with huge scores; subtract the max"
    np.testing.assert_allclose(grad, [[0, 0], [-0.5, 0.5]], atol=1e-12, err_msg=f"{softmax.__name__}: dW with huge scores")


@pytest.mark.parametrize("loss_fn", ALL_LOSSES, ids=ids(ALL_LOSSES))
def test_gradient_of_the_penalty_alone(loss_fn):
    W, X, y = random_problem(seed=7)
    reg = 0.37
    loss0, grad0 = loss_fn(W, X, y, 0.0)
    loss1, grad1 = loss_fn(W, X, y, reg)
    assert abs((loss1 - loss0) - reg * np.sum(W ** 2)) < 1e-12, (
        f"{loss_fn.__name__}: reg must add exactly reg * sum(W * W) to the loss (the course's convention)")
    np.testing.assert_allclose(grad1 - grad0, 2 * reg * W, rtol=1e-12, atol=1e-14, err_msg=(
        f"{loss_fn.__name__}: reg must add exactly 2 * reg * W to dW"))


# ---------------------------------------------------------------- dtypes and per-example losses


@pytest.mark.parametrize("loss_fn", ALL_LOSSES, ids=ids(ALL_LOSSES))
def test_float32_in_float32_out(loss_fn):
    W, X, y = random_problem(seed=8)
    loss64, grad64 = loss_fn(W, X, y, np.float64(0.1))  # a numpy float64 reg must not upcast
    loss32, grad32 = loss_fn(W.astype(np.float32), X.astype(np.float32), y, np.float64(0.1))
    assert grad32.dtype == np.float32, (
        f"{loss_fn.__name__}: float32 inputs gave a {grad32.dtype} dW; create arrays with X's or W's dtype "
        f"(np.zeros_like(W), .astype(X.dtype)), not float64 defaults")
    if loss_fn in VECTORIZED:
        assert np.asarray(loss32).dtype == np.float32, f"{loss_fn.__name__}: float32 inputs must give a float32 loss"
    assert abs(float(loss32) - loss64) < 1e-4 * max(1.0, loss64), f"{loss_fn.__name__}: float32 loss far from float64's"
    np.testing.assert_allclose(grad32, grad64, rtol=1e-3, atol=1e-4, err_msg=f"{loss_fn.__name__}: float32 dW far from float64's")


@pytest.mark.parametrize("on_scores", [svm_loss_on_scores, softmax_loss_on_scores], ids=["svm", "softmax"])
def test_per_example_losses_average_to_the_loss(on_scores):
    W, X, y = random_problem(seed=9)
    scores = X @ W
    losses = per_example_losses(on_scores, scores, y)
    assert losses.shape == (X.shape[0],) and (losses >= 0).all(), "one non-negative loss per example"
    assert abs(losses.mean() - on_scores(scores, y)[0]) < 1e-12, "the loss is the mean of the per-example losses"


def test_large_finite_inputs_are_accepted():
    # The sum of X overflows to inf although every entry is finite: validation must not reject it.
    W, X, y = random_problem(seed=10)
    X_big = np.full_like(X, 1e307)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss, _ = softmax_loss_vectorized(np.zeros_like(W), X_big, y, 0.0)
    assert abs(loss - math.log(W.shape[1])) < 1e-12, f"at W = 0 the softmax loss is log C whatever X, got {loss!r}"


# ---------------------------------------------------------------- bad input


def _bad_inputs():
    """(label, W, X, y, reg, pattern the message must match)."""
    W, X, y = random_problem(seed=11)
    nan_W, inf_X, minus_inf_X, nan_X = W.copy(), X.copy(), X.copy(), X.copy()
    nan_W[2, 1] = np.nan
    inf_X[0, 3] = np.inf
    minus_inf_X[-1, -1] = -np.inf
    nan_X[5, 0] = np.nan
    high_y, low_y = y.copy(), y.copy()
    high_y[3] = W.shape[1]
    low_y[0] = -1
    return [
        ("W 1-D", W[:, 0], X, y, 0.0, r"W must be a 2-D .*shape \(12,\)"),
        ("W int", W.astype(int), X, y, 0.0, r"W must have a float dtype.*int"),
        ("W list", W.tolist(), X, y, 0.0, r"W must be a 2-D numpy array.*list"),
        ("W NaN", nan_W, X, y, 0.0, r"W contains NaN or inf.*\(12, 5\)"),
        ("X wrong D", W, X[:, :-1], y, 0.0, r"X must be .*\(N, 12\).*\(12, 5\).*\(30, 11\)"),
        ("X 1-D", W, X[0], y, 0.0, r"X must be .*shape \(12,\)"),
        ("X int", W, X.astype(np.int64), y, 0.0, r"X must have a float dtype"),
        ("X inf", W, inf_X, y, 0.0, r"X contains NaN or inf.*\(30, 12\)"),
        ("X -inf", W, minus_inf_X, y, 0.0, r"X contains NaN or inf"),
        ("X NaN", W, nan_X, y, 0.0, r"X contains NaN or inf"),
        ("y float", W, X, y.astype(float), 0.0, r"y must have an integer dtype.*float64"),
        ("y bool", W, X, y > 2, 0.0, r"y must have an integer dtype.*bool"),
        ("y 2-D", W, X, y[:, None], 0.0, r"y must be a 1-D .*\(30, 1\)"),
        ("y list", W, X, list(y), 0.0, r"y must be a 1-D numpy array.*list"),
        ("y short", W, X, y[:-1], 0.0, r"y must have one label per row.*\(29,\).*30 rows"),
        ("y too high", W, X, high_y, 0.0, r"y must hold labels in \[0, 5\).*to 5"),
        ("y negative", W, X, low_y, 0.0, r"y must hold labels in \[0, 5\).*from -1"),
        ("N = 0", W, X[:0], y[:0], 0.0, r"at least one example.*N = 0"),
        ("reg negative", W, X, y, -0.1, r"reg must be a finite number >= 0.*-0.1"),
        ("reg NaN", W, X, y, float("nan"), r"reg must be a finite number >= 0.*nan"),
        ("reg string", W, X, y, "0.1", r"reg must be a finite number >= 0"),
    ]


BAD_INPUTS = _bad_inputs()


@pytest.mark.parametrize("label, W, X, y, reg, pattern", BAD_INPUTS, ids=[case[0] for case in BAD_INPUTS])
def test_bad_input_raises_a_clear_error(label, W, X, y, reg, pattern):
    with pytest.raises(ValueError, match=pattern):
        check_loss_inputs(W, X, y, reg)


# Each loss once per path of the checks: X's NaN/inf scan up front (naive, variants) or deferred until
# the result is not finite (vectorized), and a check before the loss runs.
BAD_X_AND_REG = [case for case in BAD_INPUTS if case[0] in ("X NaN", "X -inf", "reg negative")]


@pytest.mark.parametrize("label, W, X, y, reg, pattern", BAD_X_AND_REG, ids=[case[0] for case in BAD_X_AND_REG])
@pytest.mark.parametrize("loss_fn", ALL_LOSSES, ids=ids(ALL_LOSSES))
def test_every_loss_checks_its_inputs(loss_fn, label, W, X, y, reg, pattern):
    with pytest.raises(ValueError, match=pattern):
        loss_fn(W, X, y, reg)


# ---------------------------------------------------------------- the losses on given scores


@pytest.mark.parametrize("on_scores", [svm_loss_on_scores, softmax_loss_on_scores], ids=["svm", "softmax"])
def test_loss_on_scores_by_hand_and_by_finite_differences(on_scores):
    W, _, y = lecture_problem()
    scores = W.copy()  # the lecture's scores: one row per image (cat, car, frog)
    loss, dscores = on_scores(scores, y)
    if on_scores is svm_loss_on_scores:
        assert abs(loss - (2.9 + 0.0 + 12.9) / 3) < 1e-12, (
            f"svm_loss_on_scores: loss {loss} on the lecture's scores, expected the mean of 2.9, 0 and 12.9")
        # cat row: the car margin is positive (+1 on car, -1 on cat); frog row: two positive margins.
        np.testing.assert_allclose(dscores * 3, [[-1, 1, 0], [0, 0, 0], [1, 1, -2]], atol=1e-12,
                                   err_msg="svm_loss_on_scores: dscores should be +1 per positive margin, minus "
                                           "their count in the correct column, divided by N")
    else:
        expected = np.mean([math.log(sum(math.exp(v) for v in s)) - s[label] for s, label in zip(scores, y)])
        assert abs(loss - expected) < 1e-12, f"softmax_loss_on_scores: loss {loss}, expected {expected} by hand"
    # Scores away from the hinge's kinks: centered differences are exact up to rounding.
    rng = np.random.default_rng(8)
    scores = rng.standard_normal((9, 5))
    labels = rng.integers(0, 5, 9)
    if on_scores is svm_loss_on_scores:
        assert np.abs(_hinge_margins(np.eye(5), scores, labels)).min() > 4e-4, "test data: no margin at a kink"
    loss, dscores = on_scores(scores, labels)
    numerical = eval_numerical_gradient(lambda s: on_scores(s, labels)[0], scores.copy(), verbose=False, h=1e-5)
    assert dscores.shape == scores.shape, f"{on_scores.__name__}: dscores must have the shape of scores"
    assert rel_error(dscores, numerical) < 1e-7, (
        f"{on_scores.__name__}: dscores differs from the numerical gradient of the loss with respect to the scores")
