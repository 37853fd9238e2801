"""The image helpers draw what they promise: titles, labels, number of images.

Runs on the Agg backend; the arrays are small and random, so every test is fast.
"""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from cs231n_lib import vis_utils  # noqa: E402

CLASSES = ["plane", "car", "bird", "cat"]


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def images_in(fig):
    """Every AxesImage drawn in the figure, in axes order."""
    return [image for ax in fig.axes for image in ax.get_images()]


def tile(mosaic, row, column):
    """The 32x32 tile at (row, column) of a show_class_examples mosaic."""
    step = 32 + vis_utils.MOSAIC_GAP
    return mosaic[row * step : row * step + 32, column * step : column * step + 32]


def test_class_examples_mosaic_has_one_column_per_class_holding_only_that_class():
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(len(CLASSES)), 5)  # 5 images per class
    X = rng.integers(0, 256, size=(y.size, 32, 32, 3)).astype(np.float64)
    X[:, 0, 0, 0] = y * 60  # mark each image with its label in one pixel
    fig, ax = vis_utils.show_class_examples(X, y, CLASSES, per_class=3)
    assert len(images_in(fig)) == 1, "the examples are drawn as one mosaic"
    mosaic = ax.get_images()[0].get_array()
    assert mosaic.shape == (3 * 34 - 2, len(CLASSES) * 34 - 2, 3)
    assert [label.get_text() for label in ax.get_xticklabels()] == CLASSES
    for c in range(len(CLASSES)):
        for row in range(3):
            shown = tile(mosaic, row, c)
            assert shown[0, 0, 0] == c * 60, "an image landed in another class's column"
            assert any(np.array_equal(shown, image) for image in X[y == c]), "tiles must show the images unchanged"
    assert ax.get_title() == "3 random training images per class"


def test_class_examples_accepts_flat_rows_with_bias_and_leaves_short_classes_white():
    y = np.array([0, 0, 1, 2, 3, 3, 3])
    X = np.full((y.size, 3073), 100.0)  # flattened rows plus the bias column
    _, ax = vis_utils.show_class_examples(X, y, CLASSES, per_class=3)
    mosaic = ax.get_images()[0].get_array()
    filled = [[bool(np.all(tile(mosaic, row, c) == 100)) for c in range(4)] for row in range(3)]
    assert filled == [[True, True, True, True], [True, False, False, True], [False, False, False, True]]
    assert np.all(tile(mosaic, 2, 0) == 255), "a missing image leaves a white tile"


def test_show_image_keeps_raw_pixels_and_rescales_other_ranges():
    raw = np.arange(3072).reshape(32, 32, 3) % 256
    _, ax = vis_utils.show_image(raw, title="raw")
    np.testing.assert_array_equal(ax.get_images()[0].get_array(), raw)
    assert ax.get_title() == "raw"
    centred = raw - 127.5  # a mean-subtracted image has negative values
    _, ax = vis_utils.show_image(centred.ravel())
    shown = ax.get_images()[0].get_array()
    assert shown.min() == 0 and shown.max() == 255


def test_show_mean_image_title_and_bias_row_dropped():
    mean = np.full(3073, 120.0)
    mean[-1] = 1e6  # a bias entry must not reach the picture
    fig, ax = vis_utils.show_mean_image(mean)
    assert ax.get_title() == "Mean training image"
    assert np.all(ax.get_images()[0].get_array() == 120)
    assert len(images_in(fig)) == 1


@pytest.mark.parametrize("D", [3072, 3073])
def test_weight_templates_one_rescaled_panel_per_class(D):
    rng = np.random.default_rng(1)
    W = 1e-3 * rng.standard_normal((D, len(CLASSES)))
    fig, axes = vis_utils.show_weight_templates(W, CLASSES)
    shown = images_in(fig)
    assert len(shown) == len(CLASSES)
    assert [ax.get_title() for ax in axes.ravel()[: len(CLASSES)]] == CLASSES
    for image in shown:
        pixels = image.get_array()
        assert pixels.shape == (32, 32, 3) and pixels.min() == 0 and pixels.max() == 255
    assert fig._suptitle.get_text() == "Learned weights as class templates"


def test_weight_templates_ten_classes_fill_two_rows_of_five():
    W = np.random.default_rng(2).standard_normal((3073, 10))
    _, axes = vis_utils.show_weight_templates(W, [f"class {c}" for c in range(10)])
    assert axes.shape == (2, 5)


def test_weight_histograms_share_bins_and_title_each_panel():
    rng = np.random.default_rng(3)
    weights = {"L2": rng.standard_normal((3073, 4)), "L1": np.zeros((3073, 4))}
    weights["L1"][:10] = 5.0
    fig, axes = vis_utils.plot_weight_histograms(weights, bins=20)
    assert len(axes) == 2
    assert [ax.get_title().split()[0] for ax in axes] == ["L2", "L1"]
    assert all(ax.get_xlabel() == "weight value" for ax in axes)
    assert axes[0].get_ylabel() == "number of weights"
    left, right = (ax.patches for ax in axes)
    assert len(left) == len(right) == 20
    assert [p.get_x() for p in left] == [p.get_x() for p in right], "panels must share bin edges"
    assert sum(p.get_height() for p in right) == 3073 * 4


