"""Chapter 10's plotting helpers and the facts its text relies on, computed independently."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest

import nnlib
from nnlib import plotting


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def bowl(w1, w2):
    return 0.5 * (w1 ** 2 + 25 * w2 ** 2)


def test_descent_paths_draws_each_path_through_its_points_and_the_minimum():
    paths = {"a": [[-4.0, 1.0], [-3.0, -0.5], [-2.0, 0.2]], "b": np.array([[-4.0, 1.0], [-1.0, 0.0]])}
    ax = plotting.plot_descent_paths(bowl, paths, xlim=(-4.5, 0.5), ylim=(-1.5, 1.5), minimum=(0.0, 0.0))
    lines = {line.get_label(): line for line in ax.get_lines()}
    np.testing.assert_array_equal(lines["a"].get_xydata(), np.array(paths["a"]))
    np.testing.assert_array_equal(lines["b"].get_xydata(), paths["b"])
    np.testing.assert_array_equal(lines["minimum"].get_xydata(), [[0.0, 0.0]])
    assert lines["a"].get_color() != lines["b"].get_color()
    assert ax.get_aspect() == 1.0 and ax.get_xlim() == (-4.5, 0.5)


def test_descent_paths_refuses_a_path_that_is_not_points_in_the_plane():
    with pytest.raises(ValueError, match=r"the path 'w' has shape \(3,\)"):
        plotting.plot_descent_paths(bowl, {"w": [1.0, 2.0, 3.0]}, xlim=(-1, 1), ylim=(-1, 1))


def test_matched_runs_puts_nnlib_on_lines_and_keras_on_markers():
    ours = {"SGD": np.array([0.9, 0.7, 0.6]), "Adam": np.array([0.9, 0.5, 0.4])}
    theirs = {"SGD": ours["SGD"] + 1e-16, "Adam": ours["Adam"].copy()}
    ax = plotting.plot_matched_runs(ours, theirs)
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert set(lines) == {"SGD: nnlib", "SGD: Keras", "Adam: nnlib", "Adam: Keras"}
    assert lines["SGD: nnlib"].get_linestyle() == "-" and lines["SGD: Keras"].get_linestyle() == "None"
    np.testing.assert_array_equal(lines["Adam: Keras"].get_ydata(), theirs["Adam"])
    np.testing.assert_array_equal(lines["Adam: nnlib"].get_xdata(), [1, 2, 3])  # steps counted from 1
    assert lines["SGD: nnlib"].get_color() == lines["SGD: Keras"].get_color() != lines["Adam: nnlib"].get_color()


@pytest.mark.parametrize("theirs, message", [
    ({"Adam": [1.0, 2.0]}, r"must name the same runs in the same order, got \['SGD'\] and \['Adam'\]"),
    ({"SGD": [1.0]}, r"run 'SGD' has \(2,\) values in ours but \(1,\) in theirs"),
])
def test_matched_runs_refuses_runs_that_do_not_match(theirs, message):
    with pytest.raises(ValueError, match=message):
        plotting.plot_matched_runs({"SGD": [1.0, 2.0]}, theirs)


# --- facts the chapter states, from first principles ---------------------------------------

def test_momentum_on_a_quadratic_follows_the_heavy_ball_recurrence():
    # w_{k+1} = (1 + mu - lr kappa) w_k - mu w_{k-1}: nnlib.SGD with momentum, on f = kappa w^2 / 2
    kappa, lr, mu = 25.0, 0.07, 0.5
    sgd, w = nnlib.SGD(lr, momentum=mu), [np.array([1.0])]
    for _ in range(20):
        w.append(sgd.apply([kappa * w[-1]], [w[-1]])[0])
    w = np.array(w)[:, 0]
    np.testing.assert_allclose(w[2:], (1 + mu - lr * kappa) * w[1:-1] - mu * w[:-2], rtol=1e-12, atol=1e-15)


def test_exponential_decay_counts_steps_so_epochs_multiply_the_decay():
    # 10 epochs of 150 examples in batches of 32 are 50 steps: decay_steps = 10 halves the rate 5 times
    schedule = nnlib.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5, staircase=True)
    assert schedule(10 * math.ceil(150 / 32)) == 0.1 * 0.5 ** 5
    assert nnlib.ExponentialDecay(0.1, 10 * math.ceil(150 / 32), 0.5, staircase=True)(50) == 0.05


def test_keras_and_paper_adam_differ_only_through_epsilon():
    # Keras's step equals the paper's with epsilon replaced by epsilon / sqrt(1 - beta_2^t)
    rng = np.random.default_rng(0)
    for t in (1, 2, 10):
        m, v = rng.normal(size=4), rng.uniform(1e-16, 1e-12, size=4)
        lr, b1, b2, eps = 0.001, 0.9, 0.999, 1e-7
        keras_step = lr * math.sqrt(1 - b2 ** t) / (1 - b1 ** t) * m / (np.sqrt(v) + eps)
        paper_step = lr * (m / (1 - b1 ** t)) / (np.sqrt(v / (1 - b2 ** t)) + eps / math.sqrt(1 - b2 ** t))
        np.testing.assert_allclose(keras_step, paper_step, rtol=1e-12)
