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
Whole notebooks (instructor cells dropped, outputs cleared) are cut by notebook_cuts.py.
"""

import ast
import re
from dataclasses import dataclass

ANSWER_PLACEHOLDER = "YOUR ANSWER HERE"


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
