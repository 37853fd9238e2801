"""What the three interactive lessons compute, as plain functions (no widgets, no drawing).

Letters: N examples, D features, C classes, A points along a slice, K random
directions, L step sizes, M momenta.

1. **Linear classifier playground** (notebook 02): 2-D points of 3 classes,
   scored by ``x @ W + b`` with ``W`` of shape (2, C) and ``b`` of shape (C,);
   :func:`classifier_state` gives every point's loss and the total,
   :func:`gradient_step` one step of ``optim.sgd``, :func:`decision_regions`
   the winning class on a grid.
2. **Loss landscape slices** (notebook 01): the loss along one or two random
   directions through a trained ``W``, ``L(W + a W1 + b W2)``:
   :func:`random_directions`, :func:`slice_data_losses` (the data loss, which
   does not depend on the regularization strength) and :func:`slice_l2` (the
   penalty, cheap to recompute when the strength changes).
3. **Optimizer playground** (notebook 04): :func:`optimizer_paths` runs
   several update rules on a 2-D landscape and keeps diverged runs up to where
   they left; :func:`momentum_map` gives the loss after k steps of momentum SGD
   for a grid of step sizes and momenta, ``inf`` where the run diverged.

Everything here is built on the course's own functions: the losses on scores
(:func:`~cs231n_lib.classifiers.linear_svm.svm_loss_on_scores`,
:func:`~cs231n_lib.classifiers.softmax.softmax_loss_on_scores`), the update rules of
:mod:`cs231n_lib.optim`, the penalty of :mod:`cs231n_lib.regularizers` and the
landscapes of :mod:`cs231n_lib.course.landscapes`. In the student release the
student's versions are the ones called, so a function that is not written yet
raises its ``NotImplementedError``, which the widgets turn into a message.
"""

import numpy as np

from .. import optim
from ..classifiers import linear_svm as _linear_svm  # read at call time: an earlier release's linear_svm.py still imports
from ..classifiers import softmax as _softmax
from ..regularizers import l2_penalty
from . import landscapes
from .loss_variants import per_example_losses

LOSSES = ("svm", "softmax")
MAP_RULES = ("sgd_momentum", "nesterov_momentum")
DIVERGED = 1e6  # |x| beyond this counts as diverged, as in landscapes.run_optimizer


def _check_choice(name, value, choices):
    if value not in choices:
        raise ValueError(f"{name} must be one of {list(choices)}, got {value!r}; pick one of those.")


# ---------------------------------------------------------------- 1. linear classifier on 2-D points

def toy_data(num_per_class=4, seed=0):
    """Three small clusters of 2-D points, one per class, around the corners of a triangle.

    Parameters
    ----------
    num_per_class : int
        Points per class, >= 1.
    seed : int

    Returns
    -------
    X : ndarray of shape (N, 2)
        N = 3 * num_per_class points, class by class.
    y : ndarray of shape (N,)
        Labels 0, 1, 2.
    """
    if isinstance(num_per_class, bool) or not isinstance(num_per_class, (int, np.integer)) or num_per_class < 1:
        raise ValueError(f"num_per_class must be a positive integer, got {num_per_class!r}.")
    rng = np.random.default_rng(seed)
    angles = np.pi / 2 + 2 * np.pi * np.arange(3) / 3  # (3,): the triangle's corners
    centers = 0.55 * np.column_stack([np.cos(angles), np.sin(angles)])  # (3, 2)
    X = np.repeat(centers, num_per_class, axis=0) + 0.28 * rng.standard_normal((3 * num_per_class, 2))  # (N, 2)
    y = np.repeat(np.arange(3), num_per_class)  # (N,)
    return X, y


def data_loss_on_scores(scores, y, loss="svm", margin=1.0):
    """Per-example data losses and the gradient of their mean, for the SVM (any margin) or softmax.

    The SVM with margin ``delta`` is the margin-1 SVM of the scores divided by
    ``delta``, times ``delta``: ``max(0, s_j - s_y + delta) = delta * max(0, s_j / delta - s_y / delta + 1)``,
    so both are computed by ``svm_loss_on_scores``; its score gradient carries over unchanged.

    Parameters
    ----------
    scores : ndarray of shape (N, C)
    y : ndarray of shape (N,)
    loss : {'svm', 'softmax'}
    margin : float
        The SVM's margin delta > 0 (ignored by softmax).

    Returns
    -------
    losses : ndarray of shape (N,)
        Each example's data loss.
    dscores : ndarray of shape (N, C)
        Gradient of ``losses.mean()`` with respect to ``scores``.
    """
    _check_choice("loss", loss, LOSSES)
    if loss == "softmax":
        _, dscores = _softmax.softmax_loss_on_scores(scores, y)
        return per_example_losses(_softmax.softmax_loss_on_scores, scores, y), dscores
    if not (np.isfinite(margin) and margin > 0):
        raise ValueError(f"margin must be a finite number > 0, got {margin!r}.")
    _, dscores = _linear_svm.svm_loss_on_scores(scores / margin, y)
    return margin * per_example_losses(_linear_svm.svm_loss_on_scores, scores / margin, y), dscores


