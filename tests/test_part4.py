"""Part IV's machinery without Keras: losses from logits, dropout, L2, initialisers, optimisers, fit.

Tolerances: where two formulas compute the same number in float64 (a loss from scores and
from probabilities; a gradient by backprop and by central differences), the bound is a few
float64 roundings of the terms involved, or the gradient check's 1e-7 of chapter 6. Where a
random draw is summarised (initialiser statistics, the fraction of units dropout keeps), the
bound is five standard errors of that summary, so a correct implementation fails about once
in a million runs, and a wrong constant (a limit √(3/n) instead of √(6/n)) fails every time.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest

import nnlib
from nnlib import Dense, Dropout

EPS64 = float(np.finfo(np.float64).eps)
GRADIENT_CHECK_TOL = 1e-7  # chapter 6: a correct backprop gives far less on these points


def logits_loss(name):
    return functools.partial(getattr(nnlib, name), from_logits=True)


# ---------------------------------------------------------------- losses from logits

def moderate_problem(seed=0, m=12, n=4):
    """Scores small enough that no probability comes near the 1e-7 where the clipping starts."""
    rng = np.random.default_rng(seed)
    Z = rng.normal(scale=2.0, size=(m, n))
    labels = rng.integers(0, n, size=m)
    return Z, labels, np.eye(n)[labels], (rng.uniform(size=(m, n)) > 0.5).astype(float)


def test_losses_from_logits_equal_the_losses_of_probabilities_where_nothing_clips():
    Z, labels, onehot, bits = moderate_problem()
    pairs = [
        (nnlib.binary_crossentropy(bits, nnlib.sigmoid(Z)), nnlib.binary_crossentropy(bits, Z, from_logits=True)),
        (nnlib.categorical_crossentropy(onehot, nnlib.softmax(Z)),
         nnlib.categorical_crossentropy(onehot, Z, from_logits=True)),
        (nnlib.sparse_categorical_crossentropy(labels, nnlib.softmax(Z)),
         nnlib.sparse_categorical_crossentropy(labels, Z, from_logits=True)),
    ]
    for from_probabilities, from_scores in pairs:
        # log of a probability vs log-sum-exp: each a few roundings of terms up to max|z| + log n
        bound = 16 * EPS64 * (np.max(np.abs(Z)) + 2)
        assert abs(from_probabilities - from_scores) <= bound


@pytest.mark.parametrize("z", [1000.0, -1000.0])
def test_losses_from_logits_are_exact_at_1000(z, strict_numerics):
    """A score of ±1000: no overflow, no warning, no clipping (the clipped loss would be 16.1)."""
    y = 1.0 if z < 0 else 0.0  # the confidently wrong answer: the loss is |z|
    assert nnlib.binary_crossentropy([[y]], [[z]], from_logits=True) == 1000.0
    scores, label = np.array([[z, -z]]), 1  # the wrong class has the larger score when z > 0
    expected = 2000.0 if z > 0 else 0.0
    assert nnlib.categorical_crossentropy([[0.0, 1.0]], scores, from_logits=True) == expected
    assert nnlib.sparse_categorical_crossentropy([label], scores, from_logits=True) == expected
    np.testing.assert_array_equal(nnlib.log_softmax(scores), [[min(0, 2 * z), min(0, -2 * z)]])


@pytest.mark.parametrize("name, output", [("binary_crossentropy", "sigmoid"),
                                          ("categorical_crossentropy", "softmax"),
                                          ("sparse_categorical_crossentropy", "softmax")])
def test_a_linear_output_with_a_loss_from_logits_has_the_gradients_of_the_paired_output(name, output):
    """The same network: a sigmoid/softmax output with its loss, or a linear one with the loss from z."""
    Z, labels, onehot, bits = moderate_problem(1, m=16, n=3)
    y = {"binary_crossentropy": bits[:, :3], "categorical_crossentropy": onehot}.get(name, labels)
    rng = np.random.default_rng(2)
    X = rng.normal(size=(16, 2))
    hidden = Dense(rng.normal(size=(2, 5)), rng.normal(size=5), "tanh")
    W, b = rng.normal(size=(5, 3)), rng.normal(size=3)
    paired = nnlib.backprop(X, y, [hidden, Dense(W, b, output)], name)
    scored = nnlib.backprop(X, y, [hidden, Dense(W, b, "linear")], logits_loss(name))
    for a, c in zip(sum(paired, ()), sum(scored, ())):
        np.testing.assert_allclose(a, c, rtol=0, atol=64 * EPS64 * np.max(np.abs(a)))
    assert nnlib.gradient_check(X, y, [hidden, Dense(W, b, "linear")], logits_loss(name)) < GRADIENT_CHECK_TOL
    derivative = nnlib.loss_derivative(logits_loss(name), y, Z[:, :3])
    numeric = nnlib.numeric_gradient(lambda z: logits_loss(name)(y, z), Z[:, :3])
    np.testing.assert_allclose(derivative, numeric, rtol=0, atol=1e-8)


def test_fit_trains_a_linear_output_from_logits_as_keras_recommends():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(60, 2))
    labels = (X[:, 0] * X[:, 1] > 0).astype(int)
    layers = nnlib.make_network([2, 8, 2], ["tanh", "linear"], seed=0)
    trained, history = nnlib.fit(X, labels, layers, logits_loss("sparse_categorical_crossentropy"),
                                 epochs=200, optimizer=nnlib.Adam(0.05), batch_size=20, seed=0)
    assert history[-1] < 0.3 * history[0]
    assert nnlib.from_logits(logits_loss("binary_crossentropy"))
    assert not nnlib.from_logits("binary_crossentropy")


# ---------------------------------------------------------------- dropout

def test_dropout_is_inverted_and_off_at_prediction():
    A = np.arange(1.0, 13.0).reshape(3, 4)
    out = nnlib.dropout(A, 0.25, rng=np.random.default_rng(0))
    kept = out != 0
    np.testing.assert_allclose(out[kept], A[kept] / 0.75, rtol=2 * EPS64)  # two roundings
    assert np.array_equal(nnlib.dropout(A, 0.25, training=False), A)
    assert np.array_equal(nnlib.dropout(A, 0.0, rng=np.random.default_rng(0)), A)
    same, _ = Dropout(0.25).forward(A, training=True, rng=np.random.default_rng(0))
    np.testing.assert_array_equal(same, out)  # the layer and the function draw the same mask
    assert nnlib.sequential(A, [Dropout(0.5)]) is not None
    np.testing.assert_array_equal(nnlib.sequential(A, [Dropout(0.5)]), A)


def test_dropout_keeps_each_unit_with_probability_one_minus_rate():
    rate, n = 0.3, 200_000
    kept = np.mean(nnlib.dropout(np.ones((n, 1)), rate, rng=np.random.default_rng(1)) != 0)
    assert abs(kept - (1 - rate)) <= 5 * np.sqrt(rate * (1 - rate) / n)


@pytest.mark.parametrize("rate", [-0.1, 1.0, 1.5, np.nan])
def test_a_dropout_rate_outside_0_1_is_refused(rate):
    with pytest.raises(ValueError, match=r"dropout: rate must be a number in \[0, 1\)"):
        nnlib.dropout(np.ones((2, 2)), rate)


def test_gradient_check_through_dropout_with_a_fixed_mask():
    rng = np.random.default_rng(4)
    X, y = rng.normal(size=(10, 3)), (rng.uniform(size=(10, 1)) > 0.5).astype(float)
    mask = (rng.uniform(size=(10, 4)) >= 0.4).astype(float)
    layers = [Dense(rng.normal(size=(3, 4)), rng.normal(size=4), "tanh"), Dropout(0.4, mask),
              Dense(rng.normal(size=(4, 1)), rng.normal(size=1), "sigmoid")]
    assert nnlib.gradient_check(X, y, layers, "binary_crossentropy") < GRADIENT_CHECK_TOL
    dW1 = nnlib.backprop(X, y, layers, "binary_crossentropy")[0][0]
    grads_of_dropped_units = dW1[:, mask.sum(axis=0) == 0]
    assert np.all(grads_of_dropped_units == 0)


def test_fit_with_dropout_is_reproducible_and_predicts_without_it():
    rng = np.random.default_rng(5)
    X, y = rng.normal(size=(40, 2)), rng.normal(size=(40, 1))
    layers = nnlib.make_network([2, 16, 1], ["relu", "linear"], seed=1)
    layers.insert(1, Dropout(0.5))
    first = nnlib.fit(X, y, layers, "mse", lr=0.05, epochs=5, seed=7)
    again = nnlib.fit(X, y, layers, "mse", lr=0.05, epochs=5, seed=7)
    other = nnlib.fit(X, y, layers, "mse", lr=0.05, epochs=5, seed=8)
    assert np.array_equal(first[1], again[1]) and not np.array_equal(first[1], other[1])
    no_dropout = [layers[0], layers[2]]
    trained = [first[0][0], first[0][2]]
    np.testing.assert_array_equal(nnlib.sequential(X, first[0]), nnlib.sequential(X, trained))
    assert not np.array_equal(nnlib.fit(X, y, no_dropout, "mse", lr=0.05, epochs=5)[1], first[1])


# ---------------------------------------------------------------- L2

def test_l2_penalty_is_l2_times_the_sum_of_squared_kernels():
    layers = [Dense(np.full((2, 3), 2.0), np.full(3, 100.0), "relu"), Dropout(0.5),
              Dense(np.ones((3, 1)), np.ones(1), "linear")]
    assert nnlib.l2_penalty(layers, 0.01) == pytest.approx(0.01 * (6 * 4.0 + 3 * 1.0), rel=4 * EPS64)
    assert nnlib.l2_penalty(layers, 0.0) == 0.0


def test_fit_with_l2_descends_the_penalised_loss():
    """Full-batch SGD with l2: one step moves W by −lr (dW + 2 l2 W) and leaves b's step alone."""
    rng = np.random.default_rng(6)
    X, y = rng.normal(size=(8, 2)), rng.normal(size=(8, 1))
    layers = [Dense(rng.normal(size=(2, 1)), rng.normal(size=1), "linear")]
    (trained,), history = nnlib.fit(X, y, layers, "mse", lr=0.1, epochs=1, l2=0.5)
    (dW, db), = nnlib.backprop(X, y, layers, "mse")
    np.testing.assert_allclose(trained.W, layers[0].W - 0.1 * (dW + 2 * 0.5 * layers[0].W), rtol=4 * EPS64)
    np.testing.assert_allclose(trained.b, layers[0].b - 0.1 * db, rtol=4 * EPS64)
    expected = nnlib.mse(y, nnlib.sequential(X, layers)) + nnlib.l2_penalty(layers, 0.5)
    assert history[0] == pytest.approx(expected, rel=4 * EPS64)


