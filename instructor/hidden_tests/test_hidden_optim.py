"""Hidden checks of the update rules: other shapes, several steps, Adam's bias correction, AdamW alone.

PYTEST_DONT_REWRITE: a failure shows only the message written here, never this source.
"""

import numpy as np
import pytest

import hidden_oracles as oracle
from cs231n_lib import optim

SHAPES = [(5,), (3, 4)]


def steps(rule, config, n=3, shape=(3, 4), seed=0):
    """Run ``n`` steps of ``rule`` from fixed w and gradients; return the list of w."""
    rng = np.random.default_rng(seed)
    w = rng.standard_normal(shape)
    out = []
    for _ in range(n):
        dw = rng.standard_normal(shape)
        w, config = rule(w, dw, config)
        out.append(w)
    return out


def reference(update, state, n=3, shape=(3, 4), seed=0):
    """The same steps with ``update(w, dw, state) -> w``, written out here."""
    rng = np.random.default_rng(seed)
    w = rng.standard_normal(shape)
    out = []
    for _ in range(n):
        dw = rng.standard_normal(shape)
        w = update(w, dw, state)
        out.append(w)
    return out


def sgd(w, dw, s):
    return w - 0.05 * dw


def momentum(w, dw, s):
    s["v"] = 0.8 * s.get("v", 0) - 0.05 * dw
    return w + s["v"]


def nesterov(w, dw, s):
    v_prev = s.get("v", 0)
    s["v"] = 0.8 * v_prev - 0.05 * dw
    return w - 0.8 * v_prev + 1.8 * s["v"]


def adagrad(w, dw, s):
    s["c"] = s.get("c", 0) + dw ** 2
    return w - 0.05 * dw / (np.sqrt(s["c"]) + 1e-7)


def rmsprop(w, dw, s):
    s["c"] = 0.9 * s.get("c", 0) + 0.1 * dw ** 2
    return w - 0.05 * dw / (np.sqrt(s["c"]) + 1e-8)


def adam(w, dw, s):
    s["t"] = s.get("t", 0) + 1
    s["m"] = 0.9 * s.get("m", 0) + 0.1 * dw
    s["v"] = 0.999 * s.get("v", 0) + 0.001 * dw ** 2
    m_hat, v_hat = s["m"] / (1 - 0.9 ** s["t"]), s["v"] / (1 - 0.999 ** s["t"])
    return w - 0.05 * m_hat / (np.sqrt(v_hat) + 1e-8)


RULES = {
    "sgd": (sgd, {"learning_rate": 0.05}),
    "sgd_momentum": (momentum, {"learning_rate": 0.05, "momentum": 0.8}),
    "nesterov_momentum": (nesterov, {"learning_rate": 0.05, "momentum": 0.8}),
    "adagrad": (adagrad, {"learning_rate": 0.05}),
    "rmsprop": (rmsprop, {"learning_rate": 0.05, "decay_rate": 0.9}),
    "adam": (adam, {"learning_rate": 0.05}),
}


@pytest.mark.parametrize("shape", SHAPES, ids=["vector", "matrix"])
@pytest.mark.parametrize("name", list(RULES))
def test_three_steps_match_the_formula(name, shape):
    update, config = RULES[name]
    got = steps(getattr(optim, name), dict(config), shape=shape)
    expected = reference(update, {}, shape=shape)
    for t, (a, b) in enumerate(zip(got, expected), start=1):
        assert oracle.close(a, b), f"{name}: step {t} differs from the update formula (w of shape {shape})"


def test_adam_first_step_moves_each_coordinate_by_the_learning_rate():
    w = np.zeros(4)
    dw = np.array([1e-6, -3e-3, 2.0, -50.0])
    next_w, config = optim.adam(w, dw, {"learning_rate": 1e-2})
    assert np.allclose(np.abs(next_w), 1e-2, rtol=1e-2), (
        "adam: the first step should move every coordinate by about learning_rate; are both moments bias-corrected?")
    assert config["t"] == 1, f"adam: config['t'] should be 1 after one step, got {config['t']}"