def classifier_state(W, b, X, y, loss="svm", reg=0.0, margin=1.0):
    """Everything the classifier playground shows for one setting of ``W`` and ``b``.

    The penalty is the course's ``reg * sum(W**2)`` on ``W`` and ``b`` together
    (the bias row of the bias trick is regularized too, as everywhere here).

    Parameters
    ----------
    W : ndarray of shape (2, C)
    b : ndarray of shape (C,)
    X : ndarray of shape (N, 2)
    y : ndarray of shape (N,)
    loss : {'svm', 'softmax'}
    reg : float
        Regularization strength lambda, >= 0.
    margin : float
        The SVM's margin (ignored by softmax).

    Returns
    -------
    state : dict
        ``'scores'`` (N, C), ``'losses'`` (N,) per point, ``'data_loss'`` their mean,
        ``'reg_loss'``, ``'loss'`` (the total), ``'dW'`` (2, C), ``'db'`` (C,).
    """
    Wb = np.vstack([np.asarray(W, dtype=float), np.asarray(b, dtype=float)[None, :]])  # (3, C): the bias trick
    X1 = np.column_stack([np.asarray(X, dtype=float), np.ones(len(X))])  # (N, 3)
    scores = X1 @ Wb  # (N, 3) @ (3, C) -> (N, C)
    losses, dscores = data_loss_on_scores(scores, y, loss, margin)
    reg_loss, reg_grad = l2_penalty(Wb, reg)
    dWb = X1.T @ dscores + reg_grad  # (3, N) @ (N, C) -> (3, C)
    data_loss = float(losses.mean())
    return {"scores": scores, "losses": losses, "data_loss": data_loss, "reg_loss": float(reg_loss),
            "loss": data_loss + float(reg_loss), "dW": dWb[:2], "db": dWb[2]}


def gradient_step(W, b, X, y, loss="svm", reg=0.0, step_size=0.1, margin=1.0):
    """One step of ``optim.sgd`` on the full loss of :func:`classifier_state`.

    Returns
    -------
    W_next : ndarray of shape (2, C)
    b_next : ndarray of shape (C,)
    """
    state = classifier_state(W, b, X, y, loss, reg, margin)
    Wb = np.vstack([W, np.asarray(b)[None, :]])  # (3, C)
    dWb = np.vstack([state["dW"], state["db"][None, :]])  # (3, C)
    Wb_next, _ = optim.sgd(Wb, dWb, {"learning_rate": float(step_size)})
    return Wb_next[:2], Wb_next[2]


def decision_regions(W, b, extent, resolution=120):
    """The class with the highest score at every point of a grid.

    Parameters
    ----------
    W : ndarray of shape (2, C)
    b : ndarray of shape (C,)
    extent : tuple of 4 floats
        ``(xmin, xmax, ymin, ymax)``.
    resolution : int
        Grid points per axis, R.

    Returns
    -------
    xs : ndarray of shape (R,)
    ys : ndarray of shape (R,)
    classes : ndarray of shape (R, R)
        ``classes[i, j]`` is the winning class at ``(xs[j], ys[i])``.
    """
    xmin, xmax, ymin, ymax = extent
    xs, ys = np.linspace(xmin, xmax, resolution), np.linspace(ymin, ymax, resolution)
    grid = np.stack(np.meshgrid(xs, ys), axis=-1)  # (R, R, 2)
    scores = grid @ W + b  # (R, R, 2) @ (2, C) + (C,) -> (R, R, C)
    return xs, ys, np.argmax(scores, axis=-1)


# ---------------------------------------------------------------- 2. loss landscape slices

