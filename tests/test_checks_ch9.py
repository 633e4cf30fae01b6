"""Chapter 9's checks: right answers pass, every realistic wrong answer is reported, nothing crashes."""

from __future__ import annotations

import time

import numpy as np
import pytest

import nnlib
from nnlib import checks
from nnlib.training import EarlyStopping

# --- L2 penalty -----------------------------------------------------------------------------


def my_l2_penalty(layers, l2):
    return l2 * sum(float(np.sum(W * W)) for W, b, g in layers)


def l2_with_biases(layers, l2):
    return l2 * sum(np.sum(W ** 2) + np.sum(b ** 2) for W, b, g in layers)


def l2_with_a_half(layers, l2):
    return 0.5 * l2 * sum(np.sum(W ** 2) for W, b, g in layers)


def l2_without_the_square(layers, l2):
    return l2 * sum(np.sum(W) for W, b, g in layers)


def l2_of_absolute_values(layers, l2):  # L1, not L2
    return l2 * sum(np.sum(np.abs(W)) for W, b, g in layers)


def l2_mean_instead_of_sum(layers, l2):
    return l2 * sum(np.mean(W ** 2) for W, b, g in layers)


def l2_square_of_the_sum(layers, l2):
    return l2 * sum(np.sum(W) ** 2 for W, b, g in layers)


def l2_norm_not_squared(layers, l2):
    return l2 * sum(np.linalg.norm(W) for W, b, g in layers)


def l2_last_layer_only(layers, l2):
    for W, _, _ in layers:
        penalty = l2 * np.sum(W ** 2)
    return penalty


def l2_squaring_in_place(layers, l2):
    total = 0.0
    for W, _, _ in layers:
        W *= W
        total += np.sum(W)
    return l2 * total


def l2_by_attribute(layers, l2):  # the idiom the chapter's own code uses: layer.W
    return l2 * sum(np.sum(layer.W ** 2) for layer in layers)


def l2_by_index(layers, l2):
    return l2 * sum(np.sum(layer[0] ** 2) for layer in layers)


def l2_of_every_param(layers, l2):  # layer.params holds the biases too
    return l2 * sum(np.sum(p ** 2) for layer in layers for p in layer.params)


@pytest.mark.parametrize("candidate", [nnlib.l2_penalty, my_l2_penalty, l2_by_attribute, l2_by_index],
                         ids=["nnlib", "tuple unpacking", "layer.W", "layer[0]"])
def test_check_l2_penalty_passes_right_answers(candidate, capsys):
    assert checks.check_l2_penalty(candidate)
    assert capsys.readouterr().out == "✓ l2_penalty: all 5 cases passed.\n"


def test_check_l2_penalty_hands_over_dense_layers(monkeypatch):
    """Every case's layers are nnlib.Dense, as in the chapter: they unpack as (W, b, g) and have .W."""
    seen = []
    monkeypatch.setattr(checks, "_l2_reference", lambda layers, l2: seen.append(layers) or 0.0)
    checks.check_l2_penalty(lambda layers, l2: 0.0)
    assert len(seen) == 5 and all(type(layer) is nnlib.Dense for layers in seen for layer in layers)


def test_check_l2_penalty_reference_is_nnlibs_penalty():
    layers = nnlib.make_network([3, 4, 2], ["relu", "softmax"], seed=1)
    assert checks._l2_reference(layers, 0.25) == nnlib.l2_penalty(layers, 0.25)


@pytest.mark.parametrize("candidate, failing", [
    (l2_with_biases, ["case 1", "case 2", "case 3", "case 5"]),
    (l2_of_every_param, ["case 1", "case 2", "case 3", "case 5"]),
    (l2_with_a_half, ["case 1", "case 2", "case 3", "case 5"]),
    (l2_without_the_square, ["case 1", "case 2", "case 3", "case 5"]),
    (l2_of_absolute_values, ["case 1", "case 2", "case 3", "case 5"]),
    (l2_mean_instead_of_sum, ["case 1", "case 2", "case 3", "case 5"]),
    (l2_square_of_the_sum, ["case 1", "case 2", "case 3", "case 5"]),
    (l2_norm_not_squared, ["case 1", "case 2", "case 3", "case 5"]),
    (l2_last_layer_only, ["case 2", "case 3", "case 5"]),
    (l2_squaring_in_place, ["case 1", "case 2", "case 3", "case 4", "case 5"]),
], ids=["biases included", "all of layer.params", "a 1/2 in front", "square forgotten", "L1", "mean",
        "square of the sum", "norm not squared", "last layer only", "W squared in place"])
