"""A network is a list of layers: checking one, and running it forward and backward.

`sequential` is the prediction a reader computes in chapter 2. `forward` is the
same pass keeping every layer's cache, which backpropagation needs, and `backward`
is backpropagation's pass from the loss back to the first layer. They loop over
layers calling ``layer.forward`` and ``layer.backward``, whatever the kind of layer
(see `nnlib.layers`). `check_network` checks everything a gradient or training
needs, once; after it, the layers run their formulas unchecked.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from ._validate import as_float_array, check_not_nan
from .activations import activation_name
from .layers import Dense, Layer
from .losses import (
    LossLike,
    categorical_crossentropy,
    from_logits,
    get_loss,
    known_loss,
    loss_name,
    one_hot,
    output_backward,
    sparse_labels,
)

_LAYER_HINT = "a list of layers such as [(W1, b1, 'relu'), (W2, b2, 'sigmoid')]"


def as_layers(layers: Sequence[Layer], in_shape: tuple | None, func: str) -> list[Dense]:
    """Checked copies of the layers, for examples of shape `in_shape` (e.g. ``(n_in,)``).

    With `in_shape` None (no data at hand), the first layer's own input shape is taken.

    Each layer is checked against the shape the layer before it passes on, so a
    mistake is reported at the layer where the shapes stop fitting.
    """
    return checked_layers(layers, in_shape, func)[0]


def checked_layers(layers: Sequence[Layer], in_shape: tuple | None, func: str) -> tuple[list, tuple]:
    """`as_layers`, and the shape of one example leaving the last layer."""
    if _is_one_layer(layers):
        raise TypeError(f"{func}: layers must be {_LAYER_HINT}, got a single tuple; "
                        "wrap it in a list: [(W, b, activation)]")
    if not isinstance(layers, (list, tuple)):
        raise TypeError(f"{func}: layers must be {_LAYER_HINT}, got {type(layers).__name__}")
    if len(layers) == 0:
        raise ValueError(f"{func}: layers is empty; expected {_LAYER_HINT}")
    checked, shape = [], None if in_shape is None else tuple(in_shape)
    for i, layer in enumerate(layers):
        layer, shape = _as_layer(layer, f"{func}: layer {i}").checked(shape, f"{func}: layer {i}")
        checked.append(layer)
    return checked, shape


def _is_one_layer(layers) -> bool:
    """A bare (W, b, activation) or (W, b) where a list of layers was expected."""
    if not isinstance(layers, tuple) or len(layers) not in (2, 3):
        return False
    if len(layers) == 3:
        return isinstance(layers[2], str) or callable(layers[2])
    return np.ndim(layers[0]) == 2 and np.ndim(layers[1]) == 1


def _as_layer(layer, where: str):
    if hasattr(layer, "forward") and hasattr(layer, "checked"):
        return layer
    if isinstance(layer, (tuple, list)) and len(layer) == 3:
        return Dense(*layer)
    if isinstance(layer, (tuple, list)) and len(layer) == 2:
        raise TypeError(f"{where} is a pair (W, b) without an activation; write (W, b, 'linear') "
                        "or name the activation you mean")
    raise TypeError(f"{where} must be a (W, b, activation) tuple or a layer such as nnlib.Dense, "
                    f"got {type(layer).__name__}")


def sequential(X, layers: Sequence[Layer]) -> np.ndarray:
    """Apply the layers in order: the output of one is the input of the next.

    Parameters
    ----------
    X : array_like, shape (m, n_in) or (n_in,)
        A batch of m examples, one per row, or a single example.
    layers : list of (W, b, activation)
        One tuple (or `nnlib.Dense`) per layer, first layer first.

    Returns
    -------
    numpy.ndarray
        The last layer's activations.
    """
    A = check_not_nan(as_float_array(X, "X", "sequential", ndims=(1, 2, 4)), "X", "sequential")
    for layer in as_layers(layers, A.shape[1:] if A.ndim == 4 else A.shape[-1:], "sequential"):
        A, _ = layer.forward(A)
    return A


class ForwardPass(NamedTuple):
    """The network's output, and each layer's cache for the backward pass."""

    output: np.ndarray
    caches: list


def forward(X: np.ndarray, layers: Sequence[Dense], training: bool = False, rng=None) -> ForwardPass:
    """Run checked layers on a batch X, keeping every layer's cache (backprop needs them)."""
    A, caches = X, []
    for layer in layers:
        A, cache = layer.forward(A, training, rng)
        caches.append(cache)
    return ForwardPass(A, caches)


