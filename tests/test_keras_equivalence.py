"""nnlib agrees with TensorFlow/Keras: activations, losses and Dense layers given the same weights.

Keras computes layers and loss objects in float32. To compare arithmetic rather
than rounding of the inputs, every input is first rounded to float32 and the
*same* float32 values are given to both libraries (nnlib then works in float64).
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # silence TensorFlow's C++ start-up logging

import numpy as np
import pytest

import nnlib
from nnlib import datasets

from conftest import (
    EPS32,
    FUNCTION_ULPS,
    activation_float32_tolerance,
    assert_float32_close,
    float32_tolerance,
    forward_float32_tolerance,
)

tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")

# Every float32 comparison below allows the worst-case float32 rounding of the very terms it
# sums (tests/conftest.py: n_terms · ε32 · Σ|term|), computed per entry. A real mistake (a missing
# bias, a transposed W, a wrong activation) changes outputs by far more.

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
    ours = nnlib.get_activation(name)(z)
    # z is exact in float32: only the activation's own rounding (a few ε32 relative; softmax also sums)
    assert_float32_close(expected, ours, activation_float32_tolerance(name, z, ours))


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_softmax_axis_matches_keras(axis):
    z = f32(np.random.default_rng(31).normal(scale=3.0, size=(3, 4, 5)))
    expected = numpy(keras.activations.softmax(z.astype(np.float32), axis=axis))
    ours = nnlib.softmax(z, axis=axis)
    # softmax's own float32 rounding along `axis` (the error model takes the last axis)
    tolerance = np.moveaxis(activation_float32_tolerance("softmax", np.moveaxis(z, axis, -1),
                                                         np.moveaxis(ours, axis, -1)), -1, axis)
    assert_float32_close(expected, ours, tolerance)


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


def mse_tolerance(value, m, n_out):
    """(y - p)² rounds 3 times (the difference, doubled by squaring, and the square), then a mean
    over n_out outputs and one over m examples: at most n_out + m + 4 roundings of positive terms."""
    return float32_tolerance(value, n_out + m + 4)


def crossentropy_tolerance(value, m, n_out, normalised_over=0):
    """float32 error of a mean cross-entropy `value`: log's own FUNCTION_ULPS plus a mean over
    n_out outputs and m examples, relative to the (positive) terms; plus an absolute ε32/2 per term
    from rounding 1 - p (log(1 - p) then moves by ε32/2), or, for a categorical cross-entropy,
    (n + 1) ε32/2 from dividing p by its sum over `normalised_over` = n classes."""
    absolute = (normalised_over + 1 if normalised_over else 1) * EPS32 / 2
    return float32_tolerance(value, FUNCTION_ULPS + n_out + m + 2) + absolute


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
    ours = nnlib.mse(Y, P)
    assert_float32_close(per_example.mean(), ours, mse_tolerance(ours, m, n_out))
    # the class averages over the batch ("sum_over_batch_size") in float32
    assert_float32_close(float(keras.losses.MeanSquaredError()(Y, P)), ours, mse_tolerance(ours, m, n_out))
    # Keras has no summed squared error; it is n_out times the mean
    assert_float32_close(n_out * per_example.mean(), nnlib.squared_error(Y, P),
                         n_out * mse_tolerance(ours, m, n_out))


@pytest.mark.parametrize("m, n_out", [(1, 1), (8, 1), (5, 3)])
def test_binary_crossentropy_matches_keras(m, n_out):
    Y, P = loss_inputs(np.random.default_rng(33), m, n_out)
    per_example = numpy(keras.losses.binary_crossentropy(Y, P))
    ours = nnlib.binary_crossentropy(Y, P)
    tolerance = crossentropy_tolerance(ours, m, n_out)
    assert_float32_close(per_example.mean(), ours, tolerance)
    assert_float32_close(float(keras.losses.BinaryCrossentropy()(Y, P)), ours, tolerance)


@pytest.mark.parametrize("m, n_classes", [(1, 2), (6, 3), (10, 5)])
def test_categorical_and_sparse_crossentropy_match_keras(m, n_classes):
    labels, Y, P = class_inputs(np.random.default_rng(34), m, n_classes)
    ours = nnlib.categorical_crossentropy(Y, P)
    tolerance = crossentropy_tolerance(ours, m, n_classes, normalised_over=n_classes)
    assert_float32_close(numpy(keras.losses.categorical_crossentropy(Y, P)).mean(), ours, tolerance)
    assert_float32_close(float(keras.losses.CategoricalCrossentropy()(Y, P)), ours, tolerance)
    ours = nnlib.sparse_categorical_crossentropy(labels, P)
    assert_float32_close(numpy(keras.losses.sparse_categorical_crossentropy(labels, P)).mean(), ours, tolerance)
    assert_float32_close(float(keras.losses.SparseCategoricalCrossentropy()(labels, P)), ours, tolerance)


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
    assert nnlib.sparse_categorical_crossentropy(labels, P) == pytest.approx(expected, rel=1e-9)


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
        # the float32 error of n_in products and a bias, through the activation
        assert_float32_close(expected, nnlib.dense(X, W, b, activation),
                             forward_float32_tolerance(X, [(W, b, activation)]))
    # one example as a 1-D vector gives the row Keras computes for a batch of one
    x = X[0]
    assert_float32_close(numpy(layer(x[None, :].astype(np.float32)))[0], nnlib.dense(x, W, b, activation),
                         forward_float32_tolerance(x[None, :], [(W, b, activation)])[0])


@pytest.mark.parametrize("activation", ["linear", "sigmoid", "tanh", "relu"])
def test_one_unit_dense_matches_keras(activation):
    # (softmax over one unit is always 1, and Keras warns about it, so it is left out here)
    rng = np.random.default_rng(38)
    W, b = f32(rng.normal(size=(3, 1))), f32(rng.normal(size=1))
    X = f32(rng.normal(size=(9, 3)))
    expected = numpy(keras_dense(W, b, activation)(X.astype(np.float32)))
    assert_float32_close(expected, nnlib.dense(X, W, b, activation), forward_float32_tolerance(X, [(W, b, activation)]))


def test_dense_loop_matches_keras_too():
    rng = np.random.default_rng(36)
    W, b = f32(rng.normal(size=(3, 4))), f32(rng.normal(size=4))
    layer = keras_dense(W, b, "sigmoid")
    x = f32(rng.normal(size=3))
    assert_float32_close(numpy(layer(x[None, :].astype(np.float32)))[0], nnlib.dense_loop(x, W, b, "sigmoid"),
                         forward_float32_tolerance(x[None, :], [(W, b, "sigmoid")])[0])


def test_sequential_matches_keras_sequential_on_the_coffee_network():
    X, _ = datasets.coffee_roasting(64, seed=5)
    mean, std = datasets.normalization_stats(X)
    layers = [(f32(W), f32(b), g) for W, b, g in datasets.coffee_roasting_network(mean, std)]
    Xn = f32(datasets.normalize(X, mean, std))
    model = keras.Sequential([keras.Input(shape=(2,))] + [keras.layers.Dense(W.shape[1], activation=g)
                                                          for W, _, g in layers])
    model.set_weights([w.astype(np.float32) for W, b, _ in layers for w in (W, b)])
    expected = numpy(model(Xn.astype(np.float32), training=False))
    assert_float32_close(expected, nnlib.sequential(Xn, layers), forward_float32_tolerance(Xn, layers))


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
    assert_float32_close(expected, out, forward_float32_tolerance(X, layers))
    np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-12)