# ---------------------------------------------------------------- initialisation

def test_glorot_uniform_has_keras_limit_and_variance():
    n_in, n_units = 300, 500
    W = nnlib.glorot_uniform(n_in, n_units, rng=np.random.default_rng(0))
    limit = np.sqrt(6 / (n_in + n_units))
    assert W.shape == (n_in, n_units) and np.max(np.abs(W)) <= limit
    assert np.max(np.abs(W)) > 0.999 * limit  # the whole interval is used
    # a uniform variable's square has variance (4/45) limit⁴; its mean over n draws, that over n
    assert abs(np.mean(W ** 2) - limit ** 2 / 3) <= 5 * np.sqrt(4 / 45 * limit ** 4 / W.size)


def test_he_normal_is_truncated_at_two_stddevs_and_has_std_sqrt_2_over_n_in():
    n_in, n_units = 400, 600
    W = nnlib.he_normal(n_in, n_units, rng=np.random.default_rng(1))
    target = np.sqrt(2 / n_in)
    assert np.max(np.abs(W)) <= 2 * target / 0.87962566103423978
    # truncated normal: E w² = target², E w⁴ = 3 − 6φ(2)·2³/... measured by the sample itself
    standard_error = np.std(W ** 2) / np.sqrt(W.size)
    assert abs(np.mean(W ** 2) - target ** 2) <= 5 * standard_error
    assert abs(np.mean(W)) <= 5 * target / np.sqrt(W.size)


