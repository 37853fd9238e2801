"""The trusted side of grading: runs the instructor's tests against a student's code in a jailed worker.

    python -m instructor.harness CONFIG.json

runs pytest in this (trusted) process, in the instructor's tree, with this
module as a plugin. No student code is ever imported here: the graded modules
of the package (``cs231n_lib.optim``, ...) resolve, through an import hook, to
proxies whose functions, classes and objects live in the worker
(instructor/worker.py) inside the jail (instructor/jail.py), reached over a
pipe of plain data (instructor/wire.py). So the public tests and the hidden
tests run unchanged; the oracles, the reference of the other modules and the
comparisons all stay here.

The proxy API (for hidden tests; see also instructor/README.md):

    from cs231n_lib import optim          # a proxy module: same public names
    next_w, config = optim.adam(w, dw, config)
    clf = LinearSVM(); clf.W = W; clf.train(...)   # an object in the worker
    class Recording(LinearSVM):           # trusted subclasses: their public methods
        def loss(self, X, y, reg, regularizer="l2"):   # override the worker's
            return super().loss(X, y, reg, regularizer)
    student = harness.student()           # in a test: the connection itself
    X_remote = student.keep(X)            # an array kept in the worker (no copy per call; the worker
                                          # serves it, so never a timing yardstick)
    student.elapsed(fn, *args)            # seconds of one remote call, measured here

Arguments are copied to the worker and results copied back; lists, dicts
and the arrays inside dicts get the worker's in-place changes written back
and keep their identity (``returned is config`` holds when the student
returns the dict it was given); an array argument (also inside a tuple or
list) must come back unchanged, or the call raises ``InputModified``.
Trusted callables passed in (update rules, schedules, loss functions) are
called back here. Student exceptions re-raise as
subclasses of the builtin of the same base (``pytest.raises(ValueError)``
works) with the capped remote message; warnings are re-issued here.

Limits: each remote call may take ``call_timeout`` seconds, the calls it
makes back through trusted callbacks included (a nested request inherits its
deadline); all remote calls of the run together ``budget`` seconds (the hang
budget). A call over its limit kills the worker (the next call starts a
fresh one); once the budget is spent every further call fails at once.
"""

import ast
import builtins
import functools
import importlib.abc
import importlib.machinery
import json
import os
import re
import resource
import sys
import time
import types
import warnings
from pathlib import Path

import numpy as np
import pytest

from . import jail, stand_ins, wire

PACKAGE = "cs231n_lib"
HIDDEN_PREFIX = "instructor/"
MAX_MESSAGE = {True: 300, False: 1000}
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
PUBLIC = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,99}$")
WORKER_FILES = ("worker.py", "wire.py")
_STUDENT = None


class StudentFault(BaseException):
    """The student's code hung, crashed or broke the protocol (BaseException: `except Exception` does not hide it)."""


class StudentTimeout(StudentFault):
    pass


class StudentError(Exception):
    """Mixin of every exception re-raised from the worker."""


class InputModified(AssertionError, StudentError):
    """A call wrote into an array argument whose contract says it stays untouched (the test fails)."""


def fixed_arrays(values, found=None):
    """Ids of the arrays a call must leave untouched: ``values`` and what their tuples and lists hold.

    Every graded function leaves its array arguments alone (a layer's x, a loss's W, X, y, a backward
    pass's cache). Arrays inside a dict are state the contract lets the call replace (an optimizer's
    config, batch norm's running averages), so they are not descended into; the tests check those.
    """
    found = set() if found is None else found
    for value in values:
        if isinstance(value, np.ndarray):
            found.add(id(value))
        elif isinstance(value, (list, tuple)) and len(found) < 10000:
            fixed_arrays(value, found)
    return frozenset(found)


_EXCEPTIONS = {}


def _exception_class(base_name, type_name):
    base = getattr(builtins, str(base_name), None)
    if not (isinstance(base, type) and issubclass(base, Exception)):
        base = RuntimeError
    name = type_name if PUBLIC.match(str(type_name)) else base.__name__
    key = (base, name)
    if key not in _EXCEPTIONS:
        try:
            _EXCEPTIONS[key] = type(name, (base, StudentError), {"__module__": "student"})
        except TypeError:  # a builtin whose layout refuses a mixin
            _EXCEPTIONS[key] = type(name, (RuntimeError, StudentError), {"__module__": "student"})
    return _EXCEPTIONS[key]


