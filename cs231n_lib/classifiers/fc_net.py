"""Fully connected networks built from :mod:`cs231n_lib.layers`: a two-layer net and a net of any depth.

Letters: N examples, D inputs (3 * 32 * 32 = 3072 for a CIFAR-10 image), H
hidden units, C classes, L layers.

Both models follow CS231n's contract, which the :class:`~cs231n_lib.solver.Solver`
relies on:

* ``model.params``: a dict of arrays, ``W1, b1, ..., WL, bL`` and, with a
  normalization, ``gamma1, beta1, ..., gamma{L-1}, beta{L-1}``;
* ``model.loss(X)`` returns the class scores (N, C) (test mode), and
  ``model.loss(X, y)`` returns ``(loss, grads)`` with ``grads[k]`` the
  gradient of the loss with respect to ``params[k]`` (training mode).

The loss is the mean softmax cross-entropy plus an L2 penalty on every weight
matrix (not the biases, gamma or beta). The networks keep CS231n's A2 meaning
of ``reg``, so a ``reg`` taken from a CS231n notebook gives the same loss here:

    0.5 * reg * sum(W * W),  gradient  reg * W

It is the course's one penalty, :func:`cs231n_lib.regularizers.l2_penalty`
(``lam * sum(W * W)``), called with ``lam = 0.5 * reg`` (:func:`_add_l2`). The
linear classifiers of notebooks 01-04 keep A1's meaning, ``reg * sum(W * W)``.
"""

import numpy as np

from .. import layers
from ..course._checks import check_fully_connected_net, check_net_loss, check_two_layer_net, checked_by
from ..course.weight_init import init_weights
from ..layer_utils import *  # noqa: F401,F403  as in CS231n: `from ...classifiers.fc_net import *` gives the layers too
from ..layer_utils import affine_relu_backward, affine_relu_forward
from ..layers import *  # noqa: F401,F403
from ..regularizers import l2_penalty


def _add_l2(loss, grads, params, names, reg):
    """Add ``0.5 * reg * sum(W * W)`` of each named weight to ``loss`` and ``reg * W`` to its gradient.

    CS231n A2's convention for the networks' ``reg``: regularizers.l2_penalty with ``0.5 * reg``.

    Parameters
    ----------
    loss : float
    grads, params : dict of ndarray
    names : list of str
        The weight matrices to regularize.
    reg : float

    Returns
    -------
    loss : float
    """
    if reg == 0:
        return loss
    for name in names:
        value, dW = l2_penalty(params[name], 0.5 * reg)
        loss = loss + value
        grads[name] = grads[name] + dW
    return loss


class TwoLayerNet:
    """Two-layer network: affine - ReLU - affine - softmax.

    Parameters
    ----------
    input_dim : int
        D, features per example (images are flattened).
    hidden_dim : int
        H, hidden units.
    num_classes : int
        C.
    weight_scale : float
        Standard deviation of the initial weights (biases start at 0).
    reg : float
        L2 strength, as in CS231n: ``0.5 * reg * sum(W * W)`` for W1 and W2.

    Attributes
    ----------
    params : dict
        ``W1`` (D, H), ``b1`` (H,), ``W2`` (H, C), ``b2`` (C,), float64.
    reg : float
    """

    @checked_by(check_two_layer_net, by_name=True)
    def __init__(self, input_dim=3 * 32 * 32, hidden_dim=100, num_classes=10, weight_scale=1e-3, reg=0.0):
        self.input_dim = input_dim
        self.num_classes = num_classes
        self.reg = reg
        self.params = {}
        # TODO: initialize W1 and W2 from a normal distribution with standard deviation
        # weight_scale (init_weights(fan_in, fan_out, weight_scale)), and b1, b2 as zeros.
        ### BEGIN SOLUTION
        self.params["W1"] = init_weights(self.input_dim, hidden_dim, weight_scale)
        self.params["b1"] = np.zeros(hidden_dim)
        self.params["W2"] = init_weights(hidden_dim, self.num_classes, weight_scale)
        self.params["b2"] = np.zeros(self.num_classes)
        ### END SOLUTION

    @checked_by(check_net_loss)
    def loss(self, X, y=None):
        """Scores for a minibatch, or the loss and its gradients when labels are given.

        Parameters
        ----------
        X : ndarray of shape (N, d_1, ..., d_k)
            With D = d_1 * ... * d_k = input_dim.
        y : ndarray of shape (N,) or None
            Integer labels in [0, C).

        Returns
        -------
        scores : ndarray of shape (N, C)
            When ``y`` is None.
        loss, grads : float and dict
            Otherwise; ``grads[k]`` has the shape of ``params[k]``.
        """
        scores = None
        # TODO: forward pass: affine - relu - affine (affine_relu_forward, affine_forward).
        ### BEGIN SOLUTION
        hidden, hidden_cache = affine_relu_forward(X, self.params["W1"], self.params["b1"])  # (N, H)
        scores, scores_cache = layers.affine_forward(hidden, self.params["W2"], self.params["b2"])  # (N, C)
        ### END SOLUTION
        if y is None:
            return scores

        loss, grads = 0.0, {}
        # TODO: softmax_loss on the scores, backward through both layers, then add
        # the L2 penalty of W1 and W2 (_add_l2 calls regularizers.l2_penalty).
        ### BEGIN SOLUTION
        loss, dscores = layers.softmax_loss(scores, y)
        dhidden, grads["W2"], grads["b2"] = layers.affine_backward(dscores, scores_cache)
        _, grads["W1"], grads["b1"] = affine_relu_backward(dhidden, hidden_cache)
        loss = _add_l2(loss, grads, self.params, ["W1", "W2"], self.reg)
        ### END SOLUTION
        return loss, grads


