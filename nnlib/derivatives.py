"""Local derivatives for backpropagation: of each activation g and of each loss.

Backpropagation walks a network from the loss back to its inputs. At every layer
it needs two local pieces:

- ``dA = ∂L/∂A``, the derivative of the loss with respect to the network's output
  (`loss_derivative`);
- the activation's derivative, which turns ``dA`` into ``dZ = ∂L/∂Z``
  (`activation_backward`).

As everywhere in nnlib, L is the *mean* loss over the m examples (as Keras
computes it), so every ``dA`` returned here already carries the factor ``1/m``.
"""

from __future__ import annotations

from typing import Callable, Union

import numpy as np

from . import losses
from .activations import ACTIVATIONS, ActivationLike, sigmoid, tanh

Loss = Callable[[np.ndarray, np.ndarray], float]
LossLike = Union[str, Loss]

LOSSES: dict[str, Loss] = {
    "squared_error": losses.squared_error,
    "mse": losses.mse,
    "binary_crossentropy": losses.binary_crossentropy,
    "categorical_crossentropy": losses.categorical_crossentropy,
    "sparse_categorical_crossentropy": losses.sparse_categorical_crossentropy,
}


def get_loss(loss: LossLike, func: str = "get_loss") -> Loss:
    """Return the loss function for a name such as ``"mse"``, or a callable unchanged."""
    if isinstance(loss, str):
        try:
            return LOSSES[loss]
        except KeyError:
            known = ", ".join(repr(k) for k in LOSSES)
            raise ValueError(f"{func}: unknown loss {loss!r}; expected one of {known} "
                             "or a callable loss(y_true, y_pred)") from None
    if callable(loss):
        return loss
    raise TypeError(f"{func}: loss must be a name (str) or a callable, got {type(loss).__name__}")


def loss_name(loss: LossLike) -> str | None:
    """The name of one of nnlib's losses (given by name or as the function), else None."""
    if isinstance(loss, str):
        return loss if loss in LOSSES else None
    return next((name for name, fn in LOSSES.items() if fn is loss), None)


# ---------------------------------------------------------------- activations

def linear_derivative(z):
    """g'(z) = 1 for g(z) = z."""
    return np.ones_like(np.asarray(z, dtype=float))


def step_derivative(z):
    """g'(z) = 0: the step is flat everywhere except at z = 0, where it jumps.

    At the jump the derivative does not exist; like TensorFlow for its
    piecewise-constant functions, we use 0 there too. A zero derivative means
    no gradient flows through a step unit: gradient descent cannot train the
    weights in front of it. This is why learning needs smooth activations.
    """
    return np.zeros_like(np.asarray(z, dtype=float))


def sigmoid_derivative(z):
    """g'(z) = σ(z) (1 − σ(z)): largest (1/4) at z = 0, tiny when |z| is large."""
    s = sigmoid(z)
    return s * (1.0 - s)


def tanh_derivative(z):
    """g'(z) = 1 − tanh(z)²."""
    return 1.0 - tanh(z) ** 2


def relu_derivative(z):
    """g'(z) = 1 for z > 0 and 0 for z < 0; at z = 0 we use 0, as TensorFlow does."""
    return (np.asarray(z, dtype=float) > 0).astype(float)


#: g'(z) of each element-wise activation. Softmax is missing on purpose: each of
#: its outputs depends on every score, so it needs `softmax_backward` instead.
DERIVATIVES: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "linear": linear_derivative,
    "step": step_derivative,
    "sigmoid": sigmoid_derivative,
    "tanh": tanh_derivative,
    "relu": relu_derivative,
}


def activation_name(activation: ActivationLike, func: str = "activation_name") -> str:
    """The name of an nnlib activation given by name or as the function, or a clear error.

    A callable that is not one of nnlib's activations has no known derivative.
    """
    if isinstance(activation, str):
        if activation not in ACTIVATIONS:
            known = ", ".join(repr(k) for k in ACTIVATIONS)
            raise ValueError(f"{func}: unknown activation {activation!r}; expected one of {known}")
        return activation
    for name, fn in ACTIVATIONS.items():
        if fn is activation:
            return name
    label = getattr(activation, "__name__", type(activation).__name__)
    raise ValueError(
        f"{func}: activation {label!r} has no known derivative; backpropagation knows "
        f"{', '.join(repr(k) for k in ACTIVATIONS)}. Use one of these names, or numeric "
        "gradients (fit(..., gradient='numeric')), which need no derivative."
    )


def activation_derivative(activation: ActivationLike) -> Callable[[np.ndarray], np.ndarray]:
    """Return g' for an element-wise activation, e.g. ``activation_derivative("tanh")``."""
    name = activation_name(activation, "activation_derivative")
    if name == "softmax":
        raise ValueError("activation_derivative: softmax is not element-wise (each output depends "
                         "on every score), so it has a Jacobian, not a g'(z); use softmax_backward")
    return DERIVATIVES[name]


def softmax_backward(A, dA) -> np.ndarray:
    """dZ from dA through a softmax, one example (row) at a time.

    For one example the Jacobian is ``J = diag(a) − a aᵀ`` (``∂a_i/∂z_j = a_i (δ_ij − a_j)``).
    It is symmetric, so ``dz = J da = a ⊙ (da − (a · da))``: no n × n matrix is built.
    """
    A, dA = np.asarray(A, dtype=float), np.asarray(dA, dtype=float)
    return A * (dA - np.sum(A * dA, axis=-1, keepdims=True))


