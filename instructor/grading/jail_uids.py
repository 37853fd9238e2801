"""The uid backend's housekeeping: a uid per job slot, its network ban, its processes and its files.

A slot uid (``slot_uid``, 61001 and up) is reserved per grader process with an flock; the
uid backend's boxes run under a seccomp filter (``NONET``) and an iptables owner rule
(``block_network``); a watcher bounds the files the uid owns (``MAX_TMP_FILES``), and
``clear_uid`` kills what is left of the uid and deletes its files after each submission.
Imports only jail_backends (its errors); jail.py starts and kills boxes with these.
"""

import fcntl
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from .jail_backends import JailError

BASE_UID = 61001
# Folders every user may write into: a uid-backend box can leave files there (bwrap boxes cannot: their /tmp
# is a private tmpfs and the rest of the host is not mounted). Emptied of the slot uid's files after each box.
WORLD_WRITABLE = ("/tmp", "/var/tmp", "/dev/shm", "/run/lock", "/dev/mqueue")
MAX_TMP_FILES = 20_000  # files and folders a box may make: the uid backend's in WORLD_WRITABLE and its home, bwrap's in its tmpfs


def _running(pid):
    """True when process ``pid`` exists and is not a zombie (a zombie runs nothing; its parent reaps it)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (OSError, IndexError):
        return False


# The uid backend's network ban: a classic-BPF seccomp program, built and installed by this launcher
# (run as ``python -I -S -c NONET -- command ...``), which then execs the command.
NONET = r"""
import ctypes, os, platform, struct, sys
ARCHES = {"x86_64": (0xC000003E, 41, 425, True), "aarch64": (0xC00000B7, 198, 425, False)}
machine = platform.machine()
if machine not in ARCHES:
    sys.exit(f"jail: no seccomp network filter for {machine}; use the bwrap backend on this machine.")
arch, nr_socket, nr_io_uring_setup, has_x32 = ARCHES[machine]
LD, JEQ, JGE, RET = 0x20, 0x15, 0x35, 0x06
ALLOW, DENY = 0x7FFF0000, 0x00050000 | 13            # SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO | EACCES
NO_NETLINK = 0x00050000 | 95                          # SECCOMP_RET_ERRNO | EOPNOTSUPP
prog = [(LD, 0, 0, 4), (JEQ, 1, 0, arch), (RET, 0, 0, DENY),          # another ABI (i386 socketcall): refused
        (LD, 0, 0, 0)]
if has_x32:
    prog += [(JGE, 0, 1, 0x40000000), (RET, 0, 0, DENY)]              # x32 syscall numbers: refused
prog += [(JEQ, 0, 1, nr_io_uring_setup), (RET, 0, 0, DENY),            # io_uring can open sockets: refused
         (JEQ, 1, 0, nr_socket), (RET, 0, 0, ALLOW),
         (LD, 0, 0, 16), (JEQ, 0, 1, 1), (RET, 0, 0, ALLOW),            # socket(AF_UNIX, ...) only
         (JEQ, 0, 1, 16), (RET, 0, 0, NO_NETLINK),                       # getifaddrs, as on WSL: ZeroMQ copes
         (RET, 0, 0, DENY)]
code = b"".join(struct.pack("HBBI", *ins) for ins in prog)
buf = ctypes.create_string_buffer(code)
fprog = struct.pack("HL", len(prog), ctypes.addressof(buf))
libc = ctypes.CDLL(None, use_errno=True)
if libc.prctl(38, 1, 0, 0, 0) != 0 or libc.prctl(22, 2, ctypes.c_char_p(fprog), 0, 0) != 0:
    sys.exit(f"jail: the seccomp network filter could not be installed ({os.strerror(ctypes.get_errno())}).")
os.execvp(sys.argv[2], sys.argv[2:])
"""


def _nonet(command):
    """The uid backend's launcher: install NONET, then exec ``command`` (a Python one: its interpreter runs it)."""
    python = command[0] if Path(command[0]).name.startswith("python") else sys.executable
    return [python, "-I", "-S", "-c", NONET, "--"]


_RESERVED = {}
_LOCK = threading.Lock()
UID_RANGE = 4000