def backward(net: Network, passed: ForwardPass) -> list[tuple]:
    """The backward pass, from a forward pass of the checked network `net` that kept its caches."""
    layers, caches = net.layers, passed.caches
    # The output layer's dZ comes straight from the loss (chapter 6's short forms).
    dZ = output_backward(layers[-1].activation, net.loss, caches[-1].Z, passed.output, net.y)
    dA, last_grads = layers[-1].backward_from_z(dZ, caches[-1], pass_on=len(layers) > 1)
    grads = [last_grads]
    for layer, cache in zip(layers[-2:0:-1], caches[-2:0:-1]):  # the layers in between
        dA, layer_grads = layer.backward(dA, cache)
        grads.append(layer_grads)
    if len(layers) > 1:  # the first layer: no layer before it needs its dA_prev
        grads.append(layers[0].backward(dA, caches[0], pass_on=False)[1])
    return grads[::-1]


def check_derivatives(func: str, net: Network) -> None:
    """That backprop knows every derivative a checked network needs, before any work is done."""
    known_loss(net.loss, func)  # a loss of your own fails here: backprop cannot know its derivative
    for i, layer in enumerate(net.layers):
        if hasattr(layer, "activation"):
            activation_name(layer.activation, f"{func}: layer {i}")
    if not hasattr(net.layers[-1], "backward_from_z"):
        raise ValueError(f"{func}: the last layer meets the loss, so it must be a Dense layer, "
                         f"got {type(net.layers[-1]).__name__}")


class Network(NamedTuple):
    """What `check_network` returns: checked inputs, ready for a gradient."""

    X: np.ndarray
    y: np.ndarray
    layers: list
    loss_fn: object
    loss_name: str | None
    loss: LossLike = None  # the loss as backprop takes it: integer labels arrive as one-hot rows


def check_network(func: str, X, y, layers: Sequence[Layer], loss: LossLike) -> Network:
    """Check everything a gradient needs, once, so that training can then run unchecked.

    `y` must have the network's output shape (m, n_out), except for sparse
    categorical cross-entropy, which takes one integer label per example; those
    come back as one-hot rows, with categorical cross-entropy as the loss (the
    same value, and one code path after this point). The loss name is None for a
    callable that is not one of nnlib's losses. Floating-point X and weights keep
    their precision (float32 stays float32, as in Keras); anything else becomes float64.
    """
    if np.ndim(X) == 1:
        raise ValueError(f"{func}: X must be 2-D, one example per row (m, n_in); got shape "
                         f"{np.shape(X)}. For a single example use X.reshape(1, -1).")
    X = check_not_nan(as_float_array(X, "X", func, ndims=(2, 4), nonempty=True), "X", func)
    layers, out = checked_layers(layers, X.shape[1:], func)
    loss_fn, name = get_loss(loss, func), loss_name(loss)
    dtype = np.result_type(X, *(p for layer in layers for p in layer.params))
    out_shape = (len(X), *out)
    if name == "sparse_categorical_crossentropy":
        Y = one_hot(sparse_labels(y, out_shape, f"{func}: {name}"), out_shape[1], dtype)
        as_categorical = functools.partial(categorical_crossentropy, from_logits=from_logits(loss))
        return Network(X, Y, layers, as_categorical, "categorical_crossentropy", as_categorical)
    y = check_not_nan(as_float_array(y, "y", func), "y", func).astype(dtype, copy=False)
    if name is not None and y.shape != out_shape:
        hint = f" Try y.reshape{out_shape}." if y.size == np.prod(out_shape) else ""
        raise ValueError(
            f"{func}: y has shape {y.shape}, but the network's output has shape {out_shape} "
            f"({out_shape[0]} examples × {out_shape[1]} outputs); they must match.{hint}")
    return Network(X, y, layers, loss_fn, name, loss)
