"""Layers of a fully connected network: a forward and a backward function per layer.

Letters: N examples in a minibatch, D input features of a layer, M output
features of a layer, C classes. An input ``x`` of an affine layer may have any
shape (N, d_1, ..., d_k) with D = d_1 * ... * d_k (an image batch (N, 3, 32, 32)
has D = 3072); it is reshaped to (N, D) inside.

The contract of every layer (CS231n's):

* ``out, cache = layer_forward(inputs..., param)``: ``cache`` holds what the
  backward pass needs, and nothing else reads it;
* ``grads... = layer_backward(dout, cache)``: ``dout`` is the gradient of the
  loss with respect to ``out`` (same shape), and the function returns the
  gradients with respect to each input, each of that input's shape.

The two losses on scores, :func:`softmax_loss` and :func:`svm_loss`, return
``(loss, dx)`` instead: the loss is where backpropagation starts.

Every layer keeps the dtype of its inputs (float32 in, float32 out). Its
inputs' types and shapes are checked before it runs (``@checked_by``, with the
checks in :mod:`cs231n_lib.course._checks`), not for NaN or inf: a network whose
activations blow up is a lesson of the babysitting notebook, and the
:class:`~cs231n_lib.solver.Solver` reports it.

Activations beyond ReLU (sigmoid, tanh, leaky ReLU, ELU) follow the same
contract, for the notebooks that compare them.
"""

import numpy as np

from .course._checks import (check_activation_backward, check_activation_forward, check_affine_backward,
                      check_affine_forward, check_batchnorm_forward, check_dropout_backward,
                      check_dropout_forward, check_layernorm_forward, check_norm_backward, check_scores,
                      checked_by)
from .classifiers import linear_svm as _linear_svm  # read at call time: an earlier release's linear_svm.py still imports
from .classifiers import softmax as _softmax


# ------------------------------------------------------------ affine


@checked_by(check_affine_forward)
def affine_forward(x, w, b):
    """Forward pass of an affine (fully connected) layer: ``out = x.reshape(N, D) @ w + b``.

    Parameters
    ----------
    x : ndarray of shape (N, d_1, ..., d_k)
        A minibatch; each example is flattened to D = d_1 * ... * d_k features.
    w : ndarray of shape (D, M)
        Weights.
    b : ndarray of shape (M,)
        Biases.

    Returns
    -------
    out : ndarray of shape (N, M)
    cache : tuple
        ``(x, w, b)``.
    """
    out = None
    # TODO: compute the affine map of x, each example flattened into a row of D features; out is (N, M).
    ### BEGIN SOLUTION
    x_rows = x.reshape(x.shape[0], -1)              # (N, d_1, ..., d_k) -> (N, D)
    out = x_rows @ w + b                            # (N, D) @ (D, M) + (M,) -> (N, M)
    ### END SOLUTION
    cache = (x, w, b)
    return out, cache


@checked_by(check_affine_backward)
def affine_backward(dout, cache, compute_dx=True):
    """Backward pass of an affine layer.

    Parameters
    ----------
    dout : ndarray of shape (N, M)
        Upstream gradient.
    cache : tuple
        ``(x, w, b)`` from :func:`affine_forward`.
    compute_dx : bool, default True
        False skips ``dx`` (returned as None): a network's first layer needs
        no gradient for its input, and ``dx`` costs as much as ``dw``.

    Returns
    -------
    dx : ndarray of shape (N, d_1, ..., d_k), or None when ``compute_dx`` is False
    dw : ndarray of shape (D, M)
    db : ndarray of shape (M,)
    """
    x, w, b = cache
    dx, dw, db = None, None, None
    # TODO: the gradients of the loss with respect to x (x's shape; None when compute_dx
    # is False), w (D, M) and b (M,), from dout (N, M).
    ### BEGIN SOLUTION
    x_rows = x.reshape(x.shape[0], -1)  # (N, D)
    if compute_dx:
        dx = (dout @ w.T).reshape(x.shape)  # (N, M) @ (M, D) -> (N, D) -> (N, d_1, ..., d_k)
    dw = x_rows.T @ dout                # (D, N) @ (N, M) -> (D, M)
    db = dout.sum(axis=0)               # (M,)
    ### END SOLUTION
    return dx, dw, db


# ------------------------------------------------------------ activations


@checked_by(check_activation_forward)
def relu_forward(x):
    """Forward pass of a rectified linear unit: ``out = max(0, x)`` elementwise.

    Parameters
    ----------
    x : ndarray of any shape S

    Returns
    -------
    out : ndarray of shape S
    cache : ndarray of shape S
        ``x``.
    """
    out = None
    # TODO: the ReLU of x, elementwise (shape S).
    ### BEGIN SOLUTION
    out = np.maximum(x, 0)
    ### END SOLUTION
    cache = x
    return out, cache


