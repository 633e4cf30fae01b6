"""nnlib.metrics gives scikit-learn's numbers, warns never, and refuses bad input clearly.

Every comparison runs on many seeded random cases. Scores are drawn from a few values
so that ties are common (one threshold per distinct score), labels from a few classes
so that a class is often missing from y_pred or y_true. Counts must be equal; ratios
agree to ``rtol=1e-12``.
"""

from __future__ import annotations

import inspect
import warnings

import numpy as np
import pytest
import sklearn
from sklearn import metrics as skm

from nnlib import metrics
from nnlib._validate import NonFiniteError

SEEDS = range(30)
RTOL = 1e-12


def sklearn_quietly(func, *args, **kwargs):
    """scikit-learn's result, without its UndefinedMetricWarning (ours never warns)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return func(*args, **kwargs)


def ours_strictly(func, *args, **kwargs):
    """nnlib's result, failing on any warning and on any NumPy floating-point flag."""
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        return func(*args, **kwargs)


def same(func_name, *args, **kwargs):
    got = ours_strictly(getattr(metrics, func_name), *args, **kwargs)
    expected = sklearn_quietly(getattr(skm, func_name), *args, **kwargs)
    if isinstance(expected, tuple):
        assert isinstance(got, tuple) and len(got) == len(expected)
        for g, e in zip(got, expected):
            assert np.shape(g) == np.shape(e)
            np.testing.assert_allclose(g, e, rtol=RTOL, atol=0)
    else:
        assert np.shape(got) == np.shape(expected)
        np.testing.assert_allclose(got, expected, rtol=RTOL, atol=0)
    return got


def binary_case(seed):
    """Labels 0/1 (sometimes one class only) and scores: tied (few values), or continuous."""
    rng = np.random.default_rng(seed)
    m = int(rng.integers(1, 40))
    y = (rng.random(m) < rng.uniform(0.1, 0.9)).astype(int)
    if seed % 3 == 0:
        scores = rng.normal(size=m)
    else:
        scores = rng.integers(0, int(rng.integers(1, 6)), size=m) / 4  # ties, often many
    return y, scores


def multiclass_case(seed, n_classes=4):
    """Labels from a few classes; y_pred often misses a class that y_true has, and the other way round."""
    rng = np.random.default_rng(1000 + seed)
    m = int(rng.integers(1, 30))
    y_true = rng.integers(0, n_classes, size=m)
    y_pred = np.where(rng.random(m) < 0.5, y_true, rng.integers(0, n_classes - 1, size=m))
    return y_true, y_pred


def both_classes(y):
    return 0 < np.sum(y) < len(y)


# ------------------------------------------------- labels

@pytest.mark.parametrize("seed", SEEDS)
def test_accuracy_and_confusion_matrix_match_sklearn(seed):
    y_true, y_pred = multiclass_case(seed)
    same("accuracy_score", y_true, y_pred)
    got = ours_strictly(metrics.confusion_matrix, y_true, y_pred)
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got, sklearn_quietly(skm.confusion_matrix, y_true, y_pred))
    # a class that never occurs; a subset, in another order; one class
    for labels in ([0, 1, 2, 3, 4], sorted({3, int(y_true[0])}, reverse=True), [y_true[0]]):
        np.testing.assert_array_equal(ours_strictly(metrics.confusion_matrix, y_true, y_pred, labels=labels),
                                      sklearn_quietly(skm.confusion_matrix, y_true, y_pred, labels=labels))


def test_confusion_matrix_layout():
    # rows true, columns predicted: [[TN, FP], [FN, TP]]
    y_true = [0, 0, 0, 1, 1]
    y_pred = [0, 1, 1, 1, 0]
    np.testing.assert_array_equal(metrics.confusion_matrix(y_true, y_pred), [[1, 2], [1, 1]])
    # a Keras-style column (m, 1) and bools are read as labels, as scikit-learn reads them
    np.testing.assert_array_equal(metrics.confusion_matrix(np.array(y_true)[:, None], np.array(y_pred) == 1),
                                  [[1, 2], [1, 1]])


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("func", ["precision_score", "recall_score", "f1_score"])
def test_multiclass_averages_match_sklearn(seed, func):
    y_true, y_pred = multiclass_case(seed)
    for average in (None, "micro", "macro", "weighted"):
        for zero_division in ("warn", 0, 1):
            same(func, y_true, y_pred, average=average, zero_division=zero_division)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("func", ["precision_score", "recall_score", "f1_score"])
