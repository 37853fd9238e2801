"""CIFAR-10 on disk -> numpy arrays, for the linear classifiers and for the networks.

Letters: N images, D features per image (3072 pixels, 3073 with the bias
column). Images are (N, 32, 32, 3) height x width x RGB; labels are (N,) int64
in [0, 10).

The files are the official python batches from ``get_datasets.sh``: pickles
(protocol 2) holding ``data``, a uint8 array of shape (n, 3072) stored channel
by channel (1024 red, then 1024 green, then 1024 blue values, each a row-major
32x32 plane), and ``labels``, a list of n ints. A batch may hold fewer than
10000 rows (the course's offline subset holds 1017), so row counts are always
read from the data.

Pickles can run code when loaded: only load batches you fetched with
``get_datasets.sh`` (which verifies their checksum) or generated here.

There is no cache: reading the real format is fast (measured: about 0.1 s per
60000 images as uint8, 0.5 s with the float64 conversion, which a cache could
not avoid), so an .npy copy would save little and could go stale.
"""

import numbers
import os
import pickle
import shutil
from pathlib import Path

import numpy as np

CLASS_NAMES = ("airplane", "automobile", "bird", "cat", "deer",
               "dog", "frog", "horse", "ship", "truck")

TRAIN_FILES = tuple(f"data_batch_{b}" for b in range(1, 6))
TEST_FILE = "test_batch"
META_FILE = "batches.meta"
IMAGE_SHAPE = (32, 32, 3)
PIXELS = 32 * 32 * 3  # 3072 values per image

# A file only the synthetic generator (cs231n_lib.course.synthetic) writes: tells the stand-in from real data.
SYNTHETIC_MARKER = "SYNTHETIC.txt"

_REPO = Path(__file__).resolve().parents[1]
_REPO_CIFAR10_DIR = _REPO / "datasets" / "cifar-10-batches-py"
SYNTHETIC_CIFAR10_DIR = _REPO / "datasets" / "synthetic-cifar-10" / "cifar-10-batches-py"


def _default_cifar10_dir():
    """Return $CS231N_DATA_DIR when set, else the repository's datasets/cifar-10-batches-py."""
    env = os.environ.get("CS231N_DATA_DIR")
    return Path(env).expanduser() if env else _REPO_CIFAR10_DIR


DEFAULT_CIFAR10_DIR = _default_cifar10_dir()

# Full-dataset split sizes (CS231n's); smaller datasets get smaller splits.
_FULL_SPLIT = {"num_training": 49000, "num_validation": 1000, "num_test": 1000, "num_dev": 500}
_DEV_SEED = 0


# ---------------------------------------------------------------- loading


def _refetch_hint(root):
    """Return what to do about a broken dataset in ``root``: re-fetch or regenerate."""
    if (root / SYNTHETIC_MARKER).exists():
        return (f"delete {root} and call get_CIFAR10_data(allow_synthetic=True) again "
                "to regenerate the synthetic stand-in")
    return "run `bash get_datasets.sh --force` (or `make data` after deleting the folder) to fetch it again"


def _check_present(root):
    """Raise FileNotFoundError unless ``root`` holds every batch file."""
    if not root.is_dir():
        raise FileNotFoundError(
            f"CIFAR-10 not found: {root} does not exist; run `bash get_datasets.sh` "
            "(or `make data`) to download it.")
    missing = [name for name in TRAIN_FILES + (TEST_FILE,) if not (root / name).is_file()]
    if missing:
        raise FileNotFoundError(
            f"CIFAR-10 in {root} is incomplete (missing {', '.join(missing)}); "
            f"{_refetch_hint(root)}.")


