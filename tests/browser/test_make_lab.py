"""make lab as a student meets it, without a browser: what it serves, which kernels it offers,
and what it says when its port is taken."""

import socket
import subprocess

import pytest

from labdriver import REPO

pytestmark = pytest.mark.slow


def test_a_taken_port_is_one_sentence_naming_LAB_PORT(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = subprocess.run(["make", "-s", "lab", f"LAB_PORT={port}"], cwd=REPO, capture_output=True, text=True,
                              timeout=120, stdin=subprocess.DEVNULL)
    assert proc.returncode != 0
    said = proc.stderr.strip().splitlines()
    assert said[0].startswith(f"make lab: port {port} ") and "LAB_PORT=" in said[0], proc.stderr
    assert said[0].count(". ") == 0 and said[0].endswith("."), f"one sentence: {said[0]!r}"
    assert "Traceback" not in proc.stderr and "make lab: open" not in proc.stdout


def test_serves_the_course_folder_opens_in_assignments_with_only_the_course_kernel(lab, release):
    server = lab(release)
    specs = server.api("kernelspecs")
    assert list(specs["kernelspecs"]) == ["cs231n"], specs["kernelspecs"].keys()
    assert specs["default"] == "cs231n"
    assert specs["kernelspecs"]["cs231n"]["spec"]["display_name"] == "Python (cs231n)"
    listing = server.api("contents/assignments")
    assert sorted(item["name"] for item in listing["content"]) == sorted(
        path.name for path in (release / "assignments").glob("*.ipynb")), "only what a student opens"
    assert server.api("contents/cs231n_lib/classifiers/linear_svm.py")["type"] == "file", "the library is served too"
    import urllib.request

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(server.url(""), timeout=30)
        location = None
    except urllib.error.HTTPError as redirect:
        location = redirect.headers.get("Location", "")
    assert location and location.split("?")[0].endswith("/lab/tree/assignments"), location
