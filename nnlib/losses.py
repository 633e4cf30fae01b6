"""Loss functions: how far predictions `y_pred` are from targets `y_true`.

Conventions follow Keras: the last axis holds one example's outputs, each loss
is computed per example, and the result is the mean over examples (a float).
A 1-D array is therefore *one* example with several outputs; for m examples of
one output each, use shape ``(m, 1)``. Probabilities are clipped to
``[EPSILON, 1 - EPSILON]`` before taking logs, as Keras does, so a confident
wrong answer costs about ``-log(1e-7) ≈ 16.1`` instead of infinity. With
``from_logits=True`` the cross-entropies take a linear output layer's scores z
instead, and compute the loss exactly by log-sum-exp, never clipped; to train with
one, pass ``functools.partial(nnlib.categorical_crossentropy, from_logits=True)``
as the loss.

Beside each loss lives its derivative ∂L/∂ŷ (`loss_derivative`), and the short
form of dZ for an output layer whose activation pairs with its loss
(`output_backward`), which backpropagation starts from. As everywhere in nnlib,
L is the *mean* loss over the m examples (as Keras computes it), so every
derivative returned here already carries the factor ``1/m``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np

from ._validate import as_float_array
from .activations import ActivationLike, activation_backward, activation_name, sigmoid, softmax

EPSILON = 1e-7  # Keras's default fuzz factor, keras.config.epsilon()


def squared_error(y_true, y_pred) -> float:
    """Sum of squared errors over an example's outputs, averaged over examples.

    For one example with one output this is ``(y - ŷ)²``, the quantity computed
    by hand in chapter 2. With one output per example it equals `mse`.
    """
    y_true, y_pred = _pair("squared_error", y_true, y_pred)
    per_example = np.sum((y_true - y_pred) ** 2, axis=-1)
    return float(np.mean(per_example))


def mse(y_true, y_pred) -> float:
    """Mean squared error: ``mean((y - ŷ)²)`` over outputs, then over examples."""
    y_true, y_pred = _pair("mse", y_true, y_pred)
    per_example = np.mean((y_true - y_pred) ** 2, axis=-1)
    return float(np.mean(per_example))


def binary_crossentropy(y_true, y_pred, from_logits: bool = False) -> float:
    """Binary cross-entropy: ``-[y log p + (1 - y) log(1 - p)]``, averaged.

    `y_pred` holds probabilities p = P(y = 1), e.g. a sigmoid's output; targets are 0 or 1.
    The minus sign makes the loss positive: log p is negative for p < 1.

    With ``from_logits=True``, `y_pred` holds scores z (a linear output layer) and
    p = σ(z) is applied here, in the exact form ``max(z, 0) − z y + log(1 + e^{−|z|})``:
    no clipping, and no overflow even for |z| = 1000.
    """
    y_true, y_pred = _pair("binary_crossentropy", y_true, y_pred)
    if from_logits:
        z = y_pred
        per_output = np.maximum(z, 0.0) - z * y_true + np.log1p(np.exp(-np.abs(z)))
        return float(np.mean(np.mean(per_output, axis=-1)))
    p = np.clip(y_pred, EPSILON, 1.0 - EPSILON)
    per_output = -(y_true * np.log(p) + (1.0 - y_true) * np.log(1.0 - p))
    return float(np.mean(np.mean(per_output, axis=-1)))


def categorical_crossentropy(y_true, y_pred, from_logits: bool = False) -> float:
    """Categorical cross-entropy: ``-sum_k y_k log p_k`` per example, averaged.

    `y_true` is one-hot (or any distribution) with shape ``(m, n_classes)``; `y_pred`
    holds each example's class probabilities, e.g. a softmax output. As in Keras,
    each row of `y_pred` is first rescaled to sum to 1, then clipped.

    With ``from_logits=True``, `y_pred` holds scores z and ``log p_k = z_k − log Σ_j e^{z_j}``
    is computed by log-sum-exp (`log_softmax`): no clipping, no overflow.
    """
    y_true, y_pred = _pair("categorical_crossentropy", y_true, y_pred)
    if from_logits:
        return float(np.mean(-np.sum(y_true * log_softmax(y_pred), axis=-1)))
    p = _normalised_probabilities(y_pred, "categorical_crossentropy")
    return float(np.mean(-np.sum(y_true * np.log(p), axis=-1)))


def sparse_categorical_crossentropy(y_true, y_pred, from_logits: bool = False) -> float:
    """Categorical cross-entropy with integer labels: ``-log p_{y}`` per example, averaged.

    Parameters
    ----------
    y_true : array_like of int, shape (m,)
        The class index of each example, in ``0 .. n_classes - 1``.
    y_pred : array_like, shape (m, n_classes)
        Class probabilities per example, or scores z with ``from_logits=True``
        (then ``-log p_y = log Σ_j e^{z_j} − z_y``, by log-sum-exp, never clipped).
    from_logits : bool
    """
    func = "sparse_categorical_crossentropy"
    y_pred = as_float_array(y_pred, "y_pred", func, ndims=(2,), nonempty=True)
    labels = sparse_labels(y_true, y_pred.shape, func)
    m = len(labels)
    if from_logits:
        return float(np.mean(-log_softmax(y_pred)[np.arange(m), labels]))
    p = _normalised_probabilities(y_pred, func)
    return float(np.mean(-np.log(p[np.arange(m), labels])))


def sparse_labels(y_true, out_shape: tuple[int, int], func: str) -> np.ndarray:
    """Integer class labels (m,) checked against predictions of shape ``(m, n_classes)``.

    A column (m, 1) and floats holding whole numbers are accepted, as in Keras.
    """
    m, n_classes = out_shape
    labels = np.asarray(y_true)
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    if labels.shape != (m,):
        raise ValueError(
            f"{func}: y_true must hold one integer label per example, shape ({m},), "
            f"to match y_pred {tuple(out_shape)}; got shape {labels.shape}"
        )
    if labels.dtype.kind == "f" and np.all(labels == np.round(labels)):
        labels = labels.astype(int)
    if labels.dtype.kind not in "iu":
        raise TypeError(f"{func}: y_true must hold integer class labels, got dtype {labels.dtype}")
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(
            f"{func}: labels must lie in 0..{n_classes - 1} for {n_classes} classes, "
            f"got values from {labels.min()} to {labels.max()}"
        )
    return labels


def log_softmax(z) -> np.ndarray:
    """``log softmax(z) = z − log Σ_j e^{z_j}`` per row, by log-sum-exp.

    Subtracting the row's largest score first keeps every exponent ≤ 0, so
    nothing overflows, and the log of a probability that rounds to 0 stays finite.
    """
    shifted = z - np.max(z, axis=-1, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


def _normalised_probabilities(y_pred: np.ndarray, func: str) -> np.ndarray:
    total = np.sum(y_pred, axis=-1, keepdims=True)
    if np.any(total <= 0):
        row = tuple(int(i) for i in np.argwhere(total <= 0)[0][:-1])
        raise ValueError(f"{func}: y_pred must hold each example's class probabilities (a softmax "
                         f"output), but the row at {row} sums to {float(total[row][0]):g}")
    return np.clip(y_pred / total, EPSILON, 1.0 - EPSILON)


def _pair(func: str, y_true, y_pred) -> tuple[np.ndarray, np.ndarray]:
    """Check that targets and predictions have the same shape (no silent broadcasting)."""
    y_true = as_float_array(y_true, "y_true", func, nonempty=True)
    y_pred = as_float_array(y_pred, "y_pred", func, nonempty=True)
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"{func}: y_true has shape {y_true.shape} but y_pred has shape {y_pred.shape}; "
            "they must match (NumPy would otherwise broadcast them into a grid of wrong "
            "differences). Reshape one, e.g. y_true.reshape(y_pred.shape)."
        )
    if y_true.ndim == 0:  # one example, one output
        y_true, y_pred = y_true.reshape(1), y_pred.reshape(1)
    return y_true, y_pred


# ---------------------------------------------------------------- the table of losses

Loss = Callable[[np.ndarray, np.ndarray], float]
LossLike = str | Loss

LOSSES: dict[str, Loss] = {
    "squared_error": squared_error,
    "mse": mse,
    "binary_crossentropy": binary_crossentropy,
    "categorical_crossentropy": categorical_crossentropy,
    "sparse_categorical_crossentropy": sparse_categorical_crossentropy,
}


def get_loss(loss: LossLike, func: str = "get_loss") -> Loss:
    """Return the loss function for a name such as ``"mse"``, or a callable unchanged.

    A cross-entropy computed from scores (a linear output layer), as Keras's
    ``from_logits=True``, is the loss with that argument fixed:
    ``functools.partial(nnlib.binary_crossentropy, from_logits=True)``. nnlib's
    `backprop` and `fit` recognise it, and know its derivative.
    """
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


_FROM_LOGITS = ("binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy")


def loss_name(loss: LossLike) -> str | None:
    """The name of one of nnlib's losses (given by name, as the function, or as a cross-entropy
    with ``from_logits`` fixed by `functools.partial`), else None."""
    if isinstance(loss, str):
        return loss if loss in LOSSES else None
    if _is_logits_partial(loss):
        return loss_name(loss.func)
    return next((name for name, fn in LOSSES.items() if fn is loss), None)


def from_logits(loss: LossLike) -> bool:
    """Whether `loss` is one of nnlib's cross-entropies computed from scores (``from_logits=True``)."""
    return _is_logits_partial(loss) and bool(loss.keywords["from_logits"])


