"""Backpropagation and gradient-descent training.

Notation, per layer l of a batch of m examples (Keras shapes, as in `nnlib.layers`):
``Z = A_prev @ W + b`` with ``A_prev`` (m, n_in), ``W`` (n_in, n_units); ``A = g(Z)``.
A ``d`` in front of a name means the derivative of the *mean* loss L with respect
to it: ``dW = ∂L/∂W`` has the shape of ``W``. Because L averages over the m
examples, ``dZ`` already carries the factor 1/m; see `dense_backward`.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ._network import check_network, forward
from .derivatives import LossLike, activation_backward, activation_name, output_backward
from .gradients import numeric_gradients, relative_error
from .layers import Layer

Gradients = list[tuple[np.ndarray, np.ndarray]]


def dense_backward(dZ, A_prev, W) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One dense layer backwards: from dZ to the gradients of W and b and to dA_prev.

    Parameters
    ----------
    dZ : numpy.ndarray, shape (m, n_units)
        ∂L/∂Z of the mean loss (so it already contains the 1/m).
    A_prev : numpy.ndarray, shape (m, n_in)
        The layer's input in the forward pass.
    W : numpy.ndarray, shape (n_in, n_units)

    Returns
    -------
    dW : (n_in, n_units)
        ``A_prevᵀ dZ``: entry (i, j) adds up input i times unit j's dz over the examples.
    db : (n_units,)
        ``dZ`` summed over the examples (b was added to every row).
    dA_prev : (m, n_in)
        ``dZ Wᵀ``: what the previous layer passes on to its own activation.
    """
    return A_prev.T @ dZ, dZ.sum(axis=0), dZ @ W.T


def backprop(X, y, layers: Sequence[Layer], loss: LossLike) -> Gradients:
    """Gradients of the mean loss with respect to every W and b, by backpropagation.

    One forward pass stores each layer's input and Z; one backward pass then
    applies the chain rule layer by layer, from the loss to the first layer.

    Parameters
    ----------
    X : array_like, shape (m, n_in)
    y : array_like
        Targets with the network's output shape (m, n_out); integer labels (m,)
        for ``"sparse_categorical_crossentropy"``.
    layers : list of (W, b, activation)
        Activations must be nnlib's (by name or function): backprop needs g'.
    loss : str or nnlib loss function
        ``"squared_error"``, ``"mse"``, ``"binary_crossentropy"``,
        ``"categorical_crossentropy"`` or ``"sparse_categorical_crossentropy"``.

    Returns
    -------
    list of (dW, db)
        One pair per layer, shaped like that layer's W and b.
    """
    X, y, layers, _, name = check_network("backprop", X, y, layers, loss)
    if name is None:
        raise ValueError(f"backprop: the loss {getattr(loss, '__name__', loss)!r} has no known "
                         "derivative; use one of nnlib's losses by name, or numeric gradients")
    g = [activation_name(act, f"backprop: layer {i}") for i, (_, _, act) in enumerate(layers)]
    inputs, Zs, A = forward(X, layers)
    dZ = output_backward(g[-1], name, Zs[-1], A, y)
    grads = []
    for i in reversed(range(len(layers))):
        dW, db, dA_prev = dense_backward(dZ, inputs[i], layers[i][0])
        grads.append((dW, db))
        if i > 0:  # layer i's input is layer i - 1's output A
            dZ = activation_backward(g[i - 1], Zs[i - 1], inputs[i], dA_prev)
    return grads[::-1]


