"""Notebook checks of the grader: prepare a submitted notebook for nbval, find its answers.

A submitted notebook is run as the student saved it, with two changes:
outputs are cleared (nbval then compares none, as in ``make test``, whose
notebooks are committed without outputs), and nbval directives (NBVAL_SKIP,
raises-exception, ...) are kept only where the instructor's cell with the
same id has them, so a student cannot skip or excuse a failing cell.

Answers are found per question: the submitted cell with the instructor
cell's id, else the markdown cell starting with the same question text.
"""

import nbformat
from nbval.plugin import comment_markers, metadata_tags

from .markers import ANSWER_PLACEHOLDER, MARKDOWN, find_regions, is_instructor_cell


def _directive(line):
    stripped = line.strip()
    return stripped.startswith("#") and stripped.lstrip("#").strip() in comment_markers


def prepare_for_grading(student, instructor):
    """Return a copy of notebook ``student`` ready for nbval (see the module docstring)."""
    student = nbformat.from_dict(student)
    reference = {cell.get("id"): cell for cell in instructor.cells if cell.get("id")}
    for cell in student.cells:
        ref = reference.get(cell.get("id"))
        tags = cell.get("metadata", {}).get("tags", [])
        if isinstance(tags, list):
            allowed = set(ref.get("metadata", {}).get("tags", [])) if ref else set()
            cell.setdefault("metadata", {})["tags"] = [t for t in tags if t not in metadata_tags or t in allowed]
        if cell.cell_type != "code":
            continue
        allowed_lines = {line.strip() for line in ref.source.split("\n") if _directive(line)} if ref else set()
        cell.source = "\n".join(
            line for line in cell.source.split("\n") if not _directive(line) or line.strip() in allowed_lines
        )
        cell.outputs = []
        cell.execution_count = None
    return student


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
    text = source.strip()
    if before and text.startswith(before):
        text = text[len(before) :]
    if after and text.endswith(after):
        text = text[: len(text) - len(after)]
    lines = [line for line in text.split("\n") if line.strip() not in (MARKDOWN.begin, MARKDOWN.end)]
    return "\n".join(lines).strip()


def answers(instructor, student, rel):
    """Return [(question label, answered?)] for each answer cell of notebook ``instructor``.

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
            results.append((label, False))
            continue
        used.add(found)
        text = _answer_text(student.cells[found].source, before, after)
        results.append((label, bool(text) and ANSWER_PLACEHOLDER not in text))
    return results