# ------------------------------------------------------- the reference's shape


def module_info(path):
    """Read a graded module's public names from the instructor's source (its AST, never executed).

    Returns {name: ("function",) | ("class", [bases], [methods]) | ("data",)}.
    """
    tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    names = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names[node.name] = ("function",)
        elif isinstance(node, ast.ClassDef):
            bases = [b.id if isinstance(b, ast.Name) else ast.unparse(b) for b in node.bases]
            methods = [n.name for n in node.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
            names[node.name] = ("class", bases, methods)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    names[target.id] = ("data",)
    return {name: kind for name, kind in names.items() if PUBLIC.match(name)}


def import_order(src, modules):
    """The graded modules, each after the graded modules it imports (leaves first)."""
    deps = {}
    for name in modules:
        tree = ast.parse((Path(src) / (name.replace(".", "/") + ".py")).read_text(encoding="utf-8"))
        found = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                found |= {f"{PACKAGE}.{node.module}"} if node.module else {f"{PACKAGE}.{a.name}" for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(PACKAGE + "."):
                found.add(node.module)
        deps[name] = found & set(modules)
    order, done = [], set()

    def visit(name, stack=()):
        if name in done or name in stack:
            return
        for dep in sorted(deps[name]):
            visit(dep, stack + (name,))
        done.add(name)
        order.append(name)

    for name in sorted(modules):
        visit(name)
    return order


# ------------------------------------------------------------------ proxies


class RemoteObject:
    """An object that lives in the worker: attribute get/set and calls go over the wire."""

    __slots__ = ("_student", "_id", "_gen", "_path", "__weakref__")

    def __init__(self, student, oid=None, gen=None, path=None):
        object.__setattr__(self, "_student", student)
        object.__setattr__(self, "_id", oid)
        object.__setattr__(self, "_gen", gen)
        object.__setattr__(self, "_path", path)  # (module, name, ...) for objects found again after a restart

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return self._student.getattr(self, name)

    def __setattr__(self, name, value):
        self._student.setattr(self, name, value)

    def __call__(self, *args, **kwargs):
        return self._student.call(self, args, kwargs)

    def __repr__(self):
        return f"<student object {'.'.join(self._path) if self._path else self._id}>"


class RemoteFunction(RemoteObject):
    """A graded module's function (found again by name after a worker restart)."""

    __slots__ = ()

    def __getattr__(self, name):
        if name in ("__name__", "__qualname__"):
            return self._path[-1]
        return super().__getattr__(name)


class RemoteMethod:
    """A method of a remote class: calls ``Class.method(instance, ...)`` in the worker."""

    def __init__(self, module, cls, name):
        self.path = (module, cls, name)
        self.__name__ = name

    def __get__(self, instance, owner):
        target = RemoteFunction(_STUDENT, path=self.path)
        if instance is None:
            return target
        return functools.partial(target, instance)


class RemoteInstance:
    """Base of the trusted stand-ins for the graded modules' classes."""

    def __init__(self, *args, **kwargs):
        student = _STUDENT
        cls = next(c for c in type(self).__mro__ if "_remote_path" in c.__dict__)
        made = student.call(RemoteFunction(student, path=cls._remote_path), args, kwargs)
        if not isinstance(made, RemoteObject):
            raise StudentFault(f"{cls.__name__}() did not return an object")
        object.__setattr__(self, "_ref", made)
        student.adopt(made, self)
        for klass in type(self).__mro__:  # public methods of trusted subclasses override the worker's
            if klass is cls:
                break
            for name, value in klass.__dict__.items():
                if PUBLIC.match(name) and callable(value):
                    student.setattr(made, name, getattr(self, name))

    def __getattr__(self, name):
        if name.startswith("__") or name == "_ref":
            raise AttributeError(name)
        return _STUDENT.getattr(self._ref, name)

    def __setattr__(self, name, value):
        _STUDENT.setattr(self._ref, name, value)


class ModuleProxy(types.ModuleType):
    """A graded module: its public names (from the reference's AST) resolve to proxies."""

    def __init__(self, name, info, student):
        super().__init__(name)
        self.__dict__["_info"] = info
        self.__dict__["_student"] = student

    def __getattr__(self, name):
        info = self.__dict__["_info"]
        if name not in info:
            raise AttributeError(f"module {self.__name__!r} has no graded name {name!r}")
        student = self.__dict__["_student"]
        kind = info[name]
        if kind[0] == "function":
            value = RemoteFunction(student, path=(self.__name__, name))
        elif kind[0] == "class":
            value = self._make_class(name, kind)
        else:
            return student.getattr(RemoteObject(student, path=(self.__name__,)), name)
        self.__dict__[name] = value
        return value

    def _make_class(self, name, kind):
        _, bases, methods = kind
        exception_bases = [getattr(builtins, b) for b in bases
                           if isinstance(getattr(builtins, b, None), type) and issubclass(getattr(builtins, b), BaseException)]
        if exception_bases:
            return type(name, tuple(exception_bases), {"__module__": self.__name__})
        parents = tuple(getattr(self, b) for b in bases if b in self.__dict__["_info"]) or (RemoteInstance,)
        ns = {"__module__": self.__name__, "__qualname__": name, "_remote_path": (self.__name__, name)}
        for method in methods:
            if PUBLIC.match(method):
                ns[method] = RemoteMethod(self.__name__, name, method)
        return type(name, parents, ns)


class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def __init__(self, student):
        self.student = student

    def find_spec(self, fullname, path=None, target=None):
        if fullname in self.student.infos:
            return importlib.machinery.ModuleSpec(fullname, self)
        return None

    def create_module(self, spec):
        return ModuleProxy(spec.name, self.student.infos[spec.name], self.student)

    def exec_module(self, module):
        pass


# ---------------------------------------------------------- the connection


class Student:
    """One submission's worker: starts it in the jail, talks to it, kills and restarts it."""

    def __init__(self, config, events):
        self.config = config
        self.events = events
        self.src = Path(config["src"])
        self.modules = config["modules"]  # module name -> graded file
        self.infos = {name: module_info(self.src / rel) for name, rel in self.modules.items()}
        self.order = import_order(self.src, list(self.modules))
        self.box = None
        self.gen = 0
        self.used = 0.0
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
        inside = self.config["backend"] == "bwrap"
        tree = "/box/src" if inside else self.config["tree"]
        return {"tree": tree, "package": PACKAGE, "order": self.order,
                "modules": {name: sorted(info) for name, info in self.infos.items()}}

    def _launch(self):
        """Start the worker in the jail. Trusts the grader's config. Checks nothing of the student's: the
        command line carries no path (it is world-readable in /proc; the worker runs in its own folder and reads
        its config from the pipe's first frame), and the box's group is the submission's (``gid``)."""
        backend = self.config["backend"]
        to_worker = os.pipe()
        from_worker = os.pipe()
        worker_dir = self.config["worker_dir"]
        home = "/tmp" if backend == "bwrap" else self.config["home"]
        env = {"PATH": "/usr/bin:/bin", "HOME": home, "TMPDIR": home, "LANG": "C.UTF-8", "PYTHONHASHSEED": "0",
               "PYTHONDONTWRITEBYTECODE": "1", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
               "MKL_NUM_THREADS": "1", "MPLBACKEND": "Agg"}
        command = [sys.executable, "-I", "-B", "worker.py", "-", str(to_worker[0]), str(from_worker[1])]
        limits = jail.Limits(**self.config["limits"])
        log = open(self.config["log"], "ab")
        try:
            self.box = jail.start(command, backend=backend, limits=limits, uid=self.config["uid"], env=env,
                                  cwd="/box/worker" if backend == "bwrap" else worker_dir, gid=self.config.get("gid"),
                                  pass_fds=(to_worker[0], from_worker[1]), stdout=log,
                                  binds=[(self.config["tree"], "/box/src"), (worker_dir, "/box/worker")])
        finally:
            log.close()
            os.close(to_worker[0])
            os.close(from_worker[1])
        self.wfd, self.rfd = to_worker[1], from_worker[0]
        self.gen += 1
        try:
            wire.write_frame(self.wfd, {"op": "config", "config": self._worker_config()})
        except OSError:
            pass  # the worker died at once: start() reads Closed and says so

    def start(self):
        """Start the worker; a module failing or hanging at import is replaced by its release stub."""
        while True:
            started = time.monotonic()
            self._launch()
            importing, errors = None, None
            import_budget = self.config.get("import_budget", 3 * self.config["import_timeout"])

            def module_deadline():
                left = import_budget - self.import_used - (time.monotonic() - started)
                if self.import_used >= import_budget:  # the rest are stubs now: one last, normal start
                    left = self.config["import_timeout"]
                return time.monotonic() + max(0.0, min(self.config["import_timeout"], left))

            deadline = module_deadline()
            try:
                while errors is None:
                    header, _ = wire.read_frame(self.rfd, deadline, self.box.alive)
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
                self.broken = f"the worker could not start: {_short(str(list(errors.values())[0]), 300)}"
                raise StudentFault(self.broken)
            rel = self.modules[culprit]
            self.events.record(event="note", message=f"{rel} fails when imported ({_short(errors[culprit], 200)}); "
                                                     "it was graded as unfinished.")
            stub = Path(self.config["stubs"]) / rel
            (Path(self.config["tree"]) / rel).write_bytes(stub.read_bytes())
            self.stubbed.add(culprit)

    def stop(self):
        if self.box is not None:
            for fd in (self.wfd, self.rfd):
                try:
                    os.close(fd)
                except OSError:
                    pass
            jail.kill(self.box)
            self.box = None

    def ensure(self):
        if self.box is None:
            if self.broken:
                raise StudentFault(self.broken)
            if self.used >= self.config["budget"]:
                raise StudentTimeout(f"the submission's time budget of {self.config['budget']:g} s for all tests is spent")
            self.start()

    # ------------------------------------------------------------ encoding

    def _other(self, obj):
        if isinstance(obj, RemoteInstance):
            obj = obj._ref
        if isinstance(obj, RemoteObject):
            return {"$obj": self.handle(obj)}
        if callable(obj):
            self.next_callback += 1  # never reused: a stub the student kept from an earlier test reaches nothing
            key = self.next_callback
            self.callbacks[key] = obj
            return {"$fn": key}
        raise wire.WireError(f"a {type(obj).__name__} cannot be sent to the student's code.")

    def _decoder(self, blob, seen):
        def handle(tag, value):
            if tag == "$obj":
                return self.proxies.get((self.gen, value)) or RemoteObject(self, value, self.gen)
            if tag == "$fn":
                if value not in self.callbacks:
                    raise wire.WireError("an unknown callback id")
                return self.callbacks[value]
            if value >= len(seen):
                raise wire.WireError("$same points past the request's values")
            return seen[value]
        return wire.Decoder(blob, handle)

    def handle(self, obj):
        """The worker's id of RemoteObject ``obj`` (found again by its path after a restart)."""
        if obj._path is None:
            if obj._gen != self.gen:
                raise StudentFault("this object was lost when the student's worker was restarted")
            return obj._id
        key = (self.gen, obj._path)
        if key not in self.handles:
            header, value = self._request({"op": "module", "name": obj._path[0]}, {})
            for name in obj._path[1:]:
                header, value = self._request({"op": "getattr", "name": name}, {"target": value})
            self.handles[key] = value._id
            self.proxies.setdefault((self.gen, value._id), obj)  # the same object comes back as itself
        return self.handles[key]

    def adopt(self, remote, stand_in):
        self.proxies[(remote._gen, remote._id)] = stand_in

    # ------------------------------------------------------------- requests

    def _request(self, header, values, fixed=frozenset()):
        """Send a request; serve callbacks until its reply; return (header, decoded value).

        Trusts nothing in the reply: it is read within the deadline and decoded by the allow-list of
        wire.py (arrays that decode to more bytes than the frame carries are refused; a MemoryError of this
        process counts as the student's fault, and the refused reply's bytes are dropped before the
        StudentFault is raised), and a state entry may only write into an array, list, dict or Generator
        this request sent. ``fixed`` holds the ids of the arrays whose contract says they stay untouched
        (see ``fixed_arrays``): a reply that changed one is not written back and raises ``InputModified``.
        A top-level request gets ``call_timeout`` (or the rest of the budget); a nested one (sent while a
        callback runs) inherits its deadline.
        """
        self.ensure()
        encoder = wire.Encoder(self._other, alias=True)
        for key, value in values.items():
            header[key] = encoder.encode(value)
        gen = self.gen
        top = self.depth == 0
        started = time.monotonic()
        if top:
            left = self.config["budget"] - self.used
            self.limit = limit = min(self.config["call_timeout"], left)
            self.deadline = deadline = started + limit
        else:  # a callback's call into the student: the same clock as the call that made the callback
            limit, deadline = self.limit, self.deadline
        self.depth += 1
        try:
            wire.write_frame(self.wfd, header, encoder.blob())
            while True:
                reply, blob = wire.read_frame(self.rfd, deadline, self.box.alive)
                if reply["op"] == "callback":
                    self._callback(reply, blob)
                    continue
                if reply["op"] in ("return", "raise"):
                    break
                raise wire.WireError(f"unexpected reply {reply['op']!r}")
        except wire.Timeout:
            self.stop()
            raise StudentTimeout(f"the student's code ran longer than {limit:.3g} s (it was stopped)") from None
        except (wire.Closed, OSError, wire.WireError, MemoryError) as error:
            self.stop()
            what = "died" if isinstance(error, (wire.Closed, OSError)) else f"sent an invalid reply ({error or 'too large'})"
            raise StudentFault(f"the student's process {what}; it was restarted") from None
        finally:
            self.depth -= 1
            if top:
                self.used += time.monotonic() - started
        if gen != self.gen:
            raise StudentFault("the student's worker was restarted during the call")
        decoder = self._decoder(blob, encoder.seen)
        del blob  # only the decoder holds the reply's bytes now; dropped before anything is raised, so that no
        failure = None  # traceback a test report keeps holds them (up to wire.MAX_BLOB per failed test)
        try:
            if reply["op"] == "raise":
                attrs = decoder.decode(reply.get("attrs"))
                decoder.blob = None
                raise self._exception(reply, attrs if isinstance(attrs, dict) else {})
            if "id" in reply and isinstance(reply["id"], int):
                return reply, RemoteObject(self, reply["id"], self.gen)
            written = [self._write_back(encoder.seen, entry, fixed) for entry in decoder.decode(reply.get("state")) or []]
            for note in decoder.decode(reply.get("warnings")) or []:
                self._warn(note)
            value = decoder.decode(reply.get("value"))
        except (wire.WireError, MemoryError) as error:  # MemoryError: over this process's limit_memory
            if isinstance(error, StudentError):  # the student's own MemoryError, re-raised here
                raise
            failure = f"the student's process sent an invalid reply ({error or 'too large'})"
        else:
            if False in written:
                raise InputModified("the student's code wrote into an input array it must leave untouched "
                                    "(an argument, or an array inside a tuple or list argument); work on a copy")
            return reply, value
        decoder.blob = None  # raised outside the handler: no context chain keeps the partly decoded arrays
        self.stop()
        raise StudentFault(failure)

    def _exception(self, reply, attrs):
        module, type_name = reply.get("module"), reply.get("type")
        cls = None
        if module in self.infos and type_name in self.infos[module]:
            candidate = getattr(sys.modules.get(module), str(type_name), None)
            if isinstance(candidate, type) and issubclass(candidate, BaseException):
                cls = candidate
        cls = cls or _exception_class(reply.get("base"), type_name)
        message = _short(str(reply.get("message", "")), 2000)
        try:
            error = cls(message)
        except Exception:
            error = _exception_class("RuntimeError", "RuntimeError")(message)
        for key, value in attrs.items():
            if isinstance(key, str) and PUBLIC.match(key):
                try:
                    setattr(error, key, value)
                except Exception:
                    pass
        return error

    @staticmethod
    def _write_back(seen, entry, fixed=frozenset()):
        """Apply one state entry of a reply (the worker's in-place change of a value this request sent).

        Trusts only the index: it must name a value of ``seen`` (what this request sent), and the new
        state must have the original's type (and, for arrays, shape). Returns False, writing nothing,
        when the entry changes an array whose id is in ``fixed`` (an input that stays untouched).
        """
        if not (isinstance(entry, list) and len(entry) == 2 and isinstance(entry[0], int) and 0 <= entry[0] < len(seen)):
            raise wire.WireError("a malformed state entry")
        original, (kind, new) = seen[entry[0]], entry[1]
        if kind == "array" and isinstance(original, np.ndarray) and id(original) in fixed:
            return False
        if kind == "array" and isinstance(original, np.ndarray) and isinstance(new, np.ndarray):
            if original.shape == new.shape and original.flags.writeable:
                original[...] = new
        elif kind == "list" and isinstance(original, list) and isinstance(new, list):
            original[:] = new
        elif kind == "dict" and isinstance(original, dict) and isinstance(new, dict):
            original.clear()
            original.update(new)
        elif kind == "rng" and isinstance(original, np.random.Generator) and isinstance(new, np.random.Generator):
            original.bit_generator.state = new.bit_generator.state
        return True

    @staticmethod
    def _warn(note):
        if not (isinstance(note, list) and len(note) == 4):
            return
        category = getattr(builtins, str(note[0]), UserWarning)
        if not (isinstance(category, type) and issubclass(category, Warning)):
            category = UserWarning
        filename = str(note[2])
        module = f"{PACKAGE}.{filename[:-3]}" if filename.endswith(".py") else "student"
        warnings.warn_explicit(str(note[1]), category, filename, int(note[3]) if isinstance(note[3], int) else 0,
                               module=module)

    def _callback(self, header, blob):
        decoder = self._decoder(blob, [])
        fn = self.callbacks.get(header.get("fn"))
        args, kwargs = decoder.decode(header.get("args")), decoder.decode(header.get("kwargs"))
        if fn is None or not isinstance(args, list) or not isinstance(kwargs, dict):
            raise wire.WireError("a malformed callback")
        try:
            value = fn(*args, **kwargs)
        except Exception as error:
            wire.write_frame(self.wfd, {"op": "raise", "type": type(error).__name__,
                                        "base": "Exception" if not hasattr(builtins, type(error).__name__) else type(error).__name__,
                                        "message": _short(str(error), 2000)})
            return
        encoder = wire.Encoder(self._other)
        wire.write_frame(self.wfd, {"op": "return", "value": encoder.encode(value)}, encoder.blob())

    # ------------------------------------------------------------ the API

    def call(self, target, args, kwargs):
        """Call ``target`` in the worker; arrays given directly, or in tuples and lists, must come back unchanged."""
        return self._request({"op": "call"}, {"target": target, "args": list(args), "kwargs": dict(kwargs)},
                             fixed_arrays(list(args) + list(kwargs.values())))[1]

    def getattr(self, target, name):
        if not PUBLIC.match(name):
            raise AttributeError(name)
        return self._request({"op": "getattr", "name": name}, {"target": target})[1]

    def setattr(self, target, name, value):
        if not PUBLIC.match(name):
            raise AttributeError(f"only public attributes of the student's objects can be set, not {name!r}")
        self._request({"op": "setattr", "name": name}, {"target": target, "value": value})

    def stand_in(self, replacements):
        """Put trusted functions in place of graded ones in the worker until :meth:`restore`.

        ``replacements`` is [(module, name, function)], from the grader's config and this tree's reference
        (instructor/stand_ins.py); the worker re-points every reference its graded modules hold.
        """
        self.stand_ins = list(replacements)
        self._put_stand_ins()

    def _put_stand_ins(self):
        for module, name, function in self.stand_ins:
            self._request({"op": "substitute", "module": module, "name": name}, {"value": function})

    def restore(self):
        """Take the stand-ins out (the student's own functions back in place)."""
        if self.stand_ins:
            self.stand_ins = []
            if self.box is not None:
                self._request({"op": "restore"}, {})

    def keep(self, value):
        """Store ``value`` in the worker; return its handle (passing it sends no data)."""
        return self._request({"op": "keep"}, {"value": value})[1]

    def elapsed(self, fn, *args, **kwargs):
        """Seconds one remote call of ``fn`` takes, measured on this side."""
        started = time.perf_counter()
        fn(*args, **kwargs)
        return time.perf_counter() - started

    def drop(self):
        if self.box is not None:
            self._request({"op": "drop"}, {})
            self.callbacks.clear()
            self.proxies.clear()
            self.handles.clear()


def student():
    """The current grading run's connection to the student's worker (for hidden tests)."""
    if _STUDENT is None:
        raise RuntimeError("harness.student() is only available inside a grading run")
    return _STUDENT


# ------------------------------------------------------------- the plugin


def _short(text, limit):
    text = ANSI.sub("", text).strip()
    return text if len(text) <= limit else text[: limit - 3] + "..."


def node_pattern(text):
    """Compile a node-id pattern: '*' matches anything, every other character itself."""
    return re.compile(".*".join(re.escape(part) for part in text.split("*")))


class Events:
    """One JSON line per event, flushed at once."""

    def __init__(self, path):
        self.file = open(path, "a", encoding="utf-8") if path else None

    def record(self, **record):
        if self.file is not None:
            self.file.write(json.dumps(record) + "\n")
            self.file.flush()


def _message(item, excinfo):
    text = str(excinfo.value)
    hidden = item.nodeid.startswith(HIDDEN_PREFIX)
    if hidden:  # the author's message, never the rewritten assert
        text = text.split("\nassert ")[0].split("\n")[0]
    name = excinfo.typename
    return _short(f"{name}: {text}" if text else name, MAX_MESSAGE[hidden])


def stand_ins_last(items, chosen):
    """``items`` (anything with a ``nodeid``) in their order, those that get stand-ins (``chosen``: {node id:
    [names]}) moved after all the others: a trusted stand-in is in the worker only once every test that
    grades its own function has run, so a submission cannot keep the reference's answers for them."""
    return [item for item in items if not chosen.get(item.nodeid)] + [item for item in items if chosen.get(item.nodeid)]


class Plugin:
    def __init__(self, config):
        self.config = config
        self.events = Events(config.get("out"))
        self.outcomes = {}
        self.student = None

    def pytest_sessionstart(self, session):
        global _STUDENT
        if self.config.get("collect_only"):
            return
        self.student = _STUDENT = Student(self.config, self.events)
        sys.meta_path.insert(0, _Finder(self.student))
        for name in list(sys.modules):
            if name == PACKAGE or name.startswith(PACKAGE + "."):
                del sys.modules[name]
        try:
            self.student.start()
        except StudentFault as error:
            self.events.record(event="note", message=str(error))
        self.events.record(event="startup", seconds=self.student.startup_seconds)

    def pytest_collection_modifyitems(self, session, config, items):
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
        if report.failed:
            lines = [line[4:].strip() for line in str(report.longrepr).splitlines() if line.startswith("E   ")]
            self.events.record(event="collect_error", nodeid=report.nodeid,
                               message=_short(lines[-1] if lines else "could not be collected", 300))

    def _stand_ins(self, nodeid):
        """[(module, name, reference function)] for the test ``nodeid`` (the grader's config: points.toml's
        ``trusted`` lists of its item)."""
        names = self.config.get("stand_ins", {}).get(nodeid, [])
        return [(*stand_ins.split(dotted), stand_ins.function(dotted, self.config["src"])) for dotted in names]

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item, nextitem):
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
        if self.student is not None:
            self.student.stop()
            self.events.record(event="budget", used=round(self.student.used, 3))
        self.events.record(event="memory", peak_rss_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))
        self.events.record(event="end", exitstatus=int(exitstatus))


