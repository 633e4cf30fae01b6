"""Chapter 12's figure helpers: `tile_images`, `plot_image` and `plot_image_grid` in nnlib.plotting."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg", force=True)

import numpy as np
import pytest

from nnlib import plotting

from conftest import texts


def test_tile_images_puts_each_image_in_its_place_with_blank_gaps():
    images = np.arange(5 * 2 * 3, dtype=float).reshape(5, 2, 3)  # 5 images of 2 rows, 3 columns
    mosaic = plotting.tile_images(images, n_cols=2)
    assert mosaic.shape == (3 * 3 - 1, 2 * 4 - 1)  # 3 rows of tiles, 2 columns, gaps of 1 between
    for k, image in enumerate(images):
        top, left = (k // 2) * 3, (k % 2) * 4
        np.testing.assert_array_equal(mosaic[top:top + 2, left:left + 3], image)
    assert np.isnan(mosaic[2]).all() and np.isnan(mosaic[:, 3]).all()  # the gaps
    assert np.isnan(mosaic[6:, 4:]).all()  # the missing sixth tile stays blank
    assert np.count_nonzero(~np.isnan(mosaic)) == images.size  # nothing else drawn


@pytest.mark.parametrize("images, n_cols, message", [
    (np.zeros((8, 8)), 4, r"images must be \(n, h, w\) with n >= 1, got shape \(8, 8\)"),
    (np.zeros((0, 3, 3)), 4, r"got shape \(0, 3, 3\)"),
    (np.zeros((2, 3, 3)), 0, "n_cols must be a positive integer, got 0"),
    (np.zeros((2, 3, 3)), 2.0, "n_cols must be a positive integer, got 2.0"),
])
def test_tile_images_says_what_it_expected(images, n_cols, message):
    with pytest.raises(ValueError, match=message):
        plotting.tile_images(images, n_cols)


def test_plot_image_writes_values_readably(close_figures):
    image = np.array([[0.0, 1.0], [2.0, 3.0]])
    ax = plotting.plot_image(image, values=True, cmap="cividis", fmt="{:.0f}")
    assert texts(ax) == ["0", "1", "2", "3"]
    colours = [t.get_color() for t in ax.texts]
    assert colours[0] == "white" and colours[-1] == "black"  # cividis: dark blue at 0, yellow at the top


def test_plot_image_centres_a_symmetric_scale_on_zero(close_figures):
    ax = plotting.plot_image(np.array([[-1.0, 3.0]]), symmetric=True, cmap="PuOr")
    assert ax.images[0].get_clim() == (-3.0, 3.0)


def test_plot_image_grid_labels_each_tile_below_it(close_figures):
    images = np.random.default_rng(0).uniform(size=(6, 3, 3))
    labels = [f"filter {f}" for f in range(6)]
    ax = plotting.plot_image_grid(images, n_cols=4, labels=labels)
    assert texts(ax) == labels
    for k, text in enumerate(ax.texts):
        x, y = text.get_position()
        assert x == (k % 4) * 4 + 1  # the tile's centre column
        assert (k // 4) * 4 + 2 < y < (k // 4) * 4 + 3.5  # in the gap below the tile's last row
    assert ax.get_ylim()[0] >= ax.texts[-1].get_position()[1]  # the last row's labels are inside the axes


def test_plot_image_grid_wants_one_label_per_image(close_figures):
    with pytest.raises(ValueError, match="expected one label per image, 3, got 2"):
        plotting.plot_image_grid(np.zeros((3, 2, 2)), labels=["a", "b"])


def test_plot_image_value_labels_have_a_readable_size(close_figures):
    ax = plotting.plot_image(np.eye(2), values=True)
    assert all(t.get_fontsize() == 10 for t in ax.texts)  # the default: readable on a phone
    ax = plotting.plot_image(np.eye(2), values=True, fmt="{:.2f}", value_size=12)
    assert texts(ax) == ["1.00", "0.00", "0.00", "1.00"] and ax.texts[0].get_fontsize() == 12
