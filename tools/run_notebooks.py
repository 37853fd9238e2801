"""Execute the course notebooks in order into executed .ipynb and .html files.

This is `make run`: the whole walkthrough, end to end, for a self-study
learner. Each notebook runs in a fresh Jupyter kernel; the executed copy and
its HTML rendering land in the output folder. One progress line is printed
per notebook. A notebook that fails is written as NAME.failed.ipynb/.html
(so it cannot be mistaken for a finished one), the remaining notebooks still
run, and the command exits non-zero.

The pages read offline: MathJax is copied into OUT/mathjax/ from the
jupyter-server-mathjax package (installed with the requirements) and the
pages load it from there; the nbconvert template in tools/nbconvert_templates/
drops require.js and the Mermaid loader, which the notebooks do not use.
OUT/index.html links the notebooks in course order with their one-line goals
(the "**Goal:**" line under each notebook's title).

Usage:
    python tools/run_notebooks.py [--out build] [--timeout 900] [NOTEBOOK ...]
"""
from __future__ import annotations

import argparse
import html
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
from nbconvert import HTMLExporter

sys.path.insert(0, str(Path(__file__).resolve().parent))
from notebook_cells import cell_label  # noqa: E402  (tools/ is not a package)

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENTS = REPO / "assignments"
PREFERRED_KERNEL = "cs231n"  # installed into .venv by `make setup`
TEMPLATES = Path(__file__).resolve().parent / "nbconvert_templates"
# MathJax 2 as jupyter-server-mathjax ships it; the template configures it
# (its combined TeX + HTML-CSS configuration, the STIX-Web font, the Safe extension).
CDN_MATHJAX = "https://cdnjs.cloudflare.com/ajax/libs/mathjax/2.7.7/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full,Safe"


def course_notebooks() -> list[Path]:
    """The numbered notebooks in assignments/, in course order."""
    return sorted(ASSIGNMENTS.glob("[0-9][0-9]_*.ipynb"))


def pick_kernel() -> str:
    """The course kernel when `make setup` registered it, else python3."""
    specs = KernelSpecManager().find_kernel_specs()
    return PREFERRED_KERNEL if PREFERRED_KERNEL in specs else "python3"


def write_atomically(path: Path, text: str) -> None:
    """Write text to path through a temporary file in the same folder."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def first_error(nb: nbformat.NotebookNode) -> str:
    """'cell K ("first line"): ErrorName: message' for the first cell that raised, or ''.

    Cells are named as every course tool names them (tools/notebook_cells.py).
    """
    for number, cell in enumerate(nb.cells, start=1):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                message = f"{output.get('ename', 'Error')}: {output.get('evalue', '')}".strip()
                return f"{cell_label(number, cell.source)}: {message.splitlines()[0] if message else ''}"
    return ""


def install_mathjax(out_dir: Path) -> str | None:
    """Copy MathJax into out_dir/mathjax (once per version); return the pages' URL for it.

    Returns None, after a one-line notice, when jupyter-server-mathjax is not
    installed (an old .venv): the pages then load MathJax from its CDN.
    """
    try:
        import jupyter_server_mathjax
        from jupyter_server_mathjax.__version__ import __version__ as version
    except ImportError:
        print("NOTICE: jupyter-server-mathjax is missing, so the pages load MathJax from the web; "
              "run make setup to read them offline.", file=sys.stderr)
        return None
    source = Path(jupyter_server_mathjax.__file__).parent / "static"
    target = out_dir / "mathjax"
    stamp = target / ".version"
    if not (stamp.is_file() and stamp.read_text().strip() == version and (target / "MathJax.js").is_file()):
        # Copy beside the target, then swap it in: never a half-copied folder.
        staging = Path(tempfile.mkdtemp(dir=out_dir, prefix=".mathjax.", suffix=".tmp"))
        try:
            shutil.copytree(source, staging / "mathjax")
            (staging / "mathjax" / ".version").write_text(version + "\n")
            if target.exists():
                shutil.rmtree(target)
            os.replace(staging / "mathjax", target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return "mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full,Safe"


def html_exporter(mathjax_url: str | None) -> HTMLExporter:
    """nbconvert's lab look, minus every script it would fetch from a CDN (see the module docstring)."""
    return HTMLExporter(template_name="offline", extra_template_basedirs=[str(TEMPLATES)],
                        mathjax_url=mathjax_url or CDN_MATHJAX)


