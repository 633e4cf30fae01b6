"""float32 in, float32 computed: as in Keras, nnlib keeps the precision it is given.

A float32 batch through float32 weights is computed in float32 (half the memory
traffic, the speed `bench/train_bench.py` measures); anything else is promoted by
NumPy's rules (float32 data with float64 weights computes in float64). Results
agree with the float64 computation within float32's rounding, bounded from the
terms each sum adds (`float32_tolerance`).
"""

from __future__ import annotations

import numpy as np
import pytest

import nnlib

from conftest import assert_float32_close, float32_tolerance


def network(dtype, seed=0):
    layers = nnlib.make_network([6, 16, 4], ["relu", "softmax"], seed=seed)
    rng = np.random.default_rng(seed)
    layers = [(W, rng.normal(scale=0.1, size=b.shape), g) for W, b, g in layers]
    return [(W.astype(dtype), b.astype(dtype), g) for W, b, g in layers]


def data(dtype, m=40, seed=1):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(m, 6)).astype(dtype), rng.integers(0, 4, size=m)


def test_backprop_on_float32_computes_in_float32_and_agrees_with_float64():
    X32, y = data(np.float32)
    grads32 = nnlib.backprop(X32, y, network(np.float32), "sparse_categorical_crossentropy")
    grads64 = nnlib.backprop(X32.astype(np.float64), y, network(np.float64), "sparse_categorical_crossentropy")
    # The gradient of the mean loss is the mean of the m examples' own gradients: the sum of their
    # absolute values bounds what float32 rounds, over m terms plus the forward pass's 6 and 16.
    per_example = [nnlib.backprop(X32[i:i + 1].astype(np.float64), y[i:i + 1], network(np.float64),
                                  "sparse_categorical_crossentropy") for i in range(len(y))]
    for k, (pair32, pair64) in enumerate(zip(grads32, grads64)):
        for j, (g32, g64) in enumerate(zip(pair32, pair64)):
            assert g32.dtype == np.float32
            magnitude = np.mean([np.abs(grads[k][j]) for grads in per_example], axis=0)
            assert_float32_close(g32, g64, float32_tolerance(magnitude, len(y) + 16 + 6), f"layer {k} grad {j}")


def test_float32_data_with_float64_weights_computes_in_float64():
    X32, y = data(np.float32)
    grads = nnlib.backprop(X32, y, network(np.float64), "sparse_categorical_crossentropy")
    assert all(g.dtype == np.float64 for pair in grads for g in pair)


@pytest.mark.parametrize("optimizer", [None, nnlib.SGD(0.1, momentum=0.9), nnlib.Adam(0.01),
                                       nnlib.SGD(nnlib.ExponentialDecay(0.1, 5, 0.5))],
                         ids=["lr", "momentum", "adam", "schedule"])
def test_fit_keeps_float32_weights_float32(optimizer):
    X32, y = data(np.float32)
    kwargs = {"lr": 0.1} if optimizer is None else {"optimizer": optimizer}
    trained, history = nnlib.fit(X32, y, network(np.float32), "sparse_categorical_crossentropy",
                                 epochs=5, batch_size=8, seed=0, **kwargs)
    assert all(p.dtype == np.float32 for layer in trained for p in layer.params)
    assert history[-1] < history[0]


def test_gradient_check_of_a_float32_network_differentiates_in_float64():
    X32, y = data(np.float32, m=8)
    numeric = nnlib.numeric_gradients(X32, y, network(np.float32), "sparse_categorical_crossentropy")
    assert all(g.dtype == np.float64 for pair in numeric for g in pair)
    assert nnlib.gradient_check(X32, y, network(np.float32), "sparse_categorical_crossentropy") < 1e-3
