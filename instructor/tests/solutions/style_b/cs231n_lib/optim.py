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

Look a rule up by name with ``get_update_rule('adam')`` (or ``getattr(optim, 'adam')``).
"""

import math
import numbers

import numpy as np

from .course._checks import checked_update

# Hyperparameters every rule may receive and the interval each must lie in:
# key -> (low, high, low_inclusive). Checked in one place, `_prepare`.
_HYPERPARAMETER_RANGES = {
    "learning_rate": (0.0, math.inf, False),
    "momentum": (0.0, 1.0, True),
    "decay_rate": (0.0, 1.0, True),
    "beta1": (0.0, 1.0, True),
    "beta2": (0.0, 1.0, True),
    "epsilon": (0.0, math.inf, False),
    "weight_decay": (0.0, math.inf, True),
}

_ADAM_DEFAULTS = {"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8}


def _check_hyperparameter(key, value):
    """Raise ValueError unless ``config[key]`` is a finite real number in its allowed interval."""
    low, high, low_inclusive = _HYPERPARAMETER_RANGES[key]
    is_number = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if not is_number or not math.isfinite(value):
        raise ValueError(f"config['{key}'] must be a finite number, got {value!r}; pass a float.")
    above_low = value >= low if low_inclusive else value > low
    if not (above_low and value < high):
        bracket = "[" if low_inclusive else "("
        raise ValueError(
            f"config['{key}'] must lie in {bracket}{low}, {high}), got {value!r}; "
            f"choose a value in that interval."
        )


def _prepare(w, dw, config, defaults, state_keys=()):
    """Validate the inputs of an update rule, fill defaults and zero state.

    Parameters
    ----------
    w : ndarray of any shape S
        Current parameters.
    dw : ndarray of shape S
        Gradient of the loss with respect to ``w``.
    config : dict or None
        Hyperparameters and state; ``None`` starts a new dict.
    defaults : dict
        Hyperparameter name -> default value, applied with ``config.setdefault``.
    state_keys : tuple of str
        Names of state arrays of shape S, created as zeros when missing.

    Returns
    -------
    w : ndarray of shape S
    dw : ndarray of shape S
    config : dict
        The same dict object as passed in (or a new one if ``None``).
    """
    if config is None:
        config = {}
    if not isinstance(config, dict):
        raise ValueError(
            f"config must be a dict or None, got {type(config).__name__}; pass a dict of hyperparameters."
        )
    w = np.asarray(w)
    dw = np.asarray(dw)
    if w.shape != dw.shape:
        raise ValueError(
            f"dw must have the shape of w {w.shape}, got {dw.shape}; pass the gradient of the loss with respect to w."
        )
    for key, value in defaults.items():
        config.setdefault(key, value)
        _check_hyperparameter(key, config[key])
    # State starts at zeros of w's floating dtype, so float32 weights stay float32.
    state_dtype = w.dtype if np.issubdtype(w.dtype, np.floating) else np.float64
    for key in state_keys:
        state = config.setdefault(key, np.zeros(w.shape, dtype=state_dtype))
        state_shape = np.shape(state)
        if state_shape != w.shape:
            raise ValueError(
                f"config['{key}'] has shape {state_shape} but w has shape {w.shape}; "
                f"delete the stale state from config or pass a fresh config."
            )
    return w, dw, config


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
    w, dw, config = _prepare(w, dw, config, {"learning_rate": 1e-2})
    # TODO: take one step of size learning_rate against the gradient.
    next_w = w - config["learning_rate"] * dw
    if w.dtype.kind == "f":
        next_w = next_w.astype(w.dtype)
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
    w, dw, config = _prepare(
        w, dw, config, {"learning_rate": 1e-2, "momentum": 0.9}, state_keys=("velocity",)
    )
    # TODO: update the velocity, then move w by the velocity; store the velocity in config.
    mu, lr = config["momentum"], config["learning_rate"]
    new_velocity = mu * config["velocity"] - lr * dw
    next_w = w + new_velocity
    if w.dtype.kind == "f":
        new_velocity, next_w = new_velocity.astype(w.dtype), next_w.astype(w.dtype)
    config.update({"velocity": new_velocity})
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
    w, dw, config = _prepare(
        w, dw, config, {"learning_rate": 1e-2, "momentum": 0.9}, state_keys=("velocity",)
    )
    # TODO: keep the old velocity, update the velocity as in momentum, then take the look-ahead step.
    mu, lr = config["momentum"], config["learning_rate"]
    old_velocity = config["velocity"]
    new_velocity = mu * old_velocity - lr * dw
    next_w = w + (-mu * old_velocity + (1.0 + mu) * new_velocity)
    if w.dtype.kind == "f":
        new_velocity, next_w = new_velocity.astype(w.dtype), next_w.astype(w.dtype)
    config.update({"velocity": new_velocity})
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
    w, dw, config = _prepare(
        w, dw, config, {"learning_rate": 1e-2, "epsilon": 1e-7}, state_keys=("cache",)
    )
    # TODO: add the squared gradient to the cache, then take a per-coordinate scaled step.
    new_cache = config["cache"] + np.square(dw)
    next_w = w - config["learning_rate"] * dw / (np.sqrt(new_cache) + config["epsilon"])
    if w.dtype.kind == "f":
        new_cache, next_w = new_cache.astype(w.dtype), next_w.astype(w.dtype)
    config.update({"cache": new_cache})
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
    w, dw, config = _prepare(
        w,
        dw,
        config,
        {"learning_rate": 1e-2, "decay_rate": 0.99, "epsilon": 1e-8},
        state_keys=("cache",),
    )
    # TODO: update the moving average of squared gradients, then take a per-coordinate scaled step.
    rho = config["decay_rate"]
    new_cache = rho * config["cache"] + (1.0 - rho) * np.square(dw)
    next_w = w - config["learning_rate"] * dw / (np.sqrt(new_cache) + config["epsilon"])
    if w.dtype.kind == "f":
        new_cache, next_w = new_cache.astype(w.dtype), next_w.astype(w.dtype)
    config.update({"cache": new_cache})
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
    w, dw, config = _prepare(w, dw, config, _ADAM_DEFAULTS, state_keys=("m", "v"))
    config.setdefault("t", 0)
    # TODO: increment t, update both moments, bias-correct them and take the step.
    step = config["t"] + 1
    b1, b2 = config["beta1"], config["beta2"]
    first = b1 * config["m"] + (1.0 - b1) * dw
    second = b2 * config["v"] + (1.0 - b2) * np.square(dw)
    first_hat = first / (1.0 - b1 ** step)
    second_hat = second / (1.0 - b2 ** step)
    next_w = w - config["learning_rate"] * first_hat / (np.sqrt(second_hat) + config["epsilon"])
    if w.dtype.kind == "f":
        first, second, next_w = first.astype(w.dtype), second.astype(w.dtype), next_w.astype(w.dtype)
    config.update({"m": first, "v": second, "t": step})
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
    w, dw, config = _prepare(w, dw, config, {**_ADAM_DEFAULTS, "weight_decay": 1e-2})
    # TODO: take an Adam step, then shrink by learning_rate * weight_decay times the old w.
    # Only the returned (w, config) of adam is used: correct whether adam mutates the dict or copies it.
    adam_next, adam_config = adam(w, dw, config)
    if adam_config is not config:
        config.update(adam_config)
    next_w = adam_next - config["learning_rate"] * config["weight_decay"] * w
    if w.dtype.kind == "f":
        next_w = next_w.astype(w.dtype)
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
    """
    if callable(name_or_callable):
        return checked_update(name_or_callable)
    if isinstance(name_or_callable, str) and name_or_callable in UPDATE_RULES:
        return checked_update(UPDATE_RULES[name_or_callable])
    raise ValueError(
        f"update_rule must be one of {sorted(UPDATE_RULES)} or a callable, "
        f"got {name_or_callable!r}; pick a known name."
    )
