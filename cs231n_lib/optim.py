"""First-order update rules with one contract: ``update(w, dw, config=None) -> (next_w, config)``.

``w`` is any array of parameters (for a linear classifier, ``W`` of shape (D, C)),
``dw`` the gradient of the loss with respect to ``w``, of the same shape.

``config`` is a dict holding the hyperparameters and the state the rule carries
from one step to the next (velocity, caches, moments). Missing hyperparameters
are filled with ``config.setdefault``; missing state starts at zeros.

Two promises every rule keeps:

* the caller's ``w`` is never modified in place: ``next_w`` is a new array;
* the ``config`` dict passed in is updated in place and returned (the CS231n
  convention), so ``next_w, config = rule(w, dw, config)`` and keeping your own
  reference to the dict give the same state. Pass ``config=None`` to start fresh.
  State arrays inside it are replaced by new arrays, never written into.

The rules hold only their update; they do not check their inputs. Look a rule
up by name with ``get_update_rule('adam')``: it comes back wrapped in the
input checks (:func:`cs231n_lib.course._checks.checked_update`), and that is what
``LinearClassifier.train``, ``Solver`` and the search in ``tuning`` call.
"""

import numpy as np

from .course._checks import checked_update


def sgd(w, dw, config=None):
    """Vanilla stochastic gradient descent: ``w - learning_rate * dw``.

    Parameters
    ----------
    w : ndarray of any shape S
        Current parameters (not modified).
    dw : ndarray of shape S
        Gradient of the loss with respect to ``w``.
    config : dict or None
        ``learning_rate`` (default 1e-2).

    Returns
    -------
    next_w : ndarray of shape S
    config : dict
        The dict passed in, with defaults filled.
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)

    next_w = None
    # TODO: take one step of size learning_rate against the gradient; next_w has w's shape.
    ### BEGIN SOLUTION
    next_w = w - config["learning_rate"] * dw
    ### END SOLUTION
    return next_w, config


def sgd_momentum(w, dw, config=None):
    """SGD with momentum: a velocity that accumulates past gradients.

    ``v = momentum * v - learning_rate * dw``, then ``w + v``. With
    ``momentum = 0`` this is exactly :func:`sgd`.

    Parameters
    ----------
    w : ndarray of any shape S
        Current parameters (not modified).
    dw : ndarray of shape S
        Gradient of the loss with respect to ``w``.
    config : dict or None
        ``learning_rate`` (default 1e-2), ``momentum`` (default 0.9, in [0, 1)),
        state ``velocity`` of shape S (zeros at first).

    Returns
    -------
    next_w : ndarray of shape S
    config : dict
        The dict passed in, with ``velocity`` replaced by the new velocity.
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config.get("velocity", np.zeros_like(w))

    next_w = None
    # TODO: update the velocity v (shape S), then move w by it.
    ### BEGIN SOLUTION
    v = config["momentum"] * v - config["learning_rate"] * dw
    next_w = w + v
    ### END SOLUTION
    config["velocity"] = v
    return next_w, config


def nesterov_momentum(w, dw, config=None):
    """Nesterov momentum in the look-ahead form of the CS231n notes.

    The parameters stored are the look-ahead point, so the usual gradient can
    be used: ``v_prev = v``; ``v = mu * v - learning_rate * dw``;
    ``w + (-mu * v_prev + (1 + mu) * v)``.

    Parameters
    ----------
    w : ndarray of any shape S
        Current (look-ahead) parameters (not modified).
    dw : ndarray of shape S
        Gradient of the loss at ``w``.
    config : dict or None
        ``learning_rate`` (default 1e-2), ``momentum`` (default 0.9, in [0, 1)),
        state ``velocity`` of shape S (zeros at first).

    Returns
    -------
    next_w : ndarray of shape S
    config : dict
        The dict passed in, with ``velocity`` replaced by the new velocity.
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config.get("velocity", np.zeros_like(w))

    next_w = None
    # TODO: update the velocity v (shape S) as in momentum, then take the look-ahead step.
    ### BEGIN SOLUTION
    mu = config["momentum"]
    v_prev = v
    v = mu * v_prev - config["learning_rate"] * dw
    next_w = w - mu * v_prev + (1 + mu) * v
    ### END SOLUTION
    config["velocity"] = v
    return next_w, config


def adagrad(w, dw, config=None):
    """AdaGrad: divide each coordinate's step by the root of its summed squared gradients.

    ``cache += dw**2``; ``w - learning_rate * dw / (sqrt(cache) + epsilon)``.
    The cache only grows, so the effective step only shrinks.

    Parameters
    ----------
    w : ndarray of any shape S
        Current parameters (not modified).
    dw : ndarray of shape S
        Gradient of the loss with respect to ``w``.
    config : dict or None
        ``learning_rate`` (default 1e-2), ``epsilon`` (default 1e-7),
        state ``cache`` of shape S (zeros at first).

    Returns
    -------
    next_w : ndarray of shape S
    config : dict
        The dict passed in, with ``cache`` replaced by the new running sum.
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("epsilon", 1e-7)
    cache = config.get("cache", np.zeros_like(w))

    next_w = None
    # TODO: update the cache (shape S), then take a step scaled per coordinate.
    ### BEGIN SOLUTION
    cache = cache + dw * dw
    next_w = w - config["learning_rate"] * dw / (np.sqrt(cache) + config["epsilon"])
    ### END SOLUTION
    config["cache"] = cache
    return next_w, config