@checked_by(check_activation_backward)
def relu_backward(dout, cache):
    """Backward pass of a ReLU: the max gate routes ``dout`` to where ``x > 0``.

    The derivative at exactly ``x = 0`` is taken as 0.

    Parameters
    ----------
    dout : ndarray of shape S
        Upstream gradient.
    cache : ndarray of shape S
        ``x`` from :func:`relu_forward`.

    Returns
    -------
    dx : ndarray of shape S
    """
    x = cache
    dx = None
    # TODO: the gradient with respect to x (shape S), from dout.
    ### BEGIN SOLUTION
    dx = dout * (x > 0)
    ### END SOLUTION
    return dx


@checked_by(check_activation_forward)
def sigmoid_forward(x):
    """Forward pass of the logistic sigmoid ``1 / (1 + exp(-x))``, overflow-free for large ``|x|``.

    Parameters
    ----------
    x : ndarray of any shape S

    Returns
    -------
    out : ndarray of shape S
    cache : ndarray of shape S
        ``out`` (the backward pass needs only the output).
    """
    # exp(-|x|) is in (0, 1], so neither branch overflows.
    z = np.exp(-np.abs(x))                              # (S)
    out = np.where(x >= 0, 1 / (1 + z), z / (1 + z))    # (S)
    return out, out


@checked_by(check_activation_backward)
def sigmoid_backward(dout, cache):
    """Backward pass of the sigmoid: ``dx = dout * s * (1 - s)`` with ``s`` the output.

    Parameters
    ----------
    dout : ndarray of shape S
    cache : ndarray of shape S
        The output ``s`` of :func:`sigmoid_forward`.

    Returns
    -------
    dx : ndarray of shape S
    """
    s = cache
    return dout * s * (1 - s)


@checked_by(check_activation_forward)
def tanh_forward(x):
    """Forward pass of ``tanh(x)``.

    Parameters
    ----------
    x : ndarray of any shape S

    Returns
    -------
    out : ndarray of shape S
    cache : ndarray of shape S
        ``out``.
    """
    out = np.tanh(x)
    return out, out


@checked_by(check_activation_backward)
def tanh_backward(dout, cache):
    """Backward pass of tanh: ``dx = dout * (1 - t**2)`` with ``t`` the output.

    Parameters
    ----------
    dout : ndarray of shape S
    cache : ndarray of shape S
        The output ``t`` of :func:`tanh_forward`.

    Returns
    -------
    dx : ndarray of shape S
    """
    t = cache
    return dout * (1 - t * t)


@checked_by(check_activation_forward)
def leaky_relu_forward(x, alpha=0.01):
    """Forward pass of a leaky ReLU: ``x`` where ``x > 0``, ``alpha * x`` elsewhere.

    Parameters
    ----------
    x : ndarray of any shape S
    alpha : float
        Slope for negative inputs, >= 0 (0 is the ReLU).

    Returns
    -------
    out : ndarray of shape S
    cache : tuple
        ``(x, alpha)``.
    """
    out = np.where(x > 0, x, alpha * x)  # (S)
    return out, (x, alpha)


@checked_by(check_activation_backward)
def leaky_relu_backward(dout, cache):
    """Backward pass of a leaky ReLU: ``dout`` where ``x > 0``, ``alpha * dout`` elsewhere.

    Parameters
    ----------
    dout : ndarray of shape S
    cache : tuple
        ``(x, alpha)`` from :func:`leaky_relu_forward`.

    Returns
    -------
    dx : ndarray of shape S
    """
    x, alpha = cache
    return np.where(x > 0, dout, alpha * dout)


@checked_by(check_activation_forward)
def elu_forward(x, alpha=1.0):
    """Forward pass of an exponential linear unit: ``x`` where ``x > 0``, ``alpha * (exp(x) - 1)`` elsewhere.

    Parameters
    ----------
    x : ndarray of any shape S
    alpha : float
        The value approached for very negative inputs is ``-alpha``; >= 0.

    Returns
    -------
    out : ndarray of shape S
    cache : tuple
        ``(x, out, alpha)``.
    """
    negative = alpha * np.expm1(np.minimum(x, 0))  # (S); min keeps exp from overflowing for x > 0
    out = np.where(x > 0, x, negative)              # (S)
    return out, (x, out, alpha)


