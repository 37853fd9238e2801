"""What a worker's reply may do on the trusted side: raise an exception, write back into an argument, warn.

Used by connection.py once a reply has been read and decoded by wire.py's allow-list. Each function trusts
nothing of the reply: classes come from the reference or from builtins, messages are capped, a write-back may
only write into what the request itself sent, with the original's type and shape.
"""

import builtins
import sys
import warnings

import numpy as np

from . import wire
from .faults import PUBLIC, exception_class, short
from .proxy import PACKAGE


def exception(reply, attrs, infos):
    """The exception to raise here for a worker's ``raise`` reply. Trusts nothing of it: the class is a graded
    module's own exception class only when the reference names it (``infos``: {module: its public names}), else one made by faults.exception_class
    (a builtin base); the message is capped; only public attributes are set."""
    module, type_name = reply.get("module"), reply.get("type")
    cls = None
    if module in infos and type_name in infos[module]:
        candidate = getattr(sys.modules.get(module), str(type_name), None)
        if isinstance(candidate, type) and issubclass(candidate, BaseException):
            cls = candidate
    cls = cls or exception_class(reply.get("base"), type_name)
    message = short(str(reply.get("message", "")), 2000)
    try:
        error = cls(message)
    except Exception:
        error = exception_class("RuntimeError", "RuntimeError")(message)
    for key, value in attrs.items():
        if isinstance(key, str) and PUBLIC.match(key):
            try:
                setattr(error, key, value)
            except Exception:
                pass
    return error

def write_back(seen, entry, fixed=frozenset()):
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

def warn(note):
    """Re-issue a warning the student's code raised. Trusts nothing of ``note``: checks its shape, that the
    category is a builtin Warning (else UserWarning), and uses the text only as a message."""
    if not (isinstance(note, list) and len(note) == 4):
        return
    category = getattr(builtins, str(note[0]), UserWarning)
    if not (isinstance(category, type) and issubclass(category, Warning)):
        category = UserWarning
    filename = str(note[2])
    module = f"{PACKAGE}.{filename[:-3]}" if filename.endswith(".py") else "student"
    warnings.warn_explicit(str(note[1]), category, filename, int(note[3]) if isinstance(note[3], int) else 0,
                           module=module)
