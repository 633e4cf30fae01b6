"""Input checks shared by nnlib's public functions.

Every message names what was expected and what arrived, because the reader of
an error is usually a learner who passed a `(3,)` where a `(1, 3)` was meant.
"""

from __future__ import annotations

import numpy as np


def as_float_array(x, name: str, func: str, ndims: tuple[int, ...] | None = None) -> np.ndarray:
    """Return `x` as a float array, or raise a clear TypeError/ValueError.

    Parameters
    ----------
    x : array_like
        The value to convert. Lists, tuples, scalars and arrays of numbers are fine.
    name, func : str
        The argument's name and the function it was passed to, for the message.
    ndims : tuple of int, optional
        The allowed numbers of dimensions, e.g. ``(1, 2)``.
    """
    try:
        arr = np.asarray(x)
    except ValueError as err:  # ragged nested lists
        raise ValueError(f"{func}: {name} must be a rectangular array of numbers ({err})") from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(
            f"{func}: {name} must hold numbers, got {type(x).__name__} with dtype {arr.dtype}"
        )
    if arr.dtype.kind != "f":
        arr = arr.astype(np.float64)
    if ndims is not None and arr.ndim not in ndims:
        allowed = " or ".join(_shape_word(n) for n in ndims)
        raise ValueError(
            f"{func}: {name} must be {allowed}, got shape {arr.shape} ({arr.ndim}-D)"
        )
    return arr


def _shape_word(ndim: int) -> str:
    return {0: "a scalar", 1: "1-D", 2: "2-D"}.get(ndim, f"{ndim}-D")
