"""nnlib.losses: hand-computed cases, independent formulas, extremes and bad inputs."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nnlib import (
    binary_crossentropy,
    categorical_crossentropy,
    mse,
    sigmoid,
    softmax,
    sparse_categorical_crossentropy,
    squared_error,
)
from nnlib.losses import EPSILON

PAIR_LOSSES = [squared_error, mse, binary_crossentropy, categorical_crossentropy]
CONFIDENT_AND_WRONG = -math.log(EPSILON)  # ≈ 16.118: the cost of p = 0 for the true class


def probabilities(rng, shape):
    """Random probabilities well inside (0, 1), so no clipping happens."""
    return rng.uniform(0.02, 0.98, size=shape)


# --- squared error and MSE ---------------------------------------------------------------

def test_squared_error_by_hand():
    assert squared_error(3.0, 1.0) == 4.0  # one example, one output: (y - ŷ)²
    assert squared_error([[1.0], [2.0]], [[0.0], [0.0]]) == 2.5  # mean of 1 and 4
    assert squared_error([[1.0, 2.0]], [[0.0, 0.0]]) == 5.0  # sum over outputs 1 + 4
    assert squared_error([1.0, 2.0], [0.0, 0.0]) == 5.0  # 1-D: one example, two outputs


def test_mse_by_hand():
    assert mse(3.0, 1.0) == 4.0
    assert mse([[1.0, 2.0]], [[0.0, 0.0]]) == 2.5  # mean over outputs
    assert mse([[1.0, 2.0], [0.0, 0.0]], [[0.0, 0.0], [0.0, 2.0]]) == 2.25  # (2.5 + 2) / 2


def test_squared_losses_match_python_loops():
    rng = np.random.default_rng(20)
    Y, P = rng.normal(size=(7, 3)), rng.normal(size=(7, 3))
    per_example_sums = [sum((Y[i, k] - P[i, k]) ** 2 for k in range(3)) for i in range(7)]
    assert squared_error(Y, P) == pytest.approx(sum(per_example_sums) / 7, rel=1e-14)
    assert mse(Y, P) == pytest.approx(sum(per_example_sums) / 21, rel=1e-14)


def test_squared_error_is_n_outputs_times_mse_and_equal_for_one_output():
    rng = np.random.default_rng(21)
    for n_out in (1, 2, 5):
        Y, P = rng.normal(size=(4, n_out)), rng.normal(size=(4, n_out))
        assert squared_error(Y, P) == pytest.approx(n_out * mse(Y, P), rel=1e-14)


def test_squared_losses_are_zero_for_perfect_predictions_and_symmetric():
    Y = np.random.default_rng(22).normal(size=(5, 2))
    assert squared_error(Y, Y) == 0.0 and mse(Y, Y) == 0.0
    P = Y + 1.0
    assert mse(Y, P) == mse(P, Y) == pytest.approx(1.0)


# --- binary cross-entropy ----------------------------------------------------------------

def test_binary_crossentropy_by_hand():
    assert binary_crossentropy([[1.0]], [[0.9]]) == pytest.approx(-math.log(0.9), rel=1e-14)
    assert binary_crossentropy([[0.0]], [[0.9]]) == pytest.approx(-math.log(0.1), rel=1e-12)
    assert binary_crossentropy([[1.0], [0.0]], [[0.8], [0.3]]) == pytest.approx(
        (-math.log(0.8) - math.log(0.7)) / 2, rel=1e-14)


def test_binary_crossentropy_matches_the_formula():
    rng = np.random.default_rng(23)
    Y = (rng.uniform(size=(9, 2)) > 0.5).astype(float)
    P = probabilities(rng, (9, 2))
    terms = [-(y * math.log(p) + (1 - y) * math.log(1 - p)) for y, p in zip(Y.ravel(), P.ravel())]
    assert binary_crossentropy(Y, P) == pytest.approx(sum(terms) / len(terms), rel=1e-13)


def test_binary_crossentropy_of_a_sigmoid_is_the_softplus_of_minus_z():
    # -log(sigmoid(z)) = log(1 + e^{-z}): an identity that does not use nnlib's formula.
    z = np.linspace(-8, 8, 17).reshape(-1, 1)
    for zk in z.ravel():
        assert binary_crossentropy([[1.0]], [[sigmoid(zk)]]) == pytest.approx(math.log1p(math.exp(-zk)), rel=1e-9)


def test_binary_crossentropy_swapping_labels_and_probabilities():
    rng = np.random.default_rng(24)
    Y, P = (rng.uniform(size=(6, 1)) > 0.5).astype(float), probabilities(rng, (6, 1))
    assert binary_crossentropy(1 - Y, 1 - P) == pytest.approx(binary_crossentropy(Y, P), rel=1e-12)


def test_binary_crossentropy_at_p_zero_and_one_is_finite(strict_numerics):
    Y = np.array([[1.0], [0.0], [1.0], [0.0]])
    confident_right = np.array([[1.0], [0.0], [1.0], [0.0]])
    confident_wrong = 1.0 - confident_right
    right, wrong = binary_crossentropy(Y, confident_right), binary_crossentropy(Y, confident_wrong)
    assert math.isfinite(right) and math.isfinite(wrong)
    assert 0.0 < right < 1e-6  # -log(1 - 1e-7) ≈ 1e-7: clipping keeps it from being exactly 0
    assert wrong == pytest.approx(CONFIDENT_AND_WRONG, rel=1e-6)
    assert wrong == pytest.approx(16.118, abs=1e-3)


# --- categorical cross-entropy -------------------------------------------------------

def test_categorical_crossentropy_by_hand():
    assert categorical_crossentropy([[0, 1, 0]], [[0.2, 0.7, 0.1]]) == pytest.approx(-math.log(0.7), rel=1e-14)
    Y = [[1, 0, 0], [0, 0, 1]]
    P = [[0.5, 0.25, 0.25], [0.1, 0.1, 0.8]]
    assert categorical_crossentropy(Y, P) == pytest.approx((math.log(2) - math.log(0.8)) / 2, rel=1e-14)


def test_categorical_crossentropy_matches_the_formula_on_softmax_outputs():
    rng = np.random.default_rng(25)
    Z = rng.normal(size=(8, 4))
    P = softmax(Z)
    labels = rng.integers(0, 4, size=8)
    Y = np.eye(4)[labels]
    # -log softmax(z)_y = log(sum_j e^{z_j}) - z_y, computed with math only
    expected = np.mean([math.log(sum(math.exp(v) for v in z)) - z[k] for z, k in zip(Z, labels)])
    assert categorical_crossentropy(Y, P) == pytest.approx(expected, rel=1e-12)


def test_categorical_crossentropy_rescales_rows_to_sum_to_one():
    Y = np.array([[0.0, 1.0, 0.0]])
    assert categorical_crossentropy(Y, [[2.0, 6.0, 2.0]]) == pytest.approx(-math.log(0.6), rel=1e-14)


def test_two_class_categorical_equals_binary():
    p = np.random.default_rng(26).uniform(0.05, 0.95, size=(5, 1))
    y = np.array([[1.0], [0.0], [0.0], [1.0], [1.0]])
    assert categorical_crossentropy(np.hstack([1 - y, y]), np.hstack([1 - p, p])) == pytest.approx(
        binary_crossentropy(y, p), rel=1e-12)


def test_categorical_crossentropy_at_p_zero_and_one_is_finite(strict_numerics):
    Y = np.eye(3)
    assert categorical_crossentropy(Y, np.eye(3)) == pytest.approx(-math.log(1 - EPSILON), rel=1e-6)
    wrong = categorical_crossentropy(Y, np.eye(3)[[1, 2, 0]])
    assert wrong == pytest.approx(CONFIDENT_AND_WRONG, rel=1e-6)


def test_categorical_crossentropy_one_example_as_1d():
    assert categorical_crossentropy([0.0, 1.0], [0.25, 0.75]) == pytest.approx(-math.log(0.75))


# --- sparse categorical cross-entropy ------------------------------------------------

def test_sparse_equals_categorical_with_one_hot_targets():
    rng = np.random.default_rng(27)
    P = softmax(rng.normal(size=(10, 5)))
    labels = rng.integers(0, 5, size=10)
    expected = categorical_crossentropy(np.eye(5)[labels], P)
    assert sparse_categorical_crossentropy(labels, P) == pytest.approx(expected, rel=1e-14)
    # labels as a column (m, 1), as float integers, or as a list all mean the same
    assert sparse_categorical_crossentropy(labels.reshape(-1, 1), P) == pytest.approx(expected, rel=1e-14)
    assert sparse_categorical_crossentropy(labels.astype(float), P) == pytest.approx(expected, rel=1e-14)
    assert sparse_categorical_crossentropy(labels.tolist(), P.tolist()) == pytest.approx(expected, rel=1e-14)


def test_sparse_by_hand():
    P = [[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]]
    assert sparse_categorical_crossentropy([0, 2], P) == pytest.approx(-(math.log(0.7) + math.log(0.6)) / 2)


def test_sparse_at_p_zero_and_one_is_finite(strict_numerics):
    P = np.array([[1.0, 0.0], [0.0, 1.0]])
    assert sparse_categorical_crossentropy([1, 0], P) == pytest.approx(CONFIDENT_AND_WRONG, rel=1e-6)
    assert 0.0 < sparse_categorical_crossentropy([0, 1], P) < 1e-6


# --- return type and errors --------------------------------------------------------------

@pytest.mark.parametrize("loss", PAIR_LOSSES, ids=lambda f: f.__name__)
def test_pair_losses_return_a_python_float(loss):
    assert type(loss([[1.0, 0.0]], [[0.6, 0.4]])) is float


@pytest.mark.parametrize("loss", PAIR_LOSSES, ids=lambda f: f.__name__)
def test_shape_mismatch_is_an_error_not_a_broadcast(loss):
    name = loss.__name__
    with pytest.raises(ValueError, match=rf"^{name}: y_true has shape \(3, 1\) but y_pred has shape \(3,\); "
                                         r"they must match"):
        loss(np.ones((3, 1)), np.full(3, 0.5))
    with pytest.raises(ValueError, match=rf"{name}: y_true has shape \(2, 3\) but y_pred has shape \(2, 2\)"):
        loss(np.ones((2, 3)), np.full((2, 2), 0.5))


@pytest.mark.parametrize("loss", PAIR_LOSSES, ids=lambda f: f.__name__)
def test_non_numeric_inputs(loss):
    name = loss.__name__
    with pytest.raises(TypeError, match=rf"^{name}: y_pred must hold numbers, got list with dtype <U"):
        loss([[1.0]], [["0.5"]])
    with pytest.raises(TypeError, match=rf"^{name}: y_true must hold numbers, got NoneType"):
        loss(None, [[0.5]])
    with pytest.raises(ValueError, match=rf"^{name}: y_true must be a rectangular array of numbers"):
        loss([[1.0, 0.0], [1.0]], [[0.5, 0.5], [0.5, 0.5]])


def test_sparse_bad_labels():
    func = "sparse_categorical_crossentropy"
    P = np.full((4, 3), 1 / 3)
    with pytest.raises(ValueError, match=rf"^{func}: labels must lie in 0\.\.2 for 3 classes, got values from 0 to 3"):
        sparse_categorical_crossentropy([0, 1, 2, 3], P)
    with pytest.raises(ValueError, match=r"labels must lie in 0\.\.2 for 3 classes, got values from -1 to 2"):
        sparse_categorical_crossentropy([-1, 0, 1, 2], P)
    with pytest.raises(TypeError, match=rf"^{func}: y_true must hold integer class labels, got dtype float64"):
        sparse_categorical_crossentropy([0.0, 1.5, 2.0, 1.0], P)
    with pytest.raises(TypeError, match=r"y_true must hold integer class labels, got dtype <U"):
        sparse_categorical_crossentropy(["a", "b", "c", "a"], P)
    with pytest.raises(TypeError, match=r"y_true must hold integer class labels, got dtype bool"):
        sparse_categorical_crossentropy([True, False, True, False], P)


def test_sparse_shape_errors():
    func = "sparse_categorical_crossentropy"
    P = np.full((4, 3), 1 / 3)
    with pytest.raises(ValueError, match=rf"^{func}: y_true must hold one integer label per example, shape \(4,\), "
                                         r"to match y_pred \(4, 3\); got shape \(5,\)"):
        sparse_categorical_crossentropy([0, 1, 2, 0, 1], P)
    with pytest.raises(ValueError, match=r"shape \(4,\), to match y_pred \(4, 3\); got shape \(4, 3\)"):
        sparse_categorical_crossentropy(np.eye(3)[[0, 1, 2, 0]], P)  # one-hot: use categorical instead
    with pytest.raises(ValueError, match=rf"^{func}: y_pred must be 2-D, got shape \(3,\) \(1-D\)"):
        sparse_categorical_crossentropy([1], [0.2, 0.3, 0.5])
    with pytest.raises(TypeError, match=rf"^{func}: y_pred must hold numbers"):
        sparse_categorical_crossentropy([0], [["a", "b"]])
