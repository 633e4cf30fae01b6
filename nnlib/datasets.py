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


def spirals(m: int = 300, n_classes: int = 3, noise: float = 0.2, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Points on `n_classes` interleaved spiral arms, one class per arm (chapter 8).

    Arm k starts at the origin and winds outwards: its j-th point has radius
    ``r = j / (n_k − 1)`` (0 to 1) and angle ``2π k / n_classes + 4 r`` radians, plus
    Gaussian noise of standard deviation `noise` on the angle, so the arms blur into one
    another near the centre, where they are close. No straight line separates one arm
    from the others, the classic test of a classifier with curved boundaries.

    Returns
    -------
    X : numpy.ndarray, shape (m, 2)
        ``(r cos θ, r sin θ)`` per point, in a random order drawn from `seed`.
    y : numpy.ndarray of int, shape (m,)
        The arm of each point, ``0 .. n_classes − 1``; the first ``m % n_classes`` arms
        get one point more than the others.
    """
    m = positive_int(m, "m", "spirals")
    n_classes = positive_int(n_classes, "n_classes", "spirals")
    noise = nonnegative_number(noise, "noise", "spirals")
    if m < 2 * n_classes:
        raise ValueError(f"spirals: m must be at least 2 * n_classes = {2 * n_classes} (two points "
                         f"per arm), got m = {m} for n_classes = {n_classes}")
    rng = np.random.default_rng(seed)
    y = np.concatenate([np.full(len(part), k) for k, part in enumerate(np.array_split(np.arange(m), n_classes))])
    counts = np.bincount(y, minlength=n_classes)
    r = np.concatenate([np.linspace(0.0, 1.0, n) for n in counts])
    theta = 2 * np.pi * y / n_classes + 4.0 * r + rng.normal(scale=noise, size=m)
    X = np.column_stack([r * np.cos(theta), r * np.sin(theta)])
    order = rng.permutation(m)
    return X[order], y[order]


# ---- chapter 11: handwritten digits (scikit-learn's bundled 8×8 images; no download)

def digits_split(seed: int = 0, validation_size: float = 0.2, test_size: float = 0.2) -> dict:
    """scikit-learn's 1,797 handwritten 8×8 digits, split into train, validation and test sets.

    Each image is 8 × 8 pixels of ink counts 0 to 16; it is flattened to 64 features and
    divided by 16, so that every feature lies in [0, 1] (chapter 11's ``X``, shape (m, 64);
    ``X.reshape(-1, 8, 8)`` gives the images back). The split is *stratified*: each of the
    three sets holds every digit in (very nearly) the same proportion as the whole set,
    drawn with scikit-learn's ``train_test_split(..., stratify=y)`` from `seed`, first the
    test set, then the validation set from the rest.

    Parameters
    ----------
    seed : int
        Seeds both splits; the same seed gives the same sets on every machine.
    validation_size, test_size : float
        Fractions of all 1,797 images, each in (0, 1), together below 1.

    Returns
    -------
    dict
        ``{"train": (X, y), "validation": (X, y), "test": (X, y)}`` with ``X`` float64 of
        shape (m, 64) in [0, 1] and ``y`` int64 labels 0 to 9 of shape (m,).
    """
    from sklearn.datasets import load_digits  # bundled with scikit-learn: nothing is downloaded
    from sklearn.model_selection import train_test_split

    func = "digits_split"
    validation_size = _open_fraction(validation_size, "validation_size", func)
    test_size = _open_fraction(test_size, "test_size", func)
    if validation_size + test_size >= 1:
        raise ValueError(f"{func}: validation_size + test_size must be below 1 to leave training "
                         f"images, got {validation_size} + {test_size}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"{func}: seed must be an integer, got {type(seed).__name__} {seed!r}")
    digits = load_digits()
    X, y = digits.data / 16.0, digits.target.astype(np.int64)
    X_rest, X_test, y_rest, y_test = train_test_split(X, y, test_size=test_size, stratify=y,
                                                      random_state=int(seed))
    X_train, X_val, y_train, y_val = train_test_split(
        X_rest, y_rest, test_size=validation_size / (1 - test_size), stratify=y_rest, random_state=int(seed))
    return {"train": (X_train, y_train), "validation": (X_val, y_val), "test": (X_test, y_test)}


def _open_fraction(value, name: str, func: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{func}: {name} must be a number between 0 and 1, got {type(value).__name__} {value!r}")
    if not 0 < value < 1:
        raise ValueError(f"{func}: {name} must lie strictly between 0 and 1 (a fraction of the "
                         f"1,797 images), got {value}")
    return float(value)
