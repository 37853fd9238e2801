"""cs231n_lib: loss functions and optimization, the CS231n way, in numpy.

Letters used throughout the package:
    N  number of examples          D  features per example (3073 with the bias column)
    C  number of classes           W  weights of shape (D, C); X (N, D); y (N,) ints in [0, C)

The folders show who writes what:
    classifiers/    the models students write, where CS231n keeps them: linear_svm, softmax,
                    linear_classifier, fc_net
    (this folder)   the other files students write (regularizers, optim, second_order, layers) and
                    CS231n's given modules (data_utils, gradient_check, layer_utils, solver, vis_utils)
    course/         the course's helpers: validation (_checks), the synthetic data, lecture demos,
                    playgrounds, pictures, schedules, tuning, initialization, the self-check

The import direction is the architecture:
    data_utils -> course.synthetic     (CIFAR-10 on disk -> arrays; the stand-in without data)
    course._checks -> classifiers.linear_svm, classifiers.softmax, regularizers -> course.loss_variants
    gradient_check                     (independent of the losses: it only calls f)
    course._checks -> optim -> classifiers.linear_classifier (uses the losses and regularizers)
    classifiers.linear_svm, .softmax -> layers -> layer_utils, course.weight_init -> classifiers.fc_net
    optim -> solver                    (networks)
"""

# --- data ---
from .data_utils import (CLASS_NAMES, get_CIFAR10_data, get_CIFAR10_linear_data, get_CIFAR10_source,
                         load_CIFAR10)
from .course.synthetic import make_synthetic_cifar10

# --- losses, gradient checking, regularizers, classifiers ---
from . import regularizers
from .gradient_check import (eval_numerical_gradient, eval_numerical_gradient_array,
                             grad_check_sparse, rel_error)
from .course.divergence import TrainingDivergedError, TrainingDivergedWarning
from .classifiers.linear_classifier import LinearClassifier, LinearSVM, Softmax
from .classifiers.linear_svm import svm_loss_naive, svm_loss_vectorized
from .classifiers.softmax import softmax_loss_naive, softmax_loss_vectorized

# --- optimizers ---
from . import optim

# --- neural networks: layers, fully connected nets, Solver ---
from . import layers, layer_utils
from .classifiers.fc_net import FullyConnectedNet, TwoLayerNet
from .solver import Solver

# --- the self-check: check("svm_vectorized") runs that question's public tests ---
from .course.selfcheck import check

# --- loaded on first use: matplotlib and scipy.optimize cost ~1 s to
# import, which every test and grading process that only needs a loss would pay.
_LAZY_SUBMODULES = ("second_order", "vis_utils")


def __getattr__(name):
    """Import ``cs231n_lib.second_order`` or ``cs231n_lib.vis_utils`` on first access."""
    if name in _LAZY_SUBMODULES:
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
