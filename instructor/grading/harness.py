"""The harness: a trusted pytest process that runs the instructor's tests against a student's worker.

    python -m instructor.grading.harness CONFIG.json      (course.run_harness starts it)

runs pytest in this (trusted) process, in the instructor's tree, with
plugin.Plugin. No student code is ever imported here: the graded modules of
the package (``cs231n_lib.optim``, ...) resolve, through an import hook, to
proxies (proxy.py) whose functions, classes and objects live in the worker
(worker.py) inside the jail (jail.py), reached over a pipe of plain data
(wire.py) by the connection (launch.py starts the worker, connection.py
talks to it). So the public and hidden tests run unchanged; the oracles, the
reference of the other modules and the comparisons all stay here.

Hidden tests reach the run's connection with ``harness.student()``
(connection.py documents its API):

    from instructor.grading import harness
    X_remote = harness.student().keep(X)
"""

import json
import os
import resource
import sys
from pathlib import Path

import pytest

from .plugin import Plugin
from .proxy import student  # noqa: F401 (the hidden tests' entry: the run's connection, set by the plugin)


def pytest_args(config):
    """The pytest command line of a harness run: explicit config, no cache, no addopts. Trusts the grader's
    config; checks nothing."""
    args = ["-p", "no:cacheprovider", "-p", "no:nbval", "-c", str(Path(config["src"]) / "pyproject.toml"),
            "--rootdir", config["src"], "--confcutdir", config["src"], "-o", "addopts=", "-q",
            "-p", "no:randomly", "--no-header", "-W", "ignore::pytest.PytestUnraisableExceptionWarning"]
    if config.get("collect_only"):
        args.append("--collect-only")
    return args + list(config["test_files"])


def limit_memory(megabytes):
    """Cap this process's address space at ``megabytes`` (RLIMIT_AS), before it decodes anything from a
    worker: whatever a reply makes it allocate fails with MemoryError here, not on the machine. Trusts the
    grader's figure; checks the current limits and never raises the limit above one already set."""
    if megabytes:
        cap = int(megabytes) * 2**20
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        cap = min(cap, hard) if hard != resource.RLIM_INFINITY else cap
        if soft == resource.RLIM_INFINITY or soft > cap:
            resource.setrlimit(resource.RLIMIT_AS, (cap, hard))


def main(argv=None):
    """Run one harness: the config file is the grader's (trusted); the memory limit is set before any worker
    starts. Checks nothing else; returns pytest's exit status."""
    argv = sys.argv[1:] if argv is None else argv
    config = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    limit_memory(config.get("memory_mb"))
    os.chdir(config["src"])
    sys.path.insert(0, config["src"])
    plugin = Plugin(config)
    try:
        code = pytest.main(pytest_args(config), plugins=[plugin])
    finally:
        if plugin.student is not None:
            plugin.student.stop()
    return int(code)


if __name__ == "__main__":  # run as instructor.grading.harness, so hidden tests importing it see this run's state
    from instructor.grading import harness

    sys.exit(harness.main())
