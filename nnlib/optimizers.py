"""Optimisers: how a step moves the parameters, given their gradients.

Each optimiser is Keras's, update rule for update rule, in NumPy. It holds its own
state (the step count and, for momentum and Adam, one running average per
parameter), so one optimiser object belongs to one training run. `apply` takes the
gradients and the parameters as lists of arrays in the same order (every layer's
``params``, first layer first) and returns new arrays; the inputs are not changed.

The learning rate may be a number or a schedule: a callable of the step count
(0 for the first step), such as `ExponentialDecay`. Keras's schedules count
optimiser steps, that is batches, not epochs.
"""

from __future__ import annotations

import numbers

import numpy as np

from ._validate import as_float_array, fraction, nonnegative_number, positive_int, positive_number


class ExponentialDecay:
    """The learning rate ``initial_learning_rate · decay_rate^(step / decay_steps)``, as in Keras.

    With ``staircase=True`` the exponent is rounded down, so the rate drops in steps
    every `decay_steps` steps.
    """

    def __init__(self, initial_learning_rate: float, decay_steps: int, decay_rate: float,
                 staircase: bool = False):
        func = "ExponentialDecay"
        self.initial_learning_rate = positive_number(initial_learning_rate, "initial_learning_rate", func)
        self.decay_steps = positive_int(decay_steps, "decay_steps", func)
        self.decay_rate = positive_number(decay_rate, "decay_rate", func)
        self.staircase = bool(staircase)

    def __call__(self, step) -> float:
        p = np.float64(step) / self.decay_steps
        if self.staircase:
            p = np.floor(p)
        return self.initial_learning_rate * np.power(self.decay_rate, p)

    def __repr__(self) -> str:
        return (f"ExponentialDecay({self.initial_learning_rate}, {self.decay_steps}, "
                f"{self.decay_rate}, staircase={self.staircase})")


class SGD:
    """Stochastic gradient descent, with momentum if asked: Keras's ``SGD``.

    Without momentum: ``p ← p − lr · g``. With momentum μ, each parameter keeps a
    velocity v (zero at first): ``v ← μ v − lr · g``, then ``p ← p + v``.
    """

    def __init__(self, learning_rate=0.01, momentum: float = 0.0, **unknown):
        _refuse_unknown("SGD", unknown, ("learning_rate", "momentum"))
        self.learning_rate = _learning_rate(learning_rate, "SGD")
        self.momentum = nonnegative_number(momentum, "momentum", "SGD")
        if self.momentum > 1:
            raise ValueError(f"SGD: momentum must be in [0, 1], got {momentum!r}")
        self.iterations, self.velocities = 0, None

    def apply(self, grads, params) -> list[np.ndarray]:
        """New parameters after one step; `grads` and `params` are lists of arrays, one per parameter."""
        grads, params = _check_pair("SGD.apply", grads, params)
        lr = _current(self.learning_rate, self.iterations)
        self.iterations += 1
        if self.momentum == 0:
            return [p - g * lr for g, p in zip(grads, params)]
        if self.velocities is None:
            self.velocities = [np.zeros_like(p) for p in params]
        _same_parameters("SGD.apply", self.velocities, params)
        self.velocities = [v * self.momentum - g * lr for v, g in zip(self.velocities, grads)]
        return [p + v for p, v in zip(params, self.velocities)]

    def __repr__(self) -> str:
        return f"SGD(learning_rate={self.learning_rate!r}, momentum={self.momentum})"


