"""nnlib.checks for Part V's metrics: right answers pass, realistic wrong ones are reported, never raised."""

from __future__ import annotations

import numpy as np
import pytest

from nnlib import checks, metrics

# --- independent, correct implementations a learner might write ---------------------

def my_confusion_matrix(y_true, y_pred, n_classes):
    counts = np.zeros((n_classes, n_classes), dtype=int)
    for t, p in zip(y_true, y_pred):
        counts[t, p] += 1
    return counts


def my_roc_curve(y_true, scores):
    y_true, scores = np.asarray(y_true), np.asarray(scores)
    fpr, tpr = [0.0], [0.0]
    for t in sorted(set(scores.tolist()), reverse=True):
        predicted = scores >= t
        tpr.append(np.sum(predicted & (y_true == 1)) / np.sum(y_true == 1))
        fpr.append(np.sum(predicted & (y_true == 0)) / np.sum(y_true == 0))
    return np.array(fpr), np.array(tpr)


def nnlib_confusion_matrix(y_true, y_pred, n_classes):
    return metrics.confusion_matrix(y_true, y_pred, labels=range(n_classes))


def nnlib_roc_curve(y_true, scores):
    fpr, tpr, _ = metrics.roc_curve(y_true, scores, drop_intermediate=False)
    return fpr, tpr


def rebuild_array(out, change):
    return change(out)


def rebuild_pair(out, change):
    return tuple(change(a) for a in out)


EVERY_CHECK = [
    pytest.param(checks.check_confusion_matrix, my_confusion_matrix, rebuild_array, id="confusion_matrix"),
    pytest.param(checks.check_roc_curve, my_roc_curve, rebuild_pair, id="roc_curve"),
]


# --- right answers pass ----------------------------------------------------------------

@pytest.mark.parametrize("check, candidate", [
    (checks.check_confusion_matrix, my_confusion_matrix),
    (checks.check_confusion_matrix, nnlib_confusion_matrix),
    (checks.check_confusion_matrix, lambda t, p, n: my_confusion_matrix(t, p, n).tolist()),
    (checks.check_roc_curve, my_roc_curve),
    (checks.check_roc_curve, nnlib_roc_curve),
    (checks.check_roc_curve, lambda y, s: [list(a) for a in my_roc_curve(y, s)]),
], ids=["my confusion", "nnlib confusion", "confusion as lists", "my roc", "nnlib roc", "roc as lists"])
def test_right_answers_pass(check, candidate, capsys):
    result = check(candidate)
    out = capsys.readouterr().out
    assert result and result.failures == []
    assert "✗" not in out and out.count("✓") == (2 if check is checks.check_roc_curve else 1)


def test_the_references_are_nnlib_metrics():
    # the checks compare with nnlib.metrics, which tests/test_metrics.py compares with scikit-learn
    y, p = np.array([0, 2, 1, 2]), np.array([0, 1, 1, 2])
    np.testing.assert_array_equal(checks._confusion_reference(y, p, 4), metrics.confusion_matrix(y, p, labels=range(4)))
    y, s = np.array([0, 1, 1, 0]), np.array([0.3, 0.3, 0.9, 0.1])
    fpr, tpr = checks._roc_reference(y, s)
    np.testing.assert_array_equal(fpr, [0, 0, 0.5, 1])
    np.testing.assert_array_equal(tpr, [0, 0.5, 1, 1])


# --- the generic guarantees every check gives ------------------------------------------

def answer(right, rebuild, change):
    return lambda *args: rebuild(right(*args), change)


@pytest.mark.parametrize("check, right, rebuild", EVERY_CHECK)
def test_rounding_differences_pass(check, right, rebuild, capsys):
    assert check(answer(right, rebuild, lambda a: np.asarray(a) * (1 + 1e-9) + 1e-12))


@pytest.mark.parametrize("check, right, rebuild", EVERY_CHECK)
def test_an_answer_off_by_a_constant_fails_every_case(check, right, rebuild, capsys):
    result = check(answer(right, rebuild, lambda a: np.asarray(a) + 0.01))
    assert len(result.failures) == result.n_cases
    assert all("largest difference 1.00e-02" in f for f in result.failures)


