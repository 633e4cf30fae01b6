"""nnlib.checks.check_conv2d: right convolutions pass; every realistic wrong one is reported, and named."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view
from scipy.signal import convolve2d

from nnlib import checks
from nnlib.checks import CheckResult
from nnlib.conv import conv2d, conv2d_loop

N_CASES = 6


# --- right answers a learner might write -----------------------------------------------

def my_conv2d_loop(x, K, b):
    kh, kw, c_in, c_out = K.shape
    h_out, w_out = x.shape[0] - kh + 1, x.shape[1] - kw + 1
    z = np.zeros((h_out, w_out, c_out))
    for f in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                total = b[f]
                for c in range(c_in):
                    total += np.sum(x[i:i + kh, j:j + kw, c] * K[:, :, c, f])
                z[i, j, f] = total
    return z


def my_conv2d_einsum(x, K, b):
    windows = sliding_window_view(x, K.shape[:2], axis=(0, 1))  # (h_out, w_out, c_in, kh, kw)
    return np.einsum("ijcuv,uvcf->ijf", windows, K) + b


@pytest.mark.parametrize("candidate", [
    conv2d_loop, my_conv2d_loop, my_conv2d_einsum, lambda x, K, b: conv2d(x[None], K, b)[0],
], ids=["nnlib conv2d_loop", "loop over channels", "einsum on windows", "nnlib conv2d on a batch of one"])
def test_right_answers_pass(candidate, capsys):
    result = checks.check_conv2d(candidate)
    assert result and isinstance(result, CheckResult) and result.n_cases == N_CASES
    assert capsys.readouterr().out == f"✓ conv2d: all {N_CASES} cases passed.\n"


def test_rounding_differences_pass():
    assert checks.check_conv2d(lambda x, K, b: conv2d_loop(x, K, b) * (1 + 1e-9) + 1e-12)


# --- realistic mistakes: which cases fail, and what the report says ----------------------

def mistake(window_times_filter=None, rows=lambda h, kh: h - kh + 1, bias=lambda b, f, c_in, n: b[f]):
    """A loop like conv2d_loop with one step replaced: the window ⊙ filter sum, the row (and column) count
    or the bias."""
    def candidate(x, K, b):
        kh, kw, c_in, c_out = K.shape
        z = np.zeros((rows(x.shape[0], kh), rows(x.shape[1], kw), c_out))
        for i, j, f in np.ndindex(z.shape):
            window = x[i:i + kh, j:j + kw, :]
            total = (window_times_filter or (lambda w, k: np.sum(w * k)))(window, K[:, :, :, f])
            z[i, j, f] = total + bias(b, f, c_in, kh * kw * c_in)
        return z
    return candidate


def true_convolution(x, K, b):
    """What scipy.signal.convolve2d (signal processing's convolution: the kernel flipped) gives."""
    return np.stack([sum(convolve2d(x[:, :, c], K[:, :, c, f], mode="valid") for c in range(K.shape[2])) + b[f]
                     for f in range(K.shape[3])], axis=-1)


def failed_cases(result) -> list[int]:
    return [int(f.split(" ")[1]) for f in result.failures]


@pytest.mark.parametrize("candidate, failing, advice", [
    (true_convolution, [1, 2, 3, 4, 5],  # a 1 × 1 kernel (case 6) is the same flipped
     "this is a true convolution, with the kernel flipped; Keras's Conv2D slides K as it is (cross-correlation)"),
    (mistake(lambda w, k: np.sum(w[::-1, ::-1] * k)), [1, 2, 3, 4, 5], "this is a true convolution"),
    (mistake(rows=lambda h, kh: h - kh), [1, 2, 3, 4, 5, 6],  # range(h - kh) for rows and columns
     "one row or column short; a window may start at row 0 .. h − kh, so there are h − kh + 1 rows"),
    (lambda x, K, b: conv2d_loop(x, K, b)[:-1], [1, 2, 3, 4, 5, 6], "one row or column short"),
    (mistake(bias=lambda b, f, c_in, n: 0.0), [2, 3, 4, 5, 6],  # case 1 has no bias
     "this is what no bias gives; add b[f] to every output of filter f"),
    (mistake(bias=lambda b, f, c_in, n: c_in * b[f]), [3, 4, 5, 6],  # one channel in cases 1 and 2
     "this is what the bias added once per input channel gives"),
    (mistake(lambda w, k: np.sum(w[:, :, 0] * k[:, :, 0])), [3, 4, 5, 6],
     "this is what input channel 0 alone gives; the window is x[i:i+kh, j:j+kw, :]"),
    (lambda x, K, b: np.moveaxis(conv2d_loop(x, K, b), -1, 0), [1, 2, 3, 4, 5, 6],
     "the filters come first; Keras keeps channels last, (h_out, w_out, c_out)"),
], ids=["scipy convolve2d", "flipped window", "range(h - kh)", "a row short", "no bias", "bias per channel",
        "channel 0 only", "channels first"])
def test_each_mistake_fails_where_it_shows_and_is_named(candidate, failing, advice, capsys):
    result = checks.check_conv2d(candidate)
    out = capsys.readouterr().out
    assert failed_cases(result) == failing
    assert all(advice in f for f in result.failures), result.failures
    assert out.strip().splitlines()[-1] == f"conv2d: {len(failing)} of {N_CASES} cases failed."


def test_bias_inside_the_sum_is_named():
    result = checks.check_conv2d(mistake(lambda w, k: np.sum(w * k + 0.0),
                                         bias=lambda b, f, c_in, n: n * b[f]))
    assert failed_cases(result) == [2, 3, 4, 5, 6]
    for f in result.failures[:4]:
        assert "this is what the bias added inside the sum (once per kernel entry) gives" in f
    # a 1 × 1 kernel over 3 channels has 3 entries: inside the sum is once per channel there
    assert "this is what the bias added once per input channel gives" in result.failures[4]


def test_swapped_kernel_axes_are_named_and_crash_softly_on_a_non_square_kernel():
    result = checks.check_conv2d(mistake(lambda w, k: np.sum(w * k.transpose(1, 0, 2))))
    assert failed_cases(result) == [1, 2, 3, 4, 5]  # a 1 × 1 kernel is its own transpose
    assert "raised ValueError: operands could not be broadcast" in result.failures[3]
    for f in result.failures[:3] + result.failures[4:]:
        assert "this is what the kernel's rows and columns swapped gives; K[di, dj] multiplies x[i + di, j + dj]" in f


def test_kernel_shape_unpacked_in_the_wrong_order():
    def kw_kh(x, K, b):
        kw, kh, c_in, c_out = K.shape  # kh and kw swapped: only a non-square kernel notices
        return conv2d_loop(x, K.reshape(kh, kw, c_in, c_out), b)

    result = checks.check_conv2d(kw_kh)
    assert failed_cases(result) == [4]
    assert "returned shape (3, 6, 4), expected shape (4, 5, 4)" in result.failures[0]


def test_a_mistake_nobody_anticipated_gets_the_plain_report_on_one_line():
    result = checks.check_conv2d(lambda x, K, b: conv2d_loop(x, K, b) * 2)
    assert failed_cases(result) == [1, 2, 3, 4, 5, 6]
    assert all("\n" not in f and "this is" not in f for f in result.failures)
    assert result.failures[0] == (
        "case 1 (one channel: a 4 × 4 image 0 .. 15, one 2 × 2 filter [[1, 2], [0, -1]], no bias): expected "
        "[[[-3.], [-1.], [ 1.]], [[ 5.], [ 7.], [ 9.]], [[13.], [15.], [17.]]], got "
        "[[[-6.], [-2.], [ 2.]], [[10.], [14.], [18.]], [[26.], [30.], [34.]]] (largest difference 1.70e+01)")
    # 24 values: only the worst is shown, with where it is
    assert result.failures[1].startswith("case 2 (one channel: a 5 × 6 image, two 3 × 3 filters with biases): "
                                         "24 of 24 values wrong; the worst at z[")


# --- the check itself never crashes ------------------------------------------------------

def test_none_exceptions_and_changed_inputs_are_reported(capsys):
    def starter(x, K, b):
        ...  # your code here

    def broken(x, K, b):
        raise IndexError("index 4 is out of bounds")

    def pads_in_place(x, K, b):
        out = conv2d_loop(x, K, b)
        x[...] = 0.0
        return out

    assert failed_cases(checks.check_conv2d(starter)) == list(range(1, N_CASES + 1))
    assert "returned None; is a `return` statement missing?" in capsys.readouterr().out
    result = checks.check_conv2d(broken)
    assert all("raised IndexError: index 4 is out of bounds" in f for f in result.failures)
    result = checks.check_conv2d(pads_in_place)
    assert len(result.failures) == N_CASES and all("changed its input x in place" in f for f in result.failures)


def test_an_endless_loop_is_stopped(capsys, monkeypatch):
    monkeypatch.setattr(checks, "TIME_LIMIT", 0.05)

    def endless(x, K, b):
        while True:
            pass

    result = checks.check_conv2d(endless)
    out = capsys.readouterr().out
    assert not result and "took longer than 0.05 s on case 1 and was stopped" in out and " not run." in out


@pytest.mark.parametrize("returned, problem", [
    ("zeros", "returned a str (<U5), which is not an array of real numbers"),
    ([[1.0], [2.0, 3.0]], "returned a list, which NumPy cannot turn into an array"),
])
def test_odd_return_values_are_reported(returned, problem):
    result = checks.check_conv2d(lambda x, K, b: returned)
    assert len(result.failures) == N_CASES and all(problem in f for f in result.failures)


def test_nan_is_a_wrong_value():
    result = checks.check_conv2d(lambda x, K, b: np.full((3, 3, 1), np.nan))
    assert result.failures[0].endswith("got [[[nan], [nan], [nan]], [[nan], [nan], [nan]], [[nan], [nan], [nan]]] "
                                       "(largest difference inf)")
    assert all("returned shape (3, 3, 1)" in f for f in result.failures[1:])


def test_a_value_instead_of_a_function(capsys):
    assert checks.check_conv2d(np.zeros(3)).failures == ["not a function"]
    assert "pass it without calling it" in capsys.readouterr().out



def float32_zeros(x, K, b):
    """The loop with its output array made in float32: each float64 sum is rounded once."""
    kh, kw, c_in, c_out = K.shape
    z = np.zeros((x.shape[0] - kh + 1, x.shape[1] - kw + 1, c_out), dtype=np.float32)
    for i, j, f in np.ndindex(z.shape):
        z[i, j, f] = np.sum(x[i:i + kh, j:j + kw, :] * K[:, :, :, f]) + b[f]
    return z


@pytest.mark.parametrize("candidate", [float32_zeros, lambda x, K, b: conv2d_loop(x, K, b).astype(np.float32)],
                         ids=["float32 output array", "result as float32"])
def test_a_float32_result_of_float64_arithmetic_passes(candidate):
    # one rounding of each final value to float32 (~6e-8 relative) is within the check's tolerance
    assert checks.check_conv2d(candidate)


@pytest.mark.parametrize("candidate", [
    lambda x, K, b: conv2d_loop(x.astype(np.float32), K.astype(np.float32), b.astype(np.float32)),
    mistake(lambda w, k: np.sum(w.astype(np.float32) * k.astype(np.float32))),
], ids=["inputs as float32", "each window sum in float32"])
def test_float32_arithmetic_is_named(candidate):
    result = checks.check_conv2d(candidate)
    assert 1 not in failed_cases(result)  # whole numbers: exact in float32 too
    assert len(result.failures) >= 3, result.failures
    assert all("right but for rounding, as float32 arithmetic (about 7 digits) gives; compute in float64" in f
               for f in result.failures), result.failures


def test_float32_hint_is_not_given_for_a_real_mistake():
    result = checks.check_conv2d(lambda x, K, b: conv2d_loop(x, K, b) * (1 + 1e-3))
    assert len(result.failures) == N_CASES and not any("float32" in f for f in result.failures)