def test_tuning_heatmap_places_each_accuracy_in_its_cell():
    results = {(1e-7, 2.5e4): (0.30, 0.28), (1e-7, 5e4): (0.33, 0.31), (5e-7, 2.5e4): (0.36, 0.35)}
    fig, ax = vis_utils.plot_tuning_heatmap(results)
    grid = ax.get_images()[0].get_array()
    assert grid.shape == (2, 2)
    assert grid[0, 0] == 0.28 and grid[0, 1] == 0.31 and grid[1, 0] == 0.35
    assert np.ma.is_masked(grid[1, 1]) or np.isnan(grid[1, 1]), "a missing (lr, reg) pair must stay blank"
    assert ax.get_xlabel() == "regularization strength (reg)" and ax.get_ylabel() == "learning rate"
    assert ax.get_title().startswith("Validation accuracy")
    bold = [t.get_text() for t in ax.texts if t.get_fontweight() == "bold"]
    assert bold == ["0.350"], "the best validation accuracy is the one highlighted"
    _, ax = vis_utils.plot_tuning_heatmap(results, which="train")
    assert ax.get_images()[0].get_array()[1, 0] == 0.36


@pytest.mark.parametrize(
    "call, fragment",
    [
        (lambda: vis_utils.show_image(np.zeros((32, 32))), "image must have shape"),
        (lambda: vis_utils.show_class_examples(np.zeros((3, 100)), [0, 1, 2], CLASSES), "X_images must have shape"),
        (lambda: vis_utils.show_class_examples(np.zeros((3, 3072)), [0, 1], CLASSES), "y must have shape (3,)"),
        (lambda: vis_utils.show_class_examples(np.zeros((2, 3072)), [0, 4], CLASSES), "y must lie in [0, 4)"),
        (lambda: vis_utils.show_class_examples(np.zeros((2, 3072)), [0.0, 1.0], CLASSES), "integer labels"),
        (lambda: vis_utils.show_class_examples(np.zeros((2, 3072)), [0, 1], CLASSES, per_class=0), "per_class"),
        (lambda: vis_utils.show_weight_templates(np.zeros((3073, 3)), CLASSES), "W must have shape"),
        (lambda: vis_utils.show_weight_templates(np.full((3072, 4), np.nan), CLASSES), "NaN or inf"),
        (lambda: vis_utils.plot_weight_histograms({}), "non-empty dict"),
        (lambda: vis_utils.plot_weight_histograms({"L1": np.array([np.inf])}), "weights['L1']"),
        (lambda: vis_utils.plot_tuning_heatmap({(1e-7, 1.0): (0.1, 0.1)}, which="test"), "which must be"),
        (lambda: vis_utils.plot_tuning_heatmap([]), "results must be"),
    ],
)
def test_bad_input_raises_a_sentence_naming_the_argument(call, fragment):
    with pytest.raises(ValueError) as excinfo:
        call()
    assert fragment in str(excinfo.value)


def test_shared_scale_templates_show_zero_as_mid_grey_in_every_panel():
    rng = np.random.default_rng(0)
    W = 1e-3 * rng.standard_normal((3073, 3))  # (D, C)
    W[:3072, 1] = 0.0                            # a template that is exactly zero
    W[:3072, 2] *= 0.1                           # a template ten times fainter
    fig, _ = vis_utils.show_weight_templates(W, CLASSES[:3], shared_scale=True)
    shown = [np.asarray(image.get_array(), dtype=float) for image in images_in(fig)]
    assert np.all(shown[1] == 128), "a zero weight is mid-grey"
    largest = np.abs(W[:3072]).max()
    assert np.allclose(shown[0].ravel(), 128 + 127 * W[:3072, 0] / largest, atol=0.5 + 1e-9)
    assert np.abs(shown[2] - 128).max() < 0.2 * np.abs(shown[0] - 128).max(), "the fainter template stays faint"


def test_every_histogram_panel_labels_both_axes():
    weights = {"L2": np.ones((4, 2)), "L1": np.arange(8.0).reshape(4, 2)}
    _, axes = vis_utils.plot_weight_histograms(weights, bins=5, log_counts=True)
    assert all(ax.get_xlabel() == "weight value" for ax in axes)
    assert all(ax.get_ylabel() == "number of weights (log scale)" for ax in axes)


# ------------------------------------------------------------------ networks


def test_visualize_grid_layout_and_scaling():
    from cs231n_lib.vis_utils import visualize_grid
    Xs = np.stack([np.full((2, 3, 1), 5.0), np.arange(6.0).reshape(2, 3, 1), np.zeros((2, 3, 1))])  # (3, 2, 3, 1)
    grid = visualize_grid(Xs, ubound=255.0, padding=1)
    # ceil(sqrt(3)) = 2 tiles per row: (2 * 3 - 1, 2 * 4 - 1, 1)
    assert grid.shape == (5, 7, 1)
    np.testing.assert_allclose(grid[0:2, 4:7, 0], np.arange(6.0).reshape(2, 3) * 51.0)  # rescaled to [0, 255]
    assert np.all(grid[2, :, 0] == 0) and np.all(grid[:, 3, 0] == 0)  # padding
    np.testing.assert_array_equal(grid[0:2, 0:3, 0], 0.0)  # a constant image maps to 0
    with pytest.raises(ValueError, match="^Xs"):
        visualize_grid(np.zeros((3, 32, 32)))


def test_show_first_layer_weights_and_activation_histograms():
    from cs231n_lib.vis_utils import plot_activation_histograms, show_first_layer_weights
    fig, ax = show_first_layer_weights(np.random.default_rng(0).standard_normal((3072, 10)))
    assert "10 hidden units" in ax.get_title()
    plt.close(fig)
    with pytest.raises(ValueError, match="^W1"):
        show_first_layer_weights(np.zeros((3073, 10)))
    fig, axes = plot_activation_histograms([np.ones((4, 3)), np.zeros((4, 3))], title="t")
    assert len(axes) == 2 and axes[0].get_title().startswith("layer 1")
    plt.close(fig)
    with pytest.raises(ValueError, match="^activations"):
        plot_activation_histograms([])
