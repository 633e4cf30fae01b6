"""The layer mechanism: `sequential`, `backprop`, `numeric_gradients` and `fit` loop over layers
through ``params``/``with_params``/``checked``/``forward``/``backward`` and never ask a layer's kind.

A layer kind that nnlib does not have (`Scale`, defined here in a few lines as Parts IV-V will
define Dropout or Conv2D) must therefore train with no change to nnlib, and `Dense` must keep
behaving as the ``(W, b, activation)`` tuple the chapters unpack.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pytest

import nnlib
from nnlib import Dense


class Scale(NamedTuple):
    """Multiply each feature by its own trainable factor: ``A = A_prev * s``."""

    s: np.ndarray

    @property
    def params(self):
        return (self.s,)

    def with_params(self, params):
        return Scale(*params)

    def checked(self, in_shape, where):
        s = np.asarray(self.s, dtype=float)
        if s.shape != tuple(in_shape):
            raise ValueError(f"{where}: s must have shape {tuple(in_shape)}, got {s.shape}")
        return Scale(s), tuple(in_shape)

    def forward(self, A_prev, training=False, rng=None):
        return A_prev * self.s, A_prev

    def backward(self, dA, A_prev):
        return dA * self.s, ((dA * A_prev).sum(axis=0),)


def network(rng):
    return [Dense(rng.normal(size=(2, 3)), rng.normal(size=3), "tanh"),
            Scale(rng.uniform(0.5, 1.5, size=3)),
            Dense(rng.normal(size=(3, 1)), rng.normal(size=1), "sigmoid")]


def test_a_new_kind_of_layer_backpropagates_correctly():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(16, 2)), (rng.uniform(size=(16, 1)) > 0.5).astype(float)
    layers = network(rng)
    assert nnlib.gradient_check(X, y, layers, "binary_crossentropy") < 1e-8
    grads = nnlib.backprop(X, y, layers, "binary_crossentropy")
    assert [tuple(g.shape for g in pair) for pair in grads] == [((2, 3), (3,)), ((3,),), ((3, 1), (1,))]


def test_a_new_kind_of_layer_trains_and_predicts():
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(32, 2)), (rng.uniform(size=(32, 1)) > 0.5).astype(float)
    trained, history = nnlib.fit(X, y, network(rng), "binary_crossentropy", lr=0.5, epochs=50)
    assert history[-1] < history[0]
    assert isinstance(trained[1], Scale) and not np.allclose(trained[1].s, network(np.random.default_rng(1))[1].s)
    manual = nnlib.dense(nnlib.dense(X, *trained[0]) * trained[1].s, *trained[2])
    np.testing.assert_allclose(nnlib.sequential(X, trained), manual, rtol=1e-15)


def test_a_new_kind_of_layer_is_checked_where_it_stands():
    rng = np.random.default_rng(2)
    layers = network(rng)
    layers[1] = Scale(np.ones(4))
    with pytest.raises(ValueError, match=r"sequential: layer 1: s must have shape \(3,\), got \(4,\)"):
        nnlib.sequential(np.ones((1, 2)), layers)


def test_dense_is_the_tuple_the_chapters_unpack():
    W, b = np.ones((2, 3)), np.zeros(3)
    layer = Dense(W, b, "relu")
    w, bias, g = layer
    assert w is W and bias is b and g == "relu" and layer == (W, b, "relu")
    assert Dense(W, b).activation == "linear"  # Keras's Dense default
    trained, _ = nnlib.fit(np.ones((4, 2)), np.ones((4, 3)), [(W, b, "relu")], "mse", epochs=2)
    assert isinstance(trained[0], Dense) and trained[0].W.shape == (2, 3)
    assert np.array_equal(W, np.ones((2, 3))), "fit must not change the caller's arrays"


def test_the_output_layer_must_meet_the_loss_as_a_dense_layer():
    rng = np.random.default_rng(3)
    layers = network(rng)[:2]
    with pytest.raises(ValueError, match="backprop: the last layer meets the loss, so it must be a "
                                         "Dense layer, got Scale"):
        nnlib.backprop(np.ones((2, 2)), np.ones((2, 3)), layers, "mse")


def test_fit_trains_a_cnn_with_the_same_loop():
    """Conv2D, MaxPooling2D and Flatten are layers like Dense: backprop, fit, Adam, L2 and
    validation data need nothing else (chapter 12)."""
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(12, 8, 8, 1)), rng.integers(0, 3, size=12)
    layers = [nnlib.Conv2D(0.5 * rng.normal(size=(3, 3, 1, 4)), np.zeros(4), "tanh", 1, "same"),
              nnlib.MaxPooling2D(2), nnlib.Flatten(),
              nnlib.Dense(0.1 * rng.normal(size=(64, 3)), np.zeros(3), "softmax")]
    assert nnlib.gradient_check(X[:4], y[:4], layers, "sparse_categorical_crossentropy") < 1e-7
    trained, history = nnlib.fit(X, y, layers, "sparse_categorical_crossentropy", optimizer=nnlib.Adam(0.01),
                                 epochs=15, batch_size=4, seed=0, l2=1e-4, validation_data=(X[:4], y[:4]))
    assert history["loss"][-1] < history["loss"][0] and history["val_loss"].shape == (15,)
    assert [type(layer).__name__ for layer in trained] == ["Conv2D", "MaxPooling2D", "Flatten", "Dense"]
    with pytest.raises(ValueError, match=r"reshape"):
        nnlib.fit(X.reshape(12, 64), y, layers, "sparse_categorical_crossentropy", epochs=1)
