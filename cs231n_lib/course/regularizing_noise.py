"""Training with noise that regularizes: batch norm's minibatch statistics, and data augmentation.

Letters: N training examples, B examples per minibatch, M examples normalized together, C classes,
D input dimension, H_l units in hidden layer l.

Both experiments train a :class:`~cs231n_lib.classifiers.fc_net.FullyConnectedNet` (He
initialization, Adam, minibatches drawn with replacement as the Solver draws them) twice, with the
noise and without it, on the same minibatches from the same initial weights
(:func:`train_minibatches`):

- :func:`train_batchnorm_net`: in training, batch norm normalizes an example with the mean and
  variance of its minibatch, so its hidden activations depend on which other examples were drawn
  with it, a random perturbation at every step like dropout's mask. With ``statistics="training
  set"`` every step normalizes with the statistics of all N training examples instead (the loss is
  still the B examples'): the statistics no longer depend on the draw, so the noise is removed
  and nothing else is. Both run the network's own layers (:mod:`cs231n_lib.layers`: affine,
  ``batchnorm_forward``, ReLU; ``batchnorm_backward_alt`` on the way back) and keep batch norm's
  running averages, which the test-time pass ``net.loss(X)`` uses.
- :func:`train_augmented_net`: every minibatch's raw images go through a random transform
  (:func:`cs231n_lib.course.augmentation.augment`) before they are centred and scaled; without it
  they are centred and scaled only.
"""

import numpy as np

from .. import layers, optim
from ..classifiers.fc_net import FullyConnectedNet

STATISTICS = ("minibatch", "training set")


