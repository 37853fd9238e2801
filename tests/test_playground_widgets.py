"""Tests for cs231n_lib.course.playground_widgets without a browser: a control change redraws, a missing function is named."""

import numpy as np
import pytest

pytest.importorskip("ipywidgets")

from cs231n_lib.course import playground_widgets, playgrounds  # noqa: E402

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
W2 = np.array([[1.0, -0.5, -0.5], [0.2, 1.0, -1.0]])


def test_classifier_redraws_on_a_slider_and_steps_downhill():
    pg = playground_widgets.ClassifierPlayground(W2, np.zeros(3))
    first = bytes(pg.image.value)
    assert first.startswith(PNG_MAGIC)
    total = pg.state()["loss"]
    assert f"{total:.4f}" in pg.readout.value
    pg.weights[0].value = -1.0
    assert bytes(pg.image.value) != first and f"{pg.state()['loss']:.4f}" in pg.readout.value
    before = pg.state()["loss"]
    pg.step()
    assert pg.state()["loss"] < before, "a step at the default step size lowers the total"
    pg.loss.value = "softmax"
    assert "softmax" in pg.readout.value


def test_step_moves_the_sliders_and_redraws_once(monkeypatch):
    pg = playground_widgets.ClassifierPlayground(W2, np.zeros(3))
    draws = []
    monkeypatch.setattr(pg, "render", lambda: draws.append(1) or b"png")
    W_next, b_next = playgrounds.gradient_step(W2, np.zeros(3), pg.X, pg.y, "svm", pg.reg.value, pg.step_size.value)
    pg.step()
    W_now, b_now = pg.parameters()
    np.testing.assert_allclose(W_now, W_next, atol=1e-12)
    np.testing.assert_allclose(b_now, b_next, atol=1e-12)
    assert len(draws) == 1, "nine sliders move, the figure is drawn once"


def test_missing_student_function_is_named_instead_of_a_figure(monkeypatch):
    def not_written(*args, **kwargs):
        raise NotImplementedError("svm_loss_on_scores in cs231n_lib/classifiers/linear_svm.py")

    monkeypatch.setattr(playgrounds._linear_svm, "svm_loss_on_scores", not_written)  # the student's file, not written
    pg = playground_widgets.ClassifierPlayground(W2, np.zeros(3))
    assert bytes(pg.image.value) == b""
    assert "Not available yet" in pg.readout.value and "svm_loss_on_scores" in pg.readout.value
    pg.step()  # no exception: the message stays
    assert "svm_loss_on_scores" in pg.readout.value
    assert "image/png" not in pg._repr_mimebundle_()


def test_display_bundle_carries_the_widget_and_a_png_of_its_state():
    pg = playground_widgets.OptimizerPlayground(num_steps=20)
    bundle = pg._repr_mimebundle_()
    assert bundle["application/vnd.jupyter.widget-view+json"] == pg.box._repr_mimebundle_()[
        "application/vnd.jupyter.widget-view+json"], "the same view ipywidgets itself would display"
    import base64
    assert base64.b64decode(bundle["image/png"]) == bytes(pg.image.value)
    assert "run the notebook in Jupyter" in bundle["text/plain"]


def test_optimizer_map_is_recomputed_only_when_it_changes(monkeypatch):
    pg = playground_widgets.OptimizerPlayground(num_steps=20)
    calls = []
    original = playgrounds.momentum_map
    monkeypatch.setattr(playgrounds, "momentum_map", lambda *a, **k: calls.append(1) or original(*a, **k))
    first = bytes(pg.image.value)
    pg.step_size.value = 0.3
    assert calls == [] and bytes(pg.image.value) != first, "a new step size moves the marker and the paths only"
    assert "diverged" in pg.readout.value, "0.3 * 10 > 2: SGD diverges on the default quadratic"
    pg.condition_number.value = 3.0
    assert calls == [1]


def test_landscape_lambda_changes_only_the_penalty(monkeypatch):
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((30, 6)), rng.integers(0, 3, 30)
    pg = playground_widgets.LandscapePlayground(0.2 * rng.standard_normal((6, 3)), X, y, reg=1e3)
    calls = []
    original = playgrounds.slice_data_losses
    monkeypatch.setattr(playgrounds, "slice_data_losses", lambda *a, **k: calls.append(len(a[1])) or original(*a, **k))
    first, text = pg.image.value, pg.readout.value
    pg.reg.value = 0.0
    assert bytes(pg.image.value) != first and pg.readout.value != text
    assert calls == [3], "only the three single examples are recomputed, not the mean over all examples"


def test_switching_to_rosenbrock_moves_the_steps_into_its_range_and_redraws_once(monkeypatch):
    pg = playground_widgets.OptimizerPlayground(num_steps=20)
    draws = []
    original = pg.render
    monkeypatch.setattr(pg, "render", lambda: draws.append(1) or original())
    pg.landscape.value = "rosenbrock"
    assert len(draws) == 1, "the step sliders move with the landscape, then one redraw"
    assert (pg.step_size.value, pg.adaptive_step_size.value) == pg.START_STEPS["rosenbrock"]
    assert pg.condition_number.disabled and pg.learning_rates[-1] == 1e-2
    assert "diverged" not in pg.readout.value, "Rosenbrock's starting steps must not diverge"