def slot_uid(slot):
    """The unprivileged uid of this grader's job slot ``slot`` (0, 1, ...), unique on the machine.

    Each uid is reserved with an flock held for this process's lifetime, so two graders
    running at once (or a test suite and a grader) never share a uid, and killing
    "every process of the uid" only ever touches this grader's own boxes. As root, what a
    grader that died mid-run left in the world-writable folders for the uid is deleted first.
    Trusts the lock files in /tmp (root-made, 0600); checks the flock.
    """
    with _LOCK:
        if slot not in _RESERVED:
            for uid in range(BASE_UID, BASE_UID + UID_RANGE):
                fd = os.open(f"/tmp/.cs231n-jail-uid-{uid}.lock", os.O_CREAT | os.O_RDWR, 0o600)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    os.close(fd)
                    continue
                _RESERVED[slot] = (uid, fd)
                if os.geteuid() == 0:  # what a grader that died mid-run left for this uid
                    remove_files_of(uid)
                break
            else:
                raise JailError(f"no free uid in {BASE_UID}..{BASE_UID + UID_RANGE}; too many graders run at once.")
        return _RESERVED[slot][0]


_BLOCKED = set()


def block_network(uid):
    """uid backend: reject every packet of ``uid`` with iptables' owner match, when iptables exists.

    Best effort: without iptables the canary check finds the open network and grading stops.
    """
    if uid in _BLOCKED:
        return
    for tool in ("iptables", "ip6tables"):
        if shutil.which(tool):
            rule = ["OUTPUT", "-m", "owner", "--uid-owner", str(uid), "-j", "REJECT"]
            if subprocess.run([tool, "-C", *rule], capture_output=True).returncode != 0:
                subprocess.run([tool, "-I", *rule], capture_output=True)
    _BLOCKED.add(uid)


def _pids_of_uid(uid):
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as status:
                for line in status:
                    if line.startswith("Uid:"):
                        if int(line.split()[1]) == uid:
                            pids.append(int(entry))
                        break
        except OSError:
            continue
    return pids


def _owned(roots, uid, cap):
    """Yield (path, is a real folder) of entries that ``uid`` owns under ``roots``, at most ``cap`` + 1 of them.

    Trusts: nothing the uid wrote. Checks: lstat only (never follows a link); descends into a folder only when
    ``uid`` owns it or it is world-writable (where the uid could have written), so the walk stays in reach
    of the uid and its cost is bounded by ``cap`` entries of the uid plus the world-writable folders' own.
    """
    import stat as st
    found, stack = 0, [str(r) for r in roots]
    while stack:
        folder = stack.pop()
        try:
            entries = os.scandir(folder)
        except OSError:
            continue
        with entries:
            for entry in entries:
                try:
                    info = entry.stat(follow_symlinks=False)
                except OSError:
                    continue
                real_dir = st.S_ISDIR(info.st_mode)
                if info.st_uid == uid:
                    found += 1
                    yield entry.path, real_dir
                    if found > cap:
                        return
                if real_dir and (info.st_uid == uid or info.st_mode & 0o002):
                    stack.append(entry.path)


def _watch_files(box, roots):
    """The uid backend's bound on files: kill ``box`` when its uid owns more than MAX_TMP_FILES entries in ``roots``.
    Trusts nothing the uid made (lstat only, via _owned); checks once a second until kill() stops it."""
    while not box.watcher.wait(1.0):
        if sum(1 for _ in _owned(roots, box.uid, MAX_TMP_FILES)) > MAX_TMP_FILES:
            box.info["killed"] = f"it created more than {MAX_TMP_FILES} files"
            for pid in _pids_of_uid(box.uid):
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            return


def remove_files_of(uid, roots=WORLD_WRITABLE):
    """Delete everything ``uid`` owns in the world-writable folders ``roots``; return how many entries.

    Run after every process of ``uid`` is dead (clear_uid), so nothing races the deletion. Trusts: nothing
    in those folders. Checks: lstat only; a folder of ``uid`` goes whole (rmtree never follows a link), a
    file or link of ``uid`` is unlinked itself; it descends only into world-writable folders of others.
    """
    import stat as st
    removed, stack = 0, [str(r) for r in roots]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as entries:
                listed = list(entries)
        except OSError:
            continue
        for entry in listed:
            try:
                info = entry.stat(follow_symlinks=False)
                if info.st_uid == uid:
                    shutil.rmtree(entry.path) if st.S_ISDIR(info.st_mode) else os.unlink(entry.path)
                    removed += 1
                elif st.S_ISDIR(info.st_mode) and info.st_mode & 0o002:
                    stack.append(entry.path)
            except OSError:
                continue
    return removed


def clear_uid(uid, backend):
    """Kill anything left running as ``uid`` (a reserved slot uid) before its results are read, then delete
    every file it left in the machine's world-writable folders (the next submission on this uid must not
    read them). Trusts the slot uid (this grader's, reserved); checks /proc for its processes, up to 10 s."""
    if os.geteuid() == 0 and backend != "none":
        for pid in [p for p in _pids_of_uid(uid) if _running(p)]:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 10
        while any(_running(p) for p in _pids_of_uid(uid)) and time.monotonic() < deadline:
            time.sleep(0.01)
        remove_files_of(uid)
