"""The tree tells the truth: CONTRIBUTING.md's layout of cs231n_lib/ is the package's, and the folders show who writes what.

Students write the graded files (the ones holding solution markers): the models in
``cs231n_lib/classifiers/``, the rest at the package's top beside CS231n's given
modules. ``cs231n_lib/course/`` holds the course's helpers, which no student edits.
"""

import re

from instructor.grading.points import load_points
from instructor.release.build import graded_files

from .course import REPO

PACKAGE = REPO / "cs231n_lib"
ENTRY = re.compile(r"^(?P<indent> {4}(?: {2}){0,2})(?P<name>[A-Za-z_][\w.]*(?:\.py|/))(?:\s|$)")


def contributing_modules():
    """The cs231n_lib/ files CONTRIBUTING.md's Layout lists, as paths relative to the repository (__init__.py left out).

    An entry is a name ending in .py or / at an indentation of 4, 6 or 8 spaces; its depth says its folder."""
    text = (REPO / "CONTRIBUTING.md").read_text(encoding="utf-8")
    layout = text.split("## Layout", 1)[1].split("\n## ", 1)[0]
    listed, folders, inside = set(), [], False
    for line in layout.splitlines():
        match = ENTRY.match(line)
        if not match:
            continue
        depth = (len(match["indent"]) - 4) // 2
        if depth == 0:
            inside = match["name"] == "cs231n_lib/"
            folders = ["cs231n_lib"]
            continue
        if not inside:
            continue
        folders = folders[:depth]
        if match["name"].endswith("/"):
            folders.append(match["name"].rstrip("/"))
        elif match["name"] != "__init__.py":
            listed.add("/".join(folders + [match["name"]]))
    return listed


def package_modules():
    """Every module file of cs231n_lib/ on disk (__init__.py left out), relative to the repository."""
    return {path.relative_to(REPO).as_posix() for path in PACKAGE.rglob("*.py")
            if path.name != "__init__.py" and "__pycache__" not in path.parts}


def test_contributing_lists_every_module_of_the_package_and_nothing_else():
    listed, present = contributing_modules(), package_modules()
    assert len(listed) > 20, f"the layout parser found only {sorted(listed)}; is CONTRIBUTING's Layout still indented?"
    assert not listed - present, f"CONTRIBUTING.md lists modules that do not exist: {sorted(listed - present)}"
    assert not present - listed, f"CONTRIBUTING.md does not list: {sorted(present - listed)}"


def test_every_package_folder_is_a_package_the_install_names():
    folders = {path.parent for path in PACKAGE.rglob("*.py") if "__pycache__" not in path.parts}
    assert all((folder / "__init__.py").is_file() for folder in folders), "a folder of cs231n_lib without __init__.py"
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    for folder in folders:
        name = folder.relative_to(REPO).as_posix().replace("/", ".")
        assert f'"{name}"' in pyproject, f"pyproject.toml's packages must name {name}"


def test_students_write_in_classifiers_and_the_top_never_in_course():
    graded = {rel for rel in graded_files(REPO) if rel.endswith(".py")}
    points = {item.file for item in load_points(REPO / "instructor" / "points.toml").items if item.file.endswith(".py")}
    assert graded == points, "every file with solution markers is a graded file of points.toml, and back"
    where = {rel.split("/")[1] if rel.count("/") == 2 else "" for rel in graded}
    assert where == {"", "classifiers"}, f"graded files outside cs231n_lib/ and cs231n_lib/classifiers/: {sorted(graded)}"
    assert {rel for rel in graded if "/classifiers/" in rel} == {
        f"cs231n_lib/classifiers/{name}.py" for name in ("linear_svm", "softmax", "linear_classifier", "fc_net")}


def test_one_path_per_module():
    names = sorted(path.rsplit("/", 1)[1] for path in package_modules())
    twice = {name for name in names if names.count(name) > 1}
    assert not twice, f"modules of the same name in two folders of cs231n_lib: {sorted(twice)}"
