"""Build a full-size CIFAR-10 stand-in (50,000 train + 10,000 test) by tiling a smaller one.

Full CIFAR-10 is a first-class setting of the course (`get_datasets.sh`
fetches it), but tests and tools must not download 170 MB. This tool reads a
smaller archive in the official python format (the course's real subset,
5 x 1017 training and 1017 test images) and writes an archive of the full
size, in the same format, that `get_datasets.sh` installs with a file:// URL
and the md5 this tool prints:

    python tools/make_full_cifar.py SUBSET.tar.gz OUT.tar.gz
    CIFAR10_URL=file://$PWD/OUT.tar.gz CIFAR10_MD5=<printed md5> bash get_datasets.sh --force

How the copies differ: copy k of an image is flipped left-right when k is odd
and shifted right by k // 2 pixels (wrapping round), so no two training
images are byte-identical unless the source repeats one. The validation split
stays clean: both course loaders take validation from the end of the training
batches (the last 1000 images by default), so the source's last
min(1000, n // 5) training images are written once, unchanged, at the end,
and only the others are tiled (shuffled with a fixed seed, so every batch
mixes all classes) to fill the rest. The full-size stand-in therefore has the
subset's own validation images, and no copy of them among its training
images. The test batch tiles the source's test images the same way (its
first images are the originals). The archive is byte-identical for the same
input (gzip and tar times are zero), so its md5 is stable.

It is a stand-in: its 49,000 training images hold about ten shifted copies of
each of 4,085 photos, so it tells you that code and claims work at full size
(memory, time, split sizes, more minibatches), not what full CIFAR-10 scores.
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import pickle
import sys
import tarfile
import tempfile
from pathlib import Path

import numpy as np

NAME = "cifar-10-batches-py"
TRAIN_FILES = tuple(f"data_batch_{b}" for b in range(1, 6))
TEST_FILE = "test_batch"
META_FILE = "batches.meta"
PER_BATCH = 10000
NUM_TRAIN = PER_BATCH * len(TRAIN_FILES)
NUM_TEST = 10000
CLASS_NAMES = ("airplane", "automobile", "bird", "cat", "deer",
               "dog", "frog", "horse", "ship", "truck")
SHUFFLE_SEED = 0
VALIDATION = 1000  # the loaders' default validation split: the last 1000 training images


def _read(tar: tarfile.TarFile, member: str) -> tuple[np.ndarray, np.ndarray]:
    """One batch of the source archive: images (n, 32, 32, 3) uint8 and labels (n,) int64."""
    try:
        f = tar.extractfile(f"{NAME}/{member}")
    except KeyError:
        f = None
    if f is None:
        raise ValueError(f"the source archive has no {NAME}/{member}; pass a CIFAR-10 python-version archive.")
    batch = pickle.load(f, encoding="latin1")  # the course's own verified archive
    data = np.asarray(batch["data"], dtype=np.uint8)  # (n, 3072)
    images = data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)  # (n, 3072) -> (n, 32, 32, 3)
    return images, np.asarray(batch["labels"], dtype=np.int64)


def tile(images: np.ndarray, labels: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The first n images of copies 0, 1, 2, ... of ``images``, copy k flipped when k is odd and shifted by k // 2.

    Parameters
    ----------
    images : ndarray of shape (m, 32, 32, 3), uint8
    labels : ndarray of shape (m,)
    n : int
        How many images to return.

    Returns
    -------
    images : ndarray of shape (n, 32, 32, 3), uint8
    labels : ndarray of shape (n,)
    """
    m = len(labels)
    if m == 0:
        raise ValueError("the source archive holds no images; pass a CIFAR-10 archive with data.")
    copies = []
    for k in range(-(-n // m)):  # ceil(n / m) copies
        copy = images[:, :, ::-1] if k % 2 else images  # (m, 32, 32, 3), flipped along the width
        copies.append(np.roll(copy, k // 2, axis=2))  # shifted along the width
    return np.concatenate(copies)[:n], np.tile(labels, len(copies))[:n]


def _add(tar: tarfile.TarFile, member: str, obj: dict) -> None:
    """Add obj, pickled (protocol 2, as the official batches), with fixed metadata."""
    payload = pickle.dumps(obj, protocol=2)
    info = tarfile.TarInfo(f"{NAME}/{member}")
    info.size, info.mtime, info.mode = len(payload), 0, 0o644
    tar.addfile(info, io.BytesIO(payload))


def _batch(images: np.ndarray, labels: np.ndarray, label: str) -> dict:
    data = images.transpose(0, 3, 1, 2).reshape(len(labels), -1)  # (n, 32, 32, 3) -> (n, 3072), plane by plane
    return {"batch_label": label, "labels": labels.tolist(), "data": np.ascontiguousarray(data)}


def build(source: Path, out: Path, num_train: int = NUM_TRAIN, num_test: int = NUM_TEST,
          compresslevel: int = 1) -> str:
    """Write the archive tiled from ``source`` to ``out`` (atomically); return its md5.

    ``num_train`` (a multiple of 5: five equal batches) and ``num_test`` default to
    CIFAR-10's 50,000 and 10,000; tests pass smaller sizes.
    """
    if num_train < 5 or num_train % 5 or num_test < 1:
        raise ValueError(f"num_train must be a positive multiple of 5 and num_test positive, got "
                         f"{num_train} and {num_test}; pass e.g. 50000 and 10000.")
    per_batch = num_train // 5
    with tarfile.open(source) as tar:
        parts = [_read(tar, name) for name in TRAIN_FILES]
        Xte, yte = _read(tar, TEST_FILE)
    Xtr = np.concatenate([images for images, _ in parts])  # (m, 32, 32, 3)
    ytr = np.concatenate([labels for _, labels in parts])  # (m,)
    n_val = min(VALIDATION, len(ytr) // 5, num_train // 5)  # kept once, at the end: the loaders' validation
    Xrest, yrest = tile(Xtr[:len(ytr) - n_val], ytr[:len(ytr) - n_val], num_train - n_val)  # (49000, 32, 32, 3)
    order = np.random.default_rng(SHUFFLE_SEED).permutation(num_train - n_val)
    Xtr = np.concatenate([Xrest[order], Xtr[len(ytr) - n_val:]])  # (50000, 32, 32, 3)
    ytr = np.concatenate([yrest[order], ytr[len(ytr) - n_val:]])  # (50000,)
    Xte, yte = tile(Xte, yte, num_test)  # (10000, 32, 32, 3)

    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    try:
        with open(fd, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0,
                                                  compresslevel=compresslevel, filename="") as gz, \
                tarfile.open(fileobj=gz, mode="w", format=tarfile.GNU_FORMAT) as tar:
            for b, name in enumerate(TRAIN_FILES):
                rows = slice(b * per_batch, (b + 1) * per_batch)
                _add(tar, name, _batch(Xtr[rows], ytr[rows], f"tiled stand-in: training batch {b + 1} of 5"))
            _add(tar, TEST_FILE, _batch(Xte, yte, "tiled stand-in: testing batch 1 of 1"))
            _add(tar, META_FILE, {"num_cases_per_batch": per_batch, "label_names": list(CLASS_NAMES),
                                  "num_vis": 3072})
        Path(tmp).chmod(0o644)  # mkstemp makes it private; a dataset is readable by all
        Path(tmp).replace(out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    digest = hashlib.md5()
    with open(out, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", type=Path, help="a CIFAR-10 python-version .tar.gz (e.g. the course subset)")
    parser.add_argument("out", type=Path, help="the full-size .tar.gz to write")
    args = parser.parse_args(argv)
    if not args.source.is_file():
        print(f"make_full_cifar: error: {args.source} is not a file; pass the CIFAR-10 subset archive.",
              file=sys.stderr)
        return 1
    try:
        md5 = build(args.source, args.out)
    except (ValueError, tarfile.TarError, pickle.UnpicklingError, EOFError, OSError) as exc:
        print(f"make_full_cifar: error: could not build from {args.source} ({exc}); "
              "pass an intact CIFAR-10 python-version archive.", file=sys.stderr)
        return 1
    print(f"{args.out} md5 {md5}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
