"""Plain data across the jail's pipe: JSON plus numpy arrays as raw bytes, never pickle.

A frame is ``<json length: u32><blob length: u32><json><blob>``. The JSON is an
object ``{"op": name, ...}`` whose values are encoded with ``Encoder`` and read
back with ``Decoder``; array bytes live in the blob. Every JSON object inside a
value is one tag:

    {"$l": [...]}  list        {"$t": [...]}  tuple      {"$d": [[key, value], ...]}  dict
    {"$nd": [dtype, shape, offset, nbytes]}   an ndarray (C order, little-endian)
    {"$sc": [dtype, offset, nbytes]}          a numpy scalar (np.float32(1.5) stays float32)
    {"$obj": id}   an object that stays in the worker (the trusted side holds the id)
    {"$fn": id}    a callable that stays on the trusted side (the worker calls it back)
    {"$same": k}   the k-th container or array of the request (in-place updates keep identity)
    {"$rng": state} a numpy Generator on PCG64, as its bit generator's state (integers only)

JSON numbers, strings, true/false/null stand for themselves. The decoder is an
allow-list: those tags only, numeric and bool dtypes only, at most MAX_DEPTH levels,
MAX_NODES values, MAX_STRING characters per string, MAX_NDIM dimensions, the
frame caps below, and arrays and scalars that together decode to no more bytes
than the blob holds (an honest encoder gives each its own bytes, so many nodes
pointing at one large range, a memory amplification, are refused); anything
else raises WireError.
"""

import json
import math
import os
import select
import struct
import time

import numpy as np

HEADER = struct.Struct("<II")
MAX_JSON = 16 * 2**20
MAX_BLOB = 256 * 2**20
MAX_DEPTH = 24
MAX_NODES = 500_000
MAX_STRING = 1_000_000
MAX_NDIM = 8
SMALL_BLOB = 1 << 16  # read_frame reads a frame's JSON and a blob up to this size together
READ_AHEAD = 1 << 16  # a Reader of a pipe it alone reads takes up to this many bytes past what a frame needs
DTYPES = {np.dtype(name).str: np.dtype(name) for name in ("bool", "int8", "int16", "int32", "int64", "uint8", "uint16",
                                                          "uint32", "uint64", "float16", "float32", "float64")}
KEY_TYPES = (str, int, float, bool, type(None))
PLAIN = frozenset((str, int, float, bool, type(None)))  # exact types that stand for themselves (what JSON gives)
_TO_JSON = json.JSONEncoder(separators=(",", ":")).encode  # made once: json.dumps with options makes one per call
_FROM_JSON = json.JSONDecoder().decode


class WireError(ValueError):
    """A frame or a value that is not allowed plain data."""


class Timeout(Exception):
    """No complete frame arrived before the deadline."""


class Closed(Exception):
    """The other side closed the pipe."""


def _dtype_tag(array):
    """The wire tag of ``array``'s dtype (little-endian). Trusts the array; checks the dtype is on the allow-list."""
    dtype = array.dtype.newbyteorder("<") if array.dtype.byteorder == ">" else array.dtype
    tag = dtype.str
    if tag not in DTYPES:
        raise WireError(f"arrays of dtype {array.dtype} cannot cross the wire; use a numeric or bool dtype.")
    return tag


