"""Learning-rate schedules: callables ``t -> multiplier`` of the base learning rate.

``t`` is the 0-based iteration; the learning rate used at iteration ``t`` is
``base_learning_rate * schedule(t)``. Every schedule here returns 1.0 at
``t = 0`` except :func:`linear_warmup`, which starts small on purpose.

Advice from the lecture, in the order to try things:

1. Start without decay (:func:`constant`), find a base learning rate for which
   the loss goes down quickly without blowing up.
2. Then add decay: when the loss plateaus, a smaller step settles further down
   the valley. Step decay (divide by 10 at fixed epochs) and cosine are the
   common choices; exponential and 1/t decay are smooth alternatives.
3. Decay matters most for SGD and SGD+momentum, whose step is the learning rate
   times the raw gradient; Adam and RMSProp already adapt their step per
   coordinate, so they are less sensitive to it (though they can still gain).
4. Linear warm-up (a few hundred to a few thousand iterations) avoids a
   large first step when the initial gradients are large or badly scaled.
"""

import math
import numbers

import numpy as np

from ._checks import check_positive_int


def _check_iteration(t):
    """Raise ValueError unless ``t`` is a non-negative integer."""
    if isinstance(t, bool) or not isinstance(t, numbers.Integral) or t < 0:
        raise ValueError(f"t must be a non-negative integer iteration, got {t!r}; pass 0, 1, 2, ...")


def _check_in_interval(name, value, low, high, low_open=False):
    """Raise ValueError unless ``value`` is a finite real in [low, high] (or (low, high] if low_open)."""
    is_number = isinstance(value, numbers.Real) and not isinstance(value, bool)
    ok = is_number and math.isfinite(value) and value <= high and (value > low if low_open else value >= low)
    if not ok:
        bracket = "(" if low_open else "["
        raise ValueError(f"{name} must lie in {bracket}{low}, {high}], got {value!r}; choose a value in that interval.")


def constant():
    """No decay: the multiplier is 1.0 at every iteration. Start here.

    Returns
    -------
    schedule : callable
        ``schedule(t) -> 1.0``.
    """

    def schedule(t):
        _check_iteration(t)
        return 1.0

    return schedule


