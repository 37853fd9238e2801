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
    ### BEGIN SOLUTION
    x_rows = x.reshape(x.shape[0], num_features)  # (N, d_1, ..., d_k) -> (N, D)
    out = x_rows @ w + b                            # (N, D) @ (D, M) + (M,) -> (N, M)
    ### END SOLUTION
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
    ### BEGIN SOLUTION
    x_rows = x.reshape(x.shape[0], -1)  # (N, D)
    if compute_dx:
        dx = (dout @ w.T).reshape(x.shape)  # (N, M) @ (M, D) -> (N, D) -> (N, d_1, ..., d_k)
    dw = x_rows.T @ dout                # (D, N) @ (N, M) -> (D, M)
    db = dout.sum(axis=0)               # (M,)
    ### END SOLUTION
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
    ### BEGIN SOLUTION
    out = np.maximum(x, 0)
    ### END SOLUTION
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
    ### BEGIN SOLUTION
    dx = dout * (x > 0)
    ### END SOLUTION
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
    ### BEGIN SOLUTION
    if mode == "train":
        dx = dout * mask
    else:
        dx = dout
    ### END SOLUTION
    return dx


# ------------------------------------------------------------ normalization


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
        # TODO: normalize x with the running averages, then scale and shift.
        ### BEGIN SOLUTION
        x_hat = (x - running_mean) / np.sqrt(running_var + eps)  # (N, D) - (D,), / (D,)
        out = gamma * x_hat + beta                                # (N, D)
        ### END SOLUTION

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
    ### BEGIN SOLUTION
    x_hat, _, inv_std, gamma = cache
    num_examples = dout.shape[0]
    dbeta = dout.sum(axis=0)                   # (D,)
    dgamma = np.sum(dout * x_hat, axis=0)      # (D,)
    dx = (gamma * inv_std / num_examples) * (num_examples * dout - dbeta - x_hat * dgamma)  # (D,) * (N, D)
    ### END SOLUTION
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
