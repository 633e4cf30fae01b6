"""nnlib.fit trains exactly as Keras does: full-batch SGD, same start, same loss per epoch.

Keras runs ``model.fit(X, y, batch_size=m, shuffle=False)`` with ``SGD(learning_rate=lr)``
(no momentum): one update ``W ← W − lr dW`` per epoch, the update `nnlib.fit` makes.
Both start from the same weights, rounded to float32 so that Keras can hold them exactly.

- With Keras's float type set to float64, the two are the same computation in a
  different order: they agree to rounding (measured 6e-16 relative; asserted 1e-12).
- In Keras's default float32, rounding accumulates over the epochs. The tolerance is a bound
  computed along the way (`training_float32_tolerance`): in each epoch, the worst-case float32
  error of the loss and of every gradient entry, from the magnitudes of the terms each sums
  (forward pass, loss, backward pass, the sum over the m examples), times lr, added up over the
  epochs. The training's own amplification of earlier differences is not modelled; the worst
  measured difference is 4% of this bound (README, "float32 tolerances").
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # before TensorFlow loads

import numpy as np
import pytest

import nnlib
from nnlib import datasets

from conftest import (
    FUNCTION_ULPS,
    assert_float32_close,
    float32_forward,
    float32_tolerance,
)

keras = pytest.importorskip("keras")

EPOCHS = 30
FLOAT64_RTOL = 1e-12  # float64: the same computation in another order (measured 6e-16)

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


def output_gradient_scale(loss, n_out):
    """c in ∂ℓ/∂z = c (a - y) at the output of each case's layer/loss pair (∂ℓ/∂a for mse)."""
    return {"mse": 2 / n_out, "binary_crossentropy": 1 / n_out}.get(loss, 1.0)


def slope_and_error(name, P):
    """g'(Z) of a hidden layer's pass P (as TensorFlow computes it, from A), and its float32 error."""
    if name == "sigmoid":  # a (1 - a): two roundings, plus a's error times |1 - 2a|
        slope = P.A * (1 - P.A)
        return slope, np.abs(1 - 2 * P.A) * P.A_err + float32_tolerance(slope, 1)
    if name == "tanh":  # 1 - a²: rounds a² and the difference, plus a's error times 2|a|
        return 1 - P.A ** 2, 2 * np.abs(P.A) * P.A_err + float32_tolerance(1 + P.A ** 2, 1)
    if name == "relu":  # exact, unless z is so near 0 that float32 may see the other sign
        return (P.Z > 0).astype(float), (np.abs(P.Z) <= P.Z_err).astype(float)
    return np.ones_like(P.Z), np.zeros_like(P.Z)  # linear


def gradient_float32_errors(X, y, layers, loss):
    """Exact loss and gradients at these weights, and bounds on float32's errors in them.

    The running error bound of the forward pass (conftest.float32_forward, with X and y rounded
    to float32) continued through the loss and backwards, layer by layer: each sum of n terms may
    be off by n ε32 Σ|term|, and each error already present is carried through |W| and |g'|.
    """
    passes = float32_forward(X, layers, inputs_in_float32=False)
    m, out = len(X), passes[-1]
    Y = np.eye(out.A.shape[1])[y] if loss == "sparse_categorical_crossentropy" else np.asarray(y, float)
    c = output_gradient_scale(loss, Y.shape[1])
    # Keras takes a sigmoid's or softmax's cross-entropy from z, mse from a; either way
    # ∂ℓ/∂(that) = c (a - y), so an error in it moves ℓ by at most c |a - y| times that error.
    into_loss = out.A_err if loss == "mse" else out.Z_err
    if loss == "mse":
        ell = np.mean((out.A - Y) ** 2, axis=1)
        terms = ell  # a mean of squares: positive terms, as large as ℓ itself
    elif loss == "binary_crossentropy":  # max(z, 0) - z y + log(1 + e^-|z|), averaged over outputs
        ell = np.mean(np.maximum(out.Z, 0) - out.Z * Y + np.log1p(np.exp(-np.abs(out.Z))), axis=1)
        terms = np.mean(2 * np.abs(out.Z) + 1, axis=1)
    else:  # log Σ e^z - z_y
        ell = -np.sum(Y * np.log(out.A), axis=1)
        terms = np.abs(ell) + 2 * np.max(np.abs(out.Z), axis=1) + 1
    loss_value = ell.mean()
    # each example's ℓ: the error carried in, and its own roundings (log/exp, a sum over the
    # outputs, 2 more); then the mean of m positive ℓ, m roundings relative to the loss itself
    loss_err = (np.mean(np.sum(c * np.abs(out.A - Y) * into_loss, axis=1))
                + np.mean(float32_tolerance(terms, FUNCTION_ULPS + Y.shape[1] + 2))
                + float32_tolerance(loss_value, m))
    # backwards: dZ of the output layer is c (a - y) / m; y is rounded to float32 too
    dZ = c * (out.A - Y) / m
    dZ_err = c * (out.A_err + float32_tolerance(np.abs(out.A) + np.abs(Y), 2)) / m
    grads, errors = [], []
    for k in reversed(range(len(layers))):
        P, W = passes[k], np.asarray(layers[k][0], float)
        product = np.abs(P.A_prev).T @ np.abs(dZ)  # the m terms summed into each dW entry
        grads.append((P.A_prev.T @ dZ, dZ.sum(axis=0)))
        errors.append((np.abs(P.A_prev).T @ dZ_err + P.A_prev_err.T @ np.abs(dZ) + float32_tolerance(product, m),
                       dZ_err.sum(axis=0) + float32_tolerance(np.abs(dZ).sum(axis=0), m)))
        if k:
            dA = dZ @ W.T
            dA_err = dZ_err @ np.abs(W).T + float32_tolerance(np.abs(dZ) @ np.abs(W).T, W.shape[1])
            slope, slope_err = slope_and_error(layers[k - 1][2], passes[k - 1])
            dZ = dA * slope
            dZ_err = np.abs(slope) * dA_err + np.abs(dA) * slope_err + float32_tolerance(np.abs(dZ), 1)
    return loss_value, loss_err, grads[::-1], errors[::-1]


