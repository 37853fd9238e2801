"""The only code that imports a student's files. Runs inside the jail (instructor/grading/jail.py).

    python -I -B worker.py - READ_FD WRITE_FD                   (run in the worker's folder)
    python -I -B worker.py --notebook CELL_TIMEOUT WRITE_FD     (the notebook: $GRADE_NOTEBOOK)

No path is ever in the command line (every user can read it in /proc): the
first frame on READ_FD is {"op": "config", "config": CONFIG}, and the
notebook's path comes in the environment (readable by its own uid only).
The worker makes itself non-dumpable first, so the notebook's kernel (a
child, same uid) cannot ptrace it or open its pipe to the grader.

The requests are served by worker_serve.py (stand-ins: worker_stand_ins.py); every
file here is copied into the box's worker folder (box.WORKER_FILES).
"""

import os
import sys

if __package__:
    from . import wire
    from .worker_serve import Worker, _text
else:  # run as a script inside the jail, next to its modules (python -I does not add its folder)
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import wire
    from worker_serve import Worker, _text

import numpy as np


def run_notebook(path, cell_timeout, wfd):
    """Execute notebook ``path`` in a kernel of this box; send its artifacts (.npy) and the first error."""
    import nbclient
    import nbformat

    report = {}
    out = os.environ["GRADE_ARTIFACTS"]
    os.makedirs(out, exist_ok=True)
    for name in ("IPYTHONDIR", "JUPYTER_RUNTIME_DIR", "JUPYTER_CONFIG_DIR"):
        os.makedirs(os.environ[name], exist_ok=True)
    try:
        from jupyter_client.manager import KernelManager

        nb = nbformat.read(path, as_version=4)
        # unix sockets, not TCP on the loopback: the uid backend's seccomp filter allows only AF_UNIX
        km = KernelManager(kernel_name="python3", transport="ipc",
                           ip=os.path.join(os.environ["JUPYTER_RUNTIME_DIR"], "kernel"))
        nbclient.NotebookClient(nb, km=km, timeout=cell_timeout, kernel_name="python3", allow_errors=False,
                                resources={"metadata": {"path": os.path.dirname(path)}}).execute()
    except BaseException as error:
        ename, evalue = getattr(error, "ename", None), getattr(error, "evalue", None)
        report["error"] = _text(f"{ename}: {evalue}" if ename else f"{type(error).__name__}: {error}", 500)
    artifacts = {}
    for name in sorted(os.listdir(out))[:20]:
        if name.endswith(".npy"):
            try:
                artifacts[name[:-4]] = np.load(os.path.join(out, name), allow_pickle=False)
            except Exception:
                pass
    encoder = wire.Encoder()
    header = {"op": "notebook", "artifacts": encoder.encode(artifacts), "report": encoder.encode(report)}
    wire.write_frame(wfd, header, encoder.blob())


def not_dumpable():
    """prctl(PR_SET_DUMPABLE, 0): processes of the same uid (the notebook's kernel) cannot ptrace this one,
    read its memory or take its file descriptors through /proc or pidfd_getfd. Trusts libc; checks nothing."""
    import ctypes

    ctypes.CDLL(None, use_errno=True).prctl(4, 0, 0, 0, 0)


def main(argv):
    """Entry point. Trusts the grader's argv (fds and a timeout, never a path), its first frame (the config)
    and $HOME / $GRADE_NOTEBOOK; checks the config frame's op."""
    not_dumpable()
    if argv[1] == "--notebook":
        os.chdir(os.environ["HOME"])
        run_notebook(os.environ["GRADE_NOTEBOOK"], float(argv[2]), int(argv[3]))
        return
    header, _ = wire.read_frame(int(argv[2]))
    if header.get("op") != "config" or not isinstance(header.get("config"), dict):
        raise SystemExit("worker: the first frame must be the config.")
    os.chdir(os.environ["HOME"])
    worker = Worker(header["config"], int(argv[2]), int(argv[3]))
    worker.start()
    worker.serve()


if __name__ == "__main__":
    main(sys.argv)