@pytest.mark.parametrize("check, right, rebuild", EVERY_CHECK)
def test_an_input_changed_in_place_is_reported(check, right, rebuild, capsys):
    def right_but_changes_its_second_input(*args):
        out = right(*args)
        args[1][0] += 1
        return out

    result = check(right_but_changes_its_second_input)
    assert len(result.failures) == result.n_cases
    assert all("changed its input" in f and "in place" in f for f in result.failures)


class NoArray:
    def __array__(self, dtype=None, copy=None):
        raise RuntimeError("no array here")


@pytest.mark.parametrize("check, right, rebuild", EVERY_CHECK)
def test_a_result_that_is_no_array_is_reported(check, right, rebuild, capsys):
    result = check(answer(right, rebuild, lambda a: NoArray()))
    assert len(result.failures) == result.n_cases
    assert all("(RuntimeError: no array here)" in f for f in result.failures)


@pytest.mark.parametrize("check, right, rebuild", EVERY_CHECK)
def test_a_crash_is_reported_not_raised(check, right, rebuild, capsys):
    def crashes(*args):
        raise KeyError("oops")

    result = check(crashes)
    assert len(result.failures) == result.n_cases
    assert all("raised KeyError: 'oops'" in f for f in result.failures)


@pytest.mark.parametrize("check, right, rebuild", EVERY_CHECK)
def test_an_endless_loop_is_stopped(check, right, rebuild, capsys, monkeypatch):
    monkeypatch.setattr(checks, "TIME_LIMIT", 0.05)

    def endless(*args):
        while True:
            pass

    result = check(endless)
    out = capsys.readouterr().out
    assert not result
    assert "took longer than 0.05 s on case 1 and was stopped" in out and " not run." in out


@pytest.mark.parametrize("check, right, rebuild", EVERY_CHECK)
def test_a_value_instead_of_a_function_is_reported(check, right, rebuild, capsys):
    result = check(np.zeros((2, 2)))
    assert result.failures == ["not a function"]
    assert "pass it without calling it" in capsys.readouterr().out


def test_a_none_is_reported(capsys):
    result = checks.check_roc_curve(lambda y, s: None)
    assert result.failures == ["returned None"]
    assert checks.check_confusion_matrix(lambda y, p, n: None).failures[0].endswith("is a `return` statement missing?")


# --- realistic wrong confusion matrices -------------------------------------------------

def confusion_transposed(y_true, y_pred, n_classes):
    return my_confusion_matrix(y_pred, y_true, n_classes)  # rows predicted, columns true


def confusion_one_based(y_true, y_pred, n_classes):
    counts = np.zeros((n_classes, n_classes), dtype=int)
    for t, p in zip(y_true, y_pred):
        counts[t - 1, p - 1] += 1  # classes taken as 1 .. n: class 0 lands in the last row
    return counts


def confusion_one_class_short(y_true, y_pred, n_classes):
    return my_confusion_matrix(y_true, y_pred, n_classes - 1)  # off by one in the size


def confusion_of_the_classes_that_occur(y_true, y_pred, n_classes):
    classes = np.unique(np.concatenate([y_true, y_pred]))  # drops a class that never occurs
    return np.array([[np.sum((y_true == i) & (y_pred == j)) for j in classes] for i in classes])


def confusion_normalised(y_true, y_pred, n_classes):
    counts = my_confusion_matrix(y_true, y_pred, n_classes)
    return counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)  # each row: fractions of the true class


def confusion_over_all_examples(y_true, y_pred, n_classes):
    return my_confusion_matrix(y_true, y_pred, n_classes) / len(y_true)


