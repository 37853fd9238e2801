"""The stacked hyperparameter search against its oracle: K sequential runs of LinearClassifier.train."""

import warnings

import numpy as np
import pytest

from cs231n_lib import LinearSVM, Softmax, rel_error
from cs231n_lib.course.divergence import TrainingDivergedWarning
from cs231n_lib.course.tuning import (grid, log_uniform_sample, search_hyperparameters, stacked_accuracies,
                               train_stacked)

CLASSIFIERS = [LinearSVM, Softmax]
TOL = 1e-10


def blobs(seed=0, num_train=240, dim=15, num_classes=4):
    """Overlapping Gaussian blobs with a bias column: X (N, D + 1), y (N,)."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((num_classes, dim))  # (C, D)
    y = rng.integers(0, num_classes, num_train)  # (N,)
    X = centres[y] + rng.standard_normal((num_train, dim))  # (N, D)
    return np.hstack([X, np.ones((num_train, 1))]), y  # (N, D + 1), (N,)


def sequential(cls, X, y, lrs, regs, **kwargs):
    """The oracle: one train() per configuration, same seed and arguments; warnings recorded."""
    weight_scale = kwargs.pop("weight_scale", 1e-3)
    models, histories, messages = [], [], []
    for lr, reg in zip(lrs, regs):
        model = cls(weight_scale=weight_scale)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            histories.append(model.train(X, y, learning_rate=lr, reg=reg, **kwargs))
        messages.append([str(w.message) for w in caught if issubclass(w.category, TrainingDivergedWarning)])
        models.append(model)
    return models, histories, messages


def stacked(cls, X, y, lrs, regs, **kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        models, histories = train_stacked(cls, X, y, lrs, regs, **kwargs)
    messages = [str(w.message) for w in caught if issubclass(w.category, TrainingDivergedWarning)]
    return models, histories, messages


def assert_same_runs(expected, got, tol=TOL):
    for k, (m_seq, h_seq, m_st, h_st) in enumerate(zip(expected[0], expected[1], got[0], got[1])):
        assert len(h_st) == len(h_seq), f"configuration {k}: {len(h_st)} iterations, sequential ran {len(h_seq)}"
        assert rel_error(np.array(h_st), np.array(h_seq)) <= tol, f"configuration {k}: losses differ"
        assert m_st.W.shape == m_seq.W.shape and m_st.W.dtype == m_seq.W.dtype
        assert rel_error(m_st.W, m_seq.W) <= tol, f"configuration {k}: weights differ"


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("cls", CLASSIFIERS, ids=["svm", "softmax"])
def test_each_configuration_equals_its_own_sequential_run(cls, dtype):
    X, y = blobs()
    X = X.astype(dtype)
    lrs, regs = grid([1e-3, 1e-2], [0.0, 1e-2, 1.0])  # 6 configurations
    kwargs = dict(num_iters=60, batch_size=32, seed=3)
    # float32: the products' rounding is 1e-7, not 1e-16 (the runs here agree exactly, but BLAS need not)
    assert_same_runs(sequential(cls, X, y, lrs, regs, **kwargs), stacked(cls, X, y, lrs, regs, **kwargs),
                     tol=TOL if dtype == np.float64 else 1e-4)


@pytest.mark.parametrize("options", [
    dict(update_rule="adam", optim_config={"beta1": 0.8}),
    dict(update_rule="sgd_momentum", lr_schedule=lambda t: 0.5 ** (t // 10)),
    dict(regularizer="l1", replace=False, weight_scale=0),
], ids=["adam", "momentum+schedule", "l1+no-replace+zero-init"])
def test_options_are_applied_per_configuration_as_train_applies_them(options):
    X, y = blobs(seed=1)
    lrs, regs = log_uniform_sample(4, (1e-4, 1e-2), (1e-3, 1e-1), seed=5)
    kwargs = dict(num_iters=40, batch_size=25, seed=7, **options)
    assert_same_runs(sequential(Softmax, X, y, lrs, regs, **kwargs), stacked(Softmax, X, y, lrs, regs, **kwargs))


def test_without_seed_the_global_generator_gives_the_sequential_runs():
    X, y = blobs(seed=2)
    lrs, regs = [1e-3, 3e-3], [1e-2, 1e-1]
    expected = []
    for lr, reg in zip(lrs, regs):
        np.random.seed(231)
        model = LinearSVM()
        history = model.train(X, y, learning_rate=lr, reg=reg, num_iters=30, batch_size=20)
        expected.append((model, history))
    np.random.seed(231)
    got = train_stacked(LinearSVM, X, y, lrs, regs, num_iters=30, batch_size=20)
    assert_same_runs(([m for m, _ in expected], [h for _, h in expected]), got)


@pytest.mark.parametrize("cls", CLASSIFIERS, ids=["svm", "softmax"])
def test_a_diverging_configuration_stops_alone_with_the_same_warning(cls):
    X, y = blobs(seed=4)
    X = X * 10  # large inputs: a large step overshoots within a few iterations
    lrs, regs = [1e-4, 50.0, 3e-4, 1e3], [1e-2, 1e-2, 0.0, 1e-2]
    kwargs = dict(num_iters=50, batch_size=40, seed=0)
    expected = sequential(cls, X, y, lrs, regs, **kwargs)
    got = stacked(cls, X, y, lrs, regs, **kwargs)
    lengths = [len(h) for h in expected[1]]
    assert lengths[0] == lengths[2] == 50 and lengths[1] < 50 and lengths[3] < 50, (
        f"the test needs configurations 1 and 3 (only) to diverge, got run lengths {lengths}")
    assert_same_runs(expected, got)
    assert got[2] == [m for ms in expected[2] for m in ms], "one warning per diverging configuration, same text"
    assert all(np.isfinite(m.W).all() for m in got[0]), "a diverged configuration keeps its last finite weights"


def test_every_configuration_diverging_ends_the_run():
    X, y = blobs(seed=4)
    X = X * 10
    kwargs = dict(num_iters=30, batch_size=40, seed=0)
    expected = sequential(LinearSVM, X, y, [1e3, 1e4], [0.0, 0.0], **kwargs)
    got = stacked(LinearSVM, X, y, [1e3, 1e4], [0.0, 0.0], **kwargs)
    assert all(len(h) < 30 for h in got[1]) and len(got[2]) == 2
    assert_same_runs(expected, got)


def test_search_gives_the_loop_results_and_best_model():
    X, y = blobs(seed=5, num_train=300)
    X_train, y_train, X_val, y_val = X[:200], y[:200], X[200:], y[200:]
    lrs, regs = [1e-4, 1e-3, 1e-2], [1e-2, 1e-1, 1.0]
    results, best_val, best = search_hyperparameters(LinearSVM, X_train, y_train, X_val, y_val, lrs, regs,
                                                     num_iters=40, batch_size=50, seed=1)
    # The notebooks' loop, written out.
    loop_results, loop_best, loop_model = {}, -1.0, None
    for lr, reg in zip(lrs, regs):
        model = LinearSVM()
        model.train(X_train, y_train, learning_rate=lr, reg=reg, num_iters=40, batch_size=50, seed=1)
        accuracies = (np.mean(model.predict(X_train) == y_train), np.mean(model.predict(X_val) == y_val))
        loop_results[(lr, reg)] = accuracies
        if accuracies[1] > loop_best:
            loop_best, loop_model = accuracies[1], model
    assert results == loop_results and best_val == loop_best
    assert rel_error(best.W, loop_model.W) <= TOL


def test_stacked_accuracies_equal_predict():
    X, y = blobs(seed=6)
    models, _ = train_stacked(Softmax, X, y, [1e-3, 1e-2, 1e-1], [0.0] * 3, num_iters=20, batch_size=30, seed=2)
    expected = [np.mean(m.predict(X) == y) for m in models]
    np.testing.assert_array_equal(stacked_accuracies(models, X, y), expected)


def test_log_uniform_sample_fills_each_decade_evenly():
    lrs, regs = log_uniform_sample(4000, (1e-7, 1e-3), (1e1, 1e3), seed=0)
    assert lrs.shape == regs.shape == (4000,)
    assert lrs.min() >= 1e-7 and lrs.max() <= 1e-3 and regs.min() >= 1e1 and regs.max() <= 1e3
    # 4 decades of learning rate: 1000 draws expected in each, binomial sd about 27.
    counts = np.histogram(np.log10(lrs), bins=4, range=(-7, -3))[0]
    assert np.abs(counts - 1000).max() < 6 * np.sqrt(4000 * 0.25 * 0.75), counts
    assert np.array_equal(log_uniform_sample(5, (1e-7, 1e-3), (1, 10), seed=3)[0],
                          log_uniform_sample(5, (1e-7, 1e-3), (1, 10), seed=3)[0])


def test_grid_is_the_nested_loop_order():
    lrs, regs = grid([1, 2], [10, 20, 30])
    assert lrs.tolist() == [1, 1, 1, 2, 2, 2] and regs.tolist() == [10, 20, 30, 10, 20, 30]


@pytest.mark.parametrize("call, pattern", [
    (lambda X, y: train_stacked(LinearSVM, X, y, [1e-3, 1e-2], [0.1]), r"learning_rates and regs must be sequences of the same length"),
    (lambda X, y: train_stacked(LinearSVM, X, y, [], []), r"same length K >= 1"),
    (lambda X, y: train_stacked(LinearSVM, X, y, [1e-3, -1.0], [0.1, 0.1]), r"learning_rates must all be finite and > 0"),
    (lambda X, y: train_stacked(LinearSVM, X, y, [1e-3], [-1.0]), r"reg must be a finite number >= 0"),
    (lambda X, y: train_stacked(object, X, y, [1e-3], [0.1]), r"model_class must be LinearSVM or Softmax"),
    (lambda X, y: train_stacked(LinearSVM, X.astype(int), y, [1e-3], [0.1]), r"X must have a float dtype"),
    (lambda X, y: train_stacked(LinearSVM, X, y, [1e-3], [0.1], num_iters=0), r"num_iters must be a positive integer"),
    (lambda X, y: train_stacked(LinearSVM, X, y, [1e-3], [0.1], optim_config={"learning_rate": 1}), r"optim_config must not contain"),
    (lambda X, y: train_stacked(LinearSVM, X, y, [1e-3], [0.1], update_rule="adam", optim_config={"beta1": 1.0}),
     r"config\['beta1'\] must lie in"),
    (lambda X, y: log_uniform_sample(3, (1e-3, 1e-5), (1, 2)), r"learning_rate_range must satisfy 0 < low <= high"),
    (lambda X, y: log_uniform_sample(3, (1e-5, 1e-3), "ab"), r"reg_range must be a pair"),
])
def test_bad_input_raises_a_clear_error(call, pattern):
    X, y = blobs(num_train=20)
    with pytest.raises(ValueError, match=pattern):
        call(X, y)
