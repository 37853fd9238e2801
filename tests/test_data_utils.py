"""cs231n_lib.data_utils: loading, preparation, errors and the synthetic stand-in.

Oracles: the raw pickles read by hand, published facts about CIFAR-10 (its first
labels and pixels), and split sizes worked out by hand.
"""

import os
import pickle
import shutil

import numpy as np
import pytest

from cs231n_lib import data_utils
from cs231n_lib.course import synthetic
from cs231n_lib.data_utils import (CLASS_NAMES, get_CIFAR10_data, get_CIFAR10_linear_data,
                                   get_CIFAR10_source, load_CIFAR10)
from cs231n_lib.course.synthetic import make_synthetic_cifar10

# The fixture synthetic_cifar_dir (conftest.py) holds 5 x 200 train and 200 test images.
N_TRAIN, N_TEST = 1000, 200


def raw_batch(path):
    with open(path, "rb") as f:
        return pickle.load(f, encoding="latin1")


def copy_as_real(src, dst):
    """Copy a synthetic dataset without its marker, so it looks like a real download."""
    shutil.copytree(src, dst)
    (dst / data_utils.SYNTHETIC_MARKER).unlink()
    return dst


# ------------------------------------------------------------------ load_CIFAR10


def test_load_shapes_dtypes_and_channel_major_decoding(synthetic_cifar_dir):
    Xtr, ytr, Xte, yte = load_CIFAR10(synthetic_cifar_dir)
    assert Xtr.shape == (N_TRAIN, 32, 32, 3) and Xte.shape == (N_TEST, 32, 32, 3)
    assert Xtr.dtype == Xte.dtype == np.float64
    assert ytr.shape == (N_TRAIN,) and yte.shape == (N_TEST,)
    assert ytr.dtype == yte.dtype == np.int64
    assert set(np.unique(ytr)) == set(range(10))

    # Pixel (r, c) channel ch of row i sits at data[i, ch * 1024 + r * 32 + c].
    raw = raw_batch(synthetic_cifar_dir / "data_batch_2")
    i, r, c = 7, 5, 30
    for ch in range(3):
        assert Xtr[200 + i, r, c, ch] == raw["data"][i, ch * 1024 + r * 32 + c]
    assert ytr[200 + i] == raw["labels"][i]
    test = raw_batch(synthetic_cifar_dir / "test_batch")
    assert np.array_equal(yte, test["labels"])


def test_float32_option_gives_the_same_values(synthetic_cifar_dir):
    X64, y64, T64, _ = load_CIFAR10(synthetic_cifar_dir)
    X32, y32, T32, _ = load_CIFAR10(synthetic_cifar_dir, dtype=np.float32)
    assert X32.dtype == T32.dtype == np.float32
    assert np.array_equal(X32, X64) and np.array_equal(T32, T64) and np.array_equal(y32, y64)


def test_real_subset_matches_published_facts(cifar_subset_dir):
    Xtr, ytr, Xte, yte = load_CIFAR10(cifar_subset_dir)
    assert Xtr.shape == (5085, 32, 32, 3) and Xte.shape == (1017, 32, 32, 3)
    # The first labels of data_batch_1 and test_batch of the official CIFAR-10.
    assert ytr[:10].tolist() == [6, 9, 9, 4, 1, 1, 2, 7, 8, 3]
    assert yte[:10].tolist() == [3, 8, 8, 0, 6, 6, 1, 6, 3, 1]
    # The first training image (a frog) starts with these RGB pixels.
    assert Xtr[0, 0, :2].tolist() == [[59, 62, 63], [43, 46, 45]]
    meta = raw_batch(cifar_subset_dir / "batches.meta")
    assert tuple(meta["label_names"]) == CLASS_NAMES


def test_missing_dataset_says_how_to_download(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"bash get_datasets\.sh.*make data"):
        load_CIFAR10(tmp_path / "cifar-10-batches-py")
    with pytest.raises(FileNotFoundError, match="make data"):
        get_CIFAR10_linear_data(tmp_path / "cifar-10-batches-py", verbose=False)