def test_binary_scores_match_sklearn(seed, func):
    y_true, scores = binary_case(seed)
    y_pred = (scores >= np.median(scores)).astype(int)
    for zero_division in ("warn", 0, 1):
        same(func, y_true, y_pred, zero_division=zero_division)
        same(func, y_true, y_pred, pos_label=0, zero_division=zero_division)
        same(func, 2 * y_true + 3, 2 * y_pred + 3, pos_label=5, zero_division=zero_division)  # classes 3 and 5


@pytest.mark.parametrize("func", ["precision_score", "recall_score", "f1_score"])
@pytest.mark.parametrize("y_true, y_pred", [
    ([0, 0, 0], [0, 0, 0]),  # no positive anywhere: every ratio is 0 / 0
    ([1, 1, 1], [1, 1, 1]),
    ([0, 0, 1], [0, 0, 0]),  # nothing predicted positive: precision is 0 / 0
    ([0, 0, 0], [0, 1, 0]),  # no positive example: recall is 0 / 0
    ([2, 2], [2, 2]),  # one class, not pos_label
])
def test_zero_divisions_match_sklearn_without_a_warning(func, y_true, y_pred):
    for zero_division in ("warn", 0, 1):
        same(func, y_true, y_pred, zero_division=zero_division)
        same(func, y_true, y_pred, average="macro", zero_division=zero_division)


def test_precision_recall_f1_by_hand():
    # TP = 1, FP = 2, FN = 1
    y_true, y_pred = [0, 0, 0, 1, 1], [0, 1, 1, 1, 0]
    assert metrics.precision_score(y_true, y_pred) == 1 / 3
    assert metrics.recall_score(y_true, y_pred) == 1 / 2
    assert metrics.f1_score(y_true, y_pred) == 2 / 5
    assert metrics.precision_score(y_true, y_pred, average="micro") == metrics.accuracy_score(y_true, y_pred) == 2 / 5


# ------------------------------------------------- curves

@pytest.mark.parametrize("seed", SEEDS)
def test_roc_curve_matches_sklearn(seed):
    y, scores = binary_case(seed)
    if not both_classes(y):
        pytest.skip("one class: scikit-learn returns nan, nnlib raises (tested below)")
    for drop in (True, False):
        fpr, tpr, thresholds = same("roc_curve", y, scores, drop_intermediate=drop)
        assert thresholds[0] == np.inf and (fpr[0], tpr[0], fpr[-1], tpr[-1]) == (0, 0, 1, 1)
    same("roc_curve", 1 - y, -scores)
    same("roc_curve", 2 * y - 1, scores)  # classes -1 and 1
    same("roc_curve", 3 * y + 4, scores, pos_label=4)
    same("roc_auc_score", y, scores)
    same("roc_auc_score", 5 * y + 2, scores)  # the larger class is positive


@pytest.mark.parametrize("seed", SEEDS)
def test_precision_recall_curve_and_average_precision_match_sklearn(seed):
    y, scores = binary_case(seed)  # here one class alone is fine: scikit-learn defines the result
    for drop in (True, False):
        precision, recall, thresholds = same("precision_recall_curve", y, scores, drop_intermediate=drop)
        assert (precision[-1], recall[-1]) == (1, 0) and len(precision) == len(thresholds) + 1
    same("precision_recall_curve", 3 * y + 4, scores, pos_label=7)
    same("average_precision_score", y, scores)
    same("average_precision_score", y, scores, pos_label=0)


def test_one_threshold_per_distinct_score():
    y = [0, 1, 1, 0, 1, 0]
    scores = [0.5, 0.5, 0.9, 0.1, 0.5, 0.9]  # three distinct scores
    fpr, tpr, thresholds = metrics.roc_curve(y, scores, drop_intermediate=False)
    np.testing.assert_array_equal(thresholds, [np.inf, 0.9, 0.5, 0.1])
    # score >= 0.9: one positive, one negative; >= 0.5: all three positives and two negatives
    np.testing.assert_array_equal(tpr, [0, 1 / 3, 1, 1])
    np.testing.assert_array_equal(fpr, [0, 1 / 3, 2 / 3, 1])


