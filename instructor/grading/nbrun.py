"""Notebook items, the box side: run the graded notebook in the jail and read back its artifacts.

The notebook (built by notebooks.py: the student's cells with the instructor's ids, the grader's export cell)
runs in a worker in the jail (worker.py --notebook); its one reply frame, at most ARTIFACT_CAP bytes within
NOTEBOOK_BUDGET seconds, is decoded by wire's allow-list and handed to the trusted check (nbchecks.CHECKS).
"""

import os
import shutil
import sys
import threading
import time
from pathlib import Path

from . import jail, wire
from .box import NOTEBOOKS, TREE, WORKER, env as box_env, seen, seen_home, worker_binds
from .nbchecks import CHECKS

ARTIFACT_CAP = 64 * 2**20
NOTEBOOK_BUDGET = 90  # seconds one notebook may run in the jail (the reference: 2.5-6.5 s on an idle 2-core machine, about 30 s at load 3)


_COPY_LOCK = threading.Lock()


def _readable_copy(src, dst):
    """Copy the data folder ``src`` into ``dst`` once (hard links where they work), world-readable."""
    with _COPY_LOCK:
        done = dst / ".copied"
        if done.exists() or not src.is_dir():
            return
        for folder, dirs, files in os.walk(src):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            target = dst / Path(folder).relative_to(src)
            target.mkdir(mode=0o755, exist_ok=True)
            os.chmod(target, 0o755)
            for name in files:
                source, copy = Path(folder) / name, target / name
                try:
                    os.link(source, copy)  # same file system: no copy (the instructor's files stay 0644)
                    if os.stat(copy).st_mode & 0o004 == 0:
                        os.unlink(copy)
                        raise OSError("not world-readable")
                except OSError:
                    shutil.copyfile(source, copy)
                    os.chmod(copy, 0o644)
        done.write_text("")


# Installed packages a notebook's box never needs and that cost seconds at every import: jsonschema (under
# nbformat, under nbclient) imports rfc3987_syntax when it is there, which builds a URI grammar (about 1.5 s of
# CPU, per notebook). An empty folder bound over it inside the box (bwrap) makes the optional import fail, as
# on an install without it; the notebook's JSON schema uses no IRI format.
MASKED_PACKAGES = ("rfc3987_syntax",)


def _masks(folder):
    """[(empty folder, package folder)] binds that hide MASKED_PACKAGES inside a bwrap box."""
    import importlib.util

    empty = folder / "empty"
    empty.mkdir(mode=0o755, exist_ok=True)
    binds = []
    for name in MASKED_PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.submodule_search_locations:
            binds.append((str(empty), str(list(spec.submodule_search_locations)[0])))
    return binds


def run_and_check(course, rel, nb, work, layout, slot):
    """Run graded notebook ``nb`` in the jail; return (fraction of checks passed, failures).

    Trusts nothing the box sends: one frame within NOTEBOOK_BUDGET, at most ARTIFACT_CAP bytes, decoded by
    wire's allow-list, then recomputed by the check. The notebook's path goes in the box's environment, not its
    command line; the box runs in its submission's group (``layout["gid"]``), its log in the 0700 logs/ folder.
    """
    import nbformat

    if rel not in CHECKS:
        return 0.0, [{"name": rel, "message": "the grader has no check for this notebook"}]
    backend = course.backend
    folder = Path(layout["tree"]).parent / ("notebooks-" + Path(layout["tree"]).name.split("-")[-1])
    folder.mkdir(mode=0o755, exist_ok=True)
    name = Path(rel).name
    (folder / name).write_text(nbformat.writes(nb), encoding="utf-8")
    os.chmod(folder / name, 0o644)
    CHECKS[rel]["data"]()  # what the check reads, loaded (or the stand-in generated) before any kernel looks
    datasets = Path(layout["tree"]) / "datasets"
    datasets.mkdir(mode=0o755, exist_ok=True)
    inside = backend == "bwrap"
    if not inside:  # the uid cannot enter the instructor's 0700 tree: its kernels read a copy in the box tree
        _readable_copy(course.src / "datasets", datasets)
    tree = seen(layout["tree"], TREE, backend)
    nbdir = seen(folder, NOTEBOOKS, backend)
    worker_dir = seen(layout["worker_dir"], WORKER, backend)
    home = seen_home(layout, backend)
    cell_timeout = course.points.limits["cell_timeout"]
    env = box_env(home, path=f"{Path(sys.executable).parent}:/usr/bin:/bin", PYTHONPATH=tree,
                  JUPYTER_PLATFORM_DIRS="1", IPYTHONDIR=f"{home}/ipython", JUPYTER_RUNTIME_DIR=f"{home}/runtime",
                  JUPYTER_CONFIG_DIR=f"{home}/jupyter", JUPYTER_DATA_DIR=f"{sys.prefix}/share/jupyter",
                  GRADE_ARTIFACTS=f"{home}/artifacts", PYDEVD_DISABLE_FILE_VALIDATION="1")
    r, w = os.pipe()
    binds = [*worker_binds(layout), (str(folder), NOTEBOOKS)]
    if (course.src / "datasets").is_dir():
        binds.append((str(course.src / "datasets"), TREE + "/datasets"))
    if inside:
        binds += _masks(folder)
    env["GRADE_NOTEBOOK"] = f"{nbdir}/{name}"  # not in argv, which every user can read in /proc
    command = [sys.executable, "-I", "-B", "worker.py", "--notebook", str(cell_timeout), str(w)]
    with open(work / "logs" / f"{Path(rel).stem}.log", "ab") as log:
        box = jail.start(command, backend=backend, uid=jail.slot_uid(slot), env=env, cwd=worker_dir,
                         pass_fds=(w,), stdout=log, binds=binds, gid=layout.get("gid"),
                         limits=jail.Limits(memory_mb=int(course.points.limits["memory_mb"])))
    os.close(w)
    artifacts, report = {}, {}
    deadline = time.monotonic() + NOTEBOOK_BUDGET
    try:
        header, blob = wire.read_frame(r, deadline, box.alive)
        if header["op"] == "notebook" and len(blob) <= ARTIFACT_CAP:
            decoder = wire.Decoder(blob)
            value = decoder.decode(header.get("artifacts"))
            artifacts = value if isinstance(value, dict) else {}
            report = decoder.decode(header.get("report")) or {}
    except (wire.Timeout, wire.Closed, wire.WireError, OSError):
        report = {"error": f"the notebook did not finish within {NOTEBOOK_BUDGET} s or its process died"}
    finally:
        os.close(r)
        jail.kill(box)
    checks = CHECKS[rel]["check"]({k: v for k, v in artifacts.items() if isinstance(k, str)})
    failures = [{"name": what, "message": why} for what, why in checks if why]
    if failures and isinstance(report, dict) and isinstance(report.get("error"), str):
        failures.insert(0, {"name": rel, "message": "the notebook's kernel reported: " + report["error"][:300]})
    return (1.0 if not failures else 0.0), failures
