"""cs231n_lib: loss functions and optimization, the CS231n way, in numpy.

Letters used throughout the package:
    N  number of examples          D  features per example (3073 with the bias column)
    C  number of classes           W  weights of shape (D, C); X (N, D); y (N,) ints in [0, C)

The import direction is the architecture:
    data_utils                      (CIFAR-10 on disk -> arrays)
    _checks -> linear_svm, softmax, loss_variants, regularizers
    gradient_check                  (independent of the losses: it only calls f)
    optim, schedules -> linear_classifier (uses the losses and regularizers)
    second_order, landscapes, plotting, vis_utils (for the notebooks)
"""

# --- data (issue 2) ---

# --- losses, gradient checking, regularizers, classifiers (issue 3) ---

# --- optimizers, schedules, second order, landscapes (issue 4) ---
from . import optim

# --- notebook helpers (issue 5) ---