def rmsprop(w, dw, config=None):
    """RMSProp: AdaGrad with a leaky (moving-average) cache, so steps stop shrinking.

    ``cache = decay_rate * cache + (1 - decay_rate) * dw**2``;
    ``w - learning_rate * dw / (sqrt(cache) + epsilon)``.

    Parameters
    ----------
    w : ndarray of any shape S
        Current parameters (not modified).
    dw : ndarray of shape S
        Gradient of the loss with respect to ``w``.
    config : dict or None
        ``learning_rate`` (default 1e-2), ``decay_rate`` (default 0.99, in [0, 1)),
        ``epsilon`` (default 1e-8), state ``cache`` of shape S (zeros at first).

    Returns
    -------
    next_w : ndarray of shape S
    config : dict
        The dict passed in, with ``cache`` replaced by the new moving average.
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("decay_rate", 0.99)
    config.setdefault("epsilon", 1e-8)
    cache = config.get("cache", np.zeros_like(w))

    next_w = None
    # TODO: update the moving average in cache (shape S), then take a step scaled per coordinate.
    ### BEGIN SOLUTION
    decay = config["decay_rate"]
    cache = decay * cache + (1 - decay) * dw * dw
    next_w = w - config["learning_rate"] * dw / (np.sqrt(cache) + config["epsilon"])
    ### END SOLUTION
    config["cache"] = cache
    return next_w, config


def adam(w, dw, config=None):
    """Adam: momentum (first moment) plus RMSProp (second moment), both bias-corrected.

    ``t += 1``; ``m = beta1 * m + (1 - beta1) * dw``;
    ``v = beta2 * v + (1 - beta2) * dw**2``; ``m_hat = m / (1 - beta1**t)``;
    ``v_hat = v / (1 - beta2**t)``; ``w - learning_rate * m_hat / (sqrt(v_hat) + epsilon)``.
    Thanks to the bias correction the first step moves every coordinate by
    about ``learning_rate``, whatever the size of its gradient.

    Parameters
    ----------
    w : ndarray of any shape S
        Current parameters (not modified).
    dw : ndarray of shape S
        Gradient of the loss with respect to ``w``.
    config : dict or None
        ``learning_rate`` (default 1e-3), ``beta1`` (0.9), ``beta2`` (0.999),
        ``epsilon`` (1e-8); state ``m`` and ``v`` of shape S (zeros at first)
        and the step count ``t`` (0 at first, incremented before it is used).

    Returns
    -------
    next_w : ndarray of shape S
    config : dict
        The dict passed in, with ``m``, ``v`` and ``t`` updated.
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-3)
    config.setdefault("beta1", 0.9)
    config.setdefault("beta2", 0.999)
    config.setdefault("epsilon", 1e-8)
    m = config.get("m", np.zeros_like(w))
    v = config.get("v", np.zeros_like(w))
    t = config.get("t", 0)

    next_w = None
    # TODO: count this step in t, update both moments m and v (shape S), bias-correct them and
    # take the step.
    ### BEGIN SOLUTION
    beta1, beta2 = config["beta1"], config["beta2"]
    t = t + 1
    m = beta1 * m + (1 - beta1) * dw
    v = beta2 * v + (1 - beta2) * dw * dw
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    next_w = w - config["learning_rate"] * m_hat / (np.sqrt(v_hat) + config["epsilon"])
    ### END SOLUTION
    config["t"], config["m"], config["v"] = t, m, v
    return next_w, config


def adamw(w, dw, config=None):
    """AdamW: Adam plus weight decay applied directly to ``w``, outside the moments.

    ``next_w = adam_step(w) - learning_rate * weight_decay * w``. Adding
    ``reg * ||w||^2`` to the loss instead ("L2 regularization") puts the decay
    into ``dw``, where Adam rescales it per coordinate; decoupling keeps the
    decay the same for every coordinate. With ``weight_decay = 0`` this is Adam.

    Parameters
    ----------
    w : ndarray of any shape S
        Current parameters (not modified).
    dw : ndarray of shape S
        Gradient of the data loss (without any L2 term) with respect to ``w``.
    config : dict or None
        The keys of :func:`adam` plus ``weight_decay`` (default 1e-2, >= 0).

    Returns
    -------
    next_w : ndarray of shape S
    config : dict
        The dict passed in, with Adam's state updated.
    """
    if config is None:
        config = {}
    config.setdefault("weight_decay", 1e-2)

    next_w = None
    # TODO: take an Adam step, then apply the decay to it (the decay uses the old w).
    ### BEGIN SOLUTION
    adam_w, config = adam(w, dw, config)
    next_w = adam_w - config["learning_rate"] * config["weight_decay"] * w
    ### END SOLUTION
    return next_w, config


UPDATE_RULES = {
    rule.__name__: rule
    for rule in (sgd, sgd_momentum, nesterov_momentum, adagrad, rmsprop, adam, adamw)
}


def get_update_rule(name_or_callable):
    """Return the update rule called ``name_or_callable``, or the callable itself.

    Parameters
    ----------
    name_or_callable : str or callable
        One of ``sorted(UPDATE_RULES)`` or a function with the contract
        ``rule(w, dw, config) -> (next_w, config)``.

    Returns
    -------
    rule : callable
        The rule with its inputs checked on every call (``rule.__wrapped__`` is the bare rule).
    """
    if callable(name_or_callable):
        return checked_update(name_or_callable)
    if isinstance(name_or_callable, str) and name_or_callable in UPDATE_RULES:
        return checked_update(UPDATE_RULES[name_or_callable])
    raise ValueError(
        f"update_rule must be one of {sorted(UPDATE_RULES)} or a callable, "
        f"got {name_or_callable!r}; pick a known name."
    )
