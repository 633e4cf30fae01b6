"""nnlib's Conv2D, MaxPooling2D and Flatten compute what Keras's do, forward and backward (float64).

Forward: ``keras.layers.Conv2D`` with the same kernel and biases, valid and same padding,
strides 1 and 2; ``MaxPooling2D`` and ``Flatten`` exactly. Backward: ``tf.GradientTape``'s
dK, db and dX (and the Dense layer's dW, db) of a small CNN's loss.

Tolerances come from the arithmetic, not from trial: a float64 sum of n terms errs by at most
about n·(ε64/2)·Σ|terms| in any order (Higham, *Accuracy and Stability of Numerical
Algorithms*, §3.1), and we allow n·ε64·Σ|terms|, twice that. For a chain of sums (a backward
pass), the same holds with n the total number of terms along the chain and Σ|terms| replaced
by the *magnitude pass*: the same computation on the absolute values of every input, with the
ReLU masks and pooling choices of the real pass (`magnitude_pass`). Those choices are discrete,
so the test also asserts that no choice lies within rounding distance of changing.
"""

from __future__ import annotations

import importlib.util
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # before TensorFlow loads

import numpy as np
import pytest

import nnlib
from nnlib.conv import Conv2D, Flatten, MaxPooling2D, _pool_windows, conv2d, max_pool2d
from nnlib.quiet_tf import import_keras

from conftest import assert_float32_close

if importlib.util.find_spec("tensorflow") is None or importlib.util.find_spec("keras") is None:
    pytest.skip("TensorFlow and Keras are not installed", allow_module_level=True)

keras = import_keras()
import tensorflow as tf  # noqa: E402  (loaded quietly by import_keras just above)

EPS64 = float(np.finfo(np.float64).eps)
# Every Keras layer here says its dtype: Keras fixes its global dtype policy from floatx the first
# time a layer is made without one, so after another test module, floatx alone would not reach it.
F64 = "float64"


pytestmark = pytest.mark.usefixtures("float64_keras")  # conftest.py


def float64_tolerance(magnitude, n_terms):
    """n_terms · ε64 · magnitude: twice the worst rounding error of a sum of that many terms."""
    return n_terms * EPS64 * np.asarray(magnitude)


def keras_conv(K, b, activation, stride, padding, in_shape):
    kh, kw, _, c_out = K.shape
    layer = keras.layers.Conv2D(c_out, (kh, kw), strides=stride, padding=padding, activation=activation,
                                dtype=F64)
    layer.build((None, *in_shape))
    layer.set_weights([K, b])
    return layer


CASES = [  # (m, h, w, c_in), (kh, kw, c_out), stride, padding
    ((3, 8, 8, 1), (3, 3, 4), 1, "valid"),
    ((2, 7, 9, 3), (2, 3, 2), 2, "valid"),
    ((3, 8, 8, 1), (3, 3, 4), 1, "same"),
    ((2, 7, 6, 2), (3, 3, 3), 2, "same"),  # odd padding along both axes: Keras puts the extra zero after
    ((2, 6, 6, 2), (4, 4, 2), 2, "same"),
    ((1, 9, 5, 2), (4, 2, 2), 3, "same"),
]


@pytest.mark.parametrize("X_shape, K_shape, stride, padding", CASES)
@pytest.mark.parametrize("activation", ["linear", "relu"])
def test_conv2d_forward_equals_keras(X_shape, K_shape, stride, padding, activation):
    rng = np.random.default_rng(sum(X_shape) + stride)
    (kh, kw, c_out), c_in = K_shape, X_shape[-1]
    X, K, b = rng.normal(size=X_shape), rng.normal(size=(kh, kw, c_in, c_out)), rng.normal(size=c_out)
    expected = keras_conv(K, b, activation, stride, padding, X_shape[1:])(X).numpy()
    got = conv2d(X, K, b, activation, stride, padding)
    magnitude = conv2d(np.abs(X), np.abs(K), np.abs(b), "linear", stride, padding)  # Σ|terms| of each z
    assert got.shape == expected.shape
    assert_float32_close(got, expected, float64_tolerance(magnitude, kh * kw * c_in + 1), "Conv2D outputs")


@pytest.mark.parametrize("shape, pool_size", [((2, 8, 8, 3), 2), ((2, 5, 7, 2), 2), ((1, 9, 9, 1), 3)])
def test_max_pooling_and_flatten_forward_equal_keras_exactly(shape, pool_size):
    X = np.random.default_rng(1).normal(size=shape)
    pooled = max_pool2d(X, pool_size)
    np.testing.assert_array_equal(pooled, keras.layers.MaxPooling2D(pool_size, dtype=F64)(X).numpy())
    np.testing.assert_array_equal(Flatten().forward(pooled)[0], keras.layers.Flatten(dtype=F64)(pooled).numpy())


def test_max_pooling_gradient_on_a_tie_goes_where_tensorflow_sends_it():
    X = np.array([[1.0, 3.0, 3.0, 0.0], [3.0, 2.0, 1.0, 3.0], [5.0, 5.0, 0.0, 0.0], [5.0, 5.0, 0.0, 0.0]])
    X = X.reshape(1, 4, 4, 1)
    dA = np.array([10.0, 20.0, 30.0, 40.0]).reshape(1, 2, 2, 1)
    x = tf.constant(X)
    with tf.GradientTape() as tape:
        tape.watch(x)
        loss = tf.reduce_sum(keras.layers.MaxPooling2D(2, dtype=F64)(x) * dA)
    pool = MaxPooling2D(2)
    _, cache = pool.forward(X)
    np.testing.assert_array_equal(pool.backward(dA, cache)[0], tape.gradient(loss, x).numpy())


