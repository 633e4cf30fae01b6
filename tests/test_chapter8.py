"""Chapter 8's additions to nnlib: the spirals data set and the class-region plots."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg", force=True)
import matplotlib.pyplot as plt
import numpy as np
import pytest

from nnlib import datasets, plotting

# ---------------------------------------------------------------- spirals


@pytest.mark.parametrize("m, n_classes", [(300, 3), (301, 3), (10, 5), (8, 2)])
def test_spirals_shapes_labels_and_balance(m, n_classes):
    X, y = datasets.spirals(m, n_classes)
    assert X.shape == (m, 2) and y.shape == (m,) and y.dtype.kind == "i"
    counts = np.bincount(y, minlength=n_classes)
    assert len(counts) == n_classes and counts.sum() == m
    assert counts.max() - counts.min() <= 1 and counts[0] == counts.max()  # the first arms get the extra points


def test_spirals_are_determined_by_the_seed():
    X1, y1 = datasets.spirals(seed=4)
    X2, y2 = datasets.spirals(seed=4)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(X1, datasets.spirals(seed=5)[0])


def test_spirals_without_noise_lie_on_their_arms():
    """Radius r from 0 to 1 along each arm, angle 2πk/K + 4r exactly, written independently."""
    n_classes = 3
    X, y = datasets.spirals(90, n_classes, noise=0.0, seed=2)
    r = np.hypot(X[:, 0], X[:, 1])
    for k in range(n_classes):
        arm = y == k
        np.testing.assert_allclose(np.sort(r[arm]), np.linspace(0, 1, 30), atol=1e-12)
        outer = arm & (r > 0)
        angle = 2 * np.pi * k / n_classes + 4 * r[outer]
        np.testing.assert_allclose(X[outer], np.column_stack([r[outer] * np.cos(angle), r[outer] * np.sin(angle)]),
                                   atol=1e-12)


def test_spirals_noise_moves_points_along_their_circle_only():
    X0, y0 = datasets.spirals(60, noise=0.0, seed=3)
    X1, y1 = datasets.spirals(60, noise=0.3, seed=3)
    np.testing.assert_array_equal(y0, y1)  # the same order: the noise is drawn before the shuffle
    np.testing.assert_allclose(np.hypot(*X0.T), np.hypot(*X1.T), atol=1e-12)
    assert np.max(np.abs(X0 - X1)) > 0.05


def test_no_straight_line_separates_one_arm_from_the_rest():
    """A least-squares linear classifier, one score per class, gets far from all points right."""
    X, y = datasets.spirals(300, 3, seed=0)
    A = np.column_stack([X, np.ones(len(X))])
    W, *_ = np.linalg.lstsq(A, np.eye(3)[y], rcond=None)
    assert np.mean(np.argmax(A @ W, axis=1) == y) < 0.7


@pytest.mark.parametrize("kwargs, message", [
    ({"m": 0}, r"spirals: m must be a positive integer, got 0"),
    ({"m": 2.5}, r"spirals: m must be a positive integer, got 2.5"),
    ({"n_classes": True}, r"spirals: n_classes must be a positive integer, got True"),
    ({"noise": -0.1}, r"spirals: noise must be a number >= 0, got -0.1"),
    ({"m": 5, "n_classes": 3}, r"spirals: m must be at least 2 \* n_classes = 6 \(two points per arm\), got m = 5"),
])
def test_spirals_bad_input(kwargs, message):
    with pytest.raises((TypeError, ValueError), match=message):
        datasets.spirals(**kwargs)


# ---------------------------------------------------------------- plots


def test_predicted_classes_reads_scores_and_single_probabilities():
    np.testing.assert_array_equal(plotting.predicted_classes([[0.1, 2.0, -1.0], [3.0, 0.0, 0.0]]), [1, 0])
    np.testing.assert_array_equal(plotting.predicted_classes([0.2, 0.5, 0.9]), [0, 1, 1])
    np.testing.assert_array_equal(plotting.predicted_classes([[0.2], [0.7]]), [0, 1])


def test_plot_class_regions_shades_each_class_and_draws_the_points():
    X, y = datasets.spirals(60, 3, seed=1)
    fig, ax = plt.subplots()
    calls = []

    def by_angle(points):  # three sectors: a known answer for every grid point
        calls.append(points.shape)
        angle = np.mod(np.arctan2(points[:, 1], points[:, 0]), 2 * np.pi)
        return np.eye(3)[(angle // (2 * np.pi / 3)).astype(int)]

    plotting.plot_class_regions(by_angle, X, y, ax=ax, names=["a", "b", "c"], resolution=50)
    assert calls == [(2500, 2)]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b", "c"]
    assert len(ax.collections) >= 5  # filled regions, boundary lines and three scatters
    plt.close(fig)


def test_plot_class_regions_with_one_class_everywhere_draws_no_boundary(recwarn):
    X, y = datasets.two_moons(40, seed=0)
    fig, ax = plt.subplots()
    plotting.plot_class_regions(lambda P: np.zeros(len(P)), X, y.astype(int), ax=ax, resolution=30)
    assert not [w for w in recwarn if "contour" in str(w.message).lower()]
    plt.close(fig)
