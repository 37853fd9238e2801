"""TwoLayerNet and FullyConnectedNet: gradients of every parameter against finite differences,
the loss at initialization, the regularization convention, layer_utils, dtype and bad input.

Letters: N examples, D inputs, H hidden units, C classes. Small dims keep this fast.
"""

import numpy as np
import pytest

from cs231n_lib import layer_utils, layers
from cs231n_lib.classifiers.fc_net import FullyConnectedNet, TwoLayerNet
from cs231n_lib.gradient_check import eval_numerical_gradient, eval_numerical_gradient_array

N, D, C = 6, 15, 4
# A dtype by name: it crosses the grader's sandbox boundary as plain data (np.float64 is a type).
F64 = "float64"


def batch(seed=0, shape=(N, D)):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(shape), rng.integers(C, size=shape[0])


def scaled_error(analytic, numerical):
    """Largest entry error relative to the largest entry (floored at 1e-4).

    Entries that are exactly 0 analytically (a unit no example activates, the
    bias before a batch norm) make an entrywise relative error meaningless:
    their numerical value is rounding noise of ~1e-11.
    """
    scale = max(np.abs(numerical).max(), np.abs(analytic).max(), 1e-4)
    return np.abs(numerical - analytic).max() / scale


def loss_of(model, X, y, name):
    """``p -> model.loss(X, y)[0]`` with ``params[name] = p``.

    The parameter is set through ``model.params = ...`` rather than changed in
    place, so the check also holds when ``model`` lives in another process
    (the grader's sandbox), where ``model.params`` is a copy.
    """
    def f(p):
        params = model.params
        params[name] = p
        model.params = params
        return model.loss(X, y)[0]
    return f


def grad_error(model, X, y, name, grads):
    """scaled_error of grads[name] against centered differences of model.loss (params restored after)."""
    params = model.params
    num = eval_numerical_gradient(loss_of(model, X, y, name), params[name].copy(), verbose=False)
    model.params = params  # the last call left params[name] perturbed by -h in a remote model
    return scaled_error(grads[name], num)


# ------------------------------------------------------------------ layer_utils


@pytest.mark.parametrize("kind", ["plain", "bn", "ln"])
def test_sandwich_layers_match_finite_differences(kind):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((5, 2, 3))  # D = 6
    w = rng.standard_normal((6, 4))
    b = rng.standard_normal(4)
    gamma, beta = rng.uniform(0.5, 1.5, 4), rng.standard_normal(4)
    dout = rng.standard_normal((5, 4))
    if kind == "plain":
        def f(x_, w_, b_, g_, be_):
            return layer_utils.affine_relu_forward(x_, w_, b_)[0]
        _, cache = layer_utils.affine_relu_forward(x, w, b)
        grads = layer_utils.affine_relu_backward(dout, cache)
    elif kind == "bn":
        def f(x_, w_, b_, g_, be_):
            return layer_utils.affine_bn_relu_forward(x_, w_, b_, g_, be_, {"mode": "train"})[0]
        _, cache = layer_utils.affine_bn_relu_forward(x, w, b, gamma, beta, {"mode": "train"})
        grads = layer_utils.affine_bn_relu_backward(dout, cache)
    else:
        def f(x_, w_, b_, g_, be_):
            return layer_utils.affine_ln_relu_forward(x_, w_, b_, g_, be_, {})[0]
        _, cache = layer_utils.affine_ln_relu_forward(x, w, b, gamma, beta, {})
        grads = layer_utils.affine_ln_relu_backward(dout, cache)
    inputs = [x, w, b, gamma, beta]
    for k, g in enumerate(grads):
        def fk(z, k=k):
            args = list(inputs)
            args[k] = z
            return f(*args)
        num = eval_numerical_gradient_array(fk, inputs[k], dout)
        assert g.shape == inputs[k].shape
        assert scaled_error(g, num) < 1e-6, f"{kind}: gradient {k}"


# ------------------------------------------------------------------ TwoLayerNet


def test_two_layer_net_shapes_and_loss_at_init_is_log_C():
    model = TwoLayerNet(input_dim=D, hidden_dim=7, num_classes=C, weight_scale=1e-3)
    assert {k: v.shape for k, v in model.params.items()} == {
        "W1": (D, 7), "b1": (7,), "W2": (7, C), "b2": (C,)}
    X, y = batch()
    assert model.loss(X).shape == (N, C)
    loss, _ = model.loss(X, y)
    # Scores are ~1e-6 at this scale, so the softmax is uniform to ~1e-5.
    assert abs(loss - np.log(C)) < 1e-4


