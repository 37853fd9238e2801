"""Weight initialization, and the lecture's experiment of activations through a deep network.

Letters: N examples, D_in inputs of a layer (its fan-in), D_out outputs.

The lecture's rules, each ``W = randn(D_in, D_out) * std``:

* a fixed scale:  ``std = weight_scale`` (``0.01`` is "small random numbers");
* Xavier:         ``std = 1 / sqrt(D_in)``  (keeps the variance of tanh-like
  activations constant from layer to layer: Glorot and Bengio, 2010, in the
  simplified form of the CS231n lecture);
* He (Kaiming):   ``std = sqrt(2 / D_in)``  (the factor 2 makes up for ReLU
  zeroing half of its inputs: He et al., 2015).

:func:`activation_statistics` runs a batch through a stack of layers with
one of these rules and one activation, and returns every layer's activations,
for the histograms and dead-unit counts of the notebook.
"""

import numbers

import numpy as np

from .. import layers
from ._checks import check_float_array

# Name -> (forward, backward) of the activations the lecture compares.
ACTIVATIONS = {
    "sigmoid": (layers.sigmoid_forward, layers.sigmoid_backward),
    "tanh": (layers.tanh_forward, layers.tanh_backward),
    "relu": (layers.relu_forward, layers.relu_backward),
    "leaky_relu": (layers.leaky_relu_forward, layers.leaky_relu_backward),
    "elu": (layers.elu_forward, layers.elu_backward),
}

INIT_METHODS = ("xavier", "he")


def get_activation(name):
    """Look up ``(forward, backward)`` of an activation by name.

    Parameters
    ----------
    name : {'sigmoid', 'tanh', 'relu', 'leaky_relu', 'elu'}

    Returns
    -------
    forward, backward : callables with the contract of :mod:`cs231n_lib.layers`
    """
    if not isinstance(name, str) or name not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {', '.join(map(repr, ACTIVATIONS))}, "
                         f"got {name!r}; pick one of those names.")
    return ACTIVATIONS[name]


def init_std(fan_in, weight_scale):
    """Standard deviation of the initial weights of a layer with ``fan_in`` inputs.

    Parameters
    ----------
    fan_in : int
        D_in, the number of inputs of the layer (>= 1).
    weight_scale : float or {'xavier', 'he'}
        A positive number is the standard deviation itself; 'xavier' is
        ``1 / sqrt(fan_in)`` and 'he' is ``sqrt(2 / fan_in)``.

    Returns
    -------
    std : float
    """
    if isinstance(fan_in, bool) or not isinstance(fan_in, numbers.Integral) or fan_in < 1:
        raise ValueError(f"fan_in must be a positive integer, got {fan_in!r}; "
                         f"pass the number of inputs of the layer.")
    if isinstance(weight_scale, str):
        if weight_scale == "xavier":
            return float(1 / np.sqrt(fan_in))
        if weight_scale == "he":
            return float(np.sqrt(2 / fan_in))
    elif (isinstance(weight_scale, numbers.Real) and not isinstance(weight_scale, bool)
          and np.isfinite(weight_scale) and weight_scale >= 0):
        return float(weight_scale)
    raise ValueError(f"weight_scale must be a number >= 0, 'xavier' or 'he', got {weight_scale!r}; "
                     f"pass e.g. 1e-2 or 'he'.")


def init_weights(fan_in, fan_out, weight_scale, rng=None, dtype=np.float64):
    """Draw a weight matrix ``randn(fan_in, fan_out) * init_std(fan_in, weight_scale)``.

    Parameters
    ----------
    fan_in, fan_out : int
        D_in and D_out.
    weight_scale : float or {'xavier', 'he'}
        See :func:`init_std`.
    rng : numpy Generator, module ``np.random`` or None
        Where the normal numbers come from; None is numpy's global generator
        (so ``np.random.seed`` makes it reproducible, as in CS231n).
    dtype : floating dtype

    Returns
    -------
    W : ndarray of shape (fan_in, fan_out)
    """
    std = init_std(fan_in, weight_scale)
    if isinstance(fan_out, bool) or not isinstance(fan_out, numbers.Integral) or fan_out < 1:
        raise ValueError(f"fan_out must be a positive integer, got {fan_out!r}; "
                         f"pass the number of outputs of the layer.")
    rng = np.random if rng is None else rng
    W = rng.standard_normal((fan_in, fan_out)) * std  # (D_in, D_out)
    return W.astype(dtype, copy=False)


def activation_statistics(X, hidden_dims, activation="tanh", weight_scale=1e-2, seed=0):
    """Forward a batch through a stack of affine + activation layers (biases 0) and keep every layer's output.

    The lecture's experiment: with ``weight_scale=0.01`` and tanh the
    activations shrink towards 0 layer by layer, with 1.0 they saturate at
    +-1, and with 'xavier' (tanh) or 'he' (ReLU) they keep their spread.

    Parameters
    ----------
    X : ndarray of shape (N, D)
        Inputs (for the lecture's picture: unit Gaussian).
    hidden_dims : sequence of int
        Width of each layer, e.g. ``[500] * 10``.
    activation : {'sigmoid', 'tanh', 'relu', 'leaky_relu', 'elu'}
    weight_scale : float or {'xavier', 'he'}
        See :func:`init_std`.
    seed : int
        Seed of the weights.

    Returns
    -------
    activations : list of ndarray
        ``activations[l]`` has shape (N, hidden_dims[l]), the output of layer l + 1.
    """
    check_float_array(X, "X", ndim=2)
    if len(hidden_dims) == 0:
        raise ValueError("hidden_dims must name at least one layer, got []; pass e.g. [500] * 10.")
    forward, _ = get_activation(activation)
    rng = np.random.default_rng(seed)
    h = X
    activations = []
    for width in hidden_dims:
        W = init_weights(h.shape[1], width, weight_scale, rng=rng, dtype=X.dtype)  # (D_in, width)
        h, _ = forward(h @ W)  # (N, D_in) @ (D_in, width) -> (N, width)
        activations.append(h)
    return activations


def dead_unit_fraction(activations):
    """Fraction of the units of a layer that output exactly 0 for every example (dead ReLUs).

    Parameters
    ----------
    activations : ndarray of shape (N, M)
        A layer's outputs on a batch of N examples.

    Returns
    -------
    fraction : float
        In [0, 1]: the number of columns that are all 0, divided by M.
    """
    check_float_array(activations, "activations", ndim=2)
    dead = np.all(activations == 0, axis=0)  # (M,)
    return float(dead.mean())
