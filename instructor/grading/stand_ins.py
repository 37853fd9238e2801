"""Trusted stand-ins: the instructor's own solution of a graded function, run on the trusted side.

A test grades one item. When the code under test calls a function that belongs
to another item (a network's loss layer calls ``softmax_loss_on_scores``;
``LinearSVM.train`` calls ``svm_loss_vectorized`` and an update rule), points.toml
names that function in the item's ``trusted`` list, and for each of the item's
tests the harness puts the reference version in the worker in its place
(worker_stand_ins.py, ``substitute``): the student's code calls it back here, on the
trusted side. So an item's score depends on its own functions only, and a file
made against an earlier release (one that lacks a function added since) loses
nothing on the items that merely call it.

The reference is this tree's ``cs231n_lib`` (the instructor's solution),
imported under the private name ``_reference_cs231n_lib``: the graded names
``cs231n_lib.*`` stay the proxies of the student's modules, and nothing of the
reference is ever sent into the jail (only calls cross, as callbacks).

    function("cs231n_lib.classifiers.softmax.softmax_loss_on_scores") -> the reference function
"""

import importlib
import importlib.util
import re
import sys
import types
from pathlib import Path

PACKAGE = "cs231n_lib"
ALIAS = "_reference_cs231n_lib"
DOTTED = re.compile(rf"^{PACKAGE}\.((?:classifiers\.)?[a-z_][a-z0-9_]*)\.([A-Za-z][A-Za-z0-9_]*)$")  # graded modules: top level or classifiers/


class StandInError(ValueError):
    """A ``trusted`` entry of points.toml that does not name a function of the reference package."""


def split(dotted):
    """``"cs231n_lib.layers.affine_forward"`` -> ``("cs231n_lib.layers", "affine_forward")``, or StandInError."""
    match = DOTTED.match(dotted) if isinstance(dotted, str) else None
    if match is None:
        raise StandInError(f"{dotted!r} is not of the form {PACKAGE}.<module>.<function>"
                            f" or {PACKAGE}.classifiers.<module>.<function>")
    return f"{PACKAGE}.{match.group(1)}", match.group(2)


def _reference_package(src):
    """The alias package over ``src/cs231n_lib`` (its __init__ is not run: only the modules asked for load)."""
    package = sys.modules.get(ALIAS)
    if package is None:
        package = types.ModuleType(ALIAS)
        package.__path__ = [str(Path(src) / PACKAGE)]
        package.__package__ = ALIAS
        package.__spec__ = importlib.util.spec_from_loader(ALIAS, loader=None, is_package=True)
        package.__spec__.submodule_search_locations = package.__path__
        sys.modules[ALIAS] = package
    return package


def function(dotted, src="."):
    """The instructor's ``dotted`` function (trusted code of this tree), or StandInError saying what is wrong."""
    module_name, name = split(dotted)
    _reference_package(src)
    try:
        module = importlib.import_module(ALIAS + module_name[len(PACKAGE):])
    except ImportError as error:
        raise StandInError(f"{dotted!r}: the reference has no module {module_name} ({error})") from None
    value = getattr(module, name, None)
    if not callable(value) or isinstance(value, type):
        raise StandInError(f"{dotted!r} is not a function of the reference {module_name}")
    return value