def pytest_args(config):
    """The pytest command line of a harness run: explicit config, no cache, no addopts."""
    args = ["-p", "no:cacheprovider", "-p", "no:nbval", "-c", str(Path(config["src"]) / "pyproject.toml"),
            "--rootdir", config["src"], "--confcutdir", config["src"], "-o", "addopts=", "-q",
            "-p", "no:randomly", "--no-header", "-W", "ignore::pytest.PytestUnraisableExceptionWarning"]
    if config.get("collect_only"):
        args.append("--collect-only")
    return args + list(config["test_files"])


def limit_memory(megabytes):
    """Cap this process's address space at ``megabytes`` (RLIMIT_AS), before it decodes anything from a
    worker: whatever a reply makes it allocate fails with MemoryError here, not on the machine. Trusts the
    grader's figure; never raises the limit above one already set."""
    if megabytes:
        cap = int(megabytes) * 2**20
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        cap = min(cap, hard) if hard != resource.RLIM_INFINITY else cap
        if soft == resource.RLIM_INFINITY or soft > cap:
            resource.setrlimit(resource.RLIMIT_AS, (cap, hard))


def main(argv=None):
    """Run one harness: the config file is the grader's (trusted); the memory limit is set before any worker
    starts."""
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


if __name__ == "__main__":  # run as instructor.harness, so hidden tests importing it see this run's state
    from instructor import harness

    sys.exit(harness.main())
