"""Training: gradient descent on a network's mean loss.

`fit` repeats three steps, as Keras's ``model.fit`` does: compute the loss,
compute the gradients (by `nnlib.backprop`, or numerically), and move every
parameter a step ``lr`` against its gradient.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._validate import NonFiniteError, positive_int, positive_number
from .backprop import backprop
from .gradients import numeric_gradients
from .layers import Dense, Layer
from .losses import LossLike
from .network import check_network, forward


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
    lr, epochs = positive_number(lr, "lr", "fit"), positive_int(epochs, "epochs", "fit")
    if gradient not in ("backprop", "numeric"):
        raise ValueError(f"fit: gradient must be 'backprop' or 'numeric', got {gradient!r}")
    X, y, layers, loss_fn, name = check_network("fit", X, y, layers, loss)
    if gradient == "backprop" and name is None:
        raise ValueError(f"fit: the loss {getattr(loss, '__name__', loss)!r} has no known "
                         "derivative for backprop; use one of nnlib's losses or gradient='numeric'")
    gradients = backprop if gradient == "backprop" else numeric_gradients
    history = np.zeros(epochs)
    with np.errstate(over="ignore", invalid="ignore"):  # divergence is reported below instead
        for k in range(epochs):
            try:
                history[k] = loss_fn(y, forward(X, layers).output)
                _stop_if_diverged(history[k], "loss", k, epochs, lr)
                grads = gradients(X, y, layers, loss)
            except NonFiniteError:  # a nan inside the network: the weights have blown up
                _stop_if_diverged(np.nan, "loss", k, epochs, lr)
            layers = [descent_step(layer, layer_grads, lr) for layer, layer_grads in zip(layers, grads)]
            largest = max(np.max(np.abs(p)) for layer in layers for p in layer.params)
            _stop_if_diverged(largest, "largest weight", k, epochs, lr)
    return layers, history


def descent_step(layer: Dense, grads, lr: float) -> Dense:
    """One gradient-descent step on one layer: every parameter ``p ← p − lr dp``."""
    return layer.with_params([p - lr * dp for p, dp in zip(layer.params, grads)])


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
