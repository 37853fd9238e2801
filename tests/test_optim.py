"""Tests for cs231n_lib.optim against hand-worked numbers and a scalar re-derivation."""

import math

import numpy as np
import pytest

from cs231n_lib import optim
from cs231n_lib.course import landscapes
from cs231n_lib.course._checks import check_update_inputs

RULES = ["sgd", "sgd_momentum", "nesterov_momentum", "adagrad", "rmsprop", "adam", "adamw"]


# --- hand-worked examples: one coordinate, two steps, numbers computed on paper ---
# Each case: rule, starting config, w0, (dw1, dw2), expected (w1, w2), expected state after step 2.
HAND_CASES = [
    # w1 = 1 - 0.1 * 0.5; w2 = 0.95 - 0.1 * (-1)
    ("sgd", {"learning_rate": 0.1}, 1.0, (0.5, -1.0), (0.95, 1.05), {}),
    # v1 = 0.9 * 0.2 - 0.05 = 0.13, w1 = 1.13; v2 = 0.117 + 0.1 = 0.217, w2 = 1.347
    ("sgd_momentum", {"learning_rate": 0.1, "momentum": 0.9, "velocity": np.array([0.2])},
     1.0, (0.5, -1.0), (1.13, 1.347), {"velocity": 0.217}),
    # v1 = 0.13, w1 = 1 - 0.9 * 0.2 + 1.9 * 0.13 = 1.067
    # v2 = 0.217, w2 = 1.067 - 0.9 * 0.13 + 1.9 * 0.217 = 1.3623
    ("nesterov_momentum", {"learning_rate": 0.1, "momentum": 0.9, "velocity": np.array([0.2])},
     1.0, (0.5, -1.0), (1.067, 1.3623), {"velocity": 0.217}),
    # cache1 = 0.75 + 0.25 = 1, w1 = 1 - 0.1 * 0.5 / 1 = 0.95
    # cache2 = 1 + 1 = 2, w2 = 0.95 + 0.1 / sqrt(2)
    ("adagrad", {"learning_rate": 0.1, "epsilon": 1e-12, "cache": np.array([0.75])},
     1.0, (0.5, -1.0), (0.95, 0.95 + 0.1 / math.sqrt(2)), {"cache": 2.0}),
    # cache1 = 0.75 * 0 + 0.25 * 4 = 1, w1 = 1 - 0.1 * 2 = 0.8
    # cache2 = 0.75 + 0.25 * 1 = 1, w2 = 0.8 + 0.1 = 0.9
    ("rmsprop", {"learning_rate": 0.1, "decay_rate": 0.75, "epsilon": 1e-12},
     1.0, (2.0, -1.0), (0.8, 0.9), {"cache": 1.0}),
    # t=1: m = 1, v = 1, m_hat = 2, v_hat = 4, w1 = 1 - 0.1 * 2 / 2 = 0.9
    # t=2: m = 0.5 - 1 = -0.5, v = 0.75 + 1 = 1.75, m_hat = -0.5 / 0.75 = -2/3,
    #      v_hat = 1.75 / 0.4375 = 4, w2 = 0.9 + 0.1 * (2/3) / 2 = 0.9 + 1/30
    ("adam", {"learning_rate": 0.1, "beta1": 0.5, "beta2": 0.75, "epsilon": 1e-12},
     1.0, (2.0, -2.0), (0.9, 0.9 + 1 / 30), {"m": -0.5, "v": 1.75, "t": 2}),
    # as adam, minus 0.1 * 0.5 * w_old: w1 = 0.9 - 0.05 = 0.85; w2 = 0.85 + 1/30 - 0.05 * 0.85
    ("adamw", {"learning_rate": 0.1, "beta1": 0.5, "beta2": 0.75, "epsilon": 1e-12, "weight_decay": 0.5},
     1.0, (2.0, -2.0), (0.85, 0.85 + 1 / 30 - 0.0425), {"m": -0.5, "v": 1.75, "t": 2}),
]


