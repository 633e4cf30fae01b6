"""How fast is nnlib's convolution? The loops, `nnlib.conv2d`, and Keras's `Conv2D`.

Run from the repository root (about half a minute on a 2-core machine):

    .venv/bin/python bench/conv_bench.py

On a batch of 8×8 digits (scikit-learn's `load_digits`, scaled to [0, 1]) as
(m, 8, 8, 1) images, it times, side by side in one run (`nnlib.timing.best_times`),
the same convolution computed three ways:

- loop:   `nnlib.conv2d_loop` once per image: Python loops over rows, columns and filters
          (timed on the first images and scaled to m when that would take long: marked `*`);
- conv2d: `nnlib.conv2d(X, K, b, "relu")`: every window a row of one matrix (im2col), one product;
- keras:  a `keras.layers.Conv2D` with the same kernel, called on the batch in float32 and in
          float64 (a direct call, no `predict` overhead).

and checks the issue's targets: conv2d at least 50× faster than the loops and within 3× of
Keras (float32) on a batch of 256 digits. It never fails because of speed: it reports.
"""

from __future__ import annotations

import argparse
import os
import platform

import numpy as np

import nnlib
from nnlib import timing
from nnlib.quiet_tf import import_keras

TARGETS = {"m": 256, "loop/conv2d": 50.0, "conv2d/keras": 3.0}


def digits(m: int) -> np.ndarray:
    from sklearn.datasets import load_digits

    images = load_digits().images[:m] / 16.0
    return images.reshape(-1, 8, 8, 1)


def keras_conv(keras, K, b, dtype: str):
    """A Keras Conv2D layer holding K and b, built for 8×8×1 images, computing in `dtype`."""
    layer = keras.layers.Conv2D(K.shape[-1], K.shape[:2], activation="relu", dtype=dtype)
    layer.build((None, 8, 8, 1))
    layer.set_weights([K.astype(dtype), b.astype(dtype)])
    return layer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batches", type=int, nargs="+", default=[64, 256, 1024])
    parser.add_argument("--filters", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    keras = import_keras()
    rng = np.random.default_rng(args.seed)
    K, b = rng.normal(scale=1 / 3, size=(3, 3, 1, args.filters)), rng.normal(scale=0.1, size=args.filters)
    print(f"Python {platform.python_version()}, NumPy {np.__version__}, Keras {keras.__version__}, "
          f"{os.cpu_count()} CPUs; kernel {K.shape}, relu, valid padding, stride 1\n")
    print(f"{'m':>6} {'loop':>11} {'conv2d':>10} {'keras32':>10} {'keras64':>10} "
          f"{'loop/conv2d':>12} {'conv2d/keras32':>15}")
    ratios = {}
    for m in args.batches:
        X = digits(m)
        k = min(m, 32)  # the loops do the same work per image: time a few, scale to m
        expected = nnlib.conv2d(X, K, b, "relu")
        np.testing.assert_allclose(np.stack([nnlib.conv2d_loop(x, K, b, "relu") for x in X[:k]]),
                                   expected[:k], rtol=1e-12, atol=1e-12)
        layers = {dtype: keras_conv(keras, K, b, dtype) for dtype in ("float32", "float64")}
        X32 = X.astype(np.float32)
        np.testing.assert_allclose(np.asarray(layers["float64"](X)), expected, rtol=1e-12, atol=1e-12)
        times = timing.best_times({
            "loop": lambda X=X, k=k: [nnlib.conv2d_loop(x, K, b, "relu") for x in X[:k]],
            "conv2d": lambda X=X: nnlib.conv2d(X, K, b, "relu"),
            "keras32": lambda X32=X32, layer=layers["float32"]: layer(X32),
            "keras64": lambda X=X, layer=layers["float64"]: layer(X),
        }, args.repeats, min_seconds=0.002)
        times["loop"] *= m / k
        ratios[m] = (times["loop"] / times["conv2d"], times["conv2d"] / times["keras32"])
        mark = "*" if k < m else " "
        print(f"{m:>6} {times['loop'] * 1e3:>9.2f}{mark}ms {times['conv2d'] * 1e3:>8.3f}ms "
              f"{times['keras32'] * 1e3:>8.3f}ms {times['keras64'] * 1e3:>8.3f}ms "
              f"{ratios[m][0]:>12.0f} {ratios[m][1]:>15.2f}")
    if TARGETS["m"] in ratios:
        speedup, versus_keras = ratios[TARGETS["m"]]
        print(f"\nm = {TARGETS['m']}: conv2d is {speedup:.0f}x faster than the loops (target >= "
              f"{TARGETS['loop/conv2d']:.0f}x: {'met' if speedup >= TARGETS['loop/conv2d'] else 'NOT met'}) "
              f"and takes {versus_keras:.2f}x Keras's float32 time (target <= {TARGETS['conv2d/keras']:.0f}x: "
              f"{'met' if versus_keras <= TARGETS['conv2d/keras'] else 'NOT met'})")


if __name__ == "__main__":
    main()
