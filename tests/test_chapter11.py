"""Chapter 11's data: `nnlib.datasets.digits_split`, stratified and repeatable."""

import numpy as np
import pytest
from sklearn.datasets import load_digits

from nnlib import datasets


@pytest.fixture(scope="module")
def split():
    return datasets.digits_split(seed=0)


def test_the_three_sets_partition_all_1797_images(split):
    digits = load_digits()
    rows = {tuple(x) for x in digits.data / 16.0}
    seen = [tuple(x) for X, _ in split.values() for x in X]
    assert len(seen) == len(digits.data) == 1797
    # every image once: the multiset of rows equals the data set's (some images repeat in the data)
    assert sorted(seen) == sorted(tuple(x) for x in digits.data / 16.0)
    assert set(seen) == rows


def test_shapes_types_and_scale(split):
    sizes = {name: len(y) for name, (_, y) in split.items()}
    assert sizes == {"train": 1077, "validation": 360, "test": 360}
    for X, y in split.values():
        assert X.dtype == np.float64 and X.shape[1] == 64 and y.dtype == np.int64
        assert X.min() == 0.0 and X.max() == 1.0
        assert set(np.unique(y)) == set(range(10))


def test_each_set_keeps_the_class_proportions(split):
    whole = np.bincount(load_digits().target) / 1797
    for name, (_, y) in split.items():
        share = np.bincount(y, minlength=10) / len(y)
        # stratified: each class's count is within one image of its share of the set
        assert np.all(np.abs(share - whole) * len(y) <= 1.0), name


def test_labels_belong_to_their_images(split):
    digits = load_digits()
    label_of = {tuple(x): t for x, t in zip(digits.data / 16.0, digits.target)}
    for X, y in split.values():
        assert all(label_of[tuple(x)] == t for x, t in zip(X, y))


def test_same_seed_same_split_and_another_seed_another(split):
    again = datasets.digits_split(seed=0)
    other = datasets.digits_split(seed=1)
    for name in split:
        np.testing.assert_array_equal(again[name][0], split[name][0])
        np.testing.assert_array_equal(again[name][1], split[name][1])
    assert not np.array_equal(other["test"][1], split["test"][1])


def test_sizes_follow_the_fractions():
    parts = datasets.digits_split(seed=0, validation_size=0.1, test_size=0.3)
    assert len(parts["test"][1]) == 540  # ceil(0.3 · 1797)
    assert len(parts["validation"][1]) == 180


@pytest.mark.parametrize("kwargs, message", [
    ({"validation_size": 0.0}, "strictly between 0 and 1"),
    ({"test_size": 1.5}, "strictly between 0 and 1"),
    ({"validation_size": 0.5, "test_size": 0.5}, "must be below 1"),
    ({"test_size": "0.2"}, "must be a number"),
    ({"seed": 0.5}, "seed must be an integer"),
])
def test_bad_arguments_are_named(kwargs, message):
    with pytest.raises((ValueError, TypeError), match=message):
        datasets.digits_split(**kwargs)


# ---------------------------------------------------------------- chapter 11's figures

def test_plot_confusion_matrix_writes_every_nonzero_count_and_leaves_zeros_blank():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from nnlib import plotting

    cm = np.array([[5, 0, 1], [0, 7, 0], [2, 0, 4]])
    ax = plotting.plot_confusion_matrix(cm)
    texts = sorted(t.get_text() for t in ax.texts)
    assert texts == sorted(str(v) for v in cm.ravel() if v)
    assert ax.get_xlabel() == "predicted class" and ax.get_ylabel() == "true class"
    plt.close("all")
    with pytest.raises(ValueError, match="square matrix"):
        plotting.plot_confusion_matrix(np.ones((2, 3)))


def test_plot_digits_draws_one_titled_panel_per_image_and_names_bad_shapes(split):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from nnlib import plotting

    X, y = split["train"]
    fig = plotting.plot_digits(X[:5], [str(t) for t in y[:5]], n_cols=3)
    titled = [ax.get_title() for ax in fig.axes if ax.images]
    assert titled == [str(t) for t in y[:5]] and len(fig.axes) == 6  # one blank panel
    plt.close("all")
    with pytest.raises(ValueError, match=r"shape \(n, 64\)"):
        plotting.plot_digits(X[:2].reshape(2, 8, 8), ["a", "b"])
    with pytest.raises(ValueError, match="one title per image"):
        plotting.plot_digits(X[:2], ["a"])
