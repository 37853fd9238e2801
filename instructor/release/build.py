"""Build the student release from the solution tree: ``make release``.

    python -m instructor.release [--src .] [--out build/release]

writes ``build/release/`` and ``build/release.zip``. Every file of the tree
(instructor/release/tree.py) is copied except the instructor-only ones (instructor/,
.ci/); .py files and notebooks with solution markers get their solutions cut
(instructor/release/markers.py). README.md comes from instructor/release_README.md,
the Makefile loses the instructor verbs and gains ``make submit``, and the
pytest testpaths lose instructor paths. Everything is built in a temporary
folder, checked (no solution line, no hidden test) and only then renamed
into place, so a failed build leaves the previous release untouched.
"""

import argparse
import ast
import json
import os
import re
import shutil
import sys
import tempfile
import zipfile
from collections import Counter
from pathlib import Path

import nbformat

from ..grading.points import PointsError, load_points
from .questions import MAP_PATH, build_question_map
from .markers import MarkerError, cut_python
from .notebook_cuts import cut_notebook, is_instructor_cell, read_notebook, solution_bodies
from .tree import replace_dir, tree_files

REPO = Path(__file__).resolve().parents[2]
INSTRUCTOR_ONLY = ("instructor/", ".ci/", "CONTRIBUTING.md",  # CONTRIBUTING: the solution-marker conventions
                   "tests/browser/")  # drives make lab on the instructor tree and on a release it builds
GENERATED = {"README.md", "Makefile", "pyproject.toml", "tools/submit.py"}
README_TEMPLATE = "instructor/release_README.md"
README_SLOT = "<!-- graded files -->"
SUBMIT_SCRIPT = "instructor/release/submit.py"
POINTS = "instructor/points.toml"
CELL_NAMES = "tools/notebook_cells.py"
MAKEFILE_CUT = "# ---- instructor verbs"
INSTRUCTOR_VERBS = ("release", "grade", "grade-all", "gradescope", "bench-jail")
MIN_DISTINCTIVE = 10  # solution lines shorter than this (e.g. 'pass') are not checked


class ReleaseError(RuntimeError):
    """The tree cannot be turned into a release; the message says why and what to do."""


def is_shipped(rel):
    """True when ``rel`` (a path of the tree) belongs in the student release."""
    return not rel.startswith(INSTRUCTOR_ONLY)


def graded_files(src, files=None):
    """Return the shipped files that hold solution markers: exactly what students submit."""
    src = Path(src)
    files = tree_files(src) if files is None else files
    return [rel for rel in files if is_shipped(rel) and solution_bodies(src / rel, rel)]


def student_version(src, rel):
    """Return the bytes of the student version of file ``rel`` of the tree at ``src``."""
    path = Path(src) / rel
    if rel.endswith(".py"):
        text, _ = cut_python(path.read_text(encoding="utf-8"), rel, rel)
        return text.encode("utf-8")
    if rel.endswith(".ipynb"):
        student, _, _ = cut_notebook(read_notebook(path, rel), rel)
        return nbformat.writes(student).encode("utf-8") + b"\n"
    return path.read_bytes()


# ------------------------------------------------------ generated files


def release_makefile(text, graded):
    """Return the student Makefile: instructor verbs removed, ``make submit`` added."""
    head, cut, _ = text.partition(MAKEFILE_CUT)
    if not cut:
        raise ReleaseError(
            f"the Makefile has no line starting with {MAKEFILE_CUT!r}; keep that line above "
            "the instructor verbs so the release can leave them out."
        )
    phony = re.compile(r"^(\.PHONY:.*)$", re.MULTILINE)
    head = phony.sub(
        lambda m: " ".join(word for word in m.group(1).split() if word not in INSTRUCTOR_VERBS), head
    )
    files = " \\\n\t".join(graded)
    return (
        head.rstrip("\n")
        + "\n\n# The files you edit; `make submit` zips exactly these.\n"
        + f"SUBMISSION_FILES := \\\n\t{files}\n\n"
        + "# Only the standard library: no setup needed, so a broken .venv cannot stop a submission.\n"
        + "submit: ## zip the files you edit into submission.zip, ready to hand in\n"
        + "\t$(PYTHON) tools/submit.py $(SUBMISSION_FILES)\n"
    )


def release_pyproject(text):
    """Return pyproject.toml with instructor paths removed from pytest's testpaths."""
    pattern = re.compile(r"^testpaths\s*=\s*(\[.*?\])", re.MULTILINE | re.DOTALL)
    match = pattern.search(text)
    if not match:
        return text
    try:
        paths = ast.literal_eval(match.group(1))
    except (ValueError, SyntaxError):
        raise ReleaseError(
            "pyproject.toml: testpaths is not a plain list of quoted strings; write it as "
            'testpaths = ["tests", ...].'
        ) from None
    kept = [path for path in paths if not path.startswith(INSTRUCTOR_ONLY[0].rstrip("/"))]
    listed = ", ".join(f'"{path}"' for path in kept)
    return text[: match.start()] + f"testpaths = [{listed}]" + text[match.end() :]


def release_readme(template, graded):
    """Return the students' README: the template with the graded files listed in its slot."""
    if README_SLOT not in template:
        raise ReleaseError(f"{README_TEMPLATE} has no {README_SLOT!r} line; put it where the graded files are listed.")
    listing = "\n".join(f"- `{rel}`" for rel in graded)
    return template.replace(README_SLOT, listing)


# ------------------------------------------------------------- checks


