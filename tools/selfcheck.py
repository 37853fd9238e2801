"""Check yourself, one question at a time: ``make check Q=svm_vectorized``.

    python tools/selfcheck.py                 # list the questions, in the notebooks' order
    python tools/selfcheck.py QUESTION ...    # run only their public tests, one verdict per test

The questions are the ones of the grade report. In the release their public
tests come from tests/questions.json, generated from the instructor's points
file (never edit it); in the instructor's tree they are derived from
instructor/points.toml directly. The tests run in a fresh Python process, so
they see the files as saved on disk (save your edits first), not what a
notebook kernel imported earlier.

The same module is a pytest plugin (``-p selfcheck``, tools/ on PYTHONPATH):

    --by-question   the release's `make test`: quiet progress, a notebook stops
                    at its first failing cell (later cells are skipped, not
                    failed in a cascade), then a summary by question (done /
                    not started / failing with the first message) and what to
                    do next, in the notebooks' order
    --selfcheck-out FILE, --selfcheck-select ID[,ID...]
                    (used by this script) write every outcome as JSON to FILE,
                    keep only the tests of these questions

Colour codes are printed only to a terminal. Needs only the standard library
and pytest.
"""

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from notebook_cells import cell_label  # noqa: E402  (tools/ is not a package)

REPO = Path(__file__).resolve().parents[1]
MAP_PATH = "tests/questions.json"
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
UNANSWERED = "YOUR ANSWER HERE"
MESSAGE_CHARS = 300
NUMPY_HEADERS = ("Not equal to tolerance", "Arrays are not equal", "Arrays are not almost equal")


class QuestionError(ValueError):
    """An unknown question name or an unreadable question map; the message says what to do."""


# ------------------------------------------------------------ the question map


def load_questions(repo=REPO):
    """Return the questions (list of dicts, course order) of the tree at ``repo``."""
    path = Path(repo) / MAP_PATH
    if path.is_file():
        try:
            return json.loads(path.read_text(encoding="utf-8"))["questions"]
        except (ValueError, KeyError) as error:
            raise QuestionError(f"{MAP_PATH} is not a valid question map ({error}); restore it from the "
                                f"release zip.") from None
    if (Path(repo) / "instructor" / "points.toml").is_file():  # the instructor's tree
        sys.path.insert(0, str(repo))
        from instructor.grading.points import load_points
        from instructor.release.questions import build_question_map

        return build_question_map(load_points(Path(repo) / "instructor" / "points.toml"))["questions"]
    raise QuestionError(f"{MAP_PATH} is missing; restore it from the release zip.")


def find_question(questions, name):
    """Return the question called ``name``, or raise QuestionError listing the names."""
    for question in questions:
        if question["id"] == name:
            return question
    names = ", ".join(q["id"] for q in questions)
    raise QuestionError(f"there is no question {name!r}; pick one of: {names}.")


def node_pattern(text):
    """Compile a node-id pattern: '*' matches anything, every other character itself."""
    return re.compile(".*".join(re.escape(part) for part in text.split("*")))


def matches(question, nodeid):
    """True when test ``nodeid`` is one of ``question``'s public tests."""
    return any(node_pattern(p).fullmatch(nodeid) for p in question.get("tests", ()))


# ------------------------------------------------------------------ outcomes


def _first_line(text):
    for line in ANSI.sub("", text or "").splitlines():
        if line.strip():
            line = line.strip()
            return line if len(line) <= MESSAGE_CHARS else line[: MESSAGE_CHARS - 3] + "..."
    return ""


def _exception_line(traceback_text):
    """The 'Name: message' line of a kernel traceback (its last line that looks like one)."""
    lines = [line.strip() for line in ANSI.sub("", traceback_text or "").splitlines() if line.strip()]
    for line in reversed(lines):
        if re.match(r"^[A-Za-z_][\w.]*(Error|Exception|Interrupt|Warning|Exit)\b", line):
            return _first_line(line)
    return _first_line(lines[-1]) if lines else ""


def _is_nbval_cell(item):
    return type(item).__name__ == "IPyNbCell" and hasattr(item, "cell")


def _cell_number(item):
    """1-based position of an nbval item's cell among all the notebook's cells."""
    cells = getattr(item.parent, "nb", None)
    cells = cells.cells if cells is not None else []
    for number, cell in enumerate(cells, start=1):
        if cell is item.cell:
            return number
    return item.cell_num + 1


