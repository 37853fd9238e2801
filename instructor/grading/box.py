"""A submission's box: the folder the jail sees, and where each of its paths appears inside.

``make_box`` lays out a submission's scratch folder (the host side):

    work/               0711: the uid backend passes through, cannot list
      box/              0711 (root:<the submission's group> 0710 as root)
        tree-<random>/  the package (the student's graded files, compiled, else
                        release stubs; the reference's other files)
        worker-<random>/ worker.py, worker_serve.py, worker_stand_ins.py and wire.py, nothing else
        notebooks-<random>/ the graded notebooks to run (nbchecks.py)
        home-<slot>/    the writable home of a uid-backend box
      stubs/            0700: release stubs, put in when a module fails at import
      logs/             0700: worker and notebook logs, the harness's events

A bwrap box has its own mount namespace: it sees the tree at ``TREE``, the
worker at ``WORKER``, the notebooks at ``NOTEBOOKS`` and its tmpfs ``/tmp``
as home. The uid and none backends see the host's paths. ``seen``, ``seen_home``,
``worker_binds`` and ``env`` are the one mapping between the two, used by the
connection (launch.py), the notebook runs (nbchecks.py) and the canary.
"""

import os
import secrets
import subprocess
from pathlib import Path

from . import jail

PACKAGE = "cs231n_lib"
TREE = "/box/src"  # where a bwrap box sees the box tree
WORKER = "/box/worker"  # ... the worker's two files
NOTEBOOKS = "/box/notebooks"  # ... the notebooks it runs
BOX_HOME = "/tmp"  # ... its home: the box's own tmpfs
WORKER_FILES = ("worker.py", "worker_serve.py", "worker_stand_ins.py", "wire.py")


def seen(host, inside, backend):
    """The path a boxed process uses for host path ``host``, bound at ``inside`` under bwrap.

    Trusts the grader's layout; checks nothing. bwrap boxes see only their binds (``inside``); the uid and
    none backends see the host's own paths.
    """
    return inside if backend == "bwrap" else str(host)


def seen_home(layout, backend):
    """The box's home and TMPDIR: its tmpfs under bwrap, else the slot's home in the layout (``box_home``).
    Trusts the layout; checks nothing."""
    return BOX_HOME if backend == "bwrap" else layout["home"]


def worker_binds(layout):
    """[(host, inside)]: the read-only binds of every box that runs the worker (the tree, the worker's files).
    Trusts the layout; checks nothing."""
    return [(layout["tree"], TREE), (layout["worker_dir"], WORKER)]


def env(home, path="/usr/bin:/bin", **extra):
    """The whole environment of a boxed process (nothing of the grader's leaks in): one thread per BLAS, no
    bytecode written, a fixed hash seed, matplotlib's Agg. Trusts its caller's values; checks nothing."""
    return {"PATH": path, "HOME": home, "TMPDIR": home, "LANG": "C.UTF-8", "PYTHONHASHSEED": "0",
            "PYTHONDONTWRITEBYTECODE": "1", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
            "MPLBACKEND": "Agg", **extra}


def package_files(src, files):
    """The package's .py files that go into a box: git-tracked ones in a checkout, else the walked ones.

    Never an untracked scratch file of the instructor's (an old solution, a merge's leftovers, notes):
    everything in the box is readable by the student's code. Trusts the instructor's tree and git; checks
    that each file is tracked."""
    candidates = [rel for rel in files if rel.startswith(PACKAGE + "/") and rel.endswith(".py")]
    if (Path(src) / ".git").exists():
        try:
            listing = subprocess.run(["git", "-C", str(src), "ls-files", "-z", "--cached", "--", PACKAGE],
                                     capture_output=True, check=True).stdout.decode("utf-8").split("\0")
        except (OSError, subprocess.CalledProcessError):
            listing = None
        if listing is not None:
            tracked = set(listing)
            candidates = [rel for rel in candidates if rel in tracked]
    return candidates


def _student_python(course, rel, data, notes):
    """Return the bytes to grade for package file ``rel``: the submission if it compiles, else the stub.
    Trusts nothing of ``data``: it is compiled (never run) to check its syntax; the note names the error."""
    if data is not None:
        try:
            compile(data, rel, "exec")
            return data
        except (SyntaxError, ValueError) as error:
            line = getattr(error, "lineno", None)
            notes.append(f"{rel} does not compile ({type(error).__name__}{f' at line {line}' if line else ''}: "
                         f"{getattr(error, 'msg', error)}); it was graded as unfinished.")
    return student_version(course.src, rel)


def student_version(src, rel):
    """The release's version of file ``rel`` of the tree at ``src`` (bytes). release.build is imported here, not at
    the top: it imports nbformat (jsonschema and its URI grammar, seconds of CPU), which the harness, importing
    this module in every submission's grading, never needs."""
    from ..release.build import student_version as cut

    return cut(src, rel)


def _write(path, data, mode=0o644):
    """Write ``data`` to ``path`` (parents 0755) with ``mode``. Trusts its caller; checks nothing."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o755)
    path.write_bytes(data)
    os.chmod(path, mode)


def make_box(course, work, found, notes, gid=None):
    """Lay out ``work``: box/ (what the jail sees), stubs/ (release stubs) and logs/ (trusted side only).

    Trusts the submission's bytes only as data (they are written, never run here); checks that each graded
    file compiles (else its stub). ``gid``: the group of this submission's box uids (jail.start ``gid``);
    box/ is then root:gid 0710, so the uid of another submission (another group) cannot enter it even when
    it learns its path; the logs are 0700."""
    os.chmod(work, 0o711)  # the uid backend passes through, cannot list
    (work / "logs").mkdir(mode=0o700)
    box = work / "box"
    box.mkdir(mode=0o711)  # not listable: another submission's uid cannot find the folders below
    if gid is not None and os.geteuid() == 0:
        os.chown(box, 0, gid)
        os.chmod(box, 0o710)
    tree = box / f"tree-{secrets.token_hex(8)}"
    for rel in package_files(course.src, course.files):
        if rel in course.graded:
            data = _student_python(course, rel, found.get(rel), notes)
            _write(work / "stubs" / rel, student_version(course.src, rel))
            os.chmod(work / "stubs", 0o700)
        else:
            data = (course.src / rel).read_bytes()
        _write(tree / rel, data)
    worker = box / f"worker-{secrets.token_hex(8)}"
    for name in WORKER_FILES:
        _write(worker / name, (Path(__file__).parent / name).read_bytes())
    for folder in (tree, worker):
        for path in [folder, *folder.rglob("*")]:
            os.chmod(path, 0o755 if path.is_dir() else 0o644)
    return {"tree": str(tree), "worker_dir": str(worker), "stubs": str(work / "stubs"), "box": str(box)}


def box_home(layout, slot, backend):
    """The writable home of job slot ``slot`` for the uid backend (bwrap boxes use their tmpfs), 0700 and
    owned by the slot's uid. Trusts the layout and the slot's uid; checks whether it exists already."""
    home = Path(layout["box"]) / f"home-{slot}"
    if not home.exists():
        home.mkdir(mode=0o700)
        if backend == "uid":
            uid = jail.slot_uid(slot)
            os.chown(home, uid, uid)
    return str(home)