def step_decay(step_size, gamma=0.1):
    """Multiply the learning rate by ``gamma`` every ``step_size`` iterations.

    ``schedule(t) = gamma ** (t // step_size)``. The classic recipe for
    SGD+momentum: divide by 10 (``gamma=0.1``) at a few fixed points, e.g.
    when the validation accuracy stops improving.

    Parameters
    ----------
    step_size : int
        Iterations between two drops, > 0.
    gamma : float
        Factor applied at each drop, in (0, 1].

    Returns
    -------
    schedule : callable
    """
    check_positive_int(step_size, "step_size", "a number of iterations")
    _check_in_interval("gamma", gamma, 0.0, 1.0, low_open=True)

    def schedule(t):
        _check_iteration(t)
        return gamma ** (t // step_size)

    return schedule


def exponential_decay(gamma):
    """Multiply the learning rate by ``gamma`` at every iteration.

    ``schedule(t) = gamma ** t``, the lecture's ``exp(-k t)`` with
    ``gamma = exp(-k)``. Pick ``gamma`` close to 1 (e.g. 0.999): the decay
    compounds quickly.

    Parameters
    ----------
    gamma : float
        Per-iteration factor, in (0, 1].

    Returns
    -------
    schedule : callable
    """
    _check_in_interval("gamma", gamma, 0.0, 1.0, low_open=True)

    def schedule(t):
        _check_iteration(t)
        return gamma**t

    return schedule


def inverse_time_decay(k):
    """1/t decay: ``schedule(t) = 1 / (1 + k * t)``.

    Decays fast at first and slowly later; the step sizes still sum to
    infinity, the classic condition for SGD to reach the minimum.

    Parameters
    ----------
    k : float
        Decay rate, >= 0 (0 gives a constant schedule).

    Returns
    -------
    schedule : callable
    """
    _check_in_interval("k", k, 0.0, math.inf)

    def schedule(t):
        _check_iteration(t)
        return 1.0 / (1.0 + k * t)

    return schedule


def inverse_sqrt_decay(k):
    """1/sqrt(t) decay: ``schedule(t) = 1 / sqrt(1 + k * t)``.

    Slower than 1/t decay: after ``t`` steps the multiplier is the square root
    of :func:`inverse_time_decay`'s. The lecture lists it next to linear and
    cosine decay (it is common for Transformers).

    Parameters
    ----------
    k : float
        Decay rate, >= 0 (0 gives a constant schedule).

    Returns
    -------
    schedule : callable
    """
    _check_in_interval("k", k, 0.0, math.inf)

    def schedule(t):
        _check_iteration(t)
        return 1.0 / math.sqrt(1.0 + k * t)

    return schedule


def linear_decay(total_steps, min_factor=0.0):
    """A straight line from 1 down to ``min_factor`` over ``total_steps`` iterations.

    ``schedule(t) = 1 - (1 - min_factor) * t / total_steps`` for
    ``t <= total_steps``, and ``min_factor`` after.

    Parameters
    ----------
    total_steps : int
        Iterations until the multiplier reaches ``min_factor``, > 0.
    min_factor : float
        Final multiplier, in [0, 1].

    Returns
    -------
    schedule : callable
    """
    check_positive_int(total_steps, "total_steps", "a number of iterations")
    _check_in_interval("min_factor", min_factor, 0.0, 1.0)

    def schedule(t):
        _check_iteration(t)
        return 1.0 - (1.0 - min_factor) * min(t, total_steps) / total_steps

    return schedule


def cosine(total_steps, min_factor=0.0):
    """Half a cosine from 1 down to ``min_factor`` over ``total_steps`` iterations.

    ``schedule(t) = min_factor + (1 - min_factor) * (1 + cos(pi * t / total_steps)) / 2``
    for ``t <= total_steps``, and ``min_factor`` after. It has a single
    parameter that matters (the length of training) and no drop points to tune.

    Parameters
    ----------
    total_steps : int
        Iterations until the multiplier reaches ``min_factor``, > 0.
    min_factor : float
        Final multiplier, in [0, 1].

    Returns
    -------
    schedule : callable
    """
    check_positive_int(total_steps, "total_steps", "a number of iterations")
    _check_in_interval("min_factor", min_factor, 0.0, 1.0)

    def schedule(t):
        _check_iteration(t)
        progress = min(t, total_steps) / total_steps
        return min_factor + (1.0 - min_factor) * 0.5 * (1.0 + math.cos(math.pi * progress))

    return schedule


def linear_warmup(warmup_steps, after=None):
    """Ramp the multiplier linearly up for ``warmup_steps`` iterations, then follow ``after``.

    ``schedule(t) = (t + 1) / warmup_steps * after(0)`` for ``t < warmup_steps``
    (so the first step is already non-zero and the ramp ends exactly at
    ``after(0)``), then ``after(t - warmup_steps)``: the clock of ``after``
    starts when the warm-up ends, so ``linear_warmup(100, cosine(900))`` is a
    1000-iteration schedule.

    Parameters
    ----------
    warmup_steps : int
        Length of the ramp, > 0.
    after : callable or None
        Schedule to follow after the ramp; ``None`` means :func:`constant`.

    Returns
    -------
    schedule : callable
    """
    check_positive_int(warmup_steps, "warmup_steps", "a number of iterations")
    if after is None:
        after = constant()
    if not callable(after):
        raise ValueError(f"after must be a schedule (a callable t -> multiplier) or None, got {after!r}.")

    def schedule(t):
        _check_iteration(t)
        if t < warmup_steps:
            return (t + 1) / warmup_steps * after(0)
        return after(t - warmup_steps)

    return schedule


def multipliers(schedule, num_steps):
    """Evaluate a schedule at iterations 0 .. num_steps-1, e.g. to plot it.

    Parameters
    ----------
    schedule : callable
        ``t -> multiplier``.
    num_steps : int
        Number of iterations, > 0.

    Returns
    -------
    values : ndarray of shape (num_steps,)
    """
    check_positive_int(num_steps, "num_steps", "a number of iterations")
    return np.array([schedule(t) for t in range(num_steps)], dtype=float)
