"""Chapter 10's checks: check_momentum_step and check_exponential_decay pass right answers,
report every realistic wrong answer (case by case) and never crash or hang.

The general behaviour every check shares (rounding differences pass, a constant offset fails
every case, inputs changed in place, results NumPy cannot convert, endless loops, a value that
is not a function) is tested here for these two checks with the helpers of test_checks.py.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from test_checks import NoArray, answer, each_array, each_item, last_array

import nnlib
from nnlib import checks

# --- independent, correct implementations a learner might write ---------------------


def my_momentum_step(params, grads, velocity, learning_rate, momentum):
    new_velocity = momentum * velocity - learning_rate * grads
    return params + new_velocity, new_velocity


def my_exponential_decay(step, initial_learning_rate, decay_steps, decay_rate, staircase):
    exponent = step / decay_steps
    if staircase:
        exponent = math.floor(exponent)
    return initial_learning_rate * decay_rate ** exponent


def keras_like_decay(step, initial_learning_rate, decay_steps, decay_rate, staircase):
    """Keras's own order of operations: p = step / decay_steps, floored for the staircase."""
    p = np.divide(np.float64(step), decay_steps)
    return np.multiply(initial_learning_rate, np.power(decay_rate, np.floor(p) if staircase else p))


CHECKS = [
    pytest.param(checks.check_momentum_step, my_momentum_step, each_item, id="momentum_step"),
    pytest.param(checks.check_exponential_decay, my_exponential_decay, each_array, id="exponential_decay"),
]


# --- right answers pass ----------------------------------------------------------------

@pytest.mark.parametrize("check, right, rebuild", CHECKS)
def test_right_answer_passes(check, right, rebuild, capsys):
    result = check(right)
    out = capsys.readouterr().out
    assert result and result.failures == [] and "✗" not in out and "✓" in out


def test_other_right_answers_pass(capsys):
    assert checks.check_exponential_decay(keras_like_decay)
    assert checks.check_exponential_decay(lambda *args: float(nnlib.ExponentialDecay(*args[1:])(args[0])))

    def momentum_with_nnlib(params, grads, velocity, learning_rate, momentum):
        sgd = nnlib.SGD(learning_rate, momentum)
        sgd.velocities = [velocity.copy()]
        (new_params,) = sgd.apply([grads], [params])
        return new_params, sgd.velocities[0]

    assert checks.check_momentum_step(momentum_with_nnlib)


def test_the_momentum_reference_is_nnlibs_sgd_which_is_kerass_rule():
    # the check's reference, spelled out: v <- mu v - lr g, then p + v (Keras's SGD docstring)
    rng = np.random.default_rng(0)
    p, g, v = rng.normal(size=3), rng.normal(size=3), rng.normal(size=3)
    new_p, new_v = checks._momentum_reference(p, g, v, 0.1, 0.9)
    np.testing.assert_allclose(new_v, 0.9 * v - 0.1 * g, rtol=1e-15)
    np.testing.assert_allclose(new_p, p + 0.9 * v - 0.1 * g, rtol=1e-15)


# --- what every check does ---------------------------------------------------------------

@pytest.mark.parametrize("check, right, rebuild", CHECKS)
def test_rounding_differences_pass(check, right, rebuild):
    assert check(answer(right, rebuild, lambda a: np.asarray(a) * (1 + 1e-9) + 1e-12))


@pytest.mark.parametrize("check, right, rebuild", CHECKS)
def test_an_answer_off_by_a_constant_fails_every_case(check, right, rebuild, capsys):
    result = check(answer(right, rebuild, lambda a: np.asarray(a) + 0.01))
    assert len(result.failures) == result.n_cases
    assert all("largest difference 1.00e-02" in f for f in result.failures)


@pytest.mark.parametrize("check, right, rebuild", CHECKS)
def test_an_input_changed_in_place_is_reported(check, right, rebuild, capsys):
    changed = []

    def right_but_overwrites_its_last_array(*args):
        out = right(*args)
        if last_array(args) is not None:
            last_array(args)[...] += 1.0
            changed.append(True)
        return out

    result = check(right_but_overwrites_its_last_array)
    if not changed:
        assert result  # exponential_decay gets numbers only: nothing to change
        return
    assert len(result.failures) == result.n_cases
    assert all("in place" in f for f in result.failures)


