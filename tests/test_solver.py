"""Solver: histories, best parameters restored, lr decay, checkpoints, divergence, progress lines, bad input.

Letters: N examples, D features, C classes. Data are small Gaussian blobs so a
few epochs take milliseconds.
"""

import re

import numpy as np
import pytest

from cs231n_lib.classifiers.fc_net import FullyConnectedNet, TwoLayerNet
from cs231n_lib.solver import Solver, load_checkpoint

D, C = 10, 3


def blobs(n, seed, spread=1.0):
    """n points around C fixed centres in D dimensions: separable when spread is small."""
    centres = np.random.default_rng(100).standard_normal((C, D)) * 3  # (C, D)
    rng = np.random.default_rng(seed)
    y = rng.integers(C, size=n)
    X = centres[y] + spread * rng.standard_normal((n, D))  # (n, D)
    return X, y


def data(n_train=200, n_val=60):
    X_train, y_train = blobs(n_train, 1)
    X_val, y_val = blobs(n_val, 2)
    return {"X_train": X_train, "y_train": y_train, "X_val": X_val, "y_val": y_val}


def model(seed=0, **kwargs):
    return FullyConnectedNet([20], input_dim=D, num_classes=C, seed=seed, **kwargs)


def test_training_learns_and_keeps_histories():
    solver = Solver(model(), data(), update_rule="adam", optim_config={"learning_rate": 1e-2},
                    num_epochs=4, batch_size=20, verbose=False, seed=0)
    solver.train()
    assert len(solver.loss_history) == 4 * (200 // 20)
    assert len(solver.train_acc_history) == len(solver.val_acc_history) == 5  # before + each epoch
    assert solver.val_acc_history[-1] > 0.9, solver.val_acc_history
    assert np.mean(solver.loss_history[-5:]) < np.mean(solver.loss_history[:5])


def test_best_params_are_restored_and_score_best_val_acc():
    solver = Solver(model(), data(), update_rule="sgd", optim_config={"learning_rate": 0.5},
                    num_epochs=5, batch_size=10, verbose=False, seed=3)
    solver.train()
    assert solver.best_val_acc == max(solver.val_acc_history)
    for k, v in solver.best_params.items():
        np.testing.assert_array_equal(solver.model.params[k], v)
    assert solver.check_accuracy(solver.X_val, solver.y_val) == solver.best_val_acc


def test_lr_decay_multiplies_the_learning_rate_every_epoch():
    solver = Solver(model(), data(), update_rule="sgd_momentum", optim_config={"learning_rate": 1e-2},
                    lr_decay=0.5, num_epochs=3, batch_size=50, verbose=False, seed=0)
    solver.train()
    for config in solver.optim_configs.values():
        assert config["learning_rate"] == pytest.approx(1e-2 * 0.5 ** 3)
    assert solver.optim_config == {"learning_rate": 1e-2}  # the caller's config is not touched


def test_float32_model_stays_float32():
    solver = Solver(model(), data(), update_rule="rmsprop", num_epochs=1, batch_size=50, verbose=False, seed=0)
    solver.train()
    assert all(v.dtype == np.float32 for v in solver.model.params.values())


def test_works_with_two_layer_net_and_image_shaped_data():
    rng = np.random.default_rng(0)
    d = {"X_train": rng.standard_normal((40, 3, 2, 2)), "y_train": rng.integers(C, size=40),
         "X_val": rng.standard_normal((10, 3, 2, 2)), "y_val": rng.integers(C, size=10)}
    np.random.seed(0)
    net = TwoLayerNet(input_dim=12, hidden_dim=8, num_classes=C, weight_scale=0.1)
    Solver(net, d, num_epochs=1, batch_size=10, verbose=False).train()


def test_overfits_a_tiny_subset_to_100_percent():
    d = data(n_train=20)
    X_train, y_train = blobs(20, 5, spread=3.0)  # overlapping: only memorizing gets them all
    d.update(X_train=X_train, y_train=y_train)
    solver = Solver(model(weight_scale=0.1), d, update_rule="adam", optim_config={"learning_rate": 1e-2},
                    num_epochs=100, batch_size=20, num_train_samples=None, verbose=False, seed=0)
    solver.train()
    assert max(solver.train_acc_history) == 1.0, solver.train_acc_history[-5:]


def test_checkpoints_are_npz_written_atomically(tmp_path):
    name = str(tmp_path / "run")
    solver = Solver(model(), data(), num_epochs=2, batch_size=100, checkpoint_name=name, verbose=False, seed=0)
    solver.train()
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["run_epoch_1.npz", "run_epoch_2.npz"]  # no temporary file left behind
    ck = load_checkpoint(tmp_path / "run_epoch_2.npz")
    assert ck["epoch"] == 2 and ck["update_rule"] == "sgd"
    assert ck["loss_history"] == solver.loss_history
    assert sorted(ck["params"]) == sorted(solver.model.params)
    with pytest.raises(FileNotFoundError):
        load_checkpoint(tmp_path / "missing.npz")


def test_stops_on_nan_and_on_the_divergence_factor(capsys):
    solver = Solver(model(weight_scale=1.0), data(), update_rule="sgd", optim_config={"learning_rate": 1e6},
                    num_epochs=5, batch_size=20, verbose=True, print_every=1000, seed=0)
    solver.train()
    assert solver.diverged and len(solver.loss_history) < 50
    assert "Stopped at iteration" in capsys.readouterr().out
    # A finite but exploding loss: 3x the first one stops it with the factor, not without.
    d = data()
    kwargs = dict(update_rule="sgd", optim_config={"learning_rate": 3.0}, num_epochs=2, batch_size=20,
                  verbose=False, seed=0)
    solver = Solver(model(weight_scale=0.5), d, divergence_factor=3.0, **kwargs)
    solver.train()
    assert solver.diverged
    assert solver.loss_history[-1] > 3 * solver.loss_history[0] or not np.isfinite(solver.loss_history[-1])


def test_fine_training_does_not_diverge():
    solver = Solver(model(), data(), divergence_factor=3.0, num_epochs=1, batch_size=20, verbose=False, seed=0)
    solver.train()
    assert not solver.diverged


def test_verbose_prints_one_line_per_print_every_and_per_epoch(capsys):
    Solver(model(), data(), num_epochs=2, batch_size=20, print_every=7, verbose=True, seed=0).train()
    lines = capsys.readouterr().out.splitlines()
    iteration_lines = [l for l in lines if l.startswith("(Iteration")]
    epoch_lines = [l for l in lines if l.startswith("(Epoch")]
    assert len(iteration_lines) == len(range(0, 20, 7)) and len(epoch_lines) == 3
    assert re.match(r"\(Iteration +1 / 20\) loss: \d+\.\d+ +\[.* elapsed, ~.* left\]", iteration_lines[0])
    assert re.match(r"\(Epoch 2 / 2\) train acc: \d\.\d+; val_acc: \d\.\d+", epoch_lines[-1])


def test_check_accuracy_subsamples_and_batches():
    solver = Solver(model(), data(), verbose=False, seed=0)
    X, y = data()["X_val"], data()["y_val"]
    full = solver.check_accuracy(X, y, batch_size=7)
    assert full == solver.check_accuracy(X, y, batch_size=100)
    assert 0 <= solver.check_accuracy(X, y, num_samples=10) <= 1


@pytest.mark.parametrize("kwargs, word", [
    (dict(update_rule="adamax"), "update_rule"),
    (dict(update_rule="sgd_momentum", optim_config={"momentum": -0.5}), r"config\['momentum'\]"),
    (dict(batch_size=0), "batch_size"),
    (dict(num_epochs=1.5), "num_epochs"),
    (dict(lr_decay=0.0), "lr_decay"),
    (dict(divergence_factor=0.5), "divergence_factor"),
    (dict(learning_rate=1e-3), "Solver got unknown arguments learning_rate"),
    (dict(checkpoint_name="/nonexistent-folder/run"), "checkpoint_name"),
    (dict(checkpoint_name=3), "checkpoint_name"),
])
def test_bad_arguments(kwargs, word):
    with pytest.raises(ValueError, match=f"^{word}"):
        Solver(model(), data(), **kwargs)


def test_bad_data_and_model():
    d = data()
    del d["X_val"]
    with pytest.raises(ValueError, match="^data must"):
        Solver(model(), d)
    d = data()
    d["y_train"] = d["y_train"][:-1]
    with pytest.raises(ValueError, match=r"^data\['X_train'\]"):
        Solver(model(), d)
    with pytest.raises(ValueError, match="^model must"):
        Solver(object(), data())
