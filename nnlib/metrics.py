"""Classification metrics: how good is a classifier, beyond its loss?

The same names, arguments and results as scikit-learn's `sklearn.metrics`
(Pedregosa et al., 2011), written out in NumPy so that you can read them.

Pick one class and call it *positive* (label `pos_label`, e.g. "this digit is a 3");
every other class is *negative*. Each example then falls in one of four boxes:

- TP, true positives: positive examples predicted positive;
- FP, false positives: negative examples predicted positive;
- FN, false negatives: positive examples predicted negative;
- TN, true negatives: negative examples predicted negative.

From these counts:

- precision = TP / (TP + FP): of the examples predicted positive, the fraction that are;
- recall = TP / (TP + FN), also the true-positive rate TPR: of the positive examples,
  the fraction the classifier finds;
- false-positive rate FPR = FP / (FP + TN): of the negative examples, the fraction flagged;
- F1 = 2 TP / (2 TP + FP + FN), the harmonic mean of precision and recall.

A classifier that outputs a *score* (a probability, a logit) predicts positive when
score ≥ threshold. Each threshold gives one set of counts; sweeping the threshold
over every distinct score traces the ROC curve (FPR, TPR) and the precision–recall
curve. These curves need the scores themselves: labels (0/1, or an arg-max) have a
single threshold between them, so they give one point, not a curve.

Where a ratio would divide by zero (precision when nothing is predicted positive),
scikit-learn warns and returns 0.0; nnlib returns 0.0 (or 1.0 with
``zero_division=1``) without a warning. Where scikit-learn returns nan with a warning
(a ROC curve when y_true holds one class only), nnlib raises a ValueError saying why.

The results are those of scikit-learn 1.4 and later, which pyproject.toml requires
(tests/test_metrics.py compares them): `roc_curve`'s first threshold is ``np.inf`` (since
1.3), and `precision_recall_curve` keeps the thresholds past full recall (older versions
stopped there). scikit-learn 1.4 and 1.5 raise a ValueError for the AUC of one class,
as nnlib does; 1.6 and later return nan.
"""

from __future__ import annotations

import numbers

import numpy as np

from ._validate import NonFiniteError, as_float_array

AVERAGES = ("binary", "micro", "macro", "weighted", None)


# ------------------------------------------------- labels: accuracy, confusion matrix, precision, recall, F1

def accuracy_score(y_true, y_pred) -> float:
    """The fraction of examples whose predicted label equals the true one.

    Parameters
    ----------
    y_true, y_pred : array_like of shape (m,)
        Class labels (integers, e.g. 0 to 9 for digits), one per example.
    """
    y_true, y_pred = _label_pair(y_true, y_pred, "accuracy_score")
    return float(np.mean(y_true == y_pred))


def confusion_matrix(y_true, y_pred, *, labels=None) -> np.ndarray:
    """Count each (true class, predicted class) pair: row i, column j counts true i predicted j.

    The diagonal holds the correct predictions; row i sums to the number of examples
    of class i; column j sums to the number predicted as class j. For two classes
    (0 negative, 1 positive) the matrix is ``[[TN, FP], [FN, TP]]``.

    Parameters
    ----------
    y_true, y_pred : array_like of shape (m,)
        Class labels, one per example.
    labels : array_like, optional
        The classes, in the order of the rows and columns. By default every class that
        appears in `y_true` or `y_pred`, sorted. Pass ``range(10)`` to get all ten
        digits even when one never occurs; examples whose classes are not in `labels`
        are left out.

    Returns
    -------
    ndarray of int64, shape (n_classes, n_classes)
    """
    func = "confusion_matrix"
    y_true, y_pred = _label_pair(y_true, y_pred, func)
    labels = _classes(y_true, y_pred) if labels is None else _given_labels(labels, y_true, func)
    row_of = {label: k for k, label in enumerate(labels.tolist())}
    matrix = np.zeros((len(labels), len(labels)), dtype=np.int64)
    for true, predicted in zip(y_true.tolist(), y_pred.tolist()):
        if true in row_of and predicted in row_of:
            matrix[row_of[true], row_of[predicted]] += 1
    return matrix


