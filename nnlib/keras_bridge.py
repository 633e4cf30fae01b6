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
from .conv import Conv2D, Flatten, MaxPooling2D
from .layers import Dense, Dropout, Layer
from .network import as_layers

KERAS_ACTIVATIONS = ("linear", "sigmoid", "tanh", "relu", "softmax")  # "step" has no Keras twin


def _keras():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # before TensorFlow loads: no start-up notices
    from .quiet_tf import import_keras  # TensorFlow >= 2.21 prints some regardless: import_keras drops them

    return import_keras()


def to_keras(layers: Sequence[Layer], dtype: str = "float32", input_shape: tuple | None = None):
    """Build a `keras.Sequential` model holding exactly these layers and weights.

    Parameters
    ----------
    layers : list of (W, b, activation) or nnlib layers
        As for `nnlib.sequential`: each `Dense` becomes a ``keras.layers.Dense`` (its
        activation must be a name Keras knows, or nnlib's own function for it), each
        `Dropout` a ``keras.layers.Dropout`` with the same rate.
    dtype : str
        The model's float type; ``"float64"`` makes the copy exact.
    input_shape : tuple, optional
        The shape of one example, e.g. ``(8, 8, 1)``; needed when the first layer is a
        `Conv2D` (a `Dense` layer's W already says how many inputs it takes).

    Returns
    -------
    keras.Sequential
    """
    checked = _check_layers(layers, dtype, input_shape)
    keras = _keras()
    shape = tuple(input_shape) if input_shape is not None else (checked[0].W.shape[0],)
    model = keras.Sequential([keras.Input(shape=shape, dtype=dtype)]
                             + [_keras_layer(keras, layer, dtype) for layer in checked])
    model.set_weights([array for layer in checked for array in layer.params])
    return model


def _keras_layer(keras, layer, dtype: str):
    """The Keras layer for one nnlib layer: one kind maps to one Keras class."""
    if isinstance(layer, Dropout):
        return keras.layers.Dropout(layer.rate, dtype=dtype)
    if isinstance(layer, Conv2D):
        kh, kw, _, c_out = layer.K.shape
        return keras.layers.Conv2D(c_out, (kh, kw), strides=layer.stride, padding=layer.padding,
                                   activation=layer.activation, dtype=dtype)
    if isinstance(layer, MaxPooling2D):
        return keras.layers.MaxPooling2D(layer.pool_size, dtype=dtype)
    if isinstance(layer, Flatten):
        return keras.layers.Flatten(dtype=dtype)
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
        if kind in ("Conv2D", "MaxPooling2D", "Flatten"):
            layers.append(_image_layer(layer, kind, i))
            continue
        if kind != "Dense":
            raise ValueError(f"from_keras: layer {i} ({layer.name!r}) is a {kind}; only Dense, Dropout, "
                             "Conv2D, MaxPooling2D and Flatten layers can be converted (remove it or apply it "
                             "to the data first)")
        weights = layer.get_weights()
        W = np.array(weights[0], dtype=np.float64)
        b = np.array(weights[1], dtype=np.float64) if layer.use_bias else np.zeros(W.shape[1])
        name = layer.activation.__name__
        if name not in KERAS_ACTIVATIONS:
            raise ValueError(f"from_keras: layer {i} uses activation {name!r}, which nnlib lacks; "
                             f"expected one of {KERAS_ACTIVATIONS}")
        layers.append(Dense(W, b, name))
    return layers


def _image_layer(layer, kind: str, i: int):
    """nnlib's Conv2D, MaxPooling2D or Flatten for a Keras one, if nnlib computes the same thing."""
    where = f"from_keras: layer {i} ({layer.name!r})"
    if getattr(layer, "data_format", "channels_last") != "channels_last":
        raise ValueError(f"{where} uses data_format={layer.data_format!r}; nnlib keeps channels last")
    if kind == "Flatten":
        return Flatten()
    if kind == "MaxPooling2D":
        p = layer.pool_size[0]
        if tuple(layer.pool_size) != (p, p) or tuple(layer.strides) != (p, p) or layer.padding != "valid":
            raise ValueError(f"{where} has pool_size {layer.pool_size}, strides {layer.strides} and "
                             f"padding {layer.padding!r}; nnlib pools square windows side by side "
                             "(strides = pool_size, padding='valid')")
        return MaxPooling2D(p)
    s = layer.strides[0]
    if tuple(layer.strides) != (s, s) or tuple(layer.dilation_rate) != (1, 1) or layer.groups != 1:
        raise ValueError(f"{where} has strides {layer.strides}, dilation_rate {layer.dilation_rate} and "
                         f"groups {layer.groups}; nnlib needs equal strides, no dilation, one group")
    name = layer.activation.__name__
    if name not in KERAS_ACTIVATIONS:
        raise ValueError(f"{where} uses activation {name!r}, which nnlib lacks; expected one of {KERAS_ACTIVATIONS}")
    weights = layer.get_weights()
    K = np.array(weights[0], dtype=np.float64)
    b = np.array(weights[1], dtype=np.float64) if layer.use_bias else np.zeros(K.shape[-1])
    return Conv2D(K, b, name, s, layer.padding)


def _check_layers(layers: Sequence[Layer], dtype: str, input_shape=None) -> list:
    """Check the layers as every nnlib function does; name each activation as Keras does."""
    if dtype not in ("float32", "float64"):
        raise ValueError(f"to_keras: dtype must be 'float32' or 'float64', got {dtype!r}")
    checked = as_layers(layers, input_shape, "to_keras")
    largest = float(np.finfo(dtype).max)
    for i, layer in enumerate(checked):
        if isinstance(layer, Dropout) and layer.mask is not None:
            raise ValueError(f"to_keras: layer {i} is a Dropout with a fixed mask, which Keras's "
                             "Dropout cannot hold; use Dropout(rate) without a mask")
        if not isinstance(layer, (Dense, Dropout, Conv2D, MaxPooling2D, Flatten)):
            raise ValueError(f"to_keras: layer {i} is a {type(layer).__name__}; only Dense, Dropout, "
                             "Conv2D, MaxPooling2D and Flatten layers can be converted")
        if max((np.max(np.abs(p)) for p in layer.params), default=0.0) > largest:
            raise ValueError(f"to_keras: layer {i} holds weights beyond the largest {dtype} "
                             f"({largest:.3g}), which would become inf; use dtype='float64'")
    return [layer._replace(activation=_keras_name(layer.activation, i)) if isinstance(layer, (Dense, Conv2D))
            else layer for i, layer in enumerate(checked)]


def _keras_name(activation, i: int) -> str:
    names = {fn: name for name, fn in ACTIVATIONS.items()}
    name = activation if isinstance(activation, str) else names.get(activation)
    if name not in KERAS_ACTIVATIONS:
        raise ValueError(f"to_keras: layer {i} activation {activation!r} has no Keras equivalent; "
                         f"expected one of {KERAS_ACTIVATIONS}")
    return name
