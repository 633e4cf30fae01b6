"""nnlib.backprop agrees with TensorFlow's GradientTape on the same network and weights.

The network is copied into Keras in float64 with `nnlib.to_keras`, the loss is
Keras's own (averaged over the batch, as `compile`/`fit` do), and GradientTape
differentiates it. In float64 both are exact up to rounding, so the tolerance is tight.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # before TensorFlow loads

import numpy as np
import pytest

import nnlib

tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")

NETWORKS = {  # name: (sizes, activations, loss)
    "coffee 2-3-1, bce": ([2, 3, 1], ["sigmoid", "sigmoid"], "binary_crossentropy"),
    "relu/tanh, softmax, cce": ([4, 6, 5, 3], ["relu", "tanh", "softmax"], "categorical_crossentropy"),
    "tanh, softmax, sparse cce": ([3, 5, 4], ["tanh", "softmax"], "sparse_categorical_crossentropy"),
    "sigmoid, linear, mse": ([3, 4, 2], ["sigmoid", "linear"], "mse"),
    "relu, linear, squared error": ([2, 5, 2], ["relu", "linear"], "squared_error"),
    "linear, softmax, mse (Jacobian route)": ([3, 4, 3], ["linear", "softmax"], "mse"),
    "tanh, sigmoid, mse (general route)": ([2, 4, 3], ["tanh", "sigmoid"], "mse"),
}
# Not compared: a cross-entropy after the "other" output activation (e.g. sigmoid outputs with
# categorical cross-entropy). Keras then computes the loss from the activation's input as if
# it were the matching one (softmax cross-entropy of the sigmoid's logits): a different loss.


def keras_loss(name):
    if name == "squared_error":  # no Keras twin: sum over outputs, mean over examples
        return lambda y, p: tf.reduce_sum(tf.square(y - p), axis=-1)
    return keras.losses.get(name)


def targets(rng, loss, m, n_out):
    if loss == "sparse_categorical_crossentropy":
        return rng.integers(0, n_out, size=m)
    if loss == "categorical_crossentropy":
        return np.eye(n_out)[rng.integers(0, n_out, size=m)]
    if loss == "binary_crossentropy":
        return (rng.uniform(size=(m, n_out)) > 0.5).astype(float)
    return rng.normal(size=(m, n_out))


def tape_gradients(layers, X, y, loss):
    model = nnlib.to_keras(layers, dtype="float64")
    with tf.GradientTape() as tape:
        value = tf.reduce_mean(keras_loss(loss)(tf.constant(y), model(tf.constant(X))))
    grads = tape.gradient(value, model.trainable_weights)  # W1, b1, W2, b2, ...
    return float(value), [(grads[i].numpy(), grads[i + 1].numpy()) for i in range(0, len(grads), 2)]


@pytest.mark.parametrize("name", NETWORKS)
def test_backprop_matches_gradient_tape(name):
    sizes, activations, loss = NETWORKS[name]
    rng = np.random.default_rng(len(name))
    layers = [(rng.normal(size=(n_in, n_out)), rng.normal(scale=0.5, size=n_out), g)
              for n_in, n_out, g in zip(sizes[:-1], sizes[1:], activations)]
    X, y = rng.normal(size=(8, sizes[0])), targets(rng, loss, 8, sizes[-1])
    tf_loss, tf_grads = tape_gradients(layers, X, y, loss)
    assert tf_loss == pytest.approx(nnlib.get_loss(loss)(y, nnlib.sequential(X, layers)), rel=1e-12)
    for (dW, db), (tW, tb) in zip(nnlib.backprop(X, y, layers, loss), tf_grads, strict=True):
        np.testing.assert_allclose(dW, tW, rtol=1e-9, atol=1e-14)
        np.testing.assert_allclose(db, tb, rtol=1e-9, atol=1e-14)


def test_saturated_sigmoid_output_is_handled_like_keras():
    """Where the cross-entropy clips, Keras differentiates from the sigmoid's input;
    backprop's simplified dZ = (a − y) / m does the same, so a confidently wrong
    output still gets a gradient."""
    layers = [(np.array([[40.0], [-40.0]]), np.array([0.0]), "sigmoid")]
    X, y = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]]), np.array([[0.0], [1.0], [1.0]])
    _, tf_grads = tape_gradients(layers, X, y, "binary_crossentropy")
    (dW, db), = nnlib.backprop(X, y, layers, "binary_crossentropy")
    np.testing.assert_allclose(dW, tf_grads[0][0], rtol=1e-9, atol=1e-14)
    np.testing.assert_allclose(db, tf_grads[0][1], rtol=1e-9, atol=1e-14)
    # example 1 (z = 40, target 0) adds (1 - 0) / 3 to dW[0, 0]; the clipped loss is flat
    # there, so its numeric gradient lacks exactly that third
    (nW, _), = nnlib.numeric_gradients(X, y, layers, "binary_crossentropy")
    assert dW[0, 0] - nW[0, 0] == pytest.approx(1 / 3, rel=1e-6)
