"""Trusted stand-ins (instructor/grading/stand_ins.py) and the worker's ``substitute`` / ``restore`` (worker_stand_ins.py).

An item's tests run the instructor's version of the other items' functions that its code calls
(points.toml's ``trusted`` lists). These tests need no jail: the worker's re-pointing is checked on a
small package of its own, loaded in this process as the worker would load a student's (trusted here:
it is this test's code), and the graded end to end runs are in test_hostile.py (older_release,
faulty_layers).
"""

import importlib
import sys
import textwrap

import pytest

from instructor.grading import stand_ins
from instructor.grading.points import PointsError, load_points
from instructor.tests.redteam_common import REPO
from instructor.grading.worker_serve import Worker

# ------------------------------------------------------------------ the reference


def test_a_dotted_name_splits_into_module_and_function():
    assert stand_ins.split("cs231n_lib.layers.affine_forward") == ("cs231n_lib.layers", "affine_forward")


@pytest.mark.parametrize("bad", ["layers.affine_forward", "cs231n_lib.affine_forward", "cs231n_lib.layers._private",
                                 "os.path.join", "cs231n_lib.layers.affine_forward.x", 3])
def test_a_name_that_is_not_package_module_function_is_refused(bad):
    with pytest.raises(stand_ins.StandInError, match="is not of the form"):
        stand_ins.split(bad)


def test_the_reference_is_this_trees_solution_under_its_own_name():
    import numpy as np

    fn = stand_ins.function("cs231n_lib.classifiers.softmax.softmax_loss_on_scores", REPO)
    assert fn.__module__ == "_reference_cs231n_lib.classifiers.softmax", "the reference must not be the graded name"
    scores, y = np.array([[3.2, 5.1, -1.7]]), np.array([0])   # the lecture's cat image
    loss, dscores = fn(scores, y)
    assert round(loss, 2) == 2.04 and abs(dscores.sum()) < 1e-12


def test_a_missing_module_or_function_is_a_clear_error():
    with pytest.raises(stand_ins.StandInError, match="no module"):
        stand_ins.function("cs231n_lib.no_such_module.f", REPO)
    with pytest.raises(stand_ins.StandInError, match="is not a function"):
        stand_ins.function("cs231n_lib.layers.no_such_function", REPO)


def test_every_trusted_name_in_points_toml_is_a_reference_function():
    points = load_points(REPO / "instructor" / "points.toml")
    names = {name for item in points.items for name in item.trusted}
    assert "cs231n_lib.classifiers.softmax.softmax_loss_on_scores" in names
    for name in sorted(names):
        assert callable(stand_ins.function(name, REPO)), name


@pytest.mark.parametrize("trusted, problem", [
    ('"cs231n_lib.layers.affine_forward"', "must be a list"),
    ('["layers.affine_forward"]', "is not of the form"),
])
def test_points_toml_refuses_a_malformed_trusted_list(tmp_path, trusted, problem):
    (tmp_path / "points.toml").write_text(textwrap.dedent(f"""
        [limits]
        call_timeout = 10
        budget = 120
        cell_timeout = 60
        memory_mb = 3072

        [[item]]
        id = "fc_net"
        title = "nets"
        points = 6
        file = "cs231n_lib/classifiers/fc_net.py"
        tests = ["tests/test_fc_net.py::*"]
        trusted = {trusted}
    """))
    with pytest.raises(PointsError, match=problem):
        load_points(tmp_path / "points.toml")


# ------------------------------------------------------------------ the worker's side

PACKAGE = "standin_pkg"
FILES = {
    "__init__.py": "from .losses import loss_on_scores\n",
    "losses.py": """
        def loss_on_scores(scores):
            return "student"
        """,
    "nets.py": """
        from . import losses
        from .losses import loss_on_scores

        RULES = {"plain": loss_on_scores}

        class Net:
            scores_loss = staticmethod(loss_on_scores)
            direct = loss_on_scores

            def loss(self):
                return loss_on_scores(None), losses.loss_on_scores(None), self.scores_loss(None), RULES["plain"](None)
        """,
    "older.py": """
        def vectorized():
            return "student"
        """,
}