def title_and_goal(path: Path) -> tuple[str, str]:
    """The notebook's '# ' title and its '**Goal:**' line ('' when it has none)."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown" and cell.source.lstrip().startswith("# "):
            lines = cell.source.strip().splitlines()
            title = lines[0][2:].strip()
            goal = next((re.sub(r"^\*\*Goal:\*\*\s*", "", line).strip() for line in lines
                         if line.startswith("**Goal:**")), "")
            return title, goal
    return path.stem, ""


def write_index(out_dir: Path, entries: list[tuple[Path, str, bool]]) -> None:
    """out_dir/index.html: one link per notebook (path, rendered stem, ok), in course order."""
    items = []
    for path, stem, ok in entries:
        title, goal = title_and_goal(path)
        status = "" if ok else ' <strong class="failed">(failed: open it to see the cell)</strong>'
        goal_html = f"<br><span class=\"goal\">{html.escape(goal[:1].upper() + goal[1:])}</span>" if goal else ""
        items.append(f'<li><a href="{html.escape(stem)}.html">{html.escape(title)}</a>{status}{goal_html}</li>')
    page = "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8"><title>Loss functions and optimization: the notebooks</title>',
        "<style>body { font-family: sans-serif; max-width: 48em; margin: 2em auto; line-height: 1.5; }",
        "li { margin-bottom: 0.8em; } .goal { color: #444; } .failed { color: #b00; }</style></head><body>",
        "<h1>Loss functions and optimization, the CS231n way</h1>",
        "<p>Read the notebooks in this order; each was executed by <code>make run</code>.</p>",
        "<ol>", *items, "</ol>", "</body></html>", "",
    ])
    write_atomically(out_dir / "index.html", page)


def run_one(path: Path, out_dir: Path, kernel: str, timeout: int,
            exporter: HTMLExporter | None = None) -> tuple[bool, str]:
    """Execute one notebook; write outputs; return (ok, one-line detail)."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name=kernel,
        resources={"metadata": {"path": str(path.parent)}},
        # No widget state in the page: it would need the widget manager from a CDN, and
        # without a kernel the controls do nothing. A playground's output also carries a
        # PNG of its starting state (cs231n_lib/course/playground_widgets.py), which the page shows.
        store_widget_state=False,
    )
    ok, detail = True, ""
    try:
        # Cell errors come back as messages; the kernel's own stderr (start-up
        # chatter such as transport warnings) would only break the progress line.
        client.execute(stderr=subprocess.DEVNULL)
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as exc:
        ok = False
        detail = first_error(nb) or str(exc).strip().splitlines()[-1]
    except RuntimeError as exc:  # the kernel did not start or answer
        ok = False
        detail = f"kernel start ({exc}; run make setup to reinstall the '{kernel}' kernel)"
    stem = path.stem if ok else f"{path.stem}.failed"
    for stale in (f"{path.stem}.failed.ipynb", f"{path.stem}.failed.html"):
        (out_dir / stale).unlink(missing_ok=True)
    write_atomically(out_dir / f"{stem}.ipynb", nbformat.writes(nb))
    title, _ = title_and_goal(path)  # the page's <title>: the notebook's first heading, not nbconvert's "Notebook"
    page, _ = (exporter or html_exporter(None)).from_notebook_node(nb, resources={"metadata": {"name": title}})
    write_atomically(out_dir / f"{stem}.html", page)
    return ok, detail or f"-> {out_dir / stem}.html"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: assignments/NN_*.ipynb")
    parser.add_argument("--out", type=Path, default=REPO / "build", help="output folder (default build/)")
    parser.add_argument("--timeout", type=int, default=900, help="seconds allowed per cell (default 900)")
    args = parser.parse_args(argv)

    notebooks = args.notebooks or course_notebooks()
    missing = [str(p) for p in notebooks if not p.is_file()]
    if missing:
        print(f"error: notebook not found: {', '.join(missing)}; check the path and run again.", file=sys.stderr)
        return 2
    if not notebooks:
        print("No notebooks in assignments/ yet; nothing to run.")
        return 0

    args.out.mkdir(parents=True, exist_ok=True)
    kernel = pick_kernel()
    exporter = html_exporter(install_mathjax(args.out))
    failures, entries = [], []
    total_start = time.perf_counter()
    for i, path in enumerate(notebooks, 1):
        print(f"[{i}/{len(notebooks)}] {path.name} ...", end=" ", flush=True)
        start = time.perf_counter()
        ok, detail = run_one(path, args.out, kernel, args.timeout, exporter)
        entries.append((path, path.stem if ok else f"{path.stem}.failed", ok))
        elapsed = time.perf_counter() - start
        print(f"{'ok' if ok else 'FAILED'} in {elapsed:.1f} s {detail}", flush=True)
        if not ok:
            failures.append((path.name, detail))

    write_index(args.out, entries)
    elapsed = time.perf_counter() - total_start
    if failures:
        for name, detail in failures:
            print(
                f"error: {name} failed at {detail}; open {args.out}/{Path(name).stem}.failed.html "
                "to see the cell, fix it, and run make run again.",
                file=sys.stderr,
            )
        return 1
    print(f"All {len(notebooks)} notebooks ran in {elapsed:.0f} s; open {args.out}/index.html to read them.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