def precision_score(y_true, y_pred, *, pos_label=1, average="binary", zero_division="warn"):
    """Precision TP / (TP + FP): of the examples predicted positive, the fraction that are.

    Parameters
    ----------
    y_true, y_pred : array_like of shape (m,)
        Class labels, one per example.
    pos_label : int
        The positive class when ``average="binary"``.
    average : {"binary", "micro", "macro", "weighted", None}
        How to combine classes. "binary": the score of `pos_label` alone (two classes at
        most). Otherwise each class in turn is positive: None returns one score per
        class (sorted by label); "macro" their plain mean; "weighted" their mean
        weighted by each class's number of true examples (its *support*); "micro"
        the score of the summed counts (for one label per example this equals accuracy).
    zero_division : {"warn", 0, 1}
        The score when TP + FP = 0. "warn" gives 0.0, as in scikit-learn, but without a warning.

    Returns
    -------
    float, or ndarray of shape (n_classes,) when ``average=None``
    """
    func = "precision_score"
    tp, predicted, actual = _class_counts(func, y_true, y_pred, pos_label, average)
    per_class = _divide(tp, predicted, _zero_division_value(zero_division, func))  # TP / (TP + FP)
    return _average(per_class, actual, average)


def recall_score(y_true, y_pred, *, pos_label=1, average="binary", zero_division="warn"):
    """Recall TP / (TP + FN): of the positive examples, the fraction predicted positive.

    The arguments are those of `precision_score`; `zero_division` is the score when
    TP + FN = 0 (no positive example).
    """
    func = "recall_score"
    tp, predicted, actual = _class_counts(func, y_true, y_pred, pos_label, average)
    per_class = _divide(tp, actual, _zero_division_value(zero_division, func))  # TP / (TP + FN)
    return _average(per_class, actual, average)


def f1_score(y_true, y_pred, *, pos_label=1, average="binary", zero_division="warn"):
    """F1 = 2 TP / (2 TP + FP + FN), the harmonic mean of precision and recall.

    The arguments are those of `precision_score`; `zero_division` is the score when
    TP + FP + FN = 0. "macro" averages the classes' F1 scores (not the F1 of the
    averaged precision and recall).
    """
    func = "f1_score"
    tp, predicted, actual = _class_counts(func, y_true, y_pred, pos_label, average)
    # predicted + actual = (TP + FP) + (TP + FN) = 2 TP + FP + FN
    per_class = _divide(2 * tp, predicted + actual, _zero_division_value(zero_division, func))
    return _average(per_class, actual, average)


def _class_counts(func: str, y_true, y_pred, pos_label, average):
    """TP, TP + FP and TP + FN for each class scored.

    The classes scored are `pos_label` alone for "binary", otherwise every class in
    y_true or y_pred; "micro" sums their counts.
    """
    y_true, y_pred = _label_pair(y_true, y_pred, func)
    if not (average is None or (isinstance(average, str) and average in AVERAGES)):
        raise ValueError(f"{func}: average must be one of {list(AVERAGES)}, got {average!r}")
    labels = _classes(y_true, y_pred)
    if average == "binary":
        labels = _binary_labels(labels, pos_label, func)
    tp, predicted, actual = _counts_per_class(y_true, y_pred, labels)
    if average == "micro":
        return tp.sum(keepdims=True), predicted.sum(keepdims=True), actual.sum(keepdims=True)
    return tp, predicted, actual


def _average(per_class: np.ndarray, actual: np.ndarray, average):
    """The scores of the classes as they are (None), weighted by support ("weighted"), or their mean."""
    if average is None:
        return per_class
    if average == "weighted":
        return float(np.sum(per_class * actual) / np.sum(actual))
    return float(np.mean(per_class))  # "binary" and "micro" have one score; "macro" is the plain mean