def _outcome(item, call, report):
    """The JSON-able record of one test or notebook cell."""
    record = {"nodeid": item.nodeid, "outcome": report.outcome, "when": report.when}
    if _is_nbval_cell(item):
        record["notebook"] = os.path.relpath(str(item.fspath), str(item.config.rootpath))
        record["cell"] = cell_label(_cell_number(item), item.cell.source)
    excinfo = call.excinfo
    if excinfo is None or report.outcome == "passed":
        return record
    if report.skipped:
        record["message"] = _first_line(str(getattr(excinfo.value, "msg", excinfo.value)))
        return record
    error = excinfo.value
    if _is_nbval_cell(item):
        message = _exception_line(getattr(error, "inner_traceback", "") or "") or _first_line(str(error))
        record["exception"] = message.split(":")[0]
        record["message"] = message
        return record
    record["exception"] = type(error).__name__
    text = str(error)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) > 1 and lines[0].startswith(NUMPY_HEADERS):  # np.testing puts err_msg on line 2
        text = f"{lines[1]} ({lines[0]})"
    record["message"] = f"{type(error).__name__}: {_first_line(text)}".rstrip(": ")
    where = []
    for entry in excinfo.traceback:
        path = os.path.relpath(str(entry.path), str(item.config.rootpath))
        where.append(f"{path}:{entry.lineno + 1}")
    record["library_lines"] = [w for w in where if w.startswith("cs231n_lib")]
    tests = [w for w in where if w.startswith("tests")]
    record["test_line"] = tests[-1] if tests else (where[0] if where else "")
    return record


# ------------------------------------------------------------- the verdicts


def _counts(record):
    """True for the one record that gives a test's verdict: its call, or a failed set-up."""
    return record["when"] == "call" or record["outcome"] == "failed"


def question_status(question, records, repo=REPO):
    """Return (status, detail): status is 'done', 'not started', 'failing' or 'not run'."""
    if question["kind"] == "answers":
        missing = []
        for rel in question["notebooks"]:
            try:
                count = (Path(repo) / rel).read_text(encoding="utf-8").count(UNANSWERED)
            except OSError:
                count = 0
            if count:
                missing.append(f"{Path(rel).name}: {count}")
        if not missing:
            return "done", ""
        return "not started", "unanswered inline questions (YOUR ANSWER HERE) in " + ", ".join(missing)
    if question["kind"] == "notebook":
        cells = [r for r in records if r.get("notebook") == question["notebook"]]
        failed = [r for r in cells if r["outcome"] == "failed"]
        if not cells:
            return "not run", "the notebook was not run"
        if not failed:
            return "done", ""
        first = failed[0]
        status = "not started" if first.get("exception") == "NotImplementedError" else "failing"
        return status, f"stopped at {first['cell']}: {first.get('message', '')}"
    mine = [r for r in records if matches(question, r["nodeid"]) and _counts(r)]
    if not mine:
        return "not run", "none of its public tests ran"
    failed = [r for r in mine if r["outcome"] == "failed"]
    if not failed:
        return "done", ""
    real = [r for r in failed if r.get("exception") != "NotImplementedError"]
    if not real:  # input-validation tests pass on the stub: still not started
        return "not started", failed[0].get("message", "")
    first = (real or failed)[0]
    return "failing", f"{first['nodeid'].split('::')[-1]}: {first.get('message', '')}"


def next_step(question, status, detail):
    """One sentence: what to do next for a question that is not done."""
    if question["kind"] == "tests":
        where = f"{question['function']} in {question['file']}" if question.get("function") else question["file"]
        asked = f" ({Path(question['notebook']).name} asks for it)" if question.get("notebook") else ""
        verb = "implement" if status == "not started" else "fix"
        return f"{verb} {where}{asked}, then run: make check Q={question['id']}"
    if question["kind"] == "notebook":
        return (f"open {question['notebook']} in JupyterLab (make lab) and run it from the top; "
                f"it {detail}")
    return f"answer the inline questions: {detail}"


# ------------------------------------------------------------ pytest plugin


def pytest_addoption(parser):
    group = parser.getgroup("selfcheck", "the course's self-check (tools/selfcheck.py)")
    group.addoption("--by-question", action="store_true", default=False,
                    help="quiet run, notebooks stop at their first failing cell, summary by question")
    group.addoption("--selfcheck-out", default=None, help="write every outcome as JSON to this file")
    group.addoption("--selfcheck-select", default=None,
                    help="keep only the public tests of these questions (names separated by commas)")