def test_make_network_is_seeded_with_zero_biases():
    a = nnlib.make_network([3, 4, 2], ["relu", "softmax"], seed=0, kernel_initializer="he_normal")
    b = nnlib.make_network([3, 4, 2], ["relu", "softmax"], seed=0, kernel_initializer="he_normal")
    assert [layer.W.shape for layer in a] == [(3, 4), (4, 2)]
    assert all(np.array_equal(x.W, y.W) and not x.b.any() for x, y in zip(a, b))
    assert not np.array_equal(a[0].W, nnlib.make_network([3, 4, 2], ["relu", "softmax"], seed=1)[0].W)


# ---------------------------------------------------------------- optimisers

def gradient_sequence(seed, steps, shapes):
    rng = np.random.default_rng(seed)
    return [[rng.normal(size=s) for s in shapes] for _ in range(steps)]


@pytest.mark.parametrize("optimizer", [nnlib.SGD(0.1), nnlib.SGD(0.1, momentum=0.9), nnlib.Adam(0.01)],
                         ids=["sgd", "momentum", "adam"])
def test_optimisers_do_not_change_their_inputs(optimizer):
    params = [np.ones((2, 3)), np.zeros(3)]
    for grads in gradient_sequence(0, 3, [(2, 3), (3,)]):
        before = [p.copy() for p in params], [g.copy() for g in grads]
        new = optimizer.apply(grads, params)
        assert all(np.array_equal(a, b) for a, b in zip(before[0] + before[1], params + grads))
        assert all(n is not p for n, p in zip(new, params))
        params = new
    assert optimizer.iterations == 3


