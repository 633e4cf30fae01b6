"""nnlib.conv: convolution, max pooling and flattening, forward and backward, and their errors.

The references here are written straight from the definitions (one output value at a time),
independently of nnlib's im2col; tests/test_keras_conv.py compares both with Keras itself.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import nnlib
from nnlib._validate import NonFiniteError
from nnlib.conv import Conv2D, Flatten, MaxPooling2D, conv2d, conv2d_loop, max_pool2d, same_padding
from nnlib.network import as_layers, forward

from conftest import assert_float32_close, float32_tolerance


def reference_conv(X, K, b, stride=1, padding="valid"):
    """Every output from its definition: zeros by TensorFlow's 'same' rule, then each window ⊙ filter."""
    m, h, w, _ = X.shape
    kh, kw, _, c_out = K.shape
    if padding == "same":
        out_h, out_w = -(-h // stride), -(-w // stride)
        ph, pw = max((out_h - 1) * stride + kh - h, 0), max((out_w - 1) * stride + kw - w, 0)
        X = np.pad(X, [(0, 0), (ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2), (0, 0)])
    else:
        out_h, out_w = (h - kh) // stride + 1, (w - kw) // stride + 1
    Z = np.zeros((m, out_h, out_w, c_out))
    for n, i, j, f in np.ndindex(Z.shape):
        Z[n, i, j, f] = np.sum(X[n, i * stride:i * stride + kh, j * stride:j * stride + kw, :] * K[..., f]) + b[f]
    return Z


def reference_pool(X, p):
    m, h, w, c = X.shape
    out = np.zeros((m, h // p, w // p, c))
    for n, i, j, k in np.ndindex(out.shape):
        out[n, i, j, k] = X[n, i * p:(i + 1) * p, j * p:(j + 1) * p, k].max()
    return out


CONV_CASES = [  # (m, h, w, c_in), (kh, kw, c_out), stride, padding
    ((2, 5, 5, 1), (3, 3, 2), 1, "valid"),
    ((3, 6, 7, 3), (2, 3, 4), 1, "valid"),
    ((2, 7, 6, 2), (3, 3, 3), 2, "valid"),
    ((1, 8, 5, 2), (3, 2, 2), 3, "valid"),
    ((2, 5, 5, 1), (3, 3, 2), 1, "same"),
    ((2, 7, 6, 2), (3, 3, 3), 2, "same"),  # odd total padding along rows: the extra zero goes below
    ((1, 6, 6, 3), (2, 2, 2), 2, "same"),  # no padding needed at all
    ((2, 2, 3, 1), (3, 3, 1), 1, "same"),  # kernel larger than the image: fine with zeros around
    ((1, 9, 4, 2), (4, 1, 2), 3, "same"),
]


def random_conv(rng, X_shape, K_shape):
    (kh, kw, c_out), c_in = K_shape, X_shape[-1]
    return rng.normal(size=X_shape), rng.normal(size=(kh, kw, c_in, c_out)), rng.normal(size=c_out)


# ---------------------------------------------------------------- forward

def test_conv2d_loop_by_hand():
    # K = [[1, 0], [0, -1]] takes each pixel minus the one diagonally below-right: 0..8 row by row, all -4.
    x = np.arange(9.0).reshape(3, 3, 1)
    K = np.array([[1.0, 0.0], [0.0, -1.0]]).reshape(2, 2, 1, 1)
    np.testing.assert_array_equal(conv2d_loop(x, K, [0.5]), np.full((2, 2, 1), -3.5))
    # Not flipped: a true convolution would give +4 (cross-correlation, as Keras).
    np.testing.assert_array_equal(conv2d_loop(x, K, [0.0], "relu"), np.zeros((2, 2, 1)))


@pytest.mark.parametrize("X_shape, K_shape, stride, padding", CONV_CASES)
def test_conv2d_matches_the_definition(X_shape, K_shape, stride, padding, strict_numerics):
    X, K, b = random_conv(np.random.default_rng(sum(X_shape) + stride), X_shape, K_shape)
    got = conv2d(X, K, b, stride=stride, padding=padding)
    expected = reference_conv(X, K, b, stride, padding)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
    layer, out_shape = Conv2D(K, b, "linear", stride, padding).checked(X_shape[1:], "test")
    assert out_shape == got.shape[1:]  # checked() predicts the shape forward() produces


@pytest.mark.parametrize("X_shape, K_shape", [(c[0], c[1]) for c in CONV_CASES if c[2:] == (1, "valid")])
@pytest.mark.parametrize("activation", ["linear", "relu", "tanh"])
def test_conv2d_equals_the_loop(X_shape, K_shape, activation):
    X, K, b = random_conv(np.random.default_rng(7), X_shape, K_shape)
    looped = np.stack([conv2d_loop(x, K, b, activation) for x in X])
    np.testing.assert_allclose(conv2d(X, K, b, activation), looped, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("size, k, stride, expected", [
    (5, 3, 1, (1, 1)), (7, 3, 2, (1, 1)), (6, 3, 2, (0, 1)), (6, 6, 1, (2, 3)), (6, 2, 2, (0, 0)), (6, 1, 4, (0, 0)),
])
def test_same_padding_puts_the_odd_zero_after(size, k, stride, expected):
    assert same_padding(size, k, stride) == expected


@pytest.mark.parametrize("shape, p", [((2, 4, 4, 3), 2), ((1, 5, 7, 2), 2), ((2, 6, 6, 1), 3), ((1, 3, 3, 1), 1)])
def test_max_pool2d_matches_a_loop(shape, p, strict_numerics):
    X = np.random.default_rng(3).normal(size=shape)
    np.testing.assert_array_equal(max_pool2d(X, p), reference_pool(X, p))


def test_flatten_is_row_major_over_height_width_channels():
    X = np.random.default_rng(4).normal(size=(2, 3, 4, 5))
    flat, _ = Flatten().forward(X)
    assert flat.shape == (2, 60)
    for n, i, j, c in [(0, 0, 0, 0), (1, 2, 3, 4), (0, 1, 2, 3), (1, 0, 3, 1)]:
        assert flat[n, (i * 4 + j) * 5 + c] == X[n, i, j, c]


# ---------------------------------------------------------------- backward: numeric gradients

def check_layer_gradients(layer, X, rng):
    """dA_prev and every parameter gradient of L = Σ R ⊙ layer(X), against central differences."""
    layer, _ = layer.checked(X.shape[1:], "test")
    out, cache = layer.forward(X)
    R = rng.normal(size=out.shape)
    dX, grads = layer.backward(R, cache)

    def loss(X_=X, params=layer.params):
        return float(np.sum(R * layer.with_params(params).forward(X_)[0]))

    assert dX.shape == X.shape
    np.testing.assert_allclose(dX, nnlib.numeric_gradient(lambda v: loss(X_=v), X), rtol=1e-6, atol=1e-8)
    assert len(grads) == len(layer.params)
    for k, (grad, param) in enumerate(zip(grads, layer.params)):
        def loss_k(v, k=k):
            params = list(layer.params)
            params[k] = v
            return loss(params=params)

        assert grad.shape == param.shape
        np.testing.assert_allclose(grad, nnlib.numeric_gradient(loss_k, param), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("X_shape, K_shape, stride, padding", [
    ((2, 5, 5, 1), (3, 3, 2), 1, "valid"),
    ((2, 6, 5, 2), (3, 2, 3), 2, "valid"),  # the last row lies in no window: its gradient is 0
    ((2, 5, 6, 2), (3, 3, 2), 1, "same"),
    ((2, 7, 6, 2), (3, 3, 2), 2, "same"),
])
@pytest.mark.parametrize("activation", ["linear", "tanh"])
def test_conv2d_backward_matches_numeric_gradients(X_shape, K_shape, stride, padding, activation):
    rng = np.random.default_rng(5)
    X, K, b = random_conv(rng, X_shape, K_shape)
    check_layer_gradients(Conv2D(K, b, activation, stride, padding), X, rng)


@pytest.mark.parametrize("shape, p", [((2, 4, 4, 2), 2), ((1, 5, 7, 3), 2), ((2, 6, 6, 1), 3)])
def test_max_pooling_backward_matches_numeric_gradients(shape, p):
    rng = np.random.default_rng(6)
    check_layer_gradients(MaxPooling2D(p), rng.normal(size=shape), rng)


def test_flatten_backward_matches_numeric_gradients():
    rng = np.random.default_rng(8)
    check_layer_gradients(Flatten(), rng.normal(size=(2, 3, 2, 2)), rng)


@pytest.mark.parametrize("layer", [Conv2D(np.ones((2, 2, 2, 3)), np.zeros(3), "tanh", 2, "same"), MaxPooling2D(2),
                                   Flatten()], ids=["Conv2D", "MaxPooling2D", "Flatten"])
def test_a_first_layer_passes_nothing_on_and_keeps_its_gradients(layer):
    X = np.random.default_rng(12).normal(size=(2, 5, 4, 2))
    layer, _ = layer.checked(X.shape[1:], "test")
    out, cache = layer.forward(X)
    dA = np.ones_like(out)
    (dX, grads), (nothing, same_grads) = layer.backward(dA, cache), layer.backward(dA, cache, pass_on=False)
    assert dX.shape == X.shape and nothing is None
    assert len(grads) == len(same_grads) and all(np.array_equal(g, s) for g, s in zip(grads, same_grads))


def test_float32_in_float32_computed(strict_numerics):
    """As nnlib's Dense (tests/test_float32.py): float32 images and kernel stay float32, within rounding."""
    rng = np.random.default_rng(13)
    X, K, b = random_conv(rng, (3, 7, 6, 2), (3, 3, 4))
    layers = [Conv2D(K.astype(np.float32), b.astype(np.float32), "linear", 2, "same"), MaxPooling2D(2), Flatten()]
    A, caches = X.astype(np.float32), []
    for layer in as_layers(layers, X.shape[1:], "test"):
        A, cache = layer.forward(A)
        caches.append((layer, cache))
    assert A.dtype == np.float32
    dA = np.ones_like(A)
    for layer, cache in caches[::-1]:
        dA, grads = layer.backward(dA, cache)
        assert dA.dtype == np.float32 and all(g.dtype == np.float32 for g in grads)
    Z64 = conv2d(X.astype(np.float32).astype(np.float64), K.astype(np.float32), b.astype(np.float32),
                 stride=2, padding="same")
    magnitude = conv2d(np.abs(X), np.abs(K), np.abs(b), stride=2, padding="same")
    assert_float32_close(caches[0][1].Z, Z64, float32_tolerance(magnitude, 3 * 3 * 2 + 1), "float32 Z")


def test_max_pooling_routes_a_tie_to_the_first_maximum_row_by_row():
    # As tf.GradientTape does (tests/test_keras_conv.py compares the two on these numbers).
    X = np.array([[1.0, 3.0, 3.0, 0.0], [3.0, 2.0, 1.0, 3.0], [5.0, 5.0, 0.0, 0.0], [5.0, 5.0, 0.0, 0.0]])
    pool, _ = MaxPooling2D(2).checked((4, 4, 1), "test")
    out, cache = pool.forward(X.reshape(1, 4, 4, 1))
    np.testing.assert_array_equal(out[0, :, :, 0], [[3.0, 3.0], [5.0, 0.0]])
    dX, _ = pool.backward(np.array([10.0, 20.0, 30.0, 40.0]).reshape(1, 2, 2, 1), cache)
    np.testing.assert_array_equal(dX[0, :, :, 0], [[0, 10, 20, 0], [0, 0, 0, 0], [30, 0, 40, 0], [0, 0, 0, 0]])


def test_a_small_cnn_backpropagates_layer_by_layer():
    """Conv2D → MaxPooling2D → Flatten → Dense(softmax): the layers' backward passes chained."""
    rng = np.random.default_rng(9)
    X, y = rng.normal(size=(3, 6, 6, 1)), np.eye(3)[[0, 2, 1]]
    layers = as_layers([Conv2D(rng.normal(size=(3, 3, 1, 2)), rng.normal(size=2), "tanh"), MaxPooling2D(2),
                        Flatten(), nnlib.Dense(rng.normal(size=(8, 3)), rng.normal(size=3), "softmax")],
                       X.shape[1:], "test")

    def loss(trial):
        return nnlib.categorical_crossentropy(y, forward(X, trial).output)

    output, caches = forward(X, layers)
    dA, grads = layers[-1].backward_from_z(nnlib.output_backward("softmax", "categorical_crossentropy",
                                                                 caches[-1].Z, output, y), caches[-1])
    grads = [grads]
    for layer, cache in zip(layers[-2::-1], caches[-2::-1]):
        dA, layer_grads = layer.backward(dA, cache)
        grads.insert(0, layer_grads)
    assert [len(g) for g in grads] == [2, 0, 0, 2]
    for i, layer in enumerate(layers):
        for k, (grad, param) in enumerate(zip(grads[i], layer.params)):
            def loss_of(v, i=i, k=k):
                params = list(layers[i].params)
                params[k] = v
                return loss(layers[:i] + [layers[i].with_params(params)] + layers[i + 1:])

            np.testing.assert_allclose(grad, nnlib.numeric_gradient(loss_of, param), rtol=1e-6, atol=1e-9)


def test_layers_check_the_shapes_along_a_network():
    rng = np.random.default_rng(10)
    conv = Conv2D(rng.normal(size=(3, 3, 1, 4)).tolist(), [0.0] * 4, "relu", 2, "same")
    layers = as_layers([conv, MaxPooling2D(2), Flatten(), (np.zeros((16, 2)), np.zeros(2), "linear")],
                       (8, 8, 1), "f")
    assert layers[0].K.dtype == np.float64 and isinstance(layers[0].K, np.ndarray)  # lists become arrays
    assert forward(rng.normal(size=(5, 8, 8, 1)), layers).output.shape == (5, 2)
    with pytest.raises(ValueError, match=r"f: layer 3: each example reaching it has shape \(16,\), so W must "
                                         r"have shape \(16, n_units\); got \(12, 2\)"):
        as_layers([conv, MaxPooling2D(2), Flatten(), (np.zeros((12, 2)), np.zeros(2), "linear")], (8, 8, 1), "f")


# ---------------------------------------------------------------- errors

X8, K3, B2 = np.zeros((4, 8, 8, 1)), np.ones((3, 3, 1, 2)), np.zeros(2)
RGB = np.zeros((2, 6, 6, 3))


@pytest.mark.parametrize("call, error, message", [
    (lambda: conv2d(X8.reshape(4, 64), K3, B2), ValueError,
     r"conv2d: each example must be an image of shape \(height, width, channels\), got shape \(64,\)\. "
     r"If each row holds one 8 × 8 image with 1 channel, reshape the batch: X.reshape\(-1, 8, 8, 1\)"),
    (lambda: conv2d(RGB.reshape(2, -1), np.ones((3, 3, 3, 2)), B2), ValueError,
     r"one 6 × 6 image with 3 channels, reshape the batch: X.reshape\(-1, 6, 6, 3\)"),
    (lambda: conv2d(X8[..., 0], K3, B2), ValueError,
     r"conv2d: X must be a batch of images \(m, h, w, c\), got shape \(4, 8, 8\): for one image \(h, w, c\) "
     r"use X\[None\]; for one-channel images \(m, h, w\) use X\[\.\.\., None\]"),
    (lambda: conv2d(RGB, K3, B2), ValueError,
     r"conv2d: each image has 3 channels \(shape \(6, 6, 3\)\), but K of shape \(3, 3, 1, 2\) "
     r"\(kh, kw, c_in, c_out\) expects c_in = 1$"),
    (lambda: conv2d(RGB, np.ones((2, 3, 5, 5)), B2), ValueError,
     r"expects c_in = 5; a kernel stored as \(c_out, c_in, kh, kw\), as in PyTorch, becomes Keras's "
     r"\(kh, kw, c_in, c_out\) with K.transpose\(2, 3, 1, 0\)"),
    (lambda: conv2d(X8, K3, np.zeros(1)), ValueError,
     r"conv2d: b must have one bias per filter, shape \(2,\) for K of shape \(3, 3, 1, 2\) "
     r"\(kh, kw, c_in, c_out\), got \(1,\)"),
    (lambda: conv2d(X8, np.ones((3, 3, 2)), B2), ValueError,
     r"conv2d: the kernel K must be 4-D, got shape \(3, 3, 2\) \(3-D\)"),
    (lambda: conv2d(X8, np.ones((9, 3, 1, 2)), B2), ValueError,
     r"conv2d: the kernel \(9 × 3\) is larger than the image \(8 × 8\); with padding='valid' every window "
     r"must lie inside the image\. Use a smaller kernel or padding='same'"),
    (lambda: conv2d(X8, K3, B2, stride=0), ValueError, r"conv2d: stride must be a positive integer, got 0 \(int\)"),
    (lambda: conv2d(X8, K3, B2, stride=1.5), ValueError, r"stride must be a positive integer, got 1.5 \(float\)"),
    (lambda: conv2d(X8, K3, B2, stride="2"), TypeError, r"stride must be a positive integer, got '2' \(str\)"),
    (lambda: conv2d(X8, K3, B2, padding="full"), ValueError,
     r"conv2d: padding must be 'valid' or 'same', got 'full'"),
    (lambda: conv2d(X8, K3, B2, padding="SAME"), ValueError, r"padding must be 'valid' or 'same', got 'SAME'"),
    (lambda: conv2d(X8, K3, B2, activation="swish"), ValueError, r"conv2d: unknown activation 'swish'"),
    (lambda: conv2d(np.where(np.arange(64).reshape(1, 8, 8, 1) == 9, np.nan, 0.0), K3, B2),
     NonFiniteError,
     r"conv2d: X contains nan \(first at index \(0, 1, 1, 0\)\)"),
    (lambda: conv2d(X8, np.full((3, 3, 1, 2), np.nan), B2), ValueError, r"conv2d: K contains nan"),
    (lambda: conv2d(X8, K3, [0.0, "a"]), TypeError, r"conv2d: b must hold numbers"),
    (lambda: conv2d_loop(X8, K3, B2), ValueError,
     r"conv2d_loop: x must be one image \(h, w, c_in\), got shape \(4, 8, 8, 1\); this is a batch: use conv2d, "
     r"or pass one image, x\[0\]"),
    (lambda: conv2d_loop(X8[0, :, :, 0], K3, B2), ValueError,
     r"conv2d_loop: x must be one image \(h, w, c_in\), got shape \(8, 8\); for a one-channel image add the "
     r"channel axis: x.reshape\(8, 8, 1\)"),
    (lambda: conv2d_loop(np.full((4, 4, 1), np.nan), K3, B2), ValueError, r"conv2d_loop: x contains nan"),
    (lambda: max_pool2d(X8.reshape(4, 64)), ValueError, r"max_pool2d: each example must be an image of shape "
     r"\(height, width, channels\), got shape \(64,\)\. If each row holds one 8 × 8 image"),
    (lambda: max_pool2d(X8, 9), ValueError,
     r"max_pool2d: pool_size 9 is larger than the image \(8 × 8\), so not one whole window fits"),
    (lambda: max_pool2d(X8, 0), ValueError, r"max_pool2d: pool_size must be a positive integer, got 0"),
    (lambda: max_pool2d(X8, (2, 2)), TypeError, r"max_pool2d: pool_size must be a positive integer, got \(2, 2\)"),
    (lambda: max_pool2d(np.full((1, 2, 2, 1), np.nan)), ValueError, r"max_pool2d: X contains nan"),
    (lambda: conv2d(np.zeros((2, 0, 0, 1)), K3, B2, padding="same"), ValueError,
     r"conv2d: each image is empty, shape \(0, 0, 1\) \(height, width, channels\); expected at least one pixel"),
    (lambda: max_pool2d(np.zeros((2, 4, 4, 0))), ValueError, r"max_pool2d: each image is empty, shape \(4, 4, 0\)"),
    (lambda: conv2d(X8, K3, B2, stride=True), TypeError, r"conv2d: stride must be a positive integer, got True"),
    (lambda: as_layers([Conv2D(K3, B2)], None, "to_keras"), ValueError,
     r"to_keras: layer 0: no data fixes the shape of the images reaching this layer; give the shape of one "
     r"example, \(height, width, channels\)"),
    (lambda: as_layers([Flatten()], None, "f"), ValueError, r"f: layer 0: a network cannot start with Flatten"),
    (lambda: as_layers([(np.ones((2, 64)), np.zeros(64), "relu"), Conv2D(K3, B2)], (2,), "f"), ValueError,
     r"f: layer 1: each example must be an image .* got shape \(64,\)\. If each row holds one 8 × 8 image "
     r"with 1 channel, reshape the batch: X.reshape\(-1, 8, 8, 1\)"),
], ids=lambda v: "" if callable(v) or isinstance(v, (type, str)) else str(v))
def test_bad_input_gets_a_clear_error(call, error, message, strict_numerics):
    with pytest.raises(error, match=message):
        call()


def test_out_shapes_follow_keras_formulas():
    for h, k, s in [(8, 3, 1), (8, 3, 2), (7, 3, 2), (5, 5, 1), (9, 2, 4)]:
        _, valid = Conv2D(np.ones((k, k, 1, 1)), [0.0], stride=s).checked((h, h, 1), "t")
        _, same = Conv2D(np.ones((k, k, 1, 1)), [0.0], stride=s, padding="same").checked((h, h, 1), "t")
        assert valid == ((h - k) // s + 1,) * 2 + (1,)
        assert same == (math.ceil(h / s),) * 2 + (1,)
