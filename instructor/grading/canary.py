"""The canary: before grading, prove on this machine that the jail holds.

A boxed probe tries to read a file planted among the hidden tests (and one
next to the reference), to reach a socket the grader listens on, and to
reach 1.1.1.1 and 8.8.8.8; grading stops (exit 2, cli.py) if any works.
"""

import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

from . import jail
from .box import BOX_HOME, PACKAGE

HIDDEN_DIR = "instructor/hidden_tests"

_PROBE = r"""
import socket, sys
found = []
for path in (sys.argv[1], sys.argv[3]):
    try:
        with open(path, encoding="utf-8") as f:
            found.append("read a canary: " + f.read(64))
    except OSError:
        pass
try:
    s = socket.socket()
    s.settimeout(2)
    s.connect(("127.0.0.1", int(sys.argv[2])))
    found.append("reached the grader's socket")
except OSError:  # no route in the box's own network namespace, or no socket at all (the uid backend's filter)
    pass
for host in ("1.1.1.1", "8.8.8.8"):
    try:
        socket.create_connection((host, 53), timeout=2).close()
        found.append("reached " + host)
    except OSError:
        pass
print("CANARY:" + ("; ".join(found) or "ok"))
"""


def canary_check(src, backend, slot=0):
    """Prove the boundary holds here: a boxed process must not read a file planted among the hidden
    tests nor open a socket. Returns None when it holds, else what the probe managed.

    Trusts the jail's backend choice; checks it: the probe's one output line is all that is read back (the
    canary's token replaced), and a probe that printed nothing leaves the boundary unproven (a breach).
    """
    if backend == "none":
        return None
    canary = Path(src) / HIDDEN_DIR / f".canary-{secrets.token_hex(8)}"
    token = secrets.token_hex(16)
    reference_canary = Path(src) / PACKAGE / f".canary-{secrets.token_hex(8)}"  # next to the reference too
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    work = Path(tempfile.mkdtemp(prefix="grade-canary-"))
    try:
        canary.write_text(token, encoding="utf-8")
        reference_canary.write_text(token, encoding="utf-8")
        os.chmod(work, 0o755)
        out = work / "probe.log"
        with open(out, "wb") as log:
            box = jail.start([sys.executable, "-I", "-c", _PROBE, str(canary), str(listener.getsockname()[1]),
                              str(reference_canary)],
                             backend=backend, uid=jail.slot_uid(slot), env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
                             cwd=BOX_HOME if backend == "bwrap" else str(work), stdout=log)
            try:
                box.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                pass
            jail.kill(box)
        text = out.read_text(errors="replace")
        if "CANARY:ok" in text:
            return None
        line = next((l for l in text.splitlines() if l.startswith("CANARY:")), None)
        if line is None:
            return f"the canary probe did not run ({text.strip()[-200:] or 'no output'}), so the boundary is unproven"
        return line.replace("CANARY:", "").replace(token, "<canary>")
    finally:
        listener.close()
        canary.unlink(missing_ok=True)
        reference_canary.unlink(missing_ok=True)
        shutil.rmtree(work, ignore_errors=True)
        jail.clear_uid(jail.slot_uid(slot), backend)