@pytest.mark.parametrize("name, config, w0, grads, expected_w, expected_state", HAND_CASES, ids=[c[0] for c in HAND_CASES])
def test_hand_worked_two_steps(name, config, w0, grads, expected_w, expected_state):
    rule = optim.get_update_rule(name)
    w = np.array([w0])
    for dw, expected in zip(grads, expected_w):
        w, config = rule(w, np.array([dw]), config)
        assert w[0] == pytest.approx(expected, rel=1e-10, abs=1e-12), (
            f"{name}: w after this step is {w[0]!r}, the hand-worked value is {expected!r} (the numbers are "
            f"worked out in a comment above HAND_CASES in tests/test_optim.py); compare your update with the docstring's formula")
    for key, value in expected_state.items():
        assert np.squeeze(config[key]) == pytest.approx(value, rel=1e-12), (
            f"{name}: config[{key!r}] after two steps is {np.squeeze(config[key])!r}, expected {value!r}; "
            f"store the updated state back into config")


# --- a second derivation: plain scalar formulas, coordinate by coordinate ---


def scalar_reference(name, hyper, w, grads, state):
    """Apply ``len(grads)`` steps of rule ``name`` one coordinate at a time with math only."""
    w = list(w)
    state = {k: list(v) if isinstance(v, np.ndarray) else v for k, v in state.items()}
    lr = hyper["learning_rate"]
    for step, g in enumerate(grads, start=1):
        for i, gi in enumerate(g):
            if name == "sgd":
                w[i] -= lr * gi
            elif name in ("sgd_momentum", "nesterov_momentum"):
                mu = hyper["momentum"]
                old = state["velocity"][i]
                new = mu * old - lr * gi
                state["velocity"][i] = new
                w[i] += new if name == "sgd_momentum" else -mu * old + (1 + mu) * new
            elif name == "adagrad":
                state["cache"][i] += gi**2
                w[i] -= lr * gi / (math.sqrt(state["cache"][i]) + hyper["epsilon"])
            elif name == "rmsprop":
                rho = hyper["decay_rate"]
                state["cache"][i] = rho * state["cache"][i] + (1 - rho) * gi**2
                w[i] -= lr * gi / (math.sqrt(state["cache"][i]) + hyper["epsilon"])
            else:  # adam, adamw
                b1, b2 = hyper["beta1"], hyper["beta2"]
                t = state["t"] + 1
                state["m"][i] = b1 * state["m"][i] + (1 - b1) * gi
                state["v"][i] = b2 * state["v"][i] + (1 - b2) * gi**2
                m_hat = state["m"][i] / (1 - b1**t)
                v_hat = state["v"][i] / (1 - b2**t)
                decay = hyper.get("weight_decay", 0.0) * w[i] if name == "adamw" else 0.0
                w[i] -= lr * (m_hat / (math.sqrt(v_hat) + hyper["epsilon"]) + decay)
        if name in ("adam", "adamw"):
            state["t"] += 1
    return np.array(w), state


NON_DEFAULT_HYPER = {
    "sgd": {"learning_rate": 0.3},
    "sgd_momentum": {"learning_rate": 0.3, "momentum": 0.7},
    "nesterov_momentum": {"learning_rate": 0.3, "momentum": 0.7},
    "adagrad": {"learning_rate": 0.3, "epsilon": 1e-3},
    "rmsprop": {"learning_rate": 0.3, "decay_rate": 0.8, "epsilon": 1e-3},
    "adam": {"learning_rate": 0.3, "beta1": 0.8, "beta2": 0.9, "epsilon": 1e-3},
    "adamw": {"learning_rate": 0.3, "beta1": 0.8, "beta2": 0.9, "epsilon": 1e-3, "weight_decay": 0.2},
}
STATE_KEYS = {"sgd": [], "sgd_momentum": ["velocity"], "nesterov_momentum": ["velocity"],
              "adagrad": ["cache"], "rmsprop": ["cache"], "adam": ["m", "v"], "adamw": ["m", "v"]}


