"""The graded modules' stand-ins on the trusted side: proxies whose functions, classes and objects live in the worker.

An import hook (``Finder``) makes ``cs231n_lib.<graded module>`` a
``ModuleProxy``: its public names, read from the reference's AST (never
executed), resolve to ``RemoteFunction``s and to local classes whose
instances (``RemoteInstance``) live in the worker. Every attribute access or
call goes through the running connection (connection.py), the one this
module holds for the run (``_STUDENT``, set by the plugin; ``student()``
hands it to hidden tests). Exception classes of the graded modules are local
classes with the reference's builtin bases.
"""

import ast
import builtins
import functools
import importlib.abc
import importlib.machinery
import types
from pathlib import Path

from .faults import PUBLIC, StudentFault

PACKAGE = "cs231n_lib"
_STUDENT = None  # the run's connection (connection.Student), set by the plugin at session start


# ------------------------------------------------------- the reference's shape


def module_info(path):
    """Read a graded module's public names from the instructor's source (its AST, never executed).

    Returns {name: ("function",) | ("class", [bases], [methods]) | ("data",)}. Trusts the reference (the
    instructor's file, never the student's); checks that every name is public."""
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
    """The graded modules, each after the graded modules it imports (leaves first). Trusts the reference's
    source (its AST); checks for cycles by never visiting a module twice."""
    deps = {}
    for name in modules:
        tree = ast.parse((Path(src) / (name.replace(".", "/") + ".py")).read_text(encoding="utf-8"))
        here = name.split(".")[:-1]  # the module's package: cs231n_lib, or a subpackage such as cs231n_lib.classifiers
        found = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and 0 < node.level <= len(here):
                base = ".".join(here[:len(here) - node.level + 1])
                target = f"{base}.{node.module}" if node.module else base
            elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(PACKAGE + "."):
                target = node.module
            else:
                continue
            found |= {target} | {f"{target}.{a.name}" for a in node.names}  # a name may be a submodule
        deps[name] = found & set(modules)
    order, done = [], set()

    def visit(name, stack=()):
        """Put ``name`` after its dependencies (a module already on ``stack`` is a cycle: skipped)."""
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
        """A handle: worker id ``oid`` of generation ``gen``, or a graded name's ``path``. Trusts its caller."""
        object.__setattr__(self, "_student", student)
        object.__setattr__(self, "_id", oid)
        object.__setattr__(self, "_gen", gen)
        object.__setattr__(self, "_path", path)  # (module, name, ...) for objects found again after a restart

    def __getattr__(self, name):
        """Public attributes only, fetched from the worker (dunder names never leave this side)."""
        if name.startswith("__"):
            raise AttributeError(name)
        return self._student.getattr(self, name)

    def __setattr__(self, name, value):
        """Set an attribute in the worker; the connection checks that the name is public."""
        self._student.setattr(self, name, value)

    def __call__(self, *args, **kwargs):
        """Call the object in the worker; the connection checks the reply."""
        return self._student.call(self, args, kwargs)

    def __repr__(self):
        """The object's path or id; nothing of the worker's text."""
        return f"<student object {'.'.join(self._path) if self._path else self._id}>"


class RemoteFunction(RemoteObject):
    """A graded module's function (found again by name after a worker restart)."""

    __slots__ = ()

    def __getattr__(self, name):
        """A graded function's name is the reference's (its path); other attributes come from the worker."""
        if name in ("__name__", "__qualname__"):
            return self._path[-1]
        return super().__getattr__(name)


class RemoteMethod:
    """A method of a remote class: calls ``Class.method(instance, ...)`` in the worker."""

    def __init__(self, module, cls, name):
        """The reference's method ``name`` of class ``cls`` of graded module ``module``. Trusts the reference."""
        self.path = (module, cls, name)
        self.__name__ = name

    def __get__(self, instance, owner):
        """The method bound to ``instance`` (its first argument), run in the worker by the run's connection."""
        target = RemoteFunction(_STUDENT, path=self.path)
        if instance is None:
            return target
        return functools.partial(target, instance)


class RemoteInstance:
    """Base of the trusted stand-ins for the graded modules' classes."""

    def __init__(self, *args, **kwargs):
        """Make the object in the worker and adopt it; a trusted subclass's public methods override the worker's.
        Trusts the test's arguments; checks that the worker's constructor returned an object (else StudentFault)."""
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
        """Public attributes only, read from the worker's object (dunders and ``_ref`` stay here)."""
        if name.startswith("__") or name == "_ref":
            raise AttributeError(name)
        return _STUDENT.getattr(self._ref, name)

    def __setattr__(self, name, value):
        """Set an attribute of the worker's object; the connection checks that the name is public."""
        _STUDENT.setattr(self._ref, name, value)


class ModuleProxy(types.ModuleType):
    """A graded module: its public names (from the reference's AST) resolve to proxies."""

    def __init__(self, name, info, student):
        """A graded module named ``name``: ``info`` is the reference's public names (module_info). Trusts both."""
        super().__init__(name)
        self.__dict__["_info"] = info
        self.__dict__["_student"] = student

    def __getattr__(self, name):
        """Resolve a graded name to a proxy. Checks that the name is one of the reference's public names; data
        is read from the worker on each access (as plain data)."""
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
        """The local class of graded class ``name``: an exception class with the reference's builtin bases, or a
        RemoteInstance with the reference's public methods. Trusts the reference's AST; checks that the bases are
        builtins or graded classes."""
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


class Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def __init__(self, student):
        """The import hook of one run. Trusts the connection's graded modules."""
        self.student = student

    def find_spec(self, fullname, path=None, target=None):
        """A spec for graded modules only; every other import is left to Python."""
        if fullname in self.student.infos:
            return importlib.machinery.ModuleSpec(fullname, self)
        return None

    def create_module(self, spec):
        """The graded module's proxy (nothing of the student's file is read here)."""
        return ModuleProxy(spec.name, self.student.infos[spec.name], self.student)

    def exec_module(self, module):
        """Nothing to run: the module is the proxy."""
        pass


def student():
    """The current grading run's connection to the student's worker (for hidden tests). Trusts the plugin's
    setting; checks that a run is under way."""
    if _STUDENT is None:
        raise RuntimeError("harness.student() is only available inside a grading run")
    return _STUDENT