def test_check_l2_penalty_catches_wrong_answers(candidate, failing, capsys):
    result = checks.check_l2_penalty(candidate)
    assert [f.split(" (")[0] for f in result.failures] == failing
    out = capsys.readouterr().out
    assert f"l2_penalty: {len(failing)} of 5 cases failed." in out


def test_check_l2_penalty_messages(capsys):
    checks.check_l2_penalty(l2_with_biases)
    checks.check_l2_penalty(l2_squaring_in_place)
    out = capsys.readouterr().out
    assert "case 2 (2-4-1 with large biases (they are not penalised), l2 = 0.001): expected " in out
    assert "largest difference" in out
    assert "your function changed layers[0][0], inside its input layers, in place" in out


def test_check_l2_penalty_reports_a_wrong_shape_and_none(capsys):
    wrapped = checks.check_l2_penalty(lambda layers, l2: np.array([nnlib.l2_penalty(layers, l2)]))
    nothing = checks.check_l2_penalty(lambda layers, l2: None)
    out = capsys.readouterr().out
    assert not wrapped and not nothing
    assert "returned shape (1,), expected shape ()" in out and "returned None" in out


# --- early stopping ---------------------------------------------------------------------------


def my_early_stopping(val_losses, patience):
    best, best_epoch, wait = np.inf, 0, 0
    for k, value in enumerate(val_losses):
        if value < best:
            best, best_epoch, wait = value, k, 0
        else:
            wait += 1
            if wait >= patience:
                return k, best_epoch
    return len(val_losses) - 1, best_epoch


def stopping_with_ties_as_improvements(val_losses, patience):
    best, best_epoch, wait = np.inf, 0, 0
    for k, value in enumerate(val_losses):
        if value <= best:
            best, best_epoch, wait = value, k, 0
        else:
            wait += 1
            if wait >= patience:
                return k, best_epoch
    return len(val_losses) - 1, best_epoch


def stopping_one_epoch_late(val_losses, patience):
    best, best_epoch, wait = np.inf, 0, 0
    for k, value in enumerate(val_losses):
        if value < best:
            best, best_epoch, wait = value, k, 0
        else:
            wait += 1
            if wait > patience:
                return k, best_epoch
    return len(val_losses) - 1, best_epoch


def stopping_one_epoch_early(val_losses, patience):
    return my_early_stopping(val_losses, max(patience - 1, 0))


def restoring_the_last_epoch(val_losses, patience):
    last, _ = my_early_stopping(val_losses, patience)
    return last, last


def best_over_all_epochs(val_losses, patience):
    last, _ = my_early_stopping(val_losses, patience)
    return last, int(np.argmin(val_losses))


def improvement_over_the_previous_epoch(val_losses, patience):
    wait, best_epoch = 0, 0
    for k in range(1, len(val_losses)):
        if val_losses[k] < val_losses[k - 1]:
            wait, best_epoch = 0, k
        else:
            wait += 1
            if wait >= patience:
                return k, best_epoch
    return len(val_losses) - 1, best_epoch


def epochs_counted_from_one(val_losses, patience):
    last, best = my_early_stopping(val_losses, patience)
    return last + 1, best + 1


def test_check_early_stopping_passes_right_answers(capsys):
    assert checks.check_early_stopping(my_early_stopping)
    assert capsys.readouterr().out == ("✓ early_stopping last_epoch: all 5 cases passed.\n"
                                       "✓ early_stopping best_epoch: all 5 cases passed.\n")