class Encoder:
    """Encode one frame's values; ``other(obj)`` returns the tag for anything not plain data."""

    def __init__(self, other=None, same=None, alias=False):
        """Trusts its caller's ``other``, ``same`` and ``alias``; checks nothing."""
        self.other = other
        self.same = dict(same or {})  # id(obj) -> k: emit {"$same": k} for these objects
        self.alias = alias  # True: a container met twice is sent once, then as {"$same": k}
        self.chunks = []
        self.size = 0
        self.seen = []  # containers and arrays in pre-order (the decoder's table, on this side)

    def _blob(self, data):
        """Append ``data`` to the blob and return its offset. Trusts the bytes; checks the blob stays under MAX_BLOB."""
        offset = self.size
        self.chunks.append(data)
        self.size += len(data)
        if self.size > MAX_BLOB:
            raise WireError(f"more than {MAX_BLOB >> 20} MB of array data in one message.")
        return offset

    def _saw(self, obj):
        """Record a container or array in pre-order (for $same). Trusts the object; checks nothing."""
        if self.alias:
            self.same[id(obj)] = len(self.seen)
        self.seen.append(obj)

    def encode(self, obj, depth=0):
        """The JSON-ready tag of ``obj``. Trusts nothing of the value: checks depth, types, dtypes, dimensions and
        dict keys, and hands anything not plain data to ``other`` (else WireError)."""
        if depth > MAX_DEPTH:
            raise WireError(f"values nested deeper than {MAX_DEPTH} levels cannot cross the wire.")
        if type(obj) in PLAIN:  # exact str, int, float, bool, None: themselves (subclasses go on below)
            return obj
        if id(obj) in self.same and isinstance(obj, (list, tuple, dict, np.ndarray)):
            return {"$same": self.same[id(obj)]}
        if isinstance(obj, np.ndarray):
            self._saw(obj)
            tag = _dtype_tag(obj)
            if obj.ndim > MAX_NDIM:
                raise WireError(f"arrays of more than {MAX_NDIM} dimensions cannot cross the wire.")
            raw = (obj if obj.dtype.str == tag else obj.astype(tag)).tobytes()  # tobytes: C order, any layout
            return {"$nd": [tag, list(obj.shape), self._blob(raw), len(raw)]}
        if obj is None or isinstance(obj, (bool, str)):
            return obj
        if isinstance(obj, np.generic):
            if isinstance(obj, (np.bool_, np.integer, np.floating)):
                data = np.asarray(obj)
                tag = _dtype_tag(data)
                raw = data.astype(tag).tobytes()
                return {"$sc": [tag, self._blob(raw), len(raw)]}
            raise WireError(f"numpy scalars of type {type(obj).__name__} cannot cross the wire.")
        if isinstance(obj, int):
            return int(obj)
        if isinstance(obj, float):
            return float(obj)
        if isinstance(obj, np.random.Generator) and type(obj.bit_generator) is np.random.PCG64:
            self._saw(obj)
            state = obj.bit_generator.state
            return {"$rng": [int(state["state"]["state"]), int(state["state"]["inc"]), int(state["has_uint32"]),
                             int(state["uinteger"])]}
        if type(obj) in (list, tuple):
            self._saw(obj)
            return {"$l" if type(obj) is list else "$t": [self.encode(x, depth + 1) for x in obj]}
        if type(obj) is dict:
            self._saw(obj)
            for key in obj:
                if not isinstance(key, KEY_TYPES):
                    raise WireError(f"dict keys must be str, int, float, bool or None, got {type(key).__name__}.")
            return {"$d": [[key, self.encode(value, depth + 1)] for key, value in obj.items()]}
        if self.other is not None:
            return self.other(obj)
        raise WireError(f"a {type(obj).__name__} cannot cross the wire; use plain data (numbers, strings, lists, "
                        "dicts, numpy arrays).")

    def blob(self):
        """The frame's array bytes. Trusts what encode appended; checks nothing."""
        return b"".join(self.chunks)


