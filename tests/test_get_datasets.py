"""get_datasets.sh, run for real against an HTTP server on 127.0.0.1.

The server serves small archives in the real format (built from the synthetic
generator) and can misbehave on purpose: answer with an error, drop the
connection part-way, serve a truncated file, or trickle bytes slowly. Each test
runs the script with subprocess into its own tmp folder, never datasets/.
"""

import hashlib
import io
import os
import shutil
import signal
import subprocess
import tarfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

from cs231n_lib.data_utils import load_CIFAR10
from cs231n_lib.course.synthetic import make_synthetic_cifar10

SCRIPT = Path(__file__).resolve().parents[1] / "get_datasets.sh"
NAME = "cifar-10-batches-py"
FILES = ["data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5",
         "test_batch", "batches.meta"]
PART = ".cifar-10-python.tar.gz.part"
DOWNLOADERS = [pytest.param(tool, marks=pytest.mark.skipif(
    shutil.which(tool) is None, reason=f"{tool} not installed")) for tool in ("curl", "wget")]


def md5(data):
    return hashlib.md5(data).hexdigest()


def make_archive(folder, members=None):
    """Return the bytes of a .tar.gz holding ``folder`` as cifar-10-batches-py/."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for path in sorted(folder.iterdir()):
            if members is None or path.name in members:
                tar.add(path, arcname=f"{NAME}/{path.name}")
    return buf.getvalue()


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """A small synthetic dataset folder and its archive (about 0.4 MB)."""
    folder = make_synthetic_cifar10(tmp_path_factory.mktemp("src") / NAME,
                                    num_train_per_batch=20, num_test=20, seed=1)
    return folder, make_archive(folder)


# ------------------------------------------------------------------ server


class Route:
    """How the server answers one path.

    body: the file; status: answer this HTTP error instead; fail_first: answer
    503 to that many requests first; drop_after: on the first request, promise
    the whole body but close the connection after that many bytes; chunk_delay:
    seconds to sleep between 4 kB chunks; ranges: honour Range requests (else
    always send the whole body, as a server without resume support does).
    """

    def __init__(self, body=b"", status=200, fail_first=0, drop_after=None, chunk_delay=0.0,
                 ranges=True):
        self.body, self.status, self.fail_first = body, status, fail_first
        self.drop_after, self.chunk_delay, self.ranges = drop_after, chunk_delay, ranges
        self.requests = []  # the Range header of each request (None when absent)


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest output clean
        pass

    def do_GET(self):
        route = self.server.routes.get(self.path)
        if route is None:
            self.send_error(404)
            return
        range_header = self.headers.get("Range")
        route.requests.append(range_header)
        if route.status != 200:
            self.send_error(route.status)
            return
        if len(route.requests) <= route.fail_first:
            self.send_error(503)
            return
        body, start = route.body, 0
        if range_header and route.ranges:
            start = int(range_header.removeprefix("bytes=").split("-")[0])
            if start >= len(body):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(body)}")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        else:
            self.send_response(200)
        self.send_header("Content-Type", "application/gzip")
        self.send_header("Content-Length", str(len(body) - start))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        payload = body[start:]
        if route.drop_after is not None and len(route.requests) == 1:
            payload = payload[:route.drop_after]  # then close: the client sees a short body
        try:
            for i in range(0, len(payload), 4096):
                self.wfile.write(payload[i:i + 4096])
                self.wfile.flush()
                time.sleep(route.chunk_delay)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client went away (Ctrl-C test)


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    httpd.routes = {}
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


_route_count = 0


def serve(server, route):
    """Register ``route`` under a fresh path; return its URL."""
    global _route_count
    _route_count += 1
    path = f"/r{_route_count}/cifar-10-python.tar.gz"
    server.routes[path] = route
    return f"http://127.0.0.1:{server.server_address[1]}{path}"


# ------------------------------------------------------------------ running the script


def script_env(dest, url, md5sum, downloader=None, retries=0, **extra):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("CIFAR10_") and "proxy" not in k.lower()}
    env.update(CIFAR10_DIR=str(dest), CIFAR10_URL=url, CIFAR10_MD5=md5sum,
               CIFAR10_RETRIES=str(retries), CIFAR10_RETRY_DELAY="0", **extra)
    if downloader:
        env["CIFAR10_DOWNLOADER"] = downloader
    return env


def run_script(env, *args, bash="bash"):
    return subprocess.run([bash, str(SCRIPT), *args], env=env, capture_output=True,
                          text=True, timeout=60)


def leftovers(dest):
    """Names in ``dest`` other than a resumable partial download."""
    return sorted(p.name for p in dest.iterdir() if p.name != PART)


def assert_installed(dest, folder):
    """The dataset in ``dest`` is byte-identical to ``folder`` and verified."""
    target = dest / NAME
    for name in FILES:
        assert (target / name).read_bytes() == (folder / name).read_bytes(), name
    assert (target / ".verified").is_file()
    assert leftovers(dest) == [NAME] and not (dest / PART).exists()


def assert_failed_cleanly(proc, dest, *phrases):
    assert proc.returncode == 1, proc.stderr
    error_lines = [line for line in proc.stderr.splitlines() if "get_datasets.sh: error:" in line]
    assert len(error_lines) == 1, proc.stderr
    for phrase in phrases:
        assert phrase in error_lines[0], error_lines[0]
    assert leftovers(dest) == [], leftovers(dest)


# ------------------------------------------------------------------ tests


def test_help_and_bad_arguments():
    proc = subprocess.run(["bash", str(SCRIPT), "--help"], capture_output=True, text=True)
    assert proc.returncode == 0 and "Usage: bash get_datasets.sh" in proc.stdout
    assert "CIFAR10_MD5" in proc.stdout and "--force" in proc.stdout
    proc = subprocess.run(["bash", str(SCRIPT), "--frce"], capture_output=True, text=True)
    assert proc.returncode == 2 and "unknown argument '--frce'" in proc.stderr


@pytest.mark.parametrize("downloader", DOWNLOADERS)
def test_download_verify_extract_then_second_run_is_a_noop(server, source, tmp_path, downloader):
    folder, archive = source
    route = Route(archive)
    env = script_env(tmp_path, serve(server, route), md5(archive), downloader)

    proc = run_script(env)
    assert proc.returncode == 0, proc.stderr
    assert "CIFAR-10 is ready" in proc.stdout
    assert_installed(tmp_path, folder)
    Xtr, ytr, Xte, yte = load_CIFAR10(tmp_path / NAME)
    assert Xtr.shape == (100, 32, 32, 3) and yte.shape == (20,)

    mtimes = {p: p.stat().st_mtime_ns for p in (tmp_path / NAME).iterdir()}
    proc = run_script(env)
    assert proc.returncode == 0 and "nothing to do" in proc.stdout
    assert len(route.requests) == 1  # no second download
    assert {p: p.stat().st_mtime_ns for p in (tmp_path / NAME).iterdir()} == mtimes


def test_force_refetches_and_a_failed_force_keeps_the_old_dataset(server, source, tmp_path):
    folder, archive = source
    route = Route(archive)
    env = script_env(tmp_path, serve(server, route), md5(archive))
    assert run_script(env).returncode == 0

    proc = run_script(env, "--force")
    assert proc.returncode == 0, proc.stderr
    assert len(route.requests) == 2
    assert_installed(tmp_path, folder)

    bad = dict(env, CIFAR10_MD5="0" * 32)
    proc = run_script(bad, "--force")
    assert proc.returncode == 1 and "checksum mismatch" in proc.stderr
    assert_installed(tmp_path, folder)  # still there, untouched


def test_an_incomplete_dataset_on_disk_is_replaced(server, source, tmp_path):
    folder, archive = source
    (tmp_path / NAME).mkdir()
    (tmp_path / NAME / "data_batch_1").write_bytes(b"half of something")
    env = script_env(tmp_path, serve(server, Route(archive)), md5(archive))
    proc = run_script(env)
    assert proc.returncode == 0, proc.stderr
    assert "incomplete" in proc.stdout
    assert_installed(tmp_path, folder)


def test_bad_checksum_deletes_the_download(server, source, tmp_path):
    _, archive = source
    env = script_env(tmp_path, serve(server, Route(archive)), "0123456789abcdef0123456789abcdef")
    proc = run_script(env)
    assert_failed_cleanly(proc, tmp_path, "checksum mismatch", md5(archive), "was deleted")
    assert not (tmp_path / PART).exists()


def test_truncated_archive_fails_the_checksum(server, source, tmp_path):
    _, archive = source
    env = script_env(tmp_path, serve(server, Route(archive[:len(archive) // 2])), md5(archive))
    assert_failed_cleanly(run_script(env), tmp_path, "checksum mismatch")
    assert not (tmp_path / PART).exists()


def test_truncated_archive_with_matching_checksum_fails_extraction(server, source, tmp_path):
    _, archive = source
    half = archive[:len(archive) // 2]
    env = script_env(tmp_path, serve(server, Route(half)), md5(half))
    assert_failed_cleanly(run_script(env), tmp_path, "could not be extracted", "truncated or corrupt")
    assert not (tmp_path / PART).exists()


def test_archive_without_every_batch_is_rejected(server, source, tmp_path):
    folder, _ = source
    partial = make_archive(folder, members=FILES[:5])  # no test_batch, no batches.meta
    env = script_env(tmp_path, serve(server, Route(partial)), md5(partial))
    assert_failed_cleanly(run_script(env), tmp_path, f"has no {NAME}/test_batch")


@pytest.mark.parametrize("downloader", DOWNLOADERS)
@pytest.mark.parametrize("status", [404, 500])
def test_server_error_is_retried_then_reported(server, tmp_path, downloader, status):
    route = Route(status=status)
    env = script_env(tmp_path, serve(server, route), "0" * 32, downloader, retries=2)
    proc = run_script(env)
    assert_failed_cleanly(proc, tmp_path, "failed after 3 attempt(s)",
                          "the server answered with an error")
    assert len(route.requests) == 3
    assert proc.stderr.count("retrying in 0s") == 2


def test_retries_with_back_off_until_the_server_recovers(server, source, tmp_path):
    folder, archive = source
    route = Route(archive, fail_first=2)
    env = script_env(tmp_path, serve(server, route), md5(archive), retries=3)
    env["CIFAR10_RETRY_DELAY"] = "1"  # waits 1 s then 2 s: the back-off doubles
    start = time.monotonic()
    proc = run_script(env)
    assert proc.returncode == 0, proc.stderr
    assert time.monotonic() - start >= 3.0
    assert "retrying in 1s" in proc.stderr and "retrying in 2s" in proc.stderr
    assert len(route.requests) == 3
    assert_installed(tmp_path, folder)


@pytest.mark.parametrize("downloader", DOWNLOADERS)
def test_interrupted_download_is_resumed_by_the_next_run(server, source, tmp_path, downloader):
    folder, archive = source
    cut = 100_000
    route = Route(archive, drop_after=cut)
    env = script_env(tmp_path, serve(server, route), md5(archive), downloader)

    proc = run_script(env)  # no retries: the broken connection ends the run
    assert_failed_cleanly(proc, tmp_path, "the partial file is kept")
    assert (tmp_path / PART).stat().st_size == cut

    proc = run_script(env)
    assert proc.returncode == 0, proc.stderr
    assert route.requests == [None, f"bytes={cut}-"]  # the second run asked only for the rest
    assert_installed(tmp_path, folder)


def test_retry_within_one_run_resumes(server, source, tmp_path):
    folder, archive = source
    route = Route(archive, drop_after=50_000)
    env = script_env(tmp_path, serve(server, route), md5(archive), retries=1)
    proc = run_script(env)
    assert proc.returncode == 0, proc.stderr
    assert route.requests == [None, "bytes=50000-"]
    assert_installed(tmp_path, folder)


def test_a_server_that_ignores_range_restarts_the_download(server, source, tmp_path):
    folder, archive = source
    (tmp_path / PART).write_bytes(archive[:1000])  # left by an earlier run
    route = Route(archive, ranges=False)
    proc = run_script(script_env(tmp_path, serve(server, route), md5(archive), "curl", retries=1))
    assert proc.returncode == 0, proc.stderr
    assert "cannot resume, so the next attempt starts over" in proc.stderr
    assert route.requests == ["bytes=1000-", None]
    assert_installed(tmp_path, folder)


@pytest.mark.parametrize("downloader", DOWNLOADERS)
def test_ctrl_c_stops_the_download_and_installs_nothing(server, source, tmp_path, downloader):
    _, archive = source
    env = script_env(tmp_path, serve(server, Route(archive, chunk_delay=0.05)), md5(archive),
                     downloader)
    # A terminal's Ctrl-C reaches a script whose SIGINT is at its default; a test run started in the
    # background (nohup, `&`) would hand the script an ignored SIGINT, which bash cannot trap.
    proc = subprocess.Popen(["bash", str(SCRIPT)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    part = tmp_path / PART
    deadline = time.monotonic() + 20
    while not (part.exists() and part.stat().st_size > 0) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert part.exists(), "the download never started"
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
    _, stderr = proc.communicate(timeout=20)

    assert proc.returncode == 130, stderr
    assert "interrupted (SIGINT)" in stderr and "next run resumes" in stderr
    assert leftovers(tmp_path) == []
    size = part.stat().st_size
    time.sleep(0.3)
    assert part.stat().st_size == size < len(archive)  # the downloader was stopped too


def test_sigterm_to_the_script_alone_stops_the_downloader(server, source, tmp_path):
    _, archive = source
    env = script_env(tmp_path, serve(server, Route(archive, chunk_delay=0.05)), md5(archive))
    proc = subprocess.Popen(["bash", str(SCRIPT)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    part = tmp_path / PART
    deadline = time.monotonic() + 20
    while not (part.exists() and part.stat().st_size > 0) and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.terminate()
    _, stderr = proc.communicate(timeout=20)
    assert proc.returncode == 143 and "interrupted (SIGTERM)" in stderr
    size = part.stat().st_size
    time.sleep(0.3)
    assert part.stat().st_size == size < len(archive)
    assert leftovers(tmp_path) == []


def test_neither_curl_nor_wget_is_a_clear_error(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "dirname", "mkdir", "rm", "mv", "cat", "head", "cut", "tr", "wc",
                 "sleep", "md5sum", "tar", "gzip"):
        os.symlink(shutil.which(tool), bin_dir / tool)
    dest = tmp_path / "data"
    env = script_env(dest, "http://127.0.0.1:9/cifar-10-python.tar.gz", "0" * 32)
    env["PATH"] = str(bin_dir)
    proc = run_script(env, bash=str(bin_dir / "bash"))
    assert_failed_cleanly(proc, dest, "neither curl nor wget is installed", "install one")

    env["CIFAR10_DOWNLOADER"] = "wget"
    proc = run_script(env, bash=str(bin_dir / "bash"))
    assert_failed_cleanly(proc, dest, "CIFAR10_DOWNLOADER=wget but wget is not installed")


def _can_mount_tmpfs():
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "-r", "-m", "sh", "-c", "mount -t tmpfs none /mnt"],
                           capture_output=True)
    return probe.returncode == 0


@pytest.mark.skipif(not _can_mount_tmpfs(), reason="needs unshare to mount a small tmpfs")
@pytest.mark.parametrize("size_kb, phrase", [(64, "could not write to"),
                                             (None, "extraction ran out of disk space")])
def test_full_disk_is_reported_and_cleaned_up(server, source, tmp_path, size_kb, phrase):
    _, archive = source
    if size_kb is None:  # room for the archive but not for the extracted files too
        size_kb = len(archive) // 1024 + 64
    dest = tmp_path / "small-disk"
    dest.mkdir()
    env = script_env(dest, serve(server, Route(archive)), md5(archive))
    # In a private mount namespace, mount a tiny tmpfs on dest, run the script,
    # then list what it left behind (the tmpfs vanishes with the namespace).
    inner = ('mount -t tmpfs -o size="$1"k none "$2" && '
             '{ bash "$3"; rc=$?; echo "left:" $(ls -A "$2"); exit $rc; }')
    proc = subprocess.run(["unshare", "-r", "-m", "bash", "-c", inner, "inner", str(size_kb),
                           str(dest), str(SCRIPT)], env=env, capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 1, proc.stderr
    assert phrase in proc.stderr and "free about 400 MB" in proc.stderr
    left = proc.stdout.strip().splitlines()[-1].split()
    assert left[0] == "left:" and set(left[1:]) <= {PART}, left


def test_real_subset_through_a_file_url(tmp_path, cifar_subset_archive):
    checksum = Path(f"{cifar_subset_archive}.md5").read_text().split()[0]
    env = script_env(tmp_path, f"file://{cifar_subset_archive}", checksum)
    proc = run_script(env)
    assert proc.returncode == 0, proc.stderr
    Xtr, ytr, Xte, yte = load_CIFAR10(tmp_path / NAME)
    assert Xtr.shape == (5085, 32, 32, 3) and Xte.shape == (1017, 32, 32, 3)
    assert np.bincount(ytr, minlength=10).min() > 0
    assert run_script(env).stdout.count("nothing to do") == 1


def test_missing_file_url_is_reported(tmp_path):
    env = script_env(tmp_path, f"file://{tmp_path}/no-such.tar.gz", "0" * 32, retries=3)
    assert_failed_cleanly(run_script(env), tmp_path, "could not copy", "check that the file")
