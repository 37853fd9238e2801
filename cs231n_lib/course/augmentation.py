"""Data augmentation beyond horizontal flips: random crops and colour jitter, drawn anew for every minibatch.

Letters: N images, each of shape (3, S, S) (channels first, as ``get_CIFAR10_data`` gives them; S = 32
for CIFAR-10), pixel values 0..255 (raw, before the mean is subtracted).

A photo shifted by a few pixels, or taken in a different light, shows the same object. Training on
such random variants, a new draw at every step, keeps a network from memorizing the exact pixels
of its training images; at test time it sees the plain image. The transforms here are the usual
CIFAR-10 ones:

- :func:`random_crop`: pad each side with ``pad`` black pixels and cut a random S x S window out
  (a shift of up to ``pad`` pixels in each direction);
- :func:`color_jitter`: scale brightness, contrast and saturation by random factors near 1;
- :func:`augment`: a random crop, a horizontal flip with probability 1/2
  (:func:`~cs231n_lib.data_utils.flip_horizontal`) and a colour jitter, in that order.
"""

import numpy as np

from ..data_utils import flip_horizontal

LUMA = np.array([0.299, 0.587, 0.114])  # (3,): the grey level of an (R, G, B) pixel


def random_crop(images, pad, rng):
    """Shift each image by up to ``pad`` pixels: pad with black, cut a random window of the original size.

    Parameters
    ----------
    images : ndarray of shape (N, 3, S, S)
    pad : int
        Pixels added on every side (4 for CIFAR-10); 0 returns a copy.
    rng : numpy.random.Generator
        Draws each image's window.

    Returns
    -------
    cropped : ndarray of shape (N, 3, S, S)
        ``cropped[i] = padded[i][:, top:top + S, left:left + S]`` with ``top``, ``left`` uniform in
        ``0..2 * pad``; the dtype of ``images``.
    """
    n, _, height, width = images.shape
    padded = np.pad(images, ((0, 0), (0, 0), (pad, pad), (pad, pad)))  # (N, 3, S + 2 pad, S + 2 pad)
    tops = rng.integers(0, 2 * pad + 1, size=n)  # (N,)
    lefts = rng.integers(0, 2 * pad + 1, size=n)  # (N,)
    rows = tops[:, None] + np.arange(height)  # (N, S)
    cols = lefts[:, None] + np.arange(width)  # (N, S)
    return padded[np.arange(n)[:, None, None, None], np.arange(3)[None, :, None, None],
                  rows[:, None, :, None], cols[:, None, None, :]]  # (N, 3, S, S)


def color_jitter(images, rng, brightness=0.4, contrast=0.4, saturation=0.4):
    """Change each image's brightness, contrast and saturation by random factors in [1 - s, 1 + s].

    In order, with one factor of each kind per image: brightness multiplies every pixel; contrast
    moves every pixel away from (factor > 1) or toward the image's mean grey level; saturation moves
    every pixel away from or toward its own grey level (factor 0 would be a black-and-white photo).
    The result is clipped to 0..255.

    Parameters
    ----------
    images : ndarray of shape (N, 3, S, S)
        Raw pixel values, 0..255.
    rng : numpy.random.Generator
    brightness, contrast, saturation : float in [0, 1)
        The half-width s of each factor's uniform range; 0 leaves that property as it is.

    Returns
    -------
    jittered : ndarray of shape (N, 3, S, S), float64, values in 0..255
    """
    n = len(images)
    out = np.asarray(images, dtype=np.float64)
    factors = {name: rng.uniform(1 - s, 1 + s, size=(n, 1, 1, 1))  # (N, 1, 1, 1) each
               for name, s in (("brightness", brightness), ("contrast", contrast), ("saturation", saturation))}
    out = out * factors["brightness"]
    grey = np.einsum("c,nchw->nhw", LUMA, out)[:, None]  # (N, 1, S, S): each pixel's grey level
    image_grey = grey.mean(axis=(2, 3), keepdims=True)  # (N, 1, 1, 1): each image's mean grey level
    out = image_grey + factors["contrast"] * (out - image_grey)
    grey = np.einsum("c,nchw->nhw", LUMA, out)[:, None]  # (N, 1, S, S), after the contrast change
    out = grey + factors["saturation"] * (out - grey)  # (N, 3, S, S)
    return np.clip(out, 0, 255)


def augment(images, rng, pad=4, jitter=0.4):
    """A random crop, a horizontal flip with probability 1/2 and a colour jitter, drawn per image.

    Parameters
    ----------
    images : ndarray of shape (N, 3, 32, 32)
        Raw pixel values, 0..255 (S = 32: the flip is ``flip_horizontal``'s, on CIFAR-10 images).
    rng : numpy.random.Generator
    pad : int, default 4
        :func:`random_crop`'s; 0 turns the crops off.
    jitter : float, default 0.4
        The brightness, contrast and saturation range of :func:`color_jitter`; 0 turns it off.

    Returns
    -------
    augmented : ndarray of shape (N, 3, 32, 32), float64, values in 0..255
    """
    out = random_crop(np.asarray(images, dtype=np.float64), pad, rng)  # (N, 3, S, S)
    flip = rng.random(len(out)) < 0.5  # (N,)
    if flip.any():
        channels_last = out[flip].transpose(0, 2, 3, 1)  # (n_flip, S, S, 3): flip_horizontal's layout
        out[flip] = flip_horizontal(channels_last).transpose(0, 3, 1, 2)  # (n_flip, 3, S, S)
    if jitter:
        out = color_jitter(out, rng, jitter, jitter, jitter)
    return out
