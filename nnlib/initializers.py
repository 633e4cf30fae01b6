"""Initial weights, as Keras draws them, and whole networks built from them.

A layer's ``W`` is ``(n_in, n_units)``, so Keras's fan-in is ``n_in`` and its fan-out
``n_units``. Biases start at zero, as in Keras's ``Dense``. The random numbers come
from NumPy, so the same seed gives the same network in nnlib, but not the same
numbers as Keras's generator: only the distributions are Keras's.
"""

from __future__ import annotations

import numpy as np

from ._validate import positive_int
from .activations import get_activation
from .layers import Dense

# The standard deviation of a standard normal truncated to [-2, 2]: Keras divides by it,
# so that the truncated draws have the standard deviation asked for.
_TRUNCATED_STD = 0.87962566103423978


def glorot_uniform(n_in: int, n_units: int, rng=None) -> np.ndarray:
    """W of shape (n_in, n_units), uniform on [−l, l] with ``l = √(6 / (n_in + n_units))``.

    Keras's default for ``Dense`` (Glorot & Bengio, 2010): the variance
    ``l² / 3 = 2 / (n_in + n_units)`` keeps the signal's scale forwards and backwards.
    """
    n_in, n_units = _fans("glorot_uniform", n_in, n_units)
    limit = np.sqrt(3.0 / max(1.0, (n_in + n_units) / 2.0))
    return _rng(rng).uniform(-limit, limit, size=(n_in, n_units))


def he_normal(n_in: int, n_units: int, rng=None) -> np.ndarray:
    """W of shape (n_in, n_units), normal with standard deviation ``√(2 / n_in)``, truncated.

    He et al. (2015), for ReLU layers, as Keras draws it: a normal truncated at two of
    its standard deviations (draws beyond are drawn again), whose standard deviation
    is set so that the truncated weights have ``√(2 / n_in)``.
    """
    n_in, n_units = _fans("he_normal", n_in, n_units)
    stddev = np.sqrt(2.0 / max(1.0, n_in)) / _TRUNCATED_STD
    return stddev * _truncated_standard_normal(_rng(rng), (n_in, n_units))


def _truncated_standard_normal(rng, shape) -> np.ndarray:
    z = rng.standard_normal(shape)
    outside = np.abs(z) > 2
    while outside.any():
        z[outside] = rng.standard_normal(np.count_nonzero(outside))
        outside = np.abs(z) > 2
    return z


INITIALIZERS = {"glorot_uniform": glorot_uniform, "he_normal": he_normal}


def make_network(sizes, activations, seed=None, kernel_initializer: str = "glorot_uniform") -> list[Dense]:
    """A list of `Dense` layers for ``sizes = [n_in, n_units_1, ..., n_out]``, biases zero.

    Parameters
    ----------
    sizes : list of int
        The number of inputs, then each layer's number of units.
    activations : list of str
        One per layer (``len(sizes) − 1``).
    seed : int, optional
        Seeds the one generator that draws every layer's W, first layer first.
    kernel_initializer : {"glorot_uniform", "he_normal"}
        As Keras's ``Dense(kernel_initializer=...)``.
    """
    func = "make_network"
    if kernel_initializer not in INITIALIZERS:
        raise ValueError(f"{func}: unknown kernel_initializer {kernel_initializer!r}; expected "
                         f"one of {', '.join(map(repr, INITIALIZERS))}")
    sizes = [positive_int(n, "each size", func) for n in sizes]
    activations = list(activations)
    if len(activations) != len(sizes) - 1:
        raise ValueError(f"{func}: {len(sizes)} sizes make {len(sizes) - 1} layers, so "
                         f"{len(sizes) - 1} activations are needed; got {len(activations)}")
    for g in activations:
        get_activation(g, func)
    rng, init = np.random.default_rng(seed), INITIALIZERS[kernel_initializer]
    return [Dense(init(n_in, n_units, rng), np.zeros(n_units), g)
            for n_in, n_units, g in zip(sizes[:-1], sizes[1:], activations)]


def _fans(func: str, n_in, n_units) -> tuple[int, int]:
    return positive_int(n_in, "n_in", func), positive_int(n_units, "n_units", func)


def _rng(rng):
    return np.random.default_rng() if rng is None else rng
