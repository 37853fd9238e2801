"""The committed notebooks follow the course's shape (CONTRIBUTING.md).

Instructor-only: these check the solution source (markers, stripped outputs),
so they are not shipped in the student release, where students save their
notebooks with outputs and the markers are already cut.

These tests read the .ipynb files as JSON; they do not execute them (nbval does
that in the same pytest call). A notebook must be committed without outputs,
open with a title cell that says how long it runs, end with inline questions
and a summary, and name the course's kernel ("cs231n", which make setup installs).
"""

import ast
import json
import re
import subprocess
from pathlib import Path

import importlib.util

import nbformat
import pytest

from instructor.release import questions

REPO = Path(__file__).resolve().parents[2]
ASSIGNMENTS = REPO / "assignments"
EXPECTED = ["01_svm_loss.ipynb", "02_softmax_loss.ipynb", "03_regularization.ipynb", "04_optimizers.ipynb",
            "05_backprop_two_layer_net.ipynb", "06_init_dropout_batchnorm.ipynb"]
NOTEBOOKS = sorted(ASSIGNMENTS.glob("*.ipynb"))

_spec = importlib.util.spec_from_file_location("colab", ASSIGNMENTS.parent / "tools" / "colab.py")
colab = importlib.util.module_from_spec(_spec)  # tools/ is not a package
_spec.loader.exec_module(colab)

# "runs in about 30 s", "about 2 minutes", "under 4 min": a number and a unit of time.
# The kernel `make setup` installs (Makefile: KERNEL, --display-name); make lab offers only this one.
COURSE_KERNELSPEC = {"name": "cs231n", "display_name": "Python (cs231n)", "language": "python"}

RUN_TIME = re.compile(r"\b\d+(\.\d+)?\s*(s|sec|seconds?|min|minutes?)\b", re.IGNORECASE)


def read(path):
    """The notebook at path as a NotebookNode (version 4)."""
    return nbformat.read(path, as_version=nbformat.NO_CONVERT)


def staged(path):
    """The notebook at path as the next commit will hold it: git's index (what `git add` staged, after the
    nbstripout filter that make setup installs), else the file itself (not a git checkout, or not yet added).

    JupyterLab saves outputs into the working copy on every Run All; those never reach a commit through the
    filter, so they must not fail the tests either.
    """
    root = path.parent
    try:
        top = subprocess.run(["git", "-C", str(root), "rev-parse", "--show-toplevel"],
                             capture_output=True, text=True, timeout=60)
        if top.returncode == 0:
            rel = path.resolve().relative_to(Path(top.stdout.strip()).resolve()).as_posix()
            shown = subprocess.run(["git", "-C", str(root), "show", f":{rel}"], capture_output=True, text=True,
                                   timeout=60)
            if shown.returncode == 0:
                return nbformat.reads(shown.stdout, as_version=nbformat.NO_CONVERT)
    except OSError:  # no git on this machine
        pass
    return read(path)


def test_the_course_notebooks_are_all_there():
    missing = [name for name in EXPECTED if not (ASSIGNMENTS / name).exists()]
    assert not missing, f"assignments/ is missing {missing}; the course has six notebooks (CONTRIBUTING.md)."


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_valid_nbformat_4_with_the_course_kernel(path):
    nb = read(path)
    assert nb.nbformat == 4, f"{path.name} is nbformat {nb.nbformat}; write notebooks as nbformat 4."
    nbformat.validate(nb)
    kernel = dict(nb.metadata.get("kernelspec", {}))
    assert kernel == COURSE_KERNELSPEC, (
        f"{path.name} has kernelspec {kernel}; use {COURSE_KERNELSPEC} (the kernel make setup installs)."
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_without_outputs(path):
    dirty = [
        index
        for index, cell in enumerate(staged(path).cells)
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None)
    ]
    assert not dirty, (
        f"{path.name} has outputs or execution counts in code cells {dirty}; "
        "clear all outputs before committing (make setup installs nbstripout as a git filter, which does it on "
        "git add; or jupyter nbconvert --clear-output --inplace, then git add again)."
    )


def _git(cwd, *args):
    return subprocess.run(["git", "-C", str(cwd), *args], capture_output=True, text=True, check=True).stdout


def test_outputs_saved_by_jupyter_but_not_staged_do_not_count(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("print(1)")]
    path = tmp_path / "assignments" / "07_x.ipynb"
    path.parent.mkdir()
    nbformat.write(nb, path)
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", "assignments/07_x.ipynb")
    nb.cells[0].outputs = [nbformat.v4.new_output("stream", text="1\n")]
    nb.cells[0].execution_count = 1
    nbformat.write(nb, path)  # what JupyterLab's save does after Run All
    assert staged(path).cells[0].outputs == [] and read(path).cells[0].outputs, "the staged copy is read, not the file"
    _git(tmp_path, "add", "assignments/07_x.ipynb")  # without the filter, the outputs reach the index
    assert staged(path).cells[0].outputs, "outputs that git add staged are seen"


