"""Shared fixtures: small CIFAR-format datasets on disk.

``synthetic_cifar_dir``  a synthetic stand-in (5 x 200 train, 200 test images),
                         generated once per test session.
``cifar_subset_archive`` the real CIFAR-10 subset's .tar.gz in ../shared/datasets,
``cifar_subset_dir``     and the same extracted once per session; both skip
                         when ../shared/datasets is absent.
``cifar_full_archive``   a full-size stand-in (50,000 train, 10,000 test) tiled from
                         the subset by tools/make_full_cifar.py, built once per
                         session (about 15 s), as (path, md5); skips without the subset.
                         Tests that use it carry the ``full_size`` marker
                         (``-m "not full_size"`` leaves them out).
"""

import os
import sys
import tarfile
from pathlib import Path

import pytest

from cs231n_lib.course.synthetic import make_synthetic_cifar10

REPO = Path(__file__).resolve().parents[1]
SHARED_DATASETS = REPO.parent / "shared" / "datasets"
# CS231N_SUBSET_ARCHIVE: the same archive elsewhere (a git worktree has no ../shared beside it)
SUBSET_ARCHIVE = Path(os.environ.get("CS231N_SUBSET_ARCHIVE", SHARED_DATASETS / "cifar-10-python-subset.tar.gz"))
sys.path.insert(0, str(REPO / "tools"))  # make_full_cifar (tools/ is not a package)

SYNTHETIC_TRAIN_PER_BATCH = 200
SYNTHETIC_TEST = 200


@pytest.fixture(scope="session")
def synthetic_cifar_dir(tmp_path_factory):
    """Path of a ``cifar-10-batches-py`` folder holding a small synthetic CIFAR-10.

    Five training batches of 200 images and a test batch of 200 (seed 0), in the
    official pickle format. Read-only by convention: copy it before changing it.
    """
    root = tmp_path_factory.mktemp("synthetic-cifar") / "cifar-10-batches-py"
    return make_synthetic_cifar10(root, num_train_per_batch=SYNTHETIC_TRAIN_PER_BATCH,
                                  num_test=SYNTHETIC_TEST, seed=0)


@pytest.fixture(scope="session")
def cifar_subset_archive():
    """Path of the real CIFAR-10 subset archive in ../shared/datasets; skips when absent."""
    if not SUBSET_ARCHIVE.is_file():
        pytest.skip("the course's CIFAR-10 subset is not on this machine (a course-staff check; nothing to do)")
    return SUBSET_ARCHIVE


@pytest.fixture(scope="session")
def cifar_subset_dir(cifar_subset_archive, tmp_path_factory):
    """Path of the real CIFAR-10 subset (5 x 1017 train, 1017 test), extracted once.

    Skips the test when ../shared/datasets is not there.
    """
    dest = tmp_path_factory.mktemp("cifar-subset")
    with tarfile.open(cifar_subset_archive) as tar:
        tar.extractall(dest, filter="data")
    return dest / "cifar-10-batches-py"


@pytest.fixture(scope="session")
def cifar_full_archive(cifar_subset_archive, tmp_path_factory):
    """(path, md5) of a full-size CIFAR-10 stand-in tiled from the real subset; skips without the subset."""
    import make_full_cifar

    out = tmp_path_factory.mktemp("cifar-full") / "cifar-10-python-full.tar.gz"
    return out, make_full_cifar.build(cifar_subset_archive, out)