def test_two_layer_net_hand_example():
    model = TwoLayerNet(input_dim=2, hidden_dim=2, num_classes=2)
    model.params = {"W1": np.array([[1.0, -1.0], [2.0, 1.0]]), "b1": np.array([0.0, 0.5]),
                    "W2": np.array([[1.0, 0.0], [0.0, 2.0]]), "b2": np.array([0.0, -1.0])}
    X = np.array([[1.0, 1.0]])
    # hidden = relu([3, 0.5]) = [3, 0.5]; scores = [3, 1 - 1] = [3, 0]
    np.testing.assert_allclose(model.loss(X), [[3.0, 0.0]])
    loss, _ = model.loss(X, np.array([0]))
    np.testing.assert_allclose(loss, np.log(1 + np.exp(-3.0)))
    model.reg = 0.5
    loss_reg, _ = model.loss(X, np.array([0]))
    # 0.5 * reg * sum(W * W) over W1 and W2 only (CS231n A2): 0.5 * 0.5 * (1 + 1 + 4 + 1 + 1 + 4) = 3
    np.testing.assert_allclose(loss_reg - loss, 3.0)


@pytest.mark.parametrize("reg", [0.0, 0.7])
def test_two_layer_net_gradients(reg):
    model = TwoLayerNet(input_dim=D, hidden_dim=8, num_classes=C, reg=reg)
    # Weights from a seeded generator here (TwoLayerNet draws from numpy's global one, as in CS231n).
    rng = np.random.default_rng(2)
    model.params = {"W1": 0.3 * rng.standard_normal((D, 8)), "b1": 0.1 * rng.standard_normal(8),
                    "W2": 0.3 * rng.standard_normal((8, C)), "b2": 0.1 * rng.standard_normal(C)}
    X, y = batch(3)
    _, grads = model.loss(X, y)
    assert sorted(grads) == sorted(model.params)
    for name in model.params:
        assert grad_error(model, X, y, name, grads) < 1e-7, name


# ------------------------------------------------------------------ FullyConnectedNet

CONFIGS = [
    dict(),
    dict(reg=0.3),
    dict(normalization="batchnorm", reg=0.1),
    dict(normalization="layernorm"),
    dict(dropout_keep_ratio=0.6),
    dict(dropout_keep_ratio=0.5, normalization="batchnorm", reg=0.2),
]


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: "-".join(f"{k}={v}" for k, v in c.items()) or "plain")
def test_fully_connected_net_gradients_of_every_parameter(config):
    model = FullyConnectedNet([9, 7], input_dim=D, num_classes=C, weight_scale=0.3, dtype=F64,
                              seed=4, **config)
    X, y = batch(5)
    loss, grads = model.loss(X, y)
    assert np.isfinite(loss) and sorted(grads) == sorted(model.params)
    for name in model.params:
        assert grads[name].shape == model.params[name].shape
        assert grad_error(model, X, y, name, grads) < 1e-6, name


def test_fully_connected_net_parameters_and_loss_at_init():
    model = FullyConnectedNet([9, 7, 5], input_dim=D, num_classes=C, normalization="batchnorm",
                              weight_scale=1e-3, seed=0)
    assert {k: v.shape for k, v in model.params.items()} == {
        "W1": (D, 9), "b1": (9,), "gamma1": (9,), "beta1": (9,),
        "W2": (9, 7), "b2": (7,), "gamma2": (7,), "beta2": (7,),
        "W3": (7, 5), "b3": (5,), "gamma3": (5,), "beta3": (5,),
        "W4": (5, C), "b4": (C,)}
    assert model.num_layers == 4 and len(model.bn_params) == 3
    X, y = batch(6, (50, D))
    loss, _ = model.loss(X, y)
    # Batch norm restores unit scale after each layer, but the last W is 1e-3: scores ~1e-3.
    assert abs(loss - np.log(C)) < 1e-2


def test_fully_connected_net_float32_throughout():
    model = FullyConnectedNet([8], input_dim=D, num_classes=C, normalization="batchnorm", seed=0)
    assert all(v.dtype == np.float32 for v in model.params.values())
    X, y = batch(7)
    loss, grads = model.loss(X, y)  # float64 X is cast to the model's dtype
    assert all(g.dtype == np.float32 for g in grads.values())
    assert model.loss(X.astype(np.float32)).dtype == np.float32


