"""Tests for cs231n_lib.course.plotting: what is drawn, on which Axes, and that nothing is shown."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from cs231n_lib.course import landscapes, plotting  # noqa: E402


@pytest.fixture(autouse=True)
def no_show_and_close(monkeypatch):
    def fail():
        raise AssertionError("plotting must not call plt.show()")

    monkeypatch.setattr(plt, "show", fail)
    yield
    plt.close("all")


def test_plot_trajectories_draws_paths_markers_legend():
    fn = landscapes.ill_conditioned_quadratic()
    paths = {name: landscapes.run_optimizer(fn, name, fn.start, 20, {"learning_rate": 0.04})[0]
             for name in ("sgd", "sgd_momentum")}
    fig, ax = plt.subplots()
    returned = plotting.plot_trajectories(fn, paths, ax=ax)
    assert returned is ax
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["sgd", "sgd_momentum", "minimum", "start", "end"]
    path_line = next(line for line in ax.get_lines() if line.get_label() == "sgd")
    np.testing.assert_array_equal(np.column_stack(path_line.get_data()), paths["sgd"])
    assert len(ax.collections) > 0  # contour lines
    assert ax.get_xlim() == pytest.approx(fn.extent[:2]) and ax.get_ylim() == pytest.approx(fn.extent[2:])
    assert ax.get_title() == fn.name and ax.get_xlabel() and ax.get_ylabel()


def test_plot_trajectories_without_extent_frames_the_paths():
    class Bowl:  # no extent, no minima, no name
        def value(self, xy):
            return np.sum(np.asarray(xy) ** 2, axis=-1)

    ax = plotting.plot_trajectories(Bowl(), {"path": np.array([[0.0, 0.0], [2.0, 1.0]])}, title="bowl")
    xmin, xmax = ax.get_xlim()
    assert xmin < 0.0 and xmax > 2.0
    assert ax.get_title() == "bowl"


def test_plot_loss_curves_log_scale_and_legend():
    curves = {"sgd": np.geomspace(1.0, 1e-3, 50), "adam": np.geomspace(1.0, 1e-5, 80)}
    ax = plotting.plot_loss_curves(curves)
    assert ax.get_yscale() == "log"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["sgd", "adam"]
    assert [len(line.get_xdata()) for line in ax.get_lines()] == [50, 80]
    assert ax.get_xlabel() == "iteration" and ax.get_ylabel() == "loss" and ax.get_title() == "Loss"
    linear = plotting.plot_loss_curves({"a": [3.0, -1.0]}, log=False)
    assert linear.get_yscale() == "linear"


@pytest.mark.parametrize("call, match", [
    (lambda: plotting.plot_loss_curves({"a": [1.0, 0.0]}), r"curves\['a'\] has values <= 0"),
    (lambda: plotting.plot_loss_curves({}), "curves must be a non-empty dict"),
    (lambda: plotting.plot_loss_curves({"a": np.ones((2, 2))}), r"curves\['a'\] must have shape \(k,\)"),
    (lambda: plotting.plot_trajectories(landscapes.Rosenbrock(), {"a": np.ones((3, 3))}),
     r"trajectories\['a'\] must have shape \(k, 2\)"),
])
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_fit_paths_frames_a_path_that_leaves_the_extent_and_numbered_steps_are_labelled():
    fn = landscapes.Rosenbrock()
    far = np.array([[fn.extent[0], 0.0], [fn.extent[1] + 3.0, fn.extent[3] + 2.0], [1.0, 1.0]])  # (3, 2)
    ax = plotting.plot_trajectories(fn, {"Newton": far}, fit_paths=True, numbered=["Newton"])
    assert ax.get_xlim()[1] >= far[1, 0] and ax.get_ylim()[1] >= far[1, 1], "every point must be in the frame"
    assert ax.get_xlim()[0] <= fn.extent[0], "the function's own extent stays in the frame"
    assert [t.get_text() for t in ax.texts] == ["0", "1", "2"]
    plt.close("all")
    converged = np.array([[-1.5, 2.5], [0.0, 0.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0]])  # (5, 2)
    ax = plotting.plot_trajectories(fn, {"Newton": converged}, numbered=["Newton"])
    assert [t.get_text() for t in ax.texts] == ["0", "1", "2-4"], "points on top of each other share a label"


def test_log_axis_labels_are_plain_numbers_within_a_decade():
    ax = plotting.plot_loss_curves({"a": np.linspace(1.5, 4.0, 20)})
    ax.figure.canvas.draw()
    labels = [t.get_text() for t in ax.get_yticklabels(minor=True) + ax.get_yticklabels() if t.get_text()]
    assert labels and not any("times" in label or "^" in label for label in labels), labels
    plt.close("all")
