"""The worker imports the graded modules leaves first (proxy.import_order), in the package and in its subpackages.

Read from the reference's source (its AST), so this needs no jail: a graded module must come after every graded
module it imports, whether by ``from .x``, ``from ..x``, ``from .. import x``, ``from .sub import x`` or by its
absolute name, so that an error at import is the one file's that holds it.
"""

from instructor.grading.proxy import import_order

SOURCES = {
    "cs231n_lib/regs.py": "import numpy as np\n",
    "cs231n_lib/optim.py": "from .regs import l2\n",
    "cs231n_lib/layers.py": "from .classifiers import svm as _svm  # a submodule named in the import list\n",
    "cs231n_lib/classifiers/svm.py": "from ..course._checks import check\nfrom ..regs import l2\n",
    "cs231n_lib/classifiers/clf.py": "from .. import optim\nfrom .svm import loss\n",
    "cs231n_lib/classifiers/net.py": "from ..layers import *  # noqa\nfrom cs231n_lib.optim import sgd\n",
}
IMPORTS = {  # graded module -> the graded modules it imports
    "cs231n_lib.regs": set(),
    "cs231n_lib.optim": {"cs231n_lib.regs"},
    "cs231n_lib.layers": {"cs231n_lib.classifiers.svm"},
    "cs231n_lib.classifiers.svm": {"cs231n_lib.regs"},
    "cs231n_lib.classifiers.clf": {"cs231n_lib.optim", "cs231n_lib.classifiers.svm"},
    "cs231n_lib.classifiers.net": {"cs231n_lib.layers", "cs231n_lib.optim"},
}


def test_every_graded_module_comes_after_the_graded_modules_it_imports(tmp_path):
    for rel, text in SOURCES.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    order = import_order(tmp_path, sorted(IMPORTS))
    assert sorted(order) == sorted(IMPORTS)
    for module, deps in IMPORTS.items():
        late = [dep for dep in deps if order.index(dep) > order.index(module)]
        assert not late, f"{module} is imported before {late}: {order}"
