"""Activation functions g(z), applied element by element (softmax: along an axis).

Each takes a scalar or an array `z` and returns an array of the same shape.
All are numerically stable: `z = ±1000` gives no overflow warning and no `nan`.
"""

from __future__ import annotations

from typing import Callable, Union

import numpy as np

from ._validate import as_float_array

Activation = Callable[[np.ndarray], np.ndarray]
ActivationLike = Union[str, Activation]


def linear(z):
    """g(z) = z. A neuron with this activation is linear regression."""
    return as_float_array(z, "z", "linear")


def step(z):
    """g(z) = 1 if z >= 0 else 0: the perceptron's threshold (step(0) is 1)."""
    return np.where(as_float_array(z, "z", "step") >= 0, 1.0, 0.0)


def sigmoid(z):
    """g(z) = 1 / (1 + e^{-z}), computed as exp(-log(1 + e^{-z})).

    The textbook formula overflows for z = -1000 (e^{1000} is inf); `logaddexp(0, -z)`
    computes log(1 + e^{-z}) without ever forming e^{1000}.
    """
    return np.exp(-np.logaddexp(0.0, -as_float_array(z, "z", "sigmoid")))


def tanh(z):
    """g(z) = (e^z - e^{-z}) / (e^z + e^{-z}), between -1 and 1."""
    return np.tanh(as_float_array(z, "z", "tanh"))


def relu(z):
    """g(z) = max(0, z): the rectified linear unit."""
    return np.maximum(0.0, as_float_array(z, "z", "relu"))


def softmax(z, axis: int = -1):
    """g(z)_k = e^{z_k} / sum_j e^{z_j} along `axis` (the units of one example).

    Subtracting max(z) first changes nothing mathematically (it cancels in the
    fraction) but keeps every exponent <= 0, so nothing overflows.
    """
    z = as_float_array(z, "z", "softmax")
    if z.ndim == 0:  # a single score: its share of the total is all of it
        return np.ones_like(z)
    e = np.exp(z - np.max(z, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


ACTIVATIONS: dict[str, Activation] = {
    "linear": linear,
    "step": step,
    "sigmoid": sigmoid,
    "tanh": tanh,
    "relu": relu,
    "softmax": softmax,
}


def get_activation(activation: ActivationLike, func: str = "get_activation") -> Activation:
    """Return the activation function for a name such as ``"relu"``, or a callable unchanged."""
    if isinstance(activation, str):
        try:
            return ACTIVATIONS[activation]
        except KeyError:
            known = ", ".join(repr(k) for k in ACTIVATIONS)
            raise ValueError(
                f"{func}: unknown activation {activation!r}; expected one of {known} or a callable"
            ) from None
    if callable(activation):
        return activation
    raise TypeError(
        f"{func}: activation must be a name (str) or a callable, got {type(activation).__name__}"
    )