def _read_batch(path):
    """Read one CIFAR-10 batch file.

    Parameters
    ----------
    path : Path
        A ``data_batch_*`` or ``test_batch`` pickle.

    Returns
    -------
    images : ndarray of shape (n, 32, 32, 3), uint8
    labels : ndarray of shape (n,), int64
    """
    hint = _refetch_hint(path.parent)
    try:
        with open(path, "rb") as f:
            batch = pickle.load(f, encoding="latin1")
    except Exception as exc:  # any unpickling failure means a damaged file
        raise ValueError(
            f"{path} is corrupt or truncated ({type(exc).__name__}: {exc}); {hint}.") from exc

    data = batch.get("data") if isinstance(batch, dict) else None
    labels = batch.get("labels") if isinstance(batch, dict) else None
    if not (isinstance(data, np.ndarray) and data.dtype == np.uint8
            and data.ndim == 2 and data.shape[1] == PIXELS and labels is not None):
        raise ValueError(
            f"{path} is not a CIFAR-10 batch (expected a dict with a uint8 'data' array "
            f"of shape (n, {PIXELS}) and 'labels'); {hint}.")
    try:
        labels = np.asarray(labels, dtype=np.int64)  # (n,)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{path} has labels that are not integers, so it is damaged; {hint}.") from exc
    if labels.shape != (data.shape[0],) or labels.min(initial=0) < 0 or labels.max(initial=0) >= 10:
        raise ValueError(
            f"{path} has {labels.size} labels for {data.shape[0]} images or labels outside "
            f"0..9, so it is damaged; {hint}.")
    n = data.shape[0]
    images = data.reshape(n, 3, 32, 32).transpose(0, 2, 3, 1)  # (n, 3072) -> (n, 32, 32, 3)
    return images, labels


def _load_uint8(root):
    """Read every batch in ``root`` as uint8 images.

    Parameters
    ----------
    root : Path
        A ``cifar-10-batches-py`` folder.

    Returns
    -------
    Xtr : ndarray of shape (N_train, 32, 32, 3), uint8
    ytr : ndarray of shape (N_train,), int64
    Xte : ndarray of shape (N_test, 32, 32, 3), uint8
    yte : ndarray of shape (N_test,), int64
    """
    _check_present(root)
    train = [_read_batch(root / name) for name in TRAIN_FILES]
    Xtr = np.concatenate([images for images, _ in train])  # (N_train, 32, 32, 3)
    ytr = np.concatenate([labels for _, labels in train])  # (N_train,)
    Xte, yte = _read_batch(root / TEST_FILE)
    return Xtr, ytr, Xte, yte


def _check_dtype(dtype):
    """Return ``np.dtype(dtype)`` if it is a floating type, else raise ValueError."""
    try:
        dt = np.dtype(dtype)
    except TypeError as exc:
        raise ValueError(f"dtype must be a floating type such as np.float32 or np.float64, "
                         f"got {dtype!r}; pass one of those.") from exc
    if dt.kind != "f":
        raise ValueError(f"dtype must be a floating type such as np.float32 or np.float64, "
                         f"got {dt}; pass one of those.")
    return dt


def load_CIFAR10(root, dtype=np.float64):
    """Load all of CIFAR-10 from the official python batches in ``root``.

    Parameters
    ----------
    root : str or Path
        A ``cifar-10-batches-py`` folder holding ``data_batch_1`` .. ``data_batch_5``
        and ``test_batch``.
    dtype : floating dtype, default np.float64
        Dtype of the returned images; np.float32 halves the memory.

    Returns
    -------
    Xtr : ndarray of shape (N_train, 32, 32, 3)
        Training images, pixel values 0..255 in ``dtype``.
    ytr : ndarray of shape (N_train,), int64
        Training labels in [0, 10).
    Xte : ndarray of shape (N_test, 32, 32, 3)
        Test images.
    yte : ndarray of shape (N_test,), int64
        Test labels.

    Raises
    ------
    FileNotFoundError
        When ``root`` or one of the batches is missing (the message says to run
        ``bash get_datasets.sh``).
    ValueError
        When a batch is corrupt or truncated (the message names the file and how
        to fetch it again), or ``dtype`` is not a floating type.
    """
    dt = _check_dtype(dtype)
    Xtr, ytr, Xte, yte = _load_uint8(Path(root))
    return Xtr.astype(dt), ytr, Xte.astype(dt), yte


# ---------------------------------------------------------- preparation


