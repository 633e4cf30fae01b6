"""Chapter 8's checks: right answers pass, and each realistic wrong answer is reported with its reason.

`check_softmax`, `check_crossentropy_from_logits` and `check_glorot_uniform`, and the
existing `check_activation(..., "softmax")` on the mistakes chapter 8's exercises invite.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

import nnlib
from nnlib import checks


def failures(check, candidate, capsys) -> list[str]:
    """Run a check that must fail; its report lists exactly these failures, then a summary."""
    result = check(candidate)
    out = capsys.readouterr().out
    assert not result and result.failures
    lines = out.strip().splitlines()
    assert lines[-1].startswith(f"{result.name}: {len(result.failures)} of {result.n_cases} cases failed")
    return result.failures


def passes(check, candidate, capsys) -> None:
    result = check(candidate)
    out = capsys.readouterr().out
    assert result and out.startswith("✓ ") and "✗" not in out


def case_numbers(found: list[str]) -> list[int]:
    return [int(f.split()[1]) for f in found]


# ---------------------------------------------------------------- softmax

def softmax_rows(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def softmax_by_loops(z):
    """An independent, row-by-row softmax that a careful learner might write."""
    z = np.asarray(z, dtype=float)
    if z.ndim == 2:
        return np.array([softmax_by_loops(row) for row in z])
    shifted = [v - max(z) for v in z]
    total = sum(np.exp(v) for v in shifted)
    return np.array([np.exp(v) / total for v in shifted])


@pytest.mark.parametrize("candidate", [nnlib.softmax, softmax_rows, softmax_by_loops])
def test_right_softmaxes_pass(candidate, capsys):
    passes(checks.check_softmax, candidate, capsys)
    passes(lambda f: checks.check_activation(f, "softmax"), candidate, capsys)


def test_softmax_without_the_max_shift_gives_nan_at_1000(capsys):
    def unshifted(z):
        e = np.exp(z)
        return e / e.sum(axis=-1, keepdims=True)

    found = failures(checks.check_softmax, unshifted, capsys)
    assert case_numbers(found) == [4, 6]
    assert "got [ 0., nan]" in found[0] and "subtract the largest score first" in found[0]


def test_softmax_over_the_wrong_axis_is_caught_on_batches(capsys):
    def columns(z):
        e = np.exp(z - np.max(z, axis=0, keepdims=True))
        return e / e.sum(axis=0, keepdims=True)

    found = failures(checks.check_softmax, columns, capsys)
    assert case_numbers(found) == [5, 6]  # a 1-D z has only one axis: right there
    assert all("one example per row" in f for f in found)
    assert case_numbers(failures(lambda f: checks.check_activation(f, "softmax"), columns, capsys)) == [4]


def test_softmax_normalised_over_the_whole_batch_is_caught(capsys):
    def whole_batch(z):
        e = np.exp(z - np.max(z, axis=-1, keepdims=True))
        return e / e.sum()

    assert case_numbers(failures(checks.check_softmax, whole_batch, capsys)) == [5, 6]


def test_exp_without_normalising_is_caught(capsys):
    def only_exp(z):
        return np.exp(z - np.max(z, axis=-1, keepdims=True))

    found = failures(checks.check_softmax, only_exp, capsys)
    assert 1 in case_numbers(found) and "expected [0.268941, 0.731059], got [0.367879, 1.      ]" in found[0]


def test_subtracting_the_batch_max_instead_of_each_rows_is_caught_only_by_check_softmax(capsys):
    """The realistic slip check_activation misses: np.max(z) without an axis."""
    def batch_max(z):
        e = np.exp(z - np.max(z))
        return e / e.sum(axis=-1, keepdims=True)

    found = failures(checks.check_softmax, batch_max, capsys)
    assert case_numbers(found) == [6] and "nan" in found[0] and "each row's max" in found[0]
    passes(lambda f: checks.check_activation(f, "softmax"), batch_max, capsys)


def test_softmax_check_reports_crashes_none_and_endless_loops(capsys, monkeypatch):
    def endless(z):
        while True:
            pass

    assert all("raised IndexError" in f
               for f in failures(checks.check_softmax, lambda z: z[:, 0], capsys)[:4])
    assert all("returned None" in f for f in failures(checks.check_softmax, lambda z: None, capsys))
    monkeypatch.setattr(checks, "TIME_LIMIT", 0.2)
    start = time.monotonic()
    found = failures(checks.check_softmax, endless, capsys)
    assert time.monotonic() - start < 5 and "took longer than 0.2 s" in found[0]


def test_softmax_that_changes_z_in_place_is_reported(capsys):
    def in_place(z):
        z -= np.max(z, axis=-1, keepdims=True)
        np.exp(z, out=z)
        z /= z.sum(axis=-1, keepdims=True)
        return z

    found = failures(checks.check_softmax, in_place, capsys)
    assert "changed its input z in place" in found[0]


# ---------------------------------------------------------------- cross-entropy from logits

def ce_by_logsumexp(y, Z):
    Z = np.asarray(Z, dtype=float)
    top = Z.max(axis=1, keepdims=True)
    log_p = Z - top - np.log(np.exp(Z - top).sum(axis=1, keepdims=True))
    return float(np.mean(-np.sum(y * log_p, axis=1)))


def ce_by_logaddexp(y, Z):
    """Independent: log Σ e^z by np.logaddexp.reduce, one example at a time."""
    losses = [np.logaddexp.reduce(z) - np.dot(t, z) for t, z in zip(np.asarray(y), np.asarray(Z, dtype=float))]
    return sum(losses) / len(losses)  # each row of y sums to 1, so Σ_k y_k (lse − z_k) = lse − y·z


@pytest.mark.parametrize("candidate", [ce_by_logsumexp, ce_by_logaddexp,
                                       lambda y, Z: nnlib.categorical_crossentropy(y, Z, from_logits=True)])
def test_right_crossentropies_pass(candidate, capsys):
    passes(checks.check_crossentropy_from_logits, candidate, capsys)


def test_crossentropy_without_the_max_shift_is_caught_at_1000(capsys):
    def unshifted(y, Z):
        return float(np.mean(-np.sum(y * (Z - np.log(np.exp(Z).sum(axis=1, keepdims=True))), axis=1)))

    with np.errstate(all="ignore"):
        found = failures(checks.check_crossentropy_from_logits, unshifted, capsys)
    assert case_numbers(found) == [3] and "expected 1500." in found[0] and "got nan" in found[0]


def test_crossentropy_through_softmax_and_clipping_is_caught_at_1000(capsys):
    """Softmax, then the clipped log of nnlib's probability loss: 16.1 where the loss is 1000 or 2000."""
    found = failures(checks.check_crossentropy_from_logits,
                     lambda y, Z: nnlib.categorical_crossentropy(y, nnlib.softmax(Z)), capsys)
    assert case_numbers(found)[0] == 3 and "expected 1500." in found[0] and "got 16.11809" in found[0]


