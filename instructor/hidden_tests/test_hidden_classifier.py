"""Hidden checks of LinearClassifier.train (minibatches, updates) and predict, with other data.

PYTEST_DONT_REWRITE: a failure shows only the message written here, never this source.
"""

import numpy as np
import pytest

from cs231n_lib.classifiers.linear_classifier import LinearSVM, Softmax


def recording(batches):
    """A Softmax classifier that appends every minibatch it is trained on to ``batches``."""

    class Recording(Softmax):
        def loss(self, X_batch, y_batch, reg, regularizer="l2"):
            batches.append((np.array(X_batch), np.array(y_batch)))
            return super().loss(X_batch, y_batch, reg, regularizer=regularizer)

    return Recording()


def labelled_rows(N=40, D=6, C=4):
    """X whose first column is the row index, y = index % C: a batch shows which rows it holds."""
    X = np.random.default_rng(1).standard_normal((N, D))
    X[:, 0] = np.arange(N)
    return X, np.arange(N) % C


@pytest.mark.parametrize("replace", [True, False])
def test_minibatches_are_rows_of_x_with_their_labels(replace):
    X, y = labelled_rows()
    batches = []
    model = recording(batches)
    model.train(X, y, learning_rate=1e-6, reg=0.0, num_iters=5, batch_size=8, seed=4, replace=replace)
    assert len(batches) == 5, f"train: expected 5 minibatches for num_iters = 5, got {len(batches)}"
    for X_batch, y_batch in batches:
        assert X_batch.shape == (8, 6) and y_batch.shape == (8,), "train: a minibatch has batch_size rows of X and batch_size labels"
        rows = X_batch[:, 0].astype(int)
        assert np.array_equal(X_batch, X[rows]), "train: every minibatch row must be a row of X"
        assert np.array_equal(y_batch, y[rows]), "train: minibatch labels must belong to the sampled rows"
        if not replace:
            assert len(set(rows)) == 8, "train: with replace=False a minibatch holds distinct rows"


def test_every_update_is_applied_with_the_rule_and_its_config():
    X, y = labelled_rows()
    calls = []

    def rule(w, dw, config):
        calls.append((w.copy(), dw.copy(), dict(config)))
        config["count"] = config.get("count", 0) + 1
        return w - 1.0, config

    model = LinearSVM()
    model.train(X, y, learning_rate=0.5, reg=0.0, num_iters=4, batch_size=5, seed=2, update_rule=rule,
                optim_config={"momentum": 0.7})
    assert len(calls) == 4, f"train: the update rule should be called once per iteration, got {len(calls)} calls"
    assert all(c[2]["learning_rate"] == 0.5 and c[2]["momentum"] == 0.7 for c in calls), (
        "train: the rule receives the learning rate and optim_config in its config")
    assert calls[3][2]["count"] == 3, "train: the config the rule returns is passed back to it at the next step"
    assert np.allclose(calls[1][0], calls[0][0] - 1.0), "train: W becomes the next_w the update rule returns"
    assert np.allclose(model.W, calls[3][0] - 1.0), "train: the last update is kept in self.W"


def test_training_separates_two_clusters():
    rng = np.random.default_rng(7)
    X = np.vstack([rng.normal(-2, 0.5, (30, 3)), rng.normal(2, 0.5, (30, 3))])
    X = np.hstack([X, np.ones((60, 1))])  # the bias column
    y = np.repeat([0, 1], 30)
    model = Softmax()
    history = model.train(X, y, learning_rate=0.5, reg=1e-4, num_iters=60, batch_size=20, seed=0)
    assert history[-1] < history[0] / 2, f"train: the loss should fall, went {history[0]:.3g} -> {history[-1]:.3g}"
    assert np.mean(model.predict(X) == y) == 1.0, "train: two well separated clusters should be learned perfectly"


def test_predict_picks_the_highest_score_for_each_row():
    model = LinearSVM()
    model.W = np.array([[1.0, 0.0, -1.0],
                        [0.0, 2.0, 0.5]])  # (D=2, C=3)
    X = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.2], [3.0, 1.0], [-2.0, 0.0]])
    predicted = model.predict(X)
    assert np.array_equal(predicted, [0, 1, 2, 0, 2]), f"predict: expected [0, 1, 2, 0, 2], got {list(predicted)}"
    assert predicted.shape == (5,) and np.issubdtype(predicted.dtype, np.integer), "predict: integer labels of shape (N,)"
