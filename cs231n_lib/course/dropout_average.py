"""What dropout's test-time pass stands for: the average of the networks its random masks make.

Letters: N examples, C classes, K masks; H_l units in hidden layer l.

In training, every forward pass of a network with dropout draws a new mask, so it is a different,
thinned network each time. At test time a :class:`~cs231n_lib.classifiers.fc_net.FullyConnectedNet`
runs with every unit on (inverted dropout: the identity), which stands for the average over all
masks. :func:`scores_under_masks` computes the scores the network gives under K given masks, so a
notebook can average them and compare with the test-time scores.

The forward pass is the one of ``FullyConnectedNet`` without normalization, assembled from your
layers (:mod:`cs231n_lib.layers`): affine, ReLU, dropout per hidden layer, then the last affine.
The first hidden layer is computed once, since its mask comes after it.
"""

import numpy as np

from .. import layers


def scores_under_masks(net, X, mask_seeds):
    """The class scores of ``net`` under one dropout mask per seed (training-mode forward passes).

    Parameters
    ----------
    net : FullyConnectedNet
        With dropout (``dropout_keep_ratio < 1``) and no normalization.
    X : ndarray of shape (N, d_1, ..., d_k)
        Examples; ``d_1 * ... * d_k`` is the net's ``input_dim``.
    mask_seeds : sequence of K ints
        The seed of each forward pass's masks (passed to ``dropout_forward`` as ``dropout_param["seed"]``,
        offset by the layer, so each hidden layer gets its own mask).

    Returns
    -------
    scores : ndarray of shape (K, N, C)
        ``scores[k]`` is what the network computes in training under the k-th masks.
    """
    if not getattr(net, "use_dropout", False) or getattr(net, "normalization", None) is not None:
        raise ValueError("net must be a FullyConnectedNet with dropout (dropout_keep_ratio < 1) and no normalization; "
                         "build one with FullyConnectedNet(..., dropout_keep_ratio=0.5).")
    mask_seeds = [int(seed) for seed in mask_seeds]
    if not mask_seeds:
        raise ValueError("mask_seeds must hold at least one seed; pass e.g. range(100).")
    params, L = net.params, net.num_layers
    keep = net.dropout_param["p"]
    X = np.asarray(X, dtype=net.dtype).reshape(len(X), -1)  # (N, D)
    first, _ = layers.affine_forward(X, params["W1"], params["b1"])  # (N, H_1)
    first, _ = layers.relu_forward(first)  # (N, H_1): the same under every mask
    scores = np.empty((len(mask_seeds), X.shape[0], net.num_classes), dtype=net.dtype)  # (K, N, C)
    for k, seed in enumerate(mask_seeds):
        h = first
        for l in range(1, L):
            if l > 1:
                h, _ = layers.affine_forward(h, params[f"W{l}"], params[f"b{l}"])  # (N, H_l)
                h, _ = layers.relu_forward(h)
            h, _ = layers.dropout_forward(h, {"mode": "train", "p": keep, "seed": seed * L + l})  # (N, H_l)
        scores[k], _ = layers.affine_forward(h, params[f"W{L}"], params[f"b{L}"])  # (N, C)
    return scores
