"""nnlib.quiet_tf drops TensorFlow's C++ start-up notices from stderr, and nothing else."""

from __future__ import annotations

import os
import sys

import pytest

from nnlib import quiet_tf

NOTICE = ("I0000 00:00:1796227357.977459    6203 port.cc:153] oneDNN custom operations are on. You may see "
          "slightly different numerical results due to floating-point round-off errors.\n")
OLD_NOTICE = "2024-01-11 05:40:05.061907: I tensorflow/core/platform/cpu_feature_guard.cc:182] This TensorFlow ...\n"
PREAMBLE = "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
ERROR = "E0000 00:00:1758131045.203198 3722035 cuda_dnn.cc:8579] Unable to register cuDNN factory\n"


def write_while_filtered(level, *lines, python_line="", fail=False):
    with quiet_tf._cpp_notices_dropped(level):
        for line in lines:
            os.write(2, line.encode())  # as TensorFlow's C++ code writes: straight to descriptor 2
        if python_line:
            print(python_line, file=sys.stderr)
        if fail:
            raise ImportError("the import failed")


def test_notices_are_dropped_and_everything_else_is_kept(capfd):
    write_while_filtered(3, PREAMBLE, NOTICE, OLD_NOTICE, ERROR, "a line of its own\n",
                         python_line="UserWarning: from Python")
    # (where sys.stderr is not descriptor 2, as in Jupyter and here, Python's line comes first)
    err = capfd.readouterr().err
    assert sorted(err.splitlines()) == ["UserWarning: from Python", "a line of its own"], err


def test_what_explains_a_failed_import_is_kept(capfd):
    with pytest.raises(ImportError, match="the import failed"):
        write_while_filtered(3, NOTICE, "numpy.core.multiarray failed to import\n", fail=True)
    assert capfd.readouterr().err == "numpy.core.multiarray failed to import\n"


@pytest.mark.parametrize("level, kept", [(0, PREAMBLE + NOTICE + ERROR), (1, ERROR), (2, ERROR), (3, "")])
def test_the_level_is_tf_cpp_min_log_level(capfd, level, kept):
    write_while_filtered(level, PREAMBLE, NOTICE, ERROR)
    assert capfd.readouterr().err == kept