def random_directions(W, num_directions=2, seed=0):
    """Gaussian random directions in weight space, each as long as ``W`` (Frobenius norm).

    So ``a = 1`` along a direction moves as far as ``W`` is from the origin.
    The generator is seeded with ``(seed, 2)``, a stream of its own: a
    direction drawn with ``default_rng(seed)`` would repeat a classifier's
    initialization drawn with the same seed, and lie along ``W`` itself.

    Parameters
    ----------
    W : ndarray of shape (D, C)
    num_directions : int
        K, 1 or 2.
    seed : int

    Returns
    -------
    directions : ndarray of shape (K, D, C)
    """
    if num_directions not in (1, 2):
        raise ValueError(f"num_directions must be 1 or 2, got {num_directions!r}.")
    rng = np.random.default_rng((seed, 2))
    directions = rng.standard_normal((num_directions,) + W.shape)  # (K, D, C)
    norms = np.sqrt(np.sum(directions**2, axis=(1, 2)))  # (K,)
    return directions * (np.linalg.norm(W) / norms)[:, None, None]  # (K, D, C)


def slice_data_losses(W, X, y, directions, alphas, loss="svm", per_example=False):
    """Mean data loss at ``W + a W1`` (one direction) or ``W + a W1 + b W2`` (two), for a, b in ``alphas``.

    The scores are linear along a slice, ``X (W + a W1) = X W + a X W1``, so
    the matrix products run once per direction and each point of the slice
    costs only the loss on its (N, C) scores.

    Parameters
    ----------
    W : ndarray of shape (D, C)
    X : ndarray of shape (N, D)
    y : ndarray of shape (N,)
    directions : ndarray of shape (K, D, C)
        K = 1 or 2 directions.
    alphas : ndarray of shape (A,)
        Steps along each direction.
    loss : {'svm', 'softmax'}
    per_example : bool
        Return each example's loss instead of the mean.

    Returns
    -------
    losses : ndarray of shape (A,) for K = 1, (A, A) for K = 2
        For K = 2, ``losses[j, i]`` is at ``W + alphas[i] W1 + alphas[j] W2``
        (rows follow the second direction, as ``np.meshgrid`` and ``contour`` expect).
        With ``per_example`` a last axis of length N is added.
    """
    _check_choice("loss", loss, LOSSES)
    directions = np.asarray(directions, dtype=float)
    if directions.ndim != 3 or directions.shape[0] not in (1, 2) or directions.shape[1:] != W.shape:
        raise ValueError(f"directions must have shape (1 or 2, {W.shape[0]}, {W.shape[1]}), got {directions.shape}.")
    alphas = np.asarray(alphas, dtype=float)
    n = X.shape[0]
    base = X @ W  # (N, D) @ (D, C) -> (N, C)
    along = np.einsum("nd,kdc->knc", X, directions)  # (K, N, C)
    offsets = alphas[:, None, None] * along[0][None]  # (A, N, C)
    rows = [offsets] if len(directions) == 1 else [offsets + beta * along[1][None] for beta in alphas]
    labels = np.tile(y, len(alphas))  # (A * N,)
    out = []
    for offset in rows:  # one row of the grid (or the whole line) at a time: (A, N, C)
        scores = (base[None] + offset).reshape(-1, base.shape[1])  # (A * N, C)
        losses, _ = data_loss_on_scores(scores, labels, loss)  # (A * N,)
        out.append(losses.reshape(len(alphas), n))  # (A, N)
    result = out[0] if len(directions) == 1 else np.stack(out)  # (A, N) or (A, A, N)
    return result if per_example else result.mean(axis=-1)


def slice_l2(W, directions, alphas, reg):
    """The penalty ``reg * sum((W + a W1 + b W2)**2)`` on the same slice as :func:`slice_data_losses`.

    Expanded through the inner products of ``W``, ``W1``, ``W2``, so changing
    ``reg`` costs nothing but this quadratic.

    Parameters
    ----------
    W : ndarray of shape (D, C)
    directions : ndarray of shape (K, D, C)
    alphas : ndarray of shape (A,)
    reg : float
        >= 0.

    Returns
    -------
    penalty : ndarray of shape (A,) for K = 1, (A, A) for K = 2 (indexed like the losses)
    """
    if not (np.isfinite(reg) and reg >= 0):
        raise ValueError(f"reg must be a finite number >= 0, got {reg!r}.")
    vectors = np.concatenate([W[None], directions]).reshape(len(directions) + 1, -1)  # (K + 1, D * C)
    gram = vectors @ vectors.T  # (K + 1, K + 1)
    a = np.asarray(alphas, dtype=float)
    if len(directions) == 1:
        return reg * (gram[0, 0] + 2 * a * gram[0, 1] + a * a * gram[1, 1])  # (A,)
    aa, bb = np.meshgrid(a, a)  # (A, A): aa[j, i] = a_i, bb[j, i] = a_j
    return reg * (gram[0, 0] + 2 * aa * gram[0, 1] + 2 * bb * gram[0, 2]
                  + aa * aa * gram[1, 1] + 2 * aa * bb * gram[1, 2] + bb * bb * gram[2, 2])