def _counts_per_class(y_true, y_pred, labels):
    """For each class c in `labels`, taken as positive: TP, TP + FP (predicted c) and TP + FN (truly c)."""
    tp = np.array([np.sum((y_true == c) & (y_pred == c)) for c in labels], dtype=float)
    predicted = np.array([np.sum(y_pred == c) for c in labels], dtype=float)
    actual = np.array([np.sum(y_true == c) for c in labels], dtype=float)
    return tp, predicted, actual


def _divide(numerator: np.ndarray, denominator: np.ndarray, if_zero: float) -> np.ndarray:
    """numerator / denominator, and `if_zero` where the denominator is 0 (no NumPy warning)."""
    safe = np.where(denominator > 0, denominator, 1.0)
    return np.where(denominator > 0, numerator / safe, if_zero)


def _zero_division_value(zero_division, func: str) -> float:
    if isinstance(zero_division, str) and zero_division == "warn":
        return 0.0
    if isinstance(zero_division, numbers.Real) and not isinstance(zero_division, bool) \
            and zero_division in (0, 1):
        return float(zero_division)
    raise ValueError(f"{func}: zero_division must be 'warn', 0 or 1, got {zero_division!r}")


def _binary_labels(labels: np.ndarray, pos_label, func: str) -> np.ndarray:
    """The one class scored with ``average="binary"``: `pos_label`, if y_true and y_pred allow it."""
    if len(labels) > 2:
        raise ValueError(f"{func}: average='binary' needs two classes at most, but y_true and y_pred "
                         f"hold {len(labels)}: {labels.tolist()}; choose average=None, 'macro', "
                         "'weighted' or 'micro'")
    if pos_label not in labels.tolist() and len(labels) == 2:
        raise ValueError(f"{func}: pos_label={pos_label!r} is not one of the classes {labels.tolist()}; "
                         "pass the positive class as pos_label")
    return np.array([pos_label])


# ------------------------------------------------- scores: ROC and precision-recall curves

def roc_curve(y_true, y_score, *, pos_label=None, drop_intermediate=True):
    """The ROC curve: false-positive rate against true-positive rate, one point per threshold.

    At threshold t the classifier predicts positive when score ≥ t. The thresholds are
    the distinct scores, from highest to lowest, after ``np.inf`` (nothing predicted
    positive): the curve runs from (0, 0) to (1, 1).

    Parameters
    ----------
    y_true : array_like of shape (m,)
        Two classes: 0 and 1 (or -1 and 1), or any two with `pos_label` naming the positive one.
    y_score : array_like of shape (m,)
        A score per example, higher meaning "more likely positive": the predicted
        probability of the positive class, not a 0/1 label.
    pos_label : int, optional
        The positive class; by default 1.
    drop_intermediate : bool
        Leave out thresholds whose point lies on a straight segment between its
        neighbours, as scikit-learn does by default; they change neither the plot nor the area.

    Returns
    -------
    fpr, tpr : ndarray of shape (n_points,)
        FP / (FP + TN) and TP / (TP + FN) at each threshold, both increasing.
    thresholds : ndarray of shape (n_points,)
        Decreasing; ``thresholds[0]`` is ``np.inf``.
    """
    func = "roc_curve"
    positive, y_score = _binary_inputs(y_true, y_score, pos_label, func)
    _need_both_classes(positive, func)
    fps, tps, thresholds = _counts_at_thresholds(positive, y_score)
    if drop_intermediate and len(fps) > 2:
        # keep the ends and every corner: a point whose slope differs on either side
        corner = np.concatenate([[True], (np.diff(fps, 2) != 0) | (np.diff(tps, 2) != 0), [True]])
        fps, tps, thresholds = fps[corner], tps[corner], thresholds[corner]
    fps, tps = np.concatenate([[0.0], fps]), np.concatenate([[0.0], tps])
    thresholds = np.concatenate([[np.inf], thresholds])
    return fps / fps[-1], tps / tps[-1], thresholds