def test_missing_batch_is_named(synthetic_cifar_dir, tmp_path):
    root = copy_as_real(synthetic_cifar_dir, tmp_path / "cifar-10-batches-py")
    (root / "data_batch_4").unlink()
    with pytest.raises(FileNotFoundError, match=r"missing data_batch_4.*get_datasets\.sh --force"):
        load_CIFAR10(root)


@pytest.mark.parametrize("damage", ["truncate", "garbage", "not_a_batch", "wrong_labels"])
def test_corrupt_batch_names_the_file_and_how_to_refetch(synthetic_cifar_dir, tmp_path, damage):
    root = copy_as_real(synthetic_cifar_dir, tmp_path / "cifar-10-batches-py")
    path = root / "data_batch_3"
    if damage == "truncate":
        path.write_bytes(path.read_bytes()[:50_000])
    elif damage == "garbage":
        path.write_bytes(b"<html>404 Not Found</html>")
    elif damage == "not_a_batch":
        path.write_bytes(pickle.dumps({"labels": [1, 2]}, protocol=2))
    else:
        batch = raw_batch(path)
        batch["labels"] = batch["labels"][:-1]
        path.write_bytes(pickle.dumps(batch, protocol=2))
    with pytest.raises(ValueError) as err:
        load_CIFAR10(root)
    assert str(path) in str(err.value) and "bash get_datasets.sh --force" in str(err.value)


def test_corrupt_synthetic_batch_says_how_to_regenerate(synthetic_cifar_dir, tmp_path):
    root = shutil.copytree(synthetic_cifar_dir, tmp_path / "cifar-10-batches-py")
    (root / "test_batch").write_bytes(b"\x80\x02")
    with pytest.raises(ValueError, match=r"test_batch is corrupt.*regenerate"):
        load_CIFAR10(root)


def test_dtype_must_be_floating(synthetic_cifar_dir):
    with pytest.raises(ValueError, match="dtype must be a floating type.*got int32"):
        load_CIFAR10(synthetic_cifar_dir, dtype=np.int32)
    with pytest.raises(ValueError, match="dtype must be a floating type"):
        get_CIFAR10_linear_data(synthetic_cifar_dir, dtype="not a dtype", verbose=False)


# ------------------------------------------------------------------ get_CIFAR10_linear_data


@pytest.mark.parametrize("n_train, n_test, expected", [
    (50000, 10000, (49000, 1000, 1000, 500)),   # the full dataset: CS231n's sizes
    (5085, 1017, (4085, 1000, 1000, 500)),      # the shared subset
    (1000, 200, (800, 200, 200, 500)),          # validation is a fifth when data is short
    (40, 10, (32, 8, 10, 32)),                  # dev cannot outgrow training
])
def test_default_split_sizes_adapt_to_the_data(n_train, n_test, expected):
    assert data_utils._split_sizes(n_train, n_test, None, None, None, None) == (expected, [])
    assert data_utils._split_sizes(n_train, n_test, 49000, 1000, 1000, 500)[0] == expected, (
        "CS231n's sizes asked for explicitly shrink exactly as the defaults do")


def test_split_sizes_that_do_not_fit_shrink_and_say_so(synthetic_cifar_dir, capsys):
    for loader in (get_CIFAR10_linear_data, get_CIFAR10_data):  # one policy for both loaders
        d = loader(cifar10_dir=synthetic_cifar_dir, num_training=900, num_validation=300, num_test=201, verbose=False)
        assert (len(d["y_train"]), len(d["y_val"]), len(d["y_test"])) == (800, 200, 200), loader.__name__
        notice = capsys.readouterr().out
        assert notice.startswith("NOTICE:") and notice.count("\n") == 1, notice
        assert "num_training 900 -> 800, num_validation 300 -> 200, num_test 201 -> 200" in notice, notice
    d = get_CIFAR10_linear_data(synthetic_cifar_dir, num_training=10, num_dev=11, verbose=False)
    assert len(d["y_dev"]) == 10 and "num_dev 11 -> 10" in capsys.readouterr().out
    get_CIFAR10_linear_data(synthetic_cifar_dir, num_training=500, num_validation=100, verbose=False)
    assert capsys.readouterr().out == "", "sizes that fit: no notice"


