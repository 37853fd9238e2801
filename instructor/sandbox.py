"""Run a command in a child process with a wall-clock limit and a memory limit.

The child gets a clean environment (no user site, startup files or plugins
from the grader's own environment), one thread per numeric library, its own
session (so a timeout kills it and every process it started, such as a
Jupyter kernel), and an address-space limit (RLIMIT_AS, inherited by its
children) so a huge allocation fails with MemoryError instead of taking the
machine down. This limits accidents and runaway code; it is not a security
boundary (the child runs as the grader's user, with its file access).
"""

import os
import signal
import subprocess
import sys
from dataclasses import dataclass

PASSED_THROUGH = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "CS231N_DATA_DIR")


@dataclass(frozen=True)
class Finished:
    returncode: int
    timed_out: bool
    output: str  # the last few thousand characters of stdout and stderr


def child_env(pythonpath, scratch, extra=None):
    """Return the environment of a grading child: imports resolve in ``pythonpath`` first.

    ``pythonpath`` is a folder or a list of folders (searched in order).
    """
    folders = pythonpath if isinstance(pythonpath, (list, tuple)) else [pythonpath]
    env = {key: os.environ[key] for key in PASSED_THROUGH if key in os.environ}
    env.update(
        PYTHONPATH=os.pathsep.join(str(folder) for folder in folders),
        PYTHONNOUSERSITE="1",
        PYTHONDONTWRITEBYTECODE="1",
        PYTHONHASHSEED="0",
        PYTEST_DISABLE_PLUGIN_AUTOLOAD="1",
        MPLBACKEND="Agg",
        OMP_NUM_THREADS="1",
        OPENBLAS_NUM_THREADS="1",
        MKL_NUM_THREADS="1",
        IPYTHONDIR=str(scratch / "ipython"),
        JUPYTER_RUNTIME_DIR=str(scratch / "jupyter-runtime"),
        JUPYTER_PLATFORM_DIRS="1",
    )
    env.update(extra or {})
    return env


# Set the limits, then become the real command. A tiny launcher rather than
# Popen(preexec_fn=...): the grader runs children from several threads, and
# preexec_fn is not safe in a threaded parent.
_LAUNCHER = (
    "import os, resource, sys\n"
    "limit = int(sys.argv[1])\n"
    "resource.setrlimit(resource.RLIMIT_AS, (limit, limit))\n"
    "resource.setrlimit(resource.RLIMIT_CORE, (0, 0))\n"
    "os.execv(sys.executable, [sys.executable, *sys.argv[2:]])\n"
)


def run_limited(args, cwd, env, timeout, memory_mb, log_path):
    """Run ``python args...`` in ``cwd``; stop it (and its children) after ``timeout`` seconds.

    stdout and stderr go to ``log_path``; the returned Finished holds their tail.
    """
    with open(log_path, "wb") as log:
        child = subprocess.Popen(
            [sys.executable, "-c", _LAUNCHER, str(int(memory_mb * 2**20)), *args],
            cwd=cwd, env=env, stdin=subprocess.DEVNULL,
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        timed_out = False
        try:
            child.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
        finally:
            try:  # the child's session: the child itself and anything it left behind
                os.killpg(child.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            child.wait()
    with open(log_path, "rb") as log:
        log.seek(max(0, os.path.getsize(log_path) - 4000))
        tail = log.read().decode("utf-8", "replace")
    return Finished(child.returncode, timed_out, tail)
