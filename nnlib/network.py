"""A network is a list of layers: checking one, and running it forward.

`sequential` is the prediction a reader computes in chapter 2. `forward` is the
same pass keeping every layer's cache, which backpropagation needs. Both loop
over layers calling ``layer.forward``, whatever the kind of layer (see
`nnlib.layers`). `check_network` checks everything a gradient or training needs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from ._validate import as_float_array, check_not_nan
from .layers import Dense, Layer
from .losses import LossLike, get_loss, loss_name, sparse_categorical_crossentropy

_LAYER_HINT = "a list of layers such as [(W1, b1, 'relu'), (W2, b2, 'sigmoid')]"


def as_layers(layers: Sequence[Layer], in_shape: tuple | None, func: str) -> list[Dense]:
    """Checked float64 copies of the layers, for examples of shape `in_shape` (e.g. ``(n_in,)``).

    With `in_shape` None (no data at hand), the first layer's own input shape is taken.

    Each layer is checked against the shape the layer before it passes on, so a
    mistake is reported at the layer where the shapes stop fitting.
    """
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
    return checked


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
    A = as_float_array(X, "X", "sequential", ndims=(1, 2))
    for layer in as_layers(layers, A.shape[-1:], "sequential"):
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


class Network(NamedTuple):
    """What `check_network` returns: checked inputs, ready for a gradient."""

    X: np.ndarray
    y: np.ndarray
    layers: list
    loss_fn: object
    loss_name: str | None


def check_network(func: str, X, y, layers: Sequence[Layer], loss: LossLike) -> Network:
    """Check everything a gradient needs.

    `y` must have the network's output shape (m, n_out), except for sparse
    categorical cross-entropy, which takes one integer label per example. The
    loss name is None for a callable that is not one of nnlib's losses.
    """
    if np.ndim(X) == 1:
        raise ValueError(f"{func}: X must be 2-D, one example per row (m, n_in); got shape "
                         f"{np.shape(X)}. For a single example use X.reshape(1, -1).")
    X = np.array(as_float_array(X, "X", func, ndims=(2,), nonempty=True), dtype=np.float64)
    check_not_nan(X, "X", func)
    layers = as_layers(layers, X.shape[1:], func)
    loss_fn, name = get_loss(loss, func), loss_name(loss)
    out_shape = forward(X, layers).output.shape  # all of X: a fixed dropout mask fits only the batch
    if name == "sparse_categorical_crossentropy":
        return Network(X, _check_labels(func, y, out_shape), layers, loss_fn, name)
    y = check_not_nan(np.array(as_float_array(y, "y", func), dtype=np.float64), "y", func)
    if name is not None and y.shape != out_shape:
        hint = f" Try y.reshape{out_shape}." if y.size == np.prod(out_shape) else ""
        raise ValueError(
            f"{func}: y has shape {y.shape}, but the network's output has shape {out_shape} "
            f"({out_shape[0]} examples × {out_shape[1]} outputs); they must match.{hint}")
    return Network(X, y, layers, loss_fn, name)


def _check_labels(func: str, y, out_shape: tuple[int, int]) -> np.ndarray:
    """Integer labels (m,) for sparse categorical cross-entropy, checked by the loss itself."""
    try:
        sparse_categorical_crossentropy(y, np.full(out_shape, 1.0 / out_shape[1]))
    except (TypeError, ValueError) as err:
        raise type(err)(f"{func}: {err}") from None
    return np.asarray(y).reshape(-1).astype(int)