def test_split_sizes_that_are_not_counts_are_refused(synthetic_cifar_dir):
    with pytest.raises(ValueError, match="num_training must be at least 1, got 0"):
        get_CIFAR10_linear_data(synthetic_cifar_dir, num_training=0, verbose=False)
    with pytest.raises(ValueError, match="num_training must be a non-negative integer or None, got -1"):
        get_CIFAR10_linear_data(synthetic_cifar_dir, num_training=-1, verbose=False)
    with pytest.raises(ValueError, match="num_dev must be a non-negative integer or None, got 2.5"):
        get_CIFAR10_linear_data(synthetic_cifar_dir, num_dev=2.5, verbose=False)


def test_prepared_splits_match_a_hand_computation(synthetic_cifar_dir):
    d = get_CIFAR10_linear_data(synthetic_cifar_dir, num_training=600, num_validation=100,
                         num_test=150, num_dev=50, verbose=False)
    Xtr, ytr, Xte, yte = load_CIFAR10(synthetic_cifar_dir)
    mean = Xtr[:600].reshape(600, -1).sum(axis=0) / 600  # (3072,)

    assert d["X_train"].shape == (600, 3073) and d["X_val"].shape == (100, 3073)
    assert d["X_test"].shape == (150, 3073) and d["X_dev"].shape == (50, 3073)
    assert np.allclose(d["mean_image"].reshape(-1), mean, rtol=0, atol=1e-9)
    assert np.allclose(d["X_val"][:, :3072], Xtr[600:700].reshape(100, -1) - mean, atol=1e-9)
    assert np.allclose(d["X_test"][:, :3072], Xte[:150].reshape(150, -1) - mean, atol=1e-9)
    assert np.allclose(d["X_train"][:, :3072].mean(axis=0), 0, atol=1e-9)
    for split in ("train", "val", "test", "dev"):
        assert np.all(d[f"X_{split}"][:, -1] == 1.0), split  # the bias column
    assert np.array_equal(d["y_train"], ytr[:600]) and np.array_equal(d["y_val"], ytr[600:700])
    assert np.array_equal(d["y_test"], yte[:150])
    assert d["class_names"] == CLASS_NAMES and d["source"] == "synthetic"
    assert d["data_dir"] == synthetic_cifar_dir


def test_dev_is_a_fixed_random_subset_of_train(synthetic_cifar_dir):
    d = get_CIFAR10_linear_data(synthetic_cifar_dir, num_dev=100, verbose=False)
    rows = {row.tobytes(): i for i, row in enumerate(d["X_train"])}
    idx = np.array([rows[row.tobytes()] for row in d["X_dev"]])  # KeyError if not in train
    assert len(set(idx.tolist())) == 100 and np.array_equal(d["y_dev"], d["y_train"][idx])
    assert not np.array_equal(idx, np.arange(100))  # random, not the first rows
    again = get_CIFAR10_linear_data(synthetic_cifar_dir, num_dev=100, verbose=False)
    assert np.array_equal(again["X_dev"], d["X_dev"])


def test_options_turn_each_step_off(synthetic_cifar_dir):
    Xtr, _, _, _ = load_CIFAR10(synthetic_cifar_dir, dtype=np.float32)
    d = get_CIFAR10_linear_data(synthetic_cifar_dir, subtract_mean=False, flatten=False,
                         bias_trick=False, dtype=np.float32, verbose=False)
    assert d["mean_image"] is None and d["X_train"].dtype == np.float32
    assert np.array_equal(d["X_train"], Xtr[:800])  # raw images, (800, 32, 32, 3)

    d = get_CIFAR10_linear_data(synthetic_cifar_dir, flatten=False, bias_trick=False, verbose=False)
    assert d["X_val"].shape == (200, 32, 32, 3) and d["mean_image"].shape == (32, 32, 3)
    d = get_CIFAR10_linear_data(synthetic_cifar_dir, bias_trick=False, dtype=np.float32, verbose=False)
    assert d["X_test"].shape == (200, 3072) and d["mean_image"].dtype == np.float32
    with pytest.raises(ValueError, match="bias_trick=True needs flatten=True"):
        get_CIFAR10_linear_data(synthetic_cifar_dir, flatten=False, verbose=False)


