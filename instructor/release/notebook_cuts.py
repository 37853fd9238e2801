"""Notebooks in the release: instructor cells dropped, solution regions cut, outputs cleared.

Builds on markers.py (the regions and how each is cut); also what the grader reads of a notebook
(``read_notebook``) and which cells are the instructor's (``is_instructor_cell``).
"""

import copy
import importlib.util
from pathlib import Path

import nbformat

from .markers import MARKDOWN, PYTHON, MarkerError, cut_markdown, cut_python, find_regions

INSTRUCTOR_TAG = "instructor"

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
