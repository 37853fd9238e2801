"""Write a grading result: report.md (for the student), report.json (for machines),
results.json (Gradescope's autograder format) and the gradebook CSV.

A result is a plain dict built by instructor/grading/grade.py:

    {"submission": name, "status": "graded" | "rejected", "score": x, "max_score": y,
     "execution_time": seconds, "notes": [sentence, ...],
     "items": [{"id", "title", "score", "max_score", "passed", "total",
                "failures": [{"name", "message"}, ...]}, ...]}

Failure messages were already cut short by the grader; hidden tests appear
by name and message only, never by source. Every string that can come from a
student (names, exception messages, notes) is capped and escaped here: in
report.md as inline text (no HTML, no table breaks, no links), in the CSV
with a leading quote on cells that a spreadsheet would read as a formula.
Each report folder is named after its entry, folder-safe (``report_names``).
"""

import csv
import json
import os
import re
import tempfile
import unicodedata
from pathlib import Path

from ..release.tree import replace_dir

MAX_FAILURES_SHOWN = 8
MAX_TEXT = 500
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_{}[]<>()#+-.!|~"})
# Characters a terminal, an editor or a browser acts on or hides rather than shows: control characters (a
# terminal's escape sequences, backspace, bell), format characters (bidirectional overrides, zero-width
# spaces) and lone surrogates (which no UTF-8 file can hold: writing one fails).
_UNSHOWN = frozenset(("Cc", "Cf", "Cs"))
REPLACEMENT = "\ufffd"


def visible(text, keep=""):
    """``text`` with each character of _UNSHOWN (except those in ``keep``) replaced by U+FFFD, one for one (offsets
    stay). Trusts nothing of the text: what a student wrote can neither rewrite an instructor's terminal, reorder
    what a report shows, nor stop a report from being written."""
    return "".join(REPLACEMENT if c not in keep and unicodedata.category(c) in _UNSHOWN else c for c in text)


def md(text, limit=MAX_TEXT):
    """Student-controlled ``text`` as safe inline markdown: one line, capped, every markup character escaped."""
    text = " ".join(str(text).split())
    text = text if len(text) <= limit else text[: limit - 3] + "..."
    return visible(text).translate(_MD_SPECIAL)


def csv_cell(value, limit=200):
    """A CSV cell that no spreadsheet runs as a formula (CWE-1236): quoted with ' when it could start one; shown
    characters only (``visible``)."""
    text = visible(str(value)[:limit].replace("\n", " "))
    try:
        float(text)
        return text  # plain numbers, including negative ones, stay numbers
    except ValueError:
        pass
    return "'" + text if text.startswith(FORMULA_START) else text


def fmt(x):
    """Format points: 3, 2.5, 1.33."""
    return f"{x:.2f}".rstrip("0").rstrip(".")


def _failure_lines(item):
    """report.md's lines for an item's failures (at most MAX_FAILURES_SHOWN). Trusts nothing of the names and
    messages: each goes through md()."""
    shown = item["failures"][:MAX_FAILURES_SHOWN]
    lines = [f"- {md(f['name'], 200)}: {md(f['message'])}" if f["message"] else f"- {md(f['name'], 200)}" for f in shown]
    hidden = len(item["failures"]) - len(shown)
    if hidden > 0:
        lines.append(f"- ... and {hidden} more")
    return lines


def markdown(result):
    """Return report.md: the score, the entry it was graded from (when its name changed), notes, a table of
    questions, then what failed. Every student-controlled string goes through md()."""
    lines = [
        f"# Grade report: {md(result['submission'], 100)}",
        "",
        f"**Score: {fmt(result['score'])} / {fmt(result['max_score'])}**",
        "",
    ]
    if result.get("entry") and result["entry"] != result["submission"]:
        lines += [f"Submitted as: {md(result['entry'], 200)}", ""]
    if result["notes"]:
        lines += ["Notes:", ""] + [f"- {md(note)}" for note in result["notes"]] + [""]
    if result["items"]:
        lines += ["| Question | Points | Checks passed |", "|---|---|---|"]
        lines += [
            f"| {md(item['title'], 200)} | {fmt(item['score'])} / {fmt(item['max_score'])} | {fmt(item['passed'])} / {item['total']} |"
            for item in result["items"]
        ]
    failed = [item for item in result["items"] if item["failures"]]
    if failed:
        lines += ["", "## What failed"]
        for item in failed:
            lines += ["", f"### {md(item['title'], 200)} ({fmt(item['score'])} / {fmt(item['max_score'])})", ""]
            lines += _failure_lines(item)
    return "\n".join(lines) + "\n"


