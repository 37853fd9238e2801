"""Blocked full-batch losses, their block-size choice and the deferred NaN/inf scan, against the plain
vectorized losses, finite differences and fake timings (no test here depends on a real timing)."""

import json
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from cs231n_lib import (eval_numerical_gradient, rel_error, softmax_loss_naive, softmax_loss_vectorized,
                        svm_loss_naive, svm_loss_vectorized)
from cs231n_lib.course import _block_rows
from cs231n_lib.course._checks import DeferredInputScan
from cs231n_lib.course.full_batch import (_GroupProducts, blocked_loss, choose_block_rows, group_blocks_for,
                                          softmax_loss_full_batch, svm_loss_full_batch)
from cs231n_lib.classifiers.linear_svm import svm_loss_on_scores
from cs231n_lib.second_order import lbfgs_train
from cs231n_lib.classifiers.softmax import softmax_loss_on_scores

PAIRS = [(svm_loss_full_batch, svm_loss_vectorized, svm_loss_on_scores),
         (softmax_loss_full_batch, softmax_loss_vectorized, softmax_loss_on_scores)]
IDS = ["svm", "softmax"]


@pytest.fixture(autouse=True)
def private_block_cache(tmp_path, monkeypatch):
    """Each test measures into a cache folder of its own, never the user's, and starts with no choice in memory."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv(_block_rows.ENV_VAR, raising=False)
    _block_rows.forget()
    _block_rows.cache_bytes.cache_clear()  # the cache sizes are read once per process: again for each test
    yield
    _block_rows.forget()
    _block_rows.cache_bytes.cache_clear()


def problem(seed=0, num_train=203, dim=17, num_classes=6, dtype=np.float64):
    rng = np.random.default_rng(seed)
    W = (rng.standard_normal((dim, num_classes)) * 0.3).astype(dtype)
    X = rng.standard_normal((num_train, dim)).astype(dtype)
    y = rng.integers(0, num_classes, num_train)
    return W, X, y


@pytest.mark.parametrize("num_threads", [1, 2, 5])
@pytest.mark.parametrize("block_rows", [1, 7, 32, 203, 1000])
@pytest.mark.parametrize("full_batch, vectorized, on_scores", PAIRS, ids=IDS)
def test_blocked_equals_vectorized(full_batch, vectorized, on_scores, block_rows, num_threads):
    W, X, y = problem()  # 203 rows: the last block is partial for every block size but 1, 7 and 203
    loss, dW = blocked_loss(on_scores, W, X, y, 0.05, block_rows=block_rows, num_threads=num_threads)
    expected_loss, expected_dW = vectorized(W, X, y, 0.05)
    assert rel_error(loss, expected_loss) <= 1e-10, f"blocked loss {loss!r}, vectorized {expected_loss!r}"
    assert rel_error(dW, expected_dW) <= 1e-10, f"blocked dW differs from the vectorized one (B = {block_rows})"
    assert dW.shape == W.shape and dW.dtype == W.dtype, "dW has the shape and dtype of W"


@pytest.mark.parametrize("full_batch, vectorized, on_scores", PAIRS, ids=IDS)
def test_default_blocks_match_vectorized_and_keep_float32(full_batch, vectorized, on_scores):
    W, X, y = problem(seed=1, num_train=1000, dtype=np.float32)
    loss, dW = full_batch(W, X, y, 1e-3)
    expected_loss, expected_dW = vectorized(W, X, y, 1e-3)
    assert dW.dtype == np.float32, "float32 in, float32 out"
    # float32 rounding of sums grouped differently: compare to the gradient's scale (entries near 0 cancel)
    assert rel_error(loss, expected_loss) < 1e-5, f"float32 blocked loss {loss}, vectorized {expected_loss}"
    assert np.abs(dW - expected_dW).max() < 1e-5 * np.abs(expected_dW).max(), "float32 blocked dW differs"


@pytest.mark.parametrize("full_batch, vectorized, on_scores", PAIRS, ids=IDS)
def test_blocked_gradient_matches_centered_differences(full_batch, vectorized, on_scores):
    W, X, y = problem(seed=2, num_train=70, dim=6, num_classes=4)
    loss, dW = blocked_loss(on_scores, W, X, y, 0.1, block_rows=16)
    numerical = eval_numerical_gradient(lambda w: blocked_loss(on_scores, w, X, y, 0.1, block_rows=16)[0],
                                        W.copy(), verbose=False, h=1e-5)
    assert rel_error(dW, numerical) < 1e-7, "the blocked gradient differs from centered differences"


def test_lbfgs_with_the_blocked_loss_follows_the_vectorized_one():
    W, X, y = problem(seed=3, num_train=150, dim=8, num_classes=3)
    W_blocked, history_blocked = lbfgs_train(softmax_loss_full_batch, X, y, 1e-2, max_iter=15)
    W_plain, history_plain = lbfgs_train(softmax_loss_vectorized, X, y, 1e-2, max_iter=15)
    assert len(history_blocked) == len(history_plain), "L-BFGS takes the same steps with either loss"
    assert rel_error(history_blocked, history_plain) < 1e-8, "the same losses along the way"
    assert history_blocked[-1] < history_blocked[0], "L-BFGS lowers the loss"


def test_threads_give_the_same_sum_every_time():
    W, X, y = problem(seed=6, num_train=2000)
    first = blocked_loss(softmax_loss_on_scores, W, X, y, 0.0, block_rows=16, num_threads=3)
    for _ in range(3):
        again = blocked_loss(softmax_loss_on_scores, W, X, y, 0.0, block_rows=16, num_threads=3)
        assert again[0] == first[0] and np.array_equal(again[1], first[1]), "threads must not change the sum"


@pytest.mark.parametrize("name, value", [("block_rows", 0), ("num_threads", 0), ("num_threads", 1.5),
                                         ("group_blocks", 0), ("group_blocks", True)])
def test_block_rows_and_threads_must_be_positive_integers(name, value):
    W, X, y = problem()
    with pytest.raises(ValueError, match=f"{name} must be a positive integer, got {value}"):
        blocked_loss(svm_loss_on_scores, W, X, y, 0.0, **{name: value})


@pytest.mark.parametrize("rows", [7, 12, 3])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_group_products_write_into_the_given_arrays_block_by_block(dtype, rows):
    W, X, _ = problem(dtype=dtype)
    products = _GroupProducts(dtype, W.shape, block_rows=4, group_blocks=3)  # 7 rows: one block of 4 and 3 left
    buffer = np.full((rows, W.shape[1]), np.nan, dtype=dtype)  # (n, C)
    scores = products.scores(buffer, X[:rows], W)
    assert np.shares_memory(scores, buffer), "the scores go into the buffer, not a new array"
    np.testing.assert_allclose(scores, X[:rows] @ W, rtol=1e-5)
    dW_T = products.new_gradient(W.shape)  # (C, D)
    assert dW_T.shape == W.shape[::-1]
    dscores = np.random.default_rng(1).standard_normal((rows, W.shape[1])).astype(dtype)  # (n, C)
    for _ in range(2):
        out = products.add_gradient(dW_T, X[:rows], dscores, 0.5)
        assert out is dW_T and out.dtype == dtype, "the gradient is accumulated in place"
    np.testing.assert_allclose(dW_T.T, X[:rows].T @ dscores, rtol=1e-5, atol=1e-5)


def test_groups_fill_half_the_last_level_cache_and_the_sample_is_read_from_memory():
    mib = 1024 ** 2
    row, share = 3073 * 8, 3073 * 10 * 8  # float64, C = 10
    # 32 MiB shared by 2 threads: 8 MiB each; a block of 32 rows with its share is 1.03 MB: 8 blocks (256 rows).
    assert _block_rows.group_blocks(32, row, share, threads=2, llc_bytes=32 * mib) == 8
    assert _block_rows.group_blocks(32, row // 2, share // 2, threads=2, llc_bytes=32 * mib) == 16, "float32"
    assert _block_rows.group_blocks(32, row, share, threads=8, llc_bytes=8 * mib) == 1, "at least one block"
    assert _block_rows.group_blocks(1, 8, 8, threads=1, llc_bytes=32 * mib) == _block_rows.MAX_GROUP_BLOCKS
    assert _block_rows.sample_rows(row, llc_bytes=32 * mib) == 2 * 32 * mib // row, "twice the cache"
    assert _block_rows.sample_rows(8, llc_bytes=32 * mib) == _block_rows.MAX_SAMPLE_ROWS
    assert _block_rows.sample_rows(10 ** 8, llc_bytes=32 * mib) == _block_rows.MIN_SAMPLE_ROWS
    W, X, _ = problem(num_train=10, dim=3073, num_classes=10)
    assert group_blocks_for(32, W, X, 2) == _block_rows.group_blocks(32, row, share, 2)


@pytest.mark.parametrize("block_rows, num_threads", [(4, 1), (5, 2), (3, 4)])
def test_groups_of_blocks_of_any_size_give_the_vectorized_result(block_rows, num_threads, monkeypatch):
    """Groups of 1, a few and many blocks (a cache of any size), with rows left over in every group."""
    W, X, y = problem(num_train=500, dim=30)
    expected_loss, expected_dW = softmax_loss_vectorized(W, X, y, 0.02)
    for llc in (1, 30 * 8 * 40, 10 ** 9):
        monkeypatch.setattr(_block_rows, "last_level_cache_bytes", lambda llc=llc: llc)
        loss, dW = blocked_loss(softmax_loss_on_scores, W, X, y, 0.02, block_rows=block_rows, num_threads=num_threads)
        assert rel_error(loss, expected_loss) <= 1e-10 and rel_error(dW, expected_dW) <= 1e-10, llc
    for group_blocks in (1, 3, 200):
        loss, dW = blocked_loss(softmax_loss_on_scores, W, X, y, 0.02, block_rows=block_rows, num_threads=num_threads,
                                group_blocks=group_blocks)
        assert rel_error(loss, expected_loss) <= 1e-10 and rel_error(dW, expected_dW) <= 1e-10, group_blocks


@pytest.mark.parametrize("W_dtype, X_dtype", [(np.float32, np.float64), (np.float64, np.float32),
                                              (np.longdouble, np.longdouble), (np.float16, np.float32)])
def test_dtypes_without_a_blas_or_mixed_still_agree(W_dtype, X_dtype):
    W, X, y = problem(seed=7)
    loss, dW = blocked_loss(softmax_loss_on_scores, W.astype(W_dtype), X.astype(X_dtype), y, 0.01, block_rows=16)
    expected_loss, expected_dW = softmax_loss_vectorized(W.astype(W_dtype).astype(np.float64),
                                                         X.astype(X_dtype).astype(np.float64), y, 0.01)
    tolerance = 2e-3 if np.float16 in (W_dtype, X_dtype) else 1e-5
    assert dW.dtype == W_dtype, "dW has the dtype of W"
    assert rel_error(float(loss), expected_loss) < tolerance, f"loss {loss}, expected {expected_loss}"
    assert np.abs(dW - expected_dW).max() < tolerance * np.abs(expected_dW).max(), "dW differs"


@pytest.mark.parametrize("layout", ["fortran", "strided"])
def test_x_in_any_layout_gives_the_same_result(layout):
    W, X, y = problem(seed=8)
    X_other = np.asfortranarray(X) if layout == "fortran" else np.repeat(X, 2, axis=1)[:, ::2]
    assert not X_other.flags.c_contiguous and np.array_equal(X_other, X)
    got = blocked_loss(svm_loss_on_scores, W, X_other, y, 0.1, block_rows=32, num_threads=2)
    expected = svm_loss_vectorized(W, X, y, 0.1)
    assert rel_error(got[0], expected[0]) <= 1e-10 and rel_error(got[1], expected[1]) <= 1e-10


def blas_thread_counts():
    return {lib["filepath"]: lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"}


def test_the_block_products_run_on_one_blas_thread_and_the_setting_comes_back():
    import scipy.linalg.blas  # noqa: F401  (its BLAS loaded, as in a pass)
    seen = []

    def spying_loss(scores, y):
        seen.append(blas_thread_counts())
        return softmax_loss_on_scores(scores, y)

    W, X, y = problem()
    with threadpool_limits(limits=2, user_api="blas"):  # as make bench runs on 2 cores
        before = blas_thread_counts()
        assert set(before.values()) == {2}, before
        blocked_loss(spying_loss, W, X, y, 0.0, block_rows=64, num_threads=2)
        assert seen and all(set(threads.values()) == {1} for threads in seen), f"BLAS threads during the pass: {seen}"
        assert blas_thread_counts() == before, "the BLAS thread setting is restored"


# ---------------------------------------------------------------- the rows per block

def test_l2_size_is_read_from_the_cache_folders_the_system_lists(tmp_path, monkeypatch):
    monkeypatch.setattr(os, "sysconf", lambda name: -1)  # the folders only
    for index, (level, kind, size) in enumerate([("1", "Data", "48K"), ("1", "Instruction", "32K"),
                                                 ("2", "Unified", "2048K"), ("3", "Unified", "32M")]):
        folder = tmp_path / f"index{index}"
        folder.mkdir()
        for name, value in (("level", level), ("type", kind), ("size", size)):
            (folder / name).write_text(value + "\n")
    assert _block_rows.l2_cache_bytes(str(tmp_path)) == 2048 * 1024
    assert _block_rows.last_level_cache_bytes(str(tmp_path)) == 32 * 1024 ** 2
    (tmp_path / "index2" / "size").write_text("1M\n")
    _block_rows.cache_bytes.cache_clear()
    assert _block_rows.l2_cache_bytes(str(tmp_path)) == 1024 ** 2
    (tmp_path / "index3" / "level").write_text("4\n")  # no level 3 listed: the L2 is the last level
    _block_rows.cache_bytes.cache_clear()
    assert _block_rows.last_level_cache_bytes(str(tmp_path)) == 1024 ** 2


def test_l2_size_falls_back_to_sysconf_then_to_none(tmp_path, monkeypatch):
    monkeypatch.setattr(os, "sysconf", lambda name: 1310720 if name == "SC_LEVEL2_CACHE_SIZE" else -1)
    assert _block_rows.l2_cache_bytes(str(tmp_path / "missing")) == 1310720
    monkeypatch.setattr(os, "sysconf", lambda name: 0)
    _block_rows.cache_bytes.cache_clear()
    assert _block_rows.l2_cache_bytes(str(tmp_path / "missing")) is None
    assert _block_rows.last_level_cache_bytes(str(tmp_path / "missing")) == 8 * 1024 ** 2, "none reported: 8 MiB"


def test_candidates_are_the_blocks_that_fit_in_l2():
    row_bytes = 3073 * 8
    rows = _block_rows.candidates(row_bytes, 2 * 1024 ** 2)
    assert rows == [4, 6, 8, 12, 16, 24, 32, 48, 64], rows  # 85 rows fit in 2 MiB
    assert _block_rows.candidates(row_bytes // 2, 2 * 1024 ** 2)[-1] == 128, "float32: twice the rows"
    assert _block_rows.candidates(row_bytes, None)[-1] == 32, "no size reported: 1 MiB assumed"
    assert _block_rows.candidates(10 ** 6, 2 * 1024 ** 2) == [2], "rows too long for the ladder: what fits"
    assert _block_rows.candidates(10 ** 7, 2 * 1024 ** 2) == [1], "at least one row"
    assert _block_rows.candidates(row_bytes, 2 * 1024 ** 2, weight_bytes=2 * 3073 * 100 * 8)[-1] == 192, \
        "C = 100: W and dW (4.9 MB) outgrow the L2, blocks as large as they are"
    assert _block_rows.candidates(row_bytes, 2 * 1024 ** 2, weight_bytes=2 * 3073 * 10 * 8)[-1] == 64, \
        "C = 10: W and dW fit, the L2 bounds the block"


def test_the_fastest_candidate_per_row_is_chosen_over_interleaved_rounds():
    calls = []

    def fake_time(block_rows, rows):  # a fixed cost per block plus a cost per row growing past 48 rows
        calls.append((block_rows, rows))
        noise = 5.0 if len(calls) <= 3 else 0.0  # the first calls are slow, as on a busy machine: best round counts
        return (rows / block_rows) * 30e-6 + rows * (4e-6 if block_rows <= 48 else 6e-6) + noise

    assert _block_rows.fastest([8, 16, 32, 48, 64, 128], fake_time) == 48
    assert len(calls) == 6 * _block_rows.ROUNDS and [c[0] for c in calls[:6]] == [8, 16, 32, 48, 64, 128]
    assert all(rows >= max(_block_rows.MIN_SAMPLE_ROWS, 4 * B) for B, rows in calls), "a few blocks each"


def test_of_candidates_tied_within_the_tolerance_the_largest_block_is_chosen():
    per_row = {12: 1.00, 24: 1.00, 32: 1.00 + 0.6 * _block_rows.TIE, 48: 1.00 + 2 * _block_rows.TIE}
    assert _block_rows.fastest(list(per_row), lambda block_rows, rows: rows * per_row[block_rows]) == 32
    per_row[32] = 1.00 + 1.5 * _block_rows.TIE
    assert _block_rows.fastest(list(per_row), lambda block_rows, rows: rows * per_row[block_rows]) == 24


def test_the_choice_is_measured_once_then_kept_in_memory_and_in_the_cache_file(tmp_path):
    measured = []

    def fake_time(block_rows, rows):
        measured.append(block_rows)
        return rows * abs(block_rows - 24) + 1.0

    key = "loss|float64|D=3073|C=10"
    assert _block_rows.choose(key, 3073 * 8, fake_time) == (24, "measured")
    assert measured, "the first use measures"
    path = tmp_path / "cache" / "cs231n_lib" / "block_rows.json"
    stored = json.loads(path.read_text())
    assert stored["block_rows"] == {key: 24} and stored["machine"] == _block_rows.machine_description()
    measured.clear()
    assert _block_rows.choose(key, 3073 * 8, fake_time) == (24, "this process")
    _block_rows.forget()
    assert _block_rows.choose(key, 3073 * 8, fake_time) == (24, "cache file")
    assert not measured, "nothing measured again"
    other = "loss|float32|D=3073|C=10"
    assert _block_rows.choose(other, 3073 * 4, fake_time)[1] == "measured", "another problem is measured"
    assert set(json.loads(path.read_text())["block_rows"]) == {key, other}, "both kept"


@pytest.mark.parametrize("content", ["{not json", json.dumps([1, 2]),
                                     json.dumps({"machine": {"cpu": "another"}, "block_rows": {"k": 8}}),
                                     "MACHINE_WITH_BAD_ROWS"])
def test_a_cache_file_unreadable_or_for_another_machine_is_ignored_and_replaced(tmp_path, content):
    path = tmp_path / "cache" / "cs231n_lib" / "block_rows.json"
    path.parent.mkdir(parents=True)
    if content == "MACHINE_WITH_BAD_ROWS":
        content = json.dumps({"machine": _block_rows.machine_description(), "block_rows": {"k": -3}})
    path.write_text(content)
    assert _block_rows.choose("k", 800, lambda block_rows, rows: rows * abs(block_rows - 16) + 1.0) == (16, "measured")
    assert json.loads(path.read_text())["block_rows"] == {"k": 16}


def test_an_unwritable_cache_folder_keeps_the_choice_for_the_process(tmp_path, monkeypatch):
    blocker = tmp_path / "a file"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))  # cs231n_lib/ cannot be made under a file
    assert _block_rows.choose("k", 800, lambda block_rows, rows: rows * abs(block_rows - 12) + 1.0) == (12, "measured")
    assert _block_rows.choose("k", 800, lambda block_rows, rows: 1 / 0) == (12, "this process")


def test_the_environment_overrides_the_choice_without_measuring(monkeypatch):
    monkeypatch.setenv(_block_rows.ENV_VAR, "7")
    assert _block_rows.choose("k", 800, lambda block_rows, rows: 1 / 0) == (7, "environment")
    W, X, y = problem()
    assert choose_block_rows(softmax_loss_on_scores, W, X) == (7, "environment")


@pytest.mark.parametrize("value", ["0", "-3", "abc", "2.5"])
def test_a_bad_override_is_one_sentence(monkeypatch, value):
    monkeypatch.setenv(_block_rows.ENV_VAR, value)
    W, X, y = problem()
    with pytest.raises(ValueError, match=f"CS231N_BLOCK_ROWS must be a positive integer, got '{value}'"):
        svm_loss_full_batch(W, X, y, 0.0)


def test_the_default_measures_for_this_problem_and_then_reuses_the_choice():
    W, X, y = problem(num_train=300, dim=40, num_classes=5)
    rows, source = choose_block_rows(svm_loss_on_scores, W, X)
    assert source == "measured" and rows in _block_rows.candidates(40 * 8, _block_rows.l2_cache_bytes(), 2 * 40 * 5 * 8)
    assert choose_block_rows(svm_loss_on_scores, W, X) == (rows, "this process")
    assert choose_block_rows(svm_loss_on_scores, W.astype(np.float32), X.astype(np.float32))[1] == "measured", \
        "float32 is a problem of its own"
    loss, dW = svm_loss_full_batch(W, X, y, 0.1)
    expected_loss, expected_dW = svm_loss_vectorized(W, X, y, 0.1)
    assert rel_error(loss, expected_loss) <= 1e-10 and rel_error(dW, expected_dW) <= 1e-10


# ---------------------------------------------------------------- the deferred NaN/inf scan of X

BAD = {"inf": np.inf, "-inf": -np.inf, "NaN": np.nan}
def svm_blocked_in_threads(W, X, y, reg):
    return blocked_loss(svm_loss_on_scores, W, X, y, reg, block_rows=16, num_threads=3)


def softmax_blocked_in_threads(W, X, y, reg):
    return blocked_loss(softmax_loss_on_scores, W, X, y, reg, block_rows=16, num_threads=3)


ALL = [svm_loss_vectorized, softmax_loss_vectorized, svm_loss_full_batch, softmax_loss_full_batch,
       svm_blocked_in_threads, softmax_blocked_in_threads]


@pytest.mark.parametrize("value", list(BAD), ids=list(BAD))
@pytest.mark.parametrize("loss_fn", ALL, ids=[f.__name__ for f in ALL])
@pytest.mark.parametrize("W_scale", [0.3, 0.0], ids=["W random", "W zero"])
def test_non_finite_X_gives_the_up_front_message_and_no_warning(loss_fn, value, W_scale):
    W, X, y = problem(seed=4)
    W = W * W_scale
    X[150, 3] = BAD[value]
    naive = svm_loss_naive if "svm" in loss_fn.__name__ else softmax_loss_naive  # checks X up front
    with pytest.raises(ValueError) as expected:
        naive(W, X, y, 0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError) as got:
            loss_fn(W, X, y, 0.0)
    assert str(got.value) == str(expected.value), "the message of the check up front, word for word"
    assert str(got.value).startswith("X contains NaN or inf"), str(got.value)


@pytest.mark.parametrize("loss_fn", ALL, ids=[f.__name__ for f in ALL])
def test_non_finite_X_is_reported_before_a_bad_reg_as_before(loss_fn):
    W, X, y = problem(seed=5)
    X[0, 0] = np.nan
    with pytest.raises(ValueError, match="X contains NaN or inf"):
        loss_fn(W, X, y, -1.0)


def test_overflow_with_finite_X_still_follows_the_callers_errstate():
    X = np.array([[1e308, 1e308]])
    with warnings.catch_warnings(record=True) as caught, np.errstate(over="warn"):
        warnings.simplefilter("always")
        with DeferredInputScan(X) as scan:
            result = X.sum()  # overflows to inf: finite X, so not a bad input
        scan.check(result, np.zeros((1, 1)))
    assert [str(w.message) for w in caught] == ["overflow encountered while computing the loss"], "one warning, as numpy's"
    with np.errstate(over="raise"), pytest.raises(FloatingPointError, match="overflow"):
        with DeferredInputScan(X) as scan:
            X.sum()
        scan.check(np.inf, np.zeros((1, 1)))
    with warnings.catch_warnings(), np.errstate(over="ignore"):
        warnings.simplefilter("error")
        with DeferredInputScan(X) as scan:
            X.sum()
        scan.check(np.inf, np.zeros((1, 1)))  # the caller ignores overflow: silent


def test_the_machine_description_does_not_depend_on_what_was_imported_before():
    code = ("import sys; from cs231n_lib.course import _block_rows; assert 'scipy.linalg' not in sys.modules; "
            "first = _block_rows.machine_description(); import scipy.linalg.blas; "
            "assert first == _block_rows.machine_description(), first")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
