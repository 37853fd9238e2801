"""Tests for cs231n_lib.course.landscapes: gradients and Hessians by finite differences, known minima, the runner."""

import numpy as np
import pytest

from cs231n_lib.course import landscapes

ALL = [
    landscapes.ill_conditioned_quadratic(),
    landscapes.ill_conditioned_quadratic(condition_number=5.0, angle=0.6),
    landscapes.SaddlePoint(),
    landscapes.LocalMinimum(),
    landscapes.Rosenbrock(),
]
IDS = ["taco", "rotated taco", "saddle", "local minimum", "rosenbrock"]


def centered_difference(f, x, h=1e-6):
    """Centered finite differences of a scalar or vector function f at x (2,): shape (2,) or (2, ...)."""
    columns = []
    for i in range(2):
        e = np.zeros(2)
        e[i] = h
        columns.append((np.asarray(f(x + e)) - np.asarray(f(x - e))) / (2 * h))
    return np.array(columns)


def sample_points(fn, num=6, seed=0):
    xmin, xmax, ymin, ymax = fn.extent
    rng = np.random.default_rng(seed)
    return np.column_stack([rng.uniform(xmin, xmax, num), rng.uniform(ymin, ymax, num)])  # (num, 2)


@pytest.mark.parametrize("fn", ALL, ids=IDS)
def test_gradient_matches_finite_differences(fn):
    for x in sample_points(fn):
        numeric = centered_difference(fn.value, x)  # (2,)
        np.testing.assert_allclose(fn.gradient(x), numeric, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("fn", ALL, ids=IDS)
def test_hessian_matches_finite_differences_of_the_gradient(fn):
    for x in sample_points(fn, seed=1):
        numeric = centered_difference(fn.gradient, x)  # (2, 2): row i = d grad / d x_i
        np.testing.assert_allclose(fn.hessian(x), numeric, rtol=1e-6, atol=1e-5)
        np.testing.assert_allclose(fn.hessian(x), fn.hessian(x).T)


@pytest.mark.parametrize("fn", ALL, ids=IDS)
def test_known_minima(fn):
    for m in fn.minima:
        np.testing.assert_allclose(fn.gradient(m), 0.0, atol=1e-12)
        assert np.all(np.linalg.eigvalsh(fn.hessian(m)) > 0)  # a minimum, not a saddle
    # the global minimum (listed first) has value 0 and nothing on a grid is lower
    assert fn.value(fn.minima[0]) == pytest.approx(0.0, abs=1e-12)
    xmin, xmax, ymin, ymax = fn.extent
    grid = np.stack(np.meshgrid(np.linspace(xmin, xmax, 81), np.linspace(ymin, ymax, 81)), axis=-1)  # (81, 81, 2)
    assert fn.value(grid).min() >= -1e-12


def test_minimum_locations_in_closed_form():
    np.testing.assert_array_equal(landscapes.ill_conditioned_quadratic().minima, [[0.0, 0.0]])
    np.testing.assert_array_equal(landscapes.Rosenbrock(a=2.0, b=10.0).minima, [[2.0, 4.0]])
    np.testing.assert_array_equal(landscapes.SaddlePoint().minima, [[0.0, 1.0], [0.0, -1.0]])
    saddle = landscapes.SaddlePoint()
    np.testing.assert_array_equal(saddle.gradient(saddle.saddle), [0.0, 0.0])
    eigenvalues = np.linalg.eigvalsh(saddle.hessian(saddle.saddle))
    assert eigenvalues[0] < 0 < eigenvalues[1]


def test_local_minimum_is_higher_than_the_global_one():
    fn = landscapes.LocalMinimum(tilt=0.5)
    glob, local = fn.minima
    assert glob[0] < fn.hump[0] < local[0]
    assert fn.value(local) > fn.value(glob) + 0.5
    # 4 x^3 - 4 x + 0.5 = 0 at both minima, checked directly with the formula
    for x in (glob[0], local[0]):
        assert 4 * x**3 - 4 * x + 0.5 == pytest.approx(0.0, abs=1e-12)


def test_quadratic_condition_number_and_rotation():
    fn = landscapes.ill_conditioned_quadratic(condition_number=50.0, angle=np.pi / 4)
    np.testing.assert_allclose(np.linalg.eigvalsh(fn.hessian(np.zeros(2))), [1.0, 50.0])
    # the steep direction is the rotated y axis (-sin, cos)
    direction = np.array([-1.0, 1.0]) / np.sqrt(2)
    assert fn.value(direction) == pytest.approx(25.0)


def test_call_and_vectorized_shapes():
    fn = landscapes.Rosenbrock()
    grid = np.zeros((4, 5, 2))
    assert fn.value(grid).shape == (4, 5)
    assert fn.gradient(grid).shape == (4, 5, 2)
    value, grad = fn(np.array([1.0, 1.0]))
    assert value == 0.0 and grad.shape == (2,)


def test_run_optimizer_shapes_and_sgd_by_hand():
    fn = landscapes.Quadratic(np.diag([1.0, 4.0]))
    trajectory, losses = landscapes.run_optimizer(fn, "sgd", [2.0, 1.0], 2, {"learning_rate": 0.1})
    assert trajectory.shape == (3, 2) and losses.shape == (3,)
    # x shrinks by (1 - 0.1 * 1) per step, y by (1 - 0.1 * 4)
    np.testing.assert_allclose(trajectory, [[2.0, 1.0], [1.8, 0.6], [1.62, 0.36]], err_msg=(
        "two SGD steps on 1/2 (x^2 + 4 y^2) with learning_rate 0.1; if this fails, check optim.sgd (make check Q=sgd)"))
    np.testing.assert_allclose(losses, 0.5 * (trajectory[:, 0] ** 2 + 4 * trajectory[:, 1] ** 2))


def test_run_optimizer_copies_the_config():
    config = {"learning_rate": 0.1}
    landscapes.run_optimizer(landscapes.SaddlePoint(), "adam", [1.0, 0.5], 3, config)
    assert config == {"learning_rate": 0.1}, "run_optimizer must not change the caller's config"


def test_noise_is_seeded_and_lets_sgd_escape_the_saddle():
    fn = landscapes.SaddlePoint()
    config = {"learning_rate": 0.1}
    clean, _ = landscapes.run_optimizer(fn, "sgd", [-1.5, 0.0], 300, config)
    np.testing.assert_allclose(clean[-1], fn.saddle, atol=1e-6, err_msg=(  # stuck on the saddle
        "noise-free SGD started on the saddle's axis stays on the saddle (needs optim.sgd: make check Q=sgd)"))
    noisy, losses = landscapes.run_optimizer(fn, "sgd", [-1.5, 0.0], 300, config, noise=0.1, seed=0)
    again, _ = landscapes.run_optimizer(fn, "sgd", [-1.5, 0.0], 300, config, noise=0.1, seed=0)
    np.testing.assert_array_equal(noisy, again, err_msg="the same seed gives the same noise")
    assert abs(abs(noisy[-1, 1]) - 1.0) < 0.2, f"noisy SGD should end near a minimum (0, +-1), got {noisy[-1]}"
    assert losses[-1] < 0.05, f"noisy SGD should escape the saddle, final loss {losses[-1]:.3f}"


def test_momentum_escapes_the_local_minimum_but_sgd_does_not():
    fn = landscapes.LocalMinimum()
    _, sgd_losses = landscapes.run_optimizer(fn, "sgd", fn.start, 300, {"learning_rate": 0.02})
    _, mom_losses = landscapes.run_optimizer(fn, "sgd_momentum", fn.start, 300, {"learning_rate": 0.02})
    local_value = fn.value(fn.minima[1])
    assert sgd_losses[-1] == pytest.approx(local_value, abs=1e-3), (
        f"SGD should stop in the local minimum ({local_value:.4f}), got {sgd_losses[-1]:.4f}; check optim.sgd")
    assert mom_losses[-1] < 1e-3, (
        f"momentum 0.9 should roll through to the global minimum (loss < 1e-3), got {mom_losses[-1]:.4f}; "
        f"check optim.sgd_momentum (make check Q=sgd_momentum)")


@pytest.mark.parametrize("kwargs, match", [
    ({"x0": [1.0, 2.0, 3.0]}, "x0 must be a finite point of shape"),
    ({"num_steps": -1}, "num_steps must be a non-negative integer"),
    ({"noise": -0.1}, "noise must be"),
    ({"update_rule": "adamax"}, "update_rule must be one of"),
])
def test_run_optimizer_bad_input(kwargs, match):
    args = {"fn": landscapes.Rosenbrock(), "update_rule": "sgd", "x0": [0.0, 0.0], "num_steps": 3}
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        landscapes.run_optimizer(**args)


def test_divergence_is_reported():
    with pytest.raises(ValueError, match="diverged at step .*lower optim_config"):
        landscapes.run_optimizer(landscapes.Rosenbrock(), "sgd", [-1.5, 2.5], 50, {"learning_rate": 0.1})


@pytest.mark.parametrize("make, match", [
    (lambda: landscapes.Quadratic(np.diag([1.0, -1.0])), "positive definite"),
    (lambda: landscapes.Quadratic([[1.0, 2.0], [0.0, 1.0]]), "symmetric"),
    (lambda: landscapes.ill_conditioned_quadratic(0.5), "condition_number"),
    (lambda: landscapes.LocalMinimum(tilt=2.0), "tilt"),
    (lambda: landscapes.Rosenbrock(b=-1.0), "b finite and > 0"),
    (lambda: landscapes.Rosenbrock().value(np.zeros(3)), r"xy must have shape \(\.\.\., 2\)"),
])
def test_bad_landscape_parameters(make, match):
    with pytest.raises(ValueError, match=match):
        make()
