"""nnlib <-> Keras: the same weights give the same predictions, and conversion round-trips."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # before TensorFlow loads

import numpy as np
import pytest

import nnlib

from conftest import assert_float32_close, forward_float32_tolerance, random_layers

NETWORKS = {
    "coffee 2-3-1 sigmoid": ([2, 3, 1], ["sigmoid", "sigmoid"]),
    "deep relu/tanh, softmax out": ([4, 8, 8, 5, 3], ["relu", "tanh", "relu", "softmax"]),
    "wide linear": ([16, 64, 2], ["linear", "linear"]),
    "one layer tanh": ([3, 7], ["tanh"]),
}


def keras_and_nnlib_outputs(name, perturb=None):
    rng = np.random.default_rng(len(name))
    sizes, activations = NETWORKS[name]
    layers = random_layers(rng, sizes, activations)
    X = rng.normal(size=(32, sizes[0]))
    copied = layers if perturb is None else perturb(layers)
    return X, layers, nnlib.to_keras(copied).predict(X, verbose=0), nnlib.sequential(X, layers)


@pytest.mark.parametrize("name", NETWORKS)
def test_nnlib_forward_matches_keras_predict(name):
    X, layers, keras_out, nnlib_out = keras_and_nnlib_outputs(name)
    # Keras rounds X, W and b to float32 and computes in float32: each output may be off by the
    # float32 error of its own sums, |a| @ |W| + |b| times (n_in + 2) ε32, carried through the layers.
    assert_float32_close(keras_out, nnlib_out, forward_float32_tolerance(X, layers, inputs_in_float32=False))


def test_one_weight_off_by_a_relative_1e_4_is_detected():
    """The float32 tolerance is tight enough to catch a single weight 1e-4 off (relative)."""
    def perturb(layers):
        (W, b, g), rest = layers[0], layers[1:]
        W = W.copy()
        W[0, 0] *= 1 + 1e-4
        return [(W, b, g), *rest]

    X, layers, keras_out, nnlib_out = keras_and_nnlib_outputs("coffee 2-3-1 sigmoid", perturb)
    with pytest.raises(AssertionError, match="beyond float32 rounding"):
        assert_float32_close(keras_out, nnlib_out, forward_float32_tolerance(X, layers, inputs_in_float32=False))


@pytest.mark.parametrize("name", NETWORKS)
def test_round_trip_is_exact_in_float64(name):
    rng = np.random.default_rng(1)
    layers = random_layers(rng, *NETWORKS[name])
    back = nnlib.from_keras(nnlib.to_keras(layers, dtype="float64"))
    for (W, b, g), (W2, b2, g2) in zip(layers, back, strict=True):
        assert np.array_equal(W, W2) and np.array_equal(b, b2) and g == g2


def test_nnlib_activation_functions_are_accepted():
    layers = [(np.eye(2), np.zeros(2), nnlib.relu), (np.ones((2, 1)), np.zeros(1), nnlib.sigmoid)]
    assert [g for _, _, g in nnlib.from_keras(nnlib.to_keras(layers))] == ["relu", "sigmoid"]


def test_activation_keras_lacks_is_refused():
    with pytest.raises(ValueError, match=r"layer 0 activation 'step' has no Keras equivalent"):
        nnlib.to_keras([(np.ones((2, 3)), np.zeros(3), "step")])
    with pytest.raises(ValueError, match=r"has no Keras equivalent"):
        nnlib.to_keras([(np.ones((2, 3)), np.zeros(3), lambda z: z)])


def test_inconsistent_layer_shapes_are_refused():
    layers = [(np.ones((2, 3)), np.zeros(3), "relu"), (np.ones((2, 1)), np.zeros(1), "linear")]
    with pytest.raises(ValueError, match=r"to_keras: layer 1: each example reaching it has shape \(3,\), so W "
                                         r"must have shape \(3, n_units\); got \(2, 1\)"):
        nnlib.to_keras(layers)
    with pytest.raises(ValueError, match=r"b must have shape \(3,\).*got \(2,\)"):
        nnlib.to_keras([(np.ones((2, 3)), np.zeros(2), "relu")])
    with pytest.raises(ValueError, match="empty"):
        nnlib.to_keras([])


def test_from_keras_refuses_layers_it_cannot_convert():
    import keras

    model = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.AveragePooling2D(2), keras.layers.Flatten(),
                              keras.layers.Dense(1)])
    with pytest.raises(ValueError, match=r"layer 0 .* is a AveragePooling2D; only Dense, Dropout, Conv2D, "
                                         r"MaxPooling2D and Flatten"):
        nnlib.from_keras(model)
    pooled = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.MaxPooling2D(2, strides=1),
                               keras.layers.Flatten(), keras.layers.Dense(1)])
    with pytest.raises(ValueError, match=r"nnlib pools square windows side by side"):
        nnlib.from_keras(pooled)


def test_a_cnn_round_trips_and_predicts_alike_in_float64():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(6, 8, 8, 1))
    layers = [nnlib.Conv2D(rng.normal(size=(3, 3, 1, 4)), rng.normal(size=4), "relu", 2, "same"),
              nnlib.MaxPooling2D(2), nnlib.Flatten(), nnlib.Dense(rng.normal(size=(16, 3)), np.zeros(3), "softmax")]
    model = nnlib.to_keras(layers, dtype="float64", input_shape=(8, 8, 1))
    assert [type(layer).__name__ for layer in model.layers] == ["Conv2D", "MaxPooling2D", "Flatten", "Dense"]
    # model(X), not predict: predict casts its input to Keras's global float type (float32)
    np.testing.assert_allclose(model(X).numpy(), nnlib.sequential(X, layers), rtol=1e-12, atol=1e-15)
    back = nnlib.from_keras(model)
    assert (back[0].stride, back[0].padding, back[0].activation) == (2, "same", "relu")
    assert all(np.array_equal(p, q) for a, b in zip(layers, back) for p, q in zip(a.params, b.params))


def test_dropout_round_trips_and_is_the_identity_in_prediction():
    rng = np.random.default_rng(5)
    (W1, b1, _), (W2, b2, _) = random_layers(rng, [3, 4, 2], ["relu", "linear"])
    layers = [nnlib.Dense(W1, b1, "relu"), nnlib.Dropout(0.25), nnlib.Dense(W2, b2, "linear")]
    model = nnlib.to_keras(layers, dtype="float64")
    assert [type(layer).__name__ for layer in model.layers] == ["Dense", "Dropout", "Dense"]
    assert model.layers[1].rate == 0.25
    back = nnlib.from_keras(model)
    assert back[1] == nnlib.Dropout(0.25)
    assert all(np.array_equal(a, b) for a, b in zip(back[0].params + back[2].params, (W1, b1, W2, b2)))
    X = rng.normal(size=(5, 3))
    # Called outside training, Keras's Dropout passes its input on, as nnlib's sequential does;
    # called directly (predict would cast X to float32), the float64 model agrees to rounding.
    np.testing.assert_allclose(np.asarray(model(X, training=False)), nnlib.sequential(X, layers), rtol=1e-13)


def test_from_keras_without_bias_gives_zero_bias():
    import keras

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, use_bias=False)])
    (W, b, g), = nnlib.from_keras(model)
    assert W.shape == (3, 2) and np.array_equal(b, np.zeros(2)) and g == "linear"