def test_the_students_notebook_folder_holds_only_notebooks():
    from instructor.release.tree import tree_files

    others = [rel for rel in tree_files(ASSIGNMENTS.parent)
              if rel.startswith("assignments/") and not rel.endswith(".ipynb")]
    assert not others, (f"assignments/ is the folder students open, so it holds only the notebooks; move {others} "
                        "to the course folder or tools/ (pytest's conftest.py, nbval's sanitizer file).")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_opens_with_a_title_that_says_how_long_it_runs(path):
    first = read(path).cells[0]
    assert first.cell_type == "markdown" and first.source.lstrip().startswith("# "), (
        f"{path.name} must open with a markdown cell whose first line is a '# ' title."
    )
    assert RUN_TIME.search(first.source), (
        f"{path.name}'s opening cell must say how long the notebook runs (e.g. 'about 30 s')."
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_first_code_cell_is_the_colab_setup_then_the_imports(path):
    code = [cell.source for cell in read(path).cells if cell.cell_type == "code"]
    assert len(code) > 1 and code[0] == colab.cell_source(), (
        f"{path.name}'s first code cell must be the Colab set-up cell; run python tools/colab.py --write."
    )
    assert "%matplotlib inline" in code[1], (
        f"{path.name}'s second code cell must hold the imports and '%matplotlib inline'."
    )


def test_colab_cells_and_readme_links_are_in_step_with_tools_colab():
    assert colab.main(["--check"]) == 0, "run python tools/colab.py --write"
    for readme in colab.READMES:
        for path in NOTEBOOKS:
            assert f"{colab.COLAB_BASE}assignments/{path.name}" in readme.read_text(), (
                f"{readme.name} has no Open in Colab link for {path.name}")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_intro_lists_exactly_the_functions_the_notebook_needs(path):
    rel = f"assignments/{path.name}"
    intro = read(path).cells[0].source
    assert questions.intro_block(rel) in intro, (
        f"{path.name}'s intro must list the functions it needs as instructor/release/questions.py's NEEDS says "
        f"(intro_block): update one or the other.")
    code = "\n".join(cell.source for cell in read(path).cells if cell.cell_type == "code")
    needed = {questions.ASKED_IN[q][1].split(".")[-1] for q in questions.NEEDS[rel]}
    for question, (asked, function) in questions.ASKED_IN.items():
        name = function.split(".")[-1]
        called = re.search(rf"\b{name}\b|[\'\"]{name}[\'\"]", code) and name not in ("train", "predict")
        assert not called or name in needed, f"{path.name} calls {function} but its intro does not list it"
        if name in needed and asked != rel:
            assert questions.NOTEBOOKS.index(asked) < questions.NOTEBOOKS.index(rel), (
                f"{path.name} needs {function}, which a later notebook ({asked}) asks for")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_ends_with_inline_questions_then_a_summary(path):
    cells = read(path).cells
    headings = [
        (index, line.lstrip("#").strip().lower())
        for index, cell in enumerate(cells)
        if cell.cell_type == "markdown"
        for line in cell.source.splitlines()
        if line.startswith("#")
    ]
    questions = [index for index, text in headings if text.startswith("inline question")]
    summaries = [index for index, text in headings if text.startswith("summary")]
    assert questions, f"{path.name} has no 'Inline questions' heading; the course ends each notebook with them."
    assert summaries and summaries[-1] == len(cells) - 1, (
        f"{path.name} must end with a markdown cell headed 'Summary'."
    )
    assert max(questions) < summaries[-1], f"{path.name}: the inline questions must come before the summary."
    answers = [cell.source for cell in cells[min(questions) : summaries[-1]] if cell.cell_type == "markdown"]
    answered = [s for s in answers if "**Your answer:**" in s]
    assert answered, f"{path.name}'s inline questions have no '**Your answer:**' cell."
    for source in answered:
        assert source.count("<!-- BEGIN SOLUTION -->") == source.count("<!-- END SOLUTION -->") == 1, (
            f"{path.name}: each answer cell needs exactly one <!-- BEGIN SOLUTION --> ... <!-- END SOLUTION --> region."
        )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_solution_region_has_a_todo_above_it(path):
    for index, cell in enumerate(read(path).cells):
        if cell.cell_type != "code":
            continue
        lines = [line.strip() for line in cell.source.splitlines()]
        begins = [i for i, line in enumerate(lines) if line == "### BEGIN SOLUTION"]
        ends = [i for i, line in enumerate(lines) if line == "### END SOLUTION"]
        assert len(begins) == len(ends), f"{path.name} cell {index}: unmatched BEGIN/END SOLUTION lines."
        for begin, end in zip(begins, ends):
            assert begin < end, f"{path.name} cell {index}: END SOLUTION comes before BEGIN SOLUTION."
            comment = begin  # the TODO may span several comment lines just above the region
            while comment > 0 and lines[comment - 1].startswith("#") and not lines[comment - 1].startswith("# TODO:"):
                comment -= 1
            assert comment > 0 and lines[comment - 1].startswith("# TODO:"), (
                f"{path.name} cell {index}: put a '# TODO:' comment just above ### BEGIN SOLUTION."
            )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_imports_cell_autoreloads_the_library_and_names_the_course_kernel(path):
    imports = [cell.source for cell in read(path).cells if cell.cell_type == "code"][1]
    assert "%load_ext autoreload" in imports and "%autoreload 2" in imports, (
        f"{path.name}'s imports cell must turn on autoreload (%load_ext autoreload, %autoreload 2), so the "
        "kernel runs the library as saved and check(...) and the next cell agree without a restart.")
    assert imports.index("%autoreload 2") < imports.index("from cs231n_lib"), (
        f"{path.name}: turn on autoreload before importing cs231n_lib.")
    kernel_line = 'importlib.util.find_spec("cs231n_lib")'
    assert kernel_line in imports and COURSE_KERNELSPEC["display_name"] in imports, (
        f"{path.name}'s imports cell must say which kernel to pick when cs231n_lib cannot be imported.")
    assert imports.index(kernel_line) < imports.index("from cs231n_lib")


def _first_use(name):
    """A regex for a call or use of the asked function ``name`` (last part of ASKED_IN's dotted name)."""
    if name in ("train", "predict"):
        return re.compile(rf"\.{name}\(")
    if name == "sgd":  # train's default update rule
        return re.compile(r"\.train\(|\bsgd\b")
    if name == "max_norm_project":  # what train(max_norm=...) calls after every update
        return re.compile(r"\bmax_norm=|\bmax_norm_project\b")
    if name in ("normalization", "dropout_keep_ratio"):  # FullyConnectedNet's keyword arguments
        return re.compile(rf"\b{name}=")
    return re.compile(rf"\b{name}\b")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_function_asked_here_is_checked_before_it_is_first_used(path):
    rel = f"assignments/{path.name}"
    code = [cell.source for cell in read(path).cells if cell.cell_type == "code"][2:]  # after Colab and imports
    checks = [re.findall(r"[\'\"](\w+)[\'\"]", src) if src.startswith("check(") else [] for src in code]
    for question, (asked, function) in questions.ASKED_IN.items():
        if asked != rel:
            continue
        checked = [i for i, names in enumerate(checks) if question in names]
        assert checked, f"{path.name} asks for {function} but has no check({question!r}) cell."
        pattern = _first_use(function.split(".")[-1])
        used = [i for i, src in enumerate(code) if not checks[i] and pattern.search(src)]
        assert used, f"{path.name} asks for {function} but no cell uses it."
        assert checked[0] < used[0], (
            f"{path.name}: check({question!r}) must come before the first cell that uses {function} "
            f"(code cell {used[0] + 2}).")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_a_kernel_without_the_package_is_told_which_kernel_to_pick(path, tmp_path):
    imports = [cell.source for cell in read(path).cells if cell.cell_type == "code"][1]
    python = "\n".join(line for line in imports.splitlines() if not line.startswith("%"))
    check = next(node for node in ast.parse(python).body
                 if isinstance(node, ast.Assert) and "find_spec" in ast.get_source_segment(python, node))
    script = "import importlib.util\n" + ast.get_source_segment(python, check)
    import sys

    other = subprocess.run([sys.executable, "-S", "-c", script], cwd=tmp_path, capture_output=True, text=True,
                           timeout=60)  # -S: no site-packages, as a kernel of another Python
    assert other.returncode != 0 and "pick the kernel 'Python (cs231n)'" in other.stderr, other.stderr
    course = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert course.returncode == 0, course.stderr


def test_the_git_filter_strips_outputs_and_keeps_the_cell_ids():
    """The clean filter make setup configures (nbstripout) removes outputs and leaves every cell's id as it is:
    the grader finds solution cells, and the tests the playground cells, by id."""
    try:
        clean = subprocess.run(["git", "-C", str(REPO), "config", "filter.nbstripout.clean"], capture_output=True,
                               text=True, timeout=60).stdout.strip()
    except OSError:
        clean = ""
    if not clean:
        pytest.skip("no nbstripout filter in this checkout's git config (make setup in a git checkout installs it)")
    original = read(ASSIGNMENTS / "01_svm_loss.ipynb")
    with_outputs = nbformat.from_dict(json.loads(nbformat.writes(original)))
    code = next(cell for cell in with_outputs.cells if cell.cell_type == "code")
    code.execution_count = 3
    code.outputs = [nbformat.v4.new_output("stream", name="stdout", text="saved by JupyterLab\n")]
    result = subprocess.run(clean, shell=True, input=nbformat.writes(with_outputs), capture_output=True, text=True,
                            cwd=REPO, timeout=120)
    assert result.returncode == 0, result.stderr
    stripped = nbformat.reads(result.stdout, as_version=nbformat.NO_CONVERT)
    assert [cell.get("id") for cell in stripped.cells] == [cell.get("id") for cell in original.cells], (
        f"the git filter {clean!r} changes the cells' ids; make setup must install it with --keep-id")
    assert all(not cell.get("outputs") and cell.get("execution_count") is None
               for cell in stripped.cells if cell.cell_type == "code"), "the git filter must strip outputs"
