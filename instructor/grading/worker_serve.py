"""The worker's request server: the student's package imported, its objects served to the trusted side.

Runs inside the jail, in the worker process (worker.py), the only process that imports a student's files.

CONFIG: {"tree": folder holding the student's package, "modules": {module name:
[public names]}, "order": [module names, leaves first]}. The worker imports the
graded modules one by one (announcing each, so the trusted side knows which one
hangs), then serves requests from the pipe (instructor/grading/wire.py frames) until the
pipe closes:

    module   NAME                       -> the module, as an object id
    getattr  TARGET NAME                -> the attribute (plain data, or an object id)
    setattr  TARGET NAME VALUE          -> None
    call     TARGET ARGS KWARGS         -> the result, the arguments' new state, warnings
    keep     VALUE                      -> VALUE stored here, as an object id
    drop                                -> forget every object made since the last drop
    substitute MODULE NAME VALUE        -> None: a trusted callable stands in for MODULE.NAME
    restore                             -> None: every stand-in taken out again

Names are checked against the allow-list: a module's public names from the
config, and public (no leading underscore) names of other objects. Replies are
``return`` or ``raise`` (the exception's type name, nearest builtin base, capped
message and plain-data attributes); while a call runs, the worker may send
``callback`` requests for trusted callables passed in as {"$fn": id}, and
serves nested requests while it waits for their answer.

Nothing here is secret: a student who rewrites this process can only forge
answers, which the trusted side decodes as plain data and checks itself.
"""

import builtins
import importlib
import os
import re
import sys
import types
import warnings

if __package__:
    from . import wire
    from .worker_stand_ins import StandIns
else:  # imported by worker.py run as a script: its folder is on sys.path
    import wire
    from worker_stand_ins import StandIns

import numpy as np

PUBLIC = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,99}$")
MAX_MESSAGE = 2000
MAX_WARNINGS = 20


def builtin_base(cls):
    """The name of the nearest builtin class in ``cls``'s MRO (e.g. 'ValueError')."""
    for klass in cls.__mro__:
        if getattr(builtins, klass.__name__, None) is klass:
            return klass.__name__
    return "Exception"


def _text(obj, limit=MAX_MESSAGE):
    """``str(obj)`` capped at ``limit`` characters. Trusts nothing: a raising __str__ gives a fixed text."""
    try:
        text = str(obj)
    except BaseException:  # a student's __str__ may raise anything
        text = "<the message could not be read>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


