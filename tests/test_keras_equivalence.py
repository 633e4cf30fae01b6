"""nnlib agrees with TensorFlow/Keras: activations, losses and Dense layers given the same weights.

Keras computes layers and loss objects in float32. To compare arithmetic rather
than rounding of the inputs, every input is first rounded to float32 and the
*same* float32 values are given to both libraries (nnlib then works in float64).
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # silence TensorFlow's C++ start-up logging

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import nnlib  # noqa: E402
from nnlib import datasets  # noqa: E402

tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")

# float32 tolerances. float32 rounds each operation to a relative 2**-24 ≈ 6e-8. A dot
# product of n ≤ 16 products, each at most ~5 here, can then be off by about
# n · 5 · 6e-8 ≈ 5e-6 in absolute terms, which matters most when the terms cancel and the
# result is near 0 (hence ATOL); away from 0 the error is a few times 1e-7 relative, well
# inside RTOL. Both are still far tighter than any real mistake (a missing bias, a
# transposed W, a wrong activation changes outputs by 1e-2 or more).
RTOL = 1e-5
ATOL = 5e-6

# Keras has no step activation (it has no gradient), so "step" is not compared.
KERAS_ACTIVATIONS = ["linear", "sigmoid", "tanh", "relu", "softmax"]


def f32(x):
    """The float32 values both libraries get, as float64 for nnlib."""
    return np.asarray(x, dtype=np.float32).astype(np.float64)


def numpy(t):
    return np.asarray(t, dtype=np.float64)


# --- activations -----------------------------------------------------------------------

@pytest.mark.parametrize("name", KERAS_ACTIVATIONS)
@pytest.mark.parametrize("shape", [(5,), (4, 3), (2, 3, 4)])
def test_activations_match_keras(name, shape):
    z = f32(np.random.default_rng(30).normal(scale=4.0, size=shape))
    expected = numpy(getattr(keras.activations, name)(z.astype(np.float32)))
    np.testing.assert_allclose(nnlib.get_activation(name)(z), expected, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_softmax_axis_matches_keras(axis):
    z = f32(np.random.default_rng(31).normal(scale=3.0, size=(3, 4, 5)))
    expected = numpy(keras.activations.softmax(z.astype(np.float32), axis=axis))
    np.testing.assert_allclose(nnlib.softmax(z, axis=axis), expected, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "softmax"])
def test_activations_at_extremes_match_keras_in_float64(name):
    # ±1e308 does not fit in float32 (it becomes inf), so this comparison runs in float64,
    # which Keras's activation functions keep when given float64 input.
    z = np.array([[-1000.0, 0.0, 1000.0], [1e308, 1.0, 0.0], [-1e308, -1.0, 0.0]])
    expected = numpy(getattr(keras.activations, name)(z))
    np.testing.assert_allclose(nnlib.get_activation(name)(z), expected, rtol=1e-12, atol=0)


# --- losses ------------------------------------------------------------------------------

def loss_inputs(rng, m, n_out):
    """Targets and moderate probabilities: p in [0.02, 0.98], far from Keras's clipping."""
    Y = f32((rng.uniform(size=(m, n_out)) > 0.5).astype(float))
    P = f32(rng.uniform(0.02, 0.98, size=(m, n_out)))
    return Y, P


def class_inputs(rng, m, n_classes):
    labels = rng.integers(0, n_classes, size=m)
    P = f32(nnlib.softmax(rng.normal(size=(m, n_classes))))
    return labels, np.eye(n_classes)[labels], P


@pytest.mark.parametrize("m, n_out", [(1, 1), (8, 1), (5, 3)])
def test_mse_and_squared_error_match_keras(m, n_out):
    rng = np.random.default_rng(32)
    Y, P = f32(rng.normal(size=(m, n_out))), f32(rng.normal(size=(m, n_out)))
    per_example = numpy(keras.losses.mean_squared_error(Y, P))  # mean over outputs, one per example
    assert per_example.shape == (m,)
    assert nnlib.mse(Y, P) == pytest.approx(per_example.mean(), rel=RTOL, abs=ATOL)
    # the class averages over the batch ("sum_over_batch_size") in float32
    assert nnlib.mse(Y, P) == pytest.approx(float(keras.losses.MeanSquaredError()(Y, P)), rel=RTOL, abs=ATOL)
    # Keras has no summed squared error; it is n_out times the mean
    assert nnlib.squared_error(Y, P) == pytest.approx(n_out * per_example.mean(), rel=RTOL, abs=ATOL)


