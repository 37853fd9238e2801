"""Zip the files you edit into submission.zip: ``make submit``.

    python tools/submit.py FILE ...

The Makefile passes exactly the graded files. Each must exist, notebooks must
be valid JSON; the zip keeps the folder layout (cs231n_lib/..., assignments/...)
and is written under a temporary name, then renamed, so a failed run leaves no
half-written zip. Regions still unfinished are listed as a reminder; they do
not stop the submission.
"""

import json
import os
import re
import sys
import zipfile

# tools/notebook_cells.py names cells the same way everywhere; it sits next to
# this script in the release (tools/) and in tools/ of the instructor's tree.
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(os.path.dirname(HERE), "tools")]
from notebook_cells import cell_label  # noqa: E402

OUTPUT = "submission.zip"
STUB = "replace this raise with your code"
ANSWER = "YOUR ANSWER HERE"
UNFINISHED = (STUB, ANSWER)
IMPLEMENT = re.compile(r"Implement (.+?): replace this raise")


def problems(files):
    """Return one sentence per file that cannot be submitted as it is."""
    found = []
    for name in files:
        if not os.path.isfile(name):
            found.append(f"{name} is missing; restore it from the release zip (your other files are kept).")
        elif name.endswith(".ipynb"):
            try:
                with open(name, encoding="utf-8") as f:
                    json.load(f)
            except (ValueError, UnicodeDecodeError) as error:
                found.append(f"{name} is not a valid notebook ({error}); reopen it in Jupyter and save it again.")
    return found


def unfinished(files):
    """Return {file: [one description per region still to do]} for the files with stubs or placeholders left."""
    todo = {}
    for name in files:
        with open(name, encoding="utf-8") as f:
            text = f.read()
        regions = []
        if name.endswith(".ipynb"):
            for number, cell in enumerate(json.loads(text).get("cells", []), start=1):
                source = cell.get("source", "")
                source = "".join(source) if isinstance(source, list) else source
                if cell.get("cell_type") == "code" and STUB in source:
                    regions += [f"{cell_label(number, source)}: code to write"] * source.count(STUB)
                elif cell.get("cell_type") == "markdown" and ANSWER in source:
                    regions += [f"{cell_label(number, source)}: answer to write"] * source.count(ANSWER)
        else:
            for number, line in enumerate(text.splitlines(), start=1):
                if STUB in line:
                    match = IMPLEMENT.search(line)
                    regions.append(f"line {number}: {match.group(1) if match else 'code to write'}")
        if regions:
            todo[name] = regions
    return todo


def main(files):
    if not files:
        print("error: no files given; run `make submit`, which passes the graded files.", file=sys.stderr)
        return 2
    errors = problems(files)
    if errors:
        for sentence in errors:
            print(f"error: {sentence}", file=sys.stderr)
        print(f"error: {OUTPUT} was not written.", file=sys.stderr)
        return 1
    tmp = f".{OUTPUT}.tmp"
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in files:
            archive.write(name, name)
    os.replace(tmp, OUTPUT)
    print(f"{OUTPUT}: {len(files)} files written:")
    for name in files:
        print(f"  {name}")
    todo = unfinished(files)
    if todo:
        print("note: still unfinished (they will score 0 until done):")
        for name, regions in todo.items():
            print(f"  {name}: {len(regions)} region(s)")
            for region in regions:
                print(f"    - {region}")
    print(f"Hand in {OUTPUT} as your course says (for example, upload it to Gradescope).")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
