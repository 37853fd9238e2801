"""Tests for cs231n_lib.course.playgrounds: each value at chosen settings against an independent computation."""

import math

import numpy as np
import pytest

from cs231n_lib import regularizers
from cs231n_lib.course import landscapes, playgrounds
from cs231n_lib.gradient_check import eval_numerical_gradient
from cs231n_lib.classifiers.linear_svm import svm_loss_vectorized
from cs231n_lib.classifiers.softmax import softmax_loss_vectorized

W2 = np.array([[1.0, -0.5, -0.5], [0.2, 1.0, -1.0]])  # (2, 3)
B2 = np.array([0.1, -0.3, 0.2])  # (3,)


def hinge_by_loops(W, b, X, y, reg, margin):
    """Per-point SVM losses and the total, with plain loops (an independent oracle)."""
    losses = []
    for x, label in zip(X, y):
        scores = [float(x @ W[:, c] + b[c]) for c in range(W.shape[1])]
        losses.append(sum(max(0.0, scores[c] - scores[label] + margin) for c in range(W.shape[1]) if c != label))
    penalty = reg * (float(np.sum(W * W)) + float(np.sum(b * b)))
    return np.array(losses), float(np.mean(losses)) + penalty


def cross_entropy_by_loops(W, b, X, y, reg):
    losses = []
    for x, label in zip(X, y):
        scores = [float(x @ W[:, c] + b[c]) for c in range(W.shape[1])]
        losses.append(math.log(sum(math.exp(s) for s in scores)) - scores[label])
    return np.array(losses), float(np.mean(losses)) + reg * (float(np.sum(W * W)) + float(np.sum(b * b)))


def test_toy_data_has_three_classes_of_2d_points():
    X, y = playgrounds.toy_data(num_per_class=5, seed=3)
    assert X.shape == (15, 2) and list(np.bincount(y)) == [5, 5, 5]
    np.testing.assert_array_equal(X, playgrounds.toy_data(num_per_class=5, seed=3)[0])
    with pytest.raises(ValueError, match="num_per_class"):
        playgrounds.toy_data(num_per_class=0)


@pytest.mark.parametrize("margin", [1.0, 0.5, 2.5])
def test_svm_state_matches_loops_for_any_margin(margin):
    X, y = playgrounds.toy_data()
    state = playgrounds.classifier_state(W2, B2, X, y, "svm", reg=0.1, margin=margin)
    losses, total = hinge_by_loops(W2, B2, X, y, 0.1, margin)
    np.testing.assert_allclose(state["losses"], losses, rtol=1e-12, atol=1e-12)
    assert state["loss"] == pytest.approx(total, rel=1e-12)
    assert state["loss"] == pytest.approx(state["data_loss"] + state["reg_loss"], rel=1e-12)


def test_softmax_state_matches_loops():
    X, y = playgrounds.toy_data()
    state = playgrounds.classifier_state(W2, B2, X, y, "softmax", reg=0.05)
    losses, total = cross_entropy_by_loops(W2, B2, X, y, 0.05)
    np.testing.assert_allclose(state["losses"], losses, rtol=1e-12)
    assert state["loss"] == pytest.approx(total, rel=1e-12)


@pytest.mark.parametrize("loss, margin", [("svm", 1.0), ("svm", 2.0), ("softmax", 1.0)])
def test_state_gradient_matches_finite_differences(loss, margin):
    X, y = playgrounds.toy_data()
    state = playgrounds.classifier_state(W2, B2, X, y, loss, reg=0.1, margin=margin)
    total_of_Wb = lambda Wb: playgrounds.classifier_state(Wb[:2], Wb[2], X, y, loss, 0.1, margin)["loss"]
    numeric = eval_numerical_gradient(total_of_Wb, np.vstack([W2, B2]).copy(), verbose=False, h=1e-6)  # (3, 3)
    np.testing.assert_allclose(np.vstack([state["dW"], state["db"]]), numeric, rtol=1e-5, atol=1e-7)


def test_gradient_step_is_sgd_on_the_total_and_lowers_it():
    X, y = playgrounds.toy_data()
    state = playgrounds.classifier_state(W2, B2, X, y, "svm", reg=0.1)
    W_next, b_next = playgrounds.gradient_step(W2, B2, X, y, "svm", reg=0.1, step_size=0.05)
    np.testing.assert_allclose(W_next, W2 - 0.05 * state["dW"], rtol=1e-15)
    np.testing.assert_allclose(b_next, B2 - 0.05 * state["db"], rtol=1e-15)
    assert playgrounds.classifier_state(W_next, b_next, X, y, "svm", reg=0.1)["loss"] < state["loss"]


