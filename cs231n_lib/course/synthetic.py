"""A synthetic stand-in for CIFAR-10, written in the official python format, for machines without the data.

Letters: n images; images are (n, 32, 32, 3) height x width x RGB, uint8.

Ten classes (named like CIFAR-10's) each get a template, a colour plus a few
smooth coloured blobs; images are noisy, shifted, partly mixed versions of
their class template, so a linear classifier learns them clearly better than
chance but far from perfectly. The loaders (:mod:`cs231n_lib.data_utils`) read
it like the real batches and say "synthetic" wherever it is used.
"""

import os
import pickle
import shutil
import tempfile
from pathlib import Path

import numpy as np

from ..data_utils import CLASS_NAMES, IMAGE_SHAPE, META_FILE, PIXELS, SYNTHETIC_MARKER, TEST_FILE, TRAIN_FILES
from ._checks import check_positive_int

# Bump the version whenever the generator's output changes: the cached stand-in
# under datasets/ is then regenerated instead of silently going stale.
SYNTHETIC_VERSION = "cs231n_lib synthetic CIFAR-10 stand-in, generator version 1"


def _smooth_field(rng, n_blobs):
    """Return a sum of ``n_blobs`` random Gaussian blobs, shape (32, 32, 3), values about -1..1."""
    grid = np.arange(32)
    field = np.zeros(IMAGE_SHAPE)
    for _ in range(n_blobs):
        cy, cx = rng.uniform(4, 28, size=2)
        sigma = rng.uniform(3, 8)
        blob = np.exp(-((grid[:, None] - cy) ** 2 + (grid[None, :] - cx) ** 2)
                      / (2 * sigma ** 2))  # (32, 1) + (1, 32) -> (32, 32)
        field += blob[:, :, None] * rng.uniform(-1, 1, size=3)  # (32, 32, 1) * (3,)
    return field


def _synthetic_images(rng, templates, n):
    """Draw ``n`` labelled images around the class templates.

    Each image is its class template shifted by up to 3 pixels, with random
    contrast and brightness, a dose of another class's template, and pixel
    noise, so a linear classifier learns it only partly.

    Parameters
    ----------
    rng : np.random.Generator
    templates : ndarray of shape (10, 32, 32, 3)
        Class templates, values 0..255.
    n : int

    Returns
    -------
    images : ndarray of shape (n, 32, 32, 3), uint8
    labels : ndarray of shape (n,), int64, each class n // 10 or n // 10 + 1 times
    """
    labels = rng.permutation(np.arange(n) % 10).astype(np.int64)  # (n,) balanced classes
    other = (labels + rng.integers(1, 10, size=n)) % 10  # (n,) a different class
    dy, dx = rng.integers(-3, 4, size=(2, n))
    rows = (np.arange(32)[None, :] - dy[:, None]) % 32  # (n, 32)
    cols = (np.arange(32)[None, :] - dx[:, None]) % 32  # (n, 32)
    own = templates[labels[:, None, None], rows[:, :, None], cols[:, None, :]]  # (n, 32, 32, 3)
    mix = rng.uniform(0.0, 0.8, size=(n, 1, 1, 1))  # weight of the other class
    contrast = rng.uniform(0.5, 1.3, size=(n, 1, 1, 1))
    brightness = rng.normal(0.0, 25.0, size=(n, 1, 1, 1))
    images = 128 + contrast * ((1 - mix) * own + mix * templates[other] - 128)  # (n, 32, 32, 3)
    images += brightness + rng.normal(0.0, 60.0, size=images.shape)
    return np.clip(np.rint(images), 0, 255).astype(np.uint8), labels


def _write_pickle(path, obj):
    """Pickle ``obj`` to ``path`` with protocol 2, as the official batches are."""
    with open(path, "wb") as f:
        pickle.dump(obj, f, protocol=2)


def make_synthetic_cifar10(root, num_train_per_batch=1000, num_test=1000, seed=0):
    """Write a synthetic stand-in for CIFAR-10 in the official python format.

    Ten classes (named like CIFAR-10's) each get a template: a colour plus a few
    smooth coloured blobs. Images are noisy, shifted, partly mixed versions of
    their class template, so a linear classifier learns them clearly better than
    chance (10%) but far from perfectly. The same arguments always give the same
    files. The folder is written under a temporary name and renamed into place,
    so it is either complete or absent.

    Parameters
    ----------
    root : str or Path
        The ``cifar-10-batches-py`` folder to create; it must not exist yet
        (an empty folder is replaced).
    num_train_per_batch : int, default 1000
        Rows in each of ``data_batch_1`` .. ``data_batch_5``.
    num_test : int, default 1000
        Rows in ``test_batch``.
    seed : int, default 0

    Returns
    -------
    Path
        ``root``, holding the six batches, ``batches.meta`` and a marker file
        saying the data is synthetic.

    Raises
    ------
    FileExistsError
        When ``root`` already holds files.
    ValueError
        When a size is not a positive integer.
    """
    for name, value in (("num_train_per_batch", num_train_per_batch), ("num_test", num_test)):
        check_positive_int(value, name, "e.g. 1000")
    root = Path(root)
    if root.exists() and any(root.iterdir()):
        raise FileExistsError(f"root {root} already holds files; delete it or pick a new folder.")
    root.parent.mkdir(parents=True, exist_ok=True)

    template_seed, *batch_seeds = np.random.SeedSequence(seed).spawn(1 + len(TRAIN_FILES) + 1)
    rng = np.random.default_rng(template_seed)
    colours = rng.uniform(60, 196, size=(10, 1, 1, 3))  # (10, 1, 1, 3)
    templates = np.stack([60 * _smooth_field(rng, 4) for _ in range(10)]) + colours  # (10, 32, 32, 3)

    tmp = Path(tempfile.mkdtemp(prefix=f".{root.name}.tmp-", dir=root.parent))
    tmp.chmod(0o755)  # mkdtemp makes it private; a dataset folder is readable by all
    try:
        names = TRAIN_FILES + (TEST_FILE,)
        sizes = [num_train_per_batch] * len(TRAIN_FILES) + [num_test]
        for i, (name, n, batch_seed) in enumerate(zip(names, sizes, batch_seeds)):
            images, labels = _synthetic_images(np.random.default_rng(batch_seed), templates, n)
            data = images.transpose(0, 3, 1, 2).reshape(n, PIXELS)  # (n, 32, 32, 3) -> (n, 3072)
            label = f"training batch {i + 1} of 5" if name != TEST_FILE else "testing batch 1 of 1"
            _write_pickle(tmp / name, {"batch_label": f"synthetic {label}",
                                       "labels": labels.tolist(), "data": data})
        _write_pickle(tmp / META_FILE, {"num_cases_per_batch": num_train_per_batch,
                                        "label_names": list(CLASS_NAMES), "num_vis": PIXELS})
        (tmp / SYNTHETIC_MARKER).write_text(
            f"{SYNTHETIC_VERSION}\nseed={seed} num_train_per_batch={num_train_per_batch} "
            f"num_test={num_test}\nNot real CIFAR-10: run `make data` for the real images.\n")
        try:
            os.rename(tmp, root)  # atomic: root is complete or absent
        except OSError as exc:
            if root.exists() and any(root.iterdir()):
                raise FileExistsError(f"root {root} was written by someone else meanwhile; "
                                      "use it or delete it.") from exc
            raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return root
