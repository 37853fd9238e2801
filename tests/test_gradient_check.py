"""Numerical gradients against functions whose gradients are known in closed form."""

import numpy as np
import pytest

from cs231n_lib import eval_numerical_gradient, eval_numerical_gradient_array, grad_check_sparse, rel_error


def test_rel_error_values():
    assert rel_error(np.zeros(3), np.zeros(3)) == 0.0  # no division by zero
    assert rel_error(1.0, 3.0) == 0.5
    assert rel_error(np.array([1.0, 2.0]), np.array([1.0, 2.0])) == 0.0
    assert rel_error(np.array([1.0, -1.0]), np.array([-1.0, -1.0])) == 1.0
    assert rel_error(0.0, 1e-12) == pytest.approx(1e-4)  # tiny values: the 1e-8 floor
    assert rel_error(2.0, 3.0) == rel_error(3.0, 2.0)


def test_rel_error_rejects_shape_mismatch():
    with pytest.raises(ValueError, match=r"x and y must have the same shape, got \(3,\) and \(1, 3\)"):
        rel_error(np.zeros(3), np.zeros((1, 3)))


@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 2)])
def test_eval_numerical_gradient_on_closed_forms(shape):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape)
    x_before = x.copy()
    # f(x) = sum(x^3) + sum(sin(x)), gradient 3 x^2 + cos(x)
    grad = eval_numerical_gradient(lambda z: np.sum(z ** 3) + np.sum(np.sin(z)), x, verbose=False)
    assert rel_error(grad, 3 * x ** 2 + np.cos(x)) < 1e-8
    np.testing.assert_array_equal(x, x_before)  # restored bit for bit


def test_eval_numerical_gradient_quadratic_form():
    rng = np.random.default_rng(1)
    A = rng.standard_normal((4, 4))
    x = rng.standard_normal(4)
    grad = eval_numerical_gradient(lambda z: z @ A @ z, x, verbose=False)
    assert rel_error(grad, (A + A.T) @ x) < 1e-8


def test_eval_numerical_gradient_verbose_prints_every_entry(capsys):
    x = np.arange(6.0).reshape(2, 3)
    eval_numerical_gradient(lambda z: np.sum(z), x)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 6 and lines[0].startswith("(0, 0)")


def test_x_is_restored_when_f_raises():
    x = np.array([1.0, 2.0])
    calls = []

    def f(z):
        calls.append(z.copy())
        if len(calls) == 2:
            raise RuntimeError("boom")
        return float(np.sum(z))

    with pytest.raises(RuntimeError, match="boom"):
        eval_numerical_gradient(f, x, verbose=False)
    np.testing.assert_array_equal(x, [1.0, 2.0])


def test_eval_numerical_gradient_array_on_closed_forms():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((3, 4))
    df = rng.standard_normal((3, 4))
    grad = eval_numerical_gradient_array(lambda z: z ** 2, x, df)
    assert rel_error(grad, 2 * x * df) < 1e-8
    A = rng.standard_normal((5, 3))
    df_out = rng.standard_normal((5, 4))
    grad = eval_numerical_gradient_array(lambda z: A @ z, x, df_out)
    assert rel_error(grad, A.T @ df_out) < 1e-8


def test_eval_numerical_gradient_array_with_f_returning_a_view_of_x():
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    df = np.array([[1.0, 2.0], [3.0, 4.0]])
    grad = eval_numerical_gradient_array(lambda z: z, x, df)  # identity: the gradient is df
    assert rel_error(grad, df) < 1e-9


def test_eval_numerical_gradient_array_rejects_wrong_df():
    with pytest.raises(ValueError, match=r"df must have the shape of f\(x\), got df of shape \(2,\)"):
        eval_numerical_gradient_array(lambda z: z * 2, np.ones(3), np.ones(2))


def test_grad_check_sparse_right_and_wrong(capsys):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((6, 5))
    x_before = x.copy()

    def f(z):
        return np.sum(z ** 2)

    errors = grad_check_sparse(f, x, 2 * x, num_checks=7, seed=0)
    lines = capsys.readouterr().out.splitlines()
    assert errors.shape == (7,) and errors.max() < 1e-8
    assert len(lines) == 7 and all(line.startswith("numerical:") for line in lines)
    np.testing.assert_array_equal(x, x_before)
    wrong = grad_check_sparse(f, x, 4 * x, num_checks=7, seed=0, verbose=False)
    np.testing.assert_allclose(wrong, 1 / 3, rtol=1e-6)  # |2x - 4x| / (|2x| + |4x|)


def test_grad_check_sparse_same_seed_same_entries():
    x = np.random.default_rng(4).standard_normal((8, 8))
    analytic = np.random.default_rng(5).standard_normal((8, 8))  # wrong on purpose: errors vary by entry
    first = grad_check_sparse(lambda z: np.sum(z), x, analytic, seed=42, verbose=False)
    second = grad_check_sparse(lambda z: np.sum(z), x, analytic, seed=np.random.default_rng(42), verbose=False)
    np.testing.assert_array_equal(first, second)


@pytest.mark.parametrize("call, pattern", [
    (lambda: eval_numerical_gradient(np.sum, np.arange(3)), r"x must be a float numpy array.*int"),
    (lambda: eval_numerical_gradient(np.sum, [1.0, 2.0]), r"x must be a float numpy array.*list"),
    (lambda: eval_numerical_gradient(np.sum, np.ones(3), h=0.0), r"h must be a finite step > 0, got 0.0"),
    (lambda: grad_check_sparse(np.sum, np.ones(3), np.ones(4)), r"analytic_grad must have the shape of x"),
    (lambda: grad_check_sparse(np.sum, np.ones(3), np.ones(3), num_checks=0), r"num_checks must be a positive"),
    (lambda: grad_check_sparse(np.sum, np.ones((0, 3)), np.ones((0, 3))), r"x must have at least one entry"),
], ids=["int x", "list x", "h zero", "grad shape", "num_checks", "empty x"])
def test_bad_input_raises_a_clear_error(call, pattern):
    with pytest.raises(ValueError, match=pattern):
        call()


def test_grad_check_sparse_without_seed_follows_numpy_global_seed():
    x = np.random.default_rng(6).standard_normal((8, 8))
    analytic = np.random.default_rng(7).standard_normal((8, 8))  # wrong on purpose: errors vary by entry
    runs = []
    for global_seed in [231, 231, 232]:
        np.random.seed(global_seed)
        runs.append(grad_check_sparse(lambda z: np.sum(z), x, analytic, verbose=False))
    np.testing.assert_array_equal(runs[0], runs[1], err_msg="np.random.seed(231) twice must check the same entries")
    assert not np.array_equal(runs[0], runs[2]), "another global seed must check other entries"


def test_grad_check_sparse_rejects_a_bad_seed():
    with pytest.raises(ValueError, match="seed must be None, a non-negative int or a numpy Generator, got 'x'"):
        grad_check_sparse(lambda z: np.sum(z), np.ones(3), np.ones(3), seed="x")
