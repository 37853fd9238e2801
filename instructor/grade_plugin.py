"""pytest plugin the grader loads in its child processes: ``-p instructor.grade_plugin``.

It does five things, configured by options:

--grade-out FILE      append one JSON line per event: the tests collected, each
                      test's start and outcome (with a short failure message),
                      collection errors, and the end of the session. Lines are
                      flushed at once, so a crash still leaves every test that
                      finished, and the test that was running is known.
--grade-select FILE   keep only tests whose node id matches a pattern of FILE
                      (one a line, '*' matches anything).
--grade-timeout S     fail a test that runs longer than S seconds (SIGALRM, raised
                      again every second in case the student's code catches it).
--grade-collect-timeout S  the same limit for importing the test modules, so a
                      submitted module that loops at import time fails collection.
--grade-package NAME  stop at once unless package NAME imports from the rootdir
                      (the grading copy), never from an installed copy.

A failure message is the exception's type and message, truncated; for tests
under instructor/ (hidden tests) only its first line and never source code.
"""

import importlib.util
import json
import re
import signal
from pathlib import Path

import pytest

HIDDEN_PREFIX = "instructor/"
MAX_MESSAGE = {True: 300, False: 1000}  # hidden tests get a shorter message
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class TestTimeout(BaseException):
    """Raised in a test that exceeded --grade-timeout (BaseException: `except Exception` does not catch it)."""


class CollectTimeout(Exception):
    """Raised while importing a test module took longer than --grade-collect-timeout.

    An Exception, so pytest reports it as that module's collection error.
    """


def pytest_addoption(parser):
    group = parser.getgroup("grading", "instructor/grade.py")
    group.addoption("--grade-out", default=None, help="JSON-lines file receiving the outcomes")
    group.addoption("--grade-select", default=None, help="file of node-id patterns to keep")
    group.addoption("--grade-timeout", type=float, default=0.0, help="seconds per test, 0 for none")
    group.addoption("--grade-collect-timeout", type=float, default=0.0, help="seconds to import the test modules, 0 for none")
    group.addoption("--grade-package", default=None, help="package that must import from the rootdir")


def pytest_configure(config):
    config.pluginmanager.register(_Grading(config), "instructor-grading")


def node_pattern(text):
    """Compile a node-id pattern: '*' matches anything, every other character itself."""
    return re.compile(".*".join(re.escape(part) for part in text.split("*")))


def _truncate(text, hidden):
    text = ANSI.sub("", text).strip()
    if hidden:
        text = text.split("\n")[0]
    limit = MAX_MESSAGE[hidden]
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _message(item, excinfo):
    """Return 'Type: message' for the exception of a failed test or notebook cell."""
    if excinfo.typename == "NbCellError":  # an nbval cell: a timeout, or the kernel's own error
        text = str(excinfo.value)
        for out in getattr(item, "test_outputs", None) or []:
            if out.get("output_type") == "error" and not text.startswith("Timeout"):
                text = f"{out['ename']}: {out['evalue']}"
        first = next((line.strip() for line in item.cell.source.split("\n") if line.strip()), "")
        return f"{text} (in the cell starting {first[:60]!r})"
    text = str(excinfo.value)
    if item.nodeid.startswith(HIDDEN_PREFIX):  # the author's message, never the rewritten assert
        text = text.split("\nassert ")[0]
    return f"{excinfo.typename}: {text}" if text else excinfo.typename


class _Deadline:
    """Within the block, SIGALRM raises ``error`` after ``seconds``, then every ``repeat`` seconds."""

    def __init__(self, seconds, error=TestTimeout, repeat=1.0):
        self.seconds = seconds
        self.error = error
        self.repeat = repeat

    def _alarm(self, signum, frame):
        raise self.error(f"ran longer than its time limit of {self.seconds:g} s")

    def __enter__(self):
        if self.seconds > 0:
            self.previous = signal.signal(signal.SIGALRM, self._alarm)
            signal.setitimer(signal.ITIMER_REAL, self.seconds, self.repeat)

    def __exit__(self, *exc):
        if self.seconds > 0:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self.previous)
        return False


class _Grading:
    def __init__(self, config):
        self.config = config
        path = config.getoption("--grade-out")
        self.file = open(path, "a", encoding="utf-8") if path else None
        self.timeout = config.getoption("--grade-timeout")
        self.outcomes = {}  # node id -> (outcome, message), filled phase by phase

    def record(self, **record):
        if self.file is not None:
            self.file.write(json.dumps(record) + "\n")
            self.file.flush()

    def pytest_sessionstart(self, session):
        package = self.config.getoption("--grade-package")
        if not package:
            return
        spec = importlib.util.find_spec(package)
        root = Path(str(self.config.rootpath)).resolve()
        origin = Path(spec.origin).resolve() if spec and spec.origin else None
        if origin is None or root not in origin.parents:
            pytest.exit(f"grading error: {package} imports from {origin}, not from {root}; check PYTHONPATH.", returncode=4)

    def pytest_collection_modifyitems(self, session, config, items):
        path = config.getoption("--grade-select")
        if path:
            patterns = [node_pattern(line.strip()) for line in Path(path).read_text().splitlines() if line.strip()]
            kept = [item for item in items if any(p.fullmatch(item.nodeid) for p in patterns)]
            dropped = [item for item in items if item not in kept]
            if dropped:
                config.hook.pytest_deselected(items=dropped)
            items[:] = kept
        self.record(event="collected", nodeids=[item.nodeid for item in items])

    def pytest_collectreport(self, report):
        if report.failed:
            lines = [line[4:].strip() for line in str(report.longrepr).splitlines() if line.startswith("E   ")]
            message = lines[-1] if lines else "could not be collected"
            self.record(event="collect_error", nodeid=report.nodeid, message=_truncate(message, True))

    @pytest.hookimpl(hookwrapper=True)
    def pytest_collection(self, session):
        seconds = self.config.getoption("--grade-collect-timeout")
        with _Deadline(seconds, CollectTimeout, repeat=seconds):  # again for each module re-importing the culprit
            yield

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item, nextitem):
        self.record(event="start", nodeid=item.nodeid)
        yield
        outcome, message = self.outcomes.pop(item.nodeid, ("failed", "no outcome was reported"))
        self.record(event="done", nodeid=item.nodeid, outcome=outcome, message=message)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_setup(self, item):
        with _Deadline(self.timeout):
            yield

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item):
        with _Deadline(self.timeout):
            yield

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_teardown(self, item, nextitem):
        with _Deadline(self.timeout):
            yield

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        report = (yield).get_result()
        previous = self.outcomes.get(item.nodeid)
        if previous and previous[0] == "failed":
            return  # the first failure (setup, call or teardown) is the one reported
        if report.failed:
            if call.excinfo is not None and call.excinfo.errisinstance(TestTimeout):
                message = f"TestTimeout: the test ran longer than {self.timeout:g} s"
            elif call.excinfo is not None:
                message = _message(item, call.excinfo)
            else:
                message = "failed"
            self.outcomes[item.nodeid] = ("failed", _truncate(message, item.nodeid.startswith(HIDDEN_PREFIX)))
        elif report.skipped and call.when != "teardown":
            self.outcomes[item.nodeid] = ("skipped", "skipped, which does not count as passed")
        elif call.when == "call" and report.passed:
            self.outcomes[item.nodeid] = ("passed", "")

    def pytest_sessionfinish(self, session, exitstatus):
        self.record(event="end", exitstatus=int(exitstatus))
