"""nnlib.fit trains exactly as Keras does: full-batch SGD, same start, same loss per epoch.

Keras runs ``model.fit(X, y, batch_size=m, shuffle=False)`` with ``SGD(learning_rate=lr)``
(no momentum): one update ``W ← W − lr dW`` per epoch, the update `nnlib.fit` makes.
Both start from the same weights, rounded to float32 so that Keras can hold them exactly.

- With Keras's float type set to float64, the two are the same computation in a
  different order: they agree to rounding (measured 6e-16 relative; asserted 1e-12).
- In Keras's default float32, rounding (float32's eps is 1.2e-7) accumulates over the
  epochs; the worst difference measured is 2.2e-7 relative, and the stated tolerance
  FLOAT32_RTOL = 1e-5 leaves a margin of about 50 for other CPUs and TensorFlow versions.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # before TensorFlow loads

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import nnlib  # noqa: E402
from nnlib import datasets  # noqa: E402

keras = pytest.importorskip("keras")

EPOCHS = 30
FLOAT32_RTOL = 1e-5   # on losses, and on weights relative to the layer's largest weight
FLOAT64_RTOL = 1e-12

CASES = {  # name: (sizes, activations, loss, lr)
    "coffee 2-3-1 sigmoid, bce": ([2, 3, 1], ["sigmoid", "sigmoid"], "binary_crossentropy", 5.0),
    "tanh, linear, mse": ([3, 5, 2], ["tanh", "linear"], "mse", 0.1),
    "relu, softmax, cce": ([4, 6, 3], ["relu", "softmax"], "categorical_crossentropy", 0.5),
    "tanh, relu, softmax, sparse cce": ([2, 4, 4, 3], ["tanh", "relu", "softmax"],
                                        "sparse_categorical_crossentropy", 0.5),
}


def problem(name):
    """Data, targets and a float32-exact random start for one case."""
    sizes, activations, loss, lr = CASES[name]
    rng = np.random.default_rng(len(name))
    if name.startswith("coffee"):
        X, y = datasets.coffee_roasting()
        X = datasets.normalize(X, *datasets.normalization_stats(X))
    else:
        X = rng.normal(size=(64, sizes[0]))
        labels = rng.integers(0, sizes[-1], size=64)
        y = {"mse": rng.normal(size=(64, sizes[-1])),
             "categorical_crossentropy": np.eye(sizes[-1])[labels],
             "sparse_categorical_crossentropy": labels}[loss]
    # Moderate weights: no output probability comes within 1e-7 of 0 or 1. There nnlib's loss
    # clips, while Keras computes the loss of a sigmoid or softmax layer from its input z
    # (unclipped): the printed losses would differ, though the gradients would not.
    layers = [(rng.normal(scale=0.5, size=(n_in, n_out)), rng.normal(scale=0.1, size=n_out), g)
              for n_in, n_out, g in zip(sizes[:-1], sizes[1:], activations)]
    as_float32 = [(W.astype(np.float32).astype(float), b.astype(np.float32).astype(float), g)
                  for W, b, g in layers]
    return X, y, as_float32, loss, lr


def keras_full_batch(X, y, layers, loss, lr, floatx):
    """Train a copy of `layers` with Keras, full-batch SGD; return its layers and loss history."""
    previous = keras.config.floatx()
    keras.config.set_floatx(floatx)  # the loss and its bookkeeping follow floatx, not the model
    try:
        model = nnlib.to_keras(layers, dtype=floatx)
        model.compile(optimizer=keras.optimizers.SGD(learning_rate=lr), loss=loss)
        history = model.fit(X, y, batch_size=len(X), epochs=EPOCHS, shuffle=False, verbose=0)
    finally:
        keras.config.set_floatx(previous)
    return nnlib.from_keras(model), np.array(history.history["loss"])


def assert_same_training(keras_result, nnlib_result, rtol):
    (keras_layers, keras_history), (nnlib_layers, nnlib_history) = keras_result, nnlib_result
    np.testing.assert_allclose(keras_history, nnlib_history, rtol=rtol)
    for (W, b, _), (W2, b2, _) in zip(keras_layers, nnlib_layers, strict=True):
        scale = max(np.max(np.abs(W2)), np.max(np.abs(b2)))
        np.testing.assert_allclose(W, W2, rtol=0, atol=rtol * scale)
        np.testing.assert_allclose(b, b2, rtol=0, atol=rtol * scale)


@pytest.mark.parametrize("floatx, rtol", [("float64", FLOAT64_RTOL), ("float32", FLOAT32_RTOL)])
@pytest.mark.parametrize("name", CASES)
def test_fit_matches_keras_full_batch_sgd(name, floatx, rtol):
    X, y, start, loss, lr = problem(name)
    ours = nnlib.fit(X, y, start, loss=loss, lr=lr, epochs=EPOCHS)
    theirs = keras_full_batch(X, y, start, loss, lr, floatx)
    assert ours[1][-1] < 0.9 * ours[1][0], "the case must actually train, or it proves little"
    assert_same_training(theirs, ours, rtol)


def test_a_different_learning_rate_is_detected():
    """The comparison can fail: Keras with lr 1% off leaves the float32 tolerance."""
    X, y, start, loss, lr = problem("coffee 2-3-1 sigmoid, bce")
    ours = nnlib.fit(X, y, start, loss=loss, lr=lr, epochs=EPOCHS)
    theirs = keras_full_batch(X, y, start, loss, lr * 1.01, "float32")
    with pytest.raises(AssertionError):
        assert_same_training(theirs, ours, FLOAT32_RTOL)