@pytest.mark.parametrize("check, right, rebuild", CHECKS)
def test_a_result_numpy_cannot_convert_is_reported(check, right, rebuild, capsys):
    result = check(answer(right, rebuild, lambda a: NoArray()))
    assert len(result.failures) == result.n_cases
    assert all("(RuntimeError: no array here)" in f for f in result.failures)


@pytest.mark.parametrize("check, right, rebuild", CHECKS)
def test_an_exception_is_reported_not_raised(check, right, rebuild, capsys):
    def broken(*args):
        raise ZeroDivisionError("oops")

    result = check(broken)
    assert len(result.failures) == result.n_cases
    assert all("raised ZeroDivisionError: oops" in f for f in result.failures)


@pytest.mark.parametrize("check, right, rebuild", CHECKS)
def test_an_endless_loop_is_stopped(check, right, rebuild, capsys, monkeypatch):
    monkeypatch.setattr(checks, "TIME_LIMIT", 0.05)

    def endless(*args):
        while True:
            pass

    result = check(endless)
    out = capsys.readouterr().out
    assert not result
    assert "took longer than 0.05 s on case 1 and was stopped" in out and " not run." in out


@pytest.mark.parametrize("check, right, rebuild", CHECKS)
def test_none_and_non_functions_are_reported(check, right, rebuild, capsys):
    assert "returned None; is a `return` statement missing?" in "\n".join(check(lambda *args: None).failures + [
        capsys.readouterr().out])
    result = check(np.zeros(3))
    assert result.failures == ["not a function"]
    assert "expected your function itself, got a ndarray" in capsys.readouterr().out


# --- momentum: realistic mistakes -------------------------------------------------------

def failures_by_part(check, candidate):
    """{part: [case numbers that failed]} for a check with several parts (or {"": [...]})."""
    result = check(candidate)
    assert not result, "a wrong answer must fail"
    found = {}
    for failure in result.failures:
        part, _, rest = failure.rpartition(": case ") if ": case " in failure else ("", "", failure[5:])
        found.setdefault(part, []).append(int(rest.split(" ")[0]))
    return found


def test_momentum_with_the_wrong_sign_of_the_gradient():
    def plus_lr_g(params, grads, velocity, learning_rate, momentum):
        v = momentum * velocity + learning_rate * grads   # uphill
        return params + v, v

    # case 5 has a zero gradient, where the sign cannot matter
    assert failures_by_part(checks.check_momentum_step, plus_lr_g) == {"new_params": [1, 2, 3, 4],
                                                                      "new_velocity": [1, 2, 3, 4]}


def test_momentum_that_moves_the_parameters_by_the_old_velocity():
    def old_velocity(params, grads, velocity, learning_rate, momentum):
        return params + velocity, momentum * velocity - learning_rate * grads

    assert failures_by_part(checks.check_momentum_step, old_velocity) == {"new_params": [1, 2, 3, 4, 5]}


def test_momentum_that_updates_the_velocity_in_place(capsys):
    def in_place(params, grads, velocity, learning_rate, momentum):
        velocity *= momentum
        velocity -= learning_rate * grads
        return params + velocity, velocity

    result = checks.check_momentum_step(in_place)
    assert len(result.failures) == result.n_cases  # right numbers, but the caller's velocity is gone
    assert all("changed its input velocity in place" in f for f in result.failures)


@pytest.mark.parametrize("wrong_velocity, failing", [
    (lambda v, g, lr, mu: v - lr * g, [2, 3, 4, 5]),                 # forgot μ (right only when v = 0)
    (lambda v, g, lr, mu: mu * v - (1 - mu) * lr * g, [1, 2, 3, 4]),  # a dampening factor (1 − μ)
    (lambda v, g, lr, mu: mu * (v - lr * g), [1, 2, 3, 4]),           # μ applied to the gradient's step too
], ids=["no momentum factor", "dampening", "momentum on the step"])
def test_momentum_with_a_wrong_velocity_formula(wrong_velocity, failing):
    def candidate(params, grads, velocity, learning_rate, momentum):
        v = wrong_velocity(velocity, grads, learning_rate, momentum)
        return params + v, v

    found = failures_by_part(checks.check_momentum_step, candidate)
    assert found == {"new_params": failing, "new_velocity": failing}