@pytest.mark.parametrize("m, n_out", [(1, 1), (8, 1), (5, 3)])
def test_binary_crossentropy_matches_keras(m, n_out):
    Y, P = loss_inputs(np.random.default_rng(33), m, n_out)
    per_example = numpy(keras.losses.binary_crossentropy(Y, P))
    assert nnlib.binary_crossentropy(Y, P) == pytest.approx(per_example.mean(), rel=RTOL, abs=ATOL)
    assert nnlib.binary_crossentropy(Y, P) == pytest.approx(
        float(keras.losses.BinaryCrossentropy()(Y, P)), rel=RTOL, abs=ATOL)


@pytest.mark.parametrize("m, n_classes", [(1, 2), (6, 3), (10, 5)])
def test_categorical_and_sparse_crossentropy_match_keras(m, n_classes):
    labels, Y, P = class_inputs(np.random.default_rng(34), m, n_classes)
    expected = numpy(keras.losses.categorical_crossentropy(Y, P)).mean()
    assert nnlib.categorical_crossentropy(Y, P) == pytest.approx(expected, rel=RTOL, abs=ATOL)
    assert nnlib.categorical_crossentropy(Y, P) == pytest.approx(
        float(keras.losses.CategoricalCrossentropy()(Y, P)), rel=RTOL, abs=ATOL)
    expected = numpy(keras.losses.sparse_categorical_crossentropy(labels, P)).mean()
    assert nnlib.sparse_categorical_crossentropy(labels, P) == pytest.approx(expected, rel=RTOL, abs=ATOL)
    assert nnlib.sparse_categorical_crossentropy(labels, P) == pytest.approx(
        float(keras.losses.SparseCategoricalCrossentropy()(labels, P)), rel=RTOL, abs=ATOL)


def test_unnormalised_probabilities_are_rescaled_like_keras():
    Y = np.eye(3)[[0, 2]]
    P = np.array([[2.0, 1.0, 1.0], [0.5, 0.5, 3.0]])  # rows sum to 4: Keras divides by the sum too
    expected = numpy(keras.losses.categorical_crossentropy(Y, P)).mean()
    assert nnlib.categorical_crossentropy(Y, P) == pytest.approx(expected, rel=1e-12)


def test_crossentropies_at_p_zero_and_one_match_keras_functions_in_float64():
    # Both clip p to [1e-7, 1 - 1e-7]. Only in float64 do the clipped values agree:
    # the loss *classes* cast to float32, where 1 - 1e-7 rounds to 1 - 1.19e-7, so a
    # confident wrong answer costs -log(1.19e-7) ≈ 15.94 there instead of ≈ 16.12.
    # The moderate-input tests above compare the classes; this one uses the functions.
    Y = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 0.0]])
    P = np.array([[0.0, 1.0], [0.0, 1.0], [1.0, 0.0]])
    for name in ["binary_crossentropy", "categorical_crossentropy"]:
        expected = numpy(getattr(keras.losses, name)(Y, P)).mean()
        assert getattr(nnlib, name)(Y, P) == pytest.approx(expected, rel=1e-9)
    labels = np.array([1, 0, 0])
    expected = numpy(keras.losses.sparse_categorical_crossentropy(labels, P)).mean()
    assert nnlib.sparse_categorical_crossentropy(labels, P) == pytest.approx(expected, rel=1e-6)


# --- Dense layers and whole networks --------------------------------------------------

def keras_dense(W, b, activation):
    layer = keras.layers.Dense(W.shape[1], activation=activation)
    layer.build((None, W.shape[0]))
    layer.set_weights([W.astype(np.float32), b.astype(np.float32)])
    return layer