@pytest.mark.parametrize("candidate, failing, message", [
    (confusion_transposed, ["case 1", "case 2", "case 3", "case 4", "case 6"],  # case 5 is diagonal
     "case 1 (two classes, 5 examples: [[TN, FP], [FN, TP]] = [[1, 2], [1, 1]]): expected [[1., 2.],\n"),
    (confusion_one_based, ["case 1", "case 2", "case 3", "case 4", "case 5", "case 6"], "expected [["),
    (confusion_one_class_short, ["case 1", "case 2", "case 3", "case 4", "case 5", "case 6"],
     "raised IndexError: index 1 is out of bounds"),
    (confusion_of_the_classes_that_occur, ["case 3"],
     "case 3 (4 classes, class 3 never occurs: its row and column are zeros): returned shape (3, 3), expected "
     "shape (4, 4): the matrix is n_classes × n_classes, with a row and a column (of zeros) even for a class "
     "that never occurs"),
    (confusion_normalised, ["case 1", "case 2", "case 3", "case 4", "case 5", "case 6"],
     "entries must be counts (whole numbers), not fractions; leave out the division"),
    (confusion_over_all_examples, ["case 1", "case 2", "case 3", "case 4", "case 5", "case 6"],
     "not fractions"),
], ids=["transposed", "classes counted from 1", "one class too few", "absent class dropped",
        "rows normalised", "divided by m"])
def test_check_confusion_matrix_catches_wrong_answers(candidate, failing, message, capsys):
    result = checks.check_confusion_matrix(candidate)
    out = capsys.readouterr().out
    assert [f.split(" (")[0] for f in result.failures] == failing
    assert message in out


def test_a_transposed_matrix_is_named(capsys):
    result = checks.check_confusion_matrix(confusion_transposed)
    assert all(f.endswith("this is the transpose; row i is the true class i, column j the predicted class j")
               for f in result.failures)


# --- realistic wrong ROC curves ---------------------------------------------------------

def roc_strict(y_true, scores):
    y_true, scores = np.asarray(y_true), np.asarray(scores)
    fpr, tpr = [0.0], [0.0]
    for t in sorted(set(scores.tolist()), reverse=True):
        predicted = scores > t  # ">" instead of "≥"
        tpr.append(np.sum(predicted & (y_true == 1)) / np.sum(y_true == 1))
        fpr.append(np.sum(predicted & (y_true == 0)) / np.sum(y_true == 0))
    return np.array(fpr), np.array(tpr)


def roc_swapped(y_true, scores):
    fpr, tpr = my_roc_curve(y_true, scores)
    return tpr, fpr


def roc_divided_by_m(y_true, scores):
    y_true, scores = np.asarray(y_true), np.asarray(scores)
    fpr, tpr = [0.0], [0.0]
    for t in sorted(set(scores.tolist()), reverse=True):
        predicted = scores >= t
        tpr.append(np.sum(predicted & (y_true == 1)) / len(y_true))
        fpr.append(np.sum(predicted & (y_true == 0)) / len(y_true))
    return np.array(fpr), np.array(tpr)


def roc_from_labels(y_true, scores):
    return my_roc_curve(y_true, (np.asarray(scores) >= 0.5).astype(int))  # arg-max labels, not scores


def roc_one_point_per_example(y_true, scores):
    y_true, scores = np.asarray(y_true), np.asarray(scores)
    fpr, tpr = [0.0], [0.0]
    for k in np.argsort(-scores, kind="stable"):  # ties split into several points
        tpr.append(tpr[-1] + (y_true[k] == 1) / np.sum(y_true == 1))
        fpr.append(fpr[-1] + (y_true[k] == 0) / np.sum(y_true == 0))
    return np.array(fpr), np.array(tpr)


def roc_without_the_start(y_true, scores):
    fpr, tpr = my_roc_curve(y_true, scores)
    return fpr[1:], tpr[1:]


def roc_ascending_thresholds(y_true, scores):
    fpr, tpr = my_roc_curve(y_true, scores)
    return fpr[::-1], tpr[::-1]


ALL = ["case 1", "case 2", "case 3", "case 4", "case 5", "case 6"]


@pytest.mark.parametrize("candidate, fpr_failing, tpr_failing", [
    (roc_strict, ALL, ALL),
    (roc_swapped, ALL, ALL),
    (roc_divided_by_m, ALL, ALL),
    (roc_from_labels, ALL, ALL),
    (roc_one_point_per_example, ["case 2", "case 5"], ["case 2", "case 5"]),
    (roc_without_the_start, ALL, ALL),
    (roc_ascending_thresholds, ALL, ALL),
], ids=["score > t", "fpr and tpr swapped", "divided by m", "from 0/1 labels", "ties split",
        "no (0, 0) start", "thresholds increasing"])
