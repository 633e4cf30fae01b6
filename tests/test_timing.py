"""nnlib.timing: the loop layer over a batch, and fair best-of timings (chapter 4 and bench/)."""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path

import numpy as np
import pytest

import nnlib
from nnlib import timing

BENCH = Path(__file__).resolve().parent.parent / "bench" / "dense_bench.py"


# --- loop_dense -------------------------------------------------------------------------

@pytest.mark.parametrize("activation", ["linear", "sigmoid", "relu", "softmax"])
def test_loop_dense_equals_the_vectorized_layer(activation):
    rng = np.random.default_rng(0)
    A, W, b = rng.normal(size=(6, 4)), rng.normal(size=(4, 3)), rng.normal(size=3)
    out = timing.loop_dense(A, W, b, activation)
    assert out.shape == (6, 3)
    np.testing.assert_allclose(out, nnlib.dense(A, W, b, activation), rtol=0, atol=1e-12)


def test_loop_dense_runs_dense_loop_once_per_example(monkeypatch):
    rows = []
    monkeypatch.setattr(timing, "dense_loop", lambda a, W, b, g: rows.append(a) or np.zeros(W.shape[1]))
    A = np.arange(6.0).reshape(3, 2)
    assert timing.loop_dense(A, np.ones((2, 5)), np.zeros(5)).shape == (3, 5)
    np.testing.assert_array_equal(rows, A)


def test_loop_dense_wants_a_batch():
    with pytest.raises(ValueError, match=r"loop_dense: A must be a batch of shape \(m, n_in\), got shape \(2,\)"):
        timing.loop_dense(np.ones(2), np.ones((2, 3)), np.zeros(3))


# --- best_times -------------------------------------------------------------------------

def test_best_times_takes_turns_in_alternating_order():
    calls = []
    funcs = {name: (lambda name=name: calls.append(name)) for name in "abc"}
    best = timing.best_times(funcs, repeats=3, min_seconds=0)
    assert list(best) == ["a", "b", "c"]
    # one trial call each, then one call per repeat: forwards, backwards, forwards
    assert "".join(calls) == "abc" + "abc" + "cba" + "abc"


def test_best_times_repeats_a_short_call_until_it_lasts_min_seconds():
    calls = []
    timing.best_times({"nothing": lambda: calls.append(1)}, repeats=1, min_seconds=0.002)
    # trial runs of 1, 2, 4, ..., n calls, then one repeat of n calls: 3n - 1 in all
    n = (len(calls) + 1) // 3
    assert len(calls) == 3 * n - 1 and n & (n - 1) == 0
    assert n >= 64  # an empty call takes well under 0.002 s / 64 = 31 µs


def test_best_times_caps_the_calls_per_repeat():
    calls = []
    timing.best_times({"nothing": lambda: calls.append(1)}, repeats=1, min_seconds=1e9)
    assert (len(calls) + 1) // 3 == 2 ** 20  # the first power of 2 above a million


def test_best_times_keeps_the_best_repeat():
    calls = []

    def slow_but_once():
        calls.append(1)
        if len(calls) != 3:
            time.sleep(0.005)

    best = timing.best_times({"f": slow_but_once}, repeats=4, min_seconds=0)
    assert best["f"] < 0.004  # the third call, the only fast one


def test_best_times_of_a_sleep():
    best = timing.best_times({"sleep": lambda: time.sleep(0.002), "nothing": lambda: None}, repeats=2)
    assert 0.002 <= best["sleep"] < 0.1
    assert 0 < best["nothing"] < best["sleep"]


def test_best_times_needs_a_repeat():
    with pytest.raises(ValueError, match="best_times: repeats must be at least 1, got 0"):
        timing.best_times({"f": lambda: None}, repeats=0)


# --- the benchmark uses them ------------------------------------------------------------

def test_the_benchmark_runs_on_nnlib_timing(capsys):
    spec = importlib.util.spec_from_file_location("dense_bench", BENCH)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    assert bench.timing is timing and not hasattr(bench, "loop_dense") and not hasattr(bench, "best_times")
    bench.main(["--widths", "8", "--batches", "1", "4", "--repeats", "1"])
    out = capsys.readouterr().out
    assert "       8->8     1 |" in out and "       8->8     4 |" in out and "Target: nnlib.dense / raw" in out