@pytest.mark.parametrize("activation", KERAS_ACTIVATIONS)
@pytest.mark.parametrize("n_in, n_units", [(1, 2), (2, 3), (5, 4), (16, 10)])
def test_dense_matches_a_keras_dense_layer(activation, n_in, n_units):
    rng = np.random.default_rng(35)
    W, b = f32(rng.normal(size=(n_in, n_units))), f32(rng.normal(size=n_units))
    layer = keras_dense(W, b, activation)
    kernel, bias = layer.get_weights()
    assert kernel.shape == W.shape and bias.shape == b.shape  # Keras stores W as (n_in, n_units) too
    for m in (1, 7, 32):
        X = f32(rng.normal(size=(m, n_in)))
        expected = numpy(layer(X.astype(np.float32)))
        assert expected.shape == (m, n_units)
        np.testing.assert_allclose(nnlib.dense(X, W, b, activation), expected, rtol=RTOL, atol=ATOL)
    # one example as a 1-D vector gives the row Keras computes for a batch of one
    x = X[0]
    np.testing.assert_allclose(nnlib.dense(x, W, b, activation), numpy(layer(x[None, :].astype(np.float32)))[0],
                               rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("activation", ["linear", "sigmoid", "tanh", "relu"])
def test_one_unit_dense_matches_keras(activation):
    # (softmax over one unit is always 1, and Keras warns about it, so it is left out here)
    rng = np.random.default_rng(38)
    W, b = f32(rng.normal(size=(3, 1))), f32(rng.normal(size=1))
    X = f32(rng.normal(size=(9, 3)))
    expected = numpy(keras_dense(W, b, activation)(X.astype(np.float32)))
    np.testing.assert_allclose(nnlib.dense(X, W, b, activation), expected, rtol=RTOL, atol=ATOL)


def test_dense_loop_matches_keras_too():
    rng = np.random.default_rng(36)
    W, b = f32(rng.normal(size=(3, 4))), f32(rng.normal(size=4))
    layer = keras_dense(W, b, "sigmoid")
    x = f32(rng.normal(size=3))
    np.testing.assert_allclose(nnlib.dense_loop(x, W, b, "sigmoid"), numpy(layer(x[None, :].astype(np.float32)))[0],
                               rtol=RTOL, atol=ATOL)


def test_sequential_matches_keras_sequential_on_the_coffee_network():
    X, _ = datasets.coffee_roasting(64, seed=5)
    mean, std = datasets.normalization_stats(X)
    layers = [(f32(W), f32(b), g) for W, b, g in datasets.coffee_roasting_network(mean, std)]
    Xn = f32(datasets.normalize(X, mean, std))
    model = keras.Sequential([keras.Input(shape=(2,))] + [keras.layers.Dense(W.shape[1], activation=g)
                                                          for W, _, g in layers])
    model.set_weights([w.astype(np.float32) for W, b, _ in layers for w in (W, b)])
    expected = numpy(model(Xn.astype(np.float32), training=False))
    np.testing.assert_allclose(nnlib.sequential(Xn, layers), expected, rtol=RTOL, atol=ATOL)


def test_sequential_matches_keras_on_a_deeper_softmax_network():
    rng = np.random.default_rng(37)
    sizes, names = [4, 8, 6, 3], ["relu", "tanh", "softmax"]
    layers = [(f32(rng.normal(size=(a, c))), f32(rng.normal(size=c)), g) for a, c, g in zip(sizes, sizes[1:], names)]
    model = keras.Sequential([keras.Input(shape=(4,))] + [keras.layers.Dense(c, activation=g)
                                                          for c, g in zip(sizes[1:], names)])
    model.set_weights([w.astype(np.float32) for W, b, _ in layers for w in (W, b)])
    X = f32(rng.normal(size=(20, 4)))
    expected = numpy(model(X.astype(np.float32), training=False))
    out = nnlib.sequential(X, layers)
    np.testing.assert_allclose(out, expected, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-12)