def test_adam_bias_correction_fades_over_steps():
    got = steps(optim.adam, {"learning_rate": 1e-3}, n=50, shape=(6,), seed=3)
    expected = reference(lambda w, dw, s: oracle_adam_step(w, dw, s), {}, n=50, shape=(6,), seed=3)
    assert oracle.close(got[-1], expected[-1]), "adam: after 50 steps w differs from Adam with bias correction"


def oracle_adam_step(w, dw, state):
    next_w, new = oracle.adam(w, dw, {**state, "learning_rate": 1e-3})
    state.update(new)
    return next_w


@pytest.mark.parametrize("weight_decay", [0.0, 0.1])
def test_adamw_is_an_adam_step_plus_decoupled_decay(weight_decay):
    # Against the student's own Adam step: AdamW is graded alone, and whether adam updates config in
    # place or returns a new dict (both allowed by its docstring) does not matter.
    rng = np.random.default_rng(5)
    w, dw = rng.standard_normal((3, 2)), rng.standard_normal((3, 2))
    next_w, _ = optim.adamw(w, dw, {"learning_rate": 0.01, "weight_decay": weight_decay})
    adam_w, _ = optim.adam(w, dw, {"learning_rate": 0.01})
    expected = adam_w - 0.01 * weight_decay * w
    assert oracle.close(next_w, expected), (
        f"adamw: expected an Adam step minus learning_rate * weight_decay * w (weight_decay = {weight_decay})")


def test_adamw_keeps_adams_state_across_steps():
    rng = np.random.default_rng(6)
    w = rng.standard_normal(5)
    config, adam_config = {"learning_rate": 0.01, "weight_decay": 0.05}, {"learning_rate": 0.01}
    for step in range(3):
        dw = rng.standard_normal(5)
        adam_w, adam_config = optim.adam(w, dw, adam_config)
        expected = adam_w - 0.01 * 0.05 * w
        w, config = optim.adamw(w, dw, config)
        assert oracle.close(w, expected), f"adamw: step {step + 1} differs from an Adam step with decoupled weight decay"
    assert config.get("t") == 3, "adamw: the Adam state in config (t, m, v) must carry over between steps"


# Every rule trains a softmax classifier, in a loop written here: the minibatches, the loss and its
# gradient are trusted (hidden_oracles), only the update rule is the student's. So an optimizer item
# does not depend on the student's LinearClassifier.train or softmax (other items), nor on the keywords
# the given train of the student's release has.
TRAIN_RATES = {"sgd": 0.05, "sgd_momentum": 0.01, "nesterov_momentum": 0.01,
               "adagrad": 0.05, "rmsprop": 0.005, "adam": 0.01, "adamw": 0.01}


def blobs(num_per_class=60, num_classes=4, dim=10, seed=0):
    """Gaussian clusters around random centers, with a bias column: X (N, dim + 1), y (N,)."""
    rng = np.random.default_rng(seed)
    centers = 2.0 * rng.standard_normal((num_classes, dim))  # (C, dim)
    y = np.repeat(np.arange(num_classes), num_per_class)  # (N,)
    X = centers[y] + rng.standard_normal((y.size, dim))  # (N, dim)
    return np.hstack([X, np.ones((y.size, 1))]), y  # (N, dim + 1)


@pytest.mark.parametrize("name", list(TRAIN_RATES))
def test_rule_trains_a_softmax_classifier_in_a_trusted_loop(name):
    X, y = blobs()
    rng = np.random.default_rng(0)
    W = 0.001 * np.random.default_rng(3).standard_normal((X.shape[1], 4))  # (D, C)
    start = oracle.softmax(W, X, y, 1e-4)[0]
    rule, config = getattr(optim, name), {}
    for _ in range(100):
        batch = rng.choice(y.size, 40)  # (B,)
        _, dW = oracle.softmax(W, X[batch], y[batch], 1e-4)
        config["learning_rate"] = TRAIN_RATES[name]
        W, config = rule(W, dW, config)
        assert isinstance(config, dict) and np.shape(W) == dW.shape, f"{name} must return (next_w, config)"
    end = oracle.softmax(np.asarray(W, dtype=float), X, y, 1e-4)[0]
    assert end < 0.25 * start, f"{name}: 100 steps took the full-batch loss from {start:.3f} to {end:.3f} only"