def fit(X, y, layers: Sequence[Layer], loss: LossLike = "mse", lr: float = 0.01,
        epochs: int = 100, gradient: str = "backprop") -> tuple[list[Layer], np.ndarray]:
    """Train by full-batch gradient descent: ``W ← W − lr dW``, ``b ← b − lr db`` per epoch.

    Parameters
    ----------
    X, y, layers, loss
        As for `backprop`. The given layers are not changed.
    lr : float
        The learning rate.
    epochs : int
        The number of updates (one per epoch: every example is used in each).
    gradient : {"backprop", "numeric"}
        How to compute the gradients: `backprop` or `numeric_gradients`.

    Returns
    -------
    trained_layers : list of (W, b, activation)
        New arrays after the last update.
    history : numpy.ndarray, shape (epochs,)
        ``history[k]`` is the loss computed *during* epoch k, before its update,
        as in Keras's ``fit(...).history["loss"]`` for full-batch training. So
        ``history[0]`` is the loss of the initial layers, and the trained layers'
        loss is one update beyond ``history[-1]``.

    Raises
    ------
    FloatingPointError
        If the loss or the weights stop being finite numbers: gradient descent
        diverged, usually because `lr` is too large.
    """
    _check_schedule(lr, epochs, gradient)
    X, y, layers, loss_fn, name = check_network("fit", X, y, layers, loss)
    if gradient == "backprop" and name is None:
        raise ValueError(f"fit: the loss {getattr(loss, '__name__', loss)!r} has no known "
                         "derivative for backprop; use one of nnlib's losses or gradient='numeric'")
    gradients = backprop if gradient == "backprop" else numeric_gradients
    history = np.zeros(epochs)
    with np.errstate(over="ignore", invalid="ignore"):  # divergence is reported below instead
        for k in range(epochs):
            history[k] = loss_fn(y, forward(X, layers)[2])
            _stop_if_diverged(history[k], "loss", k, epochs, lr)
            grads = gradients(X, y, layers, loss)
            layers = [(W - lr * dW, b - lr * db, g) for (W, b, g), (dW, db) in zip(layers, grads)]
            largest = max(max(np.max(np.abs(W)), np.max(np.abs(b))) for W, b, _ in layers)
            _stop_if_diverged(largest, "largest weight", k, epochs, lr)
    return layers, history


def _check_schedule(lr, epochs, gradient) -> None:
    if not (np.isscalar(lr) and np.isreal(lr) and np.isfinite(lr) and lr > 0):
        raise ValueError(f"fit: lr must be a positive number, got {lr!r}")
    if not (isinstance(epochs, (int, np.integer)) and epochs >= 1):
        raise ValueError(f"fit: epochs must be a positive integer, got {epochs!r}")
    if gradient not in ("backprop", "numeric"):
        raise ValueError(f"fit: gradient must be 'backprop' or 'numeric', got {gradient!r}")


def _stop_if_diverged(value: float, what: str, k: int, epochs: int, lr: float) -> None:
    """Raise a FloatingPointError that says when and what to try, if value is nan or inf."""
    if np.isfinite(value):
        return
    if k == 0 and what == "loss":
        raise FloatingPointError(f"fit: the initial loss is {value}; check X, y and the initial "
                                 "weights for nan or inf")
    raise FloatingPointError(
        f"fit: the {what} became {value} in epoch {k + 1} of {epochs} (lr = {lr:g}): gradient "
        f"descent diverged, so training stopped. Try a smaller learning rate, e.g. lr = {lr / 10:g}.")


def gradient_check(X, y, layers: Sequence[Layer], loss: LossLike, eps: float = 1e-5) -> float:
    """The largest `relative_error` between `backprop` and `numeric_gradients`, over every W and b.

    The step eps = 1e-5 is near the cube root of the float64 machine epsilon,
    where central differences are most accurate (chapter 5). Run the check in
    float64 on points where no cross-entropy clips (no probability within 1e-7
    of 0 or 1) and no ReLU or step input lies within eps of 0; there a correct
    backprop gives errors far below 1e-7.
    """
    exact = backprop(X, y, layers, loss)
    numeric = numeric_gradients(X, y, layers, loss, eps)
    return max(relative_error(a, n)
               for pair_a, pair_n in zip(exact, numeric) for a, n in zip(pair_a, pair_n))
