"""Move networks between nnlib and Keras, weights and all.

nnlib and Keras store a dense layer the same way: a kernel ``W`` of shape
``(n_in, n_units)`` and a bias ``b`` of shape ``(n_units,)``. So converting is
only a matter of copying arrays and naming activations. TensorFlow is imported
inside these functions, never when `nnlib` itself is imported.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

from .activations import ACTIVATIONS
from .layers import Dense, Dropout, Layer
from .network import as_layers

KERAS_ACTIVATIONS = ("linear", "sigmoid", "tanh", "relu", "softmax")  # "step" has no Keras twin


def _keras():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # before TensorFlow loads: no start-up notices
    from .quiet_tf import import_keras  # TensorFlow >= 2.21 prints some regardless: import_keras drops them

    return import_keras()


def to_keras(layers: Sequence[Layer], dtype: str = "float32"):
    """Build a `keras.Sequential` model holding exactly these layers and weights.

    Parameters
    ----------
    layers : list of (W, b, activation) or nnlib layers
        As for `nnlib.sequential`: each `Dense` becomes a ``keras.layers.Dense`` (its
        activation must be a name Keras knows, or nnlib's own function for it), each
        `Dropout` a ``keras.layers.Dropout`` with the same rate.
    dtype : str
        The model's float type; ``"float64"`` makes the copy exact.

    Returns
    -------
    keras.Sequential
    """
    checked = _check_layers(layers, dtype)
    keras = _keras()
    model = keras.Sequential([keras.Input(shape=(checked[0].W.shape[0],), dtype=dtype)]
                             + [_keras_layer(keras, layer, dtype) for layer in checked])
    model.set_weights([array for layer in checked for array in layer.params])
    return model


def _keras_layer(keras, layer, dtype: str):
    """The Keras layer for one nnlib layer: one kind maps to one Keras class."""
    if isinstance(layer, Dropout):
        return keras.layers.Dropout(layer.rate, dtype=dtype)
    return keras.layers.Dense(layer.W.shape[1], activation=layer.activation, dtype=dtype)


def from_keras(model) -> list[Dense | Dropout]:
    """Return a Keras model's layers as nnlib layers: ``Dense(W, b, activation)`` (float64 copies)
    for each Dense layer, ``Dropout(rate)`` for each Dropout layer."""
    if not getattr(model, "built", True) or not hasattr(model, "layers"):
        raise ValueError("from_keras: the model has no weights yet; build it first, e.g. by "
                         "starting it with keras.Input(shape=(n_in,)) or calling it on data")
    layers = []
    for i, layer in enumerate(model.layers):
        kind = type(layer).__name__
        if kind == "Dropout":
            layers.append(Dropout(float(layer.rate)))
            continue
        if kind != "Dense":
            raise ValueError(f"from_keras: layer {i} ({layer.name!r}) is a {kind}; only Dense and "
                             "Dropout layers can be converted (remove it or apply it to the data first)")
        weights = layer.get_weights()
        W = np.array(weights[0], dtype=np.float64)
        b = np.array(weights[1], dtype=np.float64) if layer.use_bias else np.zeros(W.shape[1])
        name = layer.activation.__name__
        if name not in KERAS_ACTIVATIONS:
            raise ValueError(f"from_keras: layer {i} uses activation {name!r}, which nnlib lacks; "
                             f"expected one of {KERAS_ACTIVATIONS}")
        layers.append(Dense(W, b, name))
    return layers


def _check_layers(layers: Sequence[Layer], dtype: str) -> list[Dense | Dropout]:
    """Check the layers as every nnlib function does; name each activation as Keras does."""
    if dtype not in ("float32", "float64"):
        raise ValueError(f"to_keras: dtype must be 'float32' or 'float64', got {dtype!r}")
    checked = as_layers(layers, None, "to_keras")
    largest = float(np.finfo(dtype).max)
    for i, layer in enumerate(checked):
        if isinstance(layer, Dropout) and layer.mask is not None:
            raise ValueError(f"to_keras: layer {i} is a Dropout with a fixed mask, which Keras's "
                             "Dropout cannot hold; use Dropout(rate) without a mask")
        if not isinstance(layer, (Dense, Dropout)):
            raise ValueError(f"to_keras: layer {i} is a {type(layer).__name__}; only Dense and "
                             "Dropout layers can be converted so far")
        if max((np.max(np.abs(p)) for p in layer.params), default=0.0) > largest:
            raise ValueError(f"to_keras: layer {i} holds weights beyond the largest {dtype} "
                             f"({largest:.3g}), which would become inf; use dtype='float64'")
    return [layer._replace(activation=_keras_name(layer.activation, i)) if isinstance(layer, Dense)
            else layer for i, layer in enumerate(checked)]


def _keras_name(activation, i: int) -> str:
    names = {fn: name for name, fn in ACTIVATIONS.items()}
    name = activation if isinstance(activation, str) else names.get(activation)
    if name not in KERAS_ACTIVATIONS:
        raise ValueError(f"to_keras: layer {i} activation {activation!r} has no Keras equivalent; "
                         f"expected one of {KERAS_ACTIVATIONS}")
    return name