def precision_recall_curve(y_true, y_score, *, pos_label=None, drop_intermediate=False):
    """Precision and recall at each threshold t (predict positive when score ≥ t).

    The thresholds are the distinct scores, increasing. The arrays end with the point
    precision 1, recall 0, which has no threshold (above every score, nothing is
    predicted positive; scikit-learn calls that precision 1). So `precision` and
    `recall` have one more entry than `thresholds`.

    Parameters
    ----------
    y_true, y_score, pos_label
        As in `roc_curve`. (scikit-learn before 1.5 named `y_score` ``probas_pred``.)
    drop_intermediate : bool
        Leave out thresholds where the recall stays the same on both sides (a vertical
        stretch of the curve keeps only its two ends), as scikit-learn's option does.

    Returns
    -------
    precision : ndarray
        TP / (TP + FP) at each threshold, then 1.
    recall : ndarray
        TP / (TP + FN) at each threshold (decreasing), then 0. If y_true holds no positive
        example, scikit-learn sets recall to 1 everywhere (and warns); so does nnlib, silently.
    thresholds : ndarray
        The distinct scores, increasing.
    """
    func = "precision_recall_curve"
    positive, y_score = _binary_inputs(y_true, y_score, pos_label, func)
    fps, tps, thresholds = _counts_at_thresholds(positive, y_score)
    if drop_intermediate and len(fps) > 2:
        # keep a point unless TP is the same at the point before and the point after
        changes = (np.diff(tps[:-1]) != 0) | (np.diff(tps[1:]) != 0)
        keep = np.concatenate([[True], changes, [True]])
        fps, tps, thresholds = fps[keep], tps[keep], thresholds[keep]
    precision = tps / (tps + fps)  # never 0 / 0: at every threshold some example is predicted positive
    recall = tps / tps[-1] if tps[-1] > 0 else np.ones_like(tps)
    # reversed, so that recall decreases and the thresholds increase
    return (np.concatenate([precision[::-1], [1.0]]), np.concatenate([recall[::-1], [0.0]]),
            thresholds[::-1])


def average_precision_score(y_true, y_score, *, pos_label=1) -> float:
    """Average precision: AP = Σ (Rₙ − Rₙ₋₁) Pₙ over the thresholds of the precision-recall curve.

    Each threshold's precision Pₙ is weighted by how much recall it adds, Rₙ − Rₙ₋₁: the
    area under the curve drawn as steps, as scikit-learn computes it (not the
    interpolated AP of information retrieval, and not the trapezoidal area).

    Parameters
    ----------
    y_true : array_like of shape (m,)
        Two classes at most.
    y_score : array_like of shape (m,)
        A score per example, higher meaning "more likely positive".
    pos_label : int
        The positive class.
    """
    func = "average_precision_score"
    y_true = _labels(y_true, "y_true", func)
    classes = np.unique(y_true)
    if len(classes) > 2:
        raise ValueError(f"{func}: y_true must hold two classes, got {len(classes)}: {classes.tolist()}; "
                         "for class k against the rest, pass y_true == k (one-vs-rest)")
    if len(classes) == 2 and pos_label not in classes.tolist():
        raise ValueError(f"{func}: pos_label={pos_label!r} is not one of the classes {classes.tolist()}")
    precision, recall, _ = precision_recall_curve(y_true, y_score, pos_label=pos_label)
    # recall decreases along the arrays, so -diff(recall) is each threshold's gain in recall
    return float(max(0.0, -np.sum(np.diff(recall) * precision[:-1])))


def roc_auc_score(y_true, y_score, *, average="macro", multi_class="raise") -> float:
    """The area under the ROC curve (AUC).

    It is the probability that a random positive example scores higher than a random
    negative one (ties count one half): 1 for a perfect ranking, 0.5 for scores that
    know nothing.

    Parameters
    ----------
    y_true : array_like of shape (m,)
        Two classes (the larger label is positive), or k classes with ``multi_class="ovr"``.
    y_score : array_like of shape (m,) or (m, k)
        A score per example; for k classes, each class's probability (rows sum to 1),
        columns in the order of the sorted classes.
    average : {"macro", "weighted"}
        With ``multi_class="ovr"``: the plain mean of the k one-vs-rest AUCs (class c
        positive, the rest negative), or their mean weighted by each class's number of examples.
    multi_class : {"raise", "ovr"}
        "raise" refuses k > 2 classes, as in scikit-learn; "ovr" is one-vs-rest.
    """
    func = "roc_auc_score"
    y_true = _labels(y_true, "y_true", func)
    y_score = _scores(y_score, func, ndims=(1, 2))
    _same_length(y_true, y_score, "y_true", "y_score", func)
    classes = np.unique(y_true)
    if y_score.ndim == 1:
        if len(classes) > 2:
            raise ValueError(f"{func}: y_true holds {len(classes)} classes {classes.tolist()} but y_score is 1-D; "
                             "pass one column of scores per class with multi_class='ovr', or y_true == k "
                             "for class k against the rest")
        return _binary_auc(y_true == classes[-1], y_score, func)
    return _ovr_auc(y_true, y_score, classes, average, multi_class, func)