def test_real_subset_splits_and_notice(cifar_subset_dir, capsys):
    d = get_CIFAR10_linear_data(cifar_subset_dir, dtype=np.float32)
    sizes = [len(d[f"y_{s}"]) for s in ("train", "val", "test", "dev")]
    assert sizes == [4085, 1000, 1000, 500]
    assert d["X_train"].shape == (4085, 3073) and d["source"] == "cifar10"
    out = capsys.readouterr().out.splitlines()
    assert out == [f"Loaded real CIFAR-10 from {cifar_subset_dir}: "
                   "4085 train, 1000 val, 1000 test, 500 dev."]


def test_default_dir_is_the_repo_or_the_environment_variable(synthetic_cifar_dir, monkeypatch):
    monkeypatch.delenv("CS231N_DATA_DIR", raising=False)
    repo = data_utils.Path(data_utils.__file__).resolve().parents[1]
    assert data_utils._default_cifar10_dir() == repo / "datasets" / "cifar-10-batches-py"
    monkeypatch.setenv("CS231N_DATA_DIR", str(synthetic_cifar_dir))
    assert get_CIFAR10_linear_data(verbose=False)["data_dir"] == synthetic_cifar_dir


# ------------------------------------------------------------------ synthetic fallback


@pytest.fixture
def synthetic_home(tmp_path, monkeypatch):
    """Point the synthetic stand-in's cache at a tmp folder; return that folder."""
    root = tmp_path / "synthetic-cifar-10" / "cifar-10-batches-py"
    monkeypatch.setattr(data_utils, "SYNTHETIC_CIFAR10_DIR", root)
    return root


def test_fallback_uses_a_cached_stand_in_and_says_so_once(synthetic_cifar_dir, synthetic_home,
                                                          tmp_path, capsys):
    shutil.copytree(synthetic_cifar_dir, synthetic_home)  # already generated
    before = {p.name: p.stat().st_mtime_ns for p in synthetic_home.iterdir()}
    d = get_CIFAR10_linear_data(tmp_path / "nowhere", allow_synthetic=True, verbose=False)
    assert d["source"] == "synthetic" and d["data_dir"] == synthetic_home
    assert d["X_train"].shape == (800, 3073)
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 1 and "SYNTHETIC stand-in" in out[0] and "make data" in out[0]
    assert str(tmp_path / "nowhere") in out[0]
    assert {p.name: p.stat().st_mtime_ns for p in synthetic_home.iterdir()} == before

    get_CIFAR10_linear_data(tmp_path / "nowhere", allow_synthetic=True)  # verbose: a second line
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2 and "SYNTHETIC" in out[0] and out[1].startswith("Loaded the synthetic")


def test_fallback_regenerates_a_stale_stand_in_once(synthetic_cifar_dir, synthetic_home,
                                                    tmp_path, capsys):
    # A stand-in from an older generator (the fixture's small one, re-labelled):
    # the fallback replaces it with a fresh one at the default sizes, then reuses it.
    shutil.copytree(synthetic_cifar_dir, synthetic_home)
    marker = synthetic_home / data_utils.SYNTHETIC_MARKER
    marker.write_text("generator version 0\n")
    d = get_CIFAR10_linear_data(tmp_path / "nowhere", allow_synthetic=True, verbose=False)
    assert [len(d[f"y_{s}"]) for s in ("train", "val", "test", "dev")] == [4000, 1000, 1000, 500]
    assert marker.read_text().startswith(synthetic.SYNTHETIC_VERSION)
    assert sorted(os.listdir(synthetic_home.parent)) == ["cifar-10-batches-py"]  # no temp left
    assert len(capsys.readouterr().out.splitlines()) == 1

    before = {p.name: p.stat().st_mtime_ns for p in synthetic_home.iterdir()}
    get_CIFAR10_linear_data(tmp_path / "nowhere", allow_synthetic=True, verbose=False)
    assert {p.name: p.stat().st_mtime_ns for p in synthetic_home.iterdir()} == before


