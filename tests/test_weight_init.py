"""weight_init: the init rules' closed forms, the lecture's deep-network experiment, dead units."""

import numpy as np
import pytest

from cs231n_lib import layers
from cs231n_lib.course import weight_init


def test_init_std_closed_forms():
    assert weight_init.init_std(100, "xavier") == pytest.approx(0.1)
    assert weight_init.init_std(200, "he") == pytest.approx(0.1)
    assert weight_init.init_std(7, 0.01) == 0.01


@pytest.mark.parametrize("rule", [0.05, "xavier", "he"])
def test_init_weights_have_the_promised_std(rule):
    W = weight_init.init_weights(400, 300, rule, rng=np.random.default_rng(0), dtype=np.float32)
    assert W.shape == (400, 300) and W.dtype == np.float32
    expected = weight_init.init_std(400, rule)
    # The sample std of n normal numbers has relative std 1/sqrt(2n).
    assert abs(W.std() / expected - 1) < 5 / np.sqrt(2 * W.size)
    assert abs(W.mean()) < 5 * expected / np.sqrt(W.size)


@pytest.mark.parametrize("args, word", [((0, 3, 0.1), "fan_in"), ((3, 0, 0.1), "fan_out"),
                                        ((3, 3, -1.0), "weight_scale"), ((3, 3, "lecun"), "weight_scale")])
def test_init_bad_arguments(args, word):
    with pytest.raises(ValueError, match=f"^{word}"):
        weight_init.init_weights(*args)


def test_get_activation():
    assert weight_init.get_activation("elu") == (layers.elu_forward, layers.elu_backward)
    with pytest.raises(ValueError, match="^activation"):
        weight_init.get_activation("swish")


X = np.random.default_rng(1).standard_normal((300, 200))
DEPTH = [200] * 8


def test_small_weights_make_tanh_activations_vanish_layer_by_layer():
    stds = [a.std() for a in weight_init.activation_statistics(X, DEPTH, "tanh", 0.01)]
    assert all(b < a for a, b in zip(stds, stds[1:])), stds
    assert stds[-1] < 1e-4, stds  # each layer multiplies the std by ~0.01 * sqrt(200) = 0.14


def test_large_weights_saturate_tanh():
    last = weight_init.activation_statistics(X, DEPTH, "tanh", 1.0)[-1]
    assert np.mean(np.abs(last) > 0.99) > 0.7  # most units sit at +-1, where tanh's gradient is ~0


@pytest.mark.parametrize("activation, rule", [("tanh", "xavier"), ("relu", "he")])
def test_xavier_and_he_keep_activations_alive(activation, rule):
    stds = [a.std() for a in weight_init.activation_statistics(X, DEPTH, activation, rule)]
    assert stds[-1] > 0.2 and stds[-1] > 0.25 * stds[0], stds


def test_activation_statistics_shapes_and_determinism():
    acts = weight_init.activation_statistics(X[:5], [4, 3], "relu", "he", seed=2)
    assert [a.shape for a in acts] == [(5, 4), (5, 3)]
    again = weight_init.activation_statistics(X[:5], [4, 3], "relu", "he", seed=2)
    np.testing.assert_array_equal(acts[1], again[1])
    with pytest.raises(ValueError, match="^hidden_dims"):
        weight_init.activation_statistics(X, [], "relu")


def test_dead_unit_fraction():
    acts = np.array([[0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 2.0, 0.0]])
    assert weight_init.dead_unit_fraction(acts) == 0.5
