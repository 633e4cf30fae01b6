"""Input checks shared by the functions that differentiate and train a network."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ._validate import as_float_array
from .activations import get_activation
from .derivatives import LossLike, get_loss, loss_name
from .layers import Layer
from .losses import sparse_categorical_crossentropy


def check_layers(layers: Sequence[Layer], n_in: int, func: str) -> list[Layer]:
    """Return float64 copies of the layers, checking shapes along the chain."""
    if isinstance(layers, tuple) and len(layers) == 3 and not isinstance(layers[2], (tuple, list)):
        raise TypeError(f"{func}: layers must be a list of (W, b, activation) tuples, got a "
                        "single tuple; wrap it in a list: [(W, b, activation)]")
    if len(layers) == 0:
        raise ValueError(f"{func}: layers is empty; expected a list of (W, b, activation) tuples")
    checked = []
    for i, layer in enumerate(layers):
        if not isinstance(layer, (tuple, list)) or len(layer) != 3:
            raise TypeError(f"{func}: layer {i} must be a (W, b, activation) tuple, "
                            f"got {type(layer).__name__}")
        W, b, activation = layer
        W = np.array(as_float_array(W, f"layer {i} W", func, ndims=(2,)), dtype=np.float64)
        b = np.array(as_float_array(b, f"layer {i} b", func, ndims=(1,)), dtype=np.float64)
        get_activation(activation, f"{func}: layer {i}")
        expected = n_in if i == 0 else checked[-1][0].shape[1]
        if W.shape[0] != expected:
            source = f"X has {n_in} features (columns)" if i == 0 else \
                f"layer {i - 1} has {expected} units"
            raise ValueError(f"{func}: {source}, so layer {i} W must have shape "
                             f"({expected}, n_units); got {W.shape}")
        if b.shape != (W.shape[1],):
            raise ValueError(f"{func}: layer {i} b must have shape ({W.shape[1]},) to match W "
                             f"{W.shape}, got {b.shape}")
        checked.append((W, b, activation))
    return checked


def check_network(func: str, X, y, layers: Sequence[Layer], loss: LossLike):
    """Check everything a gradient needs; return (X, y, layers, loss function, loss name).

    `y` must have the network's output shape (m, n_out), except for sparse
    categorical cross-entropy, which takes one integer label per example. The
    loss name is None for a callable that is not one of nnlib's losses.
    """
    if np.ndim(X) == 1:
        raise ValueError(f"{func}: X must be 2-D, one example per row (m, n_in); got shape "
                         f"{np.shape(X)}. For a single example use X.reshape(1, -1).")
    X = np.array(as_float_array(X, "X", func, ndims=(2,)), dtype=np.float64)
    layers = check_layers(layers, X.shape[1], func)
    loss_fn, name = get_loss(loss, func), loss_name(loss)
    out_shape = (X.shape[0], layers[-1][0].shape[1])
    if name == "sparse_categorical_crossentropy":
        return X, _check_labels(func, y, out_shape), layers, loss_fn, name
    y = np.array(as_float_array(y, "y", func), dtype=np.float64)
    if name is not None and y.shape != out_shape:
        hint = f" Try y.reshape{out_shape}." if y.size == np.prod(out_shape) else ""
        raise ValueError(
            f"{func}: y has shape {y.shape}, but the network's output has shape {out_shape} "
            f"({out_shape[0]} examples × {out_shape[1]} outputs); they must match.{hint}")
    return X, y, layers, loss_fn, name


def _check_labels(func: str, y, out_shape: tuple[int, int]) -> np.ndarray:
    """Integer labels (m,) for sparse categorical cross-entropy, checked by the loss itself."""
    m, n_classes = out_shape
    try:
        sparse_categorical_crossentropy(y, np.full(out_shape, 1.0 / n_classes))
    except (TypeError, ValueError) as err:
        raise type(err)(f"{func}: {err}") from None
    return np.asarray(y).reshape(-1).astype(int)


def forward(X: np.ndarray, layers: Sequence[Layer]):
    """Run checked layers, keeping every layer's input A_prev and its Z (backprop needs them).

    Returns ``(inputs, Zs, A)``: lists with one array per layer, and the network's output.
    """
    inputs, Zs, A = [], [], X
    for W, b, g in layers:
        inputs.append(A)
        Zs.append(A @ W + b)
        A = get_activation(g)(Zs[-1])
    return inputs, Zs, A
