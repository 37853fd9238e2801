"""Curves for the optimizers notebook: trajectories over contour lines, and loss curves.

Both functions draw into ``ax`` (a new figure when ``None``), return the Axes,
and never call ``plt.show()``; the notebook decides when to show.
"""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import patheffects
from matplotlib.ticker import LogFormatter


def _axes(ax, figsize):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def _check_curves(name, curves, ndim, last_dim=None):
    """Validate a non-empty dict label -> array with ``ndim`` dims (and last dim ``last_dim``)."""
    if not isinstance(curves, dict) or not curves:
        raise ValueError(f"{name} must be a non-empty dict label -> array, got {type(curves).__name__}.")
    checked = {}
    for label, values in curves.items():
        values = np.asarray(values, dtype=float)
        if values.ndim != ndim or values.shape[0] == 0 or (last_dim is not None and values.shape[-1] != last_dim):
            expected = "(k, 2)" if last_dim == 2 else "(k,)"
            raise ValueError(f"{name}[{label!r}] must have shape {expected} with k >= 1, got {values.shape}.")
        checked[label] = values
    return checked


def plot_trajectories(fn, trajectories, ax=None, extent=None, num_levels=20, title=None, figsize=(7, 5),
                      fit_paths=False, numbered=(), legend=True):
    """Draw contour lines of a 2-D function with optimizer paths on top.

    Each path starts at a circle and ends at a cross of its own color; the
    known minima of ``fn`` (if it has a ``minima`` attribute) are black stars.
    Paths named in ``numbered`` have every point marked and labelled with its
    step number (0 = start), for short paths such as Newton's method.

    Parameters
    ----------
    fn : object
        Has ``value(xy)`` mapping points of shape (..., 2) to values of shape (...),
        e.g. a landscape from :mod:`cs231n_lib.course.landscapes`; its ``extent``,
        ``minima`` and ``name`` attributes are used when present.
    trajectories : dict
        Label -> ndarray of shape (k, 2), the points visited (k may differ per label).
    ax : matplotlib Axes or None
        Where to draw; ``None`` makes a new figure.
    extent : tuple of 4 floats or None
        ``(xmin, xmax, ymin, ymax)``; defaults to ``fn.extent``, else the box around the paths.
    num_levels : int
        Number of contour lines, spaced by quantiles of the values on the grid
        so that both steep walls and flat valleys get lines.
    title : str or None
        Defaults to ``fn.name``.
    figsize : tuple
        Size of a new figure.
    fit_paths : bool
        Widen the extent so that every point of every path is in the frame.
    numbered : sequence of str
        Labels of ``trajectories`` whose points get their step numbers.
    legend : bool
        Draw the legend (small multiples may prefer one legend for all panels).

    Returns
    -------
    ax : matplotlib Axes
    """
    trajectories = _check_curves("trajectories", trajectories, ndim=2, last_dim=2)
    unknown = [label for label in numbered if label not in trajectories]
    if unknown:
        raise ValueError(f"numbered names {unknown}, which are not labels of trajectories; "
                         f"pass some of {list(trajectories)}.")
    if extent is None:
        extent = getattr(fn, "extent", None)
    points = np.concatenate(list(trajectories.values()))  # (sum of k, 2)
    finite = points[np.all(np.isfinite(points), axis=1)]  # (M, 2)
    if extent is None or fit_paths:
        low, high = finite.min(axis=0), finite.max(axis=0)  # (2,)
        if extent is not None:
            low = np.minimum(low, [extent[0], extent[2]])  # (2,)
            high = np.maximum(high, [extent[1], extent[3]])  # (2,)
        margin = 0.05 * np.maximum(high - low, 1e-3)  # (2,)
        extent = (low[0] - margin[0], high[0] + margin[0], low[1] - margin[1], high[1] + margin[1])
    xmin, xmax, ymin, ymax = extent
    ax = _axes(ax, figsize)

    xs, ys = np.linspace(xmin, xmax, 200), np.linspace(ymin, ymax, 200)
    grid = np.stack(np.meshgrid(xs, ys), axis=-1)  # (200, 200, 2): grid[i, j] = (xs[j], ys[i])
    values = fn.value(grid)  # (200, 200)
    levels = np.unique(np.quantile(values, np.linspace(0.0, 1.0, num_levels + 2)[1:-1]))
    ax.contour(xs, ys, values, levels=levels, cmap="Greys_r", linewidths=0.8, alpha=0.7)

    for label, path in trajectories.items():
        (line,) = ax.plot(path[:, 0], path[:, 1], "-", marker=".", markersize=3, linewidth=1.5, label=label)
        color = line.get_color()
        if label in numbered:
            line.set_marker("o")
            line.set_markersize(5)
            line.set_zorder(3)  # above the other paths
            # Consecutive points closer than 1% of the frame share one label, "5-8".
            tolerance = 0.01 * np.hypot(xmax - xmin, ymax - ymin)
            first, previous, side = 0, None, 1
            for step in range(1, len(path) + 1):
                if step == len(path) or np.hypot(*(path[step] - path[first])) > tolerance:
                    text = str(first) if step - 1 == first else f"{first}-{step - 1}"
                    # A label within 5% of the frame of the previous one goes on the other side of its point.
                    near = previous is not None and np.hypot(*(path[first] - previous)) < 5 * tolerance
                    side = -side if near else 1
                    ax.annotate(text, tuple(path[first]), textcoords="offset points", xytext=(7 * side, 5 * side),
                                ha="left" if side > 0 else "right", va="bottom" if side > 0 else "top",
                                fontsize="small", color=color, fontweight="bold",
                                path_effects=[patheffects.withStroke(linewidth=2.5, foreground="white")])
                    first, previous = step, path[first]
        ax.plot(*path[0], "o", color=color, markersize=8, markeredgecolor="black")
        ax.plot(*path[-1], "X", color=color, markersize=10, markeredgecolor="black")
    minima = getattr(fn, "minima", None)
    if minima is not None:
        minima = np.asarray(minima).reshape(-1, 2)  # (M, 2)
        ax.plot(minima[:, 0], minima[:, 1], "*", color="black", markersize=14, label="minimum", linestyle="none")
    # Markers explained once in the legend, in neutral gray.
    ax.plot([], [], "o", color="lightgray", markeredgecolor="black", label="start", linestyle="none")
    ax.plot([], [], "X", color="lightgray", markeredgecolor="black", label="end", linestyle="none")

    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin, ymax)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_title(title if title is not None else getattr(fn, "name", "trajectories"))
    if legend:
        ax.legend(loc="best", fontsize="small")
    return ax


