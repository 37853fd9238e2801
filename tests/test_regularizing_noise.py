"""Tests for cs231n_lib.course.regularizing_noise: gradients against finite differences and the network's own loss."""

import numpy as np
import pytest

from cs231n_lib import FullyConnectedNet, eval_numerical_gradient, rel_error
from cs231n_lib.course import regularizing_noise
from cs231n_lib.course.regularizing_noise import (accuracy, loss_on_rows, train_augmented_net, train_batchnorm_net,
                                                  train_minibatches)


def bn_net(seed=0):
    """A float64 batch-norm FullyConnectedNet on 6 inputs, two hidden layers, 3 classes, gamma and beta off 1 and 0."""
    net = FullyConnectedNet([5, 4], input_dim=6, num_classes=3, normalization="batchnorm", weight_scale=0.5,
                            dtype=np.float64, seed=seed)
    rng = np.random.default_rng(seed + 1)
    for name in net.params:
        if not name.startswith("W"):
            net.params[name] = net.params[name] + 0.3 * rng.standard_normal(net.params[name].shape)
    return net


def test_loss_on_all_rows_is_the_networks_training_loss():
    net, X = bn_net(), np.random.default_rng(2).standard_normal((9, 6))  # (M, D)
    y = np.random.default_rng(3).integers(0, 3, size=9)
    loss, grads = loss_on_rows(net, X, np.arange(9), y)
    expected_loss, expected_grads = net.loss(X, y)  # the solution's forward and backward pass, reg = 0
    assert abs(loss - expected_loss) < 1e-12
    assert set(grads) == set(expected_grads)
    for name in grads:
        assert rel_error(grads[name], expected_grads[name]) < 1e-10, name


@pytest.mark.parametrize("rows", [[0, 3, 3, 7], [8, 1]])
def test_loss_on_rows_gradient_matches_finite_differences(rows):
    net, X = bn_net(seed=4), np.random.default_rng(5).standard_normal((10, 6))  # (M, D)
    rows = np.array(rows)
    y = np.random.default_rng(6).integers(0, 3, size=len(rows))
    _, grads = loss_on_rows(net, X, rows, y)

    for name in net.params:
        def f(_):
            return loss_on_rows(net, X, rows, y)[0]
        numeric = eval_numerical_gradient(f, net.params[name], verbose=False, h=1e-6)
        assert rel_error(grads[name], numeric) < 1e-6, name


def test_loss_on_rows_depends_on_rows_outside_the_loss_only_through_statistics():
    net, X = bn_net(seed=7), np.random.default_rng(8).standard_normal((10, 6))
    y = np.array([1, 2])
    loss_a, _ = loss_on_rows(net, X, np.array([0, 1]), y)
    X_other = X.copy()
    X_other[5:] += 3.0  # other rows, other statistics
    loss_b, _ = loss_on_rows(net, X_other, np.array([0, 1]), y)
    loss_c, _ = loss_on_rows(net, X[:2], np.array([0, 1]), y)
    assert abs(loss_a - loss_b) > 1e-3 and abs(loss_a - loss_c) > 1e-3


def test_train_minibatches_draws_the_seeded_batches_and_applies_adam():
    net = bn_net()
    start = {name: value.copy() for name, value in net.params.items()}
    drawn = []

    def zero_grads(batch, _rng):
        drawn.append(batch)
        return {name: np.zeros_like(value) for name, value in net.params.items()}

    train_minibatches(net, 20, zero_grads, num_epochs=3, batch_size=4, learning_rate=1e-2, seed=11)
    expected = np.random.default_rng(11)
    assert len(drawn) == 15
    for batch in drawn:
        np.testing.assert_array_equal(batch, expected.choice(20, 4))
    for name in net.params:  # Adam with zero gradients does not move
        np.testing.assert_array_equal(net.params[name], start[name])


def toy_images(n=120, seed=0):
    """(n, 3, 4, 4) raw images whose class (of 10) is written in the brightness of one pixel, and labels (n,)."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 10, size=n)
    X = rng.uniform(0, 50, size=(n, 3, 4, 4))
    X[:, 0, 0, 0] = 20 * y + rng.uniform(0, 5, size=n)
    return X, y


@pytest.mark.parametrize("statistics", regularizing_noise.STATISTICS)
def test_train_batchnorm_net_learns_and_keeps_running_averages(statistics):
    X, y = toy_images()
    net = train_batchnorm_net((X - X.mean(0)) / X.std(), y, [30], statistics, num_epochs=40, batch_size=10,
                              learning_rate=1e-2, seed=0)
    assert accuracy(net, (X - X.mean(0)) / X.std(), y) > 0.6  # chance is 0.1
    assert "running_mean" in net.bn_params[0] and net.bn_params[0]["running_mean"].shape == (30,)


def test_train_batchnorm_net_rejects_unknown_statistics():
    X, y = toy_images()
    with pytest.raises(ValueError, match="statistics must be one of"):
        train_batchnorm_net(X, y, [5], "population", num_epochs=1)


def test_both_statistics_start_from_the_same_weights():
    X, y = toy_images(40)
    X = (X - X.mean(0)) / X.std()
    untrained = {s: train_batchnorm_net(X, y, [6], s, num_epochs=0, seed=3) for s in regularizing_noise.STATISTICS}
    for name in untrained["minibatch"].params:
        np.testing.assert_array_equal(untrained["minibatch"].params[name], untrained["training set"].params[name])
    trained = {s: train_batchnorm_net(X, y, [6], s, num_epochs=1, batch_size=10, seed=3)
               for s in regularizing_noise.STATISTICS}
    assert not np.allclose(trained["minibatch"].params["W1"], trained["training set"].params["W1"]), \
        "the statistics change the steps"


def test_identity_transform_is_the_plain_run():
    X, y = toy_images()
    mean, scale = X.mean(axis=0), (X - X.mean(axis=0)).std()
    plain = train_augmented_net(X, y, mean, scale, [20], None, num_epochs=3, batch_size=20, seed=1)
    same = train_augmented_net(X, y, mean, scale, [20], lambda images, rng: images, num_epochs=3, batch_size=20,
                               seed=1)
    for name in plain.params:
        np.testing.assert_array_equal(plain.params[name], same.params[name])


def test_transform_sees_raw_minibatches_and_changes_training():
    X, y = toy_images()
    mean, scale = X.mean(axis=0), (X - X.mean(axis=0)).std()
    seen = []

    def darken(images, rng):
        seen.append(images)
        return images * rng.uniform(0.5, 1.0)

    plain = train_augmented_net(X, y, mean, scale, [20], None, num_epochs=2, batch_size=20, seed=1)
    dark = train_augmented_net(X, y, mean, scale, [20], darken, num_epochs=2, batch_size=20, seed=1)
    assert len(seen) == 12 and all(images.shape == (20, 3, 4, 4) for images in seen)
    assert all(any(np.array_equal(image, x) for x in X) for image in seen[0]), "raw training images, not centred"
    assert not np.allclose(plain.params["W1"], dark.params["W1"])


def test_accuracy_counts_argmax_matches():
    net = FullyConnectedNet([3], input_dim=2, num_classes=2, dtype=np.float64, seed=0)
    X = np.random.default_rng(0).standard_normal((50, 2))
    predictions = np.argmax(net.loss(X), axis=1)
    y = predictions.copy()
    y[:10] = 1 - y[:10]
    assert accuracy(net, X, y) == pytest.approx(0.8)