class Decoder:
    """Decode and validate one frame's values; ``handle(tag, value)`` resolves $obj, $fn and $same."""

    def __init__(self, blob, handle=None):
        """Trusts nothing of ``blob`` (decode checks every range); ``handle`` is the caller's."""
        self.blob = blob
        self.handle = handle
        self.nodes = 0
        self.decoded = 0  # bytes of arrays and scalars made so far: at most len(blob)
        self.table = []  # containers and arrays in pre-order, as decoded

    def _bytes(self, offset, nbytes):
        """The blob's bytes [offset, offset + nbytes). Trusts nothing: checks the range, and that all the
        arrays of the message together take no more bytes than its blob (each byte is decoded once)."""
        if not (isinstance(offset, int) and isinstance(nbytes, int)) or offset < 0 or nbytes < 0 \
                or offset + nbytes > len(self.blob):
            raise WireError("an array points outside the message's data.")
        self.decoded += nbytes
        if self.decoded > len(self.blob):
            raise WireError("a message whose arrays decode to more bytes than it carries (shared data).")
        return self.blob[offset: offset + nbytes]

    @staticmethod
    def _dtype(tag):
        """The numpy dtype of wire tag ``tag``. Trusts nothing: checks it is an allowed dtype string."""
        if not isinstance(tag, str) or tag not in DTYPES:
            raise WireError(f"dtype {tag!r} is not allowed on the wire.")
        return DTYPES[tag]

    def decode(self, node, depth=0):
        """The value of JSON ``node``. Trusts nothing: checks the tags, node count, depth, string lengths, shapes,
        sizes and blob ranges (see the module docstring); $obj, $fn and $same only through ``handle``."""
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise WireError(f"a message with more than {MAX_NODES} values.")
        if depth > MAX_DEPTH:
            raise WireError(f"values nested deeper than {MAX_DEPTH} levels.")
        if node is None or isinstance(node, (bool, int, float)):
            return node
        if isinstance(node, str):
            if len(node) > MAX_STRING:
                raise WireError(f"a string longer than {MAX_STRING} characters.")
            return node
        if not (isinstance(node, dict) and len(node) == 1):
            raise WireError("a raw JSON list or object where a tagged value was expected.")
        (tag, value), = node.items()
        if tag in ("$l", "$t"):
            if not isinstance(value, list):
                raise WireError(f"{tag} holds a {type(value).__name__}, not a list.")
            out = []
            slot = len(self.table)
            self.table.append(out)
            out.extend(self.decode(x, depth + 1) for x in value)
            if tag == "$t":
                out = tuple(out)
                self.table[slot] = out
            return out
        if tag == "$d":
            if not isinstance(value, list):
                raise WireError("$d holds no list of pairs.")
            out = {}
            self.table.append(out)
            for pair in value:
                if not (isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], KEY_TYPES)):
                    raise WireError("a dict entry that is not a [key, value] pair with a plain key.")
                if isinstance(pair[0], str) and len(pair[0]) > MAX_STRING:
                    raise WireError("a dict key longer than the string limit.")
                out[pair[0]] = self.decode(pair[1], depth + 1)
            return out
        if tag == "$nd":
            if not (isinstance(value, list) and len(value) == 4 and isinstance(value[1], list)):
                raise WireError("a malformed array.")
            dtype, shape, offset, nbytes = self._dtype(value[0]), value[1], value[2], value[3]
            if len(shape) > MAX_NDIM or not all(type(n) is int and n >= 0 for n in shape):  # bool is not int here
                raise WireError(f"an array shape {shape!r} that is not a list of at most {MAX_NDIM} sizes.")
            count = math.prod(shape)  # exact integers (np.prod would wrap around, or cost a ufunc call)
            if count * dtype.itemsize != nbytes:
                raise WireError(f"an array of shape {shape} and dtype {dtype} does not have {nbytes} bytes.")
            array = np.frombuffer(self._bytes(offset, nbytes), dtype=dtype).reshape(shape).copy()
            self.table.append(array)
            return array
        if tag == "$rng":
            if not (isinstance(value, list) and len(value) == 4 and all(isinstance(v, int) and 0 <= v < 2**128 for v in value)):
                raise WireError("a malformed random generator state.")
            bits = np.random.PCG64()
            bits.state = {"bit_generator": "PCG64", "state": {"state": value[0], "inc": value[1]},
                          "has_uint32": value[2] & 1, "uinteger": value[3] & 0xFFFFFFFF}
            out = np.random.Generator(bits)
            self.table.append(out)
            return out
        if tag == "$sc":
            if not (isinstance(value, list) and len(value) == 3):
                raise WireError("a malformed numpy scalar.")
            dtype = self._dtype(value[0])
            if value[2] != dtype.itemsize:
                raise WireError("a numpy scalar of the wrong size.")
            return np.frombuffer(self._bytes(value[1], value[2]), dtype=dtype)[0]
        if tag in ("$obj", "$fn", "$same"):
            if not (isinstance(value, int) and not isinstance(value, bool) and value >= 0):
                raise WireError(f"{tag} needs a non-negative integer id.")
            if self.handle is None:
                raise WireError(f"{tag} is not allowed in this message.")
            return self.handle(tag, value)
        raise WireError(f"unknown tag {tag!r} on the wire.")


