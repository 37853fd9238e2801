"""The trusted side's data for the notebook checks: the instructor's loaders, cached once per grader process.

Trusts the instructor's copy of cs231n_lib (imported here, on the trusted side) and the course's datasets
folder; reads nothing a submission wrote. Also the two helpers every check uses to read a box's artifacts
(``array``: a finite float array of the expected shape, else None) and a recomputed accuracy.
"""

import functools
import re
import threading
from pathlib import Path

import numpy as np

from . import refcache

_DATA_LOCK = threading.Lock()


def linear(dtype=np.float64):
    """Notebooks 01-04's data (flattened, bias column), loaded once per grader process (read-only)."""
    with _DATA_LOCK:
        return _linear_data(np.dtype(dtype).name)


def linear_float32():
    """Notebooks 03-04's data in float32. Trusts the instructor's copy of the data loader; checks nothing."""
    return linear(np.float32)


@functools.lru_cache(maxsize=2)
def _linear_data(dtype):
    """Load notebooks 01-04's data (cached). Trusts the instructor's data loader; checks nothing."""
    from cs231n_lib.data_utils import get_CIFAR10_linear_data  # the instructor's copy: trusted
    return get_CIFAR10_linear_data(allow_synthetic=True, dtype=np.dtype(dtype))


def linear_fingerprint(data):
    """The content hash of notebooks 01-04's data that a retraining reads (refcache's key)."""
    return refcache.fingerprint(data["X_train"], data["y_train"], data["X_val"], data["y_val"])


def array(artifacts, name, shape=None):
    """Artifact ``name`` when it is a finite float array (of ``shape`` when given), else None. Trusts nothing of
    the artifacts."""
    value = artifacts.get(name)
    if not isinstance(value, np.ndarray) or value.dtype.kind != "f" or not np.isfinite(value).all():
        return None
    if shape is not None and value.shape != shape:
        return None
    return value


def accuracy(W, X, y):
    """The accuracy of linear classifier ``W`` on (X, y). Trusts its arrays (validated by _array); checks nothing."""
    return float(np.mean(np.argmax(X @ W, axis=1) == y))


def notebook_seed(rel):
    """The SEED the instructor's notebook sets (its first code cell)."""
    import nbformat

    nb = nbformat.read(str(Path(__file__).resolve().parents[2] / rel), as_version=4)
    for cell in nb.cells:
        found = re.search(r"^SEED = (\d+)", cell.source, re.M)
        if cell.cell_type == "code" and found:
            return int(found.group(1))
    raise RuntimeError(f"{rel} sets no SEED; nbchecks cannot retrain its classifier")


def nets():
    """Notebooks 05/06's data: 4000/1000/1000 images standardized by the training pixels' std."""
    data = dict(nets_loaded())
    pixel_std = data["X_train"].std()
    for split in ("X_train", "X_val", "X_test"):
        data[split] = data[split] / pixel_std  # (N, 3, 32, 32)
    return data


def nets_loaded():
    """Notebooks 05-06's raw data, loaded once under the data lock. Trusts the instructor's loader."""
    with _DATA_LOCK:
        return _nets_raw()


@functools.lru_cache(maxsize=1)
def _nets_raw():
    """Load notebooks 05-06's data (cached). Trusts the instructor's data loader; checks nothing."""
    from cs231n_lib.data_utils import get_CIFAR10_data  # trusted
    return get_CIFAR10_data(num_training=4000, num_validation=1000, num_test=1000, allow_synthetic=True)


def nets_fingerprint():
    """The content hash of notebooks 05-06's data (refcache's key). Trusts the data; checks nothing."""
    raw = nets_loaded()
    return refcache.fingerprint(raw["X_train"], raw["y_train"], raw["X_val"], raw["y_val"])