def test_sgd_with_momentum_is_kerass_rule():
    opt, p, v = nnlib.SGD(0.1, momentum=0.5), np.array([1.0]), np.array([0.0])
    for (g,) in gradient_sequence(1, 4, [(1,)]):
        v = 0.5 * v - 0.1 * g
        expected = p + v
        (p,) = opt.apply([g], [p])
        np.testing.assert_allclose(p, expected, rtol=0, atol=4 * EPS64 * (abs(expected[0]) + 1))


def test_adams_first_step_is_lr_times_the_gradients_sign():
    """With m = (1 − β1) g and v = (1 − β2) g², the bias-corrected step is lr g / (|g| + ε')."""
    g = np.array([0.5, -2.0, 1e-3])
    (p,) = nnlib.Adam(0.01).apply([g], [np.zeros(3)])
    eps_effective = 1e-7 / np.sqrt(1 - 0.999)  # ε is added to the uncorrected √v
    np.testing.assert_allclose(p, -0.01 * g / (np.abs(g) + eps_effective), rtol=16 * EPS64)


def test_exponential_decay_values():
    decay = nnlib.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
    assert decay(0) == 0.1 and decay(10) == pytest.approx(0.05, rel=4 * EPS64)
    assert decay(5) == pytest.approx(0.1 * 0.5 ** 0.5, rel=4 * EPS64)
    stairs = nnlib.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5, staircase=True)
    assert stairs(9) == 0.1 and stairs(10) == pytest.approx(0.05, rel=4 * EPS64)
    opt = nnlib.SGD(learning_rate=stairs)  # the schedule is read at the step count before the step
    steps = [opt.apply([np.ones(1)], [np.zeros(1)])[0][0] for _ in range(12)]
    assert steps[9] == -0.1 and steps[10] == pytest.approx(-0.05, rel=4 * EPS64)


