"""Pictures for the notebooks: image grids, weight templates, weight histograms.

Letters: N images, C classes, D features per example (3072 = 32 * 32 * 3 pixel
values, or 3073 with the bias column appended last by the bias trick).

Every function draws with ``plt.subplots`` and returns ``(fig, axes)`` the way
``plt.subplots`` does; none calls ``plt.show``, so a notebook shows the figure
and a test can inspect it.
"""

import math

import matplotlib.pyplot as plt
import numpy as np

from .data_utils import IMAGE_SHAPE, PIXELS

MOSAIC_GAP = 2  # white pixels between the tiles of show_class_examples


def _to_images(arr, name):
    """Reshape rows of pixel values to images, dropping a trailing bias entry.

    Parameters
    ----------
    arr : ndarray of shape (N, 32, 32, 3), (N, 3072) or (N, 3073)
        Images, or flattened rows as CIFAR-10 stores them after the reshape
        (32, 32, 3) -> 3072; a 3073rd column (the bias trick's 1) is dropped.
    name : str
        Argument name used in the error message.

    Returns
    -------
    images : ndarray of shape (N, 32, 32, 3), float64
    """
    arr = np.asarray(arr, dtype=np.float64)
    if arr.ndim == 4 and arr.shape[1:] == IMAGE_SHAPE:
        images = arr
    elif arr.ndim == 2 and arr.shape[1] in (PIXELS, PIXELS + 1):
        images = arr[:, :PIXELS].reshape(-1, *IMAGE_SHAPE)  # (N, 3072) -> (N, 32, 32, 3)
    else:
        raise ValueError(
            f"{name} must have shape (N, 32, 32, 3), (N, 3072) or (N, 3073), got "
            f"{arr.shape}; pass CIFAR-10 images or their flattened rows."
        )
    if not np.all(np.isfinite(images)):
        raise ValueError(f"{name} contains NaN or inf; pass finite pixel values.")
    return images


def _rescale(image):
    """Rescale an image linearly so its minimum is 0 and its maximum 255.

    A constant image becomes mid-grey.

    Parameters
    ----------
    image : ndarray of shape (32, 32, 3)

    Returns
    -------
    ndarray of shape (32, 32, 3), uint8
    """
    low, high = image.min(), image.max()
    if high == low:
        return np.full(image.shape, 128, dtype=np.uint8)
    return np.rint(255.0 * (image - low) / (high - low)).astype(np.uint8)


def _display_range(image):
    """Map one image to 0..255 for display.

    Raw pixels (values in [0, 255], up to half a level of rounding error, as
    after adding the mean image back) are rounded and shown as they are;
    anything else (a mean-subtracted image, for example) is rescaled with
    ``_rescale``.

    Parameters
    ----------
    image : ndarray of shape (32, 32, 3)

    Returns
    -------
    ndarray of shape (32, 32, 3), uint8
    """
    if image.min() >= -0.5 and image.max() <= 255.5:
        return np.clip(np.rint(image), 0, 255).astype(np.uint8)
    return _rescale(image)


def _check_labels(y, n, class_names):
    """Check labels against the number of images and classes.

    Parameters
    ----------
    y : array_like of shape (N,)
        Integer labels.
    n : int
        Number of images, N.
    class_names : sequence of str, length C

    Returns
    -------
    y : ndarray of shape (N,)
    """
    y = np.asarray(y)
    if y.shape != (n,):
        raise ValueError(f"y must have shape ({n},) to match the images, got {y.shape}; pass one label per image.")
    if not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"y must hold integer labels, got dtype {y.dtype}; pass y.astype(int).")
    if n and (y.min() < 0 or y.max() >= len(class_names)):
        raise ValueError(
            f"y must lie in [0, {len(class_names)}) to index class_names, got values in "
            f"[{y.min()}, {y.max()}]; pass labels that match class_names."
        )
    return y


def _grid(count, max_cols):
    """Rows and columns for ``count`` panels, at most ``max_cols`` per row."""
    cols = min(count, max_cols)
    return math.ceil(count / cols), cols


