"""nnlib.datasets: determinism, shapes, the coffee rule, the hand-built network, scaling, moons."""

from __future__ import annotations

import numpy as np
import pytest

from nnlib import sequential
from nnlib.datasets import (
    coffee_is_good,
    coffee_roasting,
    coffee_roasting_network,
    normalization_stats,
    normalize,
    two_moons,
)


def good_by_hand(temperature: float, duration: float) -> bool:
    """The coffee rule written independently: hot enough, long enough, and on or below
    the straight line through (175 °C, 15 min) and (260 °C, 12 min)."""
    burnt_above = 15.0 + (temperature - 175.0) * (12.0 - 15.0) / (260.0 - 175.0)
    return temperature > 175.0 and duration > 12.0 and duration < burnt_above


# --- coffee_roasting -----------------------------------------------------------------

def test_coffee_roasting_shapes_ranges_and_labels():
    X, y = coffee_roasting()
    assert X.shape == (200, 2) and y.shape == (200, 1)
    assert np.all((X[:, 0] >= 150) & (X[:, 0] <= 285))
    assert np.all((X[:, 1] >= 11.5) & (X[:, 1] <= 15.5))
    np.testing.assert_array_equal(X, X.round(2))
    assert set(np.unique(y)) == {0.0, 1.0}


@pytest.mark.parametrize("m", [1, 7, 500])
def test_coffee_roasting_size(m):
    X, y = coffee_roasting(m)
    assert X.shape == (m, 2) and y.shape == (m, 1)


def test_coffee_roasting_is_determined_by_the_seed():
    X1, y1 = coffee_roasting(50, seed=3)
    X2, y2 = coffee_roasting(50, seed=3)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    X3, _ = coffee_roasting(50, seed=4)
    assert not np.array_equal(X1, X3)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_coffee_labels_agree_with_the_rule(seed):
    X, y = coffee_roasting(300, seed=seed)
    np.testing.assert_array_equal(y.ravel(), coffee_is_good(X).astype(float))
    np.testing.assert_array_equal(y.ravel(), [float(good_by_hand(t, d)) for t, d in X])
    assert 0.1 < y.mean() < 0.5  # both classes well represented


@pytest.mark.parametrize("roast, good", [
    ((200.0, 13.5), True),     # inside: hot, long enough, below the burnt line
    ((170.0, 13.0), False),    # too cold
    ((200.0, 11.9), False),    # too short
    ((250.0, 14.5), False),    # burnt: above the line
    ((255.0, 12.1), True),     # hot, just long enough, just below the line
])
def test_coffee_is_good_on_chosen_roasts(roast, good):
    out = coffee_is_good(np.array([roast]))
    assert out.dtype == bool and out.shape == (1,)
    assert out[0] == good == good_by_hand(*roast)


def test_coffee_is_good_errors():
    with pytest.raises(ValueError, match=r"coffee_is_good: X must be 2-D, got shape \(2,\) \(1-D\)"):
        coffee_is_good([200.0, 13.0])
    with pytest.raises(TypeError, match=r"coffee_is_good: X must hold numbers"):
        coffee_is_good([["hot", "long"]])


# --- the hand-built network -----------------------------------------------------------

def test_coffee_network_shapes():
    X, _ = coffee_roasting()
    layers = coffee_roasting_network(*normalization_stats(X))
    (W1, b1, g1), (W2, b2, g2) = layers
    assert (W1.shape, b1.shape, W2.shape, b2.shape) == ((2, 3), (3,), (3, 1), (1,))
    assert g1 == g2 == "sigmoid"


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_coffee_network_classifies_its_own_data(seed):
    X, y = coffee_roasting(400, seed=seed)
    mean, std = normalization_stats(X)
    p = sequential(normalize(X, mean, std), coffee_roasting_network(mean, std))
    assert p.shape == (400, 1)
    assert np.all((p > 0) & (p < 1))
    accuracy = np.mean((p >= 0.5) == (y == 1))
    assert accuracy >= 0.97


def test_coffee_network_hidden_units_detect_each_defect():
    mean, std = normalization_stats(coffee_roasting()[0])
    (W1, b1, _), _ = coffee_roasting_network(mean, std)
    roasts = np.array([[160.0, 13.5], [200.0, 11.6], [270.0, 15.0], [200.0, 13.5]])
    fired = sequential(normalize(roasts, mean, std), [(W1, b1, "sigmoid")]) > 0.5
    # rows: too cold, too short, burnt, good; columns: the three defect units
    np.testing.assert_array_equal(fired, [[1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 0, 0]])


