"""Notebook checks of the grader: the graded notebook (OverwriteCells), and the inline answers.

The graded notebook is the instructor's, cell for cell: every code cell is
restored from the instructor's notebook (as nbgrader's OverwriteCells does),
except solution cells (code cells with solution markers), which take the
student's cell with the same id (the release stub when there is none).
Cells the student added are dropped, markdown is left out (it does not
run), and the grader's export cell (instructor/grading/nbchecks.py) is appended.

Answers are found per question: the submitted cell with the instructor
cell's id, else the markdown cell starting with the same question text, and
must be more than present: not the placeholder, at least MIN_WORDS words, and
at least MIN_NEW_WORDS words that are not in the question.
"""

import re

import nbformat

from ..release.markers import ANSWER_PLACEHOLDER, MARKDOWN, PYTHON, cut_python, find_regions
from ..release.notebook_cuts import is_instructor_cell

MIN_WORDS = 8
MIN_NEW_WORDS = 5
WORD = re.compile(r"[A-Za-z0-9$\\]+")


def _is_solution_cell(cell, where):
    """Whether ``cell`` (the instructor's) is a code cell with solution markers. Trusts the instructor's
    notebook; checks nothing."""
    return cell.cell_type == "code" and bool(find_regions(cell.source.split("\n"), PYTHON, where))


def graded_notebook(student, instructor, export="", cells=None, setup=""):
    """Return the notebook to run: the instructor's cells, the student's solution cells, the export cell.

    ``cells`` (ids) keeps only those instructor cells, in the instructor's order.
    """
    submitted = {cell.get("id"): cell for cell in student.cells if cell.get("id") and cell.cell_type == "code"}
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    for index, cell in enumerate(instructor.cells, start=1):
        if cell.cell_type != "code" or is_instructor_cell(cell):
            continue
        if cells is not None and cell.get("id") not in cells:
            continue
        source = cell.source
        if _is_solution_cell(cell, f"cell {index}"):
            if setup and cells is not None and cell.get("id") == cells[-1]:
                nb.cells.append(nbformat.v4.new_code_cell(setup))
            mine = submitted.get(cell.get("id"))
            source = mine.source if mine is not None else cut_python(cell.source, f"cell {index}", f"cell {index}", is_cell=True)[0]
        nb.cells.append(nbformat.v4.new_code_cell(source))
    if export:
        nb.cells.append(nbformat.v4.new_code_cell(export))
    return nb


def _question(cell, where):
    """Return (text before the first answer region, text after the last) of an instructor cell."""
    lines = cell.source.split("\n")
    regions = find_regions(lines, MARKDOWN, where)
    if not regions:
        return None
    before = "\n".join(lines[: regions[0].begin]).strip()
    after = "\n".join(lines[regions[-1].end + 1 :]).strip()
    return before, after


def _answer_text(source, before, after):
    """The student's answer in markdown ``source``, the question's text and markers cut off. Trusts nothing of
    ``source`` (plain text); checks nothing."""
    text = source.strip()
    if before and text.startswith(before):
        text = text[len(before) :]
    if after and text.endswith(after):
        text = text[: len(text) - len(after)]
    lines = [line for line in text.split("\n") if line.strip() not in (MARKDOWN.begin, MARKDOWN.end)]
    return "\n".join(lines).strip()


def _why_not(text, question):
    """None when ``text`` answers, else why not (see the module docstring)."""
    if not text or ANSWER_PLACEHOLDER in text:
        return "no answer (still the placeholder)"
    words = [w.lower() for w in WORD.findall(text)]
    if len(words) < MIN_WORDS:
        return f"too short to answer the question ({len(words)} words)"
    new = set(words) - {w.lower() for w in WORD.findall(question)}
    if len(new) < MIN_NEW_WORDS:
        return "the answer repeats the question"
    return None


def answers(instructor, student, rel):
    """Return [(question label, None or why it is not answered)] for each answer cell of notebook ``instructor``.

    ``student`` is the submitted notebook (None when missing or unreadable:
    every question then counts as unanswered).
    """
    results = []
    used = set()
    by_id = {cell.get("id"): i for i, cell in enumerate(student.cells)} if student else {}
    for index, cell in enumerate(instructor.cells, start=1):
        if cell.cell_type != "markdown" or is_instructor_cell(cell):
            continue
        question = _question(cell, f"{rel}, cell {index}")
        if question is None:
            continue
        before, after = question
        text_lines = [line for line in before.split("\n") if line.strip() and not line.startswith("#")]
        label = f"{rel}: " + (text_lines[0][:80] if text_lines else f"the question in cell {index}")
        found = None
        if student is not None:
            found = by_id.get(cell.get("id")) if cell.get("id") else None
            if found is None or found in used or student.cells[found].cell_type != "markdown":
                found = next(
                    (i for i, c in enumerate(student.cells)
                     if i not in used and c.cell_type == "markdown" and c.source.strip().startswith(before)),
                    None,
                )
        if found is None:
            results.append((label, "no answer"))
            continue
        used.add(found)
        text = _answer_text(student.cells[found].source, before, after)
        results.append((label, _why_not(text, before + "\n" + after)))
    return results
