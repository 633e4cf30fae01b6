"""Part IV's machinery equals Keras's: losses from logits, optimisers, schedules, mini-batch fit,
dropout and L2, all in float64 (``keras.config.set_floatx("float64")``).

In float64 the two libraries do the same arithmetic, often in the same order, so most
differences are zero. Each tolerance is still a bound derived from the operations, as in
`tests/test_keras_fit.py` with ε64 in place of ε32: a sum of n terms may be off by n·ε64 times
the sum of their absolute values; a library's exp, log or pow by FUNCTION_ULPS units in the
last place. Two Keras habits are part of the arithmetic and are modelled, not tuned around:

- Keras turns Python constants into tensors before casting them: ``ops.cast(0.9, "float64")`` is
  float32's 0.9. Its SGD momentum, Adam's β1 and β2 (in their powers), L2's factor and a
  schedule's numbers (computed wholly in float32) are therefore float32 numbers. The tests use
  constants that float32 holds exactly (0.875, 1 − 2⁻⁹, 2⁻⁷), so the comparison tests the
  update rules at float64 precision; the one schedule that decays smoothly allows float32's
  rounding of the learning rate.
- Keras computes a sigmoid's or softmax's cross-entropy from the layer's input z.

Every comparison must fail when one constant is off: `test_one_constant_off_is_detected` runs
each with Keras given a learning rate, momentum, β, dropout rate, L2 factor or label off by a
relative 1e-6, and requires the comparison to fail.
"""

from __future__ import annotations

import functools
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # before TensorFlow loads

import numpy as np
import pytest
from test_keras_fit import gradient_float32_errors

import nnlib
from nnlib.regularizers import l2_gradients

from conftest import EPS32, FUNCTION_ULPS, assert_float32_close

tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")

EPS64 = float(np.finfo(np.float64).eps)
TO_FLOAT64 = EPS64 / EPS32  # the float32 error bounds of test_keras_fit, at float64's precision
BETA_1, BETA_2 = 0.875, 1 - 2 ** -9  # Adam's β's, exact in float32 (Keras rounds them to float32)


pytestmark = pytest.mark.usefixtures("float64_keras")  # conftest.py


def close(actual, expected, tolerance, what):
    assert_float32_close(actual, expected, tolerance, what)  # entry by entry: |a − e| ≤ tolerance


# ---------------------------------------------------------------- losses

def loss_problem():
    """Scores from moderate to ±1000 (where only log-sum-exp stays exact), and targets."""
    rng = np.random.default_rng(0)
    Z = np.concatenate([rng.normal(scale=3.0, size=(20, 3)), [[1000.0, -1000.0, 0.0], [-1000.0, 999.0, 3.0]]])
    labels = np.concatenate([rng.integers(0, 3, size=20), [1, 0]])
    bits = (rng.uniform(size=Z.shape) > 0.5).astype(float)
    return Z, labels, np.eye(3)[labels], bits


