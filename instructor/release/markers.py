"""Solution markers: find the regions a student writes, check them, and cut them out.

One syntax for every file (CONTRIBUTING.md, "Solution markers"):

    Python: .py files, notebook code cells      markdown cells
        # TODO: what to do                          **Your answer:**
        ### BEGIN SOLUTION                          <!-- BEGIN SOLUTION -->
        ...reference code...                        reference answer
        ### END SOLUTION                            <!-- END SOLUTION -->

A marker is a line of its own. In Python the two markers are indented like
the code they enclose. Nested, unterminated, unmatched, empty or misspelled
markers raise MarkerError naming the file (and cell) and the line.

Cutting replaces a Python region by ``raise NotImplementedError(...)`` naming
what to implement, at the region's indentation (after a ``# TODO`` comment,
added when the author wrote none), and a markdown region by YOUR ANSWER HERE.
Notebook cells tagged ``instructor`` are dropped and outputs are cleared.
"""

import ast
import copy
import importlib.util
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

# Every tool names a notebook cell the same way: tools/notebook_cells.py (stdlib,
# shipped to students, so loaded by path: tools/ is not a package). Loaded on
# first use, so the grader imports this module in trees that have no tools/.
CELL_NAMES = Path(__file__).resolve().parents[2] / "tools" / "notebook_cells.py"


def _cell_label(number, source):
    """'cell N ("first line")', as tools/notebook_cells.py names cells."""
    module = globals().get("_notebook_cells")
    if module is None:
        spec = importlib.util.spec_from_file_location("notebook_cells", CELL_NAMES)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        globals()["_notebook_cells"] = module
    return module.cell_label(number, source)

ANSWER_PLACEHOLDER = "YOUR ANSWER HERE"
INSTRUCTOR_TAG = "instructor"


@dataclass(frozen=True)
class Syntax:
    """The two marker lines of one file kind and a pattern for near misses."""

    name: str
    begin: str
    end: str
    lookalike: re.Pattern
    check_indent: bool


PYTHON = Syntax(
    "Python",
    "### BEGIN SOLUTION",
    "### END SOLUTION",
    re.compile(r"^\s*#+\s*(BEGIN|END)[\s_-]*SOLUTIONS?\b", re.IGNORECASE),
    check_indent=True,
)
MARKDOWN = Syntax(
    "markdown",
    "<!-- BEGIN SOLUTION -->",
    "<!-- END SOLUTION -->",
    re.compile(r"<!--\s*(BEGIN|END)[\s_-]*SOLUTIONS?\s*-->", re.IGNORECASE),
    check_indent=False,
)


class MarkerError(ValueError):
    """A malformed marker, located by ``where`` (a file, or a file and cell) and a 1-based line."""

    def __init__(self, where, line, problem):
        super().__init__(f"{where}, line {line}: {problem}; fix the markers and run again.")


@dataclass(frozen=True)
class Region:
    """One solution region: 0-based indices of its BEGIN and END lines, and their indentation."""

    begin: int
    end: int
    indent: str

    def body(self, lines):
        """Return the lines strictly between the two markers."""
        return lines[self.begin + 1 : self.end]


def _leading(line):
    return line[: len(line) - len(line.lstrip())]


def find_regions(lines, syntax, where):
    """Return the solution regions of ``lines`` (a list of str without newlines), in order.

    Raises MarkerError for a nested, unterminated, unmatched, empty, misspelled
    or (in Python) misindented marker.
    """
    regions = []
    open_at = None
    for i, line in enumerate(lines):
        text = line.strip()
        if text == syntax.begin:
            if open_at is not None:
                raise MarkerError(
                    where, i + 1,
                    f"nested {syntax.begin} (the region opened at line {open_at + 1} is not closed yet)",
                )
            open_at = i
        elif text == syntax.end:
            if open_at is None:
                raise MarkerError(where, i + 1, f"{syntax.end} has no {syntax.begin} before it")
            region = Region(open_at, i, _leading(lines[open_at]))
            _check_region(lines, region, syntax, where)
            regions.append(region)
            open_at = None
        elif syntax.lookalike.search(line):
            raise MarkerError(
                where, i + 1,
                f"{text!r} looks like a solution marker but is not one "
                f"(write exactly {syntax.begin!r} or {syntax.end!r} on a line of its own)",
            )
    if open_at is not None:
        raise MarkerError(where, open_at + 1, f"{syntax.begin} is never closed by {syntax.end}")
    return regions


def _check_region(lines, region, syntax, where):
    body = region.body(lines)
    if not any(line.strip() for line in body):
        raise MarkerError(where, region.begin + 1, "the solution region is empty (put the reference between the markers)")
    if not syntax.check_indent:
        return
    if _leading(lines[region.end]) != region.indent:
        raise MarkerError(
            where, region.end + 1,
            f"{syntax.end} is indented differently from its {syntax.begin} at line {region.begin + 1}",
        )
    for offset, line in enumerate(body, start=region.begin + 2):
        if line.strip() and not line.startswith(region.indent):
            raise MarkerError(
                where, offset,
                f"this line is indented less than its {syntax.begin} at line {region.begin + 1} "
                "(indent the markers like the code they enclose)",
            )


# ------------------------------------------------------------------ Python


def _python_for_parsing(source, is_cell):
    """Return ``source`` as plain Python: notebook cells may hold IPython magics."""
    if not is_cell:
        return source
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(source)


def _enclosing_name(tree, line):
    """Return 'Class.method' or 'function' around 1-based ``line`` in ``tree``, or None."""
    if tree is None:
        return None
    chain = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if node.lineno <= line <= node.end_lineno:
                chain.append(node)
    chain.sort(key=lambda node: node.lineno)
    return ".".join(node.name for node in chain) or None