def test_curves_from_argmax_labels_collapse_to_one_point():
    # the mistake the chapter shows: labels instead of scores leave one threshold between 0 and 1
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, size=50)
    p = np.clip(0.3 * y + rng.uniform(0, 0.7, size=50), 0, 1)
    fpr, tpr, _ = metrics.roc_curve(y, (p >= 0.5).astype(int))
    assert len(fpr) == 3  # (0, 0), the one real point, (1, 1): the "triangle"
    assert len(metrics.roc_curve(y, p)[0]) > 3
    assert metrics.roc_auc_score(y, p) > metrics.roc_auc_score(y, (p >= 0.5).astype(int))


def test_average_precision_is_the_step_sum_not_the_trapezoid():
    y, scores = [0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]
    # recall steps 0 -> 0.5 at precision 1, then 0.5 -> 1 at precision 2/3
    assert metrics.average_precision_score(y, scores) == pytest.approx(0.5 * 1 + 0.5 * 2 / 3, rel=1e-15)


@pytest.mark.parametrize("seed", SEEDS)
def test_one_vs_rest_auc_matches_sklearn(seed):
    rng = np.random.default_rng(2000 + seed)
    m, k = int(rng.integers(6, 40)), int(rng.integers(3, 6))
    y = np.concatenate([np.arange(k), rng.integers(0, k, size=m - k)])  # every class present
    logits = rng.integers(0, 3, size=(m, k)) if seed % 2 else rng.normal(size=(m, k))
    probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    for average in ("macro", "weighted"):
        same("roc_auc_score", y, probabilities, multi_class="ovr", average=average)


@pytest.mark.parametrize("y, scores", [
    ([0, 0, 0], [0.2, 0.4, 0.4]),
    ([1, 1], [0.2, 0.7]),
    ([1], [0.3]),
])
def test_precision_recall_with_one_class_matches_sklearn(y, scores):
    same("precision_recall_curve", y, scores)
    same("average_precision_score", y, scores)


def test_the_installed_sklearn_is_the_one_this_module_matches():
    # thresholds[0] = inf since 1.3, and no points dropped after full recall; pyproject requires >= 1.4
    major, minor = (int(part) for part in sklearn.__version__.split(".")[:2])
    assert (major, minor) >= (1, 4)
    assert skm.roc_curve([0, 1], [0.2, 0.7])[2][0] == np.inf


# ------------------------------------------------- a negative control

def test_comparison_catches_a_strict_threshold(monkeypatch):
    """With "score > t" instead of "score ≥ t" the comparison with scikit-learn must fail."""
    def count_above(values, thresholds):
        values = np.sort(values)
        return len(values) - np.searchsorted(values, thresholds, side="right")

    monkeypatch.setattr(metrics, "_count_at_least", count_above)
    y, scores = [0, 1, 1, 0], [0.1, 0.5, 0.9, 0.5]
    for func in ("roc_curve", "precision_recall_curve", "average_precision_score", "roc_auc_score"):
        with pytest.raises((AssertionError, FloatingPointError)):  # wrong numbers, or 0 / 0 at the lowest threshold
            same(func, y, scores)


# ------------------------------------------------- bad input

