"""Numeric gradients: nudge each number a little and watch how the loss changes.

This is the most honest way to get a gradient, and the slowest: the derivative
of f with respect to each entry x_i of x is estimated by the central difference

    ∂f/∂x_i ≈ (f(x + ε e_i) − f(x − ε e_i)) / (2ε),

which costs two evaluations of f per entry. Chapter 5 trains with it; chapter 6
uses it to check backpropagation.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ._validate import as_float_array, positive_number
from .layers import Layer
from .losses import LossLike
from .network import check_network, forward


def numeric_gradient(f: Callable[[np.ndarray], float], x, eps: float = 1e-6) -> np.ndarray:
    """Estimate the gradient of a scalar function f at x by central differences.

    Parameters
    ----------
    f : callable
        Takes an array shaped like `x` and returns a scalar (for us, a loss).
    x : array_like
        The point, e.g. a weight matrix ``W``. It is not modified: f is called
        on a float64 copy in which one entry at a time is moved by ±eps.
    eps : float
        The step ε. About 1e-6 balances the two errors of chapter 5: the
        formula's own (shrinks like ε²) and rounding (grows like 1/ε). Where an
        entry is so large that x_i ± eps rounds back to x_i (|x_i| above about
        2e10 for eps = 1e-6), no step is taken and the estimate is nan.

    Returns
    -------
    numpy.ndarray
        ∂f/∂x, with the shape of `x`.
    """
    x = np.array(as_float_array(x, "x", "numeric_gradient"), dtype=np.float64)  # a copy
    eps = positive_number(eps, "eps", "numeric_gradient")
    if not callable(f):
        raise TypeError(f"numeric_gradient: f must be a function of x, got {type(f).__name__}")
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        original = x[i]
        x[i] = x_plus = original + eps
        f_plus = _scalar(f(x))
        x[i] = x_minus = original - eps
        f_minus = _scalar(f(x))
        x[i] = original
        # x_plus - x_minus is the step actually taken, which rounding can make differ from 2 eps
        grad[i] = (f_plus - f_minus) / (x_plus - x_minus)
    return grad


def _scalar(value) -> float:
    """f's value as a float, or a clear error: a None (a forgotten `return`) must not become nan."""
    try:
        number = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        number = None
    if number is None or value is None:
        raise TypeError("numeric_gradient: f must return a number (such as a loss), got "
                        f"{type(value).__name__}{'; did f forget to return?' if value is None else ''}")
    if number.size != 1:
        raise ValueError("numeric_gradient: f must return a scalar (such as a loss), "
                         f"got an array of shape {number.shape}")
    return float(number.reshape(()))


def numeric_gradients(X, y, layers: Sequence[Layer], loss: LossLike,
                      eps: float = 1e-6) -> list[tuple[np.ndarray, np.ndarray]]:
    """Numeric gradients of a network's loss with respect to every W and b.

    Each evaluation of the loss runs the whole network forward (as
    `nnlib.sequential` does, without re-checking the inputs every time), so a
    network with P parameters costs 2P forward passes.

    Parameters
    ----------
    X : array_like, shape (m, n_in)
    y : array_like
        Targets with the network's output shape (m, n_out); integer labels (m,)
        for ``"sparse_categorical_crossentropy"``.
    layers : list of (W, b, activation)
    loss : str or callable
        A name such as ``"mse"`` (see `nnlib.derivatives.LOSSES`) or any
        ``loss(y_true, y_pred)`` returning a scalar.
    eps : float

    Returns
    -------
    list of (dW, db)
        One pair per layer, shaped like that layer's W and b.
    """
    X, y, layers, loss_fn, *_ = check_network("numeric_gradients", X, y, layers, loss)
    # Central differences need float64's digits: a float32 network is differentiated in float64.
    X, y = X.astype(np.float64), y.astype(np.float64)
    layers = [layer.with_params([p.astype(np.float64) for p in layer.params]) for layer in layers]

    def loss_with(i: int, k: int, value: np.ndarray) -> float:
        """The loss when parameter k of layer i (k = 0: W, 1: b) is replaced by value."""
        params = list(layers[i].params)
        params[k] = value
        trial = layers[:i] + [layers[i].with_params(params)] + layers[i + 1:]
        return loss_fn(y, forward(X, trial).output)

    return [tuple(numeric_gradient(lambda v, i=i, k=k: loss_with(i, k, v), p, eps)
                  for k, p in enumerate(layer.params))
            for i, layer in enumerate(layers)]


def relative_error(a, n, floor: float = 1e-12) -> float:
    """``‖a − n‖ / max(‖a‖, ‖n‖)``: how far two gradients of the same array disagree.

    ``‖·‖`` is the Euclidean norm over all entries, so a gradient of ``W`` is
    compared as one vector. Where both norms are below `floor` (a layer behind
    dead ReLU units or a step: both gradients are zero), dividing rounding noise
    by nearly zero would be meaningless; the absolute ``‖a − n‖`` is returned instead.
    """
    a = as_float_array(a, "a", "relative_error")
    n = as_float_array(n, "n", "relative_error")
    if a.shape != n.shape:
        raise ValueError(f"relative_error: a has shape {a.shape} but n has shape {n.shape}")
    size = max(np.linalg.norm(a), np.linalg.norm(n))
    diff = float(np.linalg.norm(a - n))
    return diff if size < floor else diff / size
