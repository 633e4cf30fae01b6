"""Move networks between nnlib and Keras, weights and all.

nnlib and Keras store a dense layer the same way: a kernel ``W`` of shape
``(n_in, n_units)`` and a bias ``b`` of shape ``(n_units,)``. So converting is
only a matter of copying arrays and naming activations. TensorFlow is imported
inside these functions, never when `nnlib` itself is imported.
"""

from __future__ import annotations

import os
from typing import Sequence

import numpy as np

from ._validate import as_float_array
from .activations import ACTIVATIONS
from .layers import Layer

KERAS_ACTIVATIONS = ("linear", "sigmoid", "tanh", "relu", "softmax")  # "step" has no Keras twin


def _keras():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # before TensorFlow loads: no start-up notices
    import keras

    return keras


def to_keras(layers: Sequence[Layer], dtype: str = "float32"):
    """Build a `keras.Sequential` model of Dense layers holding exactly these weights.

    Parameters
    ----------
    layers : list of (W, b, activation)
        As for `nnlib.sequential`; activations must be names Keras knows
        (or nnlib's own functions for them).
    dtype : str
        The model's float type; ``"float64"`` makes the copy exact.

    Returns
    -------
    keras.Sequential
    """
    checked = _check_layers(layers)
    keras = _keras()
    n_in = checked[0][0].shape[0]
    model = keras.Sequential(
        [keras.Input(shape=(n_in,), dtype=dtype)]
        + [keras.layers.Dense(W.shape[1], activation=name, dtype=dtype) for W, _, name in checked]
    )
    model.set_weights([array for W, b, _ in checked for array in (W, b)])
    return model


def from_keras(model) -> list[Layer]:
    """Return a Keras model's Dense layers as nnlib ``(W, b, activation)`` tuples (float64 copies)."""
    layers = []
    for i, layer in enumerate(model.layers):
        kind = type(layer).__name__
        if kind != "Dense":
            raise ValueError(f"from_keras: layer {i} ({layer.name!r}) is a {kind}; only Dense layers "
                             "can be converted (remove it or apply it to the data first)")
        weights = layer.get_weights()
        W = np.array(weights[0], dtype=np.float64)
        b = np.array(weights[1], dtype=np.float64) if layer.use_bias else np.zeros(W.shape[1])
        name = layer.activation.__name__
        if name not in KERAS_ACTIVATIONS:
            raise ValueError(f"from_keras: layer {i} uses activation {name!r}, which nnlib lacks; "
                             f"expected one of {KERAS_ACTIVATIONS}")
        layers.append((W, b, name))
    return layers


def _check_layers(layers: Sequence[Layer]) -> list[tuple[np.ndarray, np.ndarray, str]]:
    """Validate shapes along the chain and turn each activation into a Keras name."""
    if len(layers) == 0:
        raise ValueError("to_keras: layers is empty; expected a list of (W, b, activation)")
    checked = []
    for i, (W, b, activation) in enumerate(layers):
        W = as_float_array(W, f"layer {i} W", "to_keras", ndims=(2,))
        b = as_float_array(b, f"layer {i} b", "to_keras", ndims=(1,))
        if b.shape != (W.shape[1],):
            raise ValueError(f"to_keras: layer {i} b must have shape ({W.shape[1]},) to match W "
                             f"{W.shape}, got {b.shape}")
        if checked and checked[-1][0].shape[1] != W.shape[0]:
            raise ValueError(f"to_keras: layer {i - 1} has {checked[-1][0].shape[1]} units but "
                             f"layer {i} W has shape {W.shape}, expecting {W.shape[0]} inputs")
        checked.append((W, b, _keras_name(activation, i)))
    return checked


def _keras_name(activation, i: int) -> str:
    names = {fn: name for name, fn in ACTIVATIONS.items()}
    name = activation if isinstance(activation, str) else names.get(activation)
    if name not in KERAS_ACTIVATIONS:
        raise ValueError(f"to_keras: layer {i} activation {activation!r} has no Keras equivalent; "
                         f"expected one of {KERAS_ACTIVATIONS}")
    return name
