"""How fast is a dense layer? The loop version, `nnlib.dense` and the raw NumPy expression.

Run from the repository root (about half a minute on a 2-core machine):

    .venv/bin/python bench/dense_bench.py

For each square layer width -> width and batch size m it times, side by side in
one run, three ways of computing the same (m, width) activations:

- loop:  `nnlib.timing.loop_dense`, an outer Python loop over the m examples, each
         calling `nnlib.dense_loop` (the chapter 3 layer, itself a loop over units);
- dense: `nnlib.dense(A, W, b, activation)`, which validates its input first;
- raw:   the bare expression ``g(A @ W + b)`` with g resolved beforehand.

The three are measured in alternating order by `nnlib.timing.best_times`, as in
chapter 4, and each time reported is the best of several repeats (the least
disturbed by other work on the machine). The loop does exactly the same work for
every example, so when it would take long it is timed on the first examples only
and scaled up to m; such times are marked `*` (use --full-loop to time every
example; the whole run then takes minutes).

Last, it checks the target that nnlib's input checks must not cost more than
5 % at a realistic size: dense / raw <= 1.05 at m = 1024, 256 -> 256.
"""

from __future__ import annotations

import argparse
import os
import platform
import timeit

import numpy as np

import nnlib
from nnlib import timing

WIDTHS = (16, 64, 256, 1024)
BATCHES = (1, 16, 256, 1024, 4096)
TARGET = {"m": 1024, "width": 256, "max_ratio": 1.05}
MIN_SECONDS = 0.002  # per repeat: longer than the chapter's, for steadier numbers


def time_loop(A, W, b, activation, repeats: int, budget: float, full: bool):
    """Best seconds for `timing.loop_dense` over all of A, and whether it was scaled up from a subset."""
    m = len(A)
    one = min(timeit.repeat(lambda: timing.loop_dense(A[:1], W, b, activation), number=1, repeat=3))
    k = m if full else int(min(m, max(1, budget / one)))
    seconds = timing.best_times({"loop": lambda: timing.loop_dense(A[:k], W, b, activation)}, repeats,
                                min_seconds=0.0 if k < m else MIN_SECONDS)["loop"]
    return seconds * m / k, k < m


def random_layer(m: int, width: int, rng):
    """A batch A (m, width) and a layer W (width, width), b (width,) of random numbers."""
    A = rng.normal(size=(m, width))
    W = rng.normal(scale=width ** -0.5, size=(width, width))
    return A, W, rng.normal(size=width)


def vectorized(A, W, b, activation: str) -> dict:
    """The two vectorized versions, ready to time: `nnlib.dense` and the raw expression."""
    g = nnlib.get_activation(activation)
    return {"dense": lambda: nnlib.dense(A, W, b, activation), "raw": lambda: g(A @ W + b)}


def measure(width: int, m: int, activation: str, repeats: int, loop_budget: float,
            full_loop: bool, rng) -> dict:
    """Times (seconds per call) of the three versions for one layer width -> width and batch m."""
    A, W, b = random_layer(m, width, rng)
    funcs = vectorized(A, W, b, activation)
    reference = funcs["raw"]()
    assert np.allclose(funcs["dense"](), reference)
    assert np.allclose(timing.loop_dense(A[:4], W, b, activation), reference[:4])
    fast = timing.best_times(funcs, repeats, MIN_SECONDS)
    loop, scaled = time_loop(A, W, b, activation, max(1, repeats // 5), loop_budget, full_loop)
    return {"loop": loop, "loop_scaled": scaled, **fast}


def fmt_time(seconds: float) -> str:
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:7.3g} {unit:2}"
    return f"{seconds / 1e-9:7.3g} ns"


def machine() -> str:
    blas = "unknown BLAS"
    try:
        info = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        blas = f"{info['name']} {info['version']}"
    except Exception:
        pass
    return (f"Python {platform.python_version()}, NumPy {np.__version__} with {blas}, "
            f"{os.cpu_count()} CPUs ({platform.machine()})")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--widths", type=int, nargs="+", default=WIDTHS)
    parser.add_argument("--batches", type=int, nargs="+", default=BATCHES)
    parser.add_argument("--activation", default="sigmoid")
    parser.add_argument("--repeats", type=int, default=15, help="repeats per measurement (best is kept)")
    parser.add_argument("--loop-budget", type=float, default=0.1,
                        help="seconds per timed loop run before the loop is timed on a subset")
    parser.add_argument("--full-loop", action="store_true", help="time the loop on every example")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)

    print(machine())
    print(f"Layer width -> width, activation {args.activation!r}; best of {args.repeats} repeats "
          f"(loop: {max(1, args.repeats // 5)}).\n")
    header = (f"{'layer':>11} {'m':>5} | {'loop':>11} {'dense':>10} {'raw':>10} | "
              f"{'loop/dense':>10} {'dense/raw':>9}")
    print(header)
    print("-" * len(header))
    any_scaled = False
    for width in args.widths:
        for m in args.batches:
            t = measure(width, m, args.activation, args.repeats, args.loop_budget, args.full_loop, rng)
            any_scaled |= t["loop_scaled"]
            mark = "*" if t["loop_scaled"] else " "
            print(f"{f'{width}->{width}':>11} {m:>5} | {fmt_time(t['loop'])}{mark} "
                  f"{fmt_time(t['dense'])} {fmt_time(t['raw'])} | "
                  f"{t['loop'] / t['dense']:9.0f}x {t['dense'] / t['raw']:8.2f}x", flush=True)
    if any_scaled:
        print("\n* loop timed on the first examples only and scaled to m (same work per example).")

    m, width, limit = TARGET["m"], TARGET["width"], TARGET["max_ratio"]
    t = timing.best_times(vectorized(*random_layer(m, width, rng), args.activation),
                          repeats=5 * args.repeats, min_seconds=MIN_SECONDS)
    ratio = t["dense"] / t["raw"]
    verdict = "met" if ratio <= limit else "MISSED"
    print(f"\nTarget: nnlib.dense / raw at m = {m}, {width} -> {width} is {ratio:.3f}x "
          f"(dense {fmt_time(t['dense']).strip()}, raw {fmt_time(t['raw']).strip()}, "
          f"best of {5 * args.repeats}); required <= {limit}x: {verdict}.")


if __name__ == "__main__":
    main()
