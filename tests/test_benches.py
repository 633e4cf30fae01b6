"""The training and convolution benchmarks compare equal work: their raw references are checked.

A benchmark is read, not run as a test (bench/README.md); but a ratio against a raw
reference means something only if that reference computes what nnlib computes. These
tests run the benchmarks' own reference checks on small problems, and show once that
the checks catch a reference that is off.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

import nnlib

BENCH = Path(__file__).resolve().parent.parent / "bench"


def load(name: str):
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_the_raw_training_step_and_adam_do_what_nnlib_does(dtype):
    bench = load("train_bench")
    X, y, layers = bench.make_problem(64, dtype, 0)
    bench.check_step_references(X, y, layers, dtype)
    bench.check_adam_reference(dtype, 0)


def test_the_reference_check_catches_a_raw_step_without_the_1_over_m(monkeypatch):
    bench = load("train_bench")
    X, y, layers = bench.make_problem(64, np.float64, 0)
    right = bench.raw_backward
    monkeypatch.setattr(bench, "raw_backward", lambda X, y, *rest: [g * len(y) for g in right(X, y, *rest)])
    with pytest.raises(AssertionError, match="differs by"):
        bench.check_step_references(X, y, layers, np.float64)


def test_the_convolution_benchmark_times_the_same_convolution_three_ways():
    bench = load("conv_bench")
    X = bench.digits(16)
    assert X.shape == (16, 8, 8, 1) and X.min() >= 0 and X.max() <= 1
    rng = np.random.default_rng(0)
    K, b = rng.normal(size=(3, 3, 1, 4)), rng.normal(size=4)
    expected = nnlib.conv2d(X, K, b, "relu")
    np.testing.assert_allclose(np.stack([nnlib.conv2d_loop(x, K, b, "relu") for x in X]), expected,
                               rtol=1e-12, atol=1e-12)
    from nnlib.quiet_tf import import_keras

    layer = bench.keras_conv(import_keras(), K, b, "float64")
    np.testing.assert_allclose(np.asarray(layer(X)), expected, rtol=1e-12, atol=1e-12)