def _is_logits_partial(loss) -> bool:
    return (isinstance(loss, functools.partial) and not loss.args
            and set(loss.keywords) == {"from_logits"}
            and any(loss.func is LOSSES[name] for name in _FROM_LOGITS))


def known_loss(loss: LossLike, func: str) -> str:
    """The name of one of nnlib's losses, or an error saying that only those have derivatives."""
    get_loss(loss, func)  # an unknown name or a non-callable fails here
    name = loss_name(loss)
    if name is None:
        raise ValueError(f"{func}: the loss {getattr(loss, '__name__', loss)!r} has no known "
                         f"derivative; expected one of {', '.join(repr(k) for k in LOSSES)} "
                         "(or use numeric gradients, which need none)")
    return name


# ---------------------------------------------------------------- derivatives ∂L/∂ŷ

def loss_derivative(loss: LossLike, y_true, y_pred) -> np.ndarray:
    """∂L/∂ŷ of nnlib's mean loss, with the shape of `y_pred` (one example per row).

    For ``"sparse_categorical_crossentropy"``, `y_true` holds integer labels,
    as for the loss itself. Where a cross-entropy clips a probability to
    ``[EPSILON, 1 − EPSILON]``, the clipped loss is flat and its derivative is 0.
    A cross-entropy ``from_logits`` (see `get_loss`) is differentiated with
    respect to the scores z it is given: ``(σ(z) − y) / (m n)`` or ``(softmax(z) − y) / m``.
    """
    name = known_loss(loss, "loss_derivative")
    Y, P = _targets(name, "loss_derivative", y_true, y_pred)
    derivatives = _LOGIT_DERIVATIVES if from_logits(loss) else _LOSS_DERIVATIVES
    return derivatives[name](Y, P).reshape(np.shape(y_pred))


