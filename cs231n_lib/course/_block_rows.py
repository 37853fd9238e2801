"""Rows per block and blocks per group for the full-batch losses, chosen for the machine the code runs on.

Letters: D features, C classes, B rows per block, G blocks per group.

A pass takes the rows of ``X`` a group at a time (G blocks of B rows): the
group is read from memory by the score products and read again, from cache,
by the gradient products, one BLAS call per block. Two sizes follow:

* G, from the cache sizes the system reports: the threads' groups and their
  (C, D) gradient shares together take at most half the last-level cache
  (:func:`group_blocks`), so a group is still there for its second read.
* B, measured: the blocks that fit in one core's L2 cache (or in the size of
  ``W`` and ``dW`` when those outgrow it) are the candidates. Which one is
  fastest depends on the BLAS (the size up to which it takes its
  small-matrix path, its call overhead), which no cache size predicts, so the
  candidates are timed once, each by a pass over a random sample twice the
  last-level cache (read from memory, as in a real pass), and the fastest
  (the largest of those within 5% of it) is kept:

  * in memory, for the process, per problem key (loss, dtype, D, C);
  * in ``$XDG_CACHE_HOME/cs231n_lib/block_rows.json`` (``~/.cache`` when the
    variable is unset), next to a description of the machine (CPU, cache
    sizes, BLAS libraries, numpy and scipy versions); a file for another
    machine, or one that cannot be read, is ignored, and one that cannot be
    written is skipped (the choice then lasts for the process).

``CS231N_BLOCK_ROWS=B`` in the environment overrides the choice of B for every
problem; ``blocked_loss(..., block_rows=B)`` overrides it for one call. Delete
the cache file to measure again.
"""

import functools
import hashlib
import json
import os
import platform
import tempfile
import threading

import numpy as np

ENV_VAR = "CS231N_BLOCK_ROWS"
CACHE_FILE_NAME = "block_rows.json"
# Candidate block sizes: about sqrt(2) apart, so the best lies within ~20% of one of them.
LADDER = (4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048, 3072, 4096)
# Each candidate is timed over at least this many rows and 4 of its blocks, best of ROUNDS interleaved rounds;
# over a sample of twice the last-level cache when that is more, up to MAX_SAMPLE_ROWS.
MIN_SAMPLE_ROWS = 256
MAX_SAMPLE_ROWS = 4096
ROUNDS = 5
# Candidates within this fraction of the fastest time per row count as tied: the largest of them is taken.
TIE = 0.05
# At most this many blocks in a group (a group's rows are also the rows of one call of the loss on scores).
MAX_GROUP_BLOCKS = 64
# Stored with the choices: choices made by another rule (other candidates, another bound) are measured again.
RULE = ("v6: groups of blocks within LLC / (2 * threads); B from the ladder within max(L2, W + dW), "
        "CPU time per row of passes over a sample twice the LLC, best of 5 interleaved rounds, largest within 5%")

_memo = {}          # problem key -> (block rows, where it came from)
_lock = threading.Lock()


def l2_cache_bytes(root="/sys/devices/system/cpu/cpu0/cache"):
    """The level-2 cache of one core in bytes, as the system reports it, or None when it does not.

    Linux lists the caches of cpu0 under ``root`` (``index*/level``, ``type``,
    ``size`` such as ``2048K``); glibc's ``os.sysconf("SC_LEVEL2_CACHE_SIZE")``
    is the fallback.
    """
    return cache_bytes(2, root)


def last_level_cache_bytes(root="/sys/devices/system/cpu/cpu0/cache"):
    """The last-level cache in bytes: the L3, else the L2; with neither reported, 8 MiB (a small L3 of
    current desktop and server CPUs)."""
    return cache_bytes(3, root) or cache_bytes(2, root) or 8 * 1024 ** 2


