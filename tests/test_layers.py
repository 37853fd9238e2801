"""Layers: every backward pass against centered differences, forward passes against hand-worked values.

Letters: N examples, D input features, M output features, C classes.
Gradients are checked in float64 with ``eval_numerical_gradient_array`` (the
oracle, which only calls the forward pass); inputs stay away from the kinks
of ReLU and friends so the finite differences are exact to O(h^2).
"""

import numpy as np
import pytest

from cs231n_lib import layers
from cs231n_lib.gradient_check import eval_numerical_gradient, eval_numerical_gradient_array, rel_error
from cs231n_lib.classifiers.linear_svm import svm_loss_vectorized
from cs231n_lib.classifiers.softmax import softmax_loss_vectorized

GRAD_TOL = 1e-7  # float64 centered differences with h = 1e-5 on smooth functions of O(1) values


def away_from_zero(rng, shape, margin=0.1):
    """Normal numbers with |x| >= margin, so no finite-difference step crosses a kink at 0."""
    x = rng.standard_normal(shape)
    return np.where(np.abs(x) < margin, np.sign(x + 1e-12) * margin + x, x)


def numeric(f, x, dout):
    return eval_numerical_gradient_array(f, x, dout)


# ------------------------------------------------------------------ affine


def test_affine_forward_hand_example():
    x = np.array([[[1.0, 2.0]]])                      # (1, 1, 2): D = 2
    w = np.array([[1.0, 0.0, 2.0], [0.0, 1.0, 3.0]])  # (2, 3)
    b = np.array([1.0, 1.0, 1.0])
    out, _ = layers.affine_forward(x, w, b)
    np.testing.assert_array_equal(out, [[2.0, 3.0, 9.0]])


def test_affine_backward_matches_finite_differences():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 2, 3))  # N = 4, D = 6
    w = rng.standard_normal((6, 5))
    b = rng.standard_normal(5)
    dout = rng.standard_normal((4, 5))
    _, cache = layers.affine_forward(x, w, b)
    dx, dw, db = layers.affine_backward(dout, cache)
    assert dx.shape == x.shape and dw.shape == w.shape and db.shape == b.shape
    assert rel_error(dx, numeric(lambda z: layers.affine_forward(z, w, b)[0], x, dout)) < GRAD_TOL
    assert rel_error(dw, numeric(lambda z: layers.affine_forward(x, z, b)[0], w, dout)) < GRAD_TOL
    assert rel_error(db, numeric(lambda z: layers.affine_forward(x, w, z)[0], b, dout)) < GRAD_TOL


def test_affine_backward_can_skip_dx():
    rng = np.random.default_rng(10)
    x, w, b, dout = rng.standard_normal((3, 4)), rng.standard_normal((4, 2)), np.zeros(2), rng.standard_normal((3, 2))
    _, cache = layers.affine_forward(x, w, b)
    dx, dw, db = layers.affine_backward(dout, cache, compute_dx=False)
    _, dw_full, db_full = layers.affine_backward(dout, cache)
    assert dx is None
    np.testing.assert_array_equal(dw, dw_full)
    np.testing.assert_array_equal(db, db_full)


def test_affine_keeps_float32():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3, 4)).astype(np.float32)
    w = rng.standard_normal((4, 2)).astype(np.float32)
    b = np.zeros(2, np.float32)
    out, cache = layers.affine_forward(x, w, b)
    grads = layers.affine_backward(np.ones_like(out), cache)
    assert out.dtype == np.float32 and all(g.dtype == np.float32 for g in grads)


@pytest.mark.parametrize("args, word", [
    ((np.ones(3), np.ones((3, 2)), np.ones(2)), "x"),
    ((np.ones((2, 3)), np.ones((4, 2)), np.ones(2)), "w"),
    ((np.ones((2, 3)), np.ones((3, 2)), np.ones(3)), "b"),
    ((np.ones((2, 3), dtype=int), np.ones((3, 2)), np.ones(2)), "x"),
])
def test_affine_bad_input_names_the_argument(args, word):
    with pytest.raises(ValueError, match=rf"^{word} "):
        layers.affine_forward(*args)


