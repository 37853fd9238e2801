"""The pictures of the three interactive lessons, drawn from what :mod:`cs231n_lib.course.playgrounds` computed.

Each function draws into a :class:`matplotlib.figure.Figure` built without
pyplot (no global figure list, nothing shown twice), a new one or the one
passed as ``fig`` (cleared first), and returns it. A widget passes the same
figure on every redraw (:mod:`cs231n_lib.course.playground_widgets`): its Agg
canvas keeps its renderer, and with it matplotlib's cache of text sizes,
which saves a third of a redraw.
"""

import io

import numpy as np
from matplotlib import colormaps
from matplotlib.colors import ListedColormap, LogNorm
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import LogLocator, NullLocator

from .plotting import plot_trajectories

CLASS_COLORS = ("#d62728", "#2ca02c", "#1f77b4")  # red, green, blue as in the CS231n demo
REGION_COLORS = ("#f6c4c4", "#c8ebc8", "#c3d9f0")
DIVERGED_COLOR = "#e8503a"
DPI = 72


def to_png(fig):
    """PNG bytes of ``fig``."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def new_figure(figsize):
    """A Figure with its own Agg canvas (kept across redraws), not registered with pyplot."""
    fig = Figure(figsize=figsize)
    FigureCanvasAgg(fig)
    return fig


def _reuse(fig, figsize):
    if fig is None:
        return new_figure(figsize)
    fig.clear()
    return fig


def _margins(**kwargs):
    """Fixed subplot margins: a layout engine would measure every label on every redraw (half the time)."""
    return {"left": 0.06, "right": 0.98, "bottom": 0.12, "top": 0.92, **kwargs}


def classifier_figure(X, y, W, b, regions, state, loss_name, extent, fig=None):
    """Decision regions with every point's loss (left) and the losses as bars with the total (right).

    Parameters
    ----------
    X : ndarray of shape (N, 2)
    y : ndarray of shape (N,)
    W : ndarray of shape (2, C)
    b : ndarray of shape (C,)
    regions : tuple
        ``(xs, ys, classes)`` from ``playgrounds.decision_regions``.
    state : dict
        From ``playgrounds.classifier_state``.
    loss_name : str
    extent : tuple of 4 floats
    fig : Figure or None
        Drawn into after clearing it; ``None`` makes a new one.
    """
    fig = _reuse(fig, (10, 4.4))
    ax, bars = fig.subplots(1, 2, width_ratios=(1.1, 1), gridspec_kw=_margins(wspace=0.22))
    xs, ys, classes = regions
    ax.imshow(classes, origin="lower", extent=extent, cmap=ListedColormap(REGION_COLORS), vmin=0, vmax=2,
              interpolation="nearest", aspect="auto")
    for c, color in enumerate(CLASS_COLORS):
        # The direction in which class c's score grows fastest: its column of W.
        ax.annotate("", xy=0.4 * W[:, c] / max(np.linalg.norm(W[:, c]), 1e-12), xytext=(0, 0),
                    arrowprops={"arrowstyle": "->", "color": color, "lw": 2})
        members = y == c
        ax.scatter(X[members, 0], X[members, 1], s=60, color=color, edgecolor="black", zorder=3,
                   label=f"class {c}")
    for i, (px, py) in enumerate(X):
        ax.annotate(f"{state['losses'][i]:.2f}", (px, py), textcoords="offset points", xytext=(6, 5),
                    fontsize="small")
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    ax.set_title("decision regions, each point's loss (arrows: columns of W)")
    ax.legend(loc="lower right", fontsize="small")

    order = np.arange(len(y))
    bars.bar(order, state["losses"], color=[CLASS_COLORS[c] for c in y], edgecolor="black")
    bars.axhline(state["data_loss"], color="black", linestyle="--", label=f"data loss (mean) {state['data_loss']:.3f}")
    bars.set_xticks(order)
    bars.set_xlabel("point")
    bars.set_ylabel(f"{loss_name} loss $L_i$")
    bars.set_title(f"total {state['loss']:.3f} = data {state['data_loss']:.3f} + reg {state['reg_loss']:.3f}")
    bars.legend(loc="upper right", fontsize="small")
    return fig


def landscape_figure(alphas, line_data, line_reg, example_lines, grid_data, grid_reg, reg, examples, fig=None):
    """The loss along one direction (full and data), single examples along it, and a 2-D slice as contours.

    Parameters
    ----------
    alphas : ndarray of shape (A,)
    line_data, line_reg : ndarray of shape (A,)
        Mean data loss and penalty along the first direction.
    example_lines : ndarray of shape (A, E)
        Data losses of E single examples along the same direction.
    grid_data, grid_reg : ndarray of shape (A, A)
        Data loss and penalty on the plane of both directions.
    reg : float
    examples : sequence of int
        The E example indices (for the legend).
    fig : Figure or None
        Drawn into after clearing it; ``None`` makes a new one.
    """
    fig = _reuse(fig, (13, 4))
    line_ax, example_ax, grid_ax = fig.subplots(1, 3, gridspec_kw=_margins(wspace=0.25, right=0.97))
    line_ax.plot(alphas, line_data + line_reg, color="black", label=f"full loss (reg {reg:g})")
    line_ax.plot(alphas, line_data, color="gray", linestyle="--", label="data loss only")
    line_ax.axvline(0, color="tab:orange", linewidth=1, label="trained W")
    line_ax.set_xlabel("a")
    line_ax.set_title("$L(W + a W_1)$ over the examples")
    line_ax.legend(loc="upper center", fontsize="small")  # fixed places: "best" searches on every redraw
    for column, index in enumerate(examples):
        example_ax.plot(alphas, example_lines[:, column], marker=".", markersize=3, label=f"example {index}")
    example_ax.set_xlabel("a")
    example_ax.set_title("one example's data loss $L_i(W + a W_1)$")
    example_ax.legend(loc="upper center", fontsize="small")
    full = grid_data + grid_reg  # (A, A)
    levels = np.unique(np.quantile(full, np.linspace(0, 1, 16)[1:-1]))
    contour = grid_ax.contourf(alphas, alphas, full, levels=24, cmap="viridis")
    grid_ax.contour(alphas, alphas, full, levels=levels, colors="white", linewidths=0.6)
    grid_ax.plot(0, 0, "*", color="tab:orange", markersize=12, markeredgecolor="black")
    fig.colorbar(contour, ax=grid_ax, label="full loss")
    grid_ax.set_xlabel("a (along $W_1$)")
    grid_ax.set_ylabel("b (along $W_2$)")
    grid_ax.set_title("$L(W + a W_1 + b W_2)$")
    return fig


def optimizer_figure(fn, paths, learning_rates, momenta, losses_map, step_size, momentum, num_steps,
                     boundary=None, fig=None):
    """Paths of several rules over the landscape's contours, and the step size x momentum map.

    Parameters
    ----------
    fn : Landscape
    paths : dict
        From ``playgrounds.optimizer_paths``.
    learning_rates : ndarray of shape (L,)
    momenta : ndarray of shape (M,)
    losses_map : ndarray of shape (M, L)
        From ``playgrounds.momentum_map`` (``inf`` = diverged).
    step_size, momentum : float
        The current setting, marked on the map.
    num_steps : int
    boundary : ndarray of shape (M,) or None
        The largest stable step size for each momentum, drawn as a line.
    fig : Figure or None
        Drawn into after clearing it; ``None`` makes a new one.
    """
    fig = _reuse(fig, (12, 4.6))
    path_ax, map_ax = fig.subplots(1, 2, width_ratios=(1.25, 1), gridspec_kw=_margins(wspace=0.18, right=0.94))
    xmin, xmax, ymin, ymax = fn.extent
    labelled = {}
    for name, (path, _, diverged) in paths.items():
        if diverged:  # keep the steps up to the first one far outside the frame
            outside = (np.abs(path[:, 0] - (xmin + xmax) / 2) > 2 * (xmax - xmin)) | (
                np.abs(path[:, 1] - (ymin + ymax) / 2) > 2 * (ymax - ymin))  # (t,)
            path = path[: np.argmax(outside) + 1] if outside.any() else path
            name = f"{name} (diverged at step {len(paths[name][0])})"
        labelled[name] = path
    plot_trajectories(fn, labelled, ax=path_ax, num_levels=14, title=f"{fn.name}: {num_steps} steps", legend=False)
    path_ax.legend(loc="upper right", fontsize="small")  # a fixed place: "best" searches on every redraw

    finite = losses_map[np.isfinite(losses_map)]
    low = max(finite.min(), 1e-12) if finite.size else 1e-12
    high = max(finite.max(), low * 10) if finite.size else 1.0
    cmap = colormaps["viridis_r"].with_extremes(bad=DIVERGED_COLOR)  # NaN cells: the diverged runs
    shown = np.where(np.isfinite(losses_map), np.maximum(losses_map, low), np.nan)  # (M, L)
    mesh = map_ax.pcolormesh(learning_rates, momenta, shown, norm=LogNorm(low, high), cmap=cmap, shading="nearest")
    colorbar = fig.colorbar(mesh, ax=map_ax, label=f"loss after {num_steps} steps (red: diverged)")
    colorbar.ax.yaxis.set_major_locator(LogLocator(numticks=6))
    colorbar.ax.yaxis.set_minor_locator(NullLocator())  # minor ticks on log axes cost a third of a redraw
    if boundary is not None:
        map_ax.plot(boundary, momenta, color="white", linestyle="--", label="stability limit $\\eta = 2(1+\\rho)/\\kappa$")
        map_ax.legend(loc="lower left", fontsize="small")
    map_ax.plot(step_size, momentum, "o", color="white", markeredgecolor="black", markersize=9)
    map_ax.set_xscale("log")
    map_ax.xaxis.set_minor_locator(NullLocator())
    map_ax.set_xlim(learning_rates[0], learning_rates[-1])
    map_ax.set_ylim(momenta[0], momenta[-1])
    map_ax.set_xlabel("step size $\\eta$")
    map_ax.set_ylabel("momentum $\\rho$")
    map_ax.set_title("momentum SGD from the same start")
    return fig
