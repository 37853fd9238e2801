"""Regularization penalties (value and gradient) and the max-norm constraint.

Letters: D features (3073 with the bias column), C classes, ``W`` of shape (D, C).

This module is the one place the course's convention lives:

    L2 penalty  R(W) = reg * sum(W * W),   gradient  2 * reg * W

(no factor 1/2, as in CS231n). The losses call :func:`l2_penalty`.

Every penalty has the signature ``penalty(W, reg) -> (value, dW)`` and
regularizes all of ``W``, bias row included (the CS231n standard: with the bias
folded into ``W`` as its last row, leaving it out would need a special case
and changes results very little).

Max-norm is not a penalty but a constraint: after each update, every class
column ``W[:, j]`` whose Euclidean norm exceeds ``c`` is scaled back to norm ``c``
(:func:`max_norm_project`).
"""

import numpy as np

from .course._checks import checks_max_norm_inputs, checks_penalty_inputs

# Mixing used by 'elastic_net' when looked up by name.
DEFAULT_L1_RATIO = 0.5


@checks_penalty_inputs
def l2_penalty(W, reg):
    """L2 penalty ``reg * sum(W**2)`` and its gradient ``2 * reg * W``.

    Parameters
    ----------
    W : ndarray of shape (D, C)
        Weights.
    reg : float
        Regularization strength, >= 0.

    Returns
    -------
    value : float scalar of W's dtype
    dW : ndarray of shape (D, C), W's dtype
    """
    # Given, not a student exercise: every loss calls it from the first notebook on.
    value = reg * np.sum(W * W)
    dW = (2 * reg) * W  # (D, C)
    return value, dW


@checks_penalty_inputs
def l1_penalty(W, reg):
    """L1 penalty ``reg * sum(|W|)`` and a subgradient ``reg * sign(W)``.

    ``|w|`` has no derivative at ``w = 0``; the subgradient used there is 0
    (``np.sign(0) == 0``), which lies in the subdifferential [-reg, reg] and
    leaves exact zeros in place.

    Parameters
    ----------
    W : ndarray of shape (D, C)
        Weights.
    reg : float
        Regularization strength, >= 0.

    Returns
    -------
    value : float scalar of W's dtype
    dW : ndarray of shape (D, C), W's dtype
    """
    value = 0.0
    dW = np.zeros_like(W)
    # TODO: compute the L1 penalty value reg * sum(|W|) and its subgradient (0 where W == 0).
    value = (reg * np.abs(W).sum()).astype(W.dtype)
    dW = (reg * np.sign(W)).astype(W.dtype)       # (D, C), sign(0) = 0
    return value, dW


@checks_penalty_inputs
def elastic_net_penalty(W, reg, l1_ratio=DEFAULT_L1_RATIO):
    """Elastic net: a mix of L1 and L2 with one strength.

    ``value = reg * (l1_ratio * sum(|W|) + (1 - l1_ratio) * sum(W**2))``,
    so ``l1_ratio = 1`` is :func:`l1_penalty` and ``l1_ratio = 0`` is
    :func:`l2_penalty`. The gradient is the same mix of the two gradients
    (subgradient 0 where ``W == 0``, as for L1).

    Parameters
    ----------
    W : ndarray of shape (D, C)
        Weights.
    reg : float
        Regularization strength, >= 0.
    l1_ratio : float
        Weight of the L1 part, in [0, 1].

    Returns
    -------
    value : float scalar of W's dtype
    dW : ndarray of shape (D, C), W's dtype
    """
    value = 0.0
    dW = np.zeros_like(W)
    # TODO: the elastic net's value and its gradient dW (D, C), from l1_penalty and l2_penalty.
    l1_value, l1_grad = l1_penalty(W, reg * l1_ratio)
    l2_value, l2_grad = l2_penalty(W, reg * (1.0 - l1_ratio))
    value = (l1_value + l2_value).astype(W.dtype)
    dW = (l1_grad + l2_grad).astype(W.dtype)      # (D, C)
    return value, dW


@checks_penalty_inputs
def no_penalty(W, reg):
    """No regularization: value 0 and a zero gradient, whatever ``reg``.

    Parameters
    ----------
    W : ndarray of shape (D, C)
    reg : float
        Ignored apart from validation.

    Returns
    -------
    value : float scalar of W's dtype (zero)
    dW : ndarray of shape (D, C), zeros
    """
    return W.dtype.type(0.0), np.zeros_like(W)


@checks_max_norm_inputs
def max_norm_project(W, max_norm):
    """Scale every class column of ``W`` whose L2 norm exceeds ``max_norm`` back to ``max_norm``.

    This is the max-norm constraint ``||W[:, j]||_2 <= c``, applied after an
    update (projected gradient descent); columns already inside the ball are
    unchanged.

    Parameters
    ----------
    W : ndarray of shape (D, C)
        Weights; not modified.
    max_norm : float
        The bound ``c`` > 0.

    Returns
    -------
    W_projected : ndarray of shape (D, C), W's dtype
    """
    W_projected = W.copy()
    # TODO: rescale the columns of W_projected whose norm exceeds max_norm to norm max_norm. A column of
    # zeros must stay zeros without a division-by-zero warning (the tests turn warnings into errors).
    norms = np.linalg.norm(W_projected, axis=0)   # (C,)
    too_long = norms > max_norm                    # (C,) boolean
    W_projected[:, too_long] *= (max_norm / norms[too_long]).astype(W.dtype)  # (D, k) * (k,)
    return W_projected


_PENALTIES = {
    "l2": l2_penalty,
    "l1": l1_penalty,
    "elastic_net": elastic_net_penalty,
    None: no_penalty,
}


def get_regularizer(name):
    """Look up a penalty ``penalty(W, reg) -> (value, dW)`` by name.

    Parameters
    ----------
    name : {'l2', 'l1', 'elastic_net', None} or callable
        None means no regularization; 'elastic_net' uses ``l1_ratio = 0.5``
        (pass ``functools.partial(elastic_net_penalty, l1_ratio=...)`` for another mix).
        A callable is returned unchanged.

    Returns
    -------
    penalty : callable
    """
    if callable(name):
        return name
    if isinstance(name, str) or name is None:
        if name in _PENALTIES:
            return _PENALTIES[name]
    choices = ", ".join(repr(k) for k in _PENALTIES)
    raise ValueError(f"regularizer must be one of {choices} or a callable, got {name!r}; "
                     f"pick one of those names.")