@checked_by(check_activation_backward)
def elu_backward(dout, cache):
    """Backward pass of an ELU: ``dout`` where ``x > 0``, ``dout * (out + alpha)`` elsewhere.

    Parameters
    ----------
    dout : ndarray of shape S
    cache : tuple
        ``(x, out, alpha)`` from :func:`elu_forward`.

    Returns
    -------
    dx : ndarray of shape S
    """
    x, out, alpha = cache
    return np.where(x > 0, dout, dout * (out + alpha))  # d/dx alpha*(e^x - 1) = out + alpha


# ------------------------------------------------------------ dropout


@checked_by(check_dropout_forward)
def dropout_forward(x, dropout_param):
    """Forward pass of inverted dropout.

    In training each unit is kept with probability ``p`` and the kept units are
    divided by ``p``, so the expected activation equals the input; at test time
    the layer is the identity (nothing to rescale).

    Parameters
    ----------
    x : ndarray of any shape S
    dropout_param : dict
        ``mode``: 'train' or 'test' (required);
        ``p``: the probability of KEEPING a unit, in (0, 1] (required);
        ``seed``: optional int; when given, the mask is drawn from a generator
        seeded with it, so every call draws the same mask (for gradient
        checks); otherwise from numpy's global generator (``np.random.seed``).

    Returns
    -------
    out : ndarray of shape S
    cache : tuple
        ``(dropout_param, mask)``; mask is None in test mode.
    """
    p, mode = dropout_param["p"], dropout_param["mode"]
    seed = dropout_param.get("seed")
    rng = np.random.default_rng(seed) if seed is not None else np.random

    mask = None
    out = None
    if mode == "train":
        # TODO: inverted dropout in training: a mask (shape S, x's dtype) that keeps each unit
        # with probability p, drawn from rng.random(x.shape), and out (shape S).
        ### BEGIN SOLUTION
        mask = (rng.random(x.shape) < p).astype(x.dtype) / x.dtype.type(p)  # (S), values 0 or 1/p
        out = x * mask
        ### END SOLUTION
    else:
        # TODO: at test time inverted dropout is the identity.
        ### BEGIN SOLUTION
        out = x
        ### END SOLUTION
    cache = (dropout_param, mask)
    return out, cache


@checked_by(check_dropout_backward)
def dropout_backward(dout, cache):
    """Backward pass of inverted dropout: the mask multiplies the upstream gradient.

    Parameters
    ----------
    dout : ndarray of shape S
    cache : tuple
        ``(dropout_param, mask)`` from :func:`dropout_forward`.

    Returns
    -------
    dx : ndarray of shape S
    """
    dropout_param, mask = cache
    mode = dropout_param["mode"]
    dx = None
    # TODO: the gradient with respect to x (shape S), in training and in test mode.
    ### BEGIN SOLUTION
    if mode == "train":
        dx = dout * mask
    else:
        dx = dout
    ### END SOLUTION
    return dx


# ------------------------------------------------------------ normalization


@checked_by(check_batchnorm_forward)
def batchnorm_forward(x, gamma, beta, bn_param):
    """Forward pass of batch normalization.

    In training, each feature is normalized with the minibatch's mean and
    (biased) variance, and running averages are kept:

        running_mean = momentum * running_mean + (1 - momentum) * sample_mean

    (the same for the variance). At test time the running averages are used
    instead, so a prediction does not depend on the rest of its batch. In both
    modes ``out = gamma * x_hat + beta``.

    Parameters
    ----------
    x : ndarray of shape (N, D)
    gamma : ndarray of shape (D,)
        Scale.
    beta : ndarray of shape (D,)
        Shift.
    bn_param : dict
        ``mode``: 'train' or 'test' (required); ``eps`` (default 1e-5);
        ``momentum`` (default 0.9); ``running_mean`` and ``running_var``, arrays
        of shape (D,) (zeros in x's dtype at first), updated in this dict in
        training mode.

    Returns
    -------
    out : ndarray of shape (N, D)
    cache : tuple or None
        What :func:`batchnorm_backward` needs (training mode), None in test mode.
    """
    mode = bn_param["mode"]
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    num_features = x.shape[1]
    running_mean = bn_param.get("running_mean", np.zeros(num_features, dtype=x.dtype))
    running_var = bn_param.get("running_var", np.zeros(num_features, dtype=x.dtype))

    out, cache = None, None
    if mode == "train":
        # TODO: out (N, D) from the statistics of this batch (the biased variance); update
        # running_mean and running_var (D,) as the docstring says; keep in cache what
        # batchnorm_backward and batchnorm_backward_alt need.
        ### BEGIN SOLUTION
        sample_mean = x.mean(axis=0)                      # (D,)
        centered = x - sample_mean                        # (N, D) - (D,)
        sample_var = np.mean(centered * centered, axis=0)  # (D,)
        inv_std = 1 / np.sqrt(sample_var + eps)           # (D,)
        x_hat = centered * inv_std                        # (N, D) * (D,)
        out = gamma * x_hat + beta                        # (D,) * (N, D) + (D,)
        running_mean = momentum * running_mean + (1 - momentum) * sample_mean
        running_var = momentum * running_var + (1 - momentum) * sample_var
        cache = (x_hat, centered, inv_std, gamma)
        ### END SOLUTION
    else:
        # TODO: out (N, D) from the running averages.
        ### BEGIN SOLUTION
        x_hat = (x - running_mean) / np.sqrt(running_var + eps)  # (N, D) - (D,), / (D,)
        out = gamma * x_hat + beta                                # (N, D)
        ### END SOLUTION

    bn_param["running_mean"] = running_mean.astype(x.dtype, copy=False)
    bn_param["running_var"] = running_var.astype(x.dtype, copy=False)
    return out, cache


