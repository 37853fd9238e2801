"""CS231n's package layout, for notebooks written against it.

CS231n keeps its models in ``cs231n.classifiers``; here they live at the top
of the package. Changing ``cs231n.`` to ``cs231n_lib.`` in a CS231n notebook's
imports (``from cs231n_lib.classifiers.fc_net import *``) finds them here.
"""