def training_float32_tolerance(X, y, start, loss, lr, epochs):
    """Bounds for full-batch SGD in float32 against the exact run: one per epoch's loss, and per
    weight after the last update, as lists of (W bound, b bound).

    Each epoch adds lr times its gradients' float32 error (and the update's own rounding) to each
    weight's bound; each epoch's loss may be off by its own float32 error plus the bound on the
    weights' drift so far times the loss's slope |dL/dW|. (How the training itself amplifies or
    damps earlier differences is not modelled: first-order bounds in absolute values would grow
    without limit. The measured differences stay far inside, see the README.)
    """
    layers = [(np.asarray(W, float), np.asarray(b, float), g) for W, b, g in start]
    drift = [(np.zeros_like(W), np.zeros_like(b)) for W, b, _ in layers]
    loss_bounds = []
    for _ in range(epochs):
        _, loss_err, grads, errors = gradient_float32_errors(X, y, layers, loss)
        loss_bounds.append(loss_err + sum(np.sum(np.abs(dW) * eW) + np.sum(np.abs(db) * eb)
                                          for (dW, db), (eW, eb) in zip(grads, drift)))
        layers = [(W - lr * dW, b - lr * db, g) for (W, b, g), (dW, db) in zip(layers, grads)]
        # the update w - lr dw rounds lr, their product and the difference: one ε32 covers those
        drift = [(eW + lr * gW + float32_tolerance(np.abs(W) + lr * np.abs(dW), 1),
                  eb + lr * gb + float32_tolerance(np.abs(b) + lr * np.abs(db), 1))
                 for (eW, eb), (gW, gb), (W, b, _), (dW, db) in zip(drift, errors, layers, grads)]
    return np.array(loss_bounds), drift


def assert_same_training(keras_result, nnlib_result, tolerance):
    """`tolerance`: a relative float (float64 runs) or the bounds of training_float32_tolerance."""
    (keras_layers, keras_history), (nnlib_layers, nnlib_history) = keras_result, nnlib_result
    if np.isscalar(tolerance):
        np.testing.assert_allclose(keras_history, nnlib_history, rtol=tolerance)
        for (W, b, _), (W2, b2, _) in zip(keras_layers, nnlib_layers, strict=True):
            scale = max(np.max(np.abs(W2)), np.max(np.abs(b2)))
            np.testing.assert_allclose(W, W2, rtol=0, atol=tolerance * scale)
            np.testing.assert_allclose(b, b2, rtol=0, atol=tolerance * scale)
        return
    loss_bounds, weight_bounds = tolerance
    assert_float32_close(keras_history, nnlib_history, loss_bounds, "losses")
    for k, ((W, b, _), (W2, b2, _), (eW, eb)) in enumerate(zip(keras_layers, nnlib_layers, weight_bounds,
                                                                 strict=True)):
        assert_float32_close(W, W2, eW, f"layer {k} W")
        assert_float32_close(b, b2, eb, f"layer {k} b")


@pytest.mark.parametrize("floatx", ["float64", "float32"])
@pytest.mark.parametrize("name", CASES)
def test_fit_matches_keras_full_batch_sgd(name, floatx):
    X, y, start, loss, lr = problem(name)
    ours = nnlib.fit(X, y, start, loss=loss, lr=lr, epochs=EPOCHS)
    theirs = keras_full_batch(X, y, start, loss, lr, floatx)
    assert ours[1][-1] < 0.9 * ours[1][0], "the case must actually train, or it proves little"
    tolerance = (FLOAT64_RTOL if floatx == "float64"
                 else training_float32_tolerance(X, y, start, loss, lr, EPOCHS))
    assert_same_training(theirs, ours, tolerance)


def test_a_different_learning_rate_is_detected():
    """The comparison can fail: Keras with lr 1% off leaves the float32 tolerance."""
    X, y, start, loss, lr = problem("coffee 2-3-1 sigmoid, bce")
    ours = nnlib.fit(X, y, start, loss=loss, lr=lr, epochs=EPOCHS)
    theirs = keras_full_batch(X, y, start, loss, lr * 1.01, "float32")
    with pytest.raises(AssertionError, match="beyond float32 rounding"):
        assert_same_training(theirs, ours, training_float32_tolerance(X, y, start, loss, lr, EPOCHS))