def _parse(source, is_cell):
    try:
        return ast.parse(_python_for_parsing(source, is_cell))
    except SyntaxError:
        return None


def _has_todo_above(lines):
    """True when the comment block right above the end of ``lines`` holds a '# TODO'."""
    for line in reversed(lines):
        text = line.strip()
        if not text:
            continue
        if not text.startswith("#"):
            return False
        if text.startswith("# TODO"):
            return True
    return False


def cut_python(source, where, location, is_cell=False):
    """Replace every Python solution region of ``source`` by a NotImplementedError stub.

    Parameters
    ----------
    source : str
        A .py file or a notebook code cell, with its solutions.
    where : str
        How errors name the source, e.g. 'cs231n_lib/classifiers/linear_svm.py'.
    location : str
        How the stub names the place, e.g. 'cs231n_lib/classifiers/linear_svm.py' or
        'code cell 5 of assignments/01_svm_loss.ipynb'; the enclosing function is
        prefixed: 'svm_loss_naive in cs231n_lib/classifiers/linear_svm.py'.
    is_cell : bool
        True for a notebook cell (IPython magics allowed).

    Returns
    -------
    text : str
        The source with stubs, which compiles.
    count : int
        How many regions were cut.
    """
    lines = source.split("\n")
    regions = find_regions(lines, PYTHON, where)
    if not regions:
        return source, 0
    tree = _parse(source, is_cell)
    out = []
    start = 0
    for region in regions:
        kept = lines[start : region.begin]
        out.extend(kept)
        name = _enclosing_name(tree, region.begin + 1)
        target = f"{name} in {location}" if name else location
        if not _has_todo_above(out):
            out.append(f"{region.indent}# TODO: implement {target}.")
        message = f"Implement {target}: replace this raise with your code (see the TODO above it)."
        out.append(f"{region.indent}raise NotImplementedError({message!r})")
        start = region.end + 1
    out.extend(lines[start:])
    text = "\n".join(out)
    try:
        compile(_python_for_parsing(text, is_cell), where, "exec")
    except SyntaxError as error:
        raise MarkerError(
            where, error.lineno or 1,
            f"the student version would not compile ({error.msg}); check the markers' indentation",
        ) from None
    return text, len(regions)


def cut_markdown(source, where):
    """Replace every markdown solution region of ``source`` by YOUR ANSWER HERE; return (text, count)."""
    lines = source.split("\n")
    regions = find_regions(lines, MARKDOWN, where)
    out = []
    start = 0
    for region in regions:
        out.extend(lines[start : region.begin])
        out.append(ANSWER_PLACEHOLDER)
        start = region.end + 1
    out.extend(lines[start:])
    return "\n".join(out), len(regions)


# ---------------------------------------------------------------- notebooks


def is_instructor_cell(cell):
    """True for a cell tagged ``instructor`` (left out of the release)."""
    return INSTRUCTOR_TAG in cell.get("metadata", {}).get("tags", [])


def read_notebook(path, where):
    """Read a notebook as nbformat v4; raise MarkerError if it is not a valid notebook."""
    try:
        return nbformat.read(str(path), as_version=4)
    except Exception as error:  # nbformat raises many types for broken JSON or schema
        raise MarkerError(where, 1, f"not a readable notebook ({type(error).__name__}: {error})") from None


def cut_notebook(nb, where):
    """Return (student notebook, code regions cut, markdown regions cut) for notebook ``nb``.

    Instructor cells are dropped, outputs and execution counts cleared, code
    regions become stubs naming the cell as every tool does (tools/notebook_cells.py:
    'cell 3 ("first line")', counting all cells of the student version from 1)
    and markdown regions become YOUR ANSWER HERE. ``nb`` is not modified.
    """
    student = copy.deepcopy(nb)
    cells = []
    code_regions = answer_regions = 0
    for index, cell in enumerate(nb.cells, start=1):
        if is_instructor_cell(cell):
            continue
        cell = copy.deepcopy(cell)
        cell_where = f"{where}, cell {index}"
        if cell.cell_type == "code":
            location = f"{_cell_label(len(cells) + 1, cell.source)} of {where}"
            cell.source, n = cut_python(cell.source, cell_where, location, is_cell=True)
            code_regions += n
            cell.outputs = []
            cell.execution_count = None
        elif cell.cell_type == "markdown":
            cell.source, n = cut_markdown(cell.source, cell_where)
            answer_regions += n
        for key in ("execution", "ExecuteTime"):
            cell.metadata.pop(key, None)
        cells.append(cell)
    student.cells = cells
    return student, code_regions, answer_regions


def solution_bodies(path, rel):
    """Return the body lines of every solution region in the file at ``path`` (named ``rel`` in errors).

    Covers .py files and notebooks (code and markdown cells, instructor cells
    excluded); other files have none. Used to decide which files are graded
    and to check that the release holds no solution text.
    """
    if rel.endswith(".py"):
        lines = path.read_text(encoding="utf-8").split("\n")
        return [region.body(lines) for region in find_regions(lines, PYTHON, rel)]
    if rel.endswith(".ipynb"):
        bodies = []
        for index, cell in enumerate(read_notebook(path, rel).cells, start=1):
            if is_instructor_cell(cell) or cell.cell_type not in ("code", "markdown"):
                continue
            syntax = PYTHON if cell.cell_type == "code" else MARKDOWN
            lines = cell.source.split("\n")
            bodies += [region.body(lines) for region in find_regions(lines, syntax, f"{rel}, cell {index}")]
        return bodies
    return []
