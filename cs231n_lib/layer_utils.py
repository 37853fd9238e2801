"""Sandwich layers: common chains of layers from :mod:`cs231n_lib.layers` as one forward and one backward.

Letters: N examples, D input features, M output features.

A sandwich's forward returns ``(out, cache)`` with the caches of its parts,
and its backward walks them in reverse order, as in CS231n's ``layer_utils``.
Given code, not a student exercise: it only chains the layers.
"""

from .layers import (affine_backward, affine_forward, batchnorm_backward_alt, batchnorm_forward,
                     layernorm_backward, layernorm_forward, relu_backward, relu_forward)


def affine_relu_forward(x, w, b):
    """Affine layer followed by a ReLU.

    Parameters
    ----------
    x : ndarray of shape (N, d_1, ..., d_k)
        D = d_1 * ... * d_k features per example.
    w : ndarray of shape (D, M)
    b : ndarray of shape (M,)

    Returns
    -------
    out : ndarray of shape (N, M)
    cache : tuple
        ``(affine cache, relu cache)``.
    """
    a, fc_cache = affine_forward(x, w, b)
    out, relu_cache = relu_forward(a)
    return out, (fc_cache, relu_cache)


def affine_relu_backward(dout, cache):
    """Backward pass of :func:`affine_relu_forward`.

    Parameters
    ----------
    dout : ndarray of shape (N, M)
    cache : tuple
        From :func:`affine_relu_forward`.

    Returns
    -------
    dx : ndarray of shape (N, d_1, ..., d_k)
    dw : ndarray of shape (D, M)
    db : ndarray of shape (M,)
    """
    fc_cache, relu_cache = cache
    da = relu_backward(dout, relu_cache)
    return affine_backward(da, fc_cache)


def affine_bn_relu_forward(x, w, b, gamma, beta, bn_param):
    """Affine layer, batch normalization, ReLU.

    Parameters
    ----------
    x : ndarray of shape (N, d_1, ..., d_k)
    w : ndarray of shape (D, M)
    b : ndarray of shape (M,)
    gamma, beta : ndarray of shape (M,)
        Scale and shift of the batch normalization.
    bn_param : dict
        As for :func:`cs231n_lib.layers.batchnorm_forward` (updated in place).

    Returns
    -------
    out : ndarray of shape (N, M)
    cache : tuple
        ``(affine cache, batchnorm cache, relu cache)``.
    """
    a, fc_cache = affine_forward(x, w, b)
    a_norm, bn_cache = batchnorm_forward(a, gamma, beta, bn_param)
    out, relu_cache = relu_forward(a_norm)
    return out, (fc_cache, bn_cache, relu_cache)


def affine_bn_relu_backward(dout, cache):
    """Backward pass of :func:`affine_bn_relu_forward` (the closed-form batch-norm gradient).

    Parameters
    ----------
    dout : ndarray of shape (N, M)
    cache : tuple
        From :func:`affine_bn_relu_forward` in training mode.

    Returns
    -------
    dx : ndarray of shape (N, d_1, ..., d_k)
    dw : ndarray of shape (D, M)
    db : ndarray of shape (M,)
    dgamma : ndarray of shape (M,)
    dbeta : ndarray of shape (M,)
    """
    fc_cache, bn_cache, relu_cache = cache
    da_norm = relu_backward(dout, relu_cache)
    da, dgamma, dbeta = batchnorm_backward_alt(da_norm, bn_cache)
    dx, dw, db = affine_backward(da, fc_cache)
    return dx, dw, db, dgamma, dbeta


def affine_ln_relu_forward(x, w, b, gamma, beta, ln_param):
    """Affine layer, layer normalization, ReLU.

    Parameters
    ----------
    x : ndarray of shape (N, d_1, ..., d_k)
    w : ndarray of shape (D, M)
    b : ndarray of shape (M,)
    gamma, beta : ndarray of shape (M,)
        Scale and shift of the layer normalization.
    ln_param : dict
        As for :func:`cs231n_lib.layers.layernorm_forward`.

    Returns
    -------
    out : ndarray of shape (N, M)
    cache : tuple
        ``(affine cache, layernorm cache, relu cache)``.
    """
    a, fc_cache = affine_forward(x, w, b)
    a_norm, ln_cache = layernorm_forward(a, gamma, beta, ln_param)
    out, relu_cache = relu_forward(a_norm)
    return out, (fc_cache, ln_cache, relu_cache)


def affine_ln_relu_backward(dout, cache):
    """Backward pass of :func:`affine_ln_relu_forward`.

    Parameters
    ----------
    dout : ndarray of shape (N, M)
    cache : tuple
        From :func:`affine_ln_relu_forward`.

    Returns
    -------
    dx : ndarray of shape (N, d_1, ..., d_k)
    dw : ndarray of shape (D, M)
    db : ndarray of shape (M,)
    dgamma : ndarray of shape (M,)
    dbeta : ndarray of shape (M,)
    """
    fc_cache, ln_cache, relu_cache = cache
    da_norm = relu_backward(dout, relu_cache)
    da, dgamma, dbeta = layernorm_backward(da_norm, ln_cache)
    dx, dw, db = affine_backward(da, fc_cache)
    return dx, dw, db, dgamma, dbeta