@pytest.fixture
def worker(tmp_path):
    """A Worker over a small package (this test's own code), its modules imported."""
    root = tmp_path / PACKAGE
    root.mkdir()
    for name, text in FILES.items():
        (root / name).write_text(textwrap.dedent(text))
    sys.path.insert(0, str(tmp_path))
    try:
        modules = [importlib.import_module(f"{PACKAGE}.{m}") for m in ("losses", "nets", "older")]
        config = {"package": PACKAGE, "modules": {f"{PACKAGE}.losses": ["loss_on_scores"],
                                                   f"{PACKAGE}.nets": ["Net", "RULES"],
                                                   f"{PACKAGE}.older": ["vectorized", "on_scores"]}}
        yield Worker(config, None, None), modules
    finally:
        sys.path.remove(str(tmp_path))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def trusted(*_):
    return "trusted"


def test_a_stand_in_reaches_every_reference_the_package_holds(worker):
    w, (losses, nets, _) = worker
    net = nets.Net()
    assert net.loss() == ("student",) * 4
    w.substitute(f"{PACKAGE}.losses", "loss_on_scores", trusted)
    assert net.loss() == ("trusted",) * 4, "globals, module attribute, staticmethod and a registry dict"
    assert nets.Net.direct is trusted and sys.modules[PACKAGE].loss_on_scores is trusted
    w.restore()
    assert net.loss() == ("student",) * 4 and losses.loss_on_scores(None) == "student"
    assert nets.RULES["plain"] is losses.loss_on_scores


def test_a_function_the_students_file_lacks_is_added_then_removed(worker):
    w, (_, _, older) = worker
    assert not hasattr(older, "on_scores")   # made against an earlier release
    w.substitute(f"{PACKAGE}.older", "on_scores", trusted)
    assert older.on_scores() == "trusted"
    w.restore()
    assert not hasattr(older, "on_scores")


@pytest.mark.parametrize("module, name", [(f"{PACKAGE}.losses", "_private"), (f"{PACKAGE}.losses", "open"),
                                          ("os", "system"), (f"{PACKAGE}.nets", "loss_on_scores")])
def test_only_a_graded_name_of_a_graded_module_can_be_replaced(worker, module, name):
    w, _ = worker
    with pytest.raises(AttributeError, match="is not a graded function"):
        w.substitute(module, name, trusted)
    assert w.undo == []


def test_the_tests_that_get_stand_ins_run_after_every_other_test():
    """A stand-in in the worker is an oracle for its function: it must not be there before (or while) the tests
    that grade that function run, or a submission could keep its answers and replay them."""
    from types import SimpleNamespace

    from instructor.grading.plugin import stand_ins_last

    items = [SimpleNamespace(nodeid=n) for n in ["fc::a", "layers::affine", "fc::b", "losses::svm", "clf::train"]]
    chosen = {"fc::a": ["cs231n_lib.layers.affine_forward"], "fc::b": ["cs231n_lib.layers.affine_forward"],
              "clf::train": ["cs231n_lib.optim.sgd"]}
    assert [i.nodeid for i in stand_ins_last(items, chosen)] == [
        "layers::affine", "losses::svm", "fc::a", "fc::b", "clf::train"]


def test_a_callback_id_is_never_given_twice_so_a_kept_stub_reaches_nothing_later():
    """A student's code can keep the stub of a trusted callable (a stand-in) past its test; after the test's
    drop its id must not name the next test's callables, or the stub would reach them."""
    from instructor.grading.connection import Student

    student = Student.__new__(Student)       # only the callback table: no worker is started
    student.callbacks, student.next_callback = {}, 0
    first = student._other(trusted)["$fn"]
    student.callbacks.clear()                  # what drop() does after the test
    second = student._other(lambda *_: "another test's callable")["$fn"]
    assert second != first and first not in student.callbacks