def _check_size(name, value):
    """Return ``value`` if it is None or an int >= 0, else raise ValueError naming ``name``."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise ValueError(f"{name} must be a non-negative integer or None, got {value!r}; "
                         "pass a count such as 1000, or None for the default.")
    return int(value)


def _split_sizes(n_train_total, n_test_total, num_training, num_validation, num_test, num_dev=None):
    """The split sizes both loaders use: the ones asked for (None: CS231n's 49000/1000/1000/500), shrunk to fit.

    When training and validation together outgrow the training images on disk,
    validation is cut to at most a fifth of them and training takes the rest, so
    the full dataset gives 49000/1000 and the 5085-image subset 4085/1000. Test
    is at most the test images on disk, dev at most the training split.

    Returns
    -------
    sizes : tuple of int
        ``(num_training, num_validation, num_test, num_dev)``.
    shrunk : list of str
        ``"name asked -> got"`` for every size given (not None) that was reduced.
    """
    asked = {"num_training": num_training, "num_validation": num_validation, "num_test": num_test,
             "num_dev": num_dev}
    n_tr, n_val, n_te, n_dev = (_FULL_SPLIT[name] if value is None else value for name, value in asked.items())
    if n_tr < 1:
        raise ValueError(f"num_training must be at least 1, got {n_tr}; ask for some training images.")
    if n_tr + n_val > n_train_total:
        n_val = min(n_val, n_train_total // 5)
        n_tr = min(n_tr, n_train_total - n_val)
    n_te = min(n_te, n_test_total)
    n_dev = min(n_dev, n_tr)
    got = dict(zip(asked, (n_tr, n_val, n_te, n_dev)))
    shrunk = [f"{name} {value} -> {got[name]}" for name, value in asked.items() if value is not None and got[name] < value]
    return (n_tr, n_val, n_te, n_dev), shrunk


def _notice_shrunk(root, n_train_total, n_test_total, sizes, shrunk):
    """Print one line when sizes that were asked for do not fit the data on disk."""
    if shrunk:
        print(f"NOTICE: {root} holds {n_train_total} training and {n_test_total} test images, so the split "
              f"(train/val/test) is {'/'.join(map(str, sizes[:3]))}, smaller than asked: {', '.join(shrunk)}.")


def flip_horizontal(X):
    """Mirror images left to right, the data augmentation used for CIFAR-10.

    Parameters
    ----------
    X : ndarray of shape (N, 32, 32, 3), (N, 3072) or (N, 3073)
        Images, or their flattened rows; a 3073rd column (the bias trick's 1)
        is kept as it is. Templates work too: pass ``W.T`` of shape (C, 3073).

    Returns
    -------
    X_flipped : ndarray of the shape and dtype of ``X``
        A new array: every image with its 32 columns in reverse order.

    Notes
    -----
    Mirroring only permutes the pixel values of a row, so for a linear
    classifier ``flip_horizontal(X) @ W == X @ flip_horizontal(W.T).T``:
    scoring a mirrored image is the same as scoring the image with mirrored
    templates. On mean-subtracted rows the result is the mirrored image minus
    the mirrored mean image.
    """
    X = np.asarray(X)
    if X.ndim == 4 and X.shape[1:] == IMAGE_SHAPE:
        return X[:, :, ::-1, :].copy()  # (N, 32, 32, 3), width reversed
    if X.ndim == 2 and X.shape[1] in (PIXELS, PIXELS + 1):
        n = X.shape[0]
        X_flipped = X.copy()  # (N, D), keeps a bias column
        images = X[:, :PIXELS].reshape(n, *IMAGE_SHAPE)  # (N, 3072) -> (N, 32, 32, 3)
        X_flipped[:, :PIXELS] = images[:, :, ::-1, :].reshape(n, PIXELS)  # (N, 32, 32, 3) -> (N, 3072)
        return X_flipped
    raise ValueError(
        f"X must have shape (N, 32, 32, 3), (N, 3072) or (N, 3073), got {X.shape}; "
        "pass CIFAR-10 images, their flattened rows, or W.T."
    )


def _prepare(images, mean_image, flatten, bias_trick, dtype):
    """Convert uint8 images to ``dtype``, subtract the mean, flatten, append ones.

    Parameters
    ----------
    images : ndarray of shape (n, 32, 32, 3), uint8
    mean_image : ndarray of shape (32, 32, 3) or None
        Subtracted from every image when given.
    flatten, bias_trick : bool
        Return (n, 3072), or (n, 3073) with a last column of ones.
    dtype : floating dtype

    Returns
    -------
    ndarray of shape (n, 32, 32, 3), (n, 3072) or (n, 3073)
    """
    n = images.shape[0]
    if not flatten:
        out = images.astype(dtype)  # (n, 32, 32, 3)
        if mean_image is not None:
            out -= mean_image  # (n, 32, 32, 3) - (32, 32, 3)
        return out
    out = np.empty((n, PIXELS + int(bias_trick)), dtype=dtype)  # (n, D)
    out[:, :PIXELS] = images.reshape(n, PIXELS)  # (n, 32, 32, 3) -> (n, 3072)
    if mean_image is not None:
        out[:, :PIXELS] -= mean_image.reshape(PIXELS)  # (n, 3072) - (3072,)
    if bias_trick:
        out[:, PIXELS] = 1.0  # the bias column: W's last row is the bias
    return out


def _synthetic_fallback(reason):
    """Return the synthetic stand-in's folder, generating it once; print one notice.

    Parameters
    ----------
    reason : str
        Where CIFAR-10 was looked for, for the notice.
    """
    from .course.synthetic import SYNTHETIC_VERSION, make_synthetic_cifar10  # it builds on this module's format

    root = SYNTHETIC_CIFAR10_DIR
    marker = root / SYNTHETIC_MARKER
    if not (marker.is_file() and marker.read_text().startswith(SYNTHETIC_VERSION)):
        # Missing, or written by an older generator: (re)generate it.
        shutil.rmtree(root, ignore_errors=True)
        try:
            make_synthetic_cifar10(root)
        except FileExistsError:
            pass  # another process generated it at the same moment: use theirs
    print(f"NOTICE: no CIFAR-10 in {reason}, so the notebooks use the SYNTHETIC stand-in from "
          f"{root} (generated images, not photos); run `make data` to get the real CIFAR-10.")
    return root


def get_CIFAR10_linear_data(cifar10_dir=None, num_training=None, num_validation=None, num_test=None,
                            num_dev=None, subtract_mean=True, flatten=True, bias_trick=True,
                            dtype=np.float64, allow_synthetic=False, verbose=True):
    """Load CIFAR-10 and prepare it the CS231n way for a linear classifier (notebooks 01-04).

    (CS231n's assignment 1 preparation: rows of pixels with a bias column and a
    dev set. For networks, :func:`get_CIFAR10_data` returns images instead.)

    Training and validation are consecutive slices of the training batches, test
    is the first ``num_test`` test images, and dev is a random subset of the
    training split (fixed seed) for quick experiments. The mean image is
    computed on the training split only and subtracted from every split.

    Parameters
    ----------
    cifar10_dir : str or Path, optional
        A ``cifar-10-batches-py`` folder; default ``$CS231N_DATA_DIR`` or the
        repository's ``datasets/cifar-10-batches-py``.
    num_training, num_validation, num_test, num_dev : int, optional
        Split sizes; the defaults are 49000/1000/1000/500 on the full dataset and
        shrink on a smaller one (4085/1000/1000/500 on the 5085-image subset).
        Sizes that do not fit the data are shrunk the same way, with one line
        saying so (as :func:`get_CIFAR10_data` does).
    subtract_mean : bool, default True
        Subtract the training split's mean image.
    flatten : bool, default True
        Return rows of D = 3072 pixels instead of (32, 32, 3) images.
    bias_trick : bool, default True
        Append a column of ones (D = 3073); needs ``flatten=True``.
    dtype : floating dtype, default np.float64
    allow_synthetic : bool, default False
        When no CIFAR-10 is found, use (and generate once) the synthetic stand-in
        instead of raising, and print one line saying so.
    verbose : bool, default True
        Print one line saying what was loaded from where, with the split sizes.

    Returns
    -------
    dict
        ``X_train`` (num_training, D), ``y_train`` (num_training,), ``X_val``,
        ``y_val``, ``X_test``, ``y_test``, ``X_dev``, ``y_dev`` (labels int64;
        images (n, 32, 32, 3) when ``flatten=False``), ``mean_image`` (32, 32, 3)
        or None, ``class_names`` (the ten names), ``source`` ('cifar10' or
        'synthetic') and ``data_dir`` (the folder read, a Path).

    Raises
    ------
    FileNotFoundError
        When no CIFAR-10 is found and ``allow_synthetic`` is False.
    ValueError
        For a corrupt batch or bad options.
    """
    dt = _check_dtype(dtype)
    sizes = [_check_size(name, value) for name, value in (
        ("num_training", num_training), ("num_validation", num_validation),
        ("num_test", num_test), ("num_dev", num_dev))]
    if bias_trick and not flatten:
        raise ValueError("bias_trick=True needs flatten=True, got flatten=False; "
                         "pass bias_trick=False to keep (32, 32, 3) images.")

    root, source, (Xtr, ytr, Xte, yte) = _load_with_fallback(cifar10_dir, allow_synthetic)

    (n_tr, n_val, n_te, n_dev), shrunk = _split_sizes(len(ytr), len(yte), *sizes)
    _notice_shrunk(root, len(ytr), len(yte), (n_tr, n_val, n_te), shrunk)
    train, val = slice(0, n_tr), slice(n_tr, n_tr + n_val)
    dev = np.random.default_rng(_DEV_SEED).choice(n_tr, n_dev, replace=False)  # (n_dev,)

    mean_image = None
    if subtract_mean:
        mean_image = Xtr[train].mean(axis=0, dtype=np.float64).astype(dt)  # (32, 32, 3)

    def prepare(images):
        return _prepare(images, mean_image, flatten, bias_trick, dt)

    X_train = prepare(Xtr[train])
    data = {
        "X_train": X_train, "y_train": ytr[train],
        "X_val": prepare(Xtr[val]), "y_val": ytr[val],
        "X_test": prepare(Xte[:n_te]), "y_test": yte[:n_te],
        "X_dev": X_train[dev], "y_dev": ytr[train][dev],
        "mean_image": mean_image, "class_names": CLASS_NAMES,
        "source": source, "data_dir": root,
    }
    if verbose:
        what = "real CIFAR-10" if source == "cifar10" else "the synthetic stand-in"
        print(f"Loaded {what} from {root}: {n_tr} train, {n_val} val, {n_te} test, {n_dev} dev.")
    return data


def _load_with_fallback(cifar10_dir, allow_synthetic):
    """Find and read CIFAR-10 as uint8, falling back to the synthetic stand-in when allowed.

    Parameters
    ----------
    cifar10_dir : str, Path or None
        None is ``$CS231N_DATA_DIR`` or the repository's ``datasets/cifar-10-batches-py``.
    allow_synthetic : bool

    Returns
    -------
    root : Path
        The folder read.
    source : {'cifar10', 'synthetic'}
    arrays : tuple
        ``Xtr`` (N_train, 32, 32, 3) uint8, ``ytr`` (N_train,), ``Xte`` (N_test, 32, 32, 3), ``yte`` (N_test,).
    """
    root = Path(cifar10_dir) if cifar10_dir is not None else _default_cifar10_dir()
    try:
        arrays = _load_uint8(root)
    except FileNotFoundError:
        if not allow_synthetic:
            raise
        root = _synthetic_fallback(root)
        arrays = _load_uint8(root)
    source = "synthetic" if (root / SYNTHETIC_MARKER).exists() else "cifar10"
    return root, source, arrays


def get_CIFAR10_source(cifar10_dir=None):
    """Say which data :func:`get_CIFAR10_data` with ``allow_synthetic=True`` reads: 'cifar10' or 'synthetic'.

    Parameters
    ----------
    cifar10_dir : str, Path or None
        As for :func:`get_CIFAR10_data`.

    Returns
    -------
    source : {'cifar10', 'synthetic'}
        'cifar10' when every batch file of the real dataset is there.
    """
    root = Path(cifar10_dir) if cifar10_dir is not None else _default_cifar10_dir()
    try:
        _check_present(root)
    except FileNotFoundError:
        return "synthetic"
    return "synthetic" if (root / SYNTHETIC_MARKER).exists() else "cifar10"


def get_CIFAR10_data(num_training=49000, num_validation=1000, num_test=1000, subtract_mean=True, *,
                     cifar10_dir=None, dtype=np.float32, allow_synthetic=False, verbose=True):
    """Load CIFAR-10 as images for a neural network, as in CS231n's assignment 2.

    Training and validation are consecutive slices of the training batches
    (validation right after training), test the first ``num_test`` test
    images. The mean image of the training split is subtracted from every
    split. Sizes larger than the data on disk are shrunk to fit, with one line
    saying so (the 5085-image subset gives 4085/1000/1000 for the defaults).

    Parameters
    ----------
    num_training, num_validation, num_test : int
        Split sizes (num_training >= 1, the others >= 0).
    subtract_mean : bool, default True
    cifar10_dir : str or Path, optional, keyword only
        A ``cifar-10-batches-py`` folder; default ``$CS231N_DATA_DIR`` or the
        repository's ``datasets/cifar-10-batches-py``.
    dtype : floating dtype, default np.float32, keyword only
        (CS231n returns float64; the networks here compute in float32.)
    allow_synthetic : bool, default False, keyword only
        When no CIFAR-10 is found, use the synthetic stand-in and say so
        (:func:`get_CIFAR10_source` tells which one is read).
    verbose : bool, default True, keyword only
        Print one line saying what was loaded.

    Returns
    -------
    dict of ndarray
        ``X_train`` (num_training, 3, 32, 32), ``y_train`` (num_training,),
        ``X_val`` (num_validation, 3, 32, 32), ``y_val``, ``X_test``
        (num_test, 3, 32, 32), ``y_test``; labels int64. Nothing but arrays.

    Raises
    ------
    FileNotFoundError
        When no CIFAR-10 is found and ``allow_synthetic`` is False.
    ValueError
        For a corrupt batch or bad options.
    """
    dt = _check_dtype(dtype)
    num_training, num_validation, num_test = (_check_size(name, value) for name, value in (
        ("num_training", num_training), ("num_validation", num_validation), ("num_test", num_test)))
    if num_training is None or num_training < 1 or num_validation is None or num_test is None:
        raise ValueError(f"num_training must be at least 1 and every size an integer, got "
                         f"{num_training}/{num_validation}/{num_test}; pass counts such as 49000, 1000, 1000.")
    root, source, (Xtr, ytr, Xte, yte) = _load_with_fallback(cifar10_dir, allow_synthetic)
    (n_tr, n_val, n_te, _), shrunk = _split_sizes(len(ytr), len(yte), num_training, num_validation, num_test, 0)
    _notice_shrunk(root, len(ytr), len(yte), (n_tr, n_val, n_te), shrunk)

    X_train = Xtr[:n_tr].astype(dt)                    # (n_tr, 32, 32, 3)
    X_val = Xtr[n_tr:n_tr + n_val].astype(dt)          # (n_val, 32, 32, 3)
    X_test = Xte[:n_te].astype(dt)                     # (n_te, 32, 32, 3)
    if subtract_mean:
        mean_image = X_train.mean(axis=0, dtype=np.float64).astype(dt)  # (32, 32, 3)
        X_train -= mean_image                          # (n, 32, 32, 3) - (32, 32, 3)
        X_val -= mean_image
        X_test -= mean_image
    data = {
        # Channels first, as CS231n's networks expect: (n, 32, 32, 3) -> (n, 3, 32, 32).
        "X_train": np.ascontiguousarray(X_train.transpose(0, 3, 1, 2)), "y_train": ytr[:n_tr],
        "X_val": np.ascontiguousarray(X_val.transpose(0, 3, 1, 2)), "y_val": ytr[n_tr:n_tr + n_val],
        "X_test": np.ascontiguousarray(X_test.transpose(0, 3, 1, 2)), "y_test": yte[:n_te],
    }
    if verbose:
        what = "real CIFAR-10" if source == "cifar10" else "the synthetic stand-in"
        print(f"Loaded {what} from {root} as images (N, 3, 32, 32): {n_tr} train, {n_val} val, {n_te} test.")
    return data