def test_an_optimiser_belongs_to_one_set_of_parameters():
    opt = nnlib.Adam()
    opt.apply([np.ones(2)], [np.zeros(2)])
    with pytest.raises(ValueError, match=r"Adam.apply: this optimiser was used on parameters of shapes"):
        opt.apply([np.ones(3)], [np.zeros(3)])


# ---------------------------------------------------------------- fit's new arguments

def small_problem(seed=7, m=50):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, 3))
    y = np.tanh(X @ rng.normal(size=(3, 2)))
    return X, y, nnlib.make_network([3, 6, 2], ["tanh", "linear"], seed=seed)


def test_fit_with_an_sgd_optimiser_or_one_batch_of_all_is_the_plain_fit():
    X, y, layers = small_problem()
    plain = nnlib.fit(X, y, layers, "mse", lr=0.1, epochs=10)
    for variant in (nnlib.fit(X, y, layers, "mse", epochs=10, optimizer=nnlib.SGD(0.1)),
                    nnlib.fit(X, y, layers, "mse", lr=0.1, epochs=10, batch_size=len(X), shuffle=False)):
        assert np.array_equal(plain[1], variant[1])
        assert all(np.array_equal(a, b) for la, lb in zip(plain[0], variant[0]) for a, b in zip(la, lb)
                   if isinstance(a, np.ndarray))


def test_fit_history_is_the_batch_size_weighted_mean_of_the_batch_losses():
    X, y, layers = small_problem(m=50)
    _, history = nnlib.fit(X, y, layers, "mse", lr=0.1, epochs=1, batch_size=20, shuffle=False)
    losses, current = [], layers
    for batch in (slice(0, 20), slice(20, 40), slice(40, 50)):
        losses.append(nnlib.mse(y[batch], nnlib.sequential(X[batch], current)))
        grads = nnlib.backprop(X[batch], y[batch], current, "mse")
        current = [Dense(W - 0.1 * dW, b - 0.1 * db, g) for (W, b, g), (dW, db) in zip(current, grads)]
    expected = (20 * losses[0] + 20 * losses[1] + 10 * losses[2]) / 50
    assert history[0] == pytest.approx(expected, rel=16 * EPS64)


def test_fit_shuffles_reproducibly_with_a_seed():
    X, y, layers = small_problem()
    a = nnlib.fit(X, y, layers, "mse", lr=0.1, epochs=3, batch_size=10, seed=1)[1]
    b = nnlib.fit(X, y, layers, "mse", lr=0.1, epochs=3, batch_size=10, seed=1)[1]
    c = nnlib.fit(X, y, layers, "mse", lr=0.1, epochs=3, batch_size=10, shuffle=False)[1]
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_validation_loss_and_early_stopping():
    X, y, layers = small_problem()
    X_val, y_val = X[:10] + 3.0, y[:10]  # a shifted set whose loss soon stops improving
    trained, history = nnlib.fit(X, y, layers, "mse", epochs=500, optimizer=nnlib.Adam(0.05),
                                 validation_data=(X_val, y_val), patience=5, restore_best_weights=True)
    assert set(history) == {"loss", "val_loss"} and len(history["loss"]) == len(history["val_loss"])
    run = len(history["val_loss"])
    assert run < 500, "the validation loss must stop improving within 500 epochs for this test to mean much"
    best = int(np.argmin(history["val_loss"]))
    assert run == best + 6  # five epochs without improvement after the best, then it stops
    assert nnlib.mse(y_val, nnlib.sequential(X_val, trained)) == history["val_loss"][best]
