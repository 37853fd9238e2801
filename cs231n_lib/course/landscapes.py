"""2-D test functions with analytic gradients and Hessians, and a runner for update rules.

Each landscape is a small object with

* ``value(xy)``: ``xy`` of shape (..., 2) -> values of shape (...) (vectorized,
  so a whole grid can be evaluated for a contour plot);
* ``gradient(xy)``: shape (..., 2) -> (..., 2);
* ``hessian(xy)``: a single point of shape (2,) -> (2, 2);
* ``fn(xy)``: ``(value, gradient)`` at once, like a loss function;
* ``minima``: the known minimum locations, shape (M, 2), global one first;
* ``extent``: ``(xmin, xmax, ymin, ymax)`` that frames the interesting part;
* ``start``: a starting point of shape (2,) that makes a good picture.

The values are shifted so that the global minimum value is 0, so losses can be
drawn on a log scale.

:func:`run_optimizer` applies any update rule from :mod:`cs231n_lib.optim`
for k steps, optionally with seeded Gaussian noise on the gradient to imitate
minibatches.
"""

import math

import numpy as np

from .. import optim


def _split(xy):
    """Return the two coordinates of ``xy`` of shape (..., 2) as arrays of shape (...)."""
    xy = np.asarray(xy, dtype=float)
    if xy.ndim == 0 or xy.shape[-1] != 2:
        raise ValueError(f"xy must have shape (..., 2), got {xy.shape}; pass points (x, y) along the last axis.")
    return xy[..., 0], xy[..., 1]


class Landscape:
    """Base class: subclasses define ``value``, ``gradient``, ``hessian`` and the attributes."""

    name = "landscape"
    minima = np.zeros((1, 2))
    extent = (-2.0, 2.0, -2.0, 2.0)
    start = np.array([-1.5, 1.5])

    def __call__(self, xy):
        """Return ``(value, gradient)`` at ``xy`` of shape (..., 2)."""
        return self.value(xy), self.gradient(xy)

    def __repr__(self):
        return f"<{self.name}>"


class Quadratic(Landscape):
    """``f(p) = 1/2 (p - c)^T A (p - c)`` with a symmetric positive definite A.

    The unique minimum is ``c``; Newton's method lands on it in one step.

    Parameters
    ----------
    A : ndarray of shape (2, 2)
        Symmetric positive definite curvature.
    center : ndarray of shape (2,)
        Location of the minimum.
    name : str
    """

    def __init__(self, A, center=(0.0, 0.0), name="quadratic"):
        A = np.asarray(A, dtype=float)
        center = np.asarray(center, dtype=float)
        if A.shape != (2, 2) or not np.allclose(A, A.T):
            raise ValueError(f"A must be a symmetric (2, 2) array, got shape {A.shape}; pass (M + M.T) / 2.")
        if np.linalg.eigvalsh(A)[0] <= 0:
            raise ValueError(f"A must be positive definite, got eigenvalues {np.linalg.eigvalsh(A)}; use a saddle_point() for indefinite shapes.")
        if center.shape != (2,):
            raise ValueError(f"center must have shape (2,), got {center.shape}; pass (x, y).")
        self.A = A
        self.center = center
        self.name = name
        self.minima = center[None, :]  # (1, 2)
        radius = 3.0 / math.sqrt(np.linalg.eigvalsh(A)[0])
        self.extent = (center[0] - radius, center[0] + radius, center[1] - radius / 2, center[1] + radius / 2)
        self.start = center + np.array([-0.85 * radius, 0.35 * radius])

    def value(self, xy):
        x, y = _split(xy)
        dx, dy = x - self.center[0], y - self.center[1]  # (...)
        (a, b), (_, d) = self.A
        return 0.5 * (a * dx * dx + 2 * b * dx * dy + d * dy * dy)

    def gradient(self, xy):
        x, y = _split(xy)
        delta = np.stack([x - self.center[0], y - self.center[1]], axis=-1)  # (..., 2)
        return delta @ self.A  # (..., 2); A is symmetric

    def hessian(self, xy):
        _split(xy)
        return self.A.copy()