def test_check_early_stopping_reference_is_what_fit_does():
    """The reference's answer is where nnlib.fit stops, and which epoch's layers it returns."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(42, 2))
    y = np.sin(2 * X[:, :1]) + 0.3 * rng.normal(size=(42, 1))
    X, y, val = X[:12], y[:12], (X[12:], y[12:])
    layers = nnlib.make_network([2, 32, 1], ["relu", "linear"], seed=0)
    run = dict(epochs=300, optimizer=nnlib.Adam(0.05), validation_data=val)
    _, full = nnlib.fit(X, y, layers, **run)
    last, best = checks._early_stopping_reference(full["val_loss"], 5)
    assert 0 < best < last < 299  # this run does stop early, after a best that is not its first epoch
    restored, history = nnlib.fit(X, y, layers, **{**run, "optimizer": nnlib.Adam(0.05)}, patience=5,
                                  restore_best_weights=True)
    assert len(history["val_loss"]) == last + 1
    assert nnlib.mse(val[1], nnlib.sequential(val[0], restored)) == pytest.approx(full["val_loss"][best], rel=1e-12)


def test_early_stopping_reference_uses_nnlib_early_stopping(monkeypatch):
    calls = []
    original = EarlyStopping.should_stop

    def spy(self, value, layers, k):
        calls.append(k)
        return original(self, value, layers, k)

    monkeypatch.setattr(EarlyStopping, "should_stop", spy)
    assert checks._early_stopping_reference(np.array([1.0, 0.5, 0.7, 0.8]), 2) == (3, 1)
    assert calls == [0, 1, 2, 3]


@pytest.mark.parametrize("candidate, failing", [
    (stopping_with_ties_as_improvements, ["last_epoch: case 3", "best_epoch: case 3"]),
    (stopping_one_epoch_late, ["last_epoch: case 2", "last_epoch: case 3", "last_epoch: case 5",
                               "best_epoch: case 2", "best_epoch: case 5"]),
    (stopping_one_epoch_early, ["last_epoch: case 2", "last_epoch: case 3", "last_epoch: case 5"]),
    (restoring_the_last_epoch, ["best_epoch: case 2", "best_epoch: case 3", "best_epoch: case 4",
                                "best_epoch: case 5"]),
    (best_over_all_epochs, ["best_epoch: case 2", "best_epoch: case 4", "best_epoch: case 5"]),
    (improvement_over_the_previous_epoch, ["last_epoch: case 5", "best_epoch: case 5"]),
    (epochs_counted_from_one, [f"{part}: case {k}" for part in ("last_epoch", "best_epoch") for k in range(1, 6)]),
], ids=["ties improve", "patience + 1", "patience - 1", "last epoch restored", "argmin of all",
        "previous epoch", "counted from 1"])
def test_check_early_stopping_catches_wrong_answers(candidate, failing, capsys):
    result = checks.check_early_stopping(candidate)
    assert [f.split(" (")[0] for f in result.failures] == failing


def test_check_early_stopping_messages(capsys):
    checks.check_early_stopping(epochs_counted_from_one)
    checks.check_early_stopping(stopping_with_ties_as_improvements)
    out = capsys.readouterr().out
    assert ("✗ early_stopping last_epoch, case 1 (improves every epoch, patience 2: never stops, the best is the "
            "last): expected epoch 4, got 5 (one too many: are your epochs counted from 1?") in out
    assert ("✗ early_stopping best_epoch, case 3 (a loss equal to the best is no improvement, patience 2): "
            "expected epoch 1, got 3") in out


@pytest.mark.parametrize("answer, message", [
    (lambda v, p: None, "✗ early_stopping returned None; is a `return` statement missing?"),
    (lambda v, p: 3, "expected a tuple (last_epoch, best_epoch), got int"),
    (lambda v, p: (1, 2, 3), "expected a tuple (last_epoch, best_epoch), got tuple of length 3"),
    (lambda v, p: (np.array([1, 2]), 0), "returned shape (2,), expected one epoch number"),
    (lambda v, p: ("three", 0), "which is not an array of real numbers"),
    (lambda v, p: (np.nan, 0.5), "got nan"),
    (lambda v, p: v[10 * len(v)], "raised IndexError"),
], ids=["None", "a number", "three items", "an array", "text", "nan", "raises"])
def test_check_early_stopping_reports_bad_returns_without_raising(answer, message, capsys):
    result = checks.check_early_stopping(answer)
    assert not result
    assert message in capsys.readouterr().out


def test_check_early_stopping_reports_losses_changed_in_place(capsys):
    def sorting_in_place(val_losses, patience):
        val_losses.sort()
        return my_early_stopping(val_losses, patience)

    result = checks.check_early_stopping(sorting_in_place)
    assert not result
    assert "your function changed its input val_losses in place" in capsys.readouterr().out


@pytest.mark.parametrize("check", [checks.check_early_stopping, checks.check_l2_penalty])
def test_an_endless_loop_is_stopped_and_reported(check, capsys, monkeypatch):
    monkeypatch.setattr(checks, "TIME_LIMIT", 0.2)

    def endless(*args):
        while True:
            pass

    start = time.monotonic()
    result = check(endless)
    assert not result and time.monotonic() - start < 2
    assert "took longer than 0.2 s on case 1 and was stopped" in capsys.readouterr().out


@pytest.mark.parametrize("check", [checks.check_early_stopping, checks.check_l2_penalty])
def test_passing_a_result_instead_of_the_function_is_explained(check, capsys):
    assert not check(3.0)
    assert "expected your function itself, got a float" in capsys.readouterr().out