def loss_pairs(label_factor=1.0):
    """(nnlib's loss, Keras's, the bound) for every cross-entropy, from scores and from probabilities."""
    Z, labels, onehot, bits = loss_problem()
    # Probabilities only from the moderate rows: where a probability is clipped to 1e-7, Keras's
    # 1e-7 is float32's (another Python constant through float32) and the losses differ by 1e-8.
    P, S = nnlib.softmax(Z[:20]), nnlib.sigmoid(Z[:20])
    onehot_p, bits_p, labels_p = onehot[:20], bits[:20], labels[:20]
    K = keras.losses
    n = Z.shape[1]
    # per example: a log or exp per term (FUNCTION_ULPS), a sum over n outputs, a few more
    # roundings, of terms as large as 2|z| + 1 (log-sum-exp: the max, the shifted scores)
    per_example = (FUNCTION_ULPS + n + 4) * EPS64 * (2 * np.max(np.abs(Z), axis=1) + 1 + np.log(n))
    bound = np.mean(per_example) + len(Z) * EPS64 * 2100  # the mean of m losses of at most ~2000
    cases = {
        "bce from logits": (nnlib.binary_crossentropy(bits, Z, from_logits=True),
                            K.binary_crossentropy(bits * label_factor, Z, from_logits=True)),
        "cce from logits": (nnlib.categorical_crossentropy(onehot, Z, from_logits=True),
                            K.categorical_crossentropy(onehot * label_factor, Z, from_logits=True)),
        "sparse cce from logits": (nnlib.sparse_categorical_crossentropy(labels, Z, from_logits=True),
                                   K.sparse_categorical_crossentropy(labels, Z * label_factor, from_logits=True)),
        "bce of probabilities": (nnlib.binary_crossentropy(bits_p, S),
                                 K.binary_crossentropy(bits_p * label_factor, S)),
        "cce of probabilities": (nnlib.categorical_crossentropy(onehot_p, P),
                                 K.categorical_crossentropy(onehot_p * label_factor, P)),
        "sparse cce of probabilities": (nnlib.sparse_categorical_crossentropy(labels_p, P),
                                        K.sparse_categorical_crossentropy(labels_p, P ** label_factor)),
    }
    return {name: (ours, float(np.mean(keras.ops.convert_to_numpy(theirs))), bound)
            for name, (ours, theirs) in cases.items()}


def compare_losses(label_factor=1.0):
    for name, (ours, theirs, bound) in loss_pairs(label_factor).items():
        close(theirs, ours, bound, name)


def test_losses_match_keras():
    compare_losses()


# ---------------------------------------------------------------- optimisers, step by step

def optimizers(case, factor=1.0):
    """nnlib's and Keras's optimiser for a case; `factor` multiplies one constant on Keras's side."""
    decay = dict(initial_learning_rate=2 ** -7, decay_steps=4)
    return {
        "sgd": (nnlib.SGD(0.125), keras.optimizers.SGD(0.125 * factor)),
        "sgd momentum": (nnlib.SGD(0.125, momentum=0.875),
                         keras.optimizers.SGD(0.125, momentum=0.875 * factor)),
        "adam": (nnlib.Adam(2 ** -7, BETA_1, BETA_2),
                 keras.optimizers.Adam(2 ** -7, BETA_1, BETA_2 * factor)),
        "adam, staircase schedule": (
            nnlib.Adam(nnlib.ExponentialDecay(**decay, decay_rate=0.5, staircase=True), BETA_1, BETA_2),
            keras.optimizers.Adam(keras.optimizers.schedules.ExponentialDecay(
                **decay, decay_rate=0.5 * factor, staircase=True), BETA_1, BETA_2)),
        "adam, smooth schedule": (
            nnlib.Adam(nnlib.ExponentialDecay(**decay, decay_rate=0.75), BETA_1, BETA_2),
            keras.optimizers.Adam(keras.optimizers.schedules.ExponentialDecay(
                **decay, decay_rate=0.75 * factor), BETA_1, BETA_2)),
    }[case]


def schedule_error(optimizer) -> float:
    """Relative error of Keras's learning rate: a smooth schedule is computed in float32 (a pow
    and a product, and the exponent step / decay_steps, exact for a power of 2 as decay_steps)."""
    rate = optimizer.learning_rate
    if isinstance(rate, nnlib.ExponentialDecay) and not (rate.staircase and rate.decay_rate == 0.5):
        return (FUNCTION_ULPS + 2) * EPS32
    return 0.0  # a float32-exact number, or 0.5 to an integer power


