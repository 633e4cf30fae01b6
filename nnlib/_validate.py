"""Input checks shared by nnlib's public functions: one validator per concept.

Every message names the function, what was expected and what arrived, because
the reader of an error is usually a learner who passed a `(3,)` where a `(1, 3)`
was meant, or `lr=True` where a number was meant.
"""

from __future__ import annotations

import numbers

import numpy as np


class NonFiniteError(ValueError):
    """An array holds nan (or inf where only finite numbers make sense)."""


def as_float_array(x, name: str, func: str, ndims: tuple[int, ...] | None = None,
                   nonempty: bool = False) -> np.ndarray:
    """Return `x` as a float array, or raise a clear TypeError/ValueError.

    Parameters
    ----------
    x : array_like
        The value to convert. Lists, tuples, scalars and arrays of numbers (or of
        booleans, read as 0 and 1) are fine.
    name, func : str
        The argument's name and the function it was passed to, for the message.
    ndims : tuple of int, optional
        The allowed numbers of dimensions, e.g. ``(1, 2)``.
    nonempty : bool
        Refuse an array with no entries (a mean over nothing is nan).
    """
    try:
        arr = np.asarray(x)
    except Exception as err:  # ragged nested lists, or an object whose __array__ fails
        raise ValueError(f"{func}: {name} must be a rectangular array of numbers ({err})") from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{func}: {name} must hold numbers, got {type(x).__name__} "
                        f"with dtype {arr.dtype}")
    if arr.dtype.kind != "f":
        arr = arr.astype(np.float64)
    if ndims is not None and arr.ndim not in ndims:
        allowed = " or ".join(_shape_word(n) for n in ndims)
        raise ValueError(f"{func}: {name} must be {allowed}, got shape {arr.shape} ({arr.ndim}-D)")
    if nonempty and arr.size == 0:
        raise ValueError(f"{func}: {name} is empty (shape {arr.shape}); expected at least one value")
    return arr


def check_not_nan(arr: np.ndarray, name: str, func: str) -> np.ndarray:
    """Raise a `NonFiniteError` naming the first nan in `arr`; return `arr` unchanged."""
    if np.isnan(arr).any():
        where = tuple(int(i) for i in np.argwhere(np.isnan(arr))[0])
        raise NonFiniteError(f"{func}: {name} contains nan (first at index {where}); "
                             "a nan in means a bug upstream, so nnlib stops here")
    return arr


def positive_number(value, name: str, func: str) -> float:
    """A real number > 0 (not a bool, not a string), returned as a float."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) \
            or not np.isfinite(value) or value <= 0:
        raise _bad(func, name, "a positive number", value)
    return float(value)


def nonnegative_number(value, name: str, func: str) -> float:
    """A finite real number >= 0 (not a bool, not a string), returned as a float."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) \
            or not np.isfinite(value) or value < 0:
        raise _bad(func, name, "a number >= 0", value)
    return float(value)


def fraction(value, name: str, func: str) -> float:
    """A real number in [0, 1) (a dropout rate, Adam's β), returned as a float."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) \
            or not np.isfinite(value) or not 0 <= value < 1:
        raise _bad(func, name, "a number in [0, 1)", value)
    return float(value)


def positive_int(value, name: str, func: str) -> int:
    """An integer >= 1 (not a bool, not a float such as 2.5), returned as an int."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise _bad(func, name, "a positive integer", value)
    return int(value)


def _bad(func: str, name: str, expected: str, value) -> Exception:
    error = ValueError if isinstance(value, numbers.Real) and not isinstance(value, bool) else TypeError
    return error(f"{func}: {name} must be {expected}, got {value!r} ({type(value).__name__})")


def _shape_word(ndim: int) -> str:
    return {0: "a scalar", 1: "1-D", 2: "2-D"}.get(ndim, f"{ndim}-D")
