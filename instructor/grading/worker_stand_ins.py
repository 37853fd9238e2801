"""Stand-ins: the trusted version of another item's function put where the student's package holds it.

Runs inside the jail, in the worker (worker_serve.Worker inherits StandIns). A stand-in
(``substitute``) replaces a graded module's function wherever the package's modules
hold it (module globals, the package's re-exports, class attributes and staticmethods,
module-level dicts such as a registry of update rules), or adds it where the student's
file lacks it: a test whose subject is another item then runs on the trusted version
of this one. The trusted callable is a callback ({"$fn": id}) into the grader.
"""

import sys
import types


class StandIns:
    """The ``substitute`` and ``restore`` requests. Needs ``self.config`` and ``self.undo`` (worker_serve.Worker)."""

    def substitute(self, module_name, name, stand_in):
        """Put ``stand_in`` (a trusted callable) wherever the graded modules hold ``module_name.name``.

        Trusts nothing: the module must be a graded one and the name one of its public names (the config's
        allow-list); the student's own objects are only re-pointed, never called.
        """
        if module_name not in self.config["modules"] or not isinstance(name, str) \
                or name not in self.config["modules"][module_name]:
            raise AttributeError(f"{module_name}.{name} is not a graded function")
        if not callable(stand_in):
            raise TypeError("a stand-in must be callable")
        package = self.config.get("package", "cs231n_lib")
        holders = [module for key, module in list(sys.modules.items())  # the given modules too (layer_utils)
                   if (key == package or key.startswith(package + ".")) and isinstance(module, types.ModuleType)]
        home = sys.modules.get(module_name)
        original = getattr(home, name, None) if home is not None else None
        if original is not None:
            for module in holders:
                self._replace_in(module, original, stand_in)
        if home is not None:
            self._set(home, name, stand_in, setattr, delattr)

    def _replace_in(self, module, original, stand_in):
        """Re-point the references to ``original`` that ``module`` holds: globals, its classes' attributes
        (staticmethods included) and the values of its module-level dicts."""
        for key, value in list(vars(module).items()):
            if value is original:
                self._set(module, key, stand_in, setattr, delattr)
            elif isinstance(value, type) and getattr(value, "__module__", None) == module.__name__:
                for attr, member in list(vars(value).items()):
                    if member is original:
                        self._set(value, attr, stand_in, setattr, delattr)
                    elif isinstance(member, staticmethod) and member.__func__ is original:
                        self._set(value, attr, staticmethod(stand_in), setattr, delattr)
            elif isinstance(value, dict) and not key.startswith("__"):
                for k, v in list(value.items()):
                    if v is original:
                        self._set(value, k, stand_in, dict.__setitem__, dict.__delitem__)

    def _set(self, holder, key, value, setter, deleter):
        """Set ``holder[key]`` (or its attribute) to ``value``, recording the undo. Trusts its caller."""
        getter = (lambda: holder[key]) if isinstance(holder, dict) else (lambda: holder.__dict__[key])
        try:
            before = (True, getter())
        except KeyError:
            before = (False, None)
        setter(holder, key, value)
        self.undo.append((holder, key, before, setter, deleter))

    def restore(self):
        """Take every stand-in out again, newest first (the student's objects back where they were)."""
        while self.undo:
            holder, key, (existed, original), setter, deleter = self.undo.pop()
            if existed:
                setter(holder, key, original)
            else:
                deleter(holder, key)
