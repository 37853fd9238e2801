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
import sys
import zipfile

OUTPUT = "submission.zip"
UNFINISHED = ("replace this raise with your code", "YOUR ANSWER HERE")


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
    """Return {file: number of regions still to do} for the files with stubs or placeholders left."""
    counts = {}
    for name in files:
        with open(name, encoding="utf-8") as f:
            text = f.read()
        n = sum(text.count(marker) for marker in UNFINISHED)
        if n:
            counts[name] = n
    return counts


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
        for name, n in todo.items():
            print(f"  {name}: {n} region(s)")
    print(f"Hand in {OUTPUT} as your course says (for example, upload it to Gradescope).")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