@pytest.mark.parametrize("normalization", [None, "layernorm"])
def test_fully_connected_net_regularization_convention(normalization):
    model = FullyConnectedNet([8, 6], input_dim=D, num_classes=C, normalization=normalization,
                              dtype=F64, seed=1)
    X, y = batch(8)
    loss0, _ = model.loss(X, y)
    model.reg = 0.25
    loss1, _ = model.loss(X, y)
    penalty = 0.5 * 0.25 * sum(np.sum(model.params[f"W{l}"] ** 2) for l in (1, 2, 3))  # CS231n A2
    np.testing.assert_allclose(loss1 - loss0, penalty, rtol=1e-12)


def test_fully_connected_net_test_mode_dropout_is_identity_and_bn_uses_running_averages():
    model = FullyConnectedNet([8], input_dim=D, num_classes=C, dropout_keep_ratio=0.5,
                              normalization="batchnorm", dtype=F64, seed=2)
    X, y = batch(9, (40, D))
    model.loss(X, y)  # one training pass fills the running averages
    s1 = model.loss(X)
    s2 = model.loss(X[:1])
    # Test mode is deterministic and per example (no batch statistics, no mask).
    np.testing.assert_allclose(s1[:1], s2, rtol=1e-12)
    assert model.dropout_param["mode"] == "test" and model.bn_params[0]["mode"] == "test"


@pytest.mark.parametrize("weight_scale", ["xavier", "he"])
def test_fully_connected_net_init_rules(weight_scale):
    model = FullyConnectedNet([400, 300], input_dim=600, num_classes=C, weight_scale=weight_scale, seed=3)
    factor = 1.0 if weight_scale == "xavier" else 2.0
    for l, fan_in in ((1, 600), (2, 400), (3, 300)):
        W = model.params[f"W{l}"]
        expected = np.sqrt(factor / fan_in)
        # The sample std of n normal numbers has relative std 1/sqrt(2n).
        assert abs(W.std() / expected - 1) < 5 / np.sqrt(2 * W.size)


def test_seed_makes_the_model_reproducible():
    a = FullyConnectedNet([5], input_dim=D, num_classes=C, seed=11)
    b = FullyConnectedNet([5], input_dim=D, num_classes=C, seed=11)
    for k in a.params:
        np.testing.assert_array_equal(a.params[k], b.params[k])


@pytest.mark.parametrize("kwargs, word", [
    (dict(hidden_dims=[5, 0]), "each entry of hidden_dims"),
    (dict(hidden_dims=5), "hidden_dims"),
    (dict(hidden_dims=[5], dropout_keep_ratio=0), "dropout_keep_ratio"),
    (dict(hidden_dims=[5], normalization="groupnorm"), "normalization"),
    (dict(hidden_dims=[5], reg=-1.0), "reg"),
    (dict(hidden_dims=[5], weight_scale="glorot"), "weight_scale"),
    (dict(hidden_dims=[5], dtype="int32"), "dtype"),
])
def test_fully_connected_net_bad_arguments(kwargs, word):
    with pytest.raises(ValueError, match=f"^{word}"):
        FullyConnectedNet(input_dim=D, num_classes=C, **kwargs)


def test_loss_bad_batch():
    model = FullyConnectedNet([5], input_dim=D, num_classes=C)
    with pytest.raises(ValueError, match="^X "):
        model.loss(np.ones((3, D + 1)))
    with pytest.raises(ValueError, match="^y "):
        model.loss(np.ones((3, D)), np.array([0, 1]))
    with pytest.raises(ValueError, match="^y "):
        model.loss(np.ones((3, D)), np.array([0, 1, C]))


def test_image_batches_are_flattened():
    model = FullyConnectedNet([5], input_dim=3 * 4 * 4, num_classes=C, seed=0)
    X = np.random.default_rng(0).standard_normal((2, 3, 4, 4))
    np.testing.assert_allclose(model.loss(X), model.loss(X.reshape(2, -1)))


def test_layers_and_net_agree_on_softmax_loss():
    # A net with no hidden layer is a linear softmax classifier.
    model = FullyConnectedNet([], input_dim=D, num_classes=C, dtype=F64, seed=5)
    X, y = batch(10)
    loss, _ = model.loss(X, y)
    ref, _ = layers.softmax_loss(X @ model.params["W1"] + model.params["b1"], y)
    assert abs(loss - ref) < 1e-12