def test_affine_backward_bad_dout():
    _, cache = layers.affine_forward(np.ones((2, 3)), np.ones((3, 4)), np.zeros(4))
    with pytest.raises(ValueError, match="^dout"):
        layers.affine_backward(np.ones((2, 3)), cache)


# ------------------------------------------------------------------ activations

ACTIVATION_CASES = {
    "relu": (layers.relu_forward, layers.relu_backward, lambda x: np.maximum(x, 0)),
    "sigmoid": (layers.sigmoid_forward, layers.sigmoid_backward, lambda x: 1 / (1 + np.exp(-x))),
    "tanh": (layers.tanh_forward, layers.tanh_backward, np.tanh),
    "leaky_relu": (layers.leaky_relu_forward, layers.leaky_relu_backward, lambda x: np.where(x > 0, x, 0.01 * x)),
    "elu": (layers.elu_forward, layers.elu_backward, lambda x: np.where(x > 0, x, np.exp(x) - 1)),
}


@pytest.mark.parametrize("name", sorted(ACTIVATION_CASES))
def test_activation_forward_closed_form_and_backward_finite_differences(name):
    forward, backward, closed_form = ACTIVATION_CASES[name]
    rng = np.random.default_rng(2)
    x = away_from_zero(rng, (5, 7)) * 2
    dout = rng.standard_normal(x.shape)
    out, cache = forward(x)
    np.testing.assert_allclose(out, closed_form(x), rtol=1e-12, atol=1e-15)
    dx = backward(dout, cache)
    assert rel_error(dx, numeric(lambda z: forward(z)[0], x, dout)) < GRAD_TOL


@pytest.mark.parametrize("name", sorted(ACTIVATION_CASES))
def test_activation_keeps_float32_and_rejects_bad_dout(name):
    forward, backward, _ = ACTIVATION_CASES[name]
    x = np.linspace(-3, 3, 12, dtype=np.float32).reshape(3, 4)
    out, cache = forward(x)
    assert out.dtype == np.float32 and backward(np.ones_like(out), cache).dtype == np.float32
    with pytest.raises(ValueError, match="^dout"):
        backward(np.ones((4, 3), dtype=np.float32), cache)


def test_sigmoid_does_not_overflow():
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        out, _ = layers.sigmoid_forward(np.array([-1000.0, 0.0, 1000.0]))
    np.testing.assert_allclose(out, [0.0, 0.5, 1.0], atol=1e-300)


def test_relu_routes_gradient_only_where_positive():
    x = np.array([[-2.0, 0.0, 3.0]])
    _, cache = layers.relu_forward(x)
    np.testing.assert_array_equal(layers.relu_backward(np.array([[5.0, 6.0, 7.0]]), cache), [[0.0, 0.0, 7.0]])


def test_leaky_relu_and_elu_alpha():
    x = np.array([-2.0, 1.0])
    np.testing.assert_allclose(layers.leaky_relu_forward(x, alpha=0.1)[0], [-0.2, 1.0])
    np.testing.assert_allclose(layers.elu_forward(x, alpha=2.0)[0], [2.0 * (np.exp(-2.0) - 1), 1.0])
    with pytest.raises(ValueError, match="^alpha"):
        layers.leaky_relu_forward(x, alpha=-1.0)


# ------------------------------------------------------------------ dropout


def test_dropout_test_mode_is_identity():
    x = np.random.default_rng(3).standard_normal((10, 20))
    out, cache = layers.dropout_forward(x, {"mode": "test", "p": 0.3})
    np.testing.assert_array_equal(out, x)
    np.testing.assert_array_equal(layers.dropout_backward(x, cache), x)