def train_minibatches(net, num_train, batch_grads, *, num_epochs, batch_size, learning_rate, seed):
    """Adam on ``net.params`` for ``num_epochs * (num_train // batch_size)`` minibatches drawn with replacement.

    Parameters
    ----------
    net : model with a ``params`` dict
        Updated in place.
    num_train : int
        N, the number of training examples.
    batch_grads : callable
        ``batch_grads(batch, rng) -> grads``: ``batch`` of shape (B,) indexes the training set,
        ``rng`` is the generator that drew it (for any further randomness); ``grads`` holds one
        gradient per parameter.
    num_epochs, batch_size : int
    learning_rate : float
        Adam's.
    seed : int
        Seeds the generator of the minibatches.

    Returns
    -------
    net : the same model, trained
    """
    configs = {name: {"learning_rate": learning_rate} for name in net.params}
    rng = np.random.default_rng(seed)
    for _ in range(num_epochs * max(num_train // batch_size, 1)):
        grads = batch_grads(rng.choice(num_train, batch_size), rng)  # a (B,) batch
        for name in net.params:
            net.params[name], configs[name] = optim.adam(net.params[name], grads[name], configs[name])
    return net


def loss_on_rows(net, X, rows, y):
    """The softmax loss of ``X[rows]``, every row of ``X`` normalized together; and its gradients.

    Parameters
    ----------
    net : FullyConnectedNet
        With ``normalization="batchnorm"``, no dropout; its running averages are updated with the
        statistics of ``X``.
    X : ndarray of shape (M, D)
        The examples that share the batch-norm statistics.
    rows : ndarray of shape (B,)
        Integer indices into ``X`` (repeats allowed): the examples whose loss is taken.
    y : ndarray of shape (B,)
        Their labels, in [0, C).

    Returns
    -------
    loss : float
        The mean softmax loss over the B rows (no L2 penalty).
    grads : dict of ndarray
        Its gradient for every parameter of ``net``, through the statistics of all M rows.
    """
    params, L = net.params, net.num_layers
    for bn_param in net.bn_params:
        bn_param["mode"] = "train"
    hidden, layer_caches = X.astype(net.dtype, copy=False), []
    for l in range(1, L):
        affine_out, affine_cache = layers.affine_forward(hidden, params[f"W{l}"], params[f"b{l}"])  # (M, H_l)
        normed, norm_cache = layers.batchnorm_forward(affine_out, params[f"gamma{l}"], params[f"beta{l}"],
                                                      net.bn_params[l - 1])  # (M, H_l), statistics of all M rows
        hidden, relu_cache = layers.relu_forward(normed)  # (M, H_l)
        layer_caches.append((affine_cache, norm_cache, relu_cache))
    scores, scores_cache = layers.affine_forward(hidden, params[f"W{L}"], params[f"b{L}"])  # (M, C)
    loss, d_rows = layers.softmax_loss(scores[rows], y)  # (B, C)
    d_scores = np.zeros_like(scores)  # (M, C): rows outside `rows` add no loss
    np.add.at(d_scores, rows, d_rows)  # (M, C) += (B, C) at rows, repeats summed
    grads = {}
    upstream, grads[f"W{L}"], grads[f"b{L}"] = layers.affine_backward(d_scores, scores_cache)  # (M, H_{L-1})
    for l in reversed(range(1, L)):
        affine_cache, norm_cache, relu_cache = layer_caches[l - 1]
        d_normed = layers.relu_backward(upstream, relu_cache)  # (M, H_l)
        d_affine, grads[f"gamma{l}"], grads[f"beta{l}"] = layers.batchnorm_backward_alt(d_normed, norm_cache)
        upstream, grads[f"W{l}"], grads[f"b{l}"] = layers.affine_backward(d_affine, affine_cache, compute_dx=l > 1)
    return float(loss), grads


def train_batchnorm_net(X_train, y_train, hidden_dims, statistics, *, num_epochs, batch_size=10,
                        learning_rate=1e-3, seed=0):
    """Train a batch-norm network, normalizing each step with minibatch or training-set statistics.

    Parameters
    ----------
    X_train : ndarray of shape (N, d_1, ..., d_k)
        Training examples; D = d_1 * ... * d_k.
    y_train : ndarray of shape (N,)
        Labels in [0, C), C = 10.
    hidden_dims : list of int
        H_1, ..., H_{L-1}.
    statistics : {"minibatch", "training set"}
        Which examples each training step normalizes together (see the module docstring).
    num_epochs : int
    batch_size : int, default 10
        B: the smaller, the noisier the minibatch statistics.
    learning_rate : float, default 1e-3
    seed : int, default 0
        Seeds the initial weights and the minibatches: both ``statistics`` start and draw the same.

    Returns
    -------
    net : FullyConnectedNet
        Trained; ``net.loss(X)`` scores with the running averages (test mode).
    """
    if statistics not in STATISTICS:
        raise ValueError(f"statistics must be one of {STATISTICS}, got {statistics!r}; pass 'minibatch' for "
                         f"batch norm as usual.")
    X_train = np.asarray(X_train).reshape(len(X_train), -1)  # (N, D)
    net = FullyConnectedNet(hidden_dims, input_dim=X_train.shape[1], normalization="batchnorm",
                            weight_scale="he", seed=seed)
    X_train = X_train.astype(net.dtype, copy=False)

    def batch_grads(batch, _rng):
        if statistics == "minibatch":
            return loss_on_rows(net, X_train[batch], np.arange(len(batch)), y_train[batch])[1]
        return loss_on_rows(net, X_train, batch, y_train[batch])[1]

    return train_minibatches(net, len(y_train), batch_grads, num_epochs=num_epochs, batch_size=batch_size,
                             learning_rate=learning_rate, seed=seed)


def train_augmented_net(raw_train, y_train, mean_image, pixel_std, hidden_dims, transform, *, num_epochs,
                        batch_size=50, learning_rate=1e-3, seed=0):
    """Train a network on raw images, each minibatch transformed anew (or not), then centred and scaled.

    Parameters
    ----------
    raw_train : ndarray of shape (N, 3, S, S)
        Raw training images, 0..255.
    y_train : ndarray of shape (N,)
        Labels in [0, C), C = 10.
    mean_image : ndarray of shape (3, S, S)
        Subtracted from every image after its transform.
    pixel_std : float
        Every centred image is divided by it.
    hidden_dims : list of int
    transform : callable or None
        ``transform(images, rng) -> images`` of shape (B, 3, S, S), e.g.
        :func:`~cs231n_lib.course.augmentation.augment`; None trains on the images as they are.
    num_epochs, batch_size : int
    learning_rate : float
    seed : int
        Seeds the initial weights, the minibatches and the transforms.

    Returns
    -------
    net : FullyConnectedNet
        Trained on centred, scaled images: score ``(raw - mean_image) / pixel_std``.
    """
    net = FullyConnectedNet(hidden_dims, input_dim=raw_train[0].size, weight_scale="he", seed=seed)

    def batch_grads(batch, rng):
        images = raw_train[batch] if transform is None else transform(raw_train[batch], rng)  # (B, 3, S, S)
        return net.loss((images - mean_image) / pixel_std, y_train[batch])[1]

    return train_minibatches(net, len(y_train), batch_grads, num_epochs=num_epochs, batch_size=batch_size,
                             learning_rate=learning_rate, seed=seed)


def accuracy(net, X, y):
    """Test-mode accuracy of ``net`` on ``X`` (N, d_1, ..., d_k) with labels ``y`` (N,): a float in [0, 1]."""
    return float(np.mean(np.argmax(net.loss(np.asarray(X).reshape(len(X), -1)), axis=1) == y))
