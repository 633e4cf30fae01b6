"""Shared fixtures and helpers: strict numerics, random networks, and the book built once per session."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def strict_numerics():
    """Run the test with every warning an error and NumPy's overflow, divide-by-zero
    and invalid-value flags raising FloatingPointError.

    Underflow is left alone on purpose: e^{-1000} rounding to 0.0 is the correctly
    rounded answer, not a numerical accident.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
            yield


def random_layers(rng, sizes, activations, bias_scale: float = 1.0) -> list[tuple]:
    """Random ``(W, b, activation)`` layers for `sizes` = [n_in, n_units_1, ...]: W ~ N(0, 1)."""
    return [(rng.normal(size=(n_in, n_out)), rng.normal(scale=bias_scale, size=n_out), g)
            for n_in, n_out, g in zip(sizes[:-1], sizes[1:], activations)]


@pytest.fixture
def close_figures():
    """Close every Matplotlib figure a plotting test opened."""
    import matplotlib.pyplot as plt

    yield
    plt.close("all")


def texts(ax) -> list[str]:
    """The strings an Axes shows as text artists (labels written on a figure)."""
    return [t.get_text() for t in ax.texts]


@dataclass
class BookBuild:
    """The outcome of one `jupyter-book build`: its exit code, its log and the HTML folder."""

    returncode: int
    log: str
    html: Path


@pytest.fixture(scope="session")
def book_build(tmp_path_factory) -> BookBuild:
    """Build the HTML book once per test session, into a temporary folder.

    `-n -W --keep-going`: nitpicky, every warning an error, and all of them reported.
    Used by the zero-warning build test and by the browser test, which reads the pages.
    """
    out = tmp_path_factory.mktemp("book")
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    command = [str(jupyter_book) if jupyter_book.exists() else shutil.which("jupyter-book"),
               "build", str(ROOT), "--path-output", str(out), "--builder", "html",
               "-n", "-W", "--keep-going"]
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    return BookBuild(result.returncode, result.stdout + result.stderr, out / "_build" / "html")


# --- float32 tolerances ------------------------------------------------------------------------
#
# Keras computes in float32. Each float32 operation rounds its exact result by at most
# u = ε32/2 relative, where ε32 = 2**-23 ≈ 1.19e-7 is float32's spacing at 1. A sum of n terms, in
# any order, blocked or not, with or without fused multiply-add, then errs by at most about
# n·u·Σ|term| (Higham, *Accuracy and Stability of Numerical Algorithms*, 2nd ed., §3.1, §4.2).
# So every float32 tolerance in the tests is computed from the terms actually summed: their
# absolute values, how many there are, and ε32. It holds on any CPU and in any summation order
# (oneDNN's AVX-512 or SSE4.1 kernels, Eigen without oneDNN, one thread or many), yet a real
# mistake (a wrong weight, bias or activation) exceeds it. Set FLOAT32_RATIOS=<file> to append
# each comparison's worst |difference| / tolerance to that file, to see the margin on a machine.

EPS32 = float(np.finfo(np.float32).eps)  # 2**-23: float32's spacing at 1; one rounding errs by ≤ EPS32/2
# TensorFlow's float32 exp, log, sigmoid and tanh are approximations, not correctly rounded: on a
# 240,000-point grid they err by at most 4.1 ε32 relative to the result (sigmoid; tanh 2.4),
# under every CPU variant in the README; 8 ε32 is twice that.
FUNCTION_ULPS = 8


def float32_tolerance(magnitude, n_terms):
    """The float32 rounding error allowed for a result accumulated from `n_terms` roundings
    of terms whose absolute values add up to `magnitude`: n_terms · ε32 · magnitude.

    That is twice the worst case n_terms · (ε32/2) · magnitude, whatever the order of the sum.
    `magnitude` may be an array (one bound per entry), e.g. ``|A| @ |W| + |b|`` for ``A @ W + b``.
    """
    return n_terms * EPS32 * np.asarray(magnitude, dtype=np.float64)


def activation_float32_tolerance(name, Z, A, dZ=0.0):
    """Bound on |float32 g(Z) - exact g(Z)| when the float32 Z may itself be off by up to `dZ`.

    `Z` and `A = g(Z)` are exact (float64) values. The error Z brings in is carried through
    g's slope (at its steepest within reach), plus g's own rounding.
    """
    Z, A = np.asarray(Z, np.float64), np.asarray(A, np.float64)
    dZ = np.broadcast_to(np.asarray(dZ, np.float64), Z.shape)
    if name in ("linear", "relu"):  # exact in float32, and never steeper than 1
        return dZ.copy()
    if name in ("sigmoid", "tanh"):  # steepest at the point within reach that is closest to 0
        t = np.maximum(np.abs(Z) - dZ, 0.0)
        e = np.exp(-t) if name == "sigmoid" else np.exp(-2 * t)  # g'(t), written not to overflow
        slope = e / (1 + e) ** 2 if name == "sigmoid" else 4 * e / (1 + e) ** 2
        return slope * dZ + FUNCTION_ULPS * EPS32 * np.abs(A)
    if name == "softmax":
        # p_i = e^(z_i - max z) / Σ_j e^(z_j - max z). First order in dZ: |dp_i| ≤ p_i (|dz_i| + Σ_j p_j |dz_j|).
        # Own rounding: z_i - max z rounds by ε32/2·|z_i - max z|, which exp turns into that relative
        # error of e^(...); exp adds FUNCTION_ULPS; the sum of n terms, the division: n + 1 roundings.
        spread = Z.max(axis=-1, keepdims=True) - Z
        carried = A * (dZ + (A * dZ).sum(axis=-1, keepdims=True))
        own = ((spread + (A * spread).sum(axis=-1, keepdims=True)) / 2
               + 2 * FUNCTION_ULPS + Z.shape[-1] + 1) * EPS32 * A
        return carried + own
    raise ValueError(f"no float32 error model for activation {name!r}")