def test_decision_regions_are_the_argmax_at_each_grid_point():
    xs, ys, classes = playgrounds.decision_regions(W2, B2, (-1.0, 2.0, -3.0, 1.0), resolution=7)
    assert xs.shape == (7,) and ys.shape == (7,) and classes.shape == (7, 7)
    for i, j in [(0, 0), (3, 5), (6, 2), (6, 6)]:
        point = np.array([xs[j], ys[i]])
        assert classes[i, j] == np.argmax(point @ W2 + B2)


def test_unknown_loss_and_bad_margin_are_one_sentence_errors():
    X, y = playgrounds.toy_data()
    with pytest.raises(ValueError, match="loss must be one of"):
        playgrounds.classifier_state(W2, B2, X, y, "hinge")
    with pytest.raises(ValueError, match="margin must be"):
        playgrounds.classifier_state(W2, B2, X, y, "svm", margin=0.0)


@pytest.fixture(scope="module")
def small_problem():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 7))  # (N, D)
    y = rng.integers(0, 4, size=40)  # (N,)
    W = 0.3 * rng.standard_normal((7, 4))  # (D, C)
    return W, X, y


def test_random_directions_are_as_long_as_W_and_not_along_it(small_problem):
    W, _, _ = small_problem
    directions = playgrounds.random_directions(W, 2, seed=0)
    assert directions.shape == (2,) + W.shape
    np.testing.assert_allclose(np.linalg.norm(directions.reshape(2, -1), axis=1), np.linalg.norm(W), rtol=1e-12)
    # A classifier initialized with default_rng(0) draws the same numbers as a naive direction with seed 0.
    init = np.random.default_rng(0).standard_normal(W.shape)
    cosine = np.sum(init * directions[0]) / (np.linalg.norm(init) * np.linalg.norm(directions[0]))
    assert abs(cosine) < 0.9, "the directions must come from their own stream, not repeat default_rng(seed)"


@pytest.mark.parametrize("loss, full_loss", [("svm", svm_loss_vectorized), ("softmax", softmax_loss_vectorized)])
def test_slices_match_the_loss_at_each_point(small_problem, loss, full_loss):
    W, X, y = small_problem
    directions = playgrounds.random_directions(W, 2, seed=1)
    alphas = np.linspace(-1.5, 1.5, 7)
    line = playgrounds.slice_data_losses(W, X, y, directions[:1], alphas, loss=loss)
    grid = playgrounds.slice_data_losses(W, X, y, directions, alphas, loss=loss)
    assert line.shape == (7,) and grid.shape == (7, 7)
    for i, a in enumerate(alphas):
        assert line[i] == pytest.approx(full_loss(W + a * directions[0], X, y, 0.0)[0], rel=1e-12)
        for j in (0, 4):
            expected = full_loss(W + a * directions[0] + alphas[j] * directions[1], X, y, 0.0)[0]
            assert grid[j, i] == pytest.approx(expected, rel=1e-12), "rows follow the second direction"


def test_per_example_slices_and_the_penalty(small_problem):
    W, X, y = small_problem
    directions = playgrounds.random_directions(W, 2, seed=2)
    alphas = np.array([-0.5, 0.0, 0.75])
    singles = playgrounds.slice_data_losses(W, X, y, directions[:1], alphas, per_example=True)  # (A, N)
    scores = X @ (W + 0.75 * directions[0])                                   # (N, C)
    margins = np.maximum(0.0, scores - scores[np.arange(len(y)), y][:, None] + 1.0)  # (N, C)
    margins[np.arange(len(y)), y] = 0.0
    np.testing.assert_allclose(singles[2], margins.sum(axis=1), rtol=1e-12)
    line_reg = playgrounds.slice_l2(W, directions[:1], alphas, 3.0)
    grid_reg = playgrounds.slice_l2(W, directions, alphas, 3.0)
    for i, a in enumerate(alphas):
        assert line_reg[i] == pytest.approx(regularizers.l2_penalty(W + a * directions[0], 3.0)[0], rel=1e-12)
        for j, b in enumerate(alphas):
            expected = regularizers.l2_penalty(W + a * directions[0] + b * directions[1], 3.0)[0]
            assert grid_reg[j, i] == pytest.approx(expected, rel=1e-12)
    with pytest.raises(ValueError, match="reg must be"):
        playgrounds.slice_l2(W, directions, alphas, -1.0)