def ill_conditioned_quadratic(condition_number=20.0, angle=0.0):
    """The "taco shell": a quadratic with curvatures 1 and ``condition_number``.

    Along the steep direction the gradient is large, along the shallow one it
    is small, so SGD zig-zags across the valley while crawling along it.
    Momentum averages the zig-zag out; per-coordinate methods (AdaGrad, RMSProp,
    Adam) rescale the two axes, which helps most when the valley is aligned
    with the axes (``angle=0``).

    Parameters
    ----------
    condition_number : float
        Ratio of the largest to the smallest curvature, >= 1.
    angle : float
        Rotation of the valley in radians (0 keeps it along the x axis).

    Returns
    -------
    Quadratic
        Minimum at (0, 0).
    """
    if not (np.isfinite(condition_number) and condition_number >= 1):
        raise ValueError(f"condition_number must be a finite number >= 1, got {condition_number!r}.")
    rotation = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    A = rotation @ np.diag([1.0, float(condition_number)]) @ rotation.T  # (2, 2)
    A = (A + A.T) / 2  # symmetric up to rounding
    return Quadratic(A, name=f"ill-conditioned quadratic (condition number {condition_number:g})")


class SaddlePoint(Landscape):
    """``f(x, y) = x^2 / 2 + (y^2 - 1)^2 / 4``: a saddle at the origin between two minima.

    The gradient ``(x, y^3 - y)`` vanishes at the saddle (0, 0), where the
    function curves up along x and down along y. A run started on the x axis
    without noise slides into the saddle and stays; a little gradient noise (or
    a start slightly off the axis) lets it escape to a minimum at (0, 1) or (0, -1).
    Both minima have value 0; the saddle has value 1/4.
    """

    name = "saddle point"
    minima = np.array([[0.0, 1.0], [0.0, -1.0]])
    saddle = np.array([0.0, 0.0])
    extent = (-2.0, 2.0, -1.6, 1.6)
    start = np.array([-1.8, 0.0])

    def value(self, xy):
        x, y = _split(xy)
        return 0.5 * x * x + 0.25 * (y * y - 1) ** 2

    def gradient(self, xy):
        x, y = _split(xy)
        return np.stack([x, y**3 - y], axis=-1)  # (..., 2)

    def hessian(self, xy):
        _, y = _split(xy)
        return np.array([[1.0, 0.0], [0.0, 3 * y * y - 1]])


class LocalMinimum(Landscape):
    """A tilted double well: ``f(x, y) = (x^2 - 1)^2 + tilt * x + y^2 / 2 - f_min``.

    Along x there are two valleys, near x = -1 and x = +1; the tilt makes the
    left one lower (global) and the right one a local minimum. A run started
    on the right with plain SGD stops in the local minimum; momentum can carry
    it over the hump. The minima are at y = 0 and x a root of
    ``4 x^3 - 4 x + tilt = 0`` (computed in ``__init__``); ``f_min`` shifts the
    global minimum value to 0.

    Parameters
    ----------
    tilt : float
        Slope added along x, in (0, 1.5) so that both minima exist.
    """

    name = "local and global minimum"
    extent = (-1.8, 2.0, -1.5, 1.5)
    start = np.array([1.9, 1.2])

    def __init__(self, tilt=0.5):
        # Two minima exist while the cubic has three real roots: tilt < 8 / (3 sqrt 3) ~ 1.54.
        if not (0 < tilt < 1.5):
            raise ValueError(f"tilt must lie in (0, 1.5) so that two minima exist, got {tilt!r}.")
        self.tilt = float(tilt)
        roots = np.sort(np.roots([4.0, 0.0, -4.0, self.tilt]).real)  # (3,): min, max, min
        self.minima = np.array([[roots[0], 0.0], [roots[2], 0.0]])  # global (left) first
        self.hump = np.array([roots[1], 0.0])
        self.f_min = 0.0
        self.f_min = float(self.value(self.minima[0]))

    def value(self, xy):
        x, y = _split(xy)
        return (x * x - 1) ** 2 + self.tilt * x + 0.5 * y * y - self.f_min

    def gradient(self, xy):
        x, y = _split(xy)
        return np.stack([4 * x**3 - 4 * x + self.tilt, y], axis=-1)  # (..., 2)

    def hessian(self, xy):
        x, _ = _split(xy)
        return np.array([[12 * x * x - 4, 0.0], [0.0, 1.0]])


