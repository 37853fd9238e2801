"""Google Colab: the notebooks' first cell and the README's "Open in Colab" links.

    python tools/colab.py --write     # after changing a URL below: rewrite the cells and the links
    python tools/colab.py --check     # exit 1 when a notebook or README is out of date (a test runs it)

The course sets its two URLs here, once:

RELEASE_URL  the student release zip (`make release` writes build/release.zip):
             on Colab the first cell downloads it into /content/cs231n, installs
             the package from it in place (a .pth line in site-packages, as
             pip install -e does, so edits to cs231n_lib/ count and no build
             step or network is needed; Colab has numpy, scipy and matplotlib)
             and fetches CIFAR-10 with its get_datasets.sh.
COLAB_BASE   where Colab opens the notebooks from (a GitHub folder holding
             assignments/).

The first cell does nothing outside Colab, and re-running it is instant (the
folder, the install and the data are each skipped when already there).
Standard library only.
"""

import json
import os
import re
import sys
import tempfile
from pathlib import Path

RELEASE_URL = "https://example.edu/cs231n-lecture3/release.zip"
COLAB_BASE = "https://colab.research.google.com/github/example-course/cs231n-lecture3/blob/main/"

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((REPO / "assignments").glob("[0-9][0-9]_*.ipynb"))
READMES = [REPO / "README.md", REPO / "instructor" / "release_README.md"]
CELL_ID = "colab-setup"
LINKS_BEGIN, LINKS_END = "<!-- colab links: tools/colab.py -->", "<!-- end colab links -->"
BADGE = "https://colab.research.google.com/assets/colab-badge.svg"

CELL = '''# Google Colab only (elsewhere this cell does nothing): get the course folder, install it, fetch CIFAR-10.
# Written by tools/colab.py, where the course sets the URL. Re-running it is instant.
import importlib.util, os, sys
if importlib.util.find_spec("google") is not None and importlib.util.find_spec("google.colab") is not None:
    import shutil, subprocess, urllib.request, zipfile
    COURSE_ZIP = os.environ.get("CS231N_RELEASE_URL", "{url}")
    COURSE_HOME = os.environ.get("CS231N_HOME", "/content/cs231n")
    if not os.path.isfile(os.path.join(COURSE_HOME, "get_datasets.sh")):  # download and unpack once
        archive, _ = urllib.request.urlretrieve(COURSE_ZIP)
        unpacked = COURSE_HOME + ".part"
        shutil.rmtree(unpacked, ignore_errors=True)
        with zipfile.ZipFile(archive) as course_zip:
            course_zip.extractall(unpacked)
            top = course_zip.namelist()[0].split("/")[0]  # the zip holds one folder, release/
        os.replace(os.path.join(unpacked, top), COURSE_HOME)
        shutil.rmtree(unpacked, ignore_errors=True)
    if COURSE_HOME not in sys.path:
        sys.path.insert(0, COURSE_HOME)  # this kernel sees the package at once
    import sysconfig  # later kernels too: a .pth line, like pip install -e (Colab has the requirements)
    with open(os.path.join(sysconfig.get_paths()["purelib"], "cs231n-course.pth"), "w") as pth:
        pth.write(COURSE_HOME + "\\n")
    subprocess.run(["bash", "get_datasets.sh"], cwd=COURSE_HOME, check=True)  # a no-op once the data is there
    os.chdir(os.path.join(COURSE_HOME, "assignments"))
    print(f"Colab: course folder {{COURSE_HOME}} ready; edit its cs231n_lib/ files, and save before check().")'''


def cell_source(url=RELEASE_URL):
    """The source of every notebook's first code cell."""
    return CELL.format(url=url)


def links_block():
    """The README's 'Open in Colab' list, one link per notebook."""
    lines = [LINKS_BEGIN]
    for path in NOTEBOOKS:
        rel = f"assignments/{path.name}"
        lines.append(f"- [![Open In Colab]({BADGE})]({COLAB_BASE}{rel}) `{rel}`")
    lines.append(LINKS_END)
    return "\n".join(lines)


def _write(path, text):
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def notebook_with_cell(text):
    """Return the notebook JSON text with its Colab cell inserted or updated (indent 1, ids kept)."""
    nb = json.loads(text)
    cells = nb["cells"]
    lines = cell_source().split("\n")
    source = [line + "\n" for line in lines[:-1]] + [lines[-1]]
    existing = [cell for cell in cells if cell.get("id") == CELL_ID]
    if existing:
        existing[0]["source"] = source
    else:
        first_code = next(i for i, cell in enumerate(cells) if cell["cell_type"] == "code")
        cells.insert(first_code, {"cell_type": "code", "execution_count": None, "id": CELL_ID,
                                  "metadata": {}, "outputs": [], "source": source})
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"  # as nbformat writes


def readme_with_links(text):
    """Return the README text with its links block replaced (it must hold the two marker lines)."""
    pattern = re.compile(re.escape(LINKS_BEGIN) + r".*?" + re.escape(LINKS_END), re.DOTALL)
    if not pattern.search(text):
        raise ValueError(f"the README has no {LINKS_BEGIN!r} ... {LINKS_END!r} block; add the two lines.")
    return pattern.sub(lambda _: links_block(), text)


def main(argv):
    if argv not in (["--write"], ["--check"]):
        print("usage: python tools/colab.py --write | --check", file=sys.stderr)
        return 2
    stale = []
    for path in NOTEBOOKS + [p for p in READMES if p.is_file()]:
        text = path.read_text(encoding="utf-8")
        new = notebook_with_cell(text) if path.suffix == ".ipynb" else readme_with_links(text)
        if new != text:
            stale.append(path)
            if argv == ["--write"]:
                _write(path, new)
    if argv == ["--check"] and stale:
        names = ", ".join(str(p.relative_to(REPO)) for p in stale)
        print(f"error: {names} not in step with tools/colab.py; run python tools/colab.py --write.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
