"""The notebooks' Colab cell, run as on Colab: a fresh virtual environment, a stand-in google.colab,
the release zip and the CIFAR-10 subset served by a local HTTP server on 127.0.0.1 (no internet)."""

import functools
import hashlib
import http.server
import importlib.util
import shutil
import site
import subprocess
import sys
import threading
import time

import pytest

from instructor.release.build import build_release

from .course import REPO

SUBSET = REPO.parent / "shared" / "datasets" / "cifar-10-python-subset.tar.gz"
_spec = importlib.util.spec_from_file_location("colab", REPO / "tools" / "colab.py")
colab = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(colab)


class Server:
    """Serve ``folder`` on 127.0.0.1 and record the requested paths."""

    def __init__(self, folder):
        self.requests = []
        handler = functools.partial(type("Handler", (self._Handler,), {"log": self.requests}),
                                    directory=str(folder))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    class _Handler(http.server.SimpleHTTPRequestHandler):
        def do_GET(self):
            self.log.append(self.path)
            super().do_GET()

        def log_message(self, *args):
            pass


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    if not SUBSET.is_file():
        pytest.skip("the course's CIFAR-10 subset is not on this machine")
    root = tmp_path_factory.mktemp("colab")
    www = root / "www"
    www.mkdir()
    build_release(REPO, root / "release")
    shutil.copy2(root / "release.zip", www / "release.zip")
    shutil.copy2(SUBSET, www / "cifar.tar.gz")
    server = Server(www)
    yield root, server
    server.httpd.shutdown()


def fresh_venv(root):
    """A new venv that sees this venv's numpy/scipy/pytest (a .pth line) but not cs231n_lib."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root / "venv")], check=True)
    python = root / "venv" / "bin" / "python"
    purelib = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    (root / "fake" / "google" / "colab").mkdir(parents=True)
    (root / "fake" / "google" / "colab" / "__init__.py").write_text('"""A stand-in for Colab."""\n')
    (root / "fake" / "google" / "__init__.py").write_text("")
    with open(f"{purelib}/course-test.pth", "w") as f:
        f.write("\n".join(site.getsitepackages()) + "\n")
    return python


def run_cell(python, root, server, colab_on=True):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(root), "CS231N_RELEASE_URL": f"{server.url}/release.zip",
           "CS231N_HOME": str(root / "course"), "CIFAR10_URL": f"{server.url}/cifar.tar.gz",
           "CIFAR10_MD5": hashlib.md5(SUBSET.read_bytes()).hexdigest()}
    if colab_on:
        env["PYTHONPATH"] = str(root / "fake")
    source = colab.cell_source() + (
        "\nimport cs231n_lib; print('PACKAGE', cs231n_lib.__file__)"
        "\nprint('DATA', cs231n_lib.get_CIFAR10_linear_data(num_training=100, num_validation=10, num_test=10, num_dev=10)['source'])"
        "\nimport os; print('CWD', os.getcwd())\n")
    start = time.perf_counter()
    proc = subprocess.run([python, "-c", source], cwd=root, env=env, capture_output=True, text=True, timeout=600)
    return proc, time.perf_counter() - start


def test_the_colab_cell_installs_the_course_and_fetches_cifar_once(served, tmp_path):
    root, server = served
    python = fresh_venv(tmp_path)
    off, _ = run_cell(python, tmp_path, server, colab_on=False)
    assert not (tmp_path / "course").exists() and server.requests == [], "outside Colab the cell does nothing"

    first, _ = run_cell(python, tmp_path, server)
    assert first.returncode == 0, first.stdout + first.stderr
    course = tmp_path / "course"
    assert f"PACKAGE {course / 'cs231n_lib' / '__init__.py'}" in first.stdout, first.stdout
    assert (course / "datasets" / "cifar-10-batches-py" / "data_batch_1").is_file()
    assert "DATA cifar10" in first.stdout, "the notebooks' loader finds the fetched CIFAR-10 (not the stand-in)"
    assert f"CWD {course / 'assignments'}" in first.stdout, "the notebooks then run from the course's assignments/"
    assert sorted(server.requests) == ["/cifar.tar.gz", "/release.zip"], server.requests

    # A new process (a restarted kernel) imports the installed package without the cell's sys.path line.
    later = subprocess.run([python, "-c", "import cs231n_lib; print(cs231n_lib.__file__)"], cwd=tmp_path,
                           capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"})
    assert later.stdout.strip() == str(course / "cs231n_lib" / "__init__.py"), later.stdout + later.stderr

    again, seconds = run_cell(python, tmp_path, server)
    assert again.returncode == 0, again.stdout + again.stderr
    assert len(server.requests) == 2, f"re-running the cell downloads nothing: {server.requests}"
    assert seconds < 30, f"re-running the cell should be instant, took {seconds:.0f} s"
