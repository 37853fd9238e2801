"""Hidden checks of the network layers and nets: other shapes, other hyperparameters, independent oracles.

PYTEST_DONT_REWRITE: a failure shows only the message written here, never this source.

The oracles below are written differently from the reference solutions
(einsum instead of matmul, explicit standardization with np.std, a mask from
the outputs), and every backward pass is also compared with centered
differences of the student's own forward pass.
"""

import numpy as np
import pytest

from cs231n_lib import layers
from cs231n_lib.classifiers import fc_net
# A dtype by name: it crosses the grader's sandbox boundary as plain data (np.float64 is a type).
F64 = "float64"


def centered(f, x, dout, h=1e-5):
    """Numerical gradient of sum(f(x) * dout) with respect to x (x restored afterwards)."""
    grad = np.zeros_like(x)
    for ix in np.ndindex(x.shape):
        old = x[ix]
        x[ix] = old + h
        plus = np.array(f(x), dtype=np.float64)
        x[ix] = old - h
        minus = np.array(f(x), dtype=np.float64)
        x[ix] = old
        grad[ix] = np.sum((plus - minus) * dout) / (2 * h)
    return grad


def close(a, b, tol):
    """Largest entry error relative to the largest entry (floored at 1e-4) is below tol."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        return False
    scale = max(np.abs(a).max(initial=0), np.abs(b).max(initial=0), 1e-4)
    return np.abs(a - b).max(initial=0) / scale < tol


def rng_for(seed):
    return np.random.default_rng(1000 + seed)


# ------------------------------------------------------------------ affine


@pytest.mark.parametrize("shape", [(3, 7), (2, 3, 2, 2)])
def test_affine_forward_other_shapes(shape):
    rng = rng_for(1)
    x = rng.standard_normal(shape)
    D = int(np.prod(shape[1:]))
    w, b = rng.standard_normal((D, 5)), rng.standard_normal(5)
    out, _ = layers.affine_forward(x, w, b)
    expected = np.einsum("nd,dm->nm", x.reshape(shape[0], D), w) + b
    assert close(out, expected, 1e-12), "affine_forward: out differs from x.reshape(N, D) @ w + b"


@pytest.mark.parametrize("shape", [(3, 7), (2, 3, 2, 2)])
def test_affine_backward_other_shapes(shape):
    rng = rng_for(2)
    x = rng.standard_normal(shape)
    D = int(np.prod(shape[1:]))
    w, b = rng.standard_normal((D, 4)), rng.standard_normal(4)
    dout = rng.standard_normal((shape[0], 4))
    _, cache = layers.affine_forward(x, w, b)
    dx, dw, db = layers.affine_backward(dout, cache)
    assert np.shape(dx) == x.shape, f"affine_backward: dx must have the shape of x {x.shape}"
    assert close(dx, np.einsum("nm,dm->nd", dout, w).reshape(shape), 1e-10), "affine_backward: dx is wrong"
    assert close(dw, np.einsum("nd,nm->dm", x.reshape(shape[0], D), dout), 1e-10), "affine_backward: dw is wrong"
    assert close(db, dout.sum(axis=0), 1e-10), "affine_backward: db is wrong"


# ------------------------------------------------------------------ relu


def test_relu_forward_and_backward_other_shape():
    rng = rng_for(3)
    x = rng.standard_normal((2, 3, 4))
    dout = rng.standard_normal(x.shape)
    out, cache = layers.relu_forward(x)
    assert close(out, np.where(x > 0, x, 0.0), 1e-15), "relu_forward: out must be max(0, x)"
    assert close(layers.relu_backward(dout, cache), np.where(x > 0, dout, 0.0), 1e-15), \
        "relu_backward: dout must pass only where x > 0"


# ------------------------------------------------------------------ dropout


@pytest.mark.parametrize("p", [0.1, 0.9])
def test_dropout_other_keep_probabilities(p):
    x = np.full((400, 250), 3.0)
    out, cache = layers.dropout_forward(x, {"mode": "train", "p": p, "seed": 7})
    kept = out != 0
    frac = kept.mean()
    assert abs(frac - p) < 5 * np.sqrt(p * (1 - p) / x.size), f"dropout_forward: kept {frac:.3f} of the units, p = {p}"
    assert close(out[kept], np.full(kept.sum(), 3.0 / p), 1e-6), "dropout_forward: kept units must be divided by p"
    dout = np.arange(x.size, dtype=np.float64).reshape(x.shape)
    dx = layers.dropout_backward(dout, cache)
    assert close(dx, np.where(kept, dout / p, 0.0), 1e-6), "dropout_backward: dx must be dout times the mask"


def test_dropout_test_mode_ignores_p():
    x = rng_for(4).standard_normal((3, 5))
    out, cache = layers.dropout_forward(x, {"mode": "test", "p": 0.2, "seed": 1})
    assert close(out, x, 1e-15), "dropout_forward in test mode must return x unchanged"
    assert close(layers.dropout_backward(x, cache), x, 1e-15), "dropout_backward in test mode must return dout"


# ------------------------------------------------------------------ batch norm


def bn_oracle(x, gamma, beta, eps):
    return gamma * (x - x.mean(axis=0)) / np.sqrt(x.std(axis=0) ** 2 + eps) + beta


def test_batchnorm_forward_other_eps_and_momentum():
    rng = rng_for(5)
    x = 2 * rng.standard_normal((9, 6)) - 1
    gamma, beta = rng.uniform(0.5, 2, 6), rng.standard_normal(6)
    param = {"mode": "train", "eps": 1e-2, "momentum": 0.5,
             "running_mean": np.full(6, 2.0), "running_var": np.full(6, 3.0)}
    out, _ = layers.batchnorm_forward(x, gamma, beta, param)
    assert close(out, bn_oracle(x, gamma, beta, 1e-2), 1e-10), "batchnorm_forward (train): wrong output"
    assert close(param["running_mean"], 1.0 + 0.5 * x.mean(axis=0), 1e-10), "batchnorm_forward: wrong running_mean"
    assert close(param["running_var"], 1.5 + 0.5 * x.var(axis=0), 1e-10), "batchnorm_forward: wrong running_var"
    param["mode"] = "test"
    x_test = rng.standard_normal((2, 6))
    out, _ = layers.batchnorm_forward(x_test, gamma, beta, param)
    expected = gamma * (x_test - param["running_mean"]) / np.sqrt(param["running_var"] + 1e-2) + beta
    assert close(out, expected, 1e-10), "batchnorm_forward (test): must use the running averages"


@pytest.mark.parametrize("name", ["batchnorm_backward", "batchnorm_backward_alt"])
def test_batchnorm_backward_other_shape(name):
    rng = rng_for(6)
    x = rng.standard_normal((5, 3)) * 2 + 1
    gamma, beta = rng.uniform(0.5, 2, 3), rng.standard_normal(3)
    dout = rng.standard_normal((5, 3))
    f = lambda a, g, b: layers.batchnorm_forward(a, g, b, {"mode": "train", "eps": 1e-3})[0]  # noqa: E731
    _, cache = layers.batchnorm_forward(x, gamma, beta, {"mode": "train", "eps": 1e-3})
    dx, dgamma, dbeta = getattr(layers, name)(dout, cache)
    # The reference output, so the check does not depend on the student's forward values.
    ref = lambda a, g, b: bn_oracle(a, g, b, 1e-3)  # noqa: E731
    assert close(dx, centered(lambda a: ref(a, gamma, beta), x, dout), 1e-6), f"{name}: dx is wrong"
    assert close(dgamma, centered(lambda g: ref(x, g, beta), gamma, dout), 1e-6), f"{name}: dgamma is wrong"
    assert close(dbeta, centered(lambda b: ref(x, gamma, b), beta, dout), 1e-6), f"{name}: dbeta is wrong"
    assert close(f(x, gamma, beta), ref(x, gamma, beta), 1e-10), f"{name}: the forward pass it backpropagates is wrong"


# ------------------------------------------------------------------ layer norm


def test_layernorm_forward_and_backward_other_shape():
    rng = rng_for(7)
    x = rng.standard_normal((3, 8)) * 3
    gamma, beta = rng.uniform(0.5, 2, 8), rng.standard_normal(8)
    dout = rng.standard_normal((3, 8))

    def ref(a, g, b):
        mu = a.mean(axis=1, keepdims=True)
        return g * (a - mu) / np.sqrt(a.std(axis=1, keepdims=True) ** 2 + 1e-4) + b

    out, cache = layers.layernorm_forward(x, gamma, beta, {"eps": 1e-4})
    assert close(out, ref(x, gamma, beta), 1e-10), "layernorm_forward: each row must be normalized over its features"
    dx, dgamma, dbeta = layers.layernorm_backward(dout, cache)
    assert close(dx, centered(lambda a: ref(a, gamma, beta), x, dout), 1e-6), "layernorm_backward: dx is wrong"
    assert close(dgamma, centered(lambda g: ref(x, g, beta), gamma, dout), 1e-6), "layernorm_backward: dgamma is wrong"
    assert close(dbeta, centered(lambda b: ref(x, gamma, b), beta, dout), 1e-6), "layernorm_backward: dbeta is wrong"


# ------------------------------------------------------------------ nets


def net_oracle(params, X, y, reg, num_layers, normalization=None):
    """Loss of affine - [norm] - relu ... - affine - softmax, written with einsum; normalization in train mode."""
    h = X.reshape(X.shape[0], -1)
    for l in range(1, num_layers):
        h = np.einsum("nd,dm->nm", h, params[f"W{l}"]) + params[f"b{l}"]
        if normalization == "batchnorm":
            h = bn_oracle(h, params[f"gamma{l}"], params[f"beta{l}"], 1e-5)
        elif normalization == "layernorm":
            mu, sd = h.mean(axis=1, keepdims=True), h.std(axis=1, keepdims=True)
            h = params[f"gamma{l}"] * (h - mu) / np.sqrt(sd ** 2 + 1e-5) + params[f"beta{l}"]
        h = np.maximum(h, 0)
    s = np.einsum("nd,dm->nm", h, params[f"W{num_layers}"]) + params[f"b{num_layers}"]
    s = s - s.max(axis=1, keepdims=True)
    data = np.mean(np.log(np.exp(s).sum(axis=1)) - s[np.arange(len(y)), y])
    return data + 0.5 * reg * sum(np.sum(params[f"W{l}"] ** 2) for l in range(1, num_layers + 1))  # CS231n A2


def check_net(model, X, y, reg, num_layers, normalization, what):
    params = {k: np.array(v, dtype=np.float64) for k, v in model.params.items()}
    loss, grads = model.loss(X, y)
    assert abs(loss - net_oracle(params, X, y, reg, num_layers, normalization)) < 1e-8, f"{what}: wrong loss"
    for name in sorted(params):
        def f(p, name=name):
            q = dict(params)
            q[name] = p
            return net_oracle(q, X, y, reg, num_layers, normalization)
        num = centered(f, params[name].copy(), 1.0)
        assert close(grads[name], num, 1e-6), f"{what}: the gradient of {name} is wrong"


def test_two_layer_net_other_sizes():
    model = fc_net.TwoLayerNet(input_dim=6, hidden_dim=5, num_classes=3, weight_scale=0.5, reg=0.05)
    assert sorted(model.params) == ["W1", "W2", "b1", "b2"], "TwoLayerNet: params must be W1, b1, W2, b2"
    assert np.shape(model.params["W1"]) == (6, 5) and np.shape(model.params["b2"]) == (3,), \
        "TwoLayerNet: W1 must be (input_dim, hidden_dim), b2 (num_classes,)"
    big = fc_net.TwoLayerNet(input_dim=100, hidden_dim=50, num_classes=3, weight_scale=0.5)
    # 5000 normal numbers: the sample std is within 1% of 0.5 (one sigma), so 10% is ten sigmas.
    assert abs(np.std(big.params["W1"]) / 0.5 - 1) < 0.1, "TwoLayerNet: W1 must have std weight_scale"
    assert not np.any(big.params["b1"]), "TwoLayerNet: b1 must start at zero"
    rng = rng_for(8)
    model.params = {"W1": 0.5 * rng.standard_normal((6, 5)), "b1": 0.1 * rng.standard_normal(5),
                    "W2": 0.5 * rng.standard_normal((5, 3)), "b2": 0.1 * rng.standard_normal(3)}
    X, y = rng.standard_normal((4, 2, 3)), rng.integers(3, size=4)
    scores = model.loss(X)
    assert np.shape(scores) == (4, 3), "TwoLayerNet.loss(X) must return scores of shape (N, C)"
    check_net(model, X, y, 0.05, 2, None, "TwoLayerNet")


@pytest.mark.parametrize("normalization", [None, "batchnorm", "layernorm"])
def test_fully_connected_net_three_hidden_layers(normalization):
    model = fc_net.FullyConnectedNet([5, 4, 6], input_dim=7, num_classes=3, normalization=normalization,
                                     reg=0.02, weight_scale=0.4, dtype=F64, seed=9)
    expected = {f"{k}{l}" for l in range(1, 5) for k in "Wb"}
    if normalization:
        expected |= {f"{k}{l}" for l in range(1, 4) for k in ("gamma", "beta")}
    assert set(model.params) == expected, f"FullyConnectedNet: params must be {sorted(expected)}"
    rng = rng_for(9)
    X, y = rng.standard_normal((6, 7)), rng.integers(3, size=6)
    check_net(model, X, y, 0.02, 4, normalization, f"FullyConnectedNet (normalization={normalization})")


def test_fully_connected_net_dropout_masks_and_test_mode():
    # weight_scale 0.5: pre-activations of O(1), so no finite-difference step crosses a ReLU kink.
    model = fc_net.FullyConnectedNet([30, 30], input_dim=5, num_classes=4, dropout_keep_ratio=0.5,
                                     weight_scale=0.5, dtype=F64, seed=10)
    rng = rng_for(10)
    X, y = rng.standard_normal((8, 5)), rng.integers(4, size=8)
    loss, grads = model.loss(X, y)
    params = {k: np.array(v) for k, v in model.params.items()}
    for name in ("W1", "b2"):
        def f(p, name=name):
            changed = dict(params)  # set through the attribute: model may live in the sandbox
            changed[name] = p
            model.params = changed
            return model.loss(X, y)[0]
        num = centered(f, params[name].copy(), 1.0)
        model.params = params  # undo the last perturbation
        assert close(grads[name], num, 1e-6), f"FullyConnectedNet with dropout: the gradient of {name} is wrong"
    no_dropout = fc_net.FullyConnectedNet([30, 30], input_dim=5, num_classes=4, weight_scale=0.5,
                                          dtype=F64, seed=10)
    no_dropout.params = {k: v.copy() for k, v in params.items()}
    assert close(model.loss(X), no_dropout.loss(X), 1e-12), \
        "FullyConnectedNet: at test time dropout must be the identity"
    assert abs(loss - net_oracle(params, X, y, 0.0, 3)) > 1e-6, \
        "FullyConnectedNet: dropout_keep_ratio < 1 must drop units in training"