class FullyConnectedNet:
    """A fully connected network of any depth.

    ``{affine - [batch/layer norm] - relu - [dropout]} x (L - 1) - affine - softmax``

    Parameters
    ----------
    hidden_dims : list of int
        Widths of the L - 1 hidden layers (may be empty: a linear softmax classifier).
    input_dim : int
        D, features per example.
    num_classes : int
        C.
    dropout_keep_ratio : float
        Probability of KEEPING a hidden unit in training, in (0, 1]; 1 is no dropout.
    normalization : {None, 'batchnorm', 'layernorm'}
        Normalization after every hidden affine layer.
    reg : float
        L2 strength, as in CS231n: ``0.5 * reg * sum(W * W)`` for every W.
    weight_scale : float or {'xavier', 'he'}
        Standard deviation of the initial weights, or a rule that scales it
        with each layer's fan-in (:func:`cs231n_lib.course.weight_init.init_std`).
    dtype : floating dtype
        Every parameter and computation (float32 is faster, float64 for
        gradient checks).
    seed : int or None
        When given, the weights are drawn from a generator with this seed and
        the dropout layers use it too, so every forward pass draws the same
        dropout mask (for gradient checks). None draws from numpy's global
        generator (``np.random.seed``).

    Attributes
    ----------
    params : dict
        ``W{l}`` (D_{l-1}, D_l), ``b{l}`` (D_l,) for l = 1..L, and
        ``gamma{l}``, ``beta{l}`` (D_l,) for l = 1..L-1 with a normalization.
    num_layers : int
        L.
    bn_params : list of dict
        One per hidden layer with batch or layer normalization (running averages live here).
    dropout_param : dict
        Empty without dropout.
    """

    @checked_by(check_fully_connected_net, by_name=True)
    def __init__(self, hidden_dims, input_dim=3 * 32 * 32, num_classes=10, dropout_keep_ratio=1,
                 normalization=None, reg=0.0, weight_scale=1e-2, dtype=np.float32, seed=None):
        hidden_dims = list(hidden_dims)
        self.input_dim = input_dim
        self.num_classes = num_classes
        self.normalization = normalization
        self.use_dropout = dropout_keep_ratio != 1
        self.reg = reg
        self.num_layers = 1 + len(hidden_dims)
        self.dtype = np.dtype(dtype)
        self.params = {}
        rng = np.random.default_rng(seed) if seed is not None else np.random

        # TODO: for each layer l = 1..L, W{l} of shape (D_{l-1}, D_l) from
        # init_weights(D_{l-1}, D_l, weight_scale, rng=rng) and b{l} zeros; with a
        # normalization, gamma{l} ones and beta{l} zeros for the hidden layers.
        ### BEGIN SOLUTION
        dims = [self.input_dim] + hidden_dims + [self.num_classes]
        for l in range(1, self.num_layers + 1):
            self.params[f"W{l}"] = init_weights(dims[l - 1], dims[l], weight_scale, rng=rng)
            self.params[f"b{l}"] = np.zeros(dims[l])
            if normalization is not None and l < self.num_layers:
                self.params[f"gamma{l}"] = np.ones(dims[l])
                self.params[f"beta{l}"] = np.zeros(dims[l])
        ### END SOLUTION

        # Dropout: one dict shared by every dropout layer; its mode is set by loss().
        self.dropout_param = {}
        if self.use_dropout:
            self.dropout_param = {"mode": "train", "p": float(dropout_keep_ratio)}
            if seed is not None:
                self.dropout_param["seed"] = seed
        # Normalization: one dict per hidden layer, holding batch norm's running averages.
        self.bn_params = []
        if normalization is not None:
            self.bn_params = [{"mode": "train"} for _ in range(self.num_layers - 1)]

        for k, v in self.params.items():
            self.params[k] = v.astype(self.dtype)

    @checked_by(check_net_loss)
    def loss(self, X, y=None):
        """Scores for a minibatch (test mode), or the loss and its gradients (training mode).

        Parameters
        ----------
        X : ndarray of shape (N, d_1, ..., d_k)
            With D = d_1 * ... * d_k = input_dim; cast to the model's dtype.
        y : ndarray of shape (N,) or None
            Integer labels in [0, C). None selects test mode: dropout is the
            identity and batch norm uses its running averages.

        Returns
        -------
        scores : ndarray of shape (N, C)
            When ``y`` is None.
        loss, grads : float and dict
            Otherwise; ``grads[k]`` has the shape and dtype of ``params[k]``.
        """
        X = X.astype(self.dtype, copy=False)
        mode = "test" if y is None else "train"
        if self.use_dropout:
            self.dropout_param["mode"] = mode
        for bn_param in self.bn_params:
            bn_param["mode"] = mode

        scores = None
        caches = []
        # TODO: forward pass. For each hidden layer l: affine, then batchnorm_forward
        # (bn_params[l - 1]) or layernorm_forward if self.normalization says so, relu,
        # then dropout_forward (self.dropout_param) if self.use_dropout; keep every
        # cache. The last layer is affine only and gives the scores.
        ### BEGIN SOLUTION
        h = X
        for l in range(1, self.num_layers):
            h, fc_cache = layers.affine_forward(h, self.params[f"W{l}"], self.params[f"b{l}"])  # (N, D_l)
            norm_cache = None
            if self.normalization == "batchnorm":
                h, norm_cache = layers.batchnorm_forward(
                    h, self.params[f"gamma{l}"], self.params[f"beta{l}"], self.bn_params[l - 1])
            elif self.normalization == "layernorm":
                h, norm_cache = layers.layernorm_forward(
                    h, self.params[f"gamma{l}"], self.params[f"beta{l}"], self.bn_params[l - 1])
            h, relu_cache = layers.relu_forward(h)
            drop_cache = None
            if self.use_dropout:
                h, drop_cache = layers.dropout_forward(h, self.dropout_param)
            caches.append((fc_cache, norm_cache, relu_cache, drop_cache))
        L = self.num_layers
        scores, last_cache = layers.affine_forward(h, self.params[f"W{L}"], self.params[f"b{L}"])  # (N, C)
        ### END SOLUTION
        if mode == "test":
            return scores

        loss, grads = 0.0, {}
        # TODO: softmax_loss on the scores; backward through the last affine layer, then
        # through each hidden layer in reverse order (dropout, relu, normalization
        # (batchnorm_backward_alt or layernorm_backward), affine), storing every
        # gradient in grads (the first layer's input is the data: pass compute_dx=False
        # to its affine_backward); then add the L2 penalty of every W with _add_l2.
        ### BEGIN SOLUTION
        loss, dscores = layers.softmax_loss(scores, y)
        dh, grads[f"W{L}"], grads[f"b{L}"] = layers.affine_backward(dscores, last_cache)
        for l in range(L - 1, 0, -1):
            fc_cache, norm_cache, relu_cache, drop_cache = caches[l - 1]
            if self.use_dropout:
                dh = layers.dropout_backward(dh, drop_cache)
            dh = layers.relu_backward(dh, relu_cache)
            if self.normalization == "batchnorm":
                dh, grads[f"gamma{l}"], grads[f"beta{l}"] = layers.batchnorm_backward_alt(dh, norm_cache)
            elif self.normalization == "layernorm":
                dh, grads[f"gamma{l}"], grads[f"beta{l}"] = layers.layernorm_backward(dh, norm_cache)
            # The first layer's input is the data: no gradient needed for it.
            dh, grads[f"W{l}"], grads[f"b{l}"] = layers.affine_backward(dh, fc_cache, compute_dx=l > 1)
        loss = _add_l2(loss, grads, self.params, [f"W{l}" for l in range(1, L + 1)], self.reg)
        ### END SOLUTION
        return loss, grads