# ---------------------------------------------------------------- 3. optimizers on 2-D landscapes

def optimizer_landscape(name="quadratic", condition_number=10.0):
    """The playground's landscapes: ``'quadratic'`` (curvatures 1 and ``condition_number``) or ``'rosenbrock'``."""
    _check_choice("name", name, ("quadratic", "rosenbrock"))
    if name == "rosenbrock":
        return landscapes.Rosenbrock()
    return landscapes.ill_conditioned_quadratic(condition_number)


def playground_rules(step_size, momentum, adaptive_step_size):
    """The five rules the optimizer playground draws: name -> (update rule name, config).

    SGD, momentum and Nesterov share ``step_size`` and ``momentum``; RMSProp and
    Adam take steps of about ``adaptive_step_size`` per coordinate whatever the
    gradient's size, so they get their own.
    """
    return {
        "SGD": ("sgd", {"learning_rate": step_size}),
        "momentum": ("sgd_momentum", {"learning_rate": step_size, "momentum": momentum}),
        "Nesterov": ("nesterov_momentum", {"learning_rate": step_size, "momentum": momentum}),
        "RMSProp": ("rmsprop", {"learning_rate": adaptive_step_size}),
        "Adam": ("adam", {"learning_rate": adaptive_step_size}),
    }


def optimizer_paths(fn, rules, start, num_steps):
    """Run every rule from ``start``; a run that diverges is kept up to where it left.

    Parameters
    ----------
    fn : Landscape
    rules : dict
        Name -> (update rule or its name, config), e.g. :func:`playground_rules`.
    start : ndarray of shape (2,)
    num_steps : int
        k.

    Returns
    -------
    paths : dict
        Name -> ``(trajectory (t, 2), losses (t,), diverged)`` with t = k + 1
        unless the run diverged (then t <= k and ``diverged`` is True).
    """
    paths = {}
    for name, (rule, config) in rules.items():
        trajectory, losses = landscapes.run_optimizer(fn, rule, start, num_steps, config, stop_on_divergence=True)
        paths[name] = (trajectory, losses, len(trajectory) < num_steps + 1)
    return paths


def momentum_map(fn, start, learning_rates, momenta, num_steps, rule="sgd_momentum"):
    """Loss after ``num_steps`` of momentum SGD (or Nesterov) for every step size and momentum.

    All step sizes run at once: both rules are linear in the step size, so
    running ``rule`` with ``learning_rate=1`` on the gradient times each step
    size is the same computation as one run per step size.

    Parameters
    ----------
    fn : Landscape
    start : ndarray of shape (2,)
    learning_rates : ndarray of shape (L,)
        Positive step sizes.
    momenta : ndarray of shape (M,)
        Momenta in [0, 1).
    num_steps : int
        k.
    rule : {'sgd_momentum', 'nesterov_momentum'}

    Returns
    -------
    losses : ndarray of shape (M, L)
        ``fn.value`` after k steps; ``inf`` where the run left ``|x| <= 1e6``.
    """
    _check_choice("rule", rule, MAP_RULES)
    update = optim.get_update_rule(rule)
    lrs = np.asarray(learning_rates, dtype=float)
    if lrs.ndim != 1 or not np.all(lrs > 0):
        raise ValueError(f"learning_rates must be a 1-D array of positive step sizes, got {learning_rates!r}.")
    out = np.empty((len(momenta), len(lrs)))
    for m, mu in enumerate(momenta):
        x = np.tile(np.asarray(start, dtype=float), (len(lrs), 1))  # (L, 2): one run per step size
        config = {"learning_rate": 1.0, "momentum": float(mu)}
        diverged = np.zeros(len(lrs), dtype=bool)  # (L,)
        with np.errstate(over="ignore", invalid="ignore"):
            for _ in range(num_steps):
                grad = lrs[:, None] * fn.gradient(x)  # (L, 1) * (L, 2): each run's step size folded in
                x, config = update(x, grad, config)
                diverged |= ~np.all(np.isfinite(x) & (np.abs(x) <= DIVERGED), axis=1)
                # Park diverged runs at the start with no velocity, so they cannot overflow.
                x = np.where(diverged[:, None], start, x)  # (L, 2)
                config["velocity"] = np.where(diverged[:, None], 0.0, config["velocity"])  # (L, 2)
            out[m] = np.where(diverged, np.inf, fn.value(x))  # (L,)
    return out