def show_image(image, title=None, ax=None):
    """Show one image.

    Parameters
    ----------
    image : ndarray of shape (32, 32, 3), (3072,) or (3073,)
        Pixel values. Values in [0, 255] are shown as they are; any other range
        (a mean-subtracted image, say) is rescaled linearly to 0..255.
    title : str, optional
        Axes title.
    ax : matplotlib Axes, optional
        Where to draw; a new figure is made when omitted.

    Returns
    -------
    fig : matplotlib Figure
    ax : matplotlib Axes
    """
    image = np.asarray(image)
    if image.ndim not in (1, 3):
        raise ValueError(
            f"image must have shape (32, 32, 3), (3072,) or (3073,), got {image.shape}; pass a single image."
        )
    picture = _to_images(image[None], "image")[0]  # (32, 32, 3)
    if ax is None:
        fig, ax = plt.subplots(figsize=(3, 3))
    else:
        fig = ax.figure
    ax.imshow(_display_range(picture))
    ax.axis("off")
    if title is not None:
        ax.set_title(title)
    return fig, ax


def show_mean_image(mean_image, title="Mean training image"):
    """Show the mean image that preprocessing subtracts from every example.

    Parameters
    ----------
    mean_image : ndarray of shape (3072,), (3073,) or (32, 32, 3)
        Per-pixel mean over the training set, in the 0..255 pixel range.
    title : str, optional
        Axes title.

    Returns
    -------
    fig : matplotlib Figure
    ax : matplotlib Axes
    """
    return show_image(mean_image, title=title)


def show_class_examples(X_images, y, class_names, per_class=7, seed=0):
    """Draw example images in one mosaic: a column per class, ``per_class`` rows.

    The images are tiled into a single picture (one ``imshow``), which draws
    much faster than one Axes per image; the columns are labelled with the
    class names.

    Parameters
    ----------
    X_images : ndarray of shape (N, 32, 32, 3), (N, 3072) or (N, 3073)
        Images in the 0..255 pixel range (raw CIFAR-10 rows, before mean
        subtraction).
    y : ndarray of shape (N,)
        Integer labels in [0, C).
    class_names : sequence of str, length C
        Column labels.
    per_class : int, optional
        Images drawn per class (a class with fewer images leaves white tiles).
    seed : int or numpy.random.Generator, optional
        Which images are picked; fixed by default so the mosaic is reproducible.

    Returns
    -------
    fig : matplotlib Figure
    ax : matplotlib Axes
        Holds one image of shape (per_class * 34 - 2, C * 34 - 2, 3): 32-pixel
        tiles separated by 2 white pixels.
    """
    images = _to_images(X_images, "X_images")
    y = _check_labels(y, images.shape[0], class_names)
    if not isinstance(per_class, (int, np.integer)) or per_class < 1:
        raise ValueError(f"per_class must be a positive integer, got {per_class!r}; pass e.g. per_class=7.")
    rng = np.random.default_rng(seed)
    num_classes = len(class_names)
    step = IMAGE_SHAPE[0] + MOSAIC_GAP  # tile plus gap, in pixels
    mosaic = np.full((per_class * step - MOSAIC_GAP, num_classes * step - MOSAIC_GAP, 3), 255, dtype=np.uint8)
    for c in range(num_classes):
        members = np.flatnonzero(y == c)
        picked = rng.choice(members, size=min(per_class, members.size), replace=False)
        for row, index in enumerate(picked):
            top, left = row * step, c * step
            mosaic[top : top + 32, left : left + 32] = _display_range(images[index])  # (32, 32, 3) tile
    fig, ax = plt.subplots(figsize=(1.1 * num_classes, 1.1 * per_class + 0.5))
    ax.imshow(mosaic)
    ax.set_xticks(np.arange(num_classes) * step + 15.5, class_names, fontsize=9)
    ax.xaxis.tick_top()
    ax.tick_params(length=0)
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_title(f"{per_class} random training images per class")
    fig.tight_layout()
    return fig, ax