class UpdateBound:
    """Follows an nnlib optimiser's run and bounds how far a correct Keras run may be from it.

    Per parameter entry, each step adds: the update's own roundings (a few ε64 of its size; in
    Adam, pow's error in β^t, magnified by β^t / (1 − β^t) in 1 − β^t), the learning rate's
    error (`schedule_error`), and the error `grad_err` already in the gradient, carried through
    the update (and through momentum's or Adam's running averages). The subtraction p − update
    rounds once more.
    """

    def __init__(self, optimizer, params):
        self.opt, self.err = optimizer, [np.zeros_like(p) for p in params]
        self.m_err = [np.zeros_like(p) for p in params]
        self.v_err = [np.zeros_like(p) for p in params]
        self.r_lr = schedule_error(optimizer)

    def step(self, grads, params, grad_err=None):
        """Apply the optimiser (returns its new params) and grow the bound by this step's errors."""
        grad_err = grad_err or [np.zeros_like(g) for g in grads]
        old_state = self._state()
        new = self.opt.apply(grads, params)
        for i, (g, p, p_new, e_g) in enumerate(zip(grads, params, new, grad_err)):
            self.err[i] = self.err[i] + self._update_error(i, g, p - p_new, e_g, old_state) \
                + EPS64 * np.abs(p_new)
        return new

    def _state(self):
        o = self.opt
        if isinstance(o, nnlib.Adam):
            return None if o.m is None else ([m.copy() for m in o.m], [v.copy() for v in o.v])
        return None if o.velocities is None else [v.copy() for v in o.velocities]

    def _update_error(self, i, g, update, e_g, old):
        o, eps = self.opt, EPS64
        lr = o.learning_rate(o.iterations - 1) if callable(o.learning_rate) else o.learning_rate
        if isinstance(o, nnlib.SGD) and o.momentum == 0:
            return np.abs(update) * (eps + self.r_lr) + lr * e_g
        if isinstance(o, nnlib.SGD):  # v ← μ v − lr g: its error decays by μ and gains this step's
            v_old = np.zeros_like(g) if old is None else old[i]
            self.m_err[i] = (o.momentum * self.m_err[i] + lr * e_g + np.abs(lr * g) * self.r_lr
                             + 2 * eps * (np.abs(o.momentum * v_old) + np.abs(lr * g)))
            return self.m_err[i]
        m_old, v_old = (np.zeros_like(g), np.zeros_like(g)) if old is None else (old[0][i], old[1][i])
        m, v, t = o.m[i], o.v[i], o.iterations
        self.m_err[i] = o.beta_1 * self.m_err[i] + (1 - o.beta_1) * e_g + 3 * eps * (np.abs(m_old) + np.abs(g))
        self.v_err[i] = (o.beta_2 * self.v_err[i] + (1 - o.beta_2) * 2 * np.abs(g) * e_g
                         + 3 * eps * (v_old + g ** 2))
        b1t, b2t = o.beta_1 ** t, o.beta_2 ** t
        alpha = lr * np.sqrt(1 - b2t) / (1 - b1t)
        denominator = np.sqrt(v) + o.epsilon
        carried = alpha * (self.m_err[i] / denominator
                           + np.abs(m) * np.divide(self.v_err[i], 2 * np.sqrt(v) * denominator ** 2,
                                                   out=np.zeros_like(v), where=v > 0))
        own = (10 + FUNCTION_ULPS * (b1t / (1 - b1t) + b2t / (1 - b2t))) * eps + self.r_lr
        return carried + np.abs(update) * own


def optimizer_trajectories(case, factor=1.0, steps=12):
    """Both optimisers on the same 12 random gradients; per step, Keras's params, ours and the bound."""
    rng = np.random.default_rng(1)
    params = [rng.normal(size=(3, 2)), rng.normal(size=2)]
    ours, theirs = optimizers(case, factor)
    variables = [keras.Variable(p, dtype="float64") for p in params]
    bound = UpdateBound(ours, params)
    for _ in range(steps):
        grads = [rng.normal(size=p.shape) for p in params]
        theirs.apply_gradients(zip([keras.ops.convert_to_tensor(g) for g in grads], variables))
        params = bound.step(grads, params)
        yield [v.numpy() for v in variables], params, bound.err