@pytest.mark.parametrize("name", RULES)
def test_matches_scalar_reference_from_given_state(name):
    rng = np.random.default_rng(0)
    w0 = rng.standard_normal(6)
    grads = [rng.standard_normal(6), rng.standard_normal(6)]
    state = {key: rng.uniform(0.1, 1.0, size=6) for key in STATE_KEYS[name]}  # positive: valid caches
    if name in ("adam", "adamw"):
        state["t"] = 3
    given = {k: (v.reshape(2, 3).copy() if isinstance(v, np.ndarray) else v) for k, v in state.items()}  # (2, 3) arrays
    config = {**NON_DEFAULT_HYPER[name], **given}

    w = w0.reshape(2, 3)  # the rule must keep any shape
    for g in grads:
        w, config = optim.get_update_rule(name)(w, g.reshape(2, 3), config)
    expected_w, expected_state = scalar_reference(name, NON_DEFAULT_HYPER[name], w0, grads, state)

    np.testing.assert_allclose(w.ravel(), expected_w, rtol=1e-12, atol=1e-14, err_msg=(
        f"{name}: two steps from a given state differ from a coordinate-by-coordinate re-derivation of "
        f"the docstring's formula; check the order of the updates and that the state in config is used"))
    for key in STATE_KEYS[name]:
        np.testing.assert_allclose(config[key].ravel(), expected_state[key], rtol=1e-12, err_msg=(
            f"{name}: config[{key!r}] after two steps is wrong; update it from its given value"))
    if name in ("adam", "adamw"):
        assert config["t"] == 5, f"{name}: t must go from 3 to 5 in two steps, got {config['t']}"