class Rosenbrock(Landscape):
    """``f(x, y) = (a - x)^2 + b (y - x^2)^2``: a curved, flat-bottomed banana valley.

    The minimum is at ``(a, a^2)`` with value 0. Finding the valley is easy,
    following its curved floor to the minimum is slow for first-order methods.

    Parameters
    ----------
    a, b : float
        Shape parameters; the classic choice is a=1, b=100.
    """

    name = "Rosenbrock"
    extent = (-2.0, 2.0, -1.0, 3.0)
    start = np.array([-1.5, 2.5])

    def __init__(self, a=1.0, b=100.0):
        if not (np.isfinite(a) and np.isfinite(b) and b > 0):
            raise ValueError(f"a must be finite and b finite and > 0, got a={a!r}, b={b!r}.")
        self.a, self.b = float(a), float(b)
        self.minima = np.array([[self.a, self.a**2]])

    def value(self, xy):
        x, y = _split(xy)
        return (self.a - x) ** 2 + self.b * (y - x * x) ** 2

    def gradient(self, xy):
        x, y = _split(xy)
        dfdx = -2 * (self.a - x) - 4 * self.b * x * (y - x * x)
        dfdy = 2 * self.b * (y - x * x)
        return np.stack([dfdx, dfdy], axis=-1)  # (..., 2)

    def hessian(self, xy):
        x, y = _split(xy)
        cross = -4 * self.b * x
        return np.array([[2 - 4 * self.b * y + 12 * self.b * x * x, cross], [cross, 2 * self.b]])


def run_optimizer(fn, update_rule, x0, num_steps, optim_config=None, noise=0.0, seed=None,
                  stop_on_divergence=False):
    """Apply an update rule to a 2-D landscape and record where it goes.

    Parameters
    ----------
    fn : Landscape
        Anything with ``value(xy)`` and ``gradient(xy)`` for ``xy`` of shape (2,).
    update_rule : str or callable
        A name from ``cs231n_lib.optim.UPDATE_RULES`` or a rule with the same contract.
    x0 : ndarray of shape (2,)
        Starting point.
    num_steps : int
        Number of updates k, >= 0.
    optim_config : dict or None
        Hyperparameters; copied, so the caller's dict does not collect state
        and can be reused for the next run.
    noise : float
        Standard deviation of Gaussian noise added to each gradient coordinate
        (imitates minibatch gradients), >= 0.
    seed : int or None
        Seed of the noise generator.
    stop_on_divergence : bool
        When a step leaves the box ``|x| <= 1e6`` (or is not finite): ``False``
        raises ValueError; ``True`` stops there and returns the points so far,
        so a picture can show where a run blew up (the interactive lessons).

    Returns
    -------
    trajectory : ndarray of shape (k + 1, 2)
        ``trajectory[0] = x0``, then the point after each step. With
        ``stop_on_divergence``, a run that diverged at step t returns only its
        first t points (t < k + 1): the diverged point itself is left out.
    losses : ndarray of shape (k + 1,)
        Noise-free value of ``fn`` at each point of the trajectory (as many as it has).
    """
    rule = optim.get_update_rule(update_rule)
    x = np.asarray(x0, dtype=float)
    if x.shape != (2,) or not np.all(np.isfinite(x)):
        raise ValueError(f"x0 must be a finite point of shape (2,), got {x0!r}; pass (x, y).")
    if isinstance(num_steps, bool) or not isinstance(num_steps, (int, np.integer)) or num_steps < 0:
        raise ValueError(f"num_steps must be a non-negative integer, got {num_steps!r}.")
    if not (np.isfinite(noise) and noise >= 0):
        raise ValueError(f"noise must be a finite standard deviation >= 0, got {noise!r}.")
    rng = np.random.default_rng(seed)
    config = dict(optim_config or {})
    trajectory = np.empty((num_steps + 1, 2))
    trajectory[0] = x
    for step in range(num_steps):
        grad = fn.gradient(x)  # (2,)
        if noise > 0:
            grad = grad + noise * rng.standard_normal(2)  # (2,)
        x, config = rule(x, grad, config)
        if not np.all(np.isfinite(x)) or np.max(np.abs(x)) > 1e6:
            if stop_on_divergence:
                trajectory = trajectory[: step + 1]  # (t, 2): the points before the diverged one
                break
            raise ValueError(
                f"{getattr(rule, '__name__', rule)} diverged at step {step + 1} (|x| > 1e6 or NaN): either the "
                f"step is too large or the update rule has a bug. Rerun with a 10x smaller "
                f"optim_config['learning_rate']: if it then converges, lower optim_config['learning_rate']; "
                f"if it still diverges, check the update rule (its tests: make check)."
            )
        trajectory[step + 1] = x
    losses = fn.value(trajectory)  # (k + 1,)
    return trajectory, losses