def show_weight_templates(W, class_names, title="Learned weights as class templates", shared_scale=False):
    """Show each column of a linear classifier's W as a 32x32 colour image.

    The bias row (row 3073 of a (3073, C) matrix) is dropped. By default each
    template is rescaled on its own to 0..255, so colours compare within a
    template, not across templates. With ``shared_scale=True`` every template
    uses one scale centred on zero, ``128 + 127 * w / max|W|``: mid-grey is a
    weight of exactly 0 in every panel, and brightness compares across panels.

    Parameters
    ----------
    W : ndarray of shape (D, C), D = 3072 or 3073
        Weights; column c scores class c.
    class_names : sequence of str, length C
        Panel titles.
    title : str, optional
        Figure title.
    shared_scale : bool, optional
        One colour scale for all templates, centred on zero (see above).

    Returns
    -------
    fig : matplotlib Figure
    axes : ndarray of Axes of shape (rows, cols), at most 5 columns
    """
    W = np.asarray(W)
    if W.ndim != 2 or W.shape[0] not in (PIXELS, PIXELS + 1) or W.shape[1] != len(class_names):
        raise ValueError(
            f"W must have shape (3072 or 3073, {len(class_names)}) to match class_names, got {W.shape}; "
            "pass the classifier's W, one column per class."
        )
    templates = _to_images(W.T, "W")  # (C, D) -> (C, 32, 32, 3)
    if shared_scale:
        largest = np.abs(templates).max()
        scale = 127.0 / largest if largest > 0 else 0.0
        shown = np.rint(128.0 + scale * templates).astype(np.uint8)  # (C, 32, 32, 3), 0 -> 128
    else:
        shown = np.stack([_rescale(t) for t in templates])  # (C, 32, 32, 3)
    rows, cols = _grid(len(class_names), 5)
    fig, axes = plt.subplots(rows, cols, figsize=(1.8 * cols, 2.0 * rows + 0.4), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for c, name in enumerate(class_names):
        ax = axes.ravel()[c]
        ax.imshow(shown[c])
        ax.set_title(name)
    fig.suptitle(title)
    fig.tight_layout()
    return fig, axes


def plot_weight_histograms(weights, bins=80, log_counts=False):
    """Histogram the entries of several weight matrices on one shared x-axis.

    Parameters
    ----------
    weights : dict of str -> ndarray of shape (D, C)
        Label (e.g. "L2", "L1") to weight matrix; one panel per entry, in order.
    bins : int, optional
        Histogram bins, shared by every panel.
    log_counts : bool, optional
        Log-scale the counts, which makes a spike at zero (L1) and thin tails
        visible together.

    Returns
    -------
    fig : matplotlib Figure
    axes : ndarray of Axes of shape (len(weights),)
    """
    if not isinstance(weights, dict) or not weights:
        raise ValueError(
            f"weights must be a non-empty dict of label -> W, got {type(weights).__name__}; "
            "pass e.g. {'L2': W_l2, 'L1': W_l1}."
        )
    values = {label: np.asarray(W, dtype=np.float64).ravel() for label, W in weights.items()}
    for label, v in values.items():
        if v.size == 0 or not np.all(np.isfinite(v)):
            raise ValueError(f"weights[{label!r}] is empty or holds NaN or inf; pass trained finite weights.")
    low = min(v.min() for v in values.values())
    high = max(v.max() for v in values.values())
    edges = np.linspace(low, high, bins + 1) if high > low else bins
    fig, axes = plt.subplots(1, len(values), figsize=(3.6 * len(values), 3.2), sharex=True, squeeze=False)
    axes = axes[0]
    for ax, (label, v) in zip(axes, values.items()):
        ax.hist(v, bins=edges, log=log_counts)
        ax.set_title(f"{label} (std {v.std():.2g})")
        ax.set_xlabel("weight value")
        ax.set_ylabel("number of weights (log scale)" if log_counts else "number of weights")
    fig.suptitle("Distribution of the learned weights")
    fig.tight_layout()
    return fig, axes


def plot_tuning_heatmap(results, which="val", title=None):
    """Heat map of accuracy over a learning-rate x regularization grid.

    Parameters
    ----------
    results : dict of (float, float) -> (float, float)
        The CS231n tuning dictionary: ``results[(learning_rate, reg)] =
        (train_accuracy, val_accuracy)``. Missing grid cells are left blank.
    which : {"val", "train"}, optional
        Which accuracy to colour by.
    title : str, optional
        Axes title; defaults to "<which> accuracy over the (learning rate, reg) grid".

    Returns
    -------
    fig : matplotlib Figure
    ax : matplotlib Axes
    """
    if which not in ("train", "val"):
        raise ValueError(f"which must be 'train' or 'val', got {which!r}; pick the accuracy to show.")
    if not isinstance(results, dict) or not results:
        raise ValueError(
            f"results must be a non-empty dict of (learning_rate, reg) -> (train_acc, val_acc), got "
            f"{type(results).__name__}; fill it in the tuning loop first."
        )
    rates = sorted({lr for lr, _ in results})
    regs = sorted({reg for _, reg in results})
    grid = np.full((len(rates), len(regs)), np.nan)  # (learning rates, regs)
    column = 0 if which == "train" else 1
    for (lr, reg), accuracies in results.items():
        grid[rates.index(lr), regs.index(reg)] = accuracies[column]
    fig, ax = plt.subplots(figsize=(1.1 * len(regs) + 2.5, 0.6 * len(rates) + 1.8))
    image = ax.imshow(grid, cmap="viridis", origin="lower", aspect="auto")
    best = np.unravel_index(np.nanargmax(grid), grid.shape)
    for i in range(len(rates)):
        for j in range(len(regs)):
            if np.isfinite(grid[i, j]):
                weight = "bold" if (i, j) == best else "normal"
                bright = image.norm(grid[i, j]) > 0.6  # dark text on the yellow end of viridis
                ax.text(j, i, f"{grid[i, j]:.3f}", ha="center", va="center", color="k" if bright else "w",
                        fontweight=weight)
    ax.set_xticks(range(len(regs)), [f"{r:g}" for r in regs])
    ax.set_yticks(range(len(rates)), [f"{r:g}" for r in rates])
    ax.set_xlabel("regularization strength (reg)")
    ax.set_ylabel("learning rate")
    label = "validation" if which == "val" else "training"
    ax.set_title(title or f"{label.capitalize()} accuracy over the (learning rate, reg) grid")
    fig.colorbar(image, ax=ax, label=f"{label} accuracy")
    fig.tight_layout()
    return fig, ax


def visualize_grid(Xs, ubound=255.0, padding=1):
    """Tile a batch of images into one grid image, each image rescaled to [0, ubound] (CS231n's helper).

    Parameters
    ----------
    Xs : ndarray of shape (N, H, W, C)
        Images, channels last (C = 3 for colour, 1 for grey), any range.
    ubound : float
        Every image is rescaled linearly to [0, ubound] (a constant image to 0).
    padding : int
        Pixels of 0 between neighbouring tiles.

    Returns
    -------
    grid : ndarray of shape (G * (H + padding) - padding, G * (W + padding) - padding, C), float64
        With G = ceil(sqrt(N)) tiles per row and column, filled row by row;
        show it with ``plt.imshow(grid.astype('uint8'))``.
    """
    Xs = np.asarray(Xs)
    if Xs.ndim != 4 or Xs.shape[0] == 0 or not np.issubdtype(Xs.dtype, np.number):
        raise ValueError(f"Xs must be a non-empty numeric array of shape (N, H, W, C), got shape {Xs.shape}; "
                         f"for first-layer weights pass W1.T.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1).")
    if not np.all(np.isfinite(Xs)):
        raise ValueError("Xs contains NaN or inf; pass finite values.")
    if not np.isfinite(ubound) or ubound <= 0:
        raise ValueError(f"ubound must be a finite number > 0, got {ubound!r}; use 255.0 or 1.0.")
    if isinstance(padding, bool) or not isinstance(padding, (int, np.integer)) or padding < 0:
        raise ValueError(f"padding must be an integer >= 0, got {padding!r}; use 1.")
    N, H, W, C = Xs.shape
    grid_size = int(math.ceil(math.sqrt(N)))
    grid = np.zeros((grid_size * (H + padding) - padding, grid_size * (W + padding) - padding, C))
    for index in range(N):
        row, col = divmod(index, grid_size)
        image = Xs[index].astype(np.float64)  # (H, W, C)
        low, high = image.min(), image.max()
        scaled = ubound * (image - low) / (high - low) if high > low else np.zeros_like(image)
        top, left = row * (H + padding), col * (W + padding)
        grid[top:top + H, left:left + W] = scaled
    return grid


def show_first_layer_weights(W1, title="First-layer weights", padding=3):
    """Show every column of a network's first weight matrix as a 32x32 colour image.

    The network's inputs are images (N, 3, 32, 32) flattened channel by
    channel (as from :func:`cs231n_lib.data_utils.get_CIFAR10_data`), so each
    column of ``W1`` reshapes to (3, 32, 32), the template that hidden unit
    responds to.

    Parameters
    ----------
    W1 : ndarray of shape (3072, H)
    title : str
    padding : int

    Returns
    -------
    fig : matplotlib Figure
    ax : matplotlib Axes
    """
    W1 = np.asarray(W1)
    if W1.ndim != 2 or W1.shape[0] != PIXELS:
        raise ValueError(f"W1 must have shape (3072, H), got {W1.shape}; pass model.params['W1'] of a network "
                         f"on 3 x 32 x 32 images.")
    images = W1.T.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)  # (H, 3072) -> (H, 3, 32, 32) -> (H, 32, 32, 3)
    grid = visualize_grid(images, padding=padding)
    fig, ax = plt.subplots(figsize=(7, 7))
    ax.imshow(grid.astype(np.uint8))
    ax.set_title(f"{title} ({W1.shape[1]} hidden units)")
    ax.axis("off")
    fig.tight_layout()
    return fig, ax


