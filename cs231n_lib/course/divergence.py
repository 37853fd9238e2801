"""When a training run has diverged, and what it says then: one policy for every trainer.

:meth:`cs231n_lib.classifiers.linear_classifier.LinearClassifier.train`, the stacked search
of :mod:`cs231n_lib.course.tuning` and :class:`cs231n_lib.solver.Solver` all decide
with :func:`loss_diverged`: a loss that is NaN or inf, or (with a factor) above
``factor`` times the first loss. The linear classifiers use the lecture's rule
of thumb, ``DIVERGENCE_FACTOR`` = 3; a network's Solver uses no factor unless
asked (``divergence_factor``), because a network's first minibatch losses
legitimately jump while the learning rate is being babysat.
"""

import warnings

import numpy as np

# The lecture's rule of thumb: a loss above this multiple of the first one means divergence.
DIVERGENCE_FACTOR = 3.0
ON_DIVERGENCE = ("warn", "raise")


class TrainingDivergedError(RuntimeError):
    """Training stopped because the loss became NaN/inf or exceeded 3x its first value.

    Raised by :meth:`LinearClassifier.train` with ``on_divergence='raise'``
    (the default only warns, with :class:`TrainingDivergedWarning`).

    Attributes
    ----------
    loss_history : list of float
        The losses up to and including the one that diverged.
    learning_rate : float
        The base learning rate of the run.
    iteration : int
        The 0-based iteration at which training stopped.
    """

    def __init__(self, message, loss_history, learning_rate, iteration):
        super().__init__(message)
        self.loss_history = loss_history
        self.learning_rate = learning_rate
        self.iteration = iteration


class TrainingDivergedWarning(UserWarning):
    """A training run stopped early because it diverged; ``train`` returned the losses so far."""


def loss_diverged(loss_history, factor=DIVERGENCE_FACTOR):
    """True when the newest loss is NaN or inf, or above ``factor`` times the first loss.

    Parameters
    ----------
    loss_history : sequence of float
        The losses so far; the last one is the newest.
    factor : float or None
        None checks only for NaN and inf.
    """
    first, last = float(loss_history[0]), float(loss_history[-1])
    return not np.isfinite(last) or (factor is not None and first > 0 and last > factor * first)


def divergence_message(loss_history, learning_rate, iteration, weights_finite=True):
    """Say whether a run diverged, and why it may have: None while it has not.

    A run has diverged when its last loss is NaN or inf, when it exceeds
    ``DIVERGENCE_FACTOR`` (3) times the first loss, or when the update made the
    weights non-finite (``weights_finite=False``). The message names the
    learning rate, both usual causes (a step that is too large, or a bug in the
    update rule or the gradient) and how to tell them apart.

    Parameters
    ----------
    loss_history : sequence of float, length iteration + 1
        The losses of the run so far; the last one is the newest.
    learning_rate : float
        The run's base learning rate.
    iteration : int
        The 0-based iteration of the newest loss.
    weights_finite : bool
        False when the update of this iteration produced NaN or inf weights.

    Returns
    -------
    message : str or None
    """
    first, last = float(loss_history[0]), float(loss_history[-1])
    grew = loss_diverged(loss_history)
    if not grew and weights_finite:
        return None
    head = f"Training diverged at iteration {iteration} with learning_rate={learning_rate:g}: "
    smaller = f"learning_rate={learning_rate / 10:g}"
    if grew:
        what = (f"the loss went from {first:.4g} to {last:.4g} (NaN, inf or more than "
                f"{DIVERGENCE_FACTOR:g}x its first value). ")
        why = ("Either the step is too large, or the update rule or the gradient has a bug. "
               f"Rerun with {smaller} (lower the learning rate): if the loss then falls, the step "
               f"was too large; if it still climbs, check the gradient with grad_check_sparse "
               f"and the update rule with its tests (make check).")
    else:
        what = (f"the update made W NaN or inf while the loss was still {last:.4g} "
                f"(it started at {first:.4g}). ")
        why = ("A finite, steady loss followed by non-finite weights usually points at a bug in "
               "the update rule (a division by zero or a square root of a negative number, e.g. "
               "a bias correction computed with t = 0) rather than at the step size, which "
               f"shows as a climbing loss first. Rerun with {smaller}: if W still becomes "
               f"NaN, fix the update rule (its tests: make check); if not, lower the learning rate.")
    return head + what + why


def stop_if_diverged(loss_history, learning_rate, iteration, weights_finite=True,
                     on_divergence="warn", stacklevel=3):
    """Stop a diverged run: warn (or raise) and return True; return False while it is fine.

    What :meth:`LinearClassifier.train` and the stacked search call after every
    loss and every update (see :func:`divergence_message`).

    Parameters
    ----------
    loss_history : sequence of float, length iteration + 1
        The losses of the run so far.
    learning_rate : float
        The run's base learning rate.
    iteration : int
        The 0-based iteration of the newest loss.
    weights_finite : bool
        False when this iteration's update produced NaN or inf weights.
    on_divergence : {'warn', 'raise'}
        'warn' issues a :class:`TrainingDivergedWarning` (CS231n's habit: the
        tuning loop goes on); 'raise' raises :class:`TrainingDivergedError`.
    stacklevel : int
        Passed to :func:`warnings.warn` so the warning points at the caller's caller.

    Returns
    -------
    diverged : bool
    """
    message = divergence_message(loss_history, learning_rate, iteration, weights_finite)
    if message is None:
        return False
    if on_divergence == "raise":
        raise TrainingDivergedError(message, list(loss_history), learning_rate, iteration)
    warnings.warn(message, TrainingDivergedWarning, stacklevel=stacklevel)
    return True