def write_frame(fd, header, blob=b""):
    """Write one frame: ``header`` (a dict of JSON-ready values) and ``blob``."""
    data = _TO_JSON(header).encode()
    if len(data) > MAX_JSON or len(blob) > MAX_BLOB:
        raise WireError("a message above the frame size caps.")
    view = memoryview(HEADER.pack(len(data), len(blob)) + data + blob)
    while view:
        written = os.write(fd, view)
        view = view[written:]


class Reader:
    """The frames of one pipe, in order.

    With ``ahead`` (READ_AHEAD, for a pipe that only this reader reads), each read takes whatever the pipe holds,
    up to ``ahead`` bytes more than the frame needs, and keeps the bytes past the frame for the next one: a small
    frame, written at once, costs one wait and one read. Without it (the default), a read takes exactly the bytes
    of one frame and leaves the rest in the pipe (one-off reads by a fresh Reader, as ``read_frame``)."""

    def __init__(self, fd, ahead=0):
        """Trusts its caller's fd; reads nothing yet."""
        self.fd, self.ahead = fd, ahead
        self.pending = b""  # bytes read past the last frame (at most ``ahead``)

    def _take(self, n, deadline, alive):
        """Exactly ``n`` bytes, the kept ones first. Trusts nothing of the writer: checks the deadline before each
        wait (Timeout) and that the writer is alive and the pipe open (Closed); bytes already here need no wait."""
        chunks, left = [], n
        if self.pending:
            chunks.append(self.pending[:n])
            self.pending = self.pending[n:]
            left -= len(chunks[0])
        while left:
            if deadline is not None or alive is not None:
                wait = None if deadline is None else deadline - time.monotonic()
                if wait is not None and wait <= 0:
                    raise Timeout()
                ready, _, _ = select.select([self.fd], [], [], 0.25 if alive else wait)
                if not ready:
                    if alive is not None and not alive():
                        raise Closed()
                    continue
            chunk = os.read(self.fd, max(min(left, 1 << 20), self.ahead))
            if not chunk:
                raise Closed()
            if len(chunk) > left:
                chunk, self.pending = chunk[:left], chunk[left:]
            chunks.append(chunk)
            left -= len(chunk)
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)

    def read_frame(self, deadline=None, alive=None):
        """Return (header dict, blob) of the next frame.

        ``deadline`` is a time.monotonic() value or None; ``alive()``, checked while waiting,
        says whether the writer still runs (Closed when it does not, even if the pipe stays open).
        """
        json_len, blob_len = HEADER.unpack(self._take(HEADER.size, deadline, alive))
        if json_len > MAX_JSON or blob_len > MAX_BLOB:
            raise WireError(f"a frame announcing {json_len} + {blob_len} bytes, above the caps.")
        if blob_len <= SMALL_BLOB:  # one wait and one read for the rest of the frame (written at once), one copy
            rest = self._take(json_len + blob_len, deadline, alive)
            data, blob = rest[:json_len], rest[json_len:]
        else:  # a large blob is read into its own bytes (no second copy of it)
            data = self._take(json_len, deadline, alive)
            blob = self._take(blob_len, deadline, alive)
        return _header(data), blob


def read_frame(fd, deadline=None, alive=None):
    """The next frame of ``fd``, reading exactly its bytes (see Reader)."""
    return Reader(fd).read_frame(deadline, alive)


def _header(data):
    """The JSON header of a frame. Trusts nothing: checks it is JSON (UTF-8), an object, with a string ``op``."""
    try:
        header = _FROM_JSON(data.decode())  # UTF-8 (the encoders write ASCII); UnicodeDecodeError is a ValueError
    except (ValueError, RecursionError) as error:
        raise WireError(f"a frame that is not JSON ({type(error).__name__}).") from None
    if not isinstance(header, dict) or not isinstance(header.get("op"), str):
        raise WireError("a frame without an op.")
    return header