def activation_backward(activation: ActivationLike, Z, A, dA) -> np.ndarray:
    """dZ = ∂L/∂Z from dA = ∂L/∂A through ``A = g(Z)``.

    Element-wise activations: ``dZ = dA ⊙ g'(Z)``. Softmax: the Jacobian
    product of `softmax_backward`.
    """
    name = activation_name(activation, "activation_backward")
    if name == "softmax":
        return softmax_backward(A, dA)
    return np.asarray(dA, dtype=float) * DERIVATIVES[name](Z)


# ---------------------------------------------------------------- losses

def loss_derivative(loss: LossLike, y_true, y_pred) -> np.ndarray:
    """∂L/∂ŷ of nnlib's mean loss, with the shape of `y_pred` (one example per row).

    For ``"sparse_categorical_crossentropy"``, `y_true` holds integer labels,
    as for the loss itself. Where a cross-entropy clips a probability to
    ``[EPSILON, 1 − EPSILON]``, the clipped loss is flat and its derivative is 0.
    """
    get_loss(loss, "loss_derivative")  # an unknown name or a non-callable fails here
    name = loss_name(loss)
    if name is None:
        raise ValueError(f"loss_derivative: the loss {getattr(loss, '__name__', loss)!r} has no "
                         f"known derivative; expected one of {', '.join(repr(k) for k in LOSSES)}")
    P = np.asarray(y_pred, dtype=float)
    if name == "sparse_categorical_crossentropy":
        name, y_true = "categorical_crossentropy", one_hot(y_true, P.shape[-1])
    return _LOSS_DERIVATIVES[name](np.asarray(y_true, dtype=float), P)


def one_hot(labels, n_classes: int) -> np.ndarray:
    """Integer class labels (m,) or (m, 1) as one-hot rows (m, n_classes)."""
    labels = np.asarray(labels).reshape(-1).astype(int)
    return np.eye(n_classes)[labels]


def _examples(P: np.ndarray) -> int:
    return P.size // P.shape[-1] if P.ndim else 1


def _squared_error_derivative(Y, P):
    return 2.0 * (P - Y) / _examples(P)  # sum over outputs, mean over examples


def _mse_derivative(Y, P):
    return 2.0 * (P - Y) / P.size  # mean over outputs and examples


def _bce_derivative(Y, P):
    unclipped = (P > losses.EPSILON) & (P < 1.0 - losses.EPSILON)
    Pc = np.clip(P, losses.EPSILON, 1.0 - losses.EPSILON)
    return np.where(unclipped, (Pc - Y) / (Pc * (1.0 - Pc)), 0.0) / P.size


def _cce_derivative(Y, P):
    # nnlib (like Keras) first rescales each row, q = p / s with s = sum(p), then clips q.
    # Through that rescaling, ∂L/∂p_j = -(r_j - Σ_k r_k q_k) / s with r_k = y_k / q_k
    # where q_k is not clipped (0 where it is).
    s = np.sum(P, axis=-1, keepdims=True)
    q = P / s
    unclipped = (q > losses.EPSILON) & (q < 1.0 - losses.EPSILON)
    r = np.divide(Y, q, out=np.zeros_like(q), where=unclipped)
    return -(r - np.sum(r * q, axis=-1, keepdims=True)) / (s * _examples(P))


_LOSS_DERIVATIVES = {
    "squared_error": _squared_error_derivative,
    "mse": _mse_derivative,
    "binary_crossentropy": _bce_derivative,
    "categorical_crossentropy": _cce_derivative,
}


def output_backward(activation: ActivationLike, loss: LossLike, Z, A, Y) -> np.ndarray:
    """dZ of the output layer: from the loss straight to the output layer's Z.

    Two pairs simplify to a difference, and `backprop` uses these forms:

    - sigmoid + binary cross-entropy: ``dZ = (A − Y) / (m n)`` (n outputs per example);
    - softmax + categorical cross-entropy: ``dZ = (A · Σ_k Y_k − Y) / m``, which is
      ``(A − Y) / m`` for one-hot rows.

    They are the derivative of the *unclipped* cross-entropy. Where nnlib's loss
    clips (a probability within 1e-7 of 0 or 1) the clipped loss is flat, but this
    form keeps pushing a confidently wrong output back, as Keras does when it
    computes the loss from the sigmoid's or softmax's input. Every other pair
    goes the general way: `loss_derivative`, then `activation_backward`.
    """
    g, name = activation_name(activation, "output_backward"), loss_name(loss)
    A, Y = np.asarray(A, dtype=float), np.asarray(Y, dtype=float)
    if name == "sparse_categorical_crossentropy":
        name, Y = "categorical_crossentropy", one_hot(Y, A.shape[-1])
    if g == "sigmoid" and name == "binary_crossentropy":
        return (A - Y) / A.size
    if g == "softmax" and name == "categorical_crossentropy":
        return (A * np.sum(Y, axis=-1, keepdims=True) - Y) / _examples(A)
    return activation_backward(g, Z, A, loss_derivative(name, Y, A))