def pytest_configure(config):
    global _COLOR_OFF
    if config.option.color == "auto" and not sys.stdout.isatty():
        config.option.color = "no"  # nbval colours its reports unless told 'no', even into a file
    _COLOR_OFF = config.option.color == "no"
    if config.getoption("by_question") or config.getoption("selfcheck_out"):
        config.pluginmanager.register(SelfCheck(config), "selfcheck-reporter")


def pytest_runtest_logreport(report):
    """Strip the kernel's colour codes from nbval's reports when colour is off."""
    if isinstance(report.longrepr, str) and _COLOR_OFF:
        report.longrepr = ANSI.sub("", report.longrepr)


_COLOR_OFF = False


class SelfCheck:
    """Records outcomes; stops a notebook at its first failing cell; prints the summary by question."""

    def __init__(self, config):
        self.config = config
        self.records = []
        self.stopped = {}  # notebook file -> label of the cell that failed
        self.by_question = config.getoption("by_question")
        self.out = config.getoption("selfcheck_out")
        self.select = config.getoption("selfcheck_select")
        if self.by_question:
            config.option.tbstyle = "no"
            config.option.reportchars = ""
            config.option.verbose = min(config.option.verbose, -1)

    def pytest_collection_modifyitems(self, session, config, items):
        if not self.select:
            return
        questions = load_questions(config.rootpath)
        chosen = [find_question(questions, name) for name in self.select.split(",")]
        keep = [item for item in items if any(matches(question, item.nodeid) for question in chosen)]
        config.hook.pytest_deselected(items=[item for item in items if item not in keep])
        items[:] = keep

    def pytest_runtest_setup(self, item):
        if _is_nbval_cell(item) and str(item.fspath) in self.stopped:
            pytest.skip(f"not run: the notebook stopped at {self.stopped[str(item.fspath)]}")

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        report = (yield).get_result()  # the final report, after xfail and the other plugins
        if report.when == "call" or report.outcome != "passed":
            self.records.append(_outcome(item, call, report))
            if _is_nbval_cell(item) and report.failed:
                self.stopped.setdefault(str(item.fspath), self.records[-1]["cell"])

    def pytest_sessionfinish(self, session, exitstatus):
        if self.out:
            tmp = f"{self.out}.tmp"
            with open(tmp, "w", encoding="utf-8") as f:
                json.dump(self.records, f)
            os.replace(tmp, self.out)

    def pytest_terminal_summary(self, terminalreporter):
        if not self.by_question:
            return
        try:
            questions = load_questions(self.config.rootpath)
        except QuestionError as error:
            terminalreporter.write_line(f"(no summary by question: {error})")
            return
        write = terminalreporter.write_line
        write("")
        write("Your work, question by question (in the notebooks' order):")
        todo = []
        for question in questions:
            status, detail = question_status(question, self.records, self.config.rootpath)
            line = f"  {status:<12} {question['id']:<20} {question['title']}"
            write(line)
            if status in ("failing", "not run") or status == "not started" and question["kind"] != "tests":
                write(f"  {'':<12} {'':<20} {detail}")  # a stub's message adds nothing to 'not started'
            if status in ("failing", "not started"):
                todo.append((question, status, detail))
        notebooks = {question["notebook"] for question in questions if question.get("notebook")}
        others = [r for r in self.records if r["outcome"] == "failed" and r.get("notebook") not in notebooks
                  and not any(matches(question, r["nodeid"]) for question in questions)]
        if others:  # the instructor's own tests, the release's checks: no question of a student's
            write("")
            write(f"Failed, outside every question ({len(others)}; rerun one with pytest -x <test> for its traceback):")
            for record in others:
                write(f"  {record['nodeid']}")
                if record.get("message"):
                    write(f"      {record['message']}")
        if todo:
            question, status, detail = todo[0]  # the first in the notebooks' order
            write("")
            write(f"Next: {next_step(question, status, detail)}")
            write("Details of one question: make check Q=<question>; a notebook's own messages: make run.")
        elif not others and all(question_status(q, self.records, self.config.rootpath)[0] == "done" for q in questions):
            write("")
            write("Everything is done. Hand it in with: make submit")


# -------------------------------------------------------------- the command


