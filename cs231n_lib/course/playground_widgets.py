"""The three interactive lessons as ipywidgets: controls, a readout, and a PNG redrawn on every change.

The computation is in :mod:`cs231n_lib.course.playgrounds`, the pictures in
:mod:`cs231n_lib.course.playground_figures`; this module only wires controls to them.
The figure is a static matplotlib image re-rendered into an
``ipywidgets.Image`` (no ipympl), which JupyterLab, classic Notebook and Colab
all show with their built-in widget support (CONTRIBUTING.md says why).

Displayed in a notebook, a playground is a widget in a live frontend, and a
PNG of its current state everywhere else (nbconvert's HTML, an executed
notebook opened without a kernel): its display bundle carries both.

A function the student has not written yet raises ``NotImplementedError``;
the playground then shows that message and what to implement instead of a figure.
"""

import base64
import html

import ipywidgets as widgets
import numpy as np

from . import playground_figures as figures
from . import playgrounds


class Playground:
    """Controls, a readout line and a figure; subclasses define ``figure()`` and their controls.

    Attributes
    ----------
    box : ipywidgets.VBox
        What is displayed.
    image : ipywidgets.Image
        The current figure as PNG (empty when the figure could not be computed).
    readout : ipywidgets.HTML
        The numbers of the current state, or what to implement.
    """

    needs = "the course's functions"  # what a NotImplementedError asks the student for (subclasses say which)

    def __init__(self, controls):
        self.controls = controls
        self.image = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
        self.readout = widgets.HTML()
        self.box = widgets.VBox([widgets.HBox(controls[i:i + 3], layout=widgets.Layout(flex_flow="row wrap"))
                                 for i in range(0, len(controls), 3)] + [self.readout, self.image])
        self.box.add_class("cs231n-playground")
        self._holding = False
        self.canvas_figure = None  # the Figure every redraw draws into (made by the first one)
        for control in controls:
            if hasattr(control, "value"):
                control.observe(self._changed, names="value")
        self.redraw()

    def figure(self):
        """A new Figure of the current state (subclasses)."""
        raise NotImplementedError("a Playground subclass defines figure()")  # pragma: no cover

    def render(self):
        """Compute the current state and return its figure as PNG bytes."""
        return figures.to_png(self.figure())

    def redraw(self):
        """Render the current state into ``image``; on NotImplementedError say what to implement."""
        try:
            self.image.value = self.render()
        except NotImplementedError as exc:
            self.image.value = b""
            self.readout.value = (f"<b>Not available yet:</b> {html.escape(str(exc))}. This playground needs "
                                  f"{html.escape(self.needs)}; implement it, then run this cell again.")

    def _changed(self, change):
        if not self._holding:
            self.redraw()

    def _repr_mimebundle_(self, **kwargs):
        # The widget view, spelled out as ipywidgets 8 does (ipywidgets 7, which Colab may ship, has no
        # _repr_mimebundle_ to ask), then the PNG that frontends without the widget show instead.
        bundle = {"application/vnd.jupyter.widget-view+json": {"version_major": 2, "version_minor": 0,
                                                                "model_id": self.box.model_id}}
        if self.image.value:
            bundle["image/png"] = base64.b64encode(self.image.value).decode("ascii")
        bundle["text/plain"] = (f"{type(self).__name__}: an interactive figure; run the notebook in Jupyter "
                                f"to move its controls.")
        return bundle


def _slider(description, value, low, high, step=0.01, log=False):
    style, layout = {"description_width": "initial"}, widgets.Layout(width="31%")
    if log:
        return widgets.FloatLogSlider(value=value, base=10, min=low, max=high, step=0.05, description=description,
                                      style=style, layout=layout, readout_format=".2g", continuous_update=False)
    return widgets.FloatSlider(value=value, min=low, max=high, step=step, description=description, style=style,
                               layout=layout, continuous_update=False)