def test_coffee_network_sharpness_scales_the_output_layer():
    mean, std = normalization_stats(coffee_roasting()[0])
    (_, _, _), (W2, b2, _) = coffee_roasting_network(mean, std, sharpness=2.0)
    np.testing.assert_array_equal(W2, [[-20.0], [-20.0], [-20.0]])
    np.testing.assert_array_equal(b2, [10.0])


def test_coffee_network_errors():
    with pytest.raises(ValueError, match=r"coffee_roasting_network: mean must be 1-D, got shape \(\) \(0-D\)"):
        coffee_roasting_network(200.0, [1.0, 1.0])


# --- normalisation -------------------------------------------------------------------

def test_normalization_stats_are_mean_and_population_std():
    X = np.array([[1.0, 10.0], [2.0, 20.0], [3.0, 60.0]])
    mean, std = normalization_stats(X)
    np.testing.assert_allclose(mean, [2.0, 30.0])
    # population (ddof = 0) standard deviation, as Keras's Normalization layer uses
    np.testing.assert_allclose(std, [np.sqrt(2 / 3), np.sqrt((400 + 100 + 900) / 3)])


def test_normalize_gives_mean_zero_std_one():
    X, _ = coffee_roasting()
    mean, std = normalization_stats(X)
    Xn = normalize(X, mean, std)
    np.testing.assert_allclose(Xn.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(Xn.std(axis=0), 1.0, rtol=1e-12)
    # one example (1-D) is scaled the same way as its row in the batch
    np.testing.assert_allclose(normalize(X[5], mean, std), Xn[5])
    np.testing.assert_allclose(normalize(X[:3].tolist(), mean.tolist(), std.tolist()), Xn[:3])


def test_normalize_errors():
    with pytest.raises(ValueError, match=r"normalize: mean and std need one value per feature, shape \(2,\), "
                                         r"got \(3,\) and \(2,\)"):
        normalize(np.ones((4, 2)), np.zeros(3), np.ones(2))
    with pytest.raises(ValueError, match=r"normalize: X must be 1-D or 2-D, got shape \(2, 2, 2\) \(3-D\)"):
        normalize(np.ones((2, 2, 2)), np.zeros(2), np.ones(2))
    with pytest.raises(ValueError, match=r"normalize: std must be 1-D, got shape \(\) \(0-D\)"):
        normalize(np.ones((4, 2)), np.zeros(2), 1.0)
    with pytest.raises(ValueError, match=r"normalization_stats: X must be 2-D, got shape \(3,\) \(1-D\)"):
        normalization_stats([1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match=r"normalization_stats: X must hold numbers"):
        normalization_stats([["a"]])


# --- two moons ---------------------------------------------------------------------------

@pytest.mark.parametrize("m", [300, 301, 2])
def test_two_moons_shapes_and_balance(m):
    X, y = two_moons(m)
    assert X.shape == (m, 2) and y.shape == (m,)
    assert set(np.unique(y)) <= {0.0, 1.0}
    assert int(y.sum()) == m - m // 2  # the inner moon gets the odd example


def test_two_moons_is_determined_by_the_seed():
    X1, y1 = two_moons(100, seed=5)
    X2, y2 = two_moons(100, seed=5)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(X1, two_moons(100, seed=6)[0])


def test_two_moons_without_noise_lie_on_their_half_circles():
    X, y = two_moons(200, noise=0.0, seed=1)
    outer, inner = X[y == 0], X[y == 1]
    np.testing.assert_allclose(np.hypot(outer[:, 0], outer[:, 1]), 1.0, rtol=1e-12)
    assert np.all(outer[:, 1] >= -1e-12)  # upper half circle centred at (0, 0)
    np.testing.assert_allclose(np.hypot(inner[:, 0] - 1.0, inner[:, 1] - 0.5), 1.0, rtol=1e-12)
    assert np.all(inner[:, 1] <= 0.5 + 1e-12)  # lower half circle centred at (1, 0.5)


def test_two_moons_noise_is_the_standard_deviation():
    X0, y = two_moons(4000, noise=0.0, seed=2)
    X1, _ = two_moons(4000, noise=0.2, seed=2)
    # Same seed and size: the same shuffle, so X1 - X0 is exactly the added noise.
    assert np.std(X1 - X0) == pytest.approx(0.2, rel=0.05)
    assert np.array_equal(y, two_moons(4000, noise=0.2, seed=2)[1])