def test_no_fallback_without_permission(synthetic_home, tmp_path):
    with pytest.raises(FileNotFoundError, match="get_datasets.sh"):
        get_CIFAR10_linear_data(tmp_path / "nowhere", verbose=False)
    assert not synthetic_home.exists()


# ------------------------------------------------------------------ make_synthetic_cifar10


def test_synthetic_files_have_the_official_format(synthetic_cifar_dir):
    for name in data_utils.TRAIN_FILES + (data_utils.TEST_FILE,):
        raw_bytes = (synthetic_cifar_dir / name).read_bytes()
        assert raw_bytes[:2] == b"\x80\x02"  # pickle protocol 2
        batch = raw_batch(synthetic_cifar_dir / name)
        assert set(batch) == {"batch_label", "labels", "data"}
        assert batch["data"].dtype == np.uint8 and batch["data"].shape == (200, 3072)
        assert isinstance(batch["labels"], list) and len(batch["labels"]) == 200
        assert np.bincount(batch["labels"]).tolist() == [20] * 10  # balanced classes
    meta = raw_batch(synthetic_cifar_dir / "batches.meta")
    assert meta["label_names"] == list(CLASS_NAMES) and meta["num_vis"] == 3072


def test_synthetic_is_deterministic_for_a_seed(tmp_path):
    a = make_synthetic_cifar10(tmp_path / "a", num_train_per_batch=20, num_test=10, seed=3)
    b = make_synthetic_cifar10(tmp_path / "b", num_train_per_batch=20, num_test=10, seed=3)
    c = make_synthetic_cifar10(tmp_path / "c", num_train_per_batch=20, num_test=10, seed=4)
    for name in os.listdir(a):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    assert (a / "data_batch_1").read_bytes() != (c / "data_batch_1").read_bytes()
    assert sorted(os.listdir(tmp_path)) == ["a", "b", "c"]  # no temporary folders left


def test_synthetic_refuses_to_overwrite_and_checks_sizes(synthetic_cifar_dir, tmp_path):
    with pytest.raises(FileExistsError, match="already holds files"):
        make_synthetic_cifar10(synthetic_cifar_dir)
    with pytest.raises(ValueError, match="num_test must be a positive integer, got 0"):
        make_synthetic_cifar10(tmp_path / "x", num_test=0)
    assert not (tmp_path / "x").exists()


def test_synthetic_is_learnable_but_not_trivially(synthetic_cifar_dir):
    """A nearest-class-mean classifier beats chance (10%) clearly, but is far from perfect."""
    Xtr, ytr, Xte, yte = load_CIFAR10(synthetic_cifar_dir)
    Xtr, Xte = Xtr.reshape(len(Xtr), -1), Xte.reshape(len(Xte), -1)  # (N, 3072)
    means = np.stack([Xtr[ytr == c].mean(axis=0) for c in range(10)])  # (10, 3072)
    dists = ((Xte[:, None, :] - means[None, :, :]) ** 2).sum(axis=2)  # (N_test, 10)
    accuracy = np.mean(dists.argmin(axis=1) == yte)
    assert 0.25 < accuracy < 0.85, accuracy


# ------------------------------------------------------------------ get_CIFAR10_data (CS231n A2, images)


def test_network_data_is_images_channels_first_and_arrays_only(synthetic_cifar_dir):
    d = get_CIFAR10_data(600, 100, 50, cifar10_dir=synthetic_cifar_dir, verbose=False)
    assert sorted(d) == ["X_test", "X_train", "X_val", "y_test", "y_train", "y_val"]
    assert d["X_train"].shape == (600, 3, 32, 32) and d["X_val"].shape == (100, 3, 32, 32)
    assert d["X_test"].shape == (50, 3, 32, 32) and d["X_train"].dtype == np.float32
    # The same images as the linear preparation, channels moved first, same mean subtracted.
    lin = get_CIFAR10_linear_data(synthetic_cifar_dir, num_training=600, num_validation=100, num_test=50,
                                  flatten=False, bias_trick=False, dtype=np.float32, verbose=False)
    np.testing.assert_allclose(d["X_val"], lin["X_val"].transpose(0, 3, 1, 2), atol=1e-4)
    np.testing.assert_array_equal(d["y_train"], lin["y_train"])
    np.testing.assert_allclose(d["X_train"].mean(axis=0), 0, atol=1e-3)


