"""cs231n_lib: loss functions and optimization, the CS231n way, in numpy.

Letters used throughout the package:
    N  number of examples          D  features per example (3073 with the bias column)
    C  number of classes           W  weights of shape (D, C); X (N, D); y (N,) ints in [0, C)

The import direction is the architecture:
    data_utils -> synthetic         (CIFAR-10 on disk -> arrays; the stand-in without data)
    _checks -> linear_svm, softmax, regularizers -> loss_variants (lecture demos on the losses)
    gradient_check                  (independent of the losses: it only calls f)
    _checks -> optim, schedules -> linear_classifier (uses the losses and regularizers)
    second_order, landscapes, plotting, vis_utils (for the notebooks)
    linear_svm, softmax -> layers -> layer_utils, weight_init -> fc_net;  optim -> solver   (networks)
"""

# --- data ---
from .data_utils import (CLASS_NAMES, get_CIFAR10_data, get_CIFAR10_linear_data, get_CIFAR10_source,
                         load_CIFAR10)
from .synthetic import make_synthetic_cifar10

# --- losses, gradient checking, regularizers, classifiers ---
from . import regularizers
from .gradient_check import (eval_numerical_gradient, eval_numerical_gradient_array,
                             grad_check_sparse, rel_error)
from .divergence import TrainingDivergedError, TrainingDivergedWarning
from .linear_classifier import LinearClassifier, LinearSVM, Softmax
from .linear_svm import svm_loss_naive, svm_loss_vectorized
from .softmax import softmax_loss_naive, softmax_loss_vectorized

# --- optimizers, schedules, second order, landscapes ---
from . import landscapes, optim, schedules

# --- neural networks: layers, fully connected nets, Solver ---
from . import layers, layer_utils, weight_init
from .fc_net import FullyConnectedNet, TwoLayerNet
from .solver import Solver

# --- the self-check: check("svm_vectorized") runs that question's public tests ---
from .selfcheck import check

# --- loaded on first use: matplotlib and scipy.optimize cost ~1 s to
# import, which every test and grading process that only needs a loss would pay.
_LAZY_SUBMODULES = ("plotting", "second_order", "vis_utils")


def __getattr__(name):
    """Import ``cs231n_lib.plotting``, ``.second_order`` or ``.vis_utils`` on first access."""
    if name in _LAZY_SUBMODULES:
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