def plot_activation_histograms(activations, title=None, bins=50, value_range=None):
    """One histogram per layer of the activations of a deep network, in one row.

    Parameters
    ----------
    activations : list of ndarray, each of shape (N, M_l)
        Layer l's outputs on a batch (e.g. from
        :func:`cs231n_lib.course.weight_init.activation_statistics`).
    title : str or None
        Figure title.
    bins : int
    value_range : (float, float) or None
        Shared x-range of the histograms; None uses the range of all the layers.

    Returns
    -------
    fig : matplotlib Figure
    axes : ndarray of Axes of shape (len(activations),)
        Each panel's title gives the layer, and the mean and standard deviation of its activations.
    """
    if not isinstance(activations, (list, tuple)) or not activations:
        raise ValueError(f"activations must be a non-empty list of arrays, got {type(activations).__name__}; "
                         f"pass the list from cs231n_lib.course.weight_init.activation_statistics.")
    values = [np.asarray(a, dtype=np.float64).ravel() for a in activations]
    for l, v in enumerate(values, start=1):
        if v.size == 0 or not np.all(np.isfinite(v)):
            raise ValueError(f"activations[{l - 1}] is empty or holds NaN or inf; pass finite activations.")
    if value_range is None:
        low, high = min(v.min() for v in values), max(v.max() for v in values)
        value_range = (low, high) if high > low else (low - 1, high + 1)
    fig, axes = plt.subplots(1, len(values), figsize=(1.9 * len(values) + 1, 2.6), sharey=True, squeeze=False)
    axes = axes[0]
    for l, (ax, v) in enumerate(zip(axes, values), start=1):
        ax.hist(v, bins=bins, range=value_range)
        ax.set_title(f"layer {l}\nmean {v.mean():.2g}, std {v.std():.2g}", fontsize=8)
        ax.tick_params(labelsize=7)
    axes[0].set_ylabel("count")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig, axes
