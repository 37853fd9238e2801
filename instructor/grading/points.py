"""The reviewed points file, instructor/points.toml: limits and the items students earn points on.

An item is one of three kinds, chosen by the key it has:

    tests = [patterns]    node ids of the instructor's tests (public and hidden);
                          '*' matches anything, nothing else is special;
                          credit = points * passed / tests matched in the reference tree
      gate = [patterns]   with tests: tests that must all pass, else the item scores 0
                          (e.g. the speed check of a "vectorized" item)
      file = "path"       with tests: the graded .py file the item grades
      trusted = [names]   with tests: "cs231n_lib.<module>.<function>" of other items
                          that this item's tests call; in them the instructor's
                          version stands in for the student's (instructor/grading/stand_ins.py),
                          so a fault, or a function an earlier release did not ask
                          for, costs only the items that own it
    notebook = "path"     the result of the notebook's solution cell, run in the jail and
                          recomputed on the trusted side (instructor/grading/nbchecks.py);
                          all or nothing: every check must pass
    answers = [paths]     the inline questions of these notebooks are answered (not the
                          placeholder, not trivially short, not a copy of the question);
                          credit = points * answered / questions

Any item may set ``visibility``, when Gradescope shows it to the student:
"visible" (the default), "hidden", "after_due_date" or "after_published".
"""

import re
from dataclasses import dataclass
from pathlib import Path

from . import stand_ins

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    try:
        import tomli as tomllib
    except ModuleNotFoundError:
        tomllib = None

KINDS = ("tests", "notebook", "answers")
LIMIT_KEYS = {"call_timeout", "budget", "cell_timeout", "memory_mb"}
ITEM_KEYS = {"id", "title", "points", "file", "gate", "trusted", "visibility", *KINDS}
VISIBILITY = ("visible", "hidden", "after_due_date", "after_published")  # Gradescope's values
ID = re.compile(r"^[a-z0-9_]+$")


def node_pattern(text):
    """Compile a node-id pattern: '*' matches anything, every other character itself."""
    return re.compile(".*".join(re.escape(part) for part in text.split("*")))


class PointsError(ValueError):
    """The points file is malformed; the message names the item and what to fix."""


@dataclass(frozen=True)
class Item:
    id: str
    title: str
    points: float
    kind: str
    targets: tuple  # node-id patterns, or notebook paths
    file: str = ""  # tests items: the graded .py file they grade
    gate: tuple = ()  # tests items: patterns of tests that must all pass, or the item scores 0
    visibility: str = "visible"  # when Gradescope shows the item (VISIBILITY)
    trusted: tuple = ()  # tests items: "cs231n_lib.<module>.<function>" run as the reference in its tests

    def matches(self, nodeid):
        """True when ``nodeid`` matches one of this tests item's patterns."""
        return any(node_pattern(p).fullmatch(nodeid) for p in self.targets)


@dataclass(frozen=True)
class Points:
    limits: dict
    items: tuple

    @property
    def total(self):
        return sum(item.points for item in self.items)

    def select(self, only):
        """Return a copy keeping only the items whose ids are in ``only`` (all when empty)."""
        if not only:
            return self
        unknown = sorted(set(only) - {item.id for item in self.items})
        if unknown:
            known = ", ".join(item.id for item in self.items)
            raise PointsError(f"unknown item(s) {', '.join(unknown)}; pick from: {known}.")
        return Points(self.limits, tuple(item for item in self.items if item.id in only))


def _fail(where, problem):
    raise PointsError(f"{where}: {problem}; fix instructor/points.toml.")


def _item(raw, index):
    """Check one [[item]] table of points.toml (the instructor's, reviewed) and return its Item; one sentence
    naming the item and the key to fix on any problem, visibility included."""
    where = f"item {index} ({raw.get('id', 'no id')!r})"
    unknown = set(raw) - ITEM_KEYS
    if unknown:
        _fail(where, f"unknown key(s) {', '.join(sorted(unknown))} (allowed: {', '.join(sorted(ITEM_KEYS))})")
    if not isinstance(raw.get("id"), str) or not ID.match(raw["id"]):
        _fail(where, "'id' must be lowercase letters, digits and underscores")
    if not isinstance(raw.get("title"), str) or not raw["title"].strip():
        _fail(where, "'title' must be a non-empty string")
    points = raw.get("points")
    if isinstance(points, bool) or not isinstance(points, (int, float)) or points <= 0:
        _fail(where, f"'points' must be a positive number, got {points!r}")
    kinds = [kind for kind in KINDS if kind in raw]
    if len(kinds) != 1:
        _fail(where, f"give exactly one of {', '.join(KINDS)}")
    kind = kinds[0]
    targets = raw[kind]
    targets = [targets] if isinstance(targets, str) else targets
    if not targets or not all(isinstance(t, str) and t for t in targets):
        _fail(where, f"'{kind}' must be a non-empty string or list of strings")
    if kind == "notebook" and len(targets) != 1:
        _fail(where, "'notebook' names one notebook")
    if (kind == "tests") != isinstance(raw.get("file"), str):
        _fail(where, "a tests item needs 'file' (the graded .py file it grades); other items take none")
    gate = raw.get("gate", [])
    if not isinstance(gate, list) or not all(isinstance(g, str) and g for g in gate) or (gate and kind != "tests"):
        _fail(where, "'gate' must be a list of test patterns of a tests item")
    visibility = raw.get("visibility", "visible")
    if visibility not in VISIBILITY:
        _fail(where, f"'visibility' must be one of {', '.join(VISIBILITY)}, got {visibility!r}")
    trusted = raw.get("trusted", [])
    if not isinstance(trusted, list) or (trusted and kind != "tests"):
        _fail(where, "'trusted' must be a list of the functions a tests item's tests run as the reference")
    for dotted in trusted:
        try:
            stand_ins.split(dotted)
        except stand_ins.StandInError as error:
            _fail(where, f"'trusted': {error}")
    return Item(raw["id"], raw["title"], float(points), kind, tuple(targets), raw.get("file", ""), tuple(gate),
                visibility, tuple(trusted))


def load_points(path):
    """Read and check the points file at ``path``; return Points."""
    path = Path(path)
    if tomllib is None:
        raise PointsError("reading points.toml needs Python 3.11, or `pip install tomli` on Python 3.10.")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PointsError(f"{path} not found; restore instructor/points.toml.") from None
    except tomllib.TOMLDecodeError as error:
        raise PointsError(f"{path} is not valid TOML ({error}); fix instructor/points.toml.") from None
    limits = raw.get("limits", {})
    if set(limits) != LIMIT_KEYS or not all(
        isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0 for v in limits.values()
    ):
        _fail("[limits]", f"give exactly {', '.join(sorted(LIMIT_KEYS))}, each a positive number")
    items = tuple(_item(entry, i) for i, entry in enumerate(raw.get("item", []), start=1))
    if not items:
        _fail("[[item]]", "no items")
    ids = [item.id for item in items]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        _fail("[[item]]", f"duplicate id(s) {', '.join(duplicates)}")
    return Points(dict(limits), items)
