"""How every tool names a notebook cell: the one numbering a person sees scrolling in JupyterLab.

    cell_label(number, source)  ->  'cell 24 ("W = 1e-4 * rng.standard_normal((D, num_classes))")'

Cells are counted from 1, top to bottom, markdown cells included (what you
count when you scroll the notebook; nbval's 'Cell 18' counts code cells from 0,
so it is never shown), and the cell's first non-empty line follows, so the
cell can be found with the notebook's search (Ctrl+F) as well. The stubs in
the release (instructor/release/markers.py), `make run`, `make submit`, `make check`
and the release's `make test` summary all use this label. Standard library
only: tools/submit.py must run without the course's .venv.
"""

FIRST_LINE_CHARS = 60


def first_line(source):
    """Return the first non-empty line of ``source``, stripped and cut to FIRST_LINE_CHARS."""
    for line in source.splitlines():
        line = line.strip()
        if line:
            return line if len(line) <= FIRST_LINE_CHARS else line[: FIRST_LINE_CHARS - 3] + "..."
    return ""


def cell_label(number, source):
    """Return 'cell N ("first line")' for the cell at 1-based position ``number`` of a notebook."""
    line = first_line(source)
    return f'cell {number} ("{line}")' if line else f"cell {number} (empty)"