OPTIMIZER_CASES = ["sgd", "sgd momentum", "adam", "adam, staircase schedule", "adam, smooth schedule"]


def compare_optimizers(case, factor=1.0):
    for k, (theirs, ours, bound) in enumerate(optimizer_trajectories(case, factor)):
        for j, (a, b, e) in enumerate(zip(theirs, ours, bound)):
            close(a, b, e, f"{case}, step {k + 1}, parameter {j}")


@pytest.mark.parametrize("case", OPTIMIZER_CASES)
def test_optimiser_trajectories_match_keras_step_by_step(case):
    compare_optimizers(case)


# ---------------------------------------------------------------- fit with mini-batches

FIT_CASES = {  # sizes, activations, loss, optimizer factory (nnlib, keras), l2
    "sigmoid, bce, SGD with momentum, L2": (
        [3, 5, 1], ["sigmoid", "sigmoid"], "binary_crossentropy",
        lambda f: (nnlib.SGD(0.5, momentum=0.875), keras.optimizers.SGD(0.5 * f, momentum=0.875)), 2 ** -8),
    "relu, softmax, sparse cce, Adam with a schedule, L2": (
        [3, 6, 3], ["relu", "softmax"], "sparse_categorical_crossentropy",
        lambda f: (nnlib.Adam(nnlib.ExponentialDecay(2 ** -6, 4, 0.5, staircase=True), BETA_1, BETA_2),
                   keras.optimizers.Adam(keras.optimizers.schedules.ExponentialDecay(
                       2 ** -6 * f, 4, 0.5, staircase=True), BETA_1, BETA_2)), 2 ** -10),
    "tanh, linear, mse, Adam": (
        [3, 4, 2], ["tanh", "linear"], "mse",
        lambda f: (nnlib.Adam(2 ** -6, BETA_1, BETA_2), keras.optimizers.Adam(2 ** -6 * f, BETA_1, BETA_2)), 0.0),
}
M, BATCH, EPOCHS = 80, 32, 4  # batches of 32, 32 and 16: the last one smaller, as Keras allows


def fit_problem(name):
    sizes, activations, loss, _, l2 = FIT_CASES[name]
    rng = np.random.default_rng(len(name))
    X = rng.normal(size=(M, sizes[0]))
    labels = rng.integers(0, sizes[-1], size=M)
    y = {"binary_crossentropy": (X[:, :1] * X[:, 1:2] > 0).astype(float),
         "sparse_categorical_crossentropy": labels, "mse": rng.normal(size=(M, sizes[-1]))}[loss]
    layers = nnlib.make_network(sizes, activations, seed=len(name))
    return X, y, layers, loss, l2


def keras_model(layers, l2):
    """A float64 Keras copy of `layers`, with Keras's L2(l2) on every kernel."""
    regularizer = keras.regularizers.L2(l2) if l2 else None
    model = keras.Sequential([keras.Input(shape=(layers[0].W.shape[0],), dtype="float64")] + [
        keras.layers.Dense(W.shape[1], activation=g, kernel_regularizer=regularizer, dtype="float64")
        for W, _, g in layers])
    model.set_weights([p for layer in layers for p in layer.params])
    return model


def fit_bounds(X, y, layers, loss, l2, optimizer, validation):
    """nnlib's run, batch by batch, and bounds on a correct Keras run's distance from it:
    per epoch's loss and validation loss, and per weight at the end.

    Each batch's gradient may be off by its float64 rounding (test_keras_fit's bound at ε64),
    plus L2's 2·l2·W (one rounding, and 2·l2 times the weights' drift so far); the optimiser
    carries that into the weights (`UpdateBound`). Each batch's loss may be off by its own
    rounding and by the drift times |∂L/∂W|; the epoch's loss is their weighted mean. The
    validation loss likewise, at the epoch's last weights.
    """
    params = [p for layer in layers for p in layer.params]
    bound = UpdateBound(optimizer, params)
    loss_bounds, val_bounds = [], []
    for _ in range(EPOCHS):
        epoch_err = 0.0
        for start in range(0, M, BATCH):
            err, grads, errors = loss_and_gradient_bounds(X[start:start + BATCH], y[start:start + BATCH],
                                                          layers, loss, l2, bound.err)
            epoch_err += len(y[start:start + BATCH]) / M * err
            params = bound.step(grads, params, errors)
            layers = nnlib.training.with_flat_params(layers, params)
        loss_bounds.append(epoch_err)
        val_bounds.append(loss_and_gradient_bounds(*validation, layers, loss, l2, bound.err)[0])
    return np.array(loss_bounds), np.array(val_bounds), bound.err


