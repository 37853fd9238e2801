"""Start a confined process and kill it: the only module that knows how student code is jailed.

The backends, their detection and the bwrap command line are jail_backends.py's (its
docstring lists the flags); the uid backend's slot uids, network ban, processes and files
are jail_uids.py's. This module starts a box with either and kills every process of it.
Callers use ``jail`` alone: it re-exports what they need of both.
"""

import json
import os
import select
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field

from . import jail_cpu
from .jail_backends import (BACKENDS, INSTALL_HINT, JailError, Limits, _drop, _rlimits, bwrap_args,  # noqa: F401
                            bwrap_binary, bwrap_version, choose_backend, closed_python_root, python_roots)
from .jail_uids import (BASE_UID, MAX_TMP_FILES, NONET, WORLD_WRITABLE, _nonet, _pids_of_uid, _running,  # noqa: F401
                        _watch_files, block_network, clear_uid, remove_files_of, slot_uid)


@dataclass
class Box:
    """A started box: the Popen of its outermost process and what is needed to kill all of it."""

    process: subprocess.Popen
    backend: str
    uid: int | None
    inner_pid: int | None = None  # the command, as seen from the host
    info_fd: int | None = None
    init_pid: int | None = None  # pid 1 of the box's pid namespace (bwrap's init): killing it kills the box
    info: dict = field(default_factory=dict)
    watcher: threading.Event | None = None  # set to stop the uid backend's file-count watcher

    def alive(self):
        """True while the box's command runs (bwrap's own processes may outlive it, holding its fds)."""
        return _running(self.inner_pid or self.process.pid)


def start(command, *, backend, binds=(), limits=Limits(), uid=None, env=None, cwd="/", pass_fds=(), stdout=None,
          gid=None):
    """Start ``command`` (a list) confined by ``backend``; return a Box.

    ``binds`` [(host, inside)] are the read-only folders the command sees (bwrap
    only: the other backends see the host's paths, so keep host paths out of
    ``command``, which every user can read in /proc: pass them in ``env`` or a pipe);
    ``pass_fds`` stay open in the box (the worker's pipe); ``uid`` (from
    slot_uid) is the unprivileged uid of the box when the grader runs as root, ``gid`` its
    group (default ``uid``; the group that owns its submission's box folder). Under the uid
    backend a watcher kills the box once its uid owns more than MAX_TMP_FILES files in
    WORLD_WRITABLE and its $HOME; under bwrap, once its /tmp and /dev/shm hold more than
    MAX_TMP_FILES entries. Trusts its caller's arguments (never a student's); checks
    only that a backend and, as root, a uid are given.
    """
    if os.geteuid() != 0 or backend == "none":
        uid = None
    elif uid is None:
        raise JailError("a box started by root needs an unprivileged uid (see jail.slot_uid).")
    prefix, popen_cwd = [], cwd
    if backend == "bwrap":
        info_r, info_w = os.pipe()
        prefix = bwrap_args(binds, limits, uid) + ["--chdir", cwd, "--info-fd", str(info_w), "--"]
        pass_fds = tuple(pass_fds) + (info_w,)
        popen_cwd = "/"
    elif backend == "uid":
        if uid is None:
            raise JailError("the uid backend needs the grader to run as root.")
        block_network(uid)
    elif backend != "none":
        raise JailError(f"unknown isolation backend {backend!r}; use one of {', '.join(BACKENDS)}.")
    inner = _rlimits(limits) + (_drop(uid, gid) if uid is not None else []) + (_nonet(command) if backend == "uid" else [])
    cgroup = jail_cpu.slot_cgroup(uid) if uid is not None else None  # one CPU for the slot's boxes, where possible
    prefix = (jail_cpu.enter_prefix(cgroup) if cgroup is not None else []) + prefix
    process = subprocess.Popen(prefix + inner + list(command), env=env, cwd=popen_cwd, pass_fds=pass_fds,
                               stdin=subprocess.DEVNULL, stdout=stdout, stderr=subprocess.STDOUT if stdout else None,
                               start_new_session=True, close_fds=True)
    box = Box(process, backend, uid)
    if backend == "bwrap":
        _read_info(box, info_r, info_w)
        if box.inner_pid:
            box.watcher = threading.Event()
            skip = {inside for _, inside in binds} | set(python_roots())
            threading.Thread(target=_watch_tmpfs, args=(box, skip), daemon=True).start()
    if backend == "uid":
        box.watcher = threading.Event()
        home = (env or {}).get("HOME")
        threading.Thread(target=_watch_files, args=(box, (*WORLD_WRITABLE, *([home] if home else []))),
                         daemon=True).start()
    return box


