"""``cs231n.classifiers.fc_net`` under its CS231n name: the nets of :mod:`cs231n_lib.fc_net`.

``from cs231n_lib.classifiers.fc_net import *`` gives what CS231n's does: the
two models and the layers they are built from.
"""

from ..fc_net import FullyConnectedNet, TwoLayerNet  # noqa: F401
from ..layer_utils import *  # noqa: F401,F403
from ..layers import *  # noqa: F401,F403