def _binary_auc(positive: np.ndarray, y_score: np.ndarray, func: str) -> float:
    _need_both_classes(positive, func)
    fpr, tpr, _ = roc_curve(positive, y_score)
    return _area(fpr, tpr)


def _ovr_auc(y_true, y_score, classes, average, multi_class, func: str) -> float:
    """The one-vs-rest AUCs of each class c (y_true == c against y_score[:, c]), averaged."""
    if len(classes) == 2 and y_score.shape[1] == 2:
        raise ValueError(f"{func}: y_true holds two classes, so pass the positive class's scores, "
                         "y_score[:, 1], as a 1-D array")
    if multi_class != "ovr":
        raise ValueError(f"{func}: y_score has one column per class, so pass multi_class='ovr' "
                         f"(one-vs-rest; 'ovo' is not implemented), got multi_class={multi_class!r}")
    if average not in ("macro", "weighted"):
        raise ValueError(f"{func}: average must be 'macro' or 'weighted' with multi_class='ovr', got {average!r}")
    if y_score.shape[1] != len(classes):
        raise ValueError(f"{func}: y_score has {y_score.shape[1]} columns but y_true holds {len(classes)} "
                         f"classes {classes.tolist()}; expected one column per class present in y_true")
    if not np.allclose(y_score.sum(axis=1), 1.0):
        raise ValueError(f"{func}: with multi_class='ovr' each row of y_score must hold probabilities "
                         "that sum to 1 (e.g. a softmax output), as scikit-learn requires")
    aucs = np.array([_binary_auc(y_true == c, y_score[:, k], func) for k, c in enumerate(classes)])
    if average == "weighted":
        support = np.array([np.sum(y_true == c) for c in classes])
        return float(np.sum(aucs * support) / np.sum(support))
    return float(np.mean(aucs))


def _area(x: np.ndarray, y: np.ndarray) -> float:
    """The area under the broken line through the points (x, y), x increasing: the trapezoidal rule."""
    return float(np.sum(np.diff(x) * (y[1:] + y[:-1]) / 2))


def _counts_at_thresholds(positive: np.ndarray, y_score: np.ndarray):
    """FP and TP at each threshold t: the examples with score ≥ t are predicted positive.

    The thresholds are the distinct scores, highest first: every example whose score
    ties with t is predicted positive together, so ties give one point, not several.

    Returns
    -------
    fps, tps : ndarray of float, both increasing
        The negative (positive) examples scoring ≥ each threshold.
    thresholds : ndarray
        The distinct scores, decreasing.
    """
    thresholds = np.unique(y_score)[::-1]
    tps = _count_at_least(y_score[positive], thresholds)
    fps = _count_at_least(y_score[~positive], thresholds)
    return fps.astype(float), tps.astype(float), thresholds


