"""Training: gradient descent on a network's mean loss.

`fit` repeats three steps, as Keras's ``model.fit`` does: compute the loss,
compute the gradients (by `nnlib.backprop`, or numerically), and let the optimiser
move every parameter against its gradient (plain gradient descent,
``p ← p − lr dp``, unless another optimiser is given). By default each epoch is one
step on all the data; with `batch_size`, one step per batch.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from ._validate import nonnegative_number, positive_int, positive_number
from .gradients import numeric_gradients
from .layers import Dropout, Layer
from .losses import LossLike
from .network import Network, backward, check_derivatives, check_network, forward
from .optimizers import SGD, get_optimizer
from .regularizers import l2_gradients, penalty


def fit(X, y, layers: Sequence[Layer], loss: LossLike = "mse", lr: float | None = None,
        epochs: int = 100, gradient: str = "backprop", *, batch_size: int | None = None,
        shuffle: bool = True, seed=None, optimizer=None, l2: float = 0.0, validation_data=None,
        patience: int | None = None, restore_best_weights: bool = False):
    """Train by gradient descent; with no keyword arguments, full-batch ``W ← W − lr dW`` per epoch.

    Parameters
    ----------
    X, y, layers, loss
        As for `backprop`. The given layers are not changed.
    lr : float, default 0.01
        The learning rate of plain gradient descent (give either `lr` or `optimizer`).
    epochs : int
        The number of passes over the data.
    gradient : {"backprop", "numeric"}
        How to compute the gradients: `backprop` or `numeric_gradients`.
    batch_size : int, optional
        Examples per update, as in Keras (the last batch may be smaller). None: all m at once.
    shuffle : bool
        Draw a new order of the examples each epoch (only with a `batch_size`).
    seed : int, optional
        Seeds the shuffling and the masks of `Dropout` layers.
    optimizer : nnlib.SGD or nnlib.Adam, optional
        Makes the updates, keeping its state (step count, moments) across calls.
    l2 : float
        Adds Keras's ``l2 · Σ W²`` over every kernel to the loss (`nnlib.l2_penalty`).
    validation_data : (X_val, y_val), optional
        Its loss (in prediction mode) after each epoch goes into ``history["val_loss"]``.
    patience, restore_best_weights
        Early stopping, as Keras's ``EarlyStopping``: stop when the validation loss
        (the training loss without validation data) has not improved for `patience`
        epochs; then, if asked, return the layers of the best epoch.

    Returns
    -------
    trained_layers : list of layers
        New arrays after the last update.
    history : numpy.ndarray, shape (epochs run,); a dict of such arrays with `validation_data`
        ``history[k]`` is what Keras's ``fit(...).history["loss"]`` reports for epoch k:
        each batch's loss computed *during* the epoch, before its update, averaged with
        the batch sizes as weights. Full-batch, ``history[0]`` is the loss of the initial
        layers, and the trained layers' loss is one update beyond ``history[-1]``. With
        `validation_data`: ``{"loss": ..., "val_loss": ...}``.

    Raises
    ------
    FloatingPointError
        If the loss or the weights stop being finite numbers: gradient descent
        diverged, usually because `lr` is too large.
    """
    run = _setup(lr, epochs, gradient, batch_size, shuffle, optimizer, l2, patience)
    net = check_network("fit", X, y, layers, loss)
    run = _check_run(run, net, loss)
    validation = _check_validation(validation_data, net, loss)
    rng, stopper = np.random.default_rng(seed), EarlyStopping(patience, restore_best_weights)
    history, monitored = {"loss": [], "val_loss": []}, "loss" if validation is None else "val_loss"
    layers = net.layers
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # divergence is reported instead
        for k in range(run.epochs):
            layers, epoch_loss = train_epoch(net._replace(layers=layers), run, rng, k)
            history["loss"].append(epoch_loss)
            if validation is not None:
                history["val_loss"].append(prediction_loss(validation._replace(layers=layers), run))
            if stopper.should_stop(history[monitored][-1], layers, k):
                break
    history = {key: np.array(values) for key, values in history.items()}
    return stopper.best_layers(layers), history["loss"] if validation is None else history


class Run(NamedTuple):
    """Everything `fit` was told about how to train, checked."""

    epochs: int
    gradient: str
    batch_size: int | None
    shuffle: bool
    optimizer: object
    lr: float | None  # for the advice when training diverges
    l2: float


def train_epoch(net: Network, run: Run, rng, k: int):
    """One pass over the data: an update per batch; the loss Keras reports, weighted by batch size."""
    m, layers, epoch_loss = len(net.X), net.layers, 0.0
    for batch in batches(m, run.batch_size, run.shuffle, rng):
        batch_net = net._replace(X=net.X[batch], y=net.y[batch], layers=layers)
        value, layers = train_step(batch_net, run, rng, k)
        epoch_loss += value * (len(batch_net.X) / m)
    _stop_if_diverged(max(np.max(np.abs(p)) for layer in layers for p in layer.params),
                      "largest weight", k, run.epochs, run.lr)
    return layers, epoch_loss


def batches(m: int, batch_size: int | None, shuffle: bool, rng):
    """The examples of each batch of one epoch, in order: all at once if `batch_size` is None."""
    if batch_size is None:
        yield slice(None)
        return
    order = rng.permutation(m) if shuffle else np.arange(m)
    for start in range(0, m, batch_size):
        yield order[start:start + batch_size]


def train_step(net: Network, run: Run, rng, k: int):
    """One update on one batch `net.X`: its loss before the update, and the updated layers."""
    passed = forward(net.X, net.layers, training=True, rng=rng)
    value = net.loss_fn(net.y, passed.output) + (penalty(net.layers, run.l2) if run.l2 else 0.0)
    _stop_if_diverged(value, "loss", k, run.epochs, run.lr)
    if run.gradient == "numeric":
        grads = numeric_gradients(net.X, net.y, net.layers, net.loss)
    else:
        grads = backward(net, passed)
    if run.l2:
        grads = l2_gradients(net.layers, grads, run.l2)
    params = run.optimizer.apply([g for pair in grads for g in pair],
                                 [p for layer in net.layers for p in layer.params])
    return value, with_flat_params(net.layers, params)


def with_flat_params(layers, params: list) -> list:
    """The layers holding `params`, a flat list in the order of their ``params``."""
    rest = iter(params)
    return [layer.with_params([next(rest) for _ in layer.params]) for layer in layers]


def prediction_loss(net: Network, run: Run) -> float:
    """The loss in prediction mode (Dropout off), L2 penalty included, as Keras's validation loss."""
    value = net.loss_fn(net.y, forward(net.X, net.layers).output)
    return value + penalty(net.layers, run.l2) if run.l2 else value