class Adam:
    """Adam, as Keras computes it.

    Each parameter keeps running averages of its gradient, ``m ← m + (g − m)(1 − β1)``,
    and of its square, ``v ← v + (g² − v)(1 − β2)``. Step t (from 1) moves it by
    ``α m / (√v + ε)`` with ``α = lr √(1 − β2^t) / (1 − β1^t)``: the bias correction of
    m and v sits in α, and ε is added to the uncorrected √v. (The paper divides the
    corrected m̂ by √v̂ + ε; the two differ only in where ε acts.)
    """

    def __init__(self, learning_rate=0.001, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-7, **unknown):
        _refuse_unknown("Adam", unknown, ("learning_rate", "beta_1", "beta_2", "epsilon"))
        self.learning_rate = _learning_rate(learning_rate, "Adam")
        self.beta_1 = fraction(beta_1, "beta_1", "Adam")
        self.beta_2 = fraction(beta_2, "beta_2", "Adam")
        self.epsilon = nonnegative_number(epsilon, "epsilon", "Adam")
        self.iterations, self.m, self.v = 0, None, None

    def apply(self, grads, params) -> list[np.ndarray]:
        """New parameters after one step; `grads` and `params` are lists of arrays, one per parameter."""
        grads, params = _check_pair("Adam.apply", grads, params)
        lr = _current(self.learning_rate, self.iterations)
        if self.m is None:
            self.m, self.v = [np.zeros_like(p) for p in params], [np.zeros_like(p) for p in params]
        _same_parameters("Adam.apply", self.m, params)
        t = np.float64(self.iterations + 1)
        alpha = float(lr * np.sqrt(1 - np.power(self.beta_2, t)) / (1 - np.power(self.beta_1, t)))
        self.m = [m + (g - m) * (1 - self.beta_1) for m, g in zip(self.m, grads)]
        self.v = [v + (np.square(g) - v) * (1 - self.beta_2) for v, g in zip(self.v, grads)]
        self.iterations += 1
        return [p - (m * alpha) / (np.sqrt(v) + self.epsilon) for p, m, v in zip(params, self.m, self.v)]

    def __repr__(self) -> str:
        return (f"Adam(learning_rate={self.learning_rate!r}, beta_1={self.beta_1}, "
                f"beta_2={self.beta_2}, epsilon={self.epsilon})")


def _learning_rate(value, func: str):
    """A positive number, or a schedule (a callable of the step count)."""
    if callable(value):
        return value
    return positive_number(value, "learning_rate", func)


def _current(learning_rate, step: int) -> float:
    # A Python float, so that float32 parameters stay float32 (a NumPy float64 would promote them).
    return float(learning_rate(step) if callable(learning_rate) else learning_rate)


def _refuse_unknown(func: str, unknown: dict, known: tuple[str, ...]) -> None:
    if unknown:
        names = ", ".join(repr(k) for k in unknown)
        hint = " (Keras 3 calls it learning_rate)" if "lr" in unknown else ""
        raise TypeError(f"{func}: unknown argument(s) {names}{hint}; expected "
                        f"{', '.join(known)}")


def _check_pair(func: str, grads, params) -> tuple[list, list]:
    """Float arrays, one gradient per parameter with the parameter's shape."""
    if not isinstance(grads, (list, tuple)) or not isinstance(params, (list, tuple)):
        raise TypeError(f"{func}: grads and params must be lists of arrays")
    if len(grads) != len(params):
        raise ValueError(f"{func}: got {len(grads)} gradients for {len(params)} parameters")
    grads = [as_float_array(g, f"grads[{i}]", func) for i, g in enumerate(grads)]
    params = [as_float_array(p, f"params[{i}]", func) for i, p in enumerate(params)]
    for i, (g, p) in enumerate(zip(grads, params)):
        if g.shape != p.shape:
            raise ValueError(f"{func}: grads[{i}] has shape {g.shape} but params[{i}] has {p.shape}")
    return grads, params


def _same_parameters(func: str, state: list, params: list) -> None:
    """The optimiser's running averages belong to one list of parameters: refuse another."""
    if [s.shape for s in state] != [p.shape for p in params]:
        raise ValueError(f"{func}: this optimiser was used on parameters of shapes "
                         f"{[s.shape for s in state]}, now {[p.shape for p in params]}; "
                         "use a new optimiser for each network")


def get_optimizer(optimizer, func: str):
    """An optimiser object (anything with ``apply(grads, params)``), or a clear error."""
    if isinstance(optimizer, numbers.Number) or not hasattr(optimizer, "apply"):
        raise TypeError(f"{func}: optimizer must be an optimiser such as nnlib.SGD(...) or "
                        f"nnlib.Adam(...), got {type(optimizer).__name__}")
    return optimizer
