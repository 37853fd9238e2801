"""The student's worker as a process: start it in its box, replace what fails at import, stop it.

``Launcher`` is the lifecycle half of the connection (connection.Student
adds the requests): it starts worker.py in the jail with a pipe to it, sends
its config as the first frame, and waits for each graded module to import
within its limits (a module failing or hanging at import is replaced by its
release stub, with a note); it restarts the worker after a fault, within the
run's budget. Nothing it reads from the pipe is trusted beyond the frames
wire.py decodes.
"""

import os
import sys
import time
from pathlib import Path

from . import jail, wire
from .box import TREE, WORKER, env as box_env, seen, seen_home, worker_binds
from .faults import StudentFault, StudentTimeout, short
from .proxy import PACKAGE, import_order, module_info

# The budget counts the student's time only; all calls together, the trusted callbacks' time included, may take
# this many budgets of wall time (a submission that makes the grader's callbacks slow, e.g. with huge inputs,
# is stopped there).
WALL_FACTOR = 3


class Launcher:
    """One submission's worker process: starts it in the jail, kills and restarts it (connection.Student talks to it)."""

    def __init__(self, config, events):
        """Trusts the grader's config (the harness's: the layout, limits, graded modules); reads the graded
        modules' public names from the reference's source (its AST, never executed). Checks nothing; starts
        nothing yet."""
        self.config = config
        self.events = events
        self.src = Path(config["src"])
        self.modules = config["modules"]  # module name -> graded file
        self.infos = {name: module_info(self.src / rel) for name, rel in self.modules.items()}
        self.order = import_order(self.src, list(self.modules))
        self.box = None
        self.gen = 0
        self.used = 0.0
        self.nested_used = 0.0  # the student's time in calls made from inside trusted callbacks
        self.wall_used = 0.0    # the top-level calls' wall time, the trusted callbacks' included
        self.depth = 0
        self.limit = self.deadline = None  # the running top-level call's limit and deadline
        self.callbacks = {}
        self.next_callback = 0
        self.stand_ins = []  # [(module, name, trusted function)] in place for the running test
        self.proxies = {}  # (gen, id) -> trusted stand-in of that object
        self.handles = {}  # (gen, path) -> id
        self.stubbed = set()
        self.startup_seconds = []
        self.broken = None  # why the worker cannot start at all
        self.import_used = 0.0  # seconds spent importing graded modules, over every start

    # ---------------------------------------------------------- lifecycle

    def _worker_config(self):
        """The worker's config (its pipe's first frame): where the tree is as the worker sees it (box.seen), the
        graded modules and their import order. Trusts the grader's config and the reference's names; checks nothing."""
        tree = seen(self.config["tree"], TREE, self.config["backend"])
        return {"tree": tree, "package": PACKAGE, "order": self.order,
                "modules": {name: sorted(info) for name, info in self.infos.items()}}

    def _launch(self):
        """Start the worker in the jail. Trusts the grader's config. Checks nothing of the student's: the
        command line carries no path (it is world-readable in /proc; the worker runs in its own folder and reads
        its config from the pipe's first frame), and the box's group is the submission's (``gid``)."""
        backend = self.config["backend"]
        to_worker = os.pipe()
        from_worker = os.pipe()
        env = box_env(seen_home(self.config, backend), MKL_NUM_THREADS="1")
        command = [sys.executable, "-I", "-B", "worker.py", "-", str(to_worker[0]), str(from_worker[1])]
        limits = jail.Limits(**self.config["limits"])
        log = open(self.config["log"], "ab")
        try:
            self.box = jail.start(command, backend=backend, limits=limits, uid=self.config["uid"], env=env,
                                  cwd=seen(self.config["worker_dir"], WORKER, backend), gid=self.config.get("gid"),
                                  pass_fds=(to_worker[0], from_worker[1]), stdout=log,
                                  binds=worker_binds(self.config))
        finally:
            log.close()
            os.close(to_worker[0])
            os.close(from_worker[1])
        self.wfd, self.rfd = to_worker[1], from_worker[0]
        self.reader = wire.Reader(self.rfd, ahead=wire.READ_AHEAD)  # this side alone reads the worker's pipe
        self.gen += 1
        try:
            wire.write_frame(self.wfd, {"op": "config", "config": self._worker_config()})
        except OSError:
            pass  # the worker died at once: start() reads Closed and says so


    def start(self):
        """Start the worker; a module failing or hanging at import is replaced by its release stub.

        Trusts nothing the worker sends: each frame is read within the module's deadline (``import_timeout``,
        and all modules together ``import_budget``) and only the ``importing`` and ``ready`` frames are
        accepted; a module is blamed only when it is a graded one that is not yet a stub.
        """
        while True:
            started = time.monotonic()
            self._launch()
            importing, errors = None, None
            import_budget = self.config.get("import_budget", 3 * self.config["import_timeout"])

            def module_deadline():
                """The deadline of the module importing now: ``import_timeout``, within the budget left."""
                left = import_budget - self.import_used - (time.monotonic() - started)
                if self.import_used >= import_budget:  # the rest are stubs now: one last, normal start
                    left = self.config["import_timeout"]
                return time.monotonic() + max(0.0, min(self.config["import_timeout"], left))

            deadline = module_deadline()
            try:
                while errors is None:
                    header, _ = self.reader.read_frame(deadline, self.box.alive)
                    if header["op"] == "importing" and header.get("module") in self.modules:
                        importing = header["module"]
                        deadline = module_deadline()
                    elif header["op"] == "importing" and header.get("module") is None:
                        pass  # the package's __init__ failed after every graded module imported: not fatal
                    elif header["op"] == "ready" and isinstance(header.get("errors"), dict):
                        errors = header["errors"]
                    else:
                        raise wire.WireError("unexpected frame at start-up")
                self.startup_seconds.append(time.monotonic() - started)
            except wire.Timeout:
                errors = {importing: f"importing it took longer than {self.config['import_timeout']:g} s"} if importing \
                    else {None: "the worker did not start"}
            except (wire.Closed, wire.WireError, OSError) as error:
                errors = {importing: f"the process died while importing it ({type(error).__name__})"}
            culprit = next((m for m in errors if m in self.modules and m not in self.stubbed), None)
            if not errors:
                self._put_stand_ins()  # a worker restarted during a test gets the test's stand-ins again
                return
            self.stop()
            self.used += time.monotonic() - started
            self.import_used += time.monotonic() - started
            if culprit is not None and self.import_used >= import_budget:  # stub every module not yet imported
                left = [m for m in self.order[self.order.index(culprit):] if m not in self.stubbed]
                for name in left:
                    rel = self.modules[name]
                    (Path(self.config["tree"]) / rel).write_bytes((Path(self.config["stubs"]) / rel).read_bytes())
                    self.stubbed.add(name)
                self.events.record(event="note", message=(
                    f"importing the graded modules took longer than the {import_budget:g} s they may take together; "
                    f"{', '.join(self.modules[m] for m in left)} were graded as unfinished."))
                continue
            if culprit is None and not getattr(self, "_retried", False):
                self._retried = True  # one retry: a start-up can lose to a loaded machine
                continue
            if culprit is None:
                self.broken = f"the worker could not start: {short(str(list(errors.values())[0]), 300)}"
                raise StudentFault(self.broken)
            rel = self.modules[culprit]
            self.events.record(event="note", message=f"{rel} fails when imported ({short(errors[culprit], 200)}); "
                                                     "it was graded as unfinished.")
            stub = Path(self.config["stubs"]) / rel
            (Path(self.config["tree"]) / rel).write_bytes(stub.read_bytes())
            self.stubbed.add(culprit)

    def stop(self):
        """Kill the worker's box, every process of it (jail.kill), and close the pipe; the next request starts a
        fresh worker. Trusts nothing of the box; checks /proc until none of its processes runs."""
        if self.box is not None:
            for fd in (self.wfd, self.rfd):
                try:
                    os.close(fd)
                except OSError:
                    pass
            jail.kill(self.box)
            self.box = None

    def ensure(self):
        """A running worker, started again if it was stopped. Trusts this side's clock; checks the run's budget
        (StudentTimeout once spent) and a worker that cannot start at all (StudentFault)."""
        if self.box is None:
            if self.broken:
                raise StudentFault(self.broken)
            if self.used >= self.config["budget"]:
                raise StudentTimeout(f"the submission's time budget of {self.config['budget']:g} s for all tests is spent")
            if self.wall_used >= WALL_FACTOR * self.config["budget"]:
                raise StudentTimeout(f"the submission's calls took {WALL_FACTOR * self.config['budget']:g} s of wall time "
                                     "for all tests, the grader's callbacks included")
            self.start()

    def _put_stand_ins(self):
        """Put the running test's stand-ins in a restarted worker (connection.Student's; none here). Trusts the
        grader's list; checks nothing."""
