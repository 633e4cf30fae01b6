"""nnlib.plotting.plot_speedup: speed-ups on a log axis labelled with plain factors."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg", force=True)

import matplotlib.pyplot as plt
import numpy as np
import pytest

from nnlib import plotting

SPEEDUPS = {"width grows": ([1e3, 1e4, 1e5], [54.0, 46.0, 31.0]), "batch grows": ([4e3, 2e4, 3e5], [8.0, 21.0, 33.0])}


def drawn_tick_labels(ax):
    ax.figure.canvas.draw()
    low, high = ax.get_ylim()
    return [t.get_text() for t, v in zip(ax.get_yticklabels(), ax.get_yticks()) if low <= v <= high]


def test_the_speed_up_axis_shows_plain_factors_not_powers_of_ten():
    ax = plotting.plot_speedup(SPEEDUPS, xlabel="multiply-adds")
    assert (ax.get_xscale(), ax.get_yscale()) == ("log", "log")
    assert drawn_tick_labels(ax) == ["10×", "20×", "30×", "50×"]
    assert all(t.get_text() == "" for t in ax.get_yticklabels(minor=True))  # no 2×10¹, 3×10¹ ...
    plt.close(ax.figure)


def test_the_reference_line_is_drawn_and_named_in_the_legend():
    ax = plotting.plot_speedup(SPEEDUPS, xlabel="x", reference=10, reference_label="10×, asserted")
    line = ax.lines[-1]
    assert np.allclose(line.get_ydata(), 10) and line.get_linestyle() == "--"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["width grows", "batch grows", "10×, asserted"]
    assert ax.get_ylim()[0] < 8 and ax.get_ylim()[1] > 54  # every point and the line are inside
    plt.close(ax.figure)


def test_without_a_reference_and_over_decades_the_ticks_are_1_2_5():
    ax = plotting.plot_speedup({"a": ([1, 10, 100], [1.5, 40.0, 900.0])}, xlabel="x", reference=None)
    assert len(ax.lines) == 1 and [t.get_text() for t in ax.get_legend().get_texts()] == ["a"]
    assert drawn_tick_labels(ax) == ["2×", "5×", "10×", "20×", "50×", "100×", "200×", "500×", "1000×"]
    plt.close(ax.figure)


@pytest.mark.parametrize("ylim, expected", [((2, None), (2, 54 * 1.25)), ((None, 100), (8 / 1.25, 100))])
def test_ylim_sets_either_end(ylim, expected):
    ax = plotting.plot_speedup(SPEEDUPS, xlabel="x", reference=10, ylim=ylim, legend_loc="lower right")
    assert np.allclose(ax.get_ylim(), expected)
    plt.close(ax.figure)
