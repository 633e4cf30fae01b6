"""Chapter 13's checks: right answers pass, every realistic wrong answer is reported, nothing crashes."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import r2_score

from nnlib import checks

# --- R² ------------------------------------------------------------------------------------


def my_r2(y_true, y_pred):
    return 1 - np.sum((y_true - y_pred) ** 2) / np.sum((y_true - np.mean(y_true)) ** 2)


def r2_forgot_one_minus(y, p):
    return np.sum((y - p) ** 2) / np.sum((y - y.mean()) ** 2)


def r2_one_minus_mse(y, p):
    return 1 - np.mean((y - p) ** 2)


def r2_clipped(y, p):
    return max(0.0, my_r2(y, p))


def r2_squared_correlation(y, p):
    return np.corrcoef(np.ravel(y), np.ravel(p))[0, 1] ** 2


def r2_mean_of_predictions(y, p):
    return 1 - np.sum((y - p) ** 2) / np.sum((y - p.mean()) ** 2)


def r2_swapped(y, p):
    return my_r2(p, y)


def r2_explained_variance(y, p):
    return 1 - np.var(y - p) / np.var(y)


def r2_sample_variance(y, p):  # ddof = 1 below, none above: off by (m - 1) / m
    return 1 - np.mean((y - p) ** 2) / np.var(y, ddof=1)


def r2_centres_in_place(y, p):
    y -= y.mean()
    return 1 - np.sum((y - p + y.mean()) ** 2) / np.sum(y ** 2)


def r2_broadcasts(y, p):  # (m, 1) against (m,): an (m, m) table of differences
    return 1 - np.sum((y - np.ravel(p)) ** 2) / np.sum((y - y.mean()) ** 2)


@pytest.mark.parametrize("candidate", [my_r2, r2_score, lambda y, p: r2_score(y, p)],
                         ids=["by hand", "scikit-learn", "scikit-learn wrapped"])
def test_check_r2_score_passes_right_answers(candidate, capsys):
    assert checks.check_r2_score(candidate)
    assert capsys.readouterr().out == "✓ r2_score: all 6 cases passed.\n"


def test_r2_reference_is_scikit_learns():
    rng = np.random.default_rng(0)
    y, p = rng.normal(size=(9, 1)), rng.normal(size=(9, 1))
    assert np.isclose(checks._r2_reference(y, p), r2_score(y, p), rtol=1e-12)


ALL = ["case 1", "case 2", "case 3", "case 4", "case 5", "case 6"]


@pytest.mark.parametrize("candidate, failing, advice", [
    (r2_forgot_one_minus, ALL, "this is SSE / SST"),
    (r2_one_minus_mse, ["case 2", "case 3", "case 4", "case 5", "case 6"], "this is 1 − MSE"),
    (r2_clipped, ["case 3", "case 5"], "clipped at 0"),
    (r2_squared_correlation, ["case 2", "case 3", "case 4", "case 5", "case 6"], "squared correlation"),
    (r2_mean_of_predictions, ["case 4", "case 5", "case 6"], "around the mean of ŷ"),
    (r2_swapped, ["case 2", "case 4", "case 6"], "swapped"),
    (r2_explained_variance, ["case 4", "case 5", "case 6"], "explained variance"),
    (r2_sample_variance, ["case 2", "case 3", "case 4", "case 5", "case 6"], None),
    (r2_centres_in_place, ALL, "changed its input y in place"),
], ids=["1 - forgotten", "1 - MSE", "clipped", "correlation squared", "mean of predictions", "swapped",
        "explained variance", "ddof mismatch", "in place"])
def test_check_r2_score_catches_wrong_answers(candidate, failing, advice, capsys):
    result = checks.check_r2_score(candidate)
    assert [f.split(" (")[0] for f in result.failures] == failing
    out = capsys.readouterr().out
    assert f"r2_score: {len(failing)} of 6 cases failed." in out
    if advice:
        assert advice in out


def test_check_r2_score_reports_broadcasting_through_a_wrong_value(capsys):
    # a learner who ravels one side only: within the check both sides have one shape, so it passes
    assert checks.check_r2_score(r2_broadcasts) is not None
    capsys.readouterr()


def test_check_r2_score_reports_none_arrays_and_exceptions(capsys):
    assert not checks.check_r2_score(lambda y, p: None)
    assert not checks.check_r2_score(lambda y, p: np.array([my_r2(y, p), 0.0]))
    assert not checks.check_r2_score(lambda y, p: 1 / 0)
    assert not checks.check_r2_score(my_r2(np.arange(2.0), np.zeros(2)))
    out = capsys.readouterr().out
    assert "returned None" in out and "returned shape (2,), expected shape ()" in out
    assert "raised ZeroDivisionError" in out and "expected your function itself" in out


# --- a regression network by hand ----------------------------------------------------------------


def my_predict(weights, X):
    W1, b1, W2, b2 = weights
    return np.maximum(0, X @ W1 + b1) @ W2 + b2


def relu_on_output(weights, X):
    return np.maximum(0, my_predict(weights, X))


def sigmoid_on_output(weights, X):
    return 1 / (1 + np.exp(-my_predict(weights, X)))


def no_relu(weights, X):
    W1, b1, W2, b2 = weights
    return (X @ W1 + b1) @ W2 + b2


def no_hidden_bias(weights, X):
    W1, _, W2, b2 = weights
    return np.maximum(0, X @ W1) @ W2 + b2


def no_output_bias(weights, X):
    W1, b1, W2, _ = weights
    return np.maximum(0, X @ W1 + b1) @ W2


def bias_after_relu(weights, X):
    W1, b1, W2, b2 = weights
    return (np.maximum(0, X @ W1) + b1) @ W2 + b2


def transposed_kernel(weights, X):  # the W x + b of column-vector texts, with Keras's W
    W1, b1, W2, b2 = weights
    return (W2.T @ np.maximum(0, W1.T @ X.T + b1[:, None])).T + b2


def flat_output(weights, X):
    return my_predict(weights, X).ravel()


def relu_in_place(weights, X):
    W1, b1, W2, b2 = weights
    Z = X @ W1
    Z += b1
    np.maximum(Z, 0, out=Z)
    W2 *= 1.0
    b1 += 0.0
    X[X < -10] = 0  # never happens here, but writes nothing: still unchanged
    return Z @ W2 + b2


def shifts_weights_in_place(weights, X):
    weights[1] += 1.0
    W1, b1, W2, b2 = weights
    return np.maximum(0, X @ W1 + b1 - 1.0) @ W2 + b2


def test_check_predict_regression_passes_right_answers(capsys):
    assert checks.check_predict_regression(my_predict)
    assert checks.check_predict_regression(transposed_kernel)  # the same numbers, column-vector style
    assert checks.check_predict_regression(relu_in_place)      # in place on its own arrays only
    assert capsys.readouterr().out == "✓ predict_regression: all 4 cases passed.\n" * 3


@pytest.mark.parametrize("candidate, advice", [
    (relu_on_output, "a ReLU on the output"),
    (sigmoid_on_output, "a sigmoid on the output"),
    (no_relu, "without its ReLU"),
    (no_hidden_bias, "hidden biases b1 left out"),
    (no_output_bias, "output bias b2 left out"),
    (bias_after_relu, "bias added after the ReLU"),
], ids=["relu output", "sigmoid output", "no relu", "no b1", "no b2", "b1 after relu"])
def test_check_predict_regression_names_the_mistake(candidate, advice, capsys):
    result = checks.check_predict_regression(candidate)
    assert not result
    out = capsys.readouterr().out
    assert advice in out


def test_check_predict_regression_reports_shapes_and_in_place_changes(capsys):
    assert not checks.check_predict_regression(flat_output)
    assert not checks.check_predict_regression(shifts_weights_in_place)
    out = capsys.readouterr().out
    assert "returned shape (1,), expected shape (1, 1)" in out
    assert "changed weights[1], inside its input weights, in place" in out


# --- PCA ----------------------------------------------------------------------------------------


def my_pca(X, k):
    centred = X - X.mean(axis=0)
    _, _, Vt = np.linalg.svd(centred, full_matrices=False)
    return centred @ Vt[:k].T


def pca_by_eigh(X, k):  # the covariance matrix's eigenvectors, largest first
    centred = X - X.mean(axis=0)
    values, vectors = np.linalg.eigh(centred.T @ centred)
    return centred @ vectors[:, ::-1][:, :k]


def pca_signs_flipped(X, k):
    return -my_pca(X, k) * np.where(np.arange(k) % 2 == 0, 1, -1)


def pca_u_times_s(X, k):
    U, S, _ = np.linalg.svd(X - X.mean(axis=0), full_matrices=False)
    return U[:, :k] * S[:k]


def pca_not_centred(X, k):
    _, _, Vt = np.linalg.svd(X, full_matrices=False)
    return X @ Vt[:k].T


def pca_directions_uncentred(X, k):
    _, _, Vt = np.linalg.svd(X, full_matrices=False)
    return (X - X.mean(axis=0)) @ Vt[:k].T


def pca_whitened(X, k):
    U, _, _ = np.linalg.svd(X - X.mean(axis=0), full_matrices=False)
    return U[:, :k]


def pca_eigh_order_forgotten(X, k):
    centred = X - X.mean(axis=0)
    _, vectors = np.linalg.eigh(centred.T @ centred)
    return centred @ vectors[:, :k]


def pca_projects_uncentred_rows(X, k):  # the right directions, but X @ V: every point shifted
    centred = X - X.mean(axis=0)
    _, vectors = np.linalg.eigh(centred.T @ centred)
    return X @ vectors[:, ::-1][:, :k]


def pca_eigh_last_k_increasing(X, k):  # the right k directions, smallest variance first
    centred = X - X.mean(axis=0)
    _, vectors = np.linalg.eigh(centred.T @ centred)
    return centred @ vectors[:, -k:]


def pca_columns_of_vt(X, k):
    centred = X - X.mean(axis=0)
    _, _, Vt = np.linalg.svd(centred, full_matrices=False)
    return centred @ Vt[:, :k]


def pca_transposed(X, k):
    return my_pca(X, k).T


def pca_centres_in_place(X, k):
    X -= X.mean(axis=0)
    _, _, Vt = np.linalg.svd(X, full_matrices=False)
    return X @ Vt[:k].T


def pca_components(X, k):
    _, _, Vt = np.linalg.svd(X - X.mean(axis=0), full_matrices=False)
    return Vt[:k]


@pytest.mark.parametrize("candidate", [my_pca, pca_by_eigh, pca_signs_flipped, pca_u_times_s],
                         ids=["svd", "eigh, reversed", "signs flipped", "U S"])
def test_check_pca_passes_right_answers_whatever_the_signs(candidate, capsys):
    assert checks.check_pca(candidate)
    assert capsys.readouterr().out == "✓ pca: all 4 cases passed.\n"


@pytest.mark.parametrize("candidate, advice", [
    (pca_not_centred, "without subtracting its mean"),
    (pca_directions_uncentred, "directions come from the uncentred X"),
    (pca_whitened, "this is U[:, :k]"),
    (pca_eigh_order_forgotten, "the last k directions"),
    (pca_columns_of_vt, "uses the columns of Vt"),
], ids=["not centred", "directions uncentred", "whitened", "eigh ascending", "columns of Vt"])
def test_check_pca_names_the_mistake(candidate, advice, capsys):
    result = checks.check_pca(candidate)
    assert not result
    assert advice in capsys.readouterr().out


def test_check_pca_names_the_uncentred_projection_in_every_case(capsys):
    result = checks.check_pca(pca_projects_uncentred_rows)
    assert [f.split(" (")[0] for f in result.failures] == ["case 1", "case 2", "case 3", "case 4"]
    out = capsys.readouterr().out
    assert out.count("coordinates of the uncentred rows, X @ V") == 4
    assert "without subtracting its mean" not in out


def test_check_pca_says_reverse_for_the_right_directions_in_increasing_order(capsys):
    result = checks.check_pca(pca_eigh_last_k_increasing)
    # k = 1 (case 1): one direction has no order, so it is right
    assert [f.split(" (")[0] for f in result.failures] == ["case 2", "case 3", "case 4"]
    out = capsys.readouterr().out
    assert out.count("reverse the columns") == 3
    assert "those of least variance" not in out


def test_check_pca_reports_transposed_in_place_and_components(capsys):
    assert not checks.check_pca(pca_transposed)
    assert not checks.check_pca(pca_centres_in_place)
    assert not checks.check_pca(pca_components)
    out = capsys.readouterr().out
    assert "one row per example, (m, k), not (k, m)" in out
    assert "changed its input X in place" in out
    assert "returned shape (1, 2), expected shape (4, 1)" in out


def test_sign_alignment_flips_only_whole_columns():
    expected = np.array([[1.0, 2.0], [-1.0, 0.5], [0.0, -2.5]])
    got = expected * np.array([-1.0, 1.0])
    assert np.array_equal(checks._sign_aligned(got, expected), expected)
    mixed = expected.copy()
    mixed[0, 0] = -1.0  # one entry's sign wrong: no column flip makes it right
    assert not np.allclose(checks._sign_aligned(mixed, expected), expected)