@checked_by(check_norm_backward)
def batchnorm_backward(dout, cache):
    """Backward pass of batch normalization, one gate of the computational graph at a time.

    The forward pass is the graph mean -> center -> square -> mean (variance)
    -> add eps -> sqrt -> invert -> multiply (x_hat) -> scale and shift; this
    function walks it backwards, adding the gradients of the branches where
    ``centered`` is used twice and ``x`` feeds both the mean and the center.

    Parameters
    ----------
    dout : ndarray of shape (N, D)
        Upstream gradient.
    cache : tuple
        From :func:`batchnorm_forward` in training mode.

    Returns
    -------
    dx : ndarray of shape (N, D)
    dgamma : ndarray of shape (D,)
    dbeta : ndarray of shape (D,)
    """
    dx, dgamma, dbeta = None, None, None
    # TODO: dx (N, D), dgamma and dbeta (D,), backpropagating through each step of the
    # forward pass in reverse order.
    ### BEGIN SOLUTION
    x_hat, centered, inv_std, gamma = cache
    num_examples = dout.shape[0]
    dbeta = dout.sum(axis=0)                              # (D,)
    dgamma = np.sum(dout * x_hat, axis=0)                 # (D,)
    dx_hat = dout * gamma                                 # (N, D) * (D,)
    # x_hat = centered * inv_std: the mul gate swaps.
    dinv_std = np.sum(dx_hat * centered, axis=0)          # (D,)
    dcentered = dx_hat * inv_std                          # (N, D) * (D,), first branch
    # inv_std = 1 / std, std = sqrt(var + eps).
    dstd = -dinv_std * inv_std * inv_std                  # (D,)
    dvar = dstd * 0.5 * inv_std                           # (D,)
    # var = mean(centered ** 2): the second branch into centered.
    dcentered = dcentered + (2 / num_examples) * centered * dvar  # (N, D) + (N, D) * (D,)
    # centered = x - mean: x gets dcentered directly and through the mean.
    dmean = -dcentered.sum(axis=0)                        # (D,)
    dx = dcentered + dmean / num_examples                 # (N, D) + (D,)
    ### END SOLUTION
    return dx, dgamma, dbeta


@checked_by(check_norm_backward)
def batchnorm_backward_alt(dout, cache):
    """Backward pass of batch normalization in the simplified closed form.

    Working the derivative out on paper gives, per feature,

        dx = (gamma * inv_std / N) * (N * dout - sum(dout) - x_hat * sum(dout * x_hat))

    with sums over the N examples. Same inputs and outputs as
    :func:`batchnorm_backward`, with fewer passes over the data.

    Parameters
    ----------
    dout : ndarray of shape (N, D)
    cache : tuple
        From :func:`batchnorm_forward` in training mode.

    Returns
    -------
    dx : ndarray of shape (N, D)
    dgamma : ndarray of shape (D,)
    dbeta : ndarray of shape (D,)
    """
    dx, dgamma, dbeta = None, None, None
    # TODO: dx (N, D), dgamma and dbeta (D,) by the closed form above (no intermediate gates).
    ### BEGIN SOLUTION
    x_hat, _, inv_std, gamma = cache
    num_examples = dout.shape[0]
    dbeta = dout.sum(axis=0)                   # (D,)
    dgamma = np.sum(dout * x_hat, axis=0)      # (D,)
    dx = (gamma * inv_std / num_examples) * (num_examples * dout - dbeta - x_hat * dgamma)  # (D,) * (N, D)
    ### END SOLUTION
    return dx, dgamma, dbeta


