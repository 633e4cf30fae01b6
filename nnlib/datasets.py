"""Small data sets generated on your machine from a seed (no downloads).

The coffee-roasting set is the book's running example: a roast is described by
its temperature (°C) and duration (minutes), and is good (label 1) or not (0).
"""

from __future__ import annotations

import numpy as np

from ._validate import as_float_array, check_not_nan, nonnegative_number, positive_int

#: The rule behind the coffee labels. A roast is good when it is hot enough,
#: long enough, and not burnt: below the line from (175 °C, 15 min) to (260 °C, 12 min).
COFFEE_MIN_TEMPERATURE = 175.0
COFFEE_MIN_DURATION = 12.0
COFFEE_BURNT_LINE = ((175.0, 15.0), (260.0, 12.0))


def coffee_roasting(m: int = 200, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Generate m roasts and their labels.

    Returns
    -------
    X : numpy.ndarray, shape (m, 2)
        Column 0 is the temperature in °C (150 to 285), column 1 the duration in minutes (11.5 to 15.5).
    y : numpy.ndarray, shape (m, 1)
        1.0 for a good roast, 0.0 otherwise, from `coffee_is_good`.
    """
    m = positive_int(m, "m", "coffee_roasting")
    rng = np.random.default_rng(seed)
    temperature = rng.uniform(150.0, 285.0, size=m)
    duration = rng.uniform(11.5, 15.5, size=m)
    X = np.column_stack([temperature, duration]).round(2)
    y = coffee_is_good(X).astype(float).reshape(-1, 1)
    return X, y


def coffee_is_good(X) -> np.ndarray:
    """The true rule: hot enough, long enough and not burnt. `X` is (m, 2) in °C and minutes."""
    X = as_float_array(X, "X", "coffee_is_good", ndims=(2,))
    return np.all(_coffee_defect_scores(X) < 0, axis=1)


def _coffee_defect_scores(X: np.ndarray) -> np.ndarray:
    """One column per way to spoil a roast; a score > 0 means that defect is present.

    Scores are in natural units: degrees too cold, minutes too short, and for
    "burnt" the fraction of the way past the burnt line.
    """
    (t0, d0), (t1, d1) = COFFEE_BURNT_LINE
    too_cold = COFFEE_MIN_TEMPERATURE - X[:, 0]
    too_short = COFFEE_MIN_DURATION - X[:, 1]
    burnt = (X[:, 0] - t0) / (t1 - t0) + (X[:, 1] - d1) / (d0 - d1) - 1.0
    return np.column_stack([too_cold, too_short, burnt])


def coffee_roasting_network(mean, std, sharpness: float = 1.0):
    """A 2-3-1 sigmoid network, built by hand from the coffee rule, for normalised inputs.

    Hidden unit 1 fires for "too cold", unit 2 for "too short", unit 3 for "burnt";
    the output unit says "good" only when none of them fires. Each hidden unit is
    a defect score of `_coffee_defect_scores` times a gain, rewritten for inputs
    normalised as ``(X - mean) / std`` (``x = mean + std * x_n``, so ``w_n = std * w``
    and ``b_n = b + w · mean``).

    Returns
    -------
    list of (W, b, activation)
        ``[(W1 (2, 3), b1 (3,), "sigmoid"), (W2 (3, 1), b2 (1,), "sigmoid")]``.
    """
    mean = as_float_array(mean, "mean", "coffee_roasting_network", ndims=(1,))
    std = as_float_array(std, "std", "coffee_roasting_network", ndims=(1,))
    (t0, d0), (t1, d1) = COFFEE_BURNT_LINE
    gain = sharpness * np.array([0.4, 8.0, 12.0])  # per °C, per minute, per burnt-line fraction
    W_raw = np.array([[-1.0, 0.0, 1.0 / (t1 - t0)],
                      [0.0, -1.0, 1.0 / (d0 - d1)]]) * gain
    b_raw = np.array([COFFEE_MIN_TEMPERATURE, COFFEE_MIN_DURATION,
                      -t0 / (t1 - t0) - d1 / (d0 - d1) - 1.0]) * gain
    W1 = (std[:, None] * W_raw).round(2)
    b1 = (b_raw + mean @ W_raw).round(2)
    W2 = np.full((3, 1), -10.0 * sharpness)
    b2 = np.array([5.0 * sharpness])
    return [(W1, b1, "sigmoid"), (W2, b2, "sigmoid")]


def normalization_stats(X) -> tuple[np.ndarray, np.ndarray]:
    """Per-feature mean and standard deviation of `X` (m, n), as Keras's `Normalization.adapt`."""
    X = as_float_array(X, "X", "normalization_stats", ndims=(2,), nonempty=True)
    check_not_nan(X, "X", "normalization_stats")
    return X.mean(axis=0), X.std(axis=0)


def normalize(X, mean, std) -> np.ndarray:
    """Rescale each feature to mean 0 and standard deviation 1: ``(X - mean) / std``.

    A feature whose std is 0 (the same value in every example) carries no
    information; it cannot be rescaled, so it is refused with an error naming it.
    """
    X = as_float_array(X, "X", "normalize", ndims=(1, 2))
    mean = as_float_array(mean, "mean", "normalize", ndims=(1,))
    std = as_float_array(std, "std", "normalize", ndims=(1,))
    if mean.shape != X.shape[-1:] or std.shape != X.shape[-1:]:
        raise ValueError(
            f"normalize: mean and std need one value per feature, shape {X.shape[-1:]}, "
            f"got {mean.shape} and {std.shape}"
        )
    if np.any(std <= 0):
        bad = [int(k) for k in np.flatnonzero(std <= 0)]
        raise ValueError(f"normalize: std must be positive for every feature, but feature(s) {bad} "
                         f"have std {std[bad].tolist()}; a constant feature carries no information: "
                         "drop that column before normalizing")
    return (X - mean) / std


def two_moons(m: int = 300, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles, like scikit-learn's `make_moons`.

    Returns ``X`` (m, 2) and labels ``y`` (m,) in {0, 1}; `noise` is the standard
    deviation of Gaussian noise added to each coordinate.
    """
    m = positive_int(m, "m", "two_moons")
    noise = nonnegative_number(noise, "noise", "two_moons")
    rng = np.random.default_rng(seed)
    m_outer = m // 2
    t_outer = np.linspace(0.0, np.pi, m_outer)
    t_inner = np.linspace(0.0, np.pi, m - m_outer)
    outer = np.column_stack([np.cos(t_outer), np.sin(t_outer)])
    inner = np.column_stack([1.0 - np.cos(t_inner), 0.5 - np.sin(t_inner)])
    X = np.vstack([outer, inner]) + rng.normal(scale=noise, size=(m, 2))
    y = np.concatenate([np.zeros(m_outer), np.ones(m - m_outer)])
    order = rng.permutation(m)
    return X[order], y[order]