def test_check_roc_curve_catches_wrong_answers(candidate, fpr_failing, tpr_failing, capsys):
    result = checks.check_roc_curve(candidate)
    failed = {part: [f.split(": ")[1].split(" (")[0] for f in result.failures if f.startswith(part + ":")]
              for part in ("fpr", "tpr")}
    assert failed == {"fpr": fpr_failing, "tpr": tpr_failing}


def test_check_roc_curve_explains_a_curve_from_labels(capsys):
    checks.check_roc_curve(roc_from_labels)
    out = capsys.readouterr().out
    assert ("case 6 (30 predicted probabilities): returned shape (3,), expected shape (31,): expected one point "
            "per distinct score (tied scores give one point), after the (0, 0) start; are the scores turned into 0/1 "
            "labels first?") in out


def test_check_roc_curve_reports_a_triple_like_sklearn(capsys):
    result = checks.check_roc_curve(lambda y, s: metrics.roc_curve(y, s, drop_intermediate=False))
    assert len(result.failures) == result.n_cases == 12
    assert all(f.endswith("expected a tuple (fpr, tpr), got tuple of length 3") for f in result.failures)


def test_check_roc_curve_explains_a_strict_threshold_and_split_ties(capsys):
    strict = checks.check_roc_curve(roc_strict)
    assert all(f.endswith("each value is the one expected a threshold earlier: an example is predicted positive "
                          "when its score is ≥ the threshold, not >") for f in strict.failures)
    split = checks.check_roc_curve(roc_one_point_per_example)
    assert all("returned shape (7,), expected shape (4,): expected one point per distinct score (tied scores give "
               "one point), after the (0, 0) start" in f for f in split.failures if "case 2" in f)


def test_a_normalised_diagonal_is_called_fractions(capsys):
    # every prediction right: row-normalising gives the identity, whole numbers, yet not the counts
    result = checks.check_confusion_matrix(confusion_normalised)
    case5 = next(f for f in result.failures if f.startswith("case 5"))
    assert "each pair (true, predicted) counts once here" in case5


def fancy_index_increment(y_true, y_pred, n_classes):
    M = np.zeros((n_classes, n_classes), dtype=int)
    M[y_true, y_pred] += 1  # adds once per distinct pair, not once per example
    return M


def test_a_fancy_index_increment_is_named():
    result = checks.check_confusion_matrix(fancy_index_increment)
    assert not result
    assert any("np.add.at" in f for f in result.failures)


def test_check_roc_curve_names_fpr_and_tpr_swapped(capsys):
    # checked before the "≥ the threshold, not >" advice, which a swapped pair may also seem to fit
    result = checks.check_roc_curve(roc_swapped)
    assert len(result.failures) == result.n_cases == 12
    order = "return (fpr, tpr) in that order, the false-positive rate first, as scikit-learn's roc_curve does"
    for f in result.failures:
        mine, other = ("fpr", "tpr") if f.startswith("fpr:") else ("tpr", "fpr")
        assert f"this is {other}, not {mine}" in f and order in f
    # where the swapped part also equals the right one a threshold late (case 1's tpr), both are named
    ambiguous = [f for f in result.failures if "not >" in f]
    assert [f.split(" (")[0] for f in ambiguous] == ["tpr: case 1"]
    assert ambiguous[0].endswith(f"this is fpr, not tpr ({order}), or else each value is the one expected a "
                                 "threshold earlier: an example is predicted positive when its score is ≥ the "
                                 "threshold, not >")


def test_check_roc_curve_names_drop_intermediate(capsys):
    # scikit-learn's roc_curve drops collinear points by default: a learner who calls it gets fewer points
    import sklearn.metrics

    for candidate in (lambda y, s: sklearn.metrics.roc_curve(y, s)[:2], lambda y, s: metrics.roc_curve(y, s)[:2]):
        result = checks.check_roc_curve(candidate)
        failed = [f.split(": ")[1].split(" (")[0] for f in result.failures]
        assert failed == ["case 3", "case 4", "case 5", "case 6"] * 2
        assert all(f.endswith("points on a straight line between their neighbours are left out, as roc_curve "
                              "does by default; pass drop_intermediate=False to keep one point per distinct score")
                   for f in result.failures)
        assert "0/1 labels" not in capsys.readouterr().out
