"""What crosses back from the student's worker when something goes wrong: faults, and exceptions made here.

A *fault* (``StudentFault``: the student's process hung, crashed or broke the
protocol) is a BaseException, so no ``except Exception`` of a test hides it.
An exception the student's code raised comes back as a class made here
(``exception_class``): a subclass of the builtin of the same base and of
``StudentError``, named after the remote type only when the name is public.
Nothing here imports anything of the grader: the proxies (proxy.py), the
connection (connection.py) and the plugin (plugin.py) all build on it.
"""

import builtins
import re

import numpy as np

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
PUBLIC = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,99}$")


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
    Trusts the test's arguments; checks at most 10,000 arrays deep."""
    found = set() if found is None else found
    for value in values:
        if isinstance(value, np.ndarray):
            found.add(id(value))
        elif isinstance(value, (list, tuple)) and len(found) < 10000:
            fixed_arrays(value, found)
    return frozenset(found)


_EXCEPTIONS = {}


def exception_class(base_name, type_name):
    """The local class of a student exception: trusts nothing of the names. Checks that ``base_name`` is a
    builtin Exception class (else RuntimeError) and that ``type_name`` is public (else the base's name)."""
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


def short(text, limit):
    """``text`` without ANSI escapes, stripped and capped at ``limit`` characters. Trusts nothing of it; checks
    only its length."""
    text = ANSI.sub("", text).strip()
    return text if len(text) <= limit else text[: limit - 3] + "..."