def plot_loss_curves(curves, ax=None, log=True, title="Loss", xlabel="iteration", ylabel="loss", figsize=(7, 4)):
    """Draw several loss curves against the iteration, with a legend.

    Parameters
    ----------
    curves : dict
        Label -> ndarray of shape (k,), the loss at iterations 0 .. k-1.
    ax : matplotlib Axes or None
        Where to draw; ``None`` makes a new figure.
    log : bool
        Logarithmic loss axis (needs every value > 0), where a steady
        convergence rate shows as a straight line.
    title, xlabel, ylabel : str
    figsize : tuple
        Size of a new figure.

    Returns
    -------
    ax : matplotlib Axes
    """
    curves = _check_curves("curves", curves, ndim=1)
    if log:
        for label, values in curves.items():
            if not np.all(values > 0):
                raise ValueError(
                    f"curves[{label!r}] has values <= 0 (min {values.min():g}), which a log axis cannot show; "
                    f"pass log=False or shift the losses."
                )
    ax = _axes(ax, figsize)
    for label, values in curves.items():
        ax.plot(np.arange(values.shape[0]), values, label=label, linewidth=1.5)
    if log:
        ax.set_yscale("log")
        # Plain numbers (2, 3, 5, 20) instead of 2x10^0 when the range spans few decades.
        ax.yaxis.set_major_formatter(LogFormatter(labelOnlyBase=False))
        ax.yaxis.set_minor_formatter(LogFormatter(labelOnlyBase=False, minor_thresholds=(1.5, 0.5)))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(loc="best", fontsize="small")
    return ax
