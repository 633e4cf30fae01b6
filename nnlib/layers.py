"""Neurons and dense layers, in the book's (and Keras's) shape convention.

A layer with `n_in` inputs and `n_units` neurons has

- ``W`` of shape ``(n_in, n_units)``: column ``j`` holds the weights of unit ``j``;
- ``b`` of shape ``(n_units,)``: one bias per unit;
- input ``a_in`` of shape ``(n_in,)`` (one example) or ``A_in`` of shape ``(m, n_in)`` (a batch of m);

and computes ``Z = A_in @ W + b`` then ``A_out = g(Z)``. Texts that write ``W x + b``
store the same numbers as the transpose, ``W.T``, with one row per unit.
"""

from __future__ import annotations

from typing import Sequence, Tuple

import numpy as np

from ._validate import as_float_array
from .activations import ActivationLike, get_activation

Layer = Tuple[np.ndarray, np.ndarray, ActivationLike]


def neuron(x, w, b, activation: ActivationLike = "linear") -> float:
    """One neuron: a = g(w · x + b).

    Parameters
    ----------
    x : array_like, shape (n_in,)
        One example's inputs.
    w : array_like, shape (n_in,)
        The neuron's weights, one per input.
    b : float
        The bias.
    activation : str or callable
        g, e.g. ``"sigmoid"``; see `nnlib.activations`.

    Returns
    -------
    float
        The activation a.
    """
    x = as_float_array(x, "x", "neuron", ndims=(1,))
    w = as_float_array(w, "w", "neuron", ndims=(1,))
    b = as_float_array(b, "b", "neuron", ndims=(0,))
    g = get_activation(activation, "neuron")
    if w.shape != x.shape:
        raise ValueError(
            f"neuron: w must have one weight per input, shape {x.shape}, got shape {w.shape}"
        )
    z = np.dot(w, x) + b
    return float(g(z))


def dense_loop(a_in, W, b, activation: ActivationLike = "linear") -> np.ndarray:
    """A dense layer for one example, computed one unit at a time.

    Unit ``j`` takes its weights from column ``j`` of `W` and computes
    ``z_j = W[:, j] · a_in + b[j]``. The activation is applied once to the whole
    vector ``z`` after the loop, so that softmax (which needs every unit's
    score) works like the element-wise activations.

    Parameters
    ----------
    a_in : array_like, shape (n_in,)
        One example's inputs (the previous layer's activations).
    W : array_like, shape (n_in, n_units)
    b : array_like, shape (n_units,)
    activation : str or callable

    Returns
    -------
    numpy.ndarray, shape (n_units,)
    """
    a_in, W, b, g = _check_layer("dense_loop", a_in, W, b, activation, input_ndims=(1,))
    n_units = W.shape[1]
    z = np.zeros(n_units)
    for j in range(n_units):
        w_j = W[:, j]
        z[j] = np.dot(w_j, a_in) + b[j]
    return g(z)


def dense(A_in, W, b, activation: ActivationLike = "linear") -> np.ndarray:
    """A dense layer, vectorized: ``g(A_in @ W + b)`` in one matrix product.

    Parameters
    ----------
    A_in : array_like, shape (m, n_in) or (n_in,)
        A batch of m examples, one per row, or a single example.
    W : array_like, shape (n_in, n_units)
    b : array_like, shape (n_units,)
        Broadcast over the m rows.
    activation : str or callable

    Returns
    -------
    numpy.ndarray, shape (m, n_units) or (n_units,)
    """
    A_in, W, b, g = _check_layer("dense", A_in, W, b, activation, input_ndims=(1, 2))
    return g(A_in @ W + b)


def sequential(X, layers: Sequence[Layer]) -> np.ndarray:
    """Apply dense layers in order: the output of one is the input of the next.

    Parameters
    ----------
    X : array_like, shape (m, n_in) or (n_in,)
    layers : sequence of (W, b, activation)
        One tuple per layer, first layer first.

    Returns
    -------
    numpy.ndarray
        The last layer's activations.
    """
    if isinstance(layers, tuple) and len(layers) == 3 and not isinstance(layers[2], (tuple, list)):
        raise TypeError("sequential: layers must be a list of (W, b, activation) tuples, "
                        "got a single tuple; wrap it in a list: [(W, b, activation)]")
    A = X
    for i, layer in enumerate(layers):
        if not isinstance(layer, (tuple, list)) or len(layer) != 3:
            raise TypeError(
                f"sequential: layer {i} must be a (W, b, activation) tuple, got {type(layer).__name__}"
            )
        W, b, activation = layer
        try:
            A = dense(A, W, b, activation)
        except (ValueError, TypeError) as err:
            raise type(err)(f"sequential: layer {i}: {err}") from None
    return A


def _check_layer(func, a_in, W, b, activation, input_ndims):
    """Convert and check one layer's arguments; return them with g resolved."""
    a_in = as_float_array(a_in, "the input", func, ndims=input_ndims)
    W = as_float_array(W, "W", func, ndims=(2,))
    b = as_float_array(b, "b", func, ndims=(1,))
    g = get_activation(activation, func)
    n_in, n_units = W.shape
    if a_in.shape[-1] != n_in:
        hint = ""
        if W.shape[1] == a_in.shape[-1]:
            hint = (" Did you store one unit per row? nnlib's W is (n_in, n_units), "
                    "the transpose of the 'W x + b' convention: try W.T.")
        raise ValueError(
            f"{func}: W has shape {W.shape}, so it expects {n_in} input features, "
            f"but the input has shape {a_in.shape} with {a_in.shape[-1]}.{hint}"
        )
    if b.shape != (n_units,):
        raise ValueError(
            f"{func}: b must have shape (n_units,) = ({n_units},) to match W {W.shape}, "
            f"got shape {b.shape}"
        )
    return a_in, W, b, g