EXPECTED_DEFAULTS = {
    "sgd": {"learning_rate": 1e-2},
    "sgd_momentum": {"learning_rate": 1e-2, "momentum": 0.9},
    "nesterov_momentum": {"learning_rate": 1e-2, "momentum": 0.9},
    "adagrad": {"learning_rate": 1e-2, "epsilon": 1e-7},
    "rmsprop": {"learning_rate": 1e-2, "decay_rate": 0.99, "epsilon": 1e-8},
    "adam": {"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8},
    "adamw": {"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8, "weight_decay": 1e-2},
}


@pytest.mark.parametrize("name", RULES)
def test_defaults_filled_and_state_created(name):
    w = np.ones((2, 3))
    _, config = getattr(optim, name)(w, np.ones((2, 3)), None)
    for key, value in EXPECTED_DEFAULTS[name].items():
        assert config[key] == value, key
    for key in STATE_KEYS[name]:
        assert config[key].shape == (2, 3), (
            f"{name}: config[{key!r}] must be created with w's shape (2, 3), got {np.shape(config[key])}")
    if name in ("adam", "adamw"):
        assert config["t"] == 1, f"{name}: t starts at 0 and is 1 after the first step, got {config['t']}"


@pytest.mark.parametrize("name", RULES)
def test_user_values_are_not_overwritten_by_defaults(name):
    config = dict(NON_DEFAULT_HYPER[name])
    getattr(optim, name)(np.ones(3), np.ones(3), config)
    for key, value in NON_DEFAULT_HYPER[name].items():
        assert config[key] == value, (
            f"{name}: config[{key!r}] was {value!r} and became {config[key]!r}; fill defaults with "
            f"config.setdefault, which keeps the caller's values")


@pytest.mark.parametrize("name", RULES)
def test_inputs_untouched_and_config_returned(name):
    w = np.arange(6.0).reshape(2, 3)
    dw = np.full((2, 3), 0.5)
    state = {key: np.full((2, 3), 0.25) for key in STATE_KEYS[name]}
    config = {**state}
    w_copy, dw_copy = w.copy(), dw.copy()
    state_copies = {k: v.copy() for k, v in state.items()}

    next_w, returned = getattr(optim, name)(w, dw, config)

    np.testing.assert_array_equal(w, w_copy, err_msg=f"{name} modified w in place; return a new array")
    np.testing.assert_array_equal(dw, dw_copy, err_msg=f"{name} modified dw in place")
    assert next_w is not w and not np.shares_memory(next_w, w), (
        f"{name} returned w itself (or a view of it); compute next_w as a new array, e.g. w - step")
    for key, original in state.items():  # the old state arrays are replaced, not written into
        np.testing.assert_array_equal(original, state_copies[key], err_msg=(
            f"{name} wrote into the old config[{key!r}] array; assign a new array (m = beta1 * m + ...) "
            f"instead of an in-place update (m *= ...)"))
    assert returned is config, f"{name} must return the config dict it was given (updated), not a copy"


@pytest.mark.parametrize("name", RULES)
def test_float32_weights_stay_float32(name):
    w = np.ones((2, 3), dtype=np.float32)
    config = {}
    for _ in range(2):
        w, config = getattr(optim, name)(w, np.full((2, 3), 0.5, dtype=np.float32), config)
    assert w.dtype == np.float32, (
        f"{name} turned float32 weights into {w.dtype}: float32 in, float32 out; mix only Python floats "
        f"and arrays of w's dtype into the update (a float64 array or np.float64 scalar promotes it)")


# --- properties ---


def test_adam_first_step_is_learning_rate_in_every_coordinate():
    w = np.zeros(5)
    dw = np.array([1e-3, -0.1, 1.0, -10.0, 1e3])  # six orders of magnitude apart
    next_w, _ = optim.adam(w, dw, {"learning_rate": 0.01})
    np.testing.assert_allclose(np.abs(next_w), 0.01, rtol=1e-4, err_msg=(
        "Adam's first step must move every coordinate by about learning_rate whatever its gradient: "
        "increment t before the bias correction (m_hat = m / (1 - beta1**t) with t = 1)"))
    np.testing.assert_array_equal(np.sign(next_w), -np.sign(dw), err_msg="Adam must step against the gradient")


def test_adagrad_effective_step_shrinks():
    w, config, steps = np.zeros(2), {"learning_rate": 0.1}, []
    for _ in range(6):
        next_w, config = optim.adagrad(w, np.array([1.0, -3.0]), config)
        steps.append(np.abs(next_w - w))
        w = next_w
    steps = np.array(steps)  # (6, 2)
    assert np.all(np.diff(steps, axis=0) < 0), (
        f"AdaGrad's steps must shrink under a constant gradient (the cache only grows), got {steps[:, 0]}")
    # with a constant gradient g the k-th step is lr / sqrt(k) (epsilon aside)
    np.testing.assert_allclose(steps[:, 0], 0.1 / np.sqrt(np.arange(1, 7)), rtol=1e-6, err_msg=(
        "with a constant gradient AdaGrad's k-th step is learning_rate / sqrt(k): add dw**2 to the cache "
        "and divide by its square root"))


@pytest.mark.parametrize("name", ["sgd_momentum", "nesterov_momentum"])
def test_momentum_zero_equals_sgd(name):
    rng = np.random.default_rng(1)
    w_m = w_s = rng.standard_normal(4)
    config_m, config_s = {"learning_rate": 0.2, "momentum": 0.0}, {"learning_rate": 0.2}
    for _ in range(4):
        dw = rng.standard_normal(4)
        w_m, config_m = getattr(optim, name)(w_m, dw, config_m)
        w_s, config_s = optim.sgd(w_s, dw, config_s)
        np.testing.assert_allclose(w_m, w_s, rtol=0, atol=1e-15, err_msg=(
            f"{name} with momentum 0 must equal sgd (and needs sgd to be right: make check Q=sgd)"))


def test_nesterov_differs_from_classical_momentum():
    config_c, config_n = {"learning_rate": 0.1}, {"learning_rate": 0.1}
    w_c = w_n = np.array([1.0])
    differences = []
    for _ in range(3):
        w_c, config_c = optim.sgd_momentum(w_c, np.array([1.0]), config_c)
        w_n, config_n = optim.nesterov_momentum(w_n, np.array([1.0]), config_n)
        differences.append(abs(w_c[0] - w_n[0]))
    # same velocities (same gradients), different positions: Nesterov looks ahead by mu * v
    np.testing.assert_allclose(config_c["velocity"], config_n["velocity"], err_msg=(
        "Nesterov and classical momentum keep the same velocity v = mu * v - lr * dw"))
    assert min(differences) > 1e-3, (
        f"Nesterov must look ahead (w - mu * v_old + (1 + mu) * v), not repeat classical momentum: "
        f"differences {differences}")


def test_adamw_without_weight_decay_equals_adam():
    rng = np.random.default_rng(2)
    w_a = w_w = rng.standard_normal((3, 2))
    config_a, config_w = {"learning_rate": 0.05}, {"learning_rate": 0.05, "weight_decay": 0.0}
    for _ in range(5):
        dw = rng.standard_normal((3, 2))
        w_a, config_a = optim.adam(w_a, dw, config_a)
        w_w, config_w = optim.adamw(w_w, dw, config_w)
    np.testing.assert_array_equal(w_a, w_w, err_msg=(
        "AdamW with weight_decay=0 must equal adam exactly (and needs adam to be right: make check Q=adam)"))


def test_adamw_decay_is_not_rescaled_like_l2():
    # Zero gradient, existing moments of zero: Adam does nothing, AdamW shrinks w by lr * wd * w.
    w = np.array([2.0, -4.0])
    next_w, _ = optim.adamw(w, np.zeros(2), {"learning_rate": 0.1, "weight_decay": 0.5, "epsilon": 1e-8})
    np.testing.assert_allclose(next_w, w * (1 - 0.05), err_msg=(
        "AdamW subtracts learning_rate * weight_decay * w outside the adaptive step (decoupled), "
        "so with a zero gradient it shrinks w by exactly that"))


LANDSCAPE_RATES = {"sgd": 0.04, "sgd_momentum": 0.02, "nesterov_momentum": 0.02,
                   "adagrad": 0.5, "rmsprop": 0.02, "adam": 0.05, "adamw": 0.05}


@pytest.mark.parametrize("name", RULES)
def test_every_rule_reduces_the_loss_on_the_taco_shell(name):
    fn = landscapes.ill_conditioned_quadratic(condition_number=20.0)
    config = {"learning_rate": LANDSCAPE_RATES[name]}
    if name == "adamw":
        config["weight_decay"] = 0.01
    _, losses = landscapes.run_optimizer(fn, name, fn.start, 200, config)
    assert losses[-1] < 1e-2 * losses[0], f"{name}: {losses[0]:.3g} -> {losses[-1]:.3g}"


# --- lookup and bad input ---


def test_get_update_rule_by_name_and_callable():
    for name in RULES:
        rule = optim.get_update_rule(name)
        assert rule.__wrapped__ is getattr(optim, name), f"get_update_rule({name!r}) must wrap optim.{name}"
    assert sorted(optim.UPDATE_RULES) == sorted(RULES), f"optim.UPDATE_RULES lists {sorted(optim.UPDATE_RULES)}"

    def custom(w, dw, config):
        return w, config

    assert optim.get_update_rule(custom).__wrapped__ is custom, "a callable update rule is used as it is, checked"


@pytest.mark.parametrize("bad", ["Adam", "sgd_nesterov", "", 3, None])
def test_unknown_update_rule_lists_the_known_ones(bad):
    with pytest.raises(ValueError, match=r"update_rule must be one of .*'adam'.*'sgd_momentum'"):
        optim.get_update_rule(bad)


# --- the input checks: in _checks, applied by get_update_rule (the rules hold only their update) ---


@pytest.mark.parametrize("key, value", [
    ("learning_rate", -1e-3), ("learning_rate", 0.0), ("learning_rate", float("nan")),
    ("learning_rate", float("inf")), ("learning_rate", "0.1"), ("learning_rate", True),
    ("momentum", 1.0), ("momentum", -0.1), ("decay_rate", 1.5), ("epsilon", 0.0),
    ("beta1", 1.0), ("beta2", -0.5), ("weight_decay", -1e-4),
])
def test_bad_hyperparameter(key, value):
    with pytest.raises(ValueError, match=rf"config\['{key}'\]"):
        check_update_inputs(np.ones(2), np.ones(2), {key: value})


def test_gradient_or_state_of_the_wrong_shape_and_config_not_a_dict():
    with pytest.raises(ValueError, match=r"dw must have the shape of w \(3, 2\), got \(2, 3\)"):
        check_update_inputs(np.ones((3, 2)), np.ones((2, 3)), None)
    with pytest.raises(ValueError, match=r"config\['velocity'\] has shape \(2, 3\) but w has shape \(3, 2\)"):
        check_update_inputs(np.ones((3, 2)), np.ones((3, 2)), {"velocity": np.zeros((2, 3))})
    with pytest.raises(ValueError, match="config must be a dict"):
        check_update_inputs(np.ones(2), np.ones(2), [("learning_rate", 0.1)])
    check_update_inputs(np.ones((3, 2)), np.ones((3, 2)), {"learning_rate": 0.1, "t": 3, "m": np.zeros((3, 2))})


def test_get_update_rule_checks_before_the_rule_runs():
    config = {"learning_rate": -1.0}
    with pytest.raises(ValueError, match=r"config\['learning_rate'\] must lie in \(0.0, inf\)"):
        optim.get_update_rule("adam")(np.ones(2), np.ones(2), config)
    assert config == {"learning_rate": -1.0}, "nothing half-written: the rule did not run"


# --- every rule trains a softmax classifier ---


def blobs(num_per_class=60, num_classes=4, dim=10, seed=0):
    """Gaussian clusters around random centers, with a bias column: X (N, dim + 1), y (N,)."""
    rng = np.random.default_rng(seed)
    centers = 2.0 * rng.standard_normal((num_classes, dim))  # (C, dim)
    y = np.repeat(np.arange(num_classes), num_per_class)  # (N,)
    X = centers[y] + rng.standard_normal((y.size, dim))  # (N, dim)
    return np.hstack([X, np.ones((y.size, 1))]), y  # (N, dim + 1)


SOFTMAX_RATES = {"sgd": 0.05, "sgd_momentum": 0.01, "nesterov_momentum": 0.01,
                 "adagrad": 0.05, "rmsprop": 0.005, "adam": 0.01, "adamw": 0.01}


@pytest.mark.parametrize("name", RULES)
def test_every_rule_trains_a_softmax_classifier(name):
    from cs231n_lib.classifiers.linear_classifier import Softmax
    from cs231n_lib.classifiers.softmax import softmax_loss_vectorized

    X, y = blobs()
    W0 = 0.001 * np.random.default_rng(3).standard_normal((X.shape[1], 4))  # (D, C)
    classifier = Softmax()
    classifier.W = W0.copy()
    history = classifier.train(X, y, learning_rate=SOFTMAX_RATES[name], reg=1e-4, num_iters=100,
                               batch_size=40, update_rule=name, seed=0, on_divergence="raise")
    start = softmax_loss_vectorized(W0, X, y, 1e-4)[0]
    end = softmax_loss_vectorized(classifier.W, X, y, 1e-4)[0]
    assert len(history) == 100, f"{name}: train ran {len(history)} of 100 iterations"
    assert end < 0.25 * start, f"{name}: full-batch loss {start:.3f} -> {end:.3f}"