@checked_by(check_layernorm_forward)
def layernorm_forward(x, gamma, beta, ln_param):
    """Forward pass of layer normalization: each example normalized over its own D features.

    Unlike batch normalization there are no running averages and no
    train/test difference: the statistics are those of the example itself.

    Parameters
    ----------
    x : ndarray of shape (N, D)
    gamma : ndarray of shape (D,)
        Scale.
    beta : ndarray of shape (D,)
        Shift.
    ln_param : dict
        ``eps`` (default 1e-5); other keys (such as ``mode``) are ignored.

    Returns
    -------
    out : ndarray of shape (N, D)
    cache : tuple
        What :func:`layernorm_backward` needs.
    """
    eps = ln_param.get("eps", 1e-5)
    out, cache = None, None
    # TODO: out (N, D), each row normalized with its own statistics, then scaled and shifted
    # per feature; keep in cache what layernorm_backward needs.
    ### BEGIN SOLUTION
    row_mean = x.mean(axis=1, keepdims=True)                        # (N, 1)
    centered = x - row_mean                                         # (N, D) - (N, 1)
    row_var = np.mean(centered * centered, axis=1, keepdims=True)   # (N, 1)
    inv_std = 1 / np.sqrt(row_var + eps)                            # (N, 1)
    x_hat = centered * inv_std                                      # (N, D) * (N, 1)
    out = gamma * x_hat + beta                                      # (D,) * (N, D) + (D,)
    cache = (x_hat, inv_std, gamma)
    ### END SOLUTION
    return out, cache


@checked_by(check_norm_backward)
def layernorm_backward(dout, cache):
    """Backward pass of layer normalization.

    The closed form of :func:`batchnorm_backward_alt`, with the sums over the
    D features of each example instead of over the examples.

    Parameters
    ----------
    dout : ndarray of shape (N, D)
    cache : tuple
        From :func:`layernorm_forward`.

    Returns
    -------
    dx : ndarray of shape (N, D)
    dgamma : ndarray of shape (D,)
    dbeta : ndarray of shape (D,)
    """
    dx, dgamma, dbeta = None, None, None
    # TODO: dx (N, D), dgamma and dbeta (D,).
    ### BEGIN SOLUTION
    x_hat, inv_std, gamma = cache
    num_features = dout.shape[1]
    dbeta = dout.sum(axis=0)                               # (D,)
    dgamma = np.sum(dout * x_hat, axis=0)                  # (D,)
    dx_hat = dout * gamma                                  # (N, D) * (D,)
    sum_dx_hat = dx_hat.sum(axis=1, keepdims=True)         # (N, 1)
    sum_dx_hat_x_hat = np.sum(dx_hat * x_hat, axis=1, keepdims=True)  # (N, 1)
    dx = (inv_std / num_features) * (num_features * dx_hat - sum_dx_hat - x_hat * sum_dx_hat_x_hat)  # (N, D)
    ### END SOLUTION
    return dx, dgamma, dbeta


# ------------------------------------------------------------ losses on scores


@checked_by(check_scores)
def svm_loss(x, y):
    """Multiclass SVM (hinge) loss on class scores, and its gradient.

    ``L = mean_i sum_{j != y_i} max(0, x_ij - x_{i, y_i} + 1)``: your
    :func:`cs231n_lib.classifiers.linear_svm.svm_loss_on_scores` (as CS231n's assignment 2
    reuses assignment 1), with its inputs checked, so a network can put it on
    top of its last layer.

    Parameters
    ----------
    x : ndarray of shape (N, C)
        Scores; ``x[i, j]`` is the score of class j for example i.
    y : ndarray of shape (N,)
        Integer labels in [0, C).

    Returns
    -------
    loss : float scalar
    dx : ndarray of shape (N, C)
        Gradient of the loss with respect to ``x``.
    """
    return _linear_svm.svm_loss_on_scores(x, y)


@checked_by(check_scores)
def softmax_loss(x, y):
    """Softmax (cross-entropy) loss on class scores, and its gradient.

    ``L = mean_i (log sum_j exp(x_ij) - x_{i, y_i})``, computed after shifting
    each row by its maximum so that no ``exp`` overflows: your
    :func:`cs231n_lib.classifiers.softmax.softmax_loss_on_scores`, with its inputs checked.

    Parameters
    ----------
    x : ndarray of shape (N, C)
        Scores.
    y : ndarray of shape (N,)
        Integer labels in [0, C).

    Returns
    -------
    loss : float scalar
    dx : ndarray of shape (N, C)
        ``(softmax(x) - one_hot(y)) / N``.
    """
    return _softmax.softmax_loss_on_scores(x, y)