M3 = [0, 1, 1]
CASES = {
    "different lengths": (lambda: metrics.accuracy_score([0, 1, 1], [0, 1]),
                          ValueError, r"accuracy_score: y_true has 3 entries but y_pred has 2"),
    "curve with different lengths": (lambda: metrics.roc_curve(M3, [0.1, 0.2]),
                                     ValueError, r"roc_curve: y_true has 3 entries but y_score has 2"),
    "one-hot labels": (lambda: metrics.confusion_matrix(np.eye(3), np.eye(3)),
                       ValueError, r"confusion_matrix: y_true must be 1-D class labels, one per example, got "
                                   r"shape \(3, 3\); .* y\.argmax\(axis=1\)"),
    "3-D labels": (lambda: metrics.accuracy_score(np.zeros((2, 2, 2)), np.zeros((2, 2, 2))),
                   ValueError, r"y_true must be 1-D class labels, one per example, got shape \(2, 2, 2\)$"),
    "probabilities as labels": (lambda: metrics.precision_score(M3, [0.2, 0.9, 0.6]),
                                ValueError, r"precision_score: y_pred must hold class labels .* got 0\.2 at "
                                            r"index 0; are these scores or probabilities\? .*argmax"),
    "a huge label": (lambda: metrics.accuracy_score([0, 1e300], [0, 1]),
                     ValueError, r"accuracy_score: y_true must hold class labels .* got 1e\+300 at index 1"),
    "nan label": (lambda: metrics.recall_score([0, np.nan], [0, 1]),
                  NonFiniteError, r"recall_score: y_true contains nan \(first at index 1\)"),
    "strings": (lambda: metrics.f1_score(["a", "b"], ["a", "b"]),
                TypeError, r"f1_score: y_true must hold numbers, got list with dtype <U1"),
    "empty": (lambda: metrics.accuracy_score([], []),
              ValueError, r"accuracy_score: y_true is empty"),
    "empty scores": (lambda: metrics.roc_curve([0], []),
                     ValueError, r"roc_curve: y_score is empty"),
    "unknown average": (lambda: metrics.f1_score(M3, M3, average="mean"),
                        ValueError, r"f1_score: average must be one of \['binary', 'micro', 'macro', 'weighted', "
                                    r"None\], got 'mean'"),
    "average='samples'": (lambda: metrics.recall_score(M3, M3, average="samples"),
                          ValueError, r"average must be one of .* got 'samples'"),
    "binary average on 3 classes": (lambda: metrics.precision_score([0, 1, 2], [0, 1, 1]),
                                    ValueError, r"precision_score: average='binary' needs two classes at most, "
                                                r"but y_true and y_pred hold 3: \[0, 1, 2\]; choose average="),
    "pos_label not a class": (lambda: metrics.recall_score([3, 5], [5, 5], pos_label=1),
                              ValueError, r"pos_label=1 is not one of the classes \[3, 5\]"),
    "zero_division=2": (lambda: metrics.precision_score(M3, M3, zero_division=2),
                        ValueError, r"zero_division must be 'warn', 0 or 1, got 2"),
    "zero_division=True": (lambda: metrics.precision_score(M3, M3, zero_division=True),
                           ValueError, r"zero_division must be 'warn', 0 or 1, got True"),
    "multi-class y_true for a curve": (lambda: metrics.roc_curve([0, 1, 2], [0.1, 0.5, 0.9]),
                                       ValueError, r"roc_curve: y_true holds the classes \[0, 1, 2\], .* pass "
                                                   r"y_true == k \(one-vs-rest\) or pos_label=k"),
    "classes 1 and 2 without pos_label": (
        lambda: metrics.precision_recall_curve([1, 2, 2], [0.1, 0.5, 0.9]),
        ValueError, r"precision_recall_curve: y_true holds the classes \[1, 2\]"),
    "multi-class y_true for average precision": (
        lambda: metrics.average_precision_score([0, 1, 2], [0.1, 0.5, 0.9]),
        ValueError, r"average_precision_score: y_true must hold two classes, got 3: \[0, 1, 2\]; .*y_true == k"),
    "average precision, pos_label not a class": (
        lambda: metrics.average_precision_score([3, 5], [0.1, 0.5]),
        ValueError, r"average_precision_score: pos_label=1 is not one of the classes \[3, 5\]"),
    "nan score": (lambda: metrics.roc_auc_score(M3, [0.1, np.nan, 0.3]),
                  NonFiniteError, r"roc_auc_score: y_score contains nan \(first at index \(1,\)\)"),
    "inf score": (lambda: metrics.roc_curve(M3, [0.1, np.inf, 0.3]),
                  NonFiniteError, r"roc_curve: y_score contains inf"),
    "two score columns": (lambda: metrics.roc_curve(M3, np.full((3, 2), 0.5)),
                          ValueError, r"roc_curve: y_score must be 1-D, one score per example, got shape \(3, 2\)\. "
                                      r"For two classes pass the positive class's column, y_score\[:, 1\]"),
    "ROC with negatives only": (lambda: metrics.roc_curve([0, 0], [0.1, 0.2]),
                                ValueError, r"roc_curve: every example in y_true is negative, so a ROC curve is "
                                            r"undefined"),
    "AUC with positives only": (lambda: metrics.roc_auc_score([1, 1], [0.1, 0.2]),
                                ValueError, r"roc_auc_score: every example in y_true is positive"),
    "AUC of 3 classes from 1-D scores": (
        lambda: metrics.roc_auc_score([0, 1, 2], [0.1, 0.2, 0.3]),
        ValueError, r"roc_auc_score: y_true holds 3 classes \[0, 1, 2\] but y_score is 1-D; .*multi_class='ovr'"),
    "AUC of 3 classes without multi_class": (
        lambda: metrics.roc_auc_score([0, 1, 2], np.eye(3)),
        ValueError, r"roc_auc_score: y_score has one column per class, so pass multi_class='ovr'"),
    "AUC ovo": (lambda: metrics.roc_auc_score([0, 1, 2], np.eye(3), multi_class="ovo"),
                ValueError, r"'ovo' is not implemented\), got multi_class='ovo'"),
    "AUC ovr micro": (lambda: metrics.roc_auc_score([0, 1, 2], np.eye(3), multi_class="ovr", average="micro"),
                      ValueError, r"average must be 'macro' or 'weighted' with multi_class='ovr', got 'micro'"),
    "AUC, columns and classes differ": (
        lambda: metrics.roc_auc_score([0, 1, 2], np.full((3, 4), 0.25), multi_class="ovr"),
        ValueError, r"y_score has 4 columns but y_true holds 3 classes \[0, 1, 2\]"),
    "AUC, two columns for two classes": (
        lambda: metrics.roc_auc_score([0, 1, 1], np.full((3, 2), 0.5)),
        ValueError, r"y_true holds two classes, so pass the positive class's scores, y_score\[:, 1\]"),
    "AUC ovr on logits": (lambda: metrics.roc_auc_score([0, 1, 2], 2 * np.eye(3), multi_class="ovr"),
                          ValueError, r"each row of y_score must hold probabilities that sum to 1"),
    "confusion matrix, labels absent from y_true": (
        lambda: metrics.confusion_matrix([0, 1], [0, 1], labels=[5, 6]),
        ValueError, r"confusion_matrix: none of labels \[5, 6\] occurs in y_true"),
    "confusion matrix, repeated labels": (
        lambda: metrics.confusion_matrix([0, 1], [0, 1], labels=[0, 0, 1]),
        ValueError, r"labels must not repeat a class, got \[0, 0, 1\]"),
    "ragged labels": (lambda: metrics.accuracy_score([[0, 1], [1]], [0, 1]),
                      ValueError, r"accuracy_score: y_true must be a rectangular array of numbers"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_gives_a_clear_error(name):
    call, error, message = CASES[name]
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        with pytest.raises(error, match=message):
            call()


PUBLIC = ["accuracy_score", "confusion_matrix", "precision_score", "recall_score", "f1_score", "roc_curve",
          "roc_auc_score", "precision_recall_curve", "average_precision_score"]


@pytest.mark.parametrize("name", PUBLIC)
def test_signatures_are_sklearns(name):
    """The same positional arguments, and keyword-only ones of the same names and defaults.

    Positional names are not compared: scikit-learn 1.4 calls precision_recall_curve's
    scores `probas_pred`, 1.5 and later `y_score`.
    """
    ours = list(inspect.signature(getattr(metrics, name)).parameters.values())
    theirs = list(inspect.signature(getattr(skm, name)).parameters.values())
    positional = [p for p in ours if p.kind is p.POSITIONAL_OR_KEYWORD]
    assert all(p.kind is p.POSITIONAL_OR_KEYWORD for p in theirs[:len(positional)])
    keyword_only = {p.name: p for p in theirs if p.kind is p.KEYWORD_ONLY}
    for parameter in ours[len(positional):]:
        assert parameter.kind is parameter.KEYWORD_ONLY and parameter.name in keyword_only
        assert parameter.default == keyword_only[parameter.name].default