def test_crossentropy_summed_over_examples_is_caught(capsys):
    found = failures(checks.check_crossentropy_from_logits,
                     lambda y, Z: float(np.sum(-np.sum(y * nnlib.log_softmax(Z), axis=1))), capsys)
    assert case_numbers(found) == [2, 3, 5]  # every case with more than one example
    assert "expected 1500., got 3000." in found[1]


def test_per_example_losses_without_the_mean_are_caught(capsys):
    found = failures(checks.check_crossentropy_from_logits,
                     lambda y, Z: -np.sum(y * nnlib.log_softmax(Z), axis=1), capsys)
    assert "returned shape (5,), expected shape ()" in found[1]


def test_crossentropy_with_the_wrong_sign_is_caught(capsys):
    found = failures(checks.check_crossentropy_from_logits,
                     lambda y, Z: float(np.mean(np.sum(y * nnlib.log_softmax(Z), axis=1))), capsys)
    assert case_numbers(found) == [1, 2, 3, 5] and "expected 0.313262, got -0.313262" in found[0]
    # case 4's loss, about 4e-22, is zero within the check's tolerance whatever its sign


def test_case_4s_tiny_loss_is_accepted_exact_or_rounded_to_0(capsys):
    """log(1 + 2e^-50) = 3.86e-22, which nnlib's reference rounds to 0.0: both pass."""
    def exact_for_the_sure_case(y, Z):  # log1p keeps the digits log(sum) loses
        top = Z.max(axis=1, keepdims=True)
        log_p = Z - top - np.log1p(np.exp(Z - top).sum(axis=1, keepdims=True) - 1)
        return float(np.mean(-np.sum(y * log_p, axis=1)))

    y, Z = np.eye(3)[[0]], np.array([[50.0, 0.0, 0.0]])
    assert exact_for_the_sure_case(y, Z) == pytest.approx(2 * np.exp(-50.0), rel=1e-12)
    assert nnlib.categorical_crossentropy(y, Z, from_logits=True) == 0.0
    passes(checks.check_crossentropy_from_logits, exact_for_the_sure_case, capsys)
    found = failures(checks.check_crossentropy_from_logits, lambda y, Z: None, capsys)
    assert "a loss of about 4e-22 (2e^-50), which float64 rounds to 0; both are accepted" in found[3]


def test_one_hot_rows_used_as_sparse_labels_are_caught(capsys):
    def as_indices(y, Z):  # y used as integer labels, which it is not
        return float(np.mean(-nnlib.log_softmax(Z)[np.arange(len(Z)), y]))

    found = failures(checks.check_crossentropy_from_logits, as_indices, capsys)
    assert len(found) == 5 and all("raised IndexError" in f for f in found)


def test_labels_from_argmax_fail_only_on_soft_labels(capsys):
    def argmax_labels(y, Z):  # right for one-hot rows, wrong for any other distribution
        return nnlib.sparse_categorical_crossentropy(np.argmax(y, axis=1), Z, from_logits=True)

    assert case_numbers(failures(checks.check_crossentropy_from_logits, argmax_labels, capsys)) == [5]