class ClassifierPlayground(Playground):
    """A linear classifier on 2-D points of 3 classes: move W and b, switch the loss, take gradient steps.

    Parameters
    ----------
    W : ndarray of shape (2, 3)
    b : ndarray of shape (3,)
    X : ndarray of shape (N, 2), optional
    y : ndarray of shape (N,), optional
        Default: ``playgrounds.toy_data()``.
    loss : {'svm', 'softmax'}
    reg, step_size, margin : float
    """

    needs = ("svm_loss_on_scores (cs231n_lib/classifiers/linear_svm.py), softmax_loss_on_scores (cs231n_lib/classifiers/softmax.py) "
             "for softmax, and sgd (cs231n_lib/optim.py) for a step")
    extent = (-1.6, 1.6, -1.4, 1.6)

    def __init__(self, W, b, X=None, y=None, loss="svm", reg=0.01, step_size=0.5, margin=1.0):
        if X is None or y is None:
            X, y = playgrounds.toy_data()
        self.X, self.y = X, y
        self.weights = [_slider(f"W[{i},{c}]", float(W[i, c]), -3, 3) for i in range(2) for c in range(3)]
        self.biases = [_slider(f"b[{c}]", float(b[c]), -3, 3) for c in range(3)]
        self.loss = widgets.ToggleButtons(options=[("SVM", "svm"), ("softmax", "softmax")], value=loss,
                                          description="loss")
        self.margin = _slider("SVM margin Δ", margin, 0.1, 3.0)
        self.reg = _slider("λ", reg, -4, 0, log=True)
        self.step_size = _slider("step size", step_size, -3, 1, log=True)
        self.step_button = widgets.Button(description="step", button_style="primary",
                                          tooltip="one gradient step on the total loss")
        self.step_button.on_click(lambda _: self.step())
        super().__init__(self.weights + self.biases + [self.loss, self.margin, self.reg, self.step_size,
                                                       self.step_button])

    def parameters(self):
        """The current ``W`` of shape (2, 3) and ``b`` of shape (3,)."""
        W = np.array([s.value for s in self.weights]).reshape(2, 3)  # (2, 3)
        return W, np.array([s.value for s in self.biases])

    def state(self):
        W, b = self.parameters()
        return playgrounds.classifier_state(W, b, self.X, self.y, self.loss.value, self.reg.value, self.margin.value)

    def step(self):
        """One gradient step at the chosen step size and λ; the sliders move to the new W and b."""
        W, b = self.parameters()
        try:
            W_next, b_next = playgrounds.gradient_step(W, b, self.X, self.y, self.loss.value, self.reg.value,
                                                       self.step_size.value, self.margin.value)
        except NotImplementedError:
            self.redraw()  # says what is missing
            return
        self._holding = True
        try:  # move all nine sliders, then draw once
            for slider, value in zip(self.weights + self.biases, np.concatenate([W_next.ravel(), b_next])):
                slider.value = float(np.clip(value, slider.min, slider.max))
        finally:
            self._holding = False
        self.redraw()

    def figure(self):
        W, b = self.parameters()
        state = self.state()
        self.readout.value = (f"total loss <b>{state['loss']:.4f}</b> = data {state['data_loss']:.4f} "
                              f"+ reg {state['reg_loss']:.4f} ({self.loss.value}, λ = {self.reg.value:.2g})")
        regions = playgrounds.decision_regions(W, b, self.extent)
        self.canvas_figure = figures.classifier_figure(self.X, self.y, W, b, regions, state, self.loss.value,
                                                       self.extent, fig=self.canvas_figure)
        return self.canvas_figure


class LandscapePlayground(Playground):
    """Slices of the SVM loss through a trained W: a line, single examples, a 2-D contour; λ is a control.

    The data losses along the slices are computed once (the slow part); a
    change of λ only recomputes the penalty, a change of the example only its line.

    Parameters
    ----------
    W : ndarray of shape (D, C)
        The trained weights at the centre.
    X : ndarray of shape (N, D)
    y : ndarray of shape (N,)
    reg : float
        Initial λ (one of ``REGS``).
    alphas : ndarray of shape (A,)
    seed : int
        Seed of the two random directions.
    """

    needs = "svm_loss_on_scores (cs231n_lib/classifiers/linear_svm.py)"
    REGS = (0.0, 1e3, 5e3, 2.5e4, 1e5, 5e5)

    def __init__(self, W, X, y, reg=2.5e4, alphas=None, seed=0, examples=(0, 1, 2)):
        self.W, self.X, self.y = W, X, y
        self.alphas = np.linspace(-1.0, 1.0, 31) if alphas is None else np.asarray(alphas)
        self.directions = playgrounds.random_directions(W, 2, seed=seed)
        self._data = None
        self.reg = widgets.SelectionSlider(options=[(f"{r:g}", r) for r in self.REGS], value=reg,
                                           description="λ", continuous_update=False)
        self.example = widgets.IntSlider(value=examples[0], min=0, max=len(y) - 1, description="first example",
                                         style={"description_width": "initial"}, continuous_update=False)
        self.num_examples = len(examples)
        super().__init__([self.reg, self.example])

    def data_losses(self):
        """Cached ``(line (A,), grid (A, A))`` mean data losses on the two slices."""
        if self._data is None:
            line = playgrounds.slice_data_losses(self.W, self.X, self.y, self.directions[:1], self.alphas)
            grid = playgrounds.slice_data_losses(self.W, self.X, self.y, self.directions, self.alphas)
            self._data = line, grid
        return self._data

    def figure(self):
        line, grid = self.data_losses()
        reg = self.reg.value
        examples = [(self.example.value + k) % len(self.y) for k in range(self.num_examples)]
        singles = playgrounds.slice_data_losses(self.W, self.X[examples], self.y[examples], self.directions[:1],
                                                self.alphas, per_example=True)  # (A, E)
        line_reg = playgrounds.slice_l2(self.W, self.directions[:1], self.alphas, reg)  # (A,)
        grid_reg = playgrounds.slice_l2(self.W, self.directions, self.alphas, reg)  # (A, A)
        full = line + line_reg
        self.readout.value = (f"λ = {reg:g}: full loss at W {full[len(full) // 2]:.3f}, lowest on the line "
                              f"{full.min():.3f} at a = {self.alphas[np.argmin(full)]:+.2f}")
        self.canvas_figure = figures.landscape_figure(self.alphas, line, line_reg, singles, grid, grid_reg, reg,
                                                      examples, fig=self.canvas_figure)
        return self.canvas_figure


