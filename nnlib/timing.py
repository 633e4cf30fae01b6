"""Timing the loop layer against the vectorized one, for chapter 4 and `bench/dense_bench.py`.

- `loop_dense` runs chapter 3's `nnlib.dense_loop` over a batch, one example at a time;
- `best_times` times several functions fairly, side by side, keeping each one's best repeat.
"""

from __future__ import annotations

import timeit
from collections.abc import Callable

import numpy as np

from . import dense_loop


def loop_dense(A, W, b, activation="linear") -> np.ndarray:
    """Chapter 3's method for a batch: one `nnlib.dense_loop` call per example (row of A).

    Parameters
    ----------
    A : array_like, shape (m, n_in)
        A batch of m examples, one per row.
    W, b, activation
        The layer, as for `nnlib.dense_loop`.

    Returns
    -------
    numpy.ndarray, shape (m, n_units)
        The same numbers as ``nnlib.dense(A, W, b, activation)``, computed much more slowly.
    """
    if np.ndim(A) != 2:
        raise ValueError(f"loop_dense: A must be a batch of shape (m, n_in), got shape {np.shape(A)}")
    return np.array([dense_loop(a_k, W, b, activation) for a_k in A])


def best_times(funcs: dict[str, Callable[[], object]], repeats: int = 10,
               min_seconds: float = 0.0005) -> dict[str, float]:
    """Best seconds per call of each function in a dict, e.g. ``{"loop": f, "dense": g}``.

    Each repeat calls a function often enough to last at least `min_seconds`, so that the
    clock's resolution does not matter, but no more: many short repeats let the best one
    dodge the moments when the computer is busy elsewhere. The functions take turns, in
    alternating order, so that a busy moment slows them all alike and none always runs
    right after another. The best repeat is the least disturbed one.

    Parameters
    ----------
    funcs : dict of str to function
        Functions of no arguments, e.g. ``lambda: nnlib.dense(A, W, b, "relu")``.
    repeats : int
        How many times each function is timed.
    min_seconds : float
        The least duration of one repeat; 0 times a single call per repeat.

    Returns
    -------
    dict of str to float
        Seconds per call, with the keys of `funcs`.
    """
    if repeats < 1:
        raise ValueError(f"best_times: repeats must be at least 1, got {repeats}")
    timers = {name: timeit.Timer(f) for name, f in funcs.items()}
    numbers = dict.fromkeys(funcs, 1)
    for name, timer in timers.items():  # these trial runs also warm each function up
        while timer.timeit(numbers[name]) < min_seconds and numbers[name] < 1_000_000:
            numbers[name] *= 2
    best = dict.fromkeys(funcs, float("inf"))
    for r in range(repeats):
        for name in list(timers) if r % 2 == 0 else list(timers)[::-1]:  # no one always goes first
            best[name] = min(best[name], timers[name].timeit(numbers[name]) / numbers[name])
    return best
