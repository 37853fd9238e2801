"""The harness's pytest plugin: puts the proxies in place, runs the selected tests, records their outcomes.

At session start it opens the connection (connection.Student), makes it the
run's (``proxy._STUDENT``, what ``harness.student()`` returns) and installs
the import hook (proxy.Finder), so ``cs231n_lib``'s graded modules resolve to
proxies. For each test it puts points.toml's stand-ins in the worker, and
afterwards restores them and drops the worker's objects. It writes one JSON
line per event (collected, start, done, note, budget, memory, end) to the
file grade.py reads (course.read_events).
"""

import json
import resource
import sys

import pytest

from . import proxy, stand_ins
from .connection import Student
from .faults import StudentFault, short
from .points import node_pattern
from .proxy import PACKAGE

HIDDEN_PREFIX = "instructor/"
MAX_MESSAGE = {True: 300, False: 1000}


class Events:
    """One JSON line per event, flushed at once."""

    def __init__(self, path):
        """Append to ``path`` (the grader's, in the 0700 logs/ folder), or record nothing. Trusts the path."""
        self.file = open(path, "a", encoding="utf-8") if path else None

    def record(self, **record):
        """Write one event as a JSON line and flush it. Trusts its callers (this plugin); the student's text in it
        was capped before."""
        if self.file is not None:
            self.file.write(json.dumps(record) + "\n")
            self.file.flush()


def _message(item, excinfo):
    """A failing test's message for the report: trusts nothing of the exception's text (the student's code may
    have raised it); a hidden test's shows the author's first line only, never the rewritten assert; capped."""
    text = str(excinfo.value)
    hidden = item.nodeid.startswith(HIDDEN_PREFIX)
    if hidden:  # the author's message, never the rewritten assert
        text = text.split("\nassert ")[0].split("\n")[0]
    name = excinfo.typename
    return short(f"{name}: {text}" if text else name, MAX_MESSAGE[hidden])


def stand_ins_last(items, chosen):
    """``items`` (anything with a ``nodeid``) in their order, those that get stand-ins (``chosen``: {node id:
    [names]}) moved after all the others: a trusted stand-in is in the worker only once every test that
    grades its own function has run, so a submission cannot keep the reference's answers for them. Trusts
    the grader's config."""
    return [item for item in items if not chosen.get(item.nodeid)] + [item for item in items if chosen.get(item.nodeid)]


class Plugin:
    def __init__(self, config):
        """Trusts the grader's config (harness.json: the layout, limits, selection, stand-ins)."""
        self.config = config
        self.events = Events(config.get("out"))
        self.outcomes = {}
        self.student = None

    def pytest_sessionstart(self, session):
        """Open the connection, make it the run's (proxy._STUDENT), install the import hook, forget any real
        ``cs231n_lib`` module, and start the worker. A worker that cannot start is a note, not a crash: every test
        then fails on its own call. Trusts the config; checks nothing of the student's."""
        if self.config.get("collect_only"):
            return
        self.student = proxy._STUDENT = Student(self.config, self.events)
        sys.meta_path.insert(0, proxy.Finder(self.student))
        for name in list(sys.modules):
            if name == PACKAGE or name.startswith(PACKAGE + "."):
                del sys.modules[name]
        try:
            self.student.start()
        except StudentFault as error:
            self.events.record(event="note", message=str(error))
        self.events.record(event="startup", seconds=self.student.startup_seconds)

    def pytest_collection_modifyitems(self, session, config, items):
        """Keep the tests the grader selected (node-id patterns) and record what was collected. Trusts the
        instructor's tree and config."""
        patterns = [node_pattern(p) for p in self.config.get("select", [])]
        if patterns:
            kept = [item for item in items if any(p.fullmatch(item.nodeid) for p in patterns)]
            dropped = [item for item in items if item not in kept]
            if dropped:
                config.hook.pytest_deselected(items=dropped)
            items[:] = kept
        items[:] = stand_ins_last(items, self.config.get("stand_ins", {}))
        self.events.record(event="collected", nodeids=[item.nodeid for item in items])

    def pytest_collectreport(self, report):
        """Record a test file that does not collect (the instructor's: a grader fault). Trusts pytest's report; the
        message is capped."""
        if report.failed:
            lines = [line[4:].strip() for line in str(report.longrepr).splitlines() if line.startswith("E   ")]
            self.events.record(event="collect_error", nodeid=report.nodeid,
                               message=short(lines[-1] if lines else "could not be collected", 300))

    def _stand_ins(self, nodeid):
        """[(module, name, reference function)] for the test ``nodeid`` (the grader's config: points.toml's
        ``trusted`` lists of its item). Trusts the config and the reference; checks the names (stand_ins.split)."""
        names = self.config.get("stand_ins", {}).get(nodeid, [])
        return [(*stand_ins.split(dotted), stand_ins.function(dotted, self.config["src"])) for dotted in names]

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item, nextitem):
        """Around one test: its stand-ins in the worker before, its outcome recorded after, then the stand-ins
        restored and the worker's objects dropped. Trusts the outcome hook; checks nothing: a fault of the worker
        never stops the run."""
        self.events.record(event="start", nodeid=item.nodeid)
        replacements = self._stand_ins(item.nodeid)
        if self.student is not None and replacements:
            try:
                self.student.stand_in(replacements)
            except StudentFault:
                pass  # the worker cannot start: the test fails on its own call
        yield
        outcome, message = self.outcomes.pop(item.nodeid, ("failed", "no outcome was reported"))
        self.events.record(event="done", nodeid=item.nodeid, outcome=outcome, message=message)
        if self.student is not None:
            for step in (self.student.restore, self.student.drop):
                try:
                    step()
                except (StudentFault, Exception):
                    pass

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        """The test's outcome from pytest's reports (a failure in any phase wins; a skip counts as not passed).
        Trusts pytest; the message is made by _message (capped, a hidden test's first line only)."""
        report = (yield).get_result()
        previous = self.outcomes.get(item.nodeid)
        if previous and previous[0] == "failed":
            return
        if report.failed:
            message = _message(item, call.excinfo) if call.excinfo is not None else "failed"
            self.outcomes[item.nodeid] = ("failed", message)
        elif report.skipped and call.when != "teardown":
            self.outcomes[item.nodeid] = ("skipped", "skipped, which does not count as passed")
        elif call.when == "call" and report.passed:
            self.outcomes[item.nodeid] = ("passed", "")

    def pytest_sessionfinish(self, session, exitstatus):
        """Stop the worker; record the budget used, this process's peak memory and the end. Trusts this side's
        figures only."""
        if self.student is not None:
            self.student.stop()
            self.events.record(event="budget", used=round(self.student.used, 3))
        self.events.record(event="memory", peak_rss_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))
        self.events.record(event="end", exitstatus=int(exitstatus))