# ---------------------------------------------------------------- backward: a small CNN

class CNN:
    """Conv2D(relu) → MaxPooling2D(2) → Flatten → Dense(linear), mean squared error."""

    def __init__(self, seed, stride, padding):
        rng = np.random.default_rng(seed)
        self.X = rng.normal(size=(4, 9, 8, 2))
        self.conv, shape = Conv2D(rng.normal(size=(3, 3, 2, 3)), rng.normal(scale=0.5, size=3), "relu",
                                  stride, padding).checked(self.X.shape[1:], "test")
        self.pool, shape = MaxPooling2D(2).checked(shape, "test")
        n_flat = int(np.prod(shape))
        self.dense = nnlib.Dense(rng.normal(size=(n_flat, 2)), rng.normal(size=2), "linear")
        self.y = rng.normal(size=(4, 2))
        self.layers = [self.conv, self.pool, Flatten(), self.dense]

    def nnlib_gradients(self):
        """(dK, db, dW, db_dense, dX) by the layers' backward passes, and the real pass's caches."""
        A, caches = self.X, []
        for layer in self.layers:
            A, cache = layer.forward(A)
            caches.append(cache)
        dA, grads = nnlib.loss_derivative("mse", self.y, A), []
        for layer, cache in zip(self.layers[::-1], caches[::-1]):
            dA, layer_grads = layer.backward(dA, cache)
            grads = list(layer_grads) + grads
        return (*grads, dA), caches

    def keras_gradients(self):
        model = keras.Sequential([keras.Input(self.X.shape[1:], dtype=F64),
                                  keras.layers.Conv2D(3, 3, strides=self.conv.stride, padding=self.conv.padding,
                                                      activation="relu", dtype=F64),
                                  keras.layers.MaxPooling2D(2, dtype=F64), keras.layers.Flatten(dtype=F64),
                                  keras.layers.Dense(2, dtype=F64)])
        model.set_weights([*self.conv.params, *self.dense.params])
        x = tf.constant(self.X)
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = keras.losses.MeanSquaredError()(self.y, model(x))
        grads = tape.gradient(loss, [*model.trainable_variables, x])
        return [g.numpy() for g in grads]

    def magnitude_pass(self, caches):
        """The gradients' error scale: every sum redone on |inputs|, with the real pass's choices.

        Also asserts that those choices (ReLU on or off, which entry of each window is the
        largest) are farther from flipping than the forward pass's own rounding error.
        """
        conv_cache, pool_cache = caches[0], caches[1]
        conv_abs = Conv2D(np.abs(self.conv.K), np.abs(self.conv.b), "linear", self.conv.stride, self.conv.padding)
        Z_abs, abs_cache = conv_abs.forward(np.abs(self.X))
        z_error = float64_tolerance(Z_abs, self.conv.K[..., 0].size + 1)
        assert np.all(np.abs(conv_cache.Z) > z_error), "a ReLU input within rounding of 0"
        # A window whose maximum is 0 (every ReLU off) may tie: the gradient dies in the ReLU wherever it goes.
        second, first = np.moveaxis(np.sort(_pool_windows(conv_cache.A, 2), axis=-1)[..., -2:], -1, 0)
        assert np.all((first == 0) | (first - second > 2 * z_error.max())), "a near-tie in a pool"
        on = conv_cache.Z > 0
        chosen = self.pool.backward(np.ones(pool_cache.argmax.shape), pool_cache)[0]  # 1 where each max is
        F_abs = max_pool2d(Z_abs * on * chosen, 2).reshape(len(self.X), -1)
        Zd_abs = F_abs @ np.abs(self.dense.W) + np.abs(self.dense.b)
        dZd_abs = 2 * (Zd_abs + np.abs(self.y)) / self.y.size
        dF_abs = dZd_abs @ np.abs(self.dense.W).T
        dA_abs = self.pool.backward(dF_abs.reshape(pool_cache.argmax.shape), pool_cache)[0]
        dX_abs, (dK_abs, db_abs) = conv_abs.backward(dA_abs * on, abs_cache)
        return dK_abs, db_abs, F_abs.T @ dZd_abs, dZd_abs.sum(axis=0), dX_abs

    def n_terms(self):
        """The terms summed along the longest chain, forward and back (an upper bound on its depth)."""
        kh, kw, c_in, c_out = self.conv.K.shape
        m, (n_flat, n_out) = len(self.X), self.dense.W.shape
        h_out, w_out = self.conv.checked(self.X.shape[1:], "test")[1][:2]
        forward_terms = (kh * kw * c_in + 1) + (n_flat + 1) + 3  # conv, dense, the loss's (ŷ − y)·2/(m·n)
        return forward_terms + n_out + max(m * h_out * w_out, kh * kw * c_out) + m


@pytest.mark.parametrize("stride, padding", [(1, "valid"), (2, "same"), (1, "same"), (2, "valid")])
def test_cnn_gradients_equal_gradient_tape(stride, padding):
    cnn = CNN(seed=11 + stride, stride=stride, padding=padding)
    got, caches = cnn.nnlib_gradients()
    expected = cnn.keras_gradients()
    magnitudes = cnn.magnitude_pass(caches)
    for name, g, e, mag in zip(("dK", "db", "dW (Dense)", "db (Dense)", "dX"), got, expected, magnitudes):
        assert g.shape == e.shape, name
        assert np.any(g != 0), f"{name} is all zeros: the comparison would prove nothing"
        assert_float32_close(g, e, float64_tolerance(mag, cnn.n_terms()), name)