class EarlyStopping:
    """Keras's ``EarlyStopping(patience, restore_best_weights)`` on one monitored loss."""

    def __init__(self, patience: int | None, restore_best_weights: bool):
        self.patience, self.restore = patience, restore_best_weights
        self.best, self.wait, self.best_seen = np.inf, 0, None

    def should_stop(self, value: float, layers, k: int) -> bool:
        """Record epoch k's value; True when it is `patience` epochs since the last improvement."""
        if self.patience is None:
            return False
        self.wait += 1
        if value < self.best:
            self.best, self.wait, self.best_seen = value, 0, layers
            return False
        return self.wait >= self.patience and k > 0

    def best_layers(self, layers):
        return self.best_seen if self.restore and self.best_seen is not None else layers


# ---------------------------------------------------------------- checking fit's arguments

def _setup(lr, epochs, gradient, batch_size, shuffle, optimizer, l2, patience) -> Run:
    """Check the arguments that need no data; the optimiser is plain SGD at `lr` unless given."""
    if lr is not None:
        lr = positive_number(lr, "lr", "fit")
    epochs = positive_int(epochs, "epochs", "fit")
    if gradient not in ("backprop", "numeric"):
        raise ValueError(f"fit: gradient must be 'backprop' or 'numeric', got {gradient!r}")
    if batch_size is not None:
        batch_size = positive_int(batch_size, "batch_size", "fit")
    if optimizer is None:
        optimizer = SGD(learning_rate=0.01 if lr is None else lr)
        lr = optimizer.learning_rate
    elif lr is not None:
        raise ValueError("fit: give either lr (plain gradient descent) or an optimizer with its "
                         "own learning_rate, not both")
    else:
        optimizer = get_optimizer(optimizer, "fit")
        rate = getattr(optimizer, "learning_rate", None)
        lr = rate if isinstance(rate, numbers.Real) else None
    if patience is not None and (isinstance(patience, bool) or not isinstance(patience, numbers.Integral)
                                 or patience < 0):
        raise ValueError(f"fit: patience must be an integer >= 0 or None, got {patience!r}")
    return Run(epochs, gradient, batch_size, bool(shuffle), optimizer, lr,
               nonnegative_number(l2, "l2", "fit"))


def _check_run(run: Run, net: Network, loss) -> Run:
    """Check what depends on the data and the layers."""
    if run.gradient == "backprop" and net.loss_name is None:
        raise ValueError(f"fit: the loss {getattr(loss, '__name__', loss)!r} has no known "
                         "derivative for backprop; use one of nnlib's losses or gradient='numeric'")
    if run.gradient == "backprop":
        check_derivatives("fit", net)
    if run.gradient == "numeric" and any(isinstance(layer, Dropout) for layer in net.layers):
        raise ValueError("fit: numeric gradients run the network in prediction mode, where Dropout "
                         "does nothing; train a network with Dropout by backprop")
    if run.batch_size is not None and run.batch_size > len(net.X):
        raise ValueError(f"fit: batch_size must be at most the number of examples m = {len(net.X)}, "
                         f"got {run.batch_size}")
    return run


def _check_validation(validation_data, net: Network, loss) -> Network | None:
    """(X_val, y_val) checked like the training data, as a `Network`; or None."""
    if validation_data is None:
        return None
    if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
        raise TypeError("fit: validation_data must be a pair (X_val, y_val)")
    X_val, y_val = validation_data
    if np.ndim(X_val) != net.X.ndim or np.shape(X_val)[1:] != net.X.shape[1:]:
        example = ", ".join(map(str, net.X.shape[1:]))
        raise ValueError(f"fit: validation_data's X_val has shape {np.shape(X_val)}, but each training "
                         f"example has shape {net.X.shape[1:]}; expected (m_val, {example})")
    return check_network("fit: validation_data", X_val, y_val, net.layers, loss)


def _stop_if_diverged(value: float, what: str, k: int, epochs: int, lr: float | None) -> None:
    """Raise a FloatingPointError that says when and what to try, if value is nan or inf."""
    if np.isfinite(value):
        return
    if k == 0 and what == "loss":
        raise FloatingPointError(f"fit: the initial loss is {value}; check X, y and the initial "
                                 "weights for nan or inf")
    advice = ("Try a smaller learning rate." if lr is None else
              f"Try a smaller learning rate, e.g. lr = {lr / 10:g}.")
    rate = "" if lr is None else f" (lr = {lr:g})"
    raise FloatingPointError(
        f"fit: the {what} became {value} in epoch {k + 1} of {epochs}{rate}: gradient "
        f"descent diverged, so training stopped. {advice}")
