"""CS231n users' notebooks run against this package with ``cs231n.`` changed to ``cs231n_lib.``.

The imports below are CS231n's assignment-2 imports with that one change, and
the checks use the expected values CS231n's notebooks publish (their inputs
are np.linspace grids, so the values are exact facts about the functions).
The networks keep CS231n A2's regularization convention,
``0.5 * reg * sum(W * W)``, so its published loss with reg = 1.0 holds as is.
"""

import subprocess
import sys
from pathlib import Path

import numpy as np

from cs231n_lib.classifiers.fc_net import *  # noqa: F403
from cs231n_lib.data_utils import get_CIFAR10_data  # noqa: F401
from cs231n_lib.gradient_check import eval_numerical_gradient, eval_numerical_gradient_array, rel_error
from cs231n_lib.layers import *  # noqa: F403
from cs231n_lib.solver import Solver  # noqa: F401
from cs231n_lib.vis_utils import visualize_grid  # noqa: F401


def test_affine_forward_published_values():
    num_inputs, input_shape, output_dim = 2, (4, 5, 6), 3
    D = int(np.prod(input_shape))
    x = np.linspace(-0.1, 0.5, num=num_inputs * D).reshape(num_inputs, *input_shape)
    w = np.linspace(-0.2, 0.3, num=output_dim * D).reshape(D, output_dim)
    b = np.linspace(-0.3, 0.1, num=output_dim)
    out, _ = affine_forward(x, w, b)  # noqa: F405
    published = np.array([[1.49834967, 1.70660132, 1.91485297], [3.25553199, 3.5141327, 3.77273342]])
    assert rel_error(out, published) < 1e-8  # the published values have 9 significant digits


def test_two_layer_net_published_values():
    N, D, H, C = 3, 5, 50, 7
    model = TwoLayerNet(input_dim=D, hidden_dim=H, num_classes=C, weight_scale=1e-3)  # noqa: F405
    model.params["W1"] = np.linspace(-0.7, 0.3, num=D * H).reshape(D, H)
    model.params["b1"] = np.linspace(-0.1, 0.9, num=H)
    model.params["W2"] = np.linspace(-0.3, 0.4, num=H * C).reshape(H, C)
    model.params["b2"] = np.linspace(-0.9, 0.1, num=C)
    X = np.linspace(-5.5, 4.5, num=N * D).reshape(D, N).T
    scores = model.loss(X)
    assert abs(scores[0, 0] - 11.53165108) < 1e-7 and abs(scores[2, 6] - 16.2846319) < 1e-7
    y = np.asarray([0, 5, 1])
    loss, _ = model.loss(X, y)
    assert abs(loss - 3.4702243556) < 1e-9
    model.reg = 1.0  # CS231n's own check, unchanged: 0.5 * reg * sum(W * W)
    loss, _ = model.loss(X, y)
    assert abs(loss - 26.5948426952) < 1e-9


def test_assignment_one_import_paths():
    # CS231n's assignment-1 imports, with cs231n. changed to cs231n_lib.
    import cs231n_lib
    from cs231n_lib.classifiers import LinearSVM as ListedSVM
    from cs231n_lib.classifiers.linear_classifier import LinearSVM, Softmax
    from cs231n_lib.classifiers.linear_svm import svm_loss_naive, svm_loss_vectorized
    from cs231n_lib.classifiers.softmax import softmax_loss_naive, softmax_loss_vectorized

    assert ListedSVM is LinearSVM is cs231n_lib.LinearSVM and Softmax is cs231n_lib.Softmax
    assert svm_loss_naive is cs231n_lib.svm_loss_naive and svm_loss_vectorized is cs231n_lib.svm_loss_vectorized
    assert softmax_loss_naive is cs231n_lib.softmax_loss_naive
    assert softmax_loss_vectorized is cs231n_lib.softmax_loss_vectorized


def test_assignment_two_star_import_gives_the_nets_and_their_layers():
    # CS231n's FullyConnectedNets notebook calls affine_forward after only `from ...classifiers.fc_net import *`.
    from cs231n_lib import layer_utils, layers
    from cs231n_lib.classifiers import fc_net

    namespace = {}
    exec("from cs231n_lib.classifiers.fc_net import *", namespace)
    assert namespace["TwoLayerNet"] is fc_net.TwoLayerNet and namespace["FullyConnectedNet"] is fc_net.FullyConnectedNet
    assert namespace["affine_forward"] is layers.affine_forward and namespace["batchnorm_backward"] is layers.batchnorm_backward
    assert namespace["affine_relu_forward"] is layer_utils.affine_relu_forward


def test_importing_one_model_runs_no_other_model():
    # classifiers/__init__ reads LinearSVM, Softmax and LinearClassifier on first use, so importing one model runs
    # no other student file: the grader imports the graded files one at a time under a bare package (its
    # __init__ runs last), and an error in linear_classifier.py must stay that file's.
    package = Path(__file__).resolve().parents[1] / "cs231n_lib"
    code = ("import sys, types; package = types.ModuleType('cs231n_lib'); "
            f"package.__path__ = [{str(package)!r}]; sys.modules['cs231n_lib'] = package; "
            "import cs231n_lib.classifiers.linear_svm; "
            "print(sorted(m for m in sys.modules if m.startswith('cs231n_lib.classifiers.')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.stdout.strip() == "['cs231n_lib.classifiers.linear_svm']", done.stdout + done.stderr