def test_one_example_is_piecewise_linear_and_the_mean_is_convex(small_problem):
    W, X, y = small_problem
    C = W.shape[1]
    direction = playgrounds.random_directions(W, 1, seed=3)
    alphas = np.linspace(-3, 3, 601)
    singles = playgrounds.slice_data_losses(W, X, y, direction, alphas, per_example=True)  # (A, N)
    bends = np.abs(np.diff(singles, n=2, axis=0)) > 1e-9  # (A - 2, N)
    # C - 1 hinges, each with at most one kink, and a kink bends at most two second differences.
    assert bends.sum(axis=0).max() <= 2 * (C - 1)
    assert bends.sum() > 0, "somewhere along the line a margin must cross 0"
    assert np.all(np.diff(singles.mean(axis=1), n=2) > -1e-12), "the mean of convex functions is convex"


def test_run_optimizer_can_stop_at_divergence():
    taco = landscapes.ill_conditioned_quadratic(10.0)
    with pytest.raises(ValueError, match="diverged"):
        landscapes.run_optimizer(taco, "sgd", taco.start, 100, {"learning_rate": 0.5})
    path, losses = landscapes.run_optimizer(taco, "sgd", taco.start, 100, {"learning_rate": 0.5},
                                            stop_on_divergence=True)
    assert 1 < len(path) < 101 and len(losses) == len(path)
    assert np.max(np.abs(path)) <= 1e6
    # y is multiplied by 1 - 0.5 * 10 = -4 each step: it passes 1e6 at the first t with 1.05 * 4^t > 1e6.
    assert len(path) == next(t for t in range(100) if taco.start[1] * 4.0**t > 1e6)


def test_optimizer_paths_flag_the_diverged_runs():
    taco = playgrounds.optimizer_landscape("quadratic", 10.0)
    rules = playgrounds.playground_rules(step_size=0.25, momentum=0.5, adaptive_step_size=0.05)
    paths = playgrounds.optimizer_paths(taco, rules, taco.start, 50)
    assert set(paths) == {"SGD", "momentum", "Nesterov", "RMSProp", "Adam"}
    assert paths["SGD"][2], "0.25 * 10 > 2: plain SGD must diverge"
    assert not paths["momentum"][2], "0.25 * 10 < 2 (1 + 0.5): heavy ball is stable"
    expected, _ = landscapes.run_optimizer(taco, "sgd_momentum", taco.start, 50, {"learning_rate": 0.25, "momentum": 0.5})
    np.testing.assert_array_equal(paths["momentum"][0], expected)


@pytest.mark.parametrize("rule", ["sgd_momentum", "nesterov_momentum"])
@pytest.mark.parametrize("fn", [landscapes.ill_conditioned_quadratic(20.0), landscapes.Rosenbrock()],
                         ids=["quadratic", "rosenbrock"])
def test_momentum_map_matches_one_run_per_cell(rule, fn):
    lrs, momenta = np.array([1e-4, 3e-4, 2e-3]), np.array([0.0, 0.5, 0.9])
    losses = playgrounds.momentum_map(fn, fn.start, lrs, momenta, 40, rule=rule)
    assert losses.shape == (3, 3)
    for m, mu in enumerate(momenta):
        for l, lr in enumerate(lrs):
            path, values = landscapes.run_optimizer(fn, rule, fn.start, 40, {"learning_rate": lr, "momentum": mu},
                                                    stop_on_divergence=True)
            expected = values[-1] if len(path) == 41 else np.inf
            assert losses[m, l] == pytest.approx(expected, rel=1e-9), (lr, mu)


def test_momentum_map_diverges_exactly_where_the_heavy_ball_is_unstable():
    kappa, k = 10.0, 150
    fn = landscapes.ill_conditioned_quadratic(kappa)
    lrs, momenta = np.logspace(-2, 0, 40), np.linspace(0, 0.95, 20)
    losses = playgrounds.momentum_map(fn, fn.start, lrs, momenta, k)

    def spectral_radius(lr, mu, h):
        # x_{t+1} = x_t + mu (x_t - x_{t-1}) - lr h x_t on a curvature h: the companion matrix of that recursion.
        return np.max(np.abs(np.linalg.eigvals(np.array([[1 + mu - lr * h, -mu], [1.0, 0.0]]))))

    checked_stable = checked_diverged = 0
    for m, mu in enumerate(momenta):
        for l, lr in enumerate(lrs):
            radius = max(spectral_radius(lr, mu, 1.0), spectral_radius(lr, mu, kappa))
            if radius < 1:
                assert np.isfinite(losses[m, l]), (lr, mu)
                checked_stable += 1
            elif radius**k > 1e9:
                assert losses[m, l] == np.inf, (lr, mu)
                checked_diverged += 1
    assert checked_stable > 100 and checked_diverged > 100
    with pytest.raises(ValueError, match="rule must be one of"):
        playgrounds.momentum_map(fn, fn.start, lrs, momenta, 5, rule="adam")
