"""One CPU per job slot: where the grader may write cgroups, a slot's boxes share one CPU between them.

A submission can start many processes (up to RLIMIT_NPROC), each in its own session: the scheduler then
gives each a full share of the machine, and the other job's submission, graded beside it, slows down
until its calls time out. rlimits bound each process's CPU seconds, not the share of the machine; a
cgroup's CPU quota bounds the share. As root, with a writable cgroup v1 ``cpu`` hierarchy or a cgroup v2
hierarchy whose ``cpu`` controller can be enabled, every box of a slot runs in
``cs231n-grader/<slot uid>`` with a quota of one CPU (``cpu.cfs_quota_us`` = period, or ``cpu.max``).
Elsewhere (a container that mounts cgroups read-only, a grader that is not root) nothing changes and
``slot_cgroup`` returns None; the report's ``slot_cpu_quota`` figure says which.

Trusts the kernel's cgroup files; a box enters its cgroup before anything of it runs (``enter_prefix``).
"""

import os
from pathlib import Path

V1 = Path("/sys/fs/cgroup/cpu")
V2 = Path("/sys/fs/cgroup")
GROUP = "cs231n-grader"
PERIOD_US = 100_000


def _write(path, text):
    with open(path, "w") as f:
        f.write(text)


def _v1(uid, cpus):
    """The v1 cgroup of ``uid`` with its quota, or None."""
    if not (V1 / "cpu.cfs_quota_us").exists():
        return None
    folder = V1 / GROUP / str(uid)
    folder.mkdir(parents=True, exist_ok=True)
    _write(folder / "cpu.cfs_period_us", str(PERIOD_US))
    _write(folder / "cpu.cfs_quota_us", str(int(PERIOD_US * cpus)))
    return folder


def _v2(uid, cpus):
    """The v2 cgroup of ``uid`` with its quota (the cpu controller enabled on the way down), or None."""
    controllers = V2 / "cgroup.controllers"
    if not controllers.exists() or "cpu" not in controllers.read_text().split():
        return None
    parent = V2 / GROUP
    parent.mkdir(exist_ok=True)
    for folder in (V2, parent):
        if "cpu" not in (folder / "cgroup.subtree_control").read_text().split():
            _write(folder / "cgroup.subtree_control", "+cpu")
    folder = parent / str(uid)
    folder.mkdir(exist_ok=True)
    _write(folder / "cpu.max", f"{int(PERIOD_US * cpus)} {PERIOD_US}")
    return folder


def slot_cgroup(uid, cpus=1.0):
    """The cgroup folder whose quota is ``cpus`` CPUs for every box of slot ``uid``, or None where the grader
    cannot make one (not root, cgroups read-only or absent). Trusts the grader's slot uid."""
    if os.geteuid() != 0 or uid is None:
        return None
    for make in (_v1, _v2):
        try:
            folder = make(uid, cpus)
        except OSError:
            folder = None
        if folder is not None:
            return folder
    return None


def enter_prefix(folder):
    """The command prefix that moves the box's first process into ``folder`` before it runs anything (its
    children inherit the cgroup). The path is the grader's, not secret."""
    return ["/bin/sh", "-c", 'echo $$ > "$0" && exec "$@"', str(Path(folder) / "cgroup.procs")]


def quota_of(pid):
    """The CPU quota (in CPUs) of the cgroup process ``pid`` runs in, or None when it has none. For tests
    and reports; reads /proc and the cgroup files only."""
    try:
        lines = Path(f"/proc/{pid}/cgroup").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if "cpu" in controllers.split(",") and (V1 / path.lstrip("/") / "cpu.cfs_quota_us").exists():
            quota = int((V1 / path.lstrip("/") / "cpu.cfs_quota_us").read_text())
            period = int((V1 / path.lstrip("/") / "cpu.cfs_period_us").read_text())
            return None if quota < 0 else quota / period
        if controllers == "" and (V2 / path.lstrip("/") / "cpu.max").exists():
            quota, period = (V2 / path.lstrip("/") / "cpu.max").read_text().split()
            return None if quota == "max" else int(quota) / int(period)
    return None