class Worker(StandIns):
    """Serves the trusted side's requests against the student's imported package (the object table, stand-ins)."""
    def __init__(self, config, rfd, wfd):
        """Trusts the config frame and the fds main() gives it; checks nothing."""
        self.config = config
        self.rfd, self.wfd = rfd, wfd
        self.reader = wire.Reader(rfd, ahead=wire.READ_AHEAD)  # the grader's pipe: this process alone reads it
        self.objects = {}  # id -> object
        self.ids = {}  # id(object) -> id, so an object keeps its id
        self.pinned = 0  # ids below this survive `drop`
        self.next_id = 0
        self.modules = {}
        self.undo = []  # (setter, key, original) of every stand-in put in since the last restore

    # ----------------------------------------------------------- the table

    def handle_of(self, obj):
        """The id of ``obj`` in the object table (a new one the first time). Trusts the object; checks only identity."""
        key = id(obj)
        if key in self.ids and self.objects.get(self.ids[key]) is obj:
            return self.ids[key]
        self.next_id += 1
        self.objects[self.next_id] = obj
        self.ids[key] = self.next_id
        return self.next_id

    def _other(self, obj):
        """The $obj tag for a value that is not plain data. Trusts the object; checks nothing."""
        return {"$obj": self.handle_of(obj)}

    def _resolve(self, table):
        """The decoder's handler of $obj, $fn and $same for one request. Trusts the ids to be checked here: unknown
        object ids and $same past the request's values raise WireError."""
        def handle(tag, value):
            """Resolve one tag (see _resolve)."""
            if tag == "$obj":
                if value not in self.objects:
                    raise wire.WireError(f"unknown object id {value}")
                return self.objects[value]
            if tag == "$fn":
                return self._callback_stub(value)
            if value >= len(table):
                raise wire.WireError(f"$same {value} points past the request's values")
            return table[value]
        return handle

    def _decode(self, header, blob, keys):
        """Decode ``keys`` of a request (wire.Decoder checks it); return the values and the request's table."""
        decoder = wire.Decoder(blob, None)
        decoder.handle = self._resolve(decoder.table)
        return [decoder.decode(header.get(key)) for key in keys], decoder.table

    def send(self, header, values=None, same=None):
        """Encode ``values`` into ``header`` and write the frame. Trusts the values to be checked by wire.Encoder."""
        encoder = wire.Encoder(self._other, same)
        for key, value in (values or {}).items():
            header[key] = encoder.encode(value)
        wire.write_frame(self.wfd, header, encoder.blob())

    # ------------------------------------------------------------ replies

    def send_error(self, error):
        """Reply ``raise`` for a student's exception. Trusts nothing of it: capped texts, only public attributes
        that encode as plain data (at most 20)."""
        attrs = {}
        for key, value in list(getattr(error, "__dict__", {}).items())[:20]:
            if PUBLIC.match(str(key)):
                try:
                    wire.Encoder().encode(value)
                    attrs[key] = value
                except Exception:
                    pass
        cls = type(error)
        header = {"op": "raise", "type": _text(cls.__name__, 100), "module": _text(cls.__module__, 100),
                  "base": builtin_base(cls), "message": _text(error)}
        try:
            self.send(header, {"attrs": attrs})
        except Exception:
            self.send(header, {"attrs": {}})

    def _callback_stub(self, fn_id):
        """A callable that calls trusted callable ``fn_id`` back over the pipe. Trusts the grader's reply;
        checks a raise names a builtin exception class (else RuntimeError)."""
        def callback(*args, **kwargs):
            """Send the callback request, serve nested requests, return or raise the answer."""
            self.send({"op": "callback", "fn": fn_id}, {"args": list(args), "kwargs": kwargs})
            header, blob = self.wait()
            (value,), _ = self._decode(header, blob, ["value"])
            if header["op"] == "raise":
                cls = getattr(builtins, str(header.get("base")), None)
                if not (isinstance(cls, type) and issubclass(cls, BaseException)):
                    cls = RuntimeError
                raise cls(_text(header.get("message")))
            return value
        return callback

    def wait(self):
        """Serve nested requests until a return or raise arrives; return it."""
        while True:
            header, blob = self.reader.read_frame()
            if header["op"] in ("return", "raise"):
                return header, blob
            self.serve_one(header, blob)

    # ----------------------------------------------------------- requests

    def check_name(self, target, name):
        """Trusts nothing of ``name``: checks it is public and, on a graded module, one of its config names."""
        if not isinstance(name, str) or not PUBLIC.match(name):
            raise AttributeError(f"{name!r} is not a public name")
        module = self.modules.get(id(target))
        if module is not None and name not in self.config["modules"][module]:
            raise AttributeError(f"{module} has no graded name {name!r}")

    def serve_one(self, header, blob):
        """Serve one request. Trusts the grader's requests (names checked, values decoded by wire); the student's
        exceptions become ``raise`` replies, WireError and KeyboardInterrupt propagate."""
        op = header["op"]
        try:
            if op == "module":
                name = header.get("name")
                if name not in self.config["modules"]:
                    raise ImportError(f"{name!r} is not a graded module")
                module = importlib.import_module(name)
                self.modules[id(module)] = name
                self.send({"op": "return"}, {"value": module})
            elif op == "getattr":
                (target,), _ = self._decode(header, blob, ["target"])
                self.check_name(target, header.get("name"))
                self.send({"op": "return"}, {"value": getattr(target, header["name"])})
            elif op == "setattr":
                (target, value), _ = self._decode(header, blob, ["target", "value"])
                self.check_name(target, header.get("name"))
                if id(target) in self.modules:
                    raise AttributeError("module attributes cannot be set from the grader")
                setattr(target, header["name"], value)
                self.send({"op": "return"}, {"value": None})
            elif op == "keep":
                (value,), _ = self._decode(header, blob, ["value"])
                self.send({"op": "return", "id": self.handle_of(value)})
            elif op == "drop":
                for key in [k for k in self.objects if k > self.pinned]:
                    obj = self.objects.pop(key)
                    self.ids.pop(id(obj), None)
                self.send({"op": "return"}, {"value": None})
            elif op == "substitute":
                (value,), _ = self._decode(header, blob, ["value"])
                self.substitute(header.get("module"), header.get("name"), value)
                self.send({"op": "return"}, {"value": None})
            elif op == "restore":
                self.restore()
                self.send({"op": "return"}, {"value": None})
            elif op == "pin":
                self.pinned = self.next_id
                self.send({"op": "return"}, {"value": None})
            elif op == "call":
                self.call(header, blob)
            else:
                raise ValueError(f"unknown request {op!r}")
        except wire.WireError:
            raise
        except BaseException as error:  # the student's exception, whatever it is
            if isinstance(error, (KeyboardInterrupt,)):
                raise
            self.send_error(error)

    def call(self, header, blob):
        """Call a target with decoded arguments; reply the result, the arguments' changed state and warnings.
        Trusts the wire's decoding; checks the target is callable and the arguments are a list and a dict."""
        (target, args, kwargs), table = self._decode(header, blob, ["target", "args", "kwargs"])
        if not callable(target) or not isinstance(args, list) or not isinstance(kwargs, dict):
            raise TypeError("a call needs a callable target, a list of arguments and a dict of keywords")
        snapshots = {k: obj.copy() for k, obj in enumerate(table) if isinstance(obj, np.ndarray)}
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            value = target(*args, **kwargs)
        same = {id(obj): k for k, obj in enumerate(table)}
        state = []
        for k, obj in enumerate(table):
            if isinstance(obj, np.ndarray):
                if obj.shape != snapshots[k].shape or not np.array_equal(obj, snapshots[k], equal_nan=obj.dtype.kind == "f"):
                    state.append([k, ("array", obj.copy())])
            elif isinstance(obj, list):
                state.append([k, ("list", list(obj))])
            elif isinstance(obj, dict):
                state.append([k, ("dict", dict(obj))])
            elif isinstance(obj, np.random.Generator):
                copy = np.random.Generator(np.random.PCG64())
                copy.bit_generator.state = obj.bit_generator.state
                state.append([k, ("rng", copy)])
        notes = [[builtin_base(w.category) if isinstance(w.category, type) else "UserWarning", _text(w.message, 500),
                  os.path.basename(str(w.filename))[:100], int(w.lineno or 0)] for w in caught[:MAX_WARNINGS]]
        self.send({"op": "return"}, {"value": value, "state": state, "warnings": notes}, same)

    # ------------------------------------------------------------ startup

    def start(self):
        """Import the graded modules in config order (announcing each), then the package's __init__; send ``ready``.
        Trusts the config; the student's import errors are reported, not raised."""
        tree = self.config["tree"]
        sys.path.insert(0, tree)
        package = self.config.get("package", "cs231n_lib")
        pkg = types.ModuleType(package)
        pkg.__path__ = [os.path.join(tree, package)]
        pkg.__file__ = os.path.join(tree, package, "__init__.py")
        pkg.__package__ = package
        sys.modules[package] = pkg
        errors = {}
        for name in self.config["order"]:
            wire.write_frame(self.wfd, {"op": "importing", "module": name})
            try:
                importlib.import_module(name)
            except BaseException as error:
                errors[name] = f"{type(error).__name__}: {_text(error, 300)}"
                break
        if not errors:
            try:  # the package's own __init__ (re-exports) once its graded modules are in
                with open(pkg.__file__, encoding="utf-8") as source:
                    exec(compile(source.read(), pkg.__file__, "exec"), pkg.__dict__)
            except BaseException as error:  # the graded modules are in; only the re-exports are missing
                wire.write_frame(self.wfd, {"op": "importing", "module": None,
                                            "note": f"{type(error).__name__}: {_text(error, 300)}"})
        wire.write_frame(self.wfd, {"op": "ready", "errors": errors})

    def serve(self):
        """Serve requests until the pipe closes. Trusts the grader's frames; checks nothing more than serve_one."""
        while True:
            try:
                header, blob = self.reader.read_frame()
            except wire.Closed:
                return
            self.serve_one(header, blob)