def test_network_data_without_mean_matches_the_raw_batch(synthetic_cifar_dir):
    d = get_CIFAR10_data(10, 0, 0, subtract_mean=False, cifar10_dir=synthetic_cifar_dir,
                         dtype=np.float64, verbose=False)
    raw = raw_batch(synthetic_cifar_dir / "data_batch_1")
    np.testing.assert_array_equal(d["X_train"].reshape(10, 3072), raw["data"][:10])  # channel by channel
    assert d["X_train"].dtype == np.float64 and d["X_val"].shape == (0, 3, 32, 32)


def test_network_data_defaults_shrink_to_the_subset_with_a_notice(cifar_subset_dir, capsys):
    d = get_CIFAR10_data(cifar10_dir=cifar_subset_dir)
    assert [len(d[f"y_{s}"]) for s in ("train", "val", "test")] == [4085, 1000, 1000]
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2 and out[0].startswith("NOTICE:") and "4085/1000/1000" in out[0]
    assert get_CIFAR10_source(cifar_subset_dir) == "cifar10"


def test_network_data_synthetic_fallback_and_errors(synthetic_cifar_dir, synthetic_home, tmp_path, capsys):
    shutil.copytree(synthetic_cifar_dir, synthetic_home)
    assert get_CIFAR10_source(tmp_path / "nowhere") == "synthetic"
    d = get_CIFAR10_data(100, 10, 10, cifar10_dir=tmp_path / "nowhere", allow_synthetic=True, verbose=False)
    assert d["X_train"].shape == (100, 3, 32, 32)
    assert "SYNTHETIC" in capsys.readouterr().out
    with pytest.raises(FileNotFoundError):
        get_CIFAR10_data(cifar10_dir=tmp_path / "nowhere", verbose=False)
    with pytest.raises(ValueError, match="^num_training"):
        get_CIFAR10_data(0, cifar10_dir=synthetic_cifar_dir, verbose=False)
    with pytest.raises(ValueError, match="^num_validation"):
        get_CIFAR10_data(10, -1, cifar10_dir=synthetic_cifar_dir, verbose=False)


# ------------------------------------------------------------------ flip_horizontal (augmentation)


def test_flip_horizontal_moves_a_pixel_to_the_mirrored_column_and_keeps_the_bias():
    image = np.zeros((1, 32, 32, 3))
    image[0, 5, 2, 1] = 7.0  # row 5, column 2, green
    flipped = data_utils.flip_horizontal(image)
    assert flipped[0, 5, 29, 1] == 7.0 and flipped.sum() == 7.0
    rows = np.hstack([image.reshape(1, 3072), np.ones((1, 1))]).astype(np.float32)  # (1, 3073)
    flipped_rows = data_utils.flip_horizontal(rows)
    assert flipped_rows.dtype == np.float32 and flipped_rows[0, 3072] == 1.0
    np.testing.assert_array_equal(flipped_rows[:, :3072], flipped.reshape(1, 3072))


def test_flip_horizontal_twice_is_the_identity_and_mirrors_templates_for_a_linear_classifier():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((5, 3073))  # (N, D)
    W = rng.standard_normal((3073, 4))  # (D, C)
    np.testing.assert_array_equal(data_utils.flip_horizontal(data_utils.flip_horizontal(X)), X)
    scores_of_mirrored_images = data_utils.flip_horizontal(X) @ W  # (N, C)
    scores_with_mirrored_templates = X @ data_utils.flip_horizontal(W.T).T  # (N, C)
    np.testing.assert_allclose(scores_of_mirrored_images, scores_with_mirrored_templates, rtol=1e-12)
    assert not np.allclose(scores_of_mirrored_images, X @ W)


def test_flip_horizontal_rejects_rows_that_are_not_images():
    with pytest.raises(ValueError, match="X must have shape"):
        data_utils.flip_horizontal(np.zeros((2, 100)))