def test_momentum_in_pytorchs_form_is_not_kerass():
    # PyTorch keeps v <- mu v + g and moves p - lr v: the same path at a constant rate, but its v is
    # -v_keras / lr, so given Keras's velocity it goes wrong; on the first step (v = 0) only v differs
    def pytorch_form(params, grads, velocity, learning_rate, momentum):
        v = momentum * velocity + grads
        return params - learning_rate * v, v

    found = failures_by_part(checks.check_momentum_step, pytorch_form)
    assert found == {"new_params": [2, 3, 4, 5], "new_velocity": [1, 2, 3, 4]}  # g = 0 in case 5: mu v either way


def test_momentum_that_subtracts_the_velocity():
    def minus_velocity(params, grads, velocity, learning_rate, momentum):
        v = momentum * velocity - learning_rate * grads
        return params - v, v

    assert failures_by_part(checks.check_momentum_step, minus_velocity) == {"new_params": [1, 2, 3, 4, 5]}


def test_momentum_that_returns_one_array_says_what_it_expected(capsys):
    result = checks.check_momentum_step(lambda p, g, v, lr, mu: p + mu * v - lr * g)
    assert not result
    assert "expected a tuple (new_params, new_velocity), got ndarray" in capsys.readouterr().out


# --- exponential decay: realistic mistakes ------------------------------------------------

def decay_failures(candidate):
    return failures_by_part(checks.check_exponential_decay, candidate)[""]


def test_decay_that_ignores_staircase():
    # every staircase case whose exponent is not a whole number: 0.5, 0.99, 2.75 and 1.4
    assert decay_failures(lambda s, lr, d, r, st: my_exponential_decay(s, lr, d, r, False)) == [3, 4, 6, 9]


def test_decay_that_always_floors():
    assert decay_failures(lambda s, lr, d, r, st: my_exponential_decay(s, lr, d, r, True)) == [2, 7]


def test_decay_with_integer_division_in_the_smooth_schedule():
    assert decay_failures(lambda s, lr, d, r, st: lr * r ** (s // d)) == [2, 7]


def test_decay_without_dividing_by_decay_steps():
    # rate ** step: right only at step 0 and where decay_steps = 1
    assert decay_failures(lambda s, lr, d, r, st: lr * r ** s) == [2, 3, 4, 5, 6, 7, 9]


def test_decay_that_rounds_instead_of_flooring():
    def rounds(s, lr, d, r, st):
        return lr * r ** (round(s / d) if st else s / d)

    assert decay_failures(rounds) == [4, 6]  # 0.99 rounds to 1 and 2.75 to 3; 7 / 5 = 1.4 rounds to 1, as floor


def test_decay_counting_steps_from_one():
    # the first update uses step 0 in Keras; step + 1 is off everywhere smooth, and at the edge of a stair
    assert decay_failures(lambda s, lr, d, r, st: my_exponential_decay(s + 1, lr, d, r, st)) == [1, 2, 4, 7, 8]


def test_decay_that_multiplies_instead_of_raising_to_a_power():
    # right only where the exponent is exactly 1 (cases 5 and 9)
    assert decay_failures(lambda s, lr, d, r, st: lr * r * (math.floor(s / d) if st else s / d)) \
        == [1, 2, 3, 4, 6, 7, 8]


def test_decay_whose_staircase_is_counted_in_epochs_of_steps():
    # a learner who thinks decay_steps counts epochs and converts with a fixed guess of 5 steps per epoch
    assert decay_failures(lambda s, lr, d, r, st: my_exponential_decay(s, lr, 5 * d, r, st)) \
        == [2, 5, 6, 7, 8, 9]


def test_decay_report_names_the_step_and_both_rates(capsys):
    checks.check_exponential_decay(lambda s, lr, d, r, st: my_exponential_decay(s, lr, d, r, False))
    out = capsys.readouterr().out
    assert ("✗ exponential_decay, case 4 (step 99, staircase: the last step before the first drop): "
            "expected 0.1, got 0.050") in out


def test_decay_computed_in_float32_fails_where_the_rounding_grows():
    # Keras's own float32 arithmetic: decay_rate = 0.999 rounded to float32 and raised to the power 1000 is
    # off by about 1e-5 relative, beyond RTOL; the exercise asks for float64, as nnlib.ExponentialDecay
    def in_float32(s, lr, d, r, st):
        exponent = np.float32(s) / np.float32(d)
        return np.float32(lr) * np.float32(r) ** (np.floor(exponent) if st else exponent)

    assert decay_failures(in_float32) == [8]