def one_hot(labels, n_classes: int, dtype=np.float64) -> np.ndarray:
    """Integer class labels (m,) or (m, 1) as one-hot rows (m, n_classes)."""
    labels = np.asarray(labels).reshape(-1).astype(int)
    return np.eye(n_classes, dtype=dtype)[labels]


def _targets(name: str, func: str, y_true, y_pred) -> tuple[np.ndarray, np.ndarray]:
    """Checked (Y, P) of one shape; integer labels become one-hot rows."""
    if name == "sparse_categorical_crossentropy":
        P = as_float_array(y_pred, "y_pred", func, ndims=(2,), nonempty=True)
        return one_hot(sparse_labels(y_true, P.shape, f"{func}: {name}"), P.shape[-1]), P
    return _pair(func, y_true, y_pred)


def _examples(P: np.ndarray) -> int:
    return P.size // P.shape[-1] if P.ndim else 1


def _squared_error_derivative(Y, P):
    return 2.0 * (P - Y) / _examples(P)  # sum over outputs, mean over examples


def _mse_derivative(Y, P):
    return 2.0 * (P - Y) / P.size  # mean over outputs and examples


def _bce_derivative(Y, P):
    unclipped = (P > EPSILON) & (P < 1.0 - EPSILON)
    Pc = np.clip(P, EPSILON, 1.0 - EPSILON)
    return np.where(unclipped, (Pc - Y) / (Pc * (1.0 - Pc)), 0.0) / P.size


def _cce_derivative(Y, P):
    # nnlib (like Keras) first rescales each row, q = p / s with s = sum(p), then clips q.
    # Through that rescaling, ∂L/∂p_j = -(r_j - Σ_k r_k q_k) / s with r_k = y_k / q_k
    # where q_k is not clipped (0 where it is).
    s = np.sum(P, axis=-1, keepdims=True)
    q = P / s
    unclipped = (q > EPSILON) & (q < 1.0 - EPSILON)
    r = np.divide(Y, q, out=np.zeros_like(q), where=unclipped)
    return -(r - np.sum(r * q, axis=-1, keepdims=True)) / (s * _examples(P))


_LOSS_DERIVATIVES = {
    "squared_error": _squared_error_derivative,
    "mse": _mse_derivative,
    "binary_crossentropy": _bce_derivative,
    "categorical_crossentropy": _cce_derivative,
    "sparse_categorical_crossentropy": _cce_derivative,  # on one-hot rows made from the labels
}


def _bce_logits_derivative(Y, Z):
    return (sigmoid(Z) - Y) / Z.size


def _cce_logits_derivative(Y, Z):
    return (softmax(Z) * np.sum(Y, axis=-1, keepdims=True) - Y) / _examples(Z)


_LOGIT_DERIVATIVES = {  # ∂L/∂z of a cross-entropy computed from scores z
    "binary_crossentropy": _bce_logits_derivative,
    "categorical_crossentropy": _cce_logits_derivative,
    "sparse_categorical_crossentropy": _cce_logits_derivative,
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
    goes the general way: `loss_derivative`, then `activation_backward`. A loss
    ``from_logits`` applies the sigmoid or softmax itself, so the same short forms
    hold with the output layer linear: ``dZ = (σ(A) − Y) / (m n)``, ``(softmax(A) − Y) / m``.
    """
    g, name = activation_name(activation, "output_backward"), known_loss(loss, "output_backward")
    Y, A = _targets(name, "output_backward", Y, A)
    if from_logits(loss):
        return activation_backward(g, Z, A, _LOGIT_DERIVATIVES[name](Y, A))
    if g == "sigmoid" and name == "binary_crossentropy":
        return (A - Y) / A.size
    if g == "softmax" and name in ("categorical_crossentropy", "sparse_categorical_crossentropy"):
        return (A * np.sum(Y, axis=-1, keepdims=True) - Y) / _examples(A)
    return activation_backward(g, Z, A, _LOSS_DERIVATIVES[name](Y, A))