def gradescope(result):
    """Return the results.json dict of Gradescope's autograder specification.

    Every output is markdown (``output_format`` "md", at the top and per test) built from escaped text
    (``md``), so a student's exception message or note can add no HTML, link or markup anywhere. Each
    test's visibility is its item's (points.toml ``visibility``, default visible).
    """
    tests = [
        {
            "name": item["title"],
            "score": item["score"],
            "max_score": item["max_score"],
            "output": "\n".join(_failure_lines(item)) or f"All {item['total']} checks passed.",
            "output_format": "md",
            "visibility": item.get("visibility", "visible"),
        }
        for item in result["items"]
    ]
    output = "\n".join(f"- {md(n)}" for n in result["notes"]) or "Graded; see each question below."
    return {
        "score": result["score"],
        "execution_time": round(result["execution_time"]),
        "output": output,
        "output_format": "md",
        "test_output_format": "md",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }


def write_reports(result, folder):
    """Write report.md, report.json and results.json into ``folder``, replacing it whole."""
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.tmp-", dir=folder.parent))
    try:
        (tmp / "report.md").write_text(markdown(result), encoding="utf-8")
        (tmp / "report.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        (tmp / "results.json").write_text(json.dumps(gradescope(result), indent=2) + "\n", encoding="utf-8")
        replace_dir(tmp, folder)
    finally:
        if tmp.exists():
            for name in os.listdir(tmp):
                os.remove(tmp / name)
            tmp.rmdir()


def write_gradebook(results, item_ids, path):
    """Write one CSV row per result: submission (its report folder), status, a column per item, total, max,
    and entry (the file or folder name it was graded from, which the submission name may have changed)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["submission", "status", *item_ids, "total", "max", "entry"])
        for result in sorted(results, key=lambda r: r["submission"]):
            scores = {item["id"]: fmt(item["score"]) for item in result["items"]}
            writer.writerow([csv_cell(v) for v in (
                result["submission"], result["status"], *(scores.get(i, "0") for i in item_ids),
                fmt(result["score"]), fmt(result["max_score"]), result.get("entry", result["submission"]),
            )])
    os.replace(tmp, path)


def submission_name(path):
    """Return a folder-safe name for the submission at ``path``. Trusts nothing of the name: checks each
    character (only letters, digits, dot, dash and underscore survive), no leading dot or dash, at most 80."""
    stem = Path(path).name
    stem = stem[:-4] if stem.lower().endswith(".zip") else stem
    return re.sub(r"[^A-Za-z0-9._-]", "_", stem).lstrip(".-")[:80] or "submission"


def report_names(entries):
    """{entry path: report folder name} for the entries of one ``grade-all`` folder, all different.

    Trusts nothing in the entries' names; checks each against the names taken. An entry whose name is already
    folder-safe keeps it; the others (and the second of 'alice.zip' and 'alice/') get ``name-N`` with the
    smallest N that is neither taken nor the folder-safe name of another entry, so a suffix never lands on
    another submission's row ('a b', 'a_b' and 'a_b-2' become a_b-3, a_b and a_b-2). Every report records its
    entry's real name."""
    bases = {entry: submission_name(entry) for entry in entries}
    stems = {entry: entry.name[:-4] if entry.name.lower().endswith(".zip") else entry.name for entry in entries}
    reserved = set(bases.values())
    names, taken = {}, set()
    for entry in sorted(entries, key=lambda e: (bases[e] != stems[e], e.name)):
        name, n = bases[entry], 1
        while name in taken or (n > 1 and name in reserved):
            n += 1
            name = f"{bases[entry]}-{n}"
        taken.add(name)
        names[entry] = name
    return names
