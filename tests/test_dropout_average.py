"""Tests for cs231n_lib.course.dropout_average: scores under given masks, against numpy written out."""

import numpy as np
import pytest

from cs231n_lib import FullyConnectedNet, layers
from cs231n_lib.course.dropout_average import scores_under_masks


def small_net(hidden_dims, keep=0.5, normalization=None, seed=0):
    """A float64 FullyConnectedNet on 6-dimensional inputs with 3 classes and nonzero biases."""
    net = FullyConnectedNet(hidden_dims, input_dim=6, num_classes=3, dropout_keep_ratio=keep,
                            normalization=normalization, weight_scale=0.5, dtype=np.float64, seed=seed)
    rng = np.random.default_rng(seed + 1)
    for name in net.params:
        if name.startswith("b"):
            net.params[name] = rng.standard_normal(net.params[name].shape)
    return net


def test_one_hidden_layer_by_hand():
    net = small_net([7], keep=0.4)
    X = np.random.default_rng(2).standard_normal((5, 6))  # (N, D)
    seeds = [3, 11]
    scores = scores_under_masks(net, X, seeds)  # (2, N, C)
    hidden = np.maximum(0, X @ net.params["W1"] + net.params["b1"])  # (N, H)
    for k, seed in enumerate(seeds):
        # The mask dropout_forward draws for this seed: keep-or-drop scaled by 1 / p, read off an input of ones.
        mask, _ = layers.dropout_forward(np.ones_like(hidden), {"mode": "train", "p": 0.4, "seed": seed * 2 + 1})
        assert set(np.unique(mask)) <= {0.0, 1 / 0.4}, "test set-up: an inverted-dropout mask"
        expected = (hidden * mask) @ net.params["W2"] + net.params["b2"]  # (N, C)
        np.testing.assert_allclose(scores[k], expected, rtol=1e-12, err_msg="the forward pass under mask k")
    assert not np.allclose(scores[0], scores[1]), "different seeds draw different masks"


def test_the_average_over_masks_is_the_test_time_pass_with_one_hidden_layer():
    net = small_net([20], keep=0.5)
    X = np.random.default_rng(4).standard_normal((8, 6))
    scores = scores_under_masks(net, X, range(4000))  # (K, N, C)
    test = net.loss(X)  # (N, C)
    standard_error = scores.std(axis=0) / np.sqrt(len(scores))  # (N, C)
    assert np.all(np.abs(scores.mean(axis=0) - test) < 5 * standard_error), "linear in the mask: an exact expectation"


def test_two_hidden_layers_get_a_mask_each():
    net = small_net([9, 8], keep=0.5)
    X = np.random.default_rng(5).standard_normal((4, 6))
    again = scores_under_masks(net, X, [7, 7])
    assert again.shape == (2, 4, 3) and np.array_equal(again[0], again[1]), "the same seed, the same masks"
    h1 = np.maximum(0, X @ net.params["W1"] + net.params["b1"])  # (N, 9)
    m1, _ = layers.dropout_forward(np.ones_like(h1), {"mode": "train", "p": 0.5, "seed": 7 * 3 + 1})
    h2 = np.maximum(0, (h1 * m1) @ net.params["W2"] + net.params["b2"])  # (N, 8)
    m2, _ = layers.dropout_forward(np.ones_like(h2), {"mode": "train", "p": 0.5, "seed": 7 * 3 + 2})
    expected = (h2 * m2) @ net.params["W3"] + net.params["b3"]  # (N, C)
    np.testing.assert_allclose(again[0], expected, rtol=1e-12, err_msg="dropout after each hidden ReLU")


@pytest.mark.parametrize("keep, normalization", [(1, None), (0.5, "batchnorm")])
def test_rejects_a_net_without_dropout_or_with_normalization(keep, normalization):
    net = small_net([5], keep=keep, normalization=normalization)
    with pytest.raises(ValueError, match=r"net must be a FullyConnectedNet with dropout"):
        scores_under_masks(net, np.zeros((2, 6)), [0])


def test_rejects_no_seeds():
    with pytest.raises(ValueError, match=r"mask_seeds must hold at least one seed"):
        scores_under_masks(small_net([5]), np.zeros((2, 6)), [])
