"""Build the Gradescope autograder zip: ``make gradescope``.

    python -m instructor.gradescope [--src .] [--out build/gradescope_autograder.zip]

The zip holds, at its root, Gradescope's two entry points (setup.sh and
run_autograder, from instructor/gradescope/) and the instructor's tree
(solutions, public and hidden tests, points file, grader), which Gradescope
unpacks into /autograder/source. Student code never sees it: run_autograder
makes /autograder/source, results and grades root-owned 0700 before grading,
and the grader runs student code only in its jail (bubblewrap, where nothing
of /autograder but the submission's graded files is mounted, or the uid
fallback, whose uid cannot enter 0700 root folders). Left out: CI scripts, the instructor's own
tests, and everything tree.py excludes (environments, build products, data).
The points file is read once here so a broken one fails now, not on
Gradescope.
"""

import argparse
import os
import sys
import zipfile
from pathlib import Path

from .course import POINTS_FILE
from .points import PointsError, load_points
from ..release.tree import tree_files

REPO = Path(__file__).resolve().parents[2]
ENTRY_POINTS = ("setup.sh", "run_autograder")
LEFT_OUT = (".ci/", "instructor/tests/", "instructor/gradescope/")


def build_autograder(src, out):
    """Write the autograder zip for the tree at ``src`` to ``out``; return the number of files."""
    src, out = Path(src).resolve(), Path(out).resolve()
    load_points(src / POINTS_FILE)
    files = [rel for rel in tree_files(src) if not rel.startswith(LEFT_OUT)]
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in ENTRY_POINTS:  # ZipFile.write keeps the executable bit
            archive.write(src / "instructor" / "gradescope" / name, name)
        for rel in files:
            archive.write(src / rel, rel)
    os.replace(tmp, out)
    return len(files) + len(ENTRY_POINTS)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Build the Gradescope autograder zip.")
    parser.add_argument("--src", type=Path, default=REPO, help="the instructor's tree (default: this repository)")
    parser.add_argument("--out", type=Path, default=REPO / "build" / "gradescope_autograder.zip")
    args = parser.parse_args(argv)
    try:
        count = build_autograder(args.src, args.out)
    except (PointsError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"gradescope: {args.out} ({count} files); upload it as the assignment's autograder "
          "(Ubuntu base image), students upload the submission.zip that `make submit` writes.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
