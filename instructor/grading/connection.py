"""The connection to the student's worker: requests over the pipe, callbacks, and the API hidden tests use.

``Student`` (the worker's process: launch.Launcher) sends each call, getattr
and setattr of a proxy (proxy.py) as a frame of plain data (wire.py), serves
the callbacks the student's code makes into trusted callables while it waits,
and decodes the reply by wire.py's allow-list.

The proxy API (for hidden tests; see also instructor/README.md):

    from cs231n_lib import optim          # a proxy module: same public names
    next_w, config = optim.adam(w, dw, config)
    clf = LinearSVM(); clf.W = W; clf.train(...)   # an object in the worker
    class Recording(LinearSVM):           # trusted subclasses: their public methods
        def loss(self, X, y, reg, regularizer="l2"):   # override the worker's
            return super().loss(X, y, reg, regularizer)
    from instructor.grading import harness
    student = harness.student()           # in a test: the connection itself
    X_remote = student.keep(X)            # an array kept in the worker (no copy per call; the worker
                                          # serves it, so never a timing yardstick)
    student.elapsed(fn, *args)            # seconds of one remote call, measured here
    with student.frozen(): ...            # the worker's box stopped: time trusted code here

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
deadline); all remote calls of the run together ``budget`` seconds of the
student's time (the hang budget: the time the trusted callbacks take is the
grader's and is not counted), and together, callbacks included, at most
launch.WALL_FACTOR budgets of wall time. A call over its limit kills the worker (the next call starts a
fresh one); once the budget is spent every further call fails at once.
"""

import builtins
import contextlib
import time

from . import jail, replies, wire
from .faults import PUBLIC, InputModified, StudentError, StudentFault, StudentTimeout, fixed_arrays, short
from .launch import WALL_FACTOR, Launcher
from .proxy import RemoteInstance, RemoteObject