@pytest.mark.parametrize("p", [0.25, 0.5, 0.8])
def test_dropout_train_keeps_fraction_p_and_the_expected_activation(p):
    n = 200_000
    x = np.full((n // 100, 100), 2.0)
    out, _ = layers.dropout_forward(x, {"mode": "train", "p": p, "seed": 0})
    kept = np.mean(out != 0)
    # Each entry is kept with probability p: the kept fraction has std sqrt(p(1-p)/n).
    assert abs(kept - p) < 5 * np.sqrt(p * (1 - p) / n), f"kept {kept:.4f}, expected {p}"
    np.testing.assert_allclose(out[out != 0], 2.0 / p)  # inverted dropout scales the kept units
    # The mean of out is 2 * kept / p: equal to the input's mean up to the same noise.
    assert abs(out.mean() - 2.0) < 2.0 / p * 5 * np.sqrt(p * (1 - p) / n)


def test_dropout_backward_matches_finite_differences_with_a_fixed_seed():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((6, 8))
    dout = rng.standard_normal(x.shape)
    param = {"mode": "train", "p": 0.6, "seed": 123}
    out, cache = layers.dropout_forward(x, param)
    again, _ = layers.dropout_forward(x, param)
    np.testing.assert_array_equal(out, again)  # a seed gives the same mask every call
    dx = layers.dropout_backward(dout, cache)
    assert rel_error(dx, numeric(lambda z: layers.dropout_forward(z, param)[0], x, dout)) < GRAD_TOL


def test_dropout_keeps_float32_and_p_one_keeps_everything():
    x = np.ones((4, 5), dtype=np.float32)
    out, _ = layers.dropout_forward(x, {"mode": "train", "p": 1.0})
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, x)


@pytest.mark.parametrize("param, word", [
    ({"mode": "train", "p": 0.0}, r"dropout_param\['p'\]"),
    ({"mode": "train", "p": 1.5}, r"dropout_param\['p'\]"),
    ({"mode": "eval", "p": 0.5}, r"dropout_param\['mode'\]"),
    ({"p": 0.5}, r"dropout_param\['mode'\]"),
])
def test_dropout_bad_param(param, word):
    with pytest.raises(ValueError, match=f"^{word}"):
        layers.dropout_forward(np.ones((2, 2)), param)


# ------------------------------------------------------------------ batch norm


def bn_inputs(seed=5, N=8, D=5):
    rng = np.random.default_rng(seed)
    x = 3 * rng.standard_normal((N, D)) + 2
    gamma = rng.uniform(0.5, 1.5, D)
    beta = rng.standard_normal(D)
    dout = rng.standard_normal((N, D))
    return x, gamma, beta, dout


def test_batchnorm_train_output_has_beta_mean_and_gamma_std():
    x, gamma, beta, _ = bn_inputs(N=200)
    out, _ = layers.batchnorm_forward(x, gamma, beta, {"mode": "train"})
    np.testing.assert_allclose(out.mean(axis=0), beta, atol=1e-12)
    # eps = 1e-5 against variances of ~9: the std is gamma to ~1e-6 relative.
    np.testing.assert_allclose(out.std(axis=0), gamma, rtol=1e-5)


def test_batchnorm_running_averages_and_test_mode():
    rng = np.random.default_rng(6)
    D = 4
    gamma, beta = np.ones(D), np.zeros(D)
    mean, std = np.array([1.0, -2.0, 0.5, 3.0]), np.array([2.0, 0.5, 1.0, 3.0])
    bn_param = {"mode": "train", "momentum": 0.9}
    for _ in range(300):
        x = mean + std * rng.standard_normal((100, D))
        layers.batchnorm_forward(x, gamma, beta, bn_param)
    # After 300 batches the running averages hold the population's mean and variance
    # up to the noise of ~19 effective batches of 100 (momentum 0.9): a few percent.
    np.testing.assert_allclose(bn_param["running_mean"], mean, atol=5 * 3.0 / np.sqrt(1900))
    np.testing.assert_allclose(bn_param["running_var"], std ** 2, rtol=0.15)
    # Test mode uses the running averages, not the batch: one example is normalized alone.
    bn_param["mode"] = "test"
    x = np.array([[1.0, -2.0, 0.5, 3.0]]) + 0.0
    out, cache = layers.batchnorm_forward(x, gamma, beta, bn_param)
    expected = (x - bn_param["running_mean"]) / np.sqrt(bn_param["running_var"] + 1e-5)
    np.testing.assert_allclose(out, expected)
    assert cache is None


def test_batchnorm_running_mean_update_rule():
    x, gamma, beta, _ = bn_inputs()
    bn_param = {"mode": "train", "momentum": 0.7, "running_mean": np.ones(5), "running_var": np.ones(5)}
    layers.batchnorm_forward(x, gamma, beta, bn_param)
    np.testing.assert_allclose(bn_param["running_mean"], 0.7 + 0.3 * x.mean(axis=0))
    np.testing.assert_allclose(bn_param["running_var"], 0.7 + 0.3 * x.var(axis=0))


@pytest.mark.parametrize("backward", [layers.batchnorm_backward, layers.batchnorm_backward_alt])
def test_batchnorm_backward_matches_finite_differences(backward):
    x, gamma, beta, dout = bn_inputs()

    def f(x_, g_, b_):
        return layers.batchnorm_forward(x_, g_, b_, {"mode": "train"})[0]

    _, cache = layers.batchnorm_forward(x, gamma, beta, {"mode": "train"})
    dx, dgamma, dbeta = backward(dout, cache)
    assert rel_error(dx, numeric(lambda z: f(z, gamma, beta), x, dout)) < 1e-6
    assert rel_error(dgamma, numeric(lambda z: f(x, z, beta), gamma, dout)) < GRAD_TOL
    assert rel_error(dbeta, numeric(lambda z: f(x, gamma, z), beta, dout)) < GRAD_TOL


def test_batchnorm_alt_equals_the_graph_version():
    x, gamma, beta, dout = bn_inputs(seed=7, N=50, D=30)
    _, cache = layers.batchnorm_forward(x, gamma, beta, {"mode": "train"})
    for a, b in zip(layers.batchnorm_backward(dout, cache), layers.batchnorm_backward_alt(dout, cache)):
        assert rel_error(a, b) < 1e-9


def test_batchnorm_keeps_float32():
    x, gamma, beta, dout = (a.astype(np.float32) for a in bn_inputs())
    bn_param = {"mode": "train"}
    out, cache = layers.batchnorm_forward(x, gamma, beta, bn_param)
    assert out.dtype == np.float32 and bn_param["running_mean"].dtype == np.float32
    assert all(g.dtype == np.float32 for g in layers.batchnorm_backward(dout, cache))
    assert all(g.dtype == np.float32 for g in layers.batchnorm_backward_alt(dout, cache))


def test_batchnorm_bad_input():
    x, gamma, beta, dout = bn_inputs()
    with pytest.raises(ValueError, match="^gamma"):
        layers.batchnorm_forward(x, gamma[:3], beta, {"mode": "train"})
    with pytest.raises(ValueError, match=r"^bn_param\['mode'\]"):
        layers.batchnorm_forward(x, gamma, beta, {})
    with pytest.raises(ValueError, match=r"^bn_param\['momentum'\]"):
        layers.batchnorm_forward(x, gamma, beta, {"mode": "train", "momentum": 2})
    _, cache = layers.batchnorm_forward(x, gamma, beta, {"mode": "test"})
    with pytest.raises(ValueError, match="^cache is None"):
        layers.batchnorm_backward(dout, cache)


# ------------------------------------------------------------------ layer norm


def test_layernorm_normalizes_each_example():
    x, _, _, _ = bn_inputs(N=6, D=40)
    out, _ = layers.layernorm_forward(x, np.ones(40), np.zeros(40), {})
    np.testing.assert_allclose(out.mean(axis=1), 0, atol=1e-12)
    np.testing.assert_allclose(out.std(axis=1), 1, rtol=1e-5)


def test_layernorm_backward_matches_finite_differences():
    x, gamma, beta, dout = bn_inputs(seed=8, N=4, D=6)

    def f(x_, g_, b_):
        return layers.layernorm_forward(x_, g_, b_, {"eps": 1e-5})[0]

    _, cache = layers.layernorm_forward(x, gamma, beta, {"eps": 1e-5})
    dx, dgamma, dbeta = layers.layernorm_backward(dout, cache)
    assert rel_error(dx, numeric(lambda z: f(z, gamma, beta), x, dout)) < 1e-6
    assert rel_error(dgamma, numeric(lambda z: f(x, z, beta), gamma, dout)) < GRAD_TOL
    assert rel_error(dbeta, numeric(lambda z: f(x, gamma, z), beta, dout)) < GRAD_TOL


def test_layernorm_keeps_float32():
    x, gamma, beta, dout = (a.astype(np.float32) for a in bn_inputs())
    out, cache = layers.layernorm_forward(x, gamma, beta, {})
    assert out.dtype == np.float32
    assert all(g.dtype == np.float32 for g in layers.layernorm_backward(dout, cache))


# ------------------------------------------------------------------ losses on scores


@pytest.mark.parametrize("loss_fn, reference", [(layers.softmax_loss, softmax_loss_vectorized),
                                                 (layers.svm_loss, svm_loss_vectorized)])
def test_losses_on_scores_match_the_linear_losses_and_finite_differences(loss_fn, reference):
    rng = np.random.default_rng(9)
    N, C = 7, 5
    x = rng.standard_normal((N, C))
    y = rng.integers(C, size=N)
    loss, dx = loss_fn(x, y)
    # Scores x are the linear loss's X @ W with W the identity.
    ref_loss, _ = reference(np.eye(C), x, y, 0.0)
    assert abs(loss - ref_loss) < 1e-12
    num = eval_numerical_gradient(lambda z: loss_fn(z, y)[0], x, verbose=False)
    assert rel_error(dx, num) < GRAD_TOL


def test_softmax_loss_at_uniform_scores_is_log_C_and_stable():
    y = np.array([0, 3, 9])
    loss, _ = layers.softmax_loss(np.zeros((3, 10)), y)
    assert abs(loss - np.log(10)) < 1e-12
    loss, dx = layers.softmax_loss(np.array([[1e4, -1e4, 0.0]]), np.array([1]))
    assert np.isfinite(loss) and abs(loss - 2e4) < 1e-6 and np.all(np.isfinite(dx))


def test_svm_loss_hand_example():
    # The lecture's cat example: scores (3.2, 5.1, -1.7) for the true class 0 give loss 2.9.
    loss, _ = layers.svm_loss(np.array([[3.2, 5.1, -1.7]]), np.array([0]))
    assert abs(loss - 2.9) < 1e-12


@pytest.mark.parametrize("loss_fn", [layers.softmax_loss, layers.svm_loss])
def test_losses_on_scores_bad_labels(loss_fn):
    with pytest.raises(ValueError, match="^y "):
        loss_fn(np.zeros((2, 3)), np.array([0, 3]))
    with pytest.raises(ValueError, match="^y "):
        loss_fn(np.zeros((2, 3)), np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match="^y "):
        loss_fn(np.zeros((2, 3)), np.array([0]))


@pytest.mark.parametrize("loss_fn", [layers.softmax_loss, layers.svm_loss])
def test_losses_on_scores_keep_float32(loss_fn):
    loss, dx = loss_fn(np.ones((2, 3), dtype=np.float32), np.array([0, 1]))
    assert dx.dtype == np.float32
