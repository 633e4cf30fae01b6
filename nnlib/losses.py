"""Loss functions: how far predictions `y_pred` are from targets `y_true`.

Conventions follow Keras: the last axis holds one example's outputs, each loss
is computed per example, and the result is the mean over examples (a float).
A 1-D array is therefore *one* example with several outputs; for m examples of
one output each, use shape ``(m, 1)``. Probabilities are clipped to
``[EPSILON, 1 - EPSILON]`` before taking logs, as Keras does, so a confident
wrong answer costs about ``-log(1e-7) ≈ 16.1`` instead of infinity.
"""

from __future__ import annotations

import numpy as np

from ._validate import as_float_array

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


def binary_crossentropy(y_true, y_pred) -> float:
    """Binary cross-entropy: ``-[y log p + (1 - y) log(1 - p)]``, averaged.

    `y_pred` holds probabilities p = P(y = 1), e.g. a sigmoid's output; targets are 0 or 1.
    The minus sign makes the loss positive: log p is negative for p < 1.
    """
    y_true, y_pred = _pair("binary_crossentropy", y_true, y_pred)
    p = np.clip(y_pred, EPSILON, 1.0 - EPSILON)
    per_output = -(y_true * np.log(p) + (1.0 - y_true) * np.log(1.0 - p))
    return float(np.mean(np.mean(per_output, axis=-1)))


def categorical_crossentropy(y_true, y_pred) -> float:
    """Categorical cross-entropy: ``-sum_k y_k log p_k`` per example, averaged.

    `y_true` is one-hot (or any distribution) with shape ``(m, n_classes)``; `y_pred`
    holds each example's class probabilities, e.g. a softmax output. As in Keras,
    each row of `y_pred` is first rescaled to sum to 1, then clipped.
    """
    y_true, y_pred = _pair("categorical_crossentropy", y_true, y_pred)
    p = _normalised_probabilities(y_pred)
    return float(np.mean(-np.sum(y_true * np.log(p), axis=-1)))


def sparse_categorical_crossentropy(y_true, y_pred) -> float:
    """Categorical cross-entropy with integer labels: ``-log p_{y}`` per example, averaged.

    Parameters
    ----------
    y_true : array_like of int, shape (m,)
        The class index of each example, in ``0 .. n_classes - 1``.
    y_pred : array_like, shape (m, n_classes)
        Class probabilities per example.
    """
    func = "sparse_categorical_crossentropy"
    y_pred = as_float_array(y_pred, "y_pred", func, ndims=(2,))
    labels = np.asarray(y_true)
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    m, n_classes = y_pred.shape
    if labels.shape != (m,):
        raise ValueError(
            f"{func}: y_true must hold one integer label per example, shape ({m},), "
            f"to match y_pred {y_pred.shape}; got shape {labels.shape}"
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
    p = _normalised_probabilities(y_pred)
    return float(np.mean(-np.log(p[np.arange(m), labels])))


def _normalised_probabilities(y_pred: np.ndarray) -> np.ndarray:
    p = y_pred / np.sum(y_pred, axis=-1, keepdims=True)
    return np.clip(p, EPSILON, 1.0 - EPSILON)


def _pair(func: str, y_true, y_pred) -> tuple[np.ndarray, np.ndarray]:
    """Check that targets and predictions have the same shape (no silent broadcasting)."""
    y_true = as_float_array(y_true, "y_true", func)
    y_pred = as_float_array(y_pred, "y_pred", func)
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"{func}: y_true has shape {y_true.shape} but y_pred has shape {y_pred.shape}; "
            "they must match (NumPy would otherwise broadcast them into a grid of wrong "
            "differences). Reshape one, e.g. y_true.reshape(y_pred.shape)."
        )
    if y_true.ndim == 0:  # one example, one output
        y_true, y_pred = y_true.reshape(1), y_pred.reshape(1)
    return y_true, y_pred