def _read_info(box, info_r, info_w):
    """Read bwrap's --info-fd JSON (the box's pids) into ``box``. Trusts bwrap (the host's or make setup's binary);
    checks the JSON parses, within 20 s."""
    os.close(info_w)
    box.info_fd = info_r  # kept open until kill: closing it early would SIGPIPE bwrap
    data, deadline = b"", time.monotonic() + 20
    while time.monotonic() < deadline:  # bwrap writes a small JSON once the box runs
        ready, _, _ = select.select([info_r], [], [], 0.5)
        if ready:
            chunk = os.read(info_r, 4096)
            if not chunk:
                break
            data += chunk
            try:
                box.info = json.loads(data.decode())
                break
            except ValueError:
                continue
        elif box.process.poll() is not None:
            break
    box.inner_pid = box.info.get("child-pid") if isinstance(box.info, dict) else None
    if box.inner_pid:
        try:
            with open(f"/proc/{box.inner_pid}/status") as status:
                box.init_pid = next(int(l.split()[1]) for l in status if l.startswith("PPid:"))
        except (OSError, StopIteration, ValueError):
            box.init_pid = None


def _count_entries(roots, skip, cap):
    """The number of entries under ``roots`` (at most ``cap`` + 1), not descending into the paths of ``skip``.
    Trusts nothing found there: lstat only (never follows a link)."""
    import stat as st
    found, stack = 0, list(roots)
    while stack:
        folder, base = stack.pop()
        try:
            entries = os.scandir(folder)
        except OSError:
            continue
        with entries:
            for entry in entries:
                found += 1
                if found > cap:
                    return found
                inside = base + "/" + entry.name
                try:
                    if st.S_ISDIR(entry.stat(follow_symlinks=False).st_mode) and inside not in skip:
                        stack.append((entry.path, inside))
                except OSError:
                    continue
    return found


def _watch_tmpfs(box, skip):
    """bwrap's bound on files: kill ``box`` once its /tmp and /dev/shm (tmpfs, seen through its command's
    /proc/PID/root) hold more than MAX_TMP_FILES entries; the read-only binds under /tmp (``skip``: a checkout
    or venv in the host's /tmp) are not counted. Checks once a second until kill() stops it."""
    root = f"/proc/{box.inner_pid}/root"  # the command's view (bwrap's init keeps the host's root)
    roots = [(root + "/tmp", "/tmp"), (root + "/dev/shm", "/dev/shm")]
    while not box.watcher.wait(1.0):
        if _count_entries(roots, skip, MAX_TMP_FILES) > MAX_TMP_FILES:
            box.info["killed"] = f"it created more than {MAX_TMP_FILES} files"
            for pid in (box.init_pid, box.inner_pid):
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError, TypeError):
                    pass
            return


def _box_pids(box):
    """The pids of every process of ``box`` now: as root its slot uid's (however they were started), else the
    descendants of bwrap's outer process (orphans of the box are reparented inside its pid namespace). Trusts
    nothing of the processes; reads /proc only."""
    if box.uid is not None:
        return set(_pids_of_uid(box.uid))
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    children.setdefault(int(stat.read().rsplit(")", 1)[1].split()[1]), []).append(int(entry))
            except (OSError, IndexError, ValueError):
                continue
    found, stack = set(), [box.process.pid]
    while stack:
        pid = stack.pop()
        for child in children.get(pid, ()):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


def freeze(box):
    """Stop every process of ``box`` (SIGSTOP, which no process can catch), including those it starts while
    being stopped; returns the pids stopped. The trusted side times its yardstick while the box is frozen, so
    the student's processes cannot load the machine only then. Trusts nothing of the box; checks /proc until
    no process of it is left running (10 passes at most)."""
    stopped = set()
    for _ in range(10):
        new = _box_pids(box) - stopped
        if not new:
            break
        for pid in new:
            try:
                os.kill(pid, signal.SIGSTOP)
            except (ProcessLookupError, PermissionError):
                pass
        stopped |= new
    return stopped


def thaw(box, stopped):
    """Let the processes ``freeze`` stopped run again (SIGCONT). Trusts the pids freeze recorded."""
    for pid in stopped | _box_pids(box):
        try:
            os.kill(pid, signal.SIGCONT)
        except (ProcessLookupError, PermissionError):
            pass


def kill(box, grace=0.0):
    """Kill every process of ``box`` and wait until they are gone (returns the seconds it took).
    Trusts the box's recorded pids and uid; checks /proc until none of them runs (JailError after 30 s)."""
    started = time.monotonic()
    if box.watcher is not None:
        box.watcher.set()
    for pid in (box.init_pid, box.process.pid, box.inner_pid):
        if pid:
            for send in (os.killpg, os.kill):
                try:
                    send(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
    box.process.wait()
    if box.info_fd is not None:
        os.close(box.info_fd)
        box.info_fd = None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        left = [pid for pid in (box.inner_pid, box.init_pid) if pid and _running(pid)]
        if box.uid is not None:
            left += [pid for pid in _pids_of_uid(box.uid) if _running(pid)]
        if not left:
            break
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        time.sleep(0.01)
    else:
        raise JailError(f"processes of the box (uid {box.uid}) survived SIGKILL for 30 s; check the machine.")
    return time.monotonic() - started