def loss_and_gradient_bounds(X, y, layers, loss, l2, drift):
    """At these layers: a bound on the loss's error (L2 included) when the weights may have drifted
    by `drift`; the gradients (flat, L2 included) and bounds on their errors."""
    _, loss_err, grads, errors = gradient_float32_errors(X, y, layers, loss)
    params = [p for layer in layers for p in layer.params]
    grads = [g for pair in (l2_gradients(layers, grads, l2) if l2 else grads) for g in pair]
    errors = [TO_FLOAT64 * e + (2 * l2 * (d + 2 * EPS64 * np.abs(p)) if p.ndim == 2 else 0)
              for e, d, p in zip([e for pair in errors for e in pair], drift, params)]
    penalty = nnlib.l2_penalty(layers, l2) if l2 else 0.0
    err = (TO_FLOAT64 * loss_err + (sum(p.size for p in params if p.ndim == 2) + 2) * EPS64 * penalty
           + sum(np.sum(np.abs(g) * d) for g, d in zip(grads, drift)))
    return err, grads, errors


def compare_fit(name, factor=1.0):
    X, y, layers, loss, l2 = fit_problem(name)
    validation = (X[:20] * 1.5, y[:20])  # any data of the right shape: the loss in prediction mode
    make = FIT_CASES[name][3]
    ours_opt, keras_opt = make(factor)
    trained, history = nnlib.fit(X, y, layers, loss, epochs=EPOCHS, batch_size=BATCH, shuffle=False,
                                 optimizer=ours_opt, l2=l2, validation_data=validation)
    model = keras_model(layers, l2)
    model.compile(optimizer=keras_opt, loss=loss)
    theirs = model.fit(X, y, batch_size=BATCH, epochs=EPOCHS, shuffle=False, verbose=0,
                       validation_data=validation).history
    loss_bounds, val_bounds, weight_bounds = fit_bounds(X, y, layers, loss, l2, make(1.0)[0], validation)
    assert history["loss"][-1] < history["loss"][0], "the case must train, or it proves little"
    close(theirs["loss"], history["loss"], loss_bounds, f"{name}: losses")
    close(theirs["val_loss"], history["val_loss"], val_bounds, f"{name}: validation losses")
    ours = [p for layer in trained for p in layer.params]
    for k, (a, b, e) in enumerate(zip(model.get_weights(), ours, weight_bounds, strict=True)):
        close(a, b, e, f"{name}: parameter {k}")


@pytest.mark.parametrize("name", FIT_CASES)
def test_fit_with_mini_batches_matches_keras(name):
    compare_fit(name)


# ---------------------------------------------------------------- dropout and L2