def run_questions(questions, repo=REPO, python=sys.executable):
    """Run the public tests of ``questions`` in one fresh process; return the list of outcome records."""
    files = sorted({p.split("::")[0] for question in questions for p in question["tests"]})
    files = ["tests"] if any("*" in f for f in files) else files
    fd, out = tempfile.mkstemp(prefix="selfcheck-", suffix=".json")
    os.close(fd)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(Path(repo) / "tools"), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    names = ",".join(question["id"] for question in questions)
    command = [python, "-m", "pytest", *files, "-p", "selfcheck", "--selfcheck-out", out,
               "--selfcheck-select", names, "-q", "--tb=no", "-rN", "--no-header",
               "-p", "no:cacheprovider", "-p", "no:nbval", "-o", "addopts=", "--color=no"]
    try:
        result = subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True)
        records = json.loads(Path(out).read_text(encoding="utf-8") or "[]")
    except ValueError:
        records = []
    finally:
        Path(out).unlink(missing_ok=True)
    if not records and result.returncode not in (0, 1):
        lines = [line for line in (result.stderr or result.stdout).splitlines() if line.strip()]
        errors = [line[1:].strip() for line in lines if line.startswith("E ")]  # pytest's 'E   ' lines
        where = [line for line in errors if line.startswith("File ")]
        detail = "; ".join(where[-1:] + errors[-1:]) or _first_line(lines[-1] if lines else "")
        raise QuestionError(f"the tests of {names} could not start (pytest exit {result.returncode}), "
                            f"usually because a file of cs231n_lib does not import: {detail}")
    return records


def report_question(question, records, write=print):
    """Print one verdict line per test and a last line; return True when every test passed."""
    where = f"{question['function']} in {question['file']}" if question.get("function") else question.get("file", "")
    write(f"{question['id']}: {question['title']} ({where})")
    results = [r for r in records if _counts(r)]
    shown = set()  # the stub messages already printed
    for record in results:
        name = record["nodeid"].split("::")[-1]
        if record["outcome"] == "passed":
            write(f"  ok     {name}")
            continue
        if record["outcome"] == "skipped":
            write(f"  skip   {name}: {record.get('message', '')}")
            continue
        todo = record.get("exception") == "NotImplementedError"
        write(f"  {'todo' if todo else 'FAIL':<6} {name}")
        if not (todo and record.get("message") in shown):  # a stub's message once, not once per test
            write(f"         {record.get('message') or 'the test failed without a message'}")
        if todo:
            shown.add(record.get("message"))
        if not todo:
            own = [line for line in record.get("library_lines", []) if line.startswith(question.get("file") or "-")]
            look = own[-1] if own else where  # the question's own file, not a helper that raised
            write(f"         look at {look}; the test is at {record.get('test_line', '')}")
    passed = sum(r["outcome"] == "passed" for r in results)
    status, _ = question_status(question, records)
    if status == "not started":
        write(f"not started: replace the raise NotImplementedError in {where} with your code "
              f"(the TODO above it says what to write), save, and check again.")
    else:
        write(f"{passed} of {len(results)} public tests pass" + ("." if passed == len(results) else
              "; the hidden tests check more cases, so passing these is necessary, not sufficient."))
    return bool(results) and passed == len(results)


def list_questions(questions, write=print):
    write("Questions (make check Q=<name>), in the notebooks' order:")
    for question in questions:
        if question["kind"] == "tests":
            write(f"  {question['id']:<20} {question['title']} ({question['function']}, "
                  f"asked in {Path(question['notebook']).name})")


def check(*names, repo=REPO, write=print):
    """Run and report the public tests of the questions ``names``; return True when all pass."""
    questions = load_questions(repo)
    if not names:
        list_questions(questions, write)
        return True
    chosen = []
    for name in names:
        question = find_question(questions, name)
        if question["kind"] != "tests":
            raise QuestionError(f"{name!r} is checked by running its notebook, not by tests; "
                                f"run `make run` or the notebook itself.")
        chosen.append(question)
    records = run_questions(chosen, repo)  # one pytest process for all of them
    ok = True
    for question in chosen:
        mine = [r for r in records if matches(question, r["nodeid"])]
        ok = report_question(question, mine, write) and ok
    return ok


def main(argv=None):
    names = sys.argv[1:] if argv is None else argv
    try:
        return 0 if check(*names) else 1
    except QuestionError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