def distinctive_lines(src, rel):
    """Return the stripped solution lines of ``rel`` that occur nowhere else in that file.

    Lines shorter than MIN_DISTINCTIVE characters (``pass``, ``else:``) are left out.
    """
    path = Path(src) / rel
    inside = Counter(line.strip() for body in solution_bodies(path, rel) for line in body)
    if rel.endswith(".ipynb"):
        text = "\n".join(cell.source for cell in read_notebook(path, rel).cells)
    else:
        text = path.read_text(encoding="utf-8")
    everywhere = Counter(line.strip() for line in text.split("\n"))
    return sorted(line for line, n in inside.items() if len(line) >= MIN_DISTINCTIVE and everywhere[line] == n)


def check_release(src, release, graded):
    """Raise ReleaseError if the release at ``release`` holds solution text or instructor files.

    Every graded file's distinctive solution lines are looked for in every shipped file, not
    only in the file they come from: a helper module that re-implements an answer gives it away.
    """
    src, release = Path(src), Path(release)
    shipped = tree_files(release)
    leaked = [rel for rel in shipped if not is_shipped(rel)]
    if leaked:
        raise ReleaseError(f"the release contains instructor files ({', '.join(leaked)}); fix is_shipped.")
    hidden = {p.read_bytes() for p in (src / "instructor" / "hidden_tests").rglob("*.py")}
    copies = [rel for rel in shipped if (release / rel).read_bytes() in hidden]
    if copies:
        raise ReleaseError(f"the release contains hidden tests ({', '.join(copies)}); remove them from the shipped tree.")
    for rel in shipped:
        if rel.endswith(".ipynb"):
            nb = nbformat.read(str(release / rel), as_version=4)
            if any(is_instructor_cell(cell) or cell.get("outputs") for cell in nb.cells):
                raise ReleaseError(f"{rel} in the release has outputs or instructor cells; fix cut_notebook.")
    solution = {rel: distinctive_lines(src, rel) for rel in graded}
    for rel in shipped:
        released = _shipped_lines(release / rel)
        for owner, lines in solution.items():
            found = [line for line in lines if line in released]
            if found and rel == owner:
                raise ReleaseError(f"{rel} in the release still holds solution text: {found[0]!r}.")
            if found:
                raise ReleaseError(f"{rel} in the release holds a solution line of {owner}: {found[0]!r}; "
                                   f"write it differently there or cut it.")


def _shipped_lines(path):
    """The stripped lines of a shipped text file (a notebook's cell sources); empty for binary files."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return set()
    if path.suffix == ".ipynb":
        text = "\n".join(cell.source for cell in nbformat.reads(text, as_version=4).cells)
    return {line.strip() for line in text.split("\n")}


# -------------------------------------------------------------- build


def _write_zip(folder, zip_path):
    """Zip ``folder`` into ``zip_path`` (entries under the folder's name), atomically."""
    tmp = zip_path.with_name(f".{zip_path.name}.tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
        for rel in tree_files(folder):
            archive.write(folder / rel, f"{folder.name}/{rel}")
    os.replace(tmp, zip_path)


def build_release(src, out):
    """Build the release of the tree at ``src`` into folder ``out`` and ``out``.zip; return the graded files."""
    src, out = Path(src).resolve(), Path(out).resolve()
    files = tree_files(src)
    for needed in (README_TEMPLATE, SUBMIT_SCRIPT, "Makefile"):
        if needed not in files:
            raise ReleaseError(f"{needed} is missing from {src}; restore it and run make release again.")
    graded = graded_files(src, files)
    if not graded:
        raise ReleaseError(f"no file under {src} holds solution markers; nothing would be graded.")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent)) / out.name
    try:
        for rel in files:
            if not is_shipped(rel) or rel in GENERATED:
                continue
            target = tmp / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if rel in graded or rel.endswith(".ipynb"):  # every notebook loses outputs, instructor cells
                target.write_bytes(student_version(src, rel))
            else:
                shutil.copy2(src / rel, target)
        (tmp / "README.md").write_text(release_readme((src / README_TEMPLATE).read_text(), graded))
        (tmp / "Makefile").write_text(release_makefile((src / "Makefile").read_text(), graded))
        if "pyproject.toml" in files:
            (tmp / "pyproject.toml").write_text(release_pyproject((src / "pyproject.toml").read_text()))
        (tmp / "tools").mkdir(exist_ok=True)
        shutil.copy2(src / SUBMIT_SCRIPT, tmp / "tools" / "submit.py")
        if not (tmp / CELL_NAMES).is_file():  # submit.py names cells with it (a tree without tools/)
            shutil.copy2(REPO / CELL_NAMES, tmp / CELL_NAMES)
        if POINTS in files:  # the public question map for make check / check() / make test's summary
            question_map = build_question_map(load_points(src / POINTS))
            (tmp / MAP_PATH).parent.mkdir(exist_ok=True)
            (tmp / MAP_PATH).write_text(json.dumps(question_map, indent=1) + "\n", encoding="utf-8")
        check_release(src, tmp, graded)
        _write_zip(tmp, tmp.parent / f"{out.name}.zip")
        replace_dir(tmp, out)
        os.replace(tmp.parent / f"{out.name}.zip", out.with_name(f"{out.name}.zip"))
    finally:
        shutil.rmtree(tmp.parent, ignore_errors=True)
    return graded


def main(argv=None):
    parser = argparse.ArgumentParser(description="Build the student release (folder and zip).")
    parser.add_argument("--src", type=Path, default=REPO, help="the solution tree (default: this repository)")
    parser.add_argument("--out", type=Path, default=REPO / "build" / "release", help="release folder; the zip goes next to it")
    args = parser.parse_args(argv)
    try:
        graded = build_release(args.src, args.out)
    except (MarkerError, ReleaseError, PointsError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"release: {args.out} and {args.out.with_name(args.out.name + '.zip')} ({len(graded)} graded files)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