def compare_dropout(rate_factor=1.0):
    """nnlib's Dropout given Keras's mask: the same output in training and the same gradient back."""
    rng = np.random.default_rng(2)
    A, dA, rate = rng.normal(size=(6, 5)), rng.normal(size=(6, 5)), 0.375
    layer = keras.layers.Dropout(rate * rate_factor, seed=3, dtype="float64")  # a fresh seeded generator: one mask
    mask = (keras.ops.convert_to_numpy(layer(np.ones_like(A), training=True)) != 0).astype(float)
    layer = keras.layers.Dropout(rate * rate_factor, seed=3, dtype="float64")
    A_tf = tf.constant(A)
    with tf.GradientTape() as tape:
        tape.watch(A_tf)
        out = layer(A_tf, training=True)
        total = tf.reduce_sum(out * dA)  # so that the gradient with respect to out is dA
    ours, cache = nnlib.Dropout(rate, mask).forward(A, training=True)
    # x · (1 / (1 − rate)) · mask: two roundings of each product
    close(out.numpy(), ours, 2 * EPS64 * np.abs(A) / (1 - rate), "dropout output")
    close(tape.gradient(total, A_tf).numpy(), nnlib.Dropout(rate, mask).backward(dA, cache)[0],
          2 * EPS64 * np.abs(dA) / (1 - rate), "dropout gradient")
    assert 0 < mask.mean() < 1
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(layer(A, training=False)),
                                  nnlib.Dropout(rate).forward(A)[0])


def test_dropout_matches_keras_given_the_same_mask():
    compare_dropout()


def compare_l2(l2_factor=1.0):
    """Keras's loss with L2(l2) on every kernel, and its gradient, against nnlib's."""
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(16, 3)), rng.integers(0, 3, size=16)
    layers = nnlib.make_network([3, 5, 3], ["tanh", "softmax"], seed=4)
    l2 = 2 ** -6
    model = keras_model(layers, l2 * l2_factor)
    variables = model.trainable_variables
    with tf.GradientTape() as tape:
        data_loss = keras.losses.SparseCategoricalCrossentropy()(y, model(X))
        total = data_loss + tf.add_n(model.losses)
    theirs = [g.numpy() for g in tape.gradient(total, variables)]
    value, loss_err, grads, errors = gradient_float32_errors(X, y, layers, "sparse_categorical_crossentropy")
    penalty = nnlib.l2_penalty(layers, l2)
    kernel_terms = sum(W.size for W in (layer.W for layer in layers)) + 2  # the squares summed, and l2 ·
    close(float(total), value + penalty, TO_FLOAT64 * loss_err + kernel_terms * EPS64 * penalty + EPS64 * value,
          "loss with L2")
    ours = [g for pair in l2_gradients(layers, grads, l2) for g in pair]
    params = [p for layer in layers for p in layer.params]
    for k, (a, b, e, p) in enumerate(zip(theirs, ours, [e for pair in errors for e in pair], params)):
        close(a, b, TO_FLOAT64 * e + (3 * EPS64 * (np.abs(b) + 2 * l2 * np.abs(p)) if p.ndim == 2 else 0),
              f"gradient {k} with L2")


def test_l2_penalty_and_its_gradient_match_keras():
    compare_l2()


# ---------------------------------------------------------------- the comparisons can fail

NEGATIVE_CONTROLS = {
    "losses: labels off": lambda: compare_losses(label_factor=1 + 1e-6),
    **{f"optimiser {case}: one constant off": functools.partial(compare_optimizers, case, 1 + 1e-6)
       for case in OPTIMIZER_CASES if case != "adam, smooth schedule"},
    # Keras computes this schedule in float32, so the test allows float32's rounding of the
    # learning rate (1e-6 relative): a decay rate off by 1e-4 must still fail.
    "optimiser adam, smooth schedule: decay rate off by 1e-4": functools.partial(
        compare_optimizers, "adam, smooth schedule", 1 + 1e-4),
    "fit: learning rate off": lambda: compare_fit("relu, softmax, sparse cce, Adam with a schedule, L2", 1 + 1e-6),
    "dropout: rate off": lambda: compare_dropout(rate_factor=1 + 1e-6),
    "L2: factor off (a ½ in front would be far worse)": lambda: compare_l2(l2_factor=1 + 1e-6),
}


@pytest.mark.parametrize("case", NEGATIVE_CONTROLS)
def test_one_constant_off_is_detected(case):
    with pytest.raises(AssertionError, match="beyond float32 rounding"):
        NEGATIVE_CONTROLS[case]()
