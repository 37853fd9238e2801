"""tools/make_full_cifar.py: a full-size CIFAR-10 stand-in tiled from a smaller archive.

The small tests tile a synthetic archive (fast, always run); the ``full_size``
tests tile the real subset to 50,000 + 10,000, install it through
get_datasets.sh with a file:// URL and its md5, and load it with the course's
loaders at CS231n's split sizes.
"""
import hashlib
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import numpy as np
import pytest

from cs231n_lib.data_utils import get_CIFAR10_data, get_CIFAR10_linear_data, load_CIFAR10
from cs231n_lib.course.synthetic import make_synthetic_cifar10

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tools"))
import make_full_cifar  # noqa: E402  (tools/ is not a package)


@pytest.fixture(scope="module")
def small_archive(tmp_path_factory):
    """A synthetic CIFAR-10 archive, 5 x 30 train and 40 test images, as get_datasets.sh expects."""
    base = tmp_path_factory.mktemp("small-archive")
    make_synthetic_cifar10(base / "cifar-10-batches-py", num_train_per_batch=30, num_test=40, seed=1)
    archive = base / "small.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(base / "cifar-10-batches-py", arcname="cifar-10-batches-py")
    return archive


def test_tile_flips_odd_copies_and_shifts_by_half_the_copy_index():
    images = np.random.default_rng(0).integers(0, 256, size=(2, 32, 32, 3), dtype=np.uint8)  # (2, 32, 32, 3)
    labels = np.array([3, 7])
    out, out_labels = make_full_cifar.tile(images, labels, 7)  # copies 0, 1, 2, 3 (cut to 7 images)
    assert out.shape == (7, 32, 32, 3) and out_labels.tolist() == [3, 7, 3, 7, 3, 7, 3]
    assert np.array_equal(out[:2], images)
    assert np.array_equal(out[2:4], images[:, :, ::-1])                      # copy 1: flipped
    assert np.array_equal(out[4:6], np.roll(images, 1, axis=2))             # copy 2: shifted by 1
    assert np.array_equal(out[6], np.roll(images[0, :, ::-1], 1, axis=1))    # copy 3: flipped and shifted
    assert len({im.tobytes() for im in out}) == 7, "no two copies are identical"


def test_build_writes_the_official_format_at_full_size_reproducibly(small_archive, tmp_path):
    md5 = make_full_cifar.build(small_archive, tmp_path / "a.tar.gz", num_train=1000, num_test=200)
    assert make_full_cifar.build(small_archive, tmp_path / "b.tar.gz", num_train=1000, num_test=200) == md5, \
        "the same input gives the same bytes"
    assert hashlib.md5((tmp_path / "a.tar.gz").read_bytes()).hexdigest() == md5
    with tarfile.open(tmp_path / "a.tar.gz") as tar:
        tar.extractall(tmp_path / "x", filter="data")
    Xtr, ytr, Xte, yte = load_CIFAR10(tmp_path / "x" / "cifar-10-batches-py", dtype=np.float32)
    assert Xtr.shape == (1000, 32, 32, 3) and Xte.shape == (200, 32, 32, 3)
    small_tr, small_ytr, small_te, small_yte = load_CIFAR10(
        _extract(small_archive, tmp_path / "small"), dtype=np.float32)
    # every class keeps its share (the 150 source images, each repeated 6 or 7 times)
    assert np.allclose(np.bincount(ytr, minlength=10) / 1000, np.bincount(small_ytr, minlength=10) / 150, atol=0.01)
    assert np.array_equal(Xte[:40], small_te) and np.array_equal(yte[:40], small_yte), \
        "the test batch tiles the test images only"
    first_batch = np.bincount(ytr[:200], minlength=10)
    assert first_batch.min() > 0, "the training copies are shuffled: every batch holds every class"
    # validation (the last 150 // 5 = 30) is the source's last 30 training images, once, with no copy before it
    assert np.array_equal(Xtr[-30:], small_tr[-30:]) and np.array_equal(ytr[-30:], small_ytr[-30:])
    variants = {v.tobytes() for im in small_tr[-30:] for k in range(12)
                for v in [np.roll(im[:, ::-1] if k % 2 else im, k // 2, axis=1)]}  # copies 0..11 (970 / 120 < 9)
    assert not variants & {im.tobytes() for im in Xtr[:-30]}, "no copy of a validation image among the training images"


def _extract(archive, dest):
    with tarfile.open(archive) as tar:
        tar.extractall(dest, filter="data")
    return Path(dest) / "cifar-10-batches-py"


def test_build_refuses_sizes_that_do_not_split_into_five_batches(small_archive, tmp_path):
    with pytest.raises(ValueError, match="multiple of 5"):
        make_full_cifar.build(small_archive, tmp_path / "x.tar.gz", num_train=1001)
    assert not (tmp_path / "x.tar.gz").exists()


@pytest.mark.full_size
@pytest.mark.slow
def test_cli_prints_the_md5_and_refuses_a_missing_source(small_archive, tmp_path):
    tool = [sys.executable, str(REPO / "tools" / "make_full_cifar.py")]
    ok = subprocess.run(tool + [str(small_archive), str(tmp_path / "full.tar.gz")], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    md5 = ok.stdout.split()[-1]
    assert md5 == hashlib.md5((tmp_path / "full.tar.gz").read_bytes()).hexdigest()
    bad = subprocess.run(tool + [str(tmp_path / "nothing.tar.gz"), str(tmp_path / "out.tar.gz")],
                         capture_output=True, text=True)
    assert bad.returncode == 1 and bad.stderr.count("\n") == 1 and "is not a file" in bad.stderr
    assert not (tmp_path / "out.tar.gz").exists(), "nothing half-written"


@pytest.mark.full_size
@pytest.mark.slow
def test_full_size_stand_in_installs_with_get_datasets_and_gives_cs231n_splits(cifar_full_archive, tmp_path):
    archive, md5 = cifar_full_archive
    env = {**os.environ, "CIFAR10_URL": f"file://{archive}", "CIFAR10_MD5": md5}
    proc = subprocess.run(["bash", str(REPO / "get_datasets.sh"), "--dir", str(tmp_path)], env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    root = tmp_path / "cifar-10-batches-py"
    linear = get_CIFAR10_linear_data(root, verbose=False)
    assert [len(linear[k]) for k in ("y_train", "y_val", "y_test", "y_dev")] == [49000, 1000, 1000, 500]
    assert linear["X_train"].shape == (49000, 3073) and linear["source"] == "cifar10"
    nets = get_CIFAR10_data(cifar10_dir=root, verbose=False)
    assert nets["X_train"].shape == (49000, 3, 32, 32) and nets["X_test"].shape == (1000, 3, 32, 32)
