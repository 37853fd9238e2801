"""LinearClassifier, LinearSVM and Softmax: learning, reproducibility, divergence, save/load, bad input."""

import os
import warnings

import numpy as np
import pytest

from cs231n_lib import (LinearClassifier, LinearSVM, Softmax, load_CIFAR10, softmax_loss_vectorized,
                        svm_loss_vectorized)
from cs231n_lib.course.divergence import TrainingDivergedError, TrainingDivergedWarning, stop_if_diverged
from cs231n_lib.regularizers import max_norm_project

CLASSIFIERS = [LinearSVM, Softmax]


def blobs(seed=0, num_train=300, dim=8, num_classes=3, dtype=np.float64):
    """Gaussian blobs around well separated centres, with a bias column of ones: X (N, D + 1), y (N,)."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((num_classes, dim)) * 3  # (C, D)
    y = rng.integers(0, num_classes, num_train)  # (N,)
    X = centres[y] + rng.standard_normal((num_train, dim))  # (N, D)
    X = np.hstack([X, np.ones((num_train, 1))]).astype(dtype)  # (N, D + 1)
    return X, y


@pytest.mark.parametrize("cls", CLASSIFIERS)
def test_training_learns_separable_blobs(cls):
    X, y = blobs()
    clf = cls()
    history = clf.train(X, y, learning_rate=1e-2, reg=1e-4, num_iters=300, batch_size=50, seed=0)
    assert len(history) == 300 and all(isinstance(v, float) for v in history), (
        f"train must return one float loss per iteration: {len(history)} of 300")
    assert np.mean(history[-20:]) < 0.5 * history[0], (
        f"{type(clf).__name__}: the loss must halve on separable blobs ({history[0]:.3f} -> "
        f"{np.mean(history[-20:]):.3f}); sample a new minibatch each iteration and apply the update")
    y_pred = clf.predict(X)
    assert y_pred.shape == y.shape and np.issubdtype(y_pred.dtype, np.integer), (
        f"predict must return (N,) integer labels, got shape {y_pred.shape} and dtype {y_pred.dtype}")
    assert np.mean(y_pred == y) > 0.9, f"training accuracy on separable blobs is {np.mean(y_pred == y):.2f}, not > 0.9"


def test_predict_is_the_argmax_of_the_scores():
    clf = LinearSVM()
    clf.W = np.array([[1.0, 0.0, -1.0], [0.0, 2.0, 0.0]])  # (D=2, C=3)
    X = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [3.0, 1.0]])
    np.testing.assert_array_equal(clf.predict(X), [0, 1, 2, 0], err_msg=(
        "predict returns, for each row of X, the index of the highest score in X @ W (np.argmax over axis 1)"))


@pytest.mark.parametrize("cls, loss_fn", [(LinearSVM, svm_loss_vectorized), (Softmax, softmax_loss_vectorized)])
def test_loss_method_uses_the_matching_loss(cls, loss_fn):
    X, y = blobs(seed=1, num_train=40)
    clf = cls()
    clf.W = np.random.default_rng(2).standard_normal((X.shape[1], 3)) * 0.1
    loss, grad = clf.loss(X, y, 0.3)
    expected_loss, expected_grad = loss_fn(clf.W, X, y, 0.3)
    assert loss == expected_loss and np.array_equal(grad, expected_grad)
    # another regularizer: data loss with reg = 0 plus that penalty
    loss_l1, grad_l1 = clf.loss(X, y, 0.3, regularizer="l1")
    data_loss, data_grad = loss_fn(clf.W, X, y, 0.0)
    assert loss_l1 == pytest.approx(data_loss + 0.3 * np.abs(clf.W).sum(), rel=1e-14)
    np.testing.assert_allclose(grad_l1, data_grad + 0.3 * np.sign(clf.W), rtol=1e-14)


@pytest.mark.parametrize("cls", CLASSIFIERS)
def test_same_seed_same_run(cls):
    X, y = blobs(seed=3)
    runs = []
    for seed in [7, 7, np.random.default_rng(7), 8]:
        clf = cls()
        runs.append((clf.train(X, y, num_iters=30, batch_size=20, seed=seed), clf.W))
    for history, W in runs[1:3]:
        assert history == runs[0][0] and np.array_equal(W, runs[0][1]), (
            "the same seed must give the same run: draw the minibatch indices (and nothing else) from "
            "the rng that train makes from seed, e.g. rng.choice(num_train, batch_size, replace=replace)")
    assert runs[3][0] != runs[0][0], "another seed must give another run: sample with rng, not a fixed slice"


def test_initial_weights_are_small_and_in_the_dtype_of_x():
    for dtype in (np.float64, np.float32):
        X, y = blobs(seed=4, dtype=dtype)
        softmax = Softmax()
        softmax.train(X, y, learning_rate=1e-12, reg=0.0, num_iters=1, seed=0)  # a negligible step
        assert softmax.W.shape == (X.shape[1], 3) and softmax.W.dtype == dtype, f"W must be (D, C) in X's dtype {dtype}"
        assert 0.0005 < softmax.W.std() < 0.002, f"W starts as 0.001 * randn(D, C), got std {softmax.W.std():.2g}"


def test_weight_scale_zero_starts_from_zero_and_matches_a_preset_zero_w():
    X, y = blobs(seed=21)
    C = int(y.max()) + 1
    started_at_zero = Softmax(weight_scale=0)
    history = started_at_zero.train(X, y, learning_rate=1e-2, reg=0.0, num_iters=5, batch_size=300,
                                    replace=False, seed=3)
    # the full batch at W = 0 gives every class probability 1/C, so the first loss is log C
    assert np.isclose(history[0], np.log(C), rtol=1e-12)
    preset = Softmax()
    preset.W = np.zeros((X.shape[1], C))
    preset.train(X, y, learning_rate=1e-2, reg=0.0, num_iters=5, batch_size=300, replace=False, seed=3)
    np.testing.assert_array_equal(started_at_zero.W, preset.W)  # same minibatches: no draw for W


@pytest.mark.parametrize("scale", [-1e-3, float("nan"), float("inf"), True, "0.001"])
def test_weight_scale_must_be_a_finite_number_at_least_zero(scale):
    with pytest.raises(ValueError, match="weight_scale must be a finite number >= 0"):
        Softmax(weight_scale=scale)


def test_float32_end_to_end():
    X, y = blobs(seed=5, dtype=np.float32)
    clf = LinearSVM()
    history = clf.train(X, y, learning_rate=1e-2, num_iters=50, batch_size=30, seed=0,
                        lr_schedule=lambda t: np.float64(0.99) ** t)  # numpy multipliers must not upcast W
    assert clf.W.dtype == np.float32
    assert history[-1] < history[0]
    loss, grad = clf.loss(X, y, 1e-3)
    assert grad.dtype == np.float32 and np.asarray(loss).dtype == np.float32


@pytest.mark.parametrize("regularizer", ["l2", "l1", "elastic_net", None])
def test_every_regularizer_trains(regularizer):
    X, y = blobs(seed=6)
    softmax = Softmax()
    history = softmax.train(X, y, learning_rate=1e-2, reg=1e-2, num_iters=100, seed=0, regularizer=regularizer)
    assert history[-1] < history[0]


def test_max_norm_holds_after_training():
    X, y = blobs(seed=7)
    clf = LinearSVM()
    clf.train(X, y, learning_rate=0.5, reg=0.0, num_iters=50, seed=0, max_norm=0.5)
    assert np.linalg.norm(clf.W, axis=0).max() <= 0.5 * (1 + 1e-12)
    np.testing.assert_array_equal(max_norm_project(clf.W, 0.5), clf.W)


def test_update_rule_receives_the_scheduled_learning_rate():
    X, y = blobs(seed=8)
    seen = []

    def recording_sgd(w, dw, config=None):
        seen.append(config["learning_rate"])
        return w - config["learning_rate"] * dw, config

    LinearSVM().train(X, y, learning_rate=0.1, num_iters=5, seed=0, update_rule=recording_sgd,
                      lr_schedule=lambda t: 1.0 / (t + 1))
    np.testing.assert_allclose(seen, [0.1, 0.05, 0.1 / 3, 0.025, 0.02], rtol=1e-15, err_msg=(
        "train must pass update(W, dW, config) the config whose 'learning_rate' it set for this iteration"))


def test_named_update_rule_with_config_and_caller_config_untouched():
    X, y = blobs(seed=9)
    config = {"momentum": 0.9}
    history = Softmax().train(X, y, learning_rate=1e-2, num_iters=100, seed=0,
                              update_rule="sgd_momentum", optim_config=config)
    assert config == {"momentum": 0.9}
    assert history[-1] < history[0]


def test_divergence_stops_with_a_clear_error_when_asked_to_raise():
    X, y = blobs(seed=10)
    X = X * 100  # large features make a large step explode
    clf = LinearSVM()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(TrainingDivergedError, match=r"iteration \d+ with learning_rate=1e\+06.*lower") as info:
            clf.train(X, y, learning_rate=1e6, num_iters=100, seed=0, on_divergence="raise")
    error = info.value
    assert isinstance(error, RuntimeError)
    assert error.learning_rate == 1e6
    assert len(error.loss_history) == error.iteration + 1 < 100
    last = error.loss_history[-1]
    assert not np.isfinite(last) or last > 3 * error.loss_history[0]
    assert np.isfinite(clf.W).all()


def test_verbose_prints_progress_lines(capsys):
    X, y = blobs(seed=11)
    LinearSVM().train(X, y, num_iters=25, seed=0, verbose=True, print_every=10)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == ["iteration 0 / 25", "iteration 10 / 25", "iteration 20 / 25"]


def test_sampling_without_replacement_uses_distinct_rows():
    X, y = blobs(seed=12, num_train=20)
    batches = []

    class RecordingSVM(LinearSVM):
        def loss(self, X_batch, y_batch, reg, regularizer="l2"):
            batches.append(X_batch)
            return super().loss(X_batch, y_batch, reg, regularizer)

    RecordingSVM().train(X, y, num_iters=3, batch_size=20, seed=0, replace=False)
    for batch in batches:
        assert len(np.unique(batch, axis=0)) == 20, (  # a permutation of all rows
            "with replace=False a minibatch of N rows holds every row once: pass replace=replace to rng.choice")


@pytest.mark.parametrize("cls", CLASSIFIERS)
def test_save_load_round_trip(cls, tmp_path):
    X, y = blobs(seed=13)
    clf = cls()
    clf.train(X, y, num_iters=20, seed=0)
    path = tmp_path / "weights.npz"
    clf.save(path)
    assert sorted(os.listdir(tmp_path)) == ["weights.npz"]  # no temporary file left behind
    loaded = cls().load(path)
    np.testing.assert_array_equal(loaded.W, clf.W)
    assert loaded.W.dtype == clf.W.dtype
    np.testing.assert_array_equal(loaded.predict(X), clf.predict(X))


def test_load_errors_name_the_file(tmp_path):
    X, y = blobs(seed=14)
    svm = LinearSVM()
    svm.train(X, y, num_iters=2, seed=0)
    svm_path = tmp_path / "svm.npz"
    svm.save(svm_path)
    with pytest.raises(ValueError, match=r"svm.npz.*holds weights of a LinearSVM, not of a Softmax"):
        Softmax().load(svm_path)
    missing = tmp_path / "missing.npz"
    with pytest.raises(FileNotFoundError, match=r"missing.npz"):
        LinearSVM().load(missing)
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"not a zip file")
    with pytest.raises(ValueError, match=r"garbage.npz.*does not hold valid weights"):
        LinearSVM().load(garbage)
    no_W = tmp_path / "no_w.npz"
    np.savez(no_W, V=np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"no_w.npz.*does not hold valid weights"):
        LinearSVM().load(no_W)
    nan_W = tmp_path / "nan_w.npz"
    np.savez(nan_W, W=np.full((2, 2), np.nan), classifier=np.array("LinearSVM"))
    with pytest.raises(ValueError, match=r"nan_w.npz.*W contains NaN or inf"):
        LinearSVM().load(nan_W)


def _bad_train_calls():
    X, y = blobs(seed=15, num_train=50)
    return [
        ("X int", lambda c: c.train(X.astype(int), y), r"X must have a float dtype"),
        ("y float", lambda c: c.train(X, y.astype(float)), r"y must have an integer dtype"),
        ("y short", lambda c: c.train(X, y[:-1]), r"y must have one label per row.*\(49,\).*50 rows"),
        ("lr zero", lambda c: c.train(X, y, learning_rate=0.0), r"learning_rate must be a finite number > 0"),
        ("reg negative", lambda c: c.train(X, y, reg=-1.0), r"reg must be a finite number >= 0"),
        ("num_iters", lambda c: c.train(X, y, num_iters=0), r"num_iters must be a positive integer, got 0"),
        ("batch_size", lambda c: c.train(X, y, batch_size=2.5), r"batch_size must be a positive integer, got 2.5"),
        ("batch > N", lambda c: c.train(X, y, batch_size=51, replace=False),
         r"batch_size must be at most N = 50 when replace=False, got 51"),
        ("lr in config", lambda c: c.train(X, y, optim_config={"learning_rate": 0.1}),
         r"optim_config must not contain 'learning_rate'.*pass it as train\(..., learning_rate=...\)"),
        ("rule", lambda c: c.train(X, y, update_rule="sgdd"), r"update_rule must be one of"),
        ("rule's config", lambda c: c.train(X, y, update_rule="sgd_momentum", optim_config={"momentum": 1.5}),
         r"config\['momentum'\] must lie in \[0.0, 1.0\)"),
        ("regularizer", lambda c: c.train(X, y, regularizer="l3"), r"regularizer must be one of"),
        ("schedule", lambda c: c.train(X, y, lr_schedule=0.5), r"lr_schedule must be a callable"),
        ("max_norm", lambda c: c.train(X, y, max_norm=-1.0), r"max_norm must be a finite number > 0"),
        ("predict untrained", lambda c: c.predict(X), r"LinearSVM has no weights yet.*call train\(\) or load\(\)"),
        ("save untrained", lambda c: c.save("unused.npz"), r"LinearSVM has no weights yet"),
    ]


BAD_TRAIN_CALLS = _bad_train_calls()


@pytest.mark.parametrize("label, call, pattern", BAD_TRAIN_CALLS, ids=[case[0] for case in BAD_TRAIN_CALLS])
def test_bad_input_raises_a_clear_error(label, call, pattern):
    with pytest.raises(ValueError, match=pattern):
        call(LinearSVM())


def test_predict_and_continued_training_check_the_shape_of_w():
    X, y = blobs(seed=16)
    clf = LinearSVM()
    clf.train(X, y, num_iters=2, seed=0)
    with pytest.raises(ValueError, match=r"X must have D = 9 columns to match W of shape \(9, 3\), got X of shape"):
        clf.predict(X[:, :-1])
    with pytest.raises(ValueError, match=r"do not fit the existing W of shape \(9, 3\)"):
        clf.train(X[:, :-1], y, num_iters=2)


def test_the_base_class_has_no_loss():
    X, y = blobs(seed=17)
    with pytest.raises(NotImplementedError, match="train a LinearSVM or a Softmax"):
        LinearClassifier().train(X, y)


def test_softmax_beats_chance_on_real_cifar10(cifar_subset_dir):
    X_train, y_train, X_test, y_test = load_CIFAR10(cifar_subset_dir)  # images (N, 32, 32, 3)
    X_train = X_train.reshape(len(X_train), -1)[:1000]  # (1000, 3072)
    y_train = y_train[:1000]
    X_test = X_test.reshape(len(X_test), -1)  # (N_test, 3072)
    mean_image = X_train.mean(axis=0)  # (3072,)
    X_train = np.hstack([X_train - mean_image, np.ones((len(X_train), 1))])  # (1000, 3073)
    X_test = np.hstack([X_test - mean_image, np.ones((len(X_test), 1))])  # (N_test, 3073)
    softmax = Softmax()
    history = softmax.train(X_train, y_train, learning_rate=1e-7, reg=2.5e4, num_iters=300, seed=0)
    assert history[-1] < history[0]
    # chance is 10%; a linear softmax on raw pixels reaches about a quarter after 300 steps
    assert np.mean(softmax.predict(X_test) == y_test) > 0.18


def test_divergence_warns_by_default_and_returns_the_losses_so_far():
    X, y = blobs(seed=10)
    X = X * 100
    clf = LinearSVM()
    with warnings.catch_warnings(record=True) as caught:  # not pytest.warns: a stub's error must show as itself
        warnings.simplefilter("always")
        history = clf.train(X, y, learning_rate=1e6, num_iters=100, seed=0)
    record = [w for w in caught if issubclass(w.category, TrainingDivergedWarning)]
    assert len(record) == 1, f"one TrainingDivergedWarning per diverged run, got {len(record)}"
    message = str(record[0].message)
    # Names the learning rate and both causes, and how to tell them apart.
    for part in ["learning_rate=1e+06", "too large", "update rule", "gradient", "learning_rate=100000"]:
        assert part in message, f"{part!r} missing from the divergence warning: {message}"
    assert record[0].filename == __file__, "the warning points at the caller of train"
    assert 1 <= len(history) < 100, f"a diverging run stops early and returns its losses, got {len(history)}"
    assert not np.isfinite(history[-1]) or history[-1] > 3 * history[0], "the history ends at the diverged loss"
    assert np.isfinite(clf.W).all(), "W keeps the last finite weights"


def test_stop_if_diverged_is_the_one_rule():
    assert not stop_if_diverged([2.0, 5.9], 1e-3, 1)
    with pytest.warns(TrainingDivergedWarning, match="from 2 to 6.1"):
        assert stop_if_diverged([2.0, 6.1], 1e-3, 1)
    with pytest.raises(TrainingDivergedError, match="NaN, inf"):
        stop_if_diverged([2.0, float("nan")], 1e-3, 1, on_divergence="raise")


def test_non_finite_weights_with_a_steady_loss_point_at_the_update_rule():
    def broken_rule(w, dw, config=None):
        return w / 0.0, config  # a bug, not a large step

    X, y = blobs(seed=18)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # numpy's divide-by-zero
        with pytest.raises(TrainingDivergedError, match="made W NaN or inf.*update rule") as info:
            LinearSVM().train(X, y, num_iters=5, seed=0, update_rule=broken_rule, on_divergence="raise")
    assert info.value.iteration == 0


def test_bad_on_divergence_is_rejected():
    X, y = blobs(seed=19)
    with pytest.raises(ValueError, match="on_divergence must be 'warn' or 'raise', got 'stop'"):
        LinearSVM().train(X, y, num_iters=2, on_divergence="stop")


@pytest.mark.parametrize("cls", CLASSIFIERS)
def test_numpy_global_seed_reproduces_a_run_without_seed(cls):
    X, y = blobs(seed=20)
    runs = []
    for global_seed in [231, 231, 232]:
        np.random.seed(global_seed)
        clf = cls()
        runs.append((clf.train(X, y, num_iters=10, batch_size=20), clf.W))
    assert runs[0][0] == runs[1][0], "np.random.seed(231) twice must give the same losses"
    np.testing.assert_array_equal(runs[0][1], runs[1][1], err_msg="np.random.seed(231) twice must give the same W")
    assert runs[0][0] != runs[2][0], "another global seed must give another run"


def test_a_loss_call_keeps_nothing_alive_after_it_returns():
    """The deferred NaN scan once formed a reference cycle holding each minibatch until the cyclic GC ran:
    hundreds of MB of dead minibatches during a long training run. With the GC off, X dies with its call."""
    import gc
    import weakref

    from cs231n_lib.course._checks import DeferredInputScan

    rng = np.random.default_rng(0)
    W, y = rng.standard_normal((5, 3)), np.array([0, 2, 1, 1])
    enabled = gc.isenabled()
    gc.disable()
    try:
        X = rng.standard_normal((4, 5))
        alive = weakref.ref(X)
        with DeferredInputScan(X) as scan:
            loss = float(np.sum(X @ W))
        scan.check(loss, W)
        del scan, X
        assert alive() is None, "the scan still holds X: a reference cycle"
        X = rng.standard_normal((4, 5))
        alive = weakref.ref(X)
        for loss_fn in (svm_loss_vectorized, softmax_loss_vectorized):
            loss_fn(W, X, y, 0.1)
        del X
        assert alive() is None, "a vectorized loss keeps its X alive after returning"
    finally:
        if enabled:
            gc.enable()


def test_training_does_not_accumulate_minibatches():
    import gc
    import tracemalloc

    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((600, 400)), rng.integers(0, 10, 600)
    batch_bytes = 100 * 400 * 8
    enabled = gc.isenabled()
    gc.disable()
    tracemalloc.start()
    try:
        LinearSVM().train(X, y, learning_rate=1e-3, reg=1e-3, num_iters=200, batch_size=100, seed=0)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        if enabled:
            gc.enable()
    assert peak < 20 * batch_bytes, f"training peaked at {peak / batch_bytes:.0f} minibatches of memory"