def test_log_sum_exp_without_adding_the_max_back_is_caught(capsys):
    def max_forgotten(y, Z):
        shifted = Z - Z.max(axis=1, keepdims=True)
        return float(np.mean(-np.sum(y * (Z - np.log(np.exp(shifted).sum(axis=1, keepdims=True))), axis=1)))

    assert 3 in case_numbers(failures(checks.check_crossentropy_from_logits, max_forgotten, capsys))


# ---------------------------------------------------------------- Glorot uniform

def glorot_from_random(n_in, n_units, rng):
    """Independent: the same draws as rng.uniform, written as low + (high − low) u."""
    limit = np.sqrt(6 / (n_in + n_units))
    return -limit + 2 * limit * rng.random((n_in, n_units))


@pytest.mark.parametrize("candidate", [nnlib.glorot_uniform, glorot_from_random])
def test_right_glorot_initialisers_pass(candidate, capsys):
    passes(checks.check_glorot_uniform, candidate, capsys)


@pytest.mark.parametrize("limit, ratio", [
    (lambda n_in, n_units: np.sqrt(6 / n_in), f"{np.sqrt(5 / 2):.4g}"),   # fan-in only
    (lambda n_in, n_units: np.sqrt(1 / n_in), f"{np.sqrt(5 / 12):.4g}"),  # Nielsen's 1/sqrt(n_in) as a limit
    (lambda n_in, n_units: np.sqrt(2 / (n_in + n_units)), f"{np.sqrt(1 / 3):.4g}"),  # the variance, not the limit
])
def test_a_wrong_limit_is_reported_as_the_right_numbers_scaled(limit, ratio, capsys):
    def wrong(n_in, n_units, rng):
        return rng.uniform(-limit(n_in, n_units), limit(n_in, n_units), size=(n_in, n_units))

    found = failures(checks.check_glorot_uniform, wrong, capsys)
    assert len(found) == 4  # no case has n_units = 0, so every limit differs
    assert f"every weight is {ratio} times the expected one" in found[0]
    assert "sqrt(6 / (n_in + n_units))" in found[0]


def test_the_transposed_shape_is_named(capsys):
    def transposed(n_in, n_units, rng):
        limit = np.sqrt(6 / (n_in + n_units))
        return rng.uniform(-limit, limit, size=(n_units, n_in))

    def drawn_then_transposed(n_in, n_units, rng):
        limit = np.sqrt(6 / (n_in + n_units))
        return rng.uniform(-limit, limit, size=(n_in, n_units)).T

    found = failures(checks.check_glorot_uniform, transposed, capsys)
    assert case_numbers(found) == [1, 2, 3]  # 4 x 4: the same draws whichever way round they are named
    assert "returned shape (3, 2), expected shape (2, 3): W is (n_in, n_units)" in found[0]
    found = failures(checks.check_glorot_uniform, drawn_then_transposed, capsys)
    assert case_numbers(found) == [1, 2, 3, 4]
    assert "W is (n_in, n_units)" in found[0]
    # 4 x 4: the shape is right, the numbers are the expected W transposed
    assert "returned shape" not in found[3] and "size=(n_units, n_in) and then transposed" in found[3]


def test_numbers_drawn_as_n_units_by_n_in_then_transposed_are_named(capsys):
    """Other texts' (n_units, n_in) weights, transposed to Keras's shape: right shape, numbers reordered."""
    def drawn_the_other_way(n_in, n_units, rng):
        limit = np.sqrt(6 / (n_in + n_units))
        return rng.uniform(-limit, limit, size=(n_units, n_in)).T

    found = failures(checks.check_glorot_uniform, drawn_the_other_way, capsys)
    assert case_numbers(found) == [1, 3, 4]  # n_units = 1: a column drawn as a row holds the same order
    for f in found:
        assert "returned shape" not in f and "different random numbers" not in f
        assert "expected random numbers in another order" in f
        assert "size=(n_units, n_in) and then transposed" in f and "size=(n_in, n_units)" in f


def test_other_random_numbers_are_reported(capsys):
    def own_generator(n_in, n_units, rng):
        limit = np.sqrt(6 / (n_in + n_units))
        return np.random.default_rng(0).uniform(-limit, limit, size=(n_in, n_units))

    def normal(n_in, n_units, rng):
        return rng.normal(scale=np.sqrt(2 / (n_in + n_units)), size=(n_in, n_units))

    for candidate in (own_generator, normal):
        found = failures(checks.check_glorot_uniform, candidate, capsys)
        assert len(found) == 4 and all("different random numbers" in f for f in found)


def test_glorot_check_reports_a_crash(capsys):
    found = failures(checks.check_glorot_uniform, lambda n_in, n_units, rng: rng.uniform(size=n_in + n_units)[5],
                     capsys)
    assert "raised IndexError" in found[0]