@functools.lru_cache(maxsize=None)
def cache_bytes(level, root="/sys/devices/system/cpu/cpu0/cache"):
    """The data (or unified) cache of ``level`` (1, 2 or 3) that cpu0 sees, in bytes, or None when not reported
    (read once per process)."""
    try:
        for entry in sorted(os.listdir(root)):
            folder = os.path.join(root, entry)
            with open(os.path.join(folder, "level")) as f_level, open(os.path.join(folder, "type")) as f_type, \
                    open(os.path.join(folder, "size")) as f_size:
                found, kind, size = f_level.read().strip(), f_type.read().strip(), f_size.read().strip()
            if found == str(level) and kind in ("Unified", "Data"):
                units = {"K": 1024, "M": 1024 ** 2, "G": 1024 ** 3}
                return int(size[:-1]) * units[size[-1]] if size[-1] in units else int(size)
    except (OSError, ValueError):
        pass
    try:
        size = os.sysconf(f"SC_LEVEL{level}_CACHE_SIZE")
        return size if size > 0 else None
    except (ValueError, OSError, AttributeError):
        return None


def candidates(row_bytes, l2_bytes, weight_bytes=0):
    """Block sizes B to time: the ladder's sizes whose block of ``row_bytes``-byte rows fits in
    ``max(l2_bytes, weight_bytes)`` (``weight_bytes``: W and dW, which every block streams past).

    When even the smallest does not fit (very long rows), the one size that
    fits, at least 1 row. ``l2_bytes`` None (not reported) assumes 1 MiB, the
    smallest L2 of current desktop and server cores.
    """
    limit = max(l2_bytes or 1024 ** 2, weight_bytes)
    fitting = [rows for rows in LADDER if rows * row_bytes <= limit]
    return fitting or [max(1, limit // row_bytes)]


def group_blocks(block_rows, row_bytes, share_bytes, threads, llc_bytes=None):
    """G, blocks per group: as many as keep ``threads`` groups of ``block_rows`` rows of ``row_bytes`` bytes,
    each block with its gradient share of ``share_bytes`` (C * D * itemsize), within half the last-level cache.

    The other half is left for ``W``, the gradient and whatever else runs.
    At least 1, at most :data:`MAX_GROUP_BLOCKS`.

    Parameters
    ----------
    block_rows, row_bytes, share_bytes, threads : int
    llc_bytes : int or None
        None: :func:`last_level_cache_bytes`.
    """
    budget = (llc_bytes or last_level_cache_bytes()) // (2 * max(1, threads))
    return int(max(1, min(MAX_GROUP_BLOCKS, budget // (block_rows * row_bytes + share_bytes))))


def sample_rows(row_bytes, llc_bytes=None):
    """Rows of the timing sample: twice the last-level cache, within [MIN_SAMPLE_ROWS, MAX_SAMPLE_ROWS]."""
    rows = 2 * (llc_bytes or last_level_cache_bytes()) // row_bytes
    return int(min(MAX_SAMPLE_ROWS, max(MIN_SAMPLE_ROWS, rows)))


def fastest(candidate_rows, time_rows, min_rows=MIN_SAMPLE_ROWS):
    """The candidate with the least time per row: ``time_rows(B, rows)`` times one pass over ``rows`` rows.

    Every candidate covers ``max(min_rows, 4 * B)`` rows; the rounds are
    interleaved (one round times each candidate once), so a busy machine slows
    them alike, and each candidate's best round counts.

    Parameters
    ----------
    candidate_rows : list of int
    time_rows : callable
        ``time_rows(block_rows, rows) -> seconds``.
    min_rows : int
        The least rows a candidate is timed over.

    Returns
    -------
    block_rows : int
    """
    rows = {B: max(min_rows, 4 * B) for B in candidate_rows}
    best = {B: float("inf") for B in candidate_rows}
    for _ in range(ROUNDS):
        for B in candidate_rows:
            best[B] = min(best[B], time_rows(B, rows[B]) / rows[B])
    # Within TIE of the fastest, the largest block: timings that close are noise, and the real pass,
    # on every core at once, pays per call (numpy's and the GIL's share between threads) more than one
    # thread timed alone does.
    fastest_time = min(best.values())
    return max(B for B in candidate_rows if best[B] <= fastest_time * (1 + TIE))


def cache_path():
    """Where the measured choices are kept: ``$XDG_CACHE_HOME/cs231n_lib/block_rows.json`` (default ``~/.cache``)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "cs231n_lib", CACHE_FILE_NAME)


def machine_description():
    """What a measured block size depends on besides the problem: CPU, cores, cache sizes, BLAS libraries,
    numpy/scipy versions, and the rule that chose it."""
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            model = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), model)
    except OSError:
        pass
    try:
        import scipy
        import scipy.linalg.blas  # noqa: F401  (loaded, so its BLAS is listed whichever dtype came first)
        scipy_version = scipy.__version__
    except ImportError:
        scipy_version = None
    try:
        from threadpoolctl import threadpool_info
        blas = sorted(f"{lib.get('internal_api')} {lib.get('version')} {lib.get('architecture')}"
                      for lib in threadpool_info() if lib.get("user_api") == "blas")
    except ImportError:
        blas = []
    return {"cpu": model, "cores": os.cpu_count(), "cache_bytes": [cache_bytes(level) for level in (1, 2, 3)],
            "blas": blas,
            "numpy": np.__version__, "scipy": scipy_version, "rule": RULE}


def _read_cache(path, machine):
    """The choices stored in ``path`` for this ``machine``: {key: rows}; empty if missing, unreadable or another machine's."""
    try:
        with open(path) as f:
            stored = json.load(f)
    except (OSError, ValueError):
        return {}
    if not isinstance(stored, dict) or stored.get("machine") != machine or not isinstance(stored.get("block_rows"), dict):
        return {}
    return {key: rows for key, rows in stored["block_rows"].items()
            if isinstance(rows, int) and not isinstance(rows, bool) and rows >= 1}


def _write_cache(path, machine, choices):
    """Store ``choices`` atomically (a temporary file renamed over ``path``); give up quietly if the folder is not writable."""
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".block_rows.", suffix=".tmp")
        try:
            with os.fdopen(handle, "w") as f:
                json.dump({"machine": machine, "block_rows": choices}, f, indent=1, sort_keys=True)
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise
    except OSError:
        pass


def env_override():
    """``CS231N_BLOCK_ROWS`` as a positive int, or None when unset or empty."""
    value = os.environ.get(ENV_VAR, "").strip()
    if not value:
        return None
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{ENV_VAR} must be a positive integer, got {value!r}; "
                         f"set it to e.g. 32, or unset it to let the machine choose.")
    return int(value)


def problem_key(loss_on_scores, dtype, dim, num_classes):
    """The key of a choice: the loss function (name and a digest of its code), dtype, D and C."""
    code = getattr(loss_on_scores, "__code__", None)
    digest = hashlib.sha256(code.co_code if code is not None else b"").hexdigest()[:12]
    name = f"{getattr(loss_on_scores, '__module__', '?')}.{getattr(loss_on_scores, '__qualname__', '?')}"
    return f"{name}@{digest}|{np.dtype(dtype).name}|D={dim}|C={num_classes}"


def choose(key, row_bytes, time_rows, weight_bytes=0):
    """Rows per block for problem ``key``: the environment's override, else the process's or the cache file's
    earlier choice, else the fastest candidate measured now (and stored).

    Parameters
    ----------
    key : str
        From :func:`problem_key`.
    row_bytes : int
        Bytes of one row of ``X`` (D * itemsize).
    time_rows : callable
        ``time_rows(block_rows, rows) -> seconds`` for one pass of the block loop over ``rows`` sample rows.
    weight_bytes : int
        Bytes of ``W`` and its gradient together (2 * D * C * itemsize).

    Returns
    -------
    block_rows : int
    source : str
        ``"environment"``, ``"this process"``, ``"cache file"`` or ``"measured"``.
    """
    override = env_override()
    if override is not None:
        return override, "environment"
    with _lock:
        if key in _memo:
            return _memo[key][0], "this process"
        machine = machine_description()
        path = cache_path()
        choices = _read_cache(path, machine)
        if key in choices:
            _memo[key] = (choices[key], "cache file")
            return choices[key], "cache file"
        rows = fastest(candidates(row_bytes, l2_cache_bytes(), weight_bytes), time_rows, sample_rows(row_bytes))
        choices = _read_cache(path, machine)  # again: another process may have added its own meanwhile
        choices[key] = rows
        _write_cache(path, machine, choices)
        _memo[key] = (rows, "measured")
        return rows, "measured"


def forget():
    """Drop the process's choices (the cache file stays): the next call reads the file or measures again."""
    with _lock:
        _memo.clear()