class Student(Launcher):
    """One submission's worker: talks to it (Launcher starts, kills and restarts it)."""

    # ------------------------------------------------------------ encoding

    def _other(self, obj):
        """Encode what wire.py cannot send as plain data: a proxy as its worker id, a trusted callable as a new
        callback id (never reused). Trusts only this side's objects (the encoder never sees the worker's); checks
        the type and refuses anything else (WireError)."""
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
        """A wire.Decoder of a reply's ``blob`` whose tags resolve on this side. Trusts nothing of the reply; checks
        that a callback id is one this side issued and that ``$same`` points into ``seen`` (what this request sent);
        an object id becomes a RemoteObject of this worker's generation."""
        def handle(tag, value):
            """Resolve one tag of the reply; checks each id against this side's tables."""
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
        """The worker's id of RemoteObject ``obj`` (found again by its path after a restart).

        Trusts the ids and paths this side recorded; checks the object's generation (one made before a restart is
        lost: StudentFault) and looks a path up again in each new worker."""
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
        """Let the worker's object ``remote`` come back as ``stand_in``, the trusted instance made for it. Trusts both
        (made on this side); checks nothing."""
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
            left = min(self.config["budget"] - self.used, WALL_FACTOR * self.config["budget"] - self.wall_used)
            self.limit = limit = min(self.config["call_timeout"], left)
            self.deadline = deadline = started + limit
        else:  # a callback's call into the student: the same clock as the call that made the callback
            limit, deadline = self.limit, self.deadline
        self.depth += 1
        trusted = 0.0  # seconds this request spent in the trusted callbacks' own work: not the student's
        try:
            wire.write_frame(self.wfd, header, encoder.blob())
            while True:
                reply, blob = self.reader.read_frame(deadline, self.box.alive)
                if reply["op"] == "callback":
                    # The requests made from inside this callback add their student time to nested_used.
                    began, outer, self.nested_used = time.monotonic(), self.nested_used, 0.0
                    try:
                        self._callback(reply, blob)
                    finally:
                        inside, self.nested_used = self.nested_used, outer
                    trusted += (time.monotonic() - began) - inside
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
            # The budget counts the student's time: the trusted callbacks' work is the grader's, and on a
            # busy machine it grows with the load (a call the student's code makes back into the student,
            # from inside a callback, stays the student's: nested_used).
            elapsed = time.monotonic() - started - trusted
            if top:
                self.used += elapsed
                self.wall_used += elapsed + trusted
            else:
                self.nested_used += elapsed
        if gen != self.gen:
            raise StudentFault("the student's worker was restarted during the call")
        decoder = self._decoder(blob, encoder.seen)
        del blob  # only the decoder holds the reply's bytes now; dropped before anything is raised, so that no
        failure = None  # traceback a test report keeps holds them (up to wire.MAX_BLOB per failed test)
        try:
            if reply["op"] == "raise":
                attrs = decoder.decode(reply.get("attrs"))
                decoder.blob = None
                raise replies.exception(reply, attrs if isinstance(attrs, dict) else {}, self.infos)
            if "id" in reply and isinstance(reply["id"], int):
                return reply, RemoteObject(self, reply["id"], self.gen)
            written = [replies.write_back(encoder.seen, entry, fixed) for entry in decoder.decode(reply.get("state")) or []]
            for note in decoder.decode(reply.get("warnings")) or []:
                replies.warn(note)
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

    def _callback(self, header, blob):
        """Run the trusted callable the worker calls back (``fn`` id) and send its result or error. Trusts nothing of
        the request: the id must be one this side issued, the arguments decode by wire.py's allow-list and must be
        a list and a dict; the callable is the test's own."""
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
                                        "message": short(str(error), 2000)})
            return
        encoder = wire.Encoder(self._other)
        wire.write_frame(self.wfd, {"op": "return", "value": encoder.encode(value)}, encoder.blob())

    # ------------------------------------------------------------ the API

    def call(self, target, args, kwargs):
        """Call ``target`` in the worker; arrays given directly, or in tuples and lists, must come back unchanged.
        Trusts the test's arguments; the reply is checked by ``_request``."""
        return self._request({"op": "call"}, {"target": target, "args": list(args), "kwargs": dict(kwargs)},
                             fixed_arrays(list(args) + list(kwargs.values())))[1]

    def getattr(self, target, name):
        """Attribute ``name`` of the worker's ``target``. Checks that the name is public (the test's choice, never
        the worker's); the reply is checked by ``_request``."""
        if not PUBLIC.match(name):
            raise AttributeError(name)
        return self._request({"op": "getattr", "name": name}, {"target": target})[1]

    def setattr(self, target, name, value):
        """Set attribute ``name`` of the worker's ``target`` to ``value``. Checks that the name is public; trusts the
        test's value (sent as plain data)."""
        if not PUBLIC.match(name):
            raise AttributeError(f"only public attributes of the student's objects can be set, not {name!r}")
        self._request({"op": "setattr", "name": name}, {"target": target, "value": value})

    def stand_in(self, replacements):
        """Put trusted functions in place of graded ones in the worker until :meth:`restore`.

        ``replacements`` is [(module, name, function)], from the grader's config and this tree's reference
        (instructor/grading/stand_ins.py); the worker re-points every reference its graded modules hold. Trusts
        the replacements; checks nothing of the worker beyond ``_request``'s checks."""
        self.stand_ins = list(replacements)
        self._put_stand_ins()

    def _put_stand_ins(self):
        """Send the running test's stand-ins to the worker (again after a restart). Trusts the grader's list."""
        for module, name, function in self.stand_ins:
            self._request({"op": "substitute", "module": module, "name": name}, {"value": function})

    def restore(self):
        """Take the stand-ins out (the student's own functions back in place). Trusts this side's record of them;
        checks that a worker runs before it asks."""
        if self.stand_ins:
            self.stand_ins = []
            if self.box is not None:
                self._request({"op": "restore"}, {})

    def keep(self, value):
        """Store ``value`` in the worker; return its handle (passing it sends no data). Trusts the test's value;
        the handle is checked like any reply."""
        return self._request({"op": "keep"}, {"value": value})[1]

    @contextlib.contextmanager
    def frozen(self):
        """Every process of the worker's box stopped (SIGSTOP) for the ``with`` block: time trusted code in it,
        so that the student's processes cannot load the machine only while the yardstick runs. Trusts nothing of
        the box (jail.freeze reads /proc); the box runs again afterwards, also when the block raises."""
        stopped = jail.freeze(self.box) if self.box is not None else set()
        try:
            yield
        finally:
            if stopped:
                jail.thaw(self.box, stopped)

    def elapsed(self, fn, *args, **kwargs):
        """Seconds one remote call of ``fn`` takes, measured on this side (the worker's own clock is never
        trusted); checks nothing of the result, which is dropped."""
        started = time.perf_counter()
        fn(*args, **kwargs)
        return time.perf_counter() - started

    def drop(self):
        """Forget the worker's objects of the test that ended (they cannot leak into the next test). Trusts this
        side's tables; checks that a worker runs."""
        if self.box is not None:
            self._request({"op": "drop"}, {})
            self.callbacks.clear()
            self.proxies.clear()
            self.handles.clear()
