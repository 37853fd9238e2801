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

Every layer keeps the dtype of its inputs (float32 in, float32 out). The
layers check types and shapes, but not for NaN or inf: a network whose
activations blow up is a lesson of the babysitting notebook, and the
:class:`~cs231n_lib.solver.Solver` reports it.

Activations beyond ReLU (sigmoid, tanh, leaky ReLU, ELU) follow the same
contract, for the notebooks that compare them.
"""

import numbers
from typing import NamedTuple

import numpy as np

from ._checks import _describe
from .linear_svm import svm_loss_on_scores
from .softmax import softmax_loss_on_scores

# ------------------------------------------------------------ input checks


def _check_float_array(x, name, ndim=None, min_ndim=None):
    """Raise ValueError unless ``x`` is a float ndarray with ``ndim`` (or at least ``min_ndim``) axes."""
    if not isinstance(x, np.ndarray) or not np.issubdtype(x.dtype, np.floating):
        raise ValueError(f"{name} must be a float numpy array, got {_describe(x)}; "
                         f"convert it with np.asarray({name}, dtype=np.float64).")
    if ndim is not None and x.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} axes, got {_describe(x)}; "
                         f"pass an array of {ndim} axes.")
    if min_ndim is not None and x.ndim < min_ndim:
        raise ValueError(f"{name} must have at least {min_ndim} axes (N, ...), got {_describe(x)}; "
                         f"put the examples along the first axis.")


def _check_same_shape(a, a_name, b, b_name):
    """Raise ValueError unless the arrays ``a`` and ``b`` have the same shape."""
    _check_float_array(a, a_name)
    if a.shape != b.shape:
        raise ValueError(f"{a_name} must have the shape of {b_name} {b.shape}, got {_describe(a)}; "
                         f"pass the upstream gradient of this layer's output.")


def _check_vector(v, name, length):
    """Raise ValueError unless ``v`` is a float array of shape (length,)."""
    _check_float_array(v, name)
    if v.shape != (length,):
        raise ValueError(f"{name} must have shape ({length},), got {_describe(v)}; "
                         f"pass one value per feature.")


def _check_mode(param, name):
    """Return ``param['mode']`` if it is 'train' or 'test', else raise ValueError."""
    if not isinstance(param, dict):
        raise ValueError(f"{name} must be a dict, got an object of type {type(param).__name__}; "
                         f"pass a dict such as {{'mode': 'train'}}.")
    mode = param.get("mode")
    if mode not in ("train", "test"):
        raise ValueError(f"{name}['mode'] must be 'train' or 'test', got {mode!r}; "
                         f"set it before the forward pass.")
    return mode


def _check_scores(x, y):
    """Validate the inputs of a loss on scores: x (N, C) float, y (N,) ints in [0, C)."""
    _check_float_array(x, "x", ndim=2)
    if not isinstance(y, np.ndarray) or y.ndim != 1 or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"y must be a 1-D integer array of labels, got {_describe(y)}; "
                         f"pass an ndarray of shape (N,) with an integer dtype.")
    if y.shape[0] != x.shape[0] or x.shape[0] == 0:
        raise ValueError(f"y must hold one label per row of x (N >= 1), got y of shape {y.shape} "
                         f"for x of shape {x.shape}; pass matching scores and labels.")
    if y.min() < 0 or y.max() >= x.shape[1]:
        raise ValueError(f"y must hold labels in [0, {x.shape[1]}), got labels from {y.min()} to "
                         f"{y.max()}; check the labels or the number of classes.")


def _check_eps(param, name, default):
    """Return ``param.get('eps', default)`` if it is a finite number > 0, else raise ValueError."""
    eps = param.get("eps", default)
    if not isinstance(eps, numbers.Real) or isinstance(eps, bool) or not np.isfinite(eps) or eps <= 0:
        raise ValueError(f"{name}['eps'] must be a finite number > 0, got {eps!r}; use 1e-5.")
    return float(eps)


# ------------------------------------------------------------ affine


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
    _check_float_array(x, "x", min_ndim=2)
    _check_float_array(w, "w", ndim=2)
    num_features = int(np.prod(x.shape[1:]))
    if w.shape[0] != num_features:
        raise ValueError(f"w must have one row per input feature, got w of shape {w.shape} for x of "
                         f"shape {x.shape} (D = {num_features}); pass w of shape ({num_features}, M).")
    _check_vector(b, "b", w.shape[1])
    out = None
    # TODO: flatten each example of x into a row and compute the affine map.
    # Style B: einsum on the flattened rows, the bias added in place (the result is a fresh array).
    out = np.einsum("nd,dm->nm", x.reshape(len(x), -1), w)   # (N, M)
    out += b
    cache = (x, w, b)
    return out, cache


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
    if not isinstance(dout, np.ndarray) or dout.shape != (x.shape[0], w.shape[1]):
        raise ValueError(f"dout must have shape {(x.shape[0], w.shape[1])} (the output of the "
                         f"forward pass), got {_describe(dout)}; pass the upstream gradient.")
    dx, dw, db = None, None, None
    # TODO: the mul gate swaps: dx = dout @ w.T (reshaped like x; leave it None when
    # compute_dx is False), dw = x_rows.T @ dout; the bias gradient sums dout over the examples.
    x_rows = x.reshape(len(x), -1)                   # (N, D)
    dw = np.einsum("nd,nm->dm", x_rows, dout)        # (D, M)
    db = np.einsum("nm->m", dout)                    # (M,)
    dx = np.einsum("nm,dm->nd", dout, w).reshape(x.shape) if compute_dx else None
    return dx, dw, db


# ------------------------------------------------------------ activations


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
    _check_float_array(x, "x")
    out = None
    # TODO: compute max(0, x) elementwise.
    out = np.where(x > 0, x, x.dtype.type(0))        # (S)
    cache = x
    return out, cache


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
    _check_same_shape(dout, "dout", x, "x")
    dx = None
    # TODO: pass dout through where x > 0 and zero elsewhere.
    # Style B: multiply by the 0/1 local gradient, in dout's dtype.
    dx = dout * (x > 0).astype(dout.dtype)
    return dx


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
    _check_float_array(x, "x")
    # exp(-|x|) is in (0, 1], so neither branch overflows.
    z = np.exp(-np.abs(x))                              # (S)
    out = np.where(x >= 0, 1 / (1 + z), z / (1 + z))    # (S)
    return out, out


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
    _check_same_shape(dout, "dout", s, "the forward output")
    return dout * s * (1 - s)


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
    _check_float_array(x, "x")
    out = np.tanh(x)
    return out, out


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
    _check_same_shape(dout, "dout", t, "the forward output")
    return dout * (1 - t * t)


def _check_alpha(alpha, name):
    """Return ``alpha`` as a float if it is a finite number >= 0, else raise ValueError."""
    if not isinstance(alpha, numbers.Real) or isinstance(alpha, bool) or not np.isfinite(alpha) or alpha < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {alpha!r}; pass a float such as 0.01.")
    return float(alpha)


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
    _check_float_array(x, "x")
    alpha = _check_alpha(alpha, "alpha")
    out = np.where(x > 0, x, alpha * x)  # (S)
    return out, (x, alpha)


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
    _check_same_shape(dout, "dout", x, "x")
    return np.where(x > 0, dout, alpha * dout)


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
    _check_float_array(x, "x")
    alpha = _check_alpha(alpha, "alpha")
    negative = alpha * np.expm1(np.minimum(x, 0))  # (S); min keeps exp from overflowing for x > 0
    out = np.where(x > 0, x, negative)              # (S)
    return out, (x, out, alpha)


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
    _check_same_shape(dout, "dout", x, "x")
    return np.where(x > 0, dout, dout * (out + alpha))  # d/dx alpha*(e^x - 1) = out + alpha


# ------------------------------------------------------------ dropout


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
    _check_float_array(x, "x")
    mode = _check_mode(dropout_param, "dropout_param")
    p = dropout_param.get("p")
    if not isinstance(p, numbers.Real) or isinstance(p, bool) or not 0 < p <= 1:
        raise ValueError(f"dropout_param['p'] must be the keep probability in (0, 1], got {p!r}; "
                         f"pass e.g. 0.5 (1 keeps every unit).")
    seed = dropout_param.get("seed")
    rng = np.random.default_rng(seed) if seed is not None else np.random

    mask = None
    out = None
    if mode == "train":
        # TODO: draw a mask that keeps each unit with probability p and divides kept
        # units by p (same shape and dtype as x, uniforms from rng.random(x.shape)); out = x * mask.
        # Style B: the mask's values chosen directly from the uniforms, 1/p where kept and 0 elsewhere.
        uniforms = rng.random(x.shape)                   # (S), in [0, 1)
        mask = np.where(uniforms < p, 1.0 / p, 0.0).astype(x.dtype)
        out = mask * x
    else:
        # TODO: at test time inverted dropout is the identity.
        out = x.copy()
    cache = (dropout_param, mask)
    return out, cache


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
    _check_float_array(dout, "dout")
    if mask is not None and dout.shape != mask.shape:
        raise ValueError(f"dout must have the shape of the forward input {mask.shape}, got "
                         f"{_describe(dout)}; pass the upstream gradient of this layer's output.")
    dx = None
    # TODO: in training, multiply dout by the mask; in test mode dx is dout.
    dx = dout.copy() if mask is None else dout * mask
    return dx


# ------------------------------------------------------------ normalization


class _NormCache(NamedTuple):
    """What the backward passes of batch and layer normalization need (a tuple with named fields)."""

    x_hat: np.ndarray      # (N, D) normalized input
    centered: np.ndarray   # (N, D) input minus its mean
    var: np.ndarray        # (1, D) for batch norm, (N, 1) for layer norm
    eps: float
    inv_std: np.ndarray    # 1 / sqrt(var + eps), the shape of var
    gamma: np.ndarray      # (D,)
    axis: int              # the axis the statistics were taken over: 0 (batch) or 1 (layer)


def _closed_form_backward(dout, cache):
    """dx, dgamma, dbeta of a normalization layer by the closed form, with the means over ``cache.axis``."""
    dbeta = dout.sum(axis=0)                                   # (D,)
    dgamma = (dout * cache.x_hat).sum(axis=0)                  # (D,)
    dx_hat = dout * cache.gamma                                # (N, D)
    mean_dx_hat = dx_hat.mean(axis=cache.axis, keepdims=True)
    mean_projection = (dx_hat * cache.x_hat).mean(axis=cache.axis, keepdims=True)
    dx = cache.inv_std * (dx_hat - mean_dx_hat - cache.x_hat * mean_projection)
    return dx, dgamma, dbeta


def _norm_inputs(x, gamma, beta):
    """Check the (N, D) input and the (D,) scale and shift of a normalization layer."""
    _check_float_array(x, "x", ndim=2)
    if x.shape[0] == 0:
        raise ValueError("x must hold at least one example, got N = 0; pass a non-empty batch.")
    _check_vector(gamma, "gamma", x.shape[1])
    _check_vector(beta, "beta", x.shape[1])


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
    _norm_inputs(x, gamma, beta)
    mode = _check_mode(bn_param, "bn_param")
    eps = _check_eps(bn_param, "bn_param", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    if not isinstance(momentum, numbers.Real) or isinstance(momentum, bool) or not 0 <= momentum <= 1:
        raise ValueError(f"bn_param['momentum'] must be in [0, 1], got {momentum!r}; use 0.9.")
    num_features = x.shape[1]
    running_mean = bn_param.get("running_mean", np.zeros(num_features, dtype=x.dtype))
    running_var = bn_param.get("running_var", np.zeros(num_features, dtype=x.dtype))
    _check_vector(running_mean, "bn_param['running_mean']", num_features)
    _check_vector(running_var, "bn_param['running_var']", num_features)

    out, cache = None, None
    if mode == "train":
        # TODO: normalize x with the batch mean and variance (np.var, biased), scale by
        # gamma and shift by beta; update running_mean and running_var with momentum;
        # keep in cache what batchnorm_backward and batchnorm_backward_alt need.
        # Style B: keepdims statistics, and a named tuple (still a tuple) as the cache.
        mu = x.mean(axis=0, keepdims=True)               # (1, D)
        var = x.var(axis=0, keepdims=True)               # (1, D), biased (ddof 0)
        inv_std = 1 / np.sqrt(var + eps)                 # (1, D)
        x_hat = (x - mu) * inv_std                       # (N, D)
        out = x_hat * gamma + beta
        running_mean = momentum * running_mean + (1 - momentum) * mu[0]
        running_var = momentum * running_var + (1 - momentum) * var[0]
        cache = _NormCache(x_hat=x_hat, centered=x - mu, var=var, eps=eps, inv_std=inv_std, gamma=gamma, axis=0)
    else:
        # TODO: normalize x with the running averages, then scale and shift.
        scale = gamma / np.sqrt(running_var + eps)       # (D,): gamma folded into the inverse std
        out = (x - running_mean) * scale + beta

    bn_param["running_mean"] = running_mean.astype(x.dtype, copy=False)
    bn_param["running_var"] = running_var.astype(x.dtype, copy=False)
    return out, cache


def _check_norm_cache(dout, cache, function_name):
    """Raise ValueError unless ``cache`` came from a training-mode forward pass and ``dout`` is (N, D).

    (What the cache holds is the forward pass's choice, so it is not inspected further.)
    """
    if cache is None:
        raise ValueError(f"cache is None (a test-mode forward pass keeps nothing); run the forward "
                         f"pass with mode 'train' before {function_name}.")
    _check_float_array(dout, "dout", ndim=2)


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
    _check_norm_cache(dout, cache, "batchnorm_backward")
    dx, dgamma, dbeta = None, None, None
    # TODO: backpropagate through each step of the forward pass in reverse order.
    # Style B: the graph walked back node by node as in Ioffe and Szegedy (2015): x_hat, then the variance
    # node, then the mean node (which gets a gradient both directly and through the variance), then x, where
    # the three paths (through x_hat, through the variance, through the mean) add.
    c = cache
    n = dout.shape[0]
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * c.x_hat, axis=0)
    dx_hat = dout * c.gamma                                              # (N, D)
    dvar = np.sum(dx_hat * c.centered, axis=0, keepdims=True) * -0.5 * (c.var + c.eps) ** -1.5  # (1, D)
    dmu = (np.sum(-dx_hat * c.inv_std, axis=0, keepdims=True)
           + dvar * np.mean(-2 * c.centered, axis=0, keepdims=True))    # (1, D)
    dx = dx_hat * c.inv_std + dvar * 2 * c.centered / n + dmu / n        # (N, D)
    return dx, dgamma, dbeta


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
    _check_norm_cache(dout, cache, "batchnorm_backward_alt")
    dx, dgamma, dbeta = None, None, None
    # TODO: compute dgamma, dbeta and dx with the closed form above (no intermediate gates).
    # Style B: the closed form with means instead of sums (the 1/N moved inside).
    dx, dgamma, dbeta = _closed_form_backward(dout, cache)
    return dx, dgamma, dbeta


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
    _norm_inputs(x, gamma, beta)
    if not isinstance(ln_param, dict):
        raise ValueError(f"ln_param must be a dict, got an object of type {type(ln_param).__name__}; "
                         f"pass {{}} or {{'eps': 1e-5}}.")
    eps = _check_eps(ln_param, "ln_param", 1e-5)
    out, cache = None, None
    # TODO: normalize each row of x with its own mean and variance, then scale and shift
    # per feature; keep in cache what layernorm_backward needs.
    # Style B: written directly with per-row statistics (axis 1), no transposition.
    mu = x.mean(axis=1, keepdims=True)               # (N, 1)
    centered = x - mu                                # (N, D)
    var = np.mean(centered * centered, axis=1, keepdims=True)   # (N, 1)
    inv_std = 1 / np.sqrt(var + eps)                 # (N, 1)
    x_hat = centered * inv_std                       # (N, D)
    out = x_hat * gamma + beta
    cache = _NormCache(x_hat=x_hat, centered=centered, var=var, eps=eps, inv_std=inv_std, gamma=gamma, axis=1)
    return out, cache


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
    _check_norm_cache(dout, cache, "layernorm_backward")
    dx, dgamma, dbeta = None, None, None
    # TODO: dgamma and dbeta sum over the examples; dx is the batch-norm closed form
    # with the sums taken over the features of each row.
    dx, dgamma, dbeta = _closed_form_backward(dout, cache)
    return dx, dgamma, dbeta


# ------------------------------------------------------------ losses on scores


def svm_loss(x, y):
    """Multiclass SVM (hinge) loss on class scores, and its gradient.

    ``L = mean_i sum_{j != y_i} max(0, x_ij - x_{i, y_i} + 1)``: your
    :func:`cs231n_lib.linear_svm.svm_loss_on_scores` (as CS231n's assignment 2
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
    _check_scores(x, y)
    return svm_loss_on_scores(x, y)


def softmax_loss(x, y):
    """Softmax (cross-entropy) loss on class scores, and its gradient.

    ``L = mean_i (log sum_j exp(x_ij) - x_{i, y_i})``, computed after shifting
    each row by its maximum so that no ``exp`` overflows: your
    :func:`cs231n_lib.softmax.softmax_loss_on_scores`, with its inputs checked.

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
    _check_scores(x, y)
    return softmax_loss_on_scores(x, y)
