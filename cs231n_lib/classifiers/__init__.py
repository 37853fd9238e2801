"""CS231n's package layout, for notebooks written against it.

CS231n keeps its models in ``cs231n.classifiers``; here they live at the top
of the package. Changing ``cs231n.`` to ``cs231n_lib.`` in a CS231n notebook's
imports finds them here: ``from cs231n_lib.classifiers import LinearSVM, Softmax``
(assignment 1), ``from cs231n_lib.classifiers.linear_svm import svm_loss_naive``,
``from cs231n_lib.classifiers.fc_net import *`` (assignment 2). Each module here
only re-exports; the code is in the module of the same name one level up.
"""

from ..linear_classifier import LinearClassifier, LinearSVM, Softmax  # noqa: F401
