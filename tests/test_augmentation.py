"""Tests for cs231n_lib.course.augmentation: crops against slicing written out, jitter against its definitions."""

import numpy as np
import pytest

from cs231n_lib.course.augmentation import LUMA, augment, color_jitter, random_crop


def images(n=5, size=32, seed=0):
    """(n, 3, size, size) raw pixels, 0..255, every value distinct enough to tell shifts apart."""
    return np.random.default_rng(seed).uniform(1, 254, size=(n, 3, size, size))


@pytest.mark.parametrize("pad", [0, 1, 4])
def test_random_crop_is_the_drawn_window_of_the_padded_image(pad):
    X = images(6, size=8)
    out = random_crop(X, pad, np.random.default_rng(3))
    draws = np.random.default_rng(3)  # the same draws, in the order the function makes them
    tops, lefts = draws.integers(0, 2 * pad + 1, size=6), draws.integers(0, 2 * pad + 1, size=6)
    for i in range(6):
        padded = np.zeros((3, 8 + 2 * pad, 8 + 2 * pad))
        padded[:, pad:pad + 8, pad:pad + 8] = X[i]
        np.testing.assert_array_equal(out[i], padded[:, tops[i]:tops[i] + 8, lefts[i]:lefts[i] + 8])
    assert out.shape == X.shape and out.dtype == X.dtype


def test_random_crop_shifts_vary_and_stay_within_pad():
    X = np.repeat(images(1, size=16), 400, axis=0)  # one image, 400 crops
    out = random_crop(X, 2, np.random.default_rng(0))
    shifts = set()
    for crop in out:
        found = [(dy, dx) for dy in range(-2, 3) for dx in range(-2, 3)
                 if np.array_equal(crop[:, max(dy, 0):16 + min(dy, 0), max(dx, 0):16 + min(dx, 0)],
                                   X[0][:, max(-dy, 0):16 + min(-dy, 0), max(-dx, 0):16 + min(-dx, 0)])]
        assert len(found) == 1, "each crop is exactly one shift of at most 2 pixels"
        shifts.add(found[0])
    assert len(shifts) == 25, "all 25 shifts occur in 400 draws"


def test_color_jitter_with_zero_ranges_is_the_identity():
    X = images()
    np.testing.assert_allclose(color_jitter(X, np.random.default_rng(0), 0, 0, 0), X, rtol=0, atol=1e-9)


def test_brightness_scales_each_image_by_one_factor_in_range():
    X = images() / 2  # 0..127: no clipping up to a factor 2
    out = color_jitter(X, np.random.default_rng(1), brightness=0.4, contrast=0, saturation=0)
    ratios = out / X  # (N, 3, S, S)
    factors = ratios.reshape(len(X), -1)[:, 0]
    np.testing.assert_allclose(ratios, factors[:, None, None, None] * np.ones_like(X), rtol=1e-12)
    assert np.all((factors >= 0.6) & (factors <= 1.4)) and np.ptp(factors) > 0


def test_contrast_keeps_the_mean_grey_and_scales_deviations():
    X = 64 + images() / 4  # 64..128: no clipping
    out = color_jitter(X, np.random.default_rng(2), brightness=0, contrast=0.4, saturation=0)
    grey_in, grey_out = np.einsum("c,nchw->nhw", LUMA, X), np.einsum("c,nchw->nhw", LUMA, out)  # (N, S, S)
    np.testing.assert_allclose(grey_out.mean(axis=(1, 2)), grey_in.mean(axis=(1, 2)), rtol=1e-12)
    for i in range(len(X)):
        deviation_in = X[i] - grey_in[i].mean()
        factor = (out[i] - grey_in[i].mean()).ravel()[0] / deviation_in.ravel()[0]
        np.testing.assert_allclose(out[i] - grey_in[i].mean(), factor * deviation_in, rtol=1e-9)
        assert 0.6 <= factor <= 1.4


def test_saturation_keeps_every_pixels_grey_level():
    X = 64 + images() / 4
    out = color_jitter(X, np.random.default_rng(4), brightness=0, contrast=0, saturation=0.4)
    np.testing.assert_allclose(np.einsum("c,nchw->nhw", LUMA, out), np.einsum("c,nchw->nhw", LUMA, X), rtol=1e-12)
    assert not np.allclose(out, X), "but the colours change"


def test_jitter_clips_to_pixel_range():
    X = np.full((50, 3, 4, 4), 250.0)
    X[:, 0] = 5.0
    out = color_jitter(X, np.random.default_rng(5), 0.4, 0.4, 0.4)
    assert out.min() >= 0 and out.max() <= 255 and out.max() == 255, "bright images are clipped at 255"


def test_augment_without_crop_or_jitter_flips_about_half():
    X = images(200)
    out = augment(X, np.random.default_rng(6), pad=0, jitter=0)
    same = np.array([np.array_equal(o, x) for o, x in zip(out, X)])  # (N,)
    mirrored = np.array([np.array_equal(o, x[:, :, ::-1]) for o, x in zip(out, X)])  # (N,)
    assert np.all(same ^ mirrored), "each image is itself or its mirror"
    assert 70 < mirrored.sum() < 130, "with probability 1/2 (200 draws: 100 +- 7)"


def test_augment_is_reproducible_and_keeps_pixels_in_range():
    X = images(8)
    first, second = augment(X, np.random.default_rng(7)), augment(X, np.random.default_rng(7))
    np.testing.assert_array_equal(first, second)
    assert first.shape == X.shape and first.min() >= 0 and first.max() <= 255
    assert not np.allclose(first, X)