def activate(name, Z):
    """The exact (float64) activation, for the error bounds."""
    if name == "softmax":
        e = np.exp(Z - Z.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)
    return {"linear": lambda z: z, "relu": lambda z: np.maximum(z, 0.0), "tanh": np.tanh,
            "sigmoid": lambda z: 0.5 * (1 + np.tanh(z / 2))}[name](Z)


class LayerPass(NamedTuple):
    """One layer of a forward pass, exact, with bounds (``*_err``) on the float32 pass's errors."""

    A_prev: np.ndarray
    A_prev_err: np.ndarray
    Z: np.ndarray
    Z_err: np.ndarray
    A: np.ndarray
    A_err: np.ndarray


def float32_forward(X, layers, inputs_in_float32=True) -> list[LayerPass]:
    """The exact forward pass of a Dense network, with a bound on each float32 value's error.

    `layers` are ``(W, b, activation name)``. Layer by layer, z = a @ W + b sums n_in products
    and a bias: it may be off by float32_tolerance(|a| @ |W| + |b|, n_in + 1), plus the error
    already in a, carried through |W|; then through the activation (activation_float32_tolerance).
    With `inputs_in_float32` False, X, W and b are rounded to float32 on the way in: X's rounding
    starts the carried error, W's and b's add one more rounding (ε32/2 each) to every z.
    """
    A = np.asarray(X, dtype=np.float64)
    err = np.zeros_like(A) if inputs_in_float32 else EPS32 / 2 * np.abs(A)
    passes = []
    for W, b, g in layers:
        W, b = np.asarray(W, np.float64), np.asarray(b, np.float64)
        n_terms = W.shape[0] + 1 + (0 if inputs_in_float32 else 1)
        Z = A @ W + b
        Z_err = err @ np.abs(W) + float32_tolerance(np.abs(A) @ np.abs(W) + np.abs(b), n_terms)
        A_next = activate(g, Z)
        passes.append(LayerPass(A, err, Z, Z_err, A_next, activation_float32_tolerance(g, Z, A_next, Z_err)))
        A, err = A_next, passes[-1].A_err
    return passes


def forward_float32_tolerance(X, layers, inputs_in_float32=True):
    """Bound on |Keras's float32 output - the exact output| for each output of a Dense network."""
    return float32_forward(X, layers, inputs_in_float32)[-1].A_err


def assert_float32_close(actual, expected, tolerance, what="values"):
    """Assert |actual - expected| ≤ tolerance entry by entry; report the worst entry's ratio.

    With FLOAT32_RATIOS set to a file name, append the test's name and its worst ratio
    |actual - expected| / tolerance to it (1 would be the limit).
    """
    actual, expected, tolerance = np.broadcast_arrays(*(np.atleast_1d(np.asarray(v, np.float64))
                                                        for v in (actual, expected, tolerance)))
    diff = np.abs(actual - expected)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(diff == 0, 0.0, diff / tolerance)
    worst = float(np.max(ratio, initial=0.0))
    log = os.environ.get("FLOAT32_RATIOS")
    if log:
        test = os.environ.get("PYTEST_CURRENT_TEST", "?").rsplit(" (", 1)[0]
        with open(log, "a", encoding="utf-8") as f:
            f.write(f"{test}\t{what}\t{worst:.6g}\n")
    if not worst <= 1:
        i = np.unravel_index(np.argmax(ratio), ratio.shape)
        raise AssertionError(
            f"{what} differ beyond float32 rounding: at index {tuple(map(int, i))}, |{actual[i]!r} - "
            f"{expected[i]!r}| = {diff[i]:.3g} > tolerance {tolerance[i]:.3g} (ratio {worst:.3g}; "
            f"{np.sum(ratio > 1)} of {ratio.size} entries beyond it)")


@pytest.fixture
def float64_keras():
    """Keras in float64 for one test; floatx is global, so it is restored afterwards.

    Layers made without a dtype take Keras's global dtype policy, which Keras fixes from
    floatx the first time it is needed: tests that build layers should name their dtype too.
    """
    from nnlib.quiet_tf import import_keras

    keras = import_keras()
    previous = keras.config.floatx()
    keras.config.set_floatx("float64")
    try:
        yield
    finally:
        keras.config.set_floatx(previous)