class OptimizerPlayground(Playground):
    """SGD, momentum, Nesterov, RMSProp and Adam on a quadratic or Rosenbrock, with the step size x momentum map.

    The map is recomputed only when the landscape, the condition number or
    the number of steps changes; moving the step size or the momentum moves its marker.
    """

    needs = "the update rules sgd, sgd_momentum, nesterov_momentum, rmsprop and adam (cs231n_lib/optim.py)"
    momenta = np.linspace(0.0, 0.96, 25)
    # Per landscape: the map's step sizes, and the step sizes (SGD family, RMSProp/Adam) set when switching to it.
    # Rosenbrock's walls are steep (curvature ~ 1000 at the start): its useful steps are 100x smaller.
    MAP_STEPS = {"quadratic": np.logspace(-3, 0, 31), "rosenbrock": np.logspace(-5, -2, 31)}
    START_STEPS = {"quadratic": (0.05, 0.1), "rosenbrock": (1e-3, 0.05)}

    def __init__(self, landscape="quadratic", condition_number=10.0, step_size=0.05, momentum=0.8,
                 adaptive_step_size=0.1, num_steps=60):
        self.landscape = widgets.Dropdown(options=[("quadratic", "quadratic"), ("Rosenbrock", "rosenbrock")],
                                          value=landscape, description="landscape")
        self.condition_number = _slider("condition number κ", condition_number, 0, 3, log=True)
        self.num_steps = widgets.IntSlider(value=num_steps, min=5, max=200, description="steps k",
                                           continuous_update=False)
        self.step_size = _slider("step size η", step_size, -5, 0, log=True)
        self.momentum = _slider("momentum ρ", momentum, 0.0, 0.96)
        self.adaptive_step_size = _slider("RMSProp/Adam step", adaptive_step_size, -3, 0, log=True)
        self._map_key, self._map = None, None
        self.condition_number.disabled = landscape != "quadratic"
        self.landscape.observe(self._switch_landscape, names="value")  # registered first: runs before the redraw
        super().__init__([self.landscape, self.condition_number, self.num_steps, self.step_size, self.momentum,
                          self.adaptive_step_size])

    @property
    def learning_rates(self):
        """The map's step sizes for the current landscape, shape (L,)."""
        return self.MAP_STEPS[self.landscape.value]

    def _switch_landscape(self, change):
        """Move the step sizes into the new landscape's useful range (one redraw follows, from the base class)."""
        self._holding = True
        try:
            self.step_size.value, self.adaptive_step_size.value = self.START_STEPS[change["new"]]
            self.condition_number.disabled = change["new"] != "quadratic"
        finally:
            self._holding = False

    def function(self):
        return playgrounds.optimizer_landscape(self.landscape.value, self.condition_number.value)

    def loss_map(self, fn):
        """Cached ``playgrounds.momentum_map`` for the current landscape and number of steps."""
        key = (self.landscape.value, self.condition_number.value, self.num_steps.value)
        if key != self._map_key:
            self._map = playgrounds.momentum_map(fn, fn.start, self.learning_rates, self.momenta,
                                                 self.num_steps.value)
            self._map_key = key
        return self._map

    def figure(self):
        fn = self.function()
        rules = playgrounds.playground_rules(self.step_size.value, self.momentum.value, self.adaptive_step_size.value)
        paths = playgrounds.optimizer_paths(fn, rules, fn.start, self.num_steps.value)
        losses_map = self.loss_map(fn)
        boundary = None
        if self.landscape.value == "quadratic":
            boundary = 2 * (1 + self.momenta) / self.condition_number.value  # (M,): heavy ball's stability limit
        self.readout.value = "loss after the last step: " + ", ".join(
            f"{name} <b>{'diverged' if diverged else format(losses[-1], '.3g')}</b>"
            for name, (_, losses, diverged) in paths.items())
        self.canvas_figure = figures.optimizer_figure(fn, paths, self.learning_rates, self.momenta, losses_map,
                                                      self.step_size.value, self.momentum.value, self.num_steps.value,
                                                      boundary, fig=self.canvas_figure)
        return self.canvas_figure