def _count_at_least(values: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """How many of `values` are ≥ each threshold.

    In the sorted values, ``searchsorted(side="left")`` finds the first one ≥ t;
    everything from there on counts.
    """
    values = np.sort(values)
    return len(values) - np.searchsorted(values, thresholds, side="left")


# ------------------------------------------------- input checks

def _labels(y, name: str, func: str) -> np.ndarray:
    """`y` as a 1-D int64 array of class labels, or a clear error.

    A column (m, 1), as a Keras model's prediction comes, is read as 1-D, as scikit-learn does.
    """
    array = as_float_array(y, name, func, nonempty=True)
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 1:
        hint = ("; one row per example and one column per class? For labels take y.argmax(axis=1)"
                if array.ndim == 2 else "")
        raise ValueError(f"{func}: {name} must be 1-D class labels, one per example, got shape {array.shape}{hint}")
    if np.isnan(array).any():
        raise NonFiniteError(f"{func}: {name} contains nan (first at index {int(np.argmax(np.isnan(array)))}); "
                             "expected class labels")
    not_integer = ~np.isfinite(array) | (array != np.round(array)) | (np.abs(array) > 2.0**53)
    if not_integer.any():
        k = int(np.argmax(not_integer))
        raise ValueError(f"{func}: {name} must hold class labels (whole numbers such as 0, 1, 2), got "
                         f"{array[k]:g} at index {k}; are these scores or probabilities? Turn them into "
                         "labels first, e.g. (p >= 0.5).astype(int) or p.argmax(axis=1)")
    return array.astype(np.int64)


def _scores(y_score, func: str, ndims=(1,)) -> np.ndarray:
    """`y_score` as a float array of finite scores (a column (m, 1) read as 1-D), or a clear error."""
    array = as_float_array(y_score, "y_score", func, nonempty=True)
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim not in ndims:
        hint = (" For two classes pass the positive class's column, y_score[:, 1]; for class k "
                "against the rest, y_true == k and y_score[:, k]." if array.ndim == 2 else "")
        raise ValueError(f"{func}: y_score must be 1-D, one score per example, got shape {array.shape}.{hint}")
    if not np.isfinite(array).all():
        where = tuple(int(i) for i in np.argwhere(~np.isfinite(array))[0])
        raise NonFiniteError(f"{func}: y_score contains {array[where]} (first at index {where}); "
                             "expected finite scores (a nan means a bug upstream)")
    return array


def _same_length(a: np.ndarray, b: np.ndarray, name_a: str, name_b: str, func: str) -> None:
    if len(a) != len(b):
        raise ValueError(f"{func}: {name_a} has {len(a)} entries but {name_b} has {len(b)}; "
                         "expected one per example in both")


def _label_pair(y_true, y_pred, func: str):
    y_true, y_pred = _labels(y_true, "y_true", func), _labels(y_pred, "y_pred", func)
    _same_length(y_true, y_pred, "y_true", "y_pred", func)
    return y_true, y_pred


def _classes(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """Every class that appears in y_true or y_pred, sorted."""
    return np.union1d(y_true, y_pred)


def _given_labels(labels, y_true: np.ndarray, func: str) -> np.ndarray:
    labels = _labels(labels, "labels", func)
    if len(np.unique(labels)) != len(labels):
        raise ValueError(f"{func}: labels must not repeat a class, got {labels.tolist()}")
    if not np.isin(labels, y_true).any():
        raise ValueError(f"{func}: none of labels {labels.tolist()} occurs in y_true; expected at least one")
    return labels


def _binary_inputs(y_true, y_score, pos_label, func: str):
    """Which examples are positive (a bool array), and their scores, for a curve."""
    y_true, y_score = _labels(y_true, "y_true", func), _scores(y_score, func)
    _same_length(y_true, y_score, "y_true", "y_score", func)
    classes = np.unique(y_true).tolist()
    if pos_label is None:
        if not (set(classes) <= {0, 1} or set(classes) <= {-1, 1}):
            raise ValueError(f"{func}: y_true holds the classes {classes}, but a curve needs a positive and "
                             "a negative class, 0 and 1 (or -1 and 1); for class k against the rest pass "
                             "y_true == k (one-vs-rest) or pos_label=k")
        pos_label = 1
    return y_true == pos_label, y_score


def _need_both_classes(positive: np.ndarray, func: str) -> None:
    if positive.all() or not positive.any():
        which = "positive" if positive.all() else "negative"
        raise ValueError(f"{func}: every example in y_true is {which}, so a ROC curve is undefined (one of its "
                         "rates divides by zero); expected both positive and negative examples")
