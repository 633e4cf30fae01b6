"""nnlib.show_source: the real source, with or without its docstring."""

from __future__ import annotations

import ast
import inspect

import pytest

import nnlib
from nnlib import checks, datasets, show_source
from nnlib.show import Source


def no_docstring(x):
    # a comment, not a docstring
    return x + 1


def only_code_after_docstring(x):
    """Line one.

    Line three, with "quotes" inside.
    """
    y = x * 2
    return y


def test_with_docstring_is_the_exact_source():
    src = show_source(nnlib.dense)
    assert isinstance(src, Source)
    assert src.text == inspect.getsource(nnlib.layers.dense).rstrip()
    assert src.text.startswith("def dense(A_in, W, b, activation")
    assert '"""A dense layer, vectorized' in src.text
    assert src.text.endswith("return g(A_in @ W + b)")


def test_without_docstring_keeps_only_the_code():
    src = show_source(nnlib.dense, docstring=False).text
    assert src.splitlines() == [
        'def dense(A_in, W, b, activation: ActivationLike = "linear") -> np.ndarray:',
        '    A_in, W, b, g = _check_layer("dense", A_in, W, b, activation, input_ndims=(1, 2))',
        "    return g(A_in @ W + b)",
    ]


def test_removing_a_multiline_docstring_from_a_local_function():
    src = show_source(only_code_after_docstring, docstring=False).text
    assert src == "def only_code_after_docstring(x):\n    y = x * 2\n    return y"
    full = show_source(only_code_after_docstring).text
    assert 'Line three, with "quotes" inside.' in full


def test_a_function_without_docstring_is_unchanged():
    expected = "def no_docstring(x):\n    # a comment, not a docstring\n    return x + 1"
    assert show_source(no_docstring).text == expected
    assert show_source(no_docstring, docstring=False).text == expected


def test_classes_and_methods():
    cls = show_source(checks.CheckResult, docstring=False).text
    assert cls.startswith("class CheckResult:\n\n    def __init__(self, name")
    assert "The outcome of one check" not in cls
    # the method docstring stays: only the class's own docstring is removed
    assert "Show nothing: the check has already printed its report." in cls
    method = show_source(checks.CheckResult.__bool__).text
    assert method == "def __bool__(self) -> bool:\n    return not self.failures"  # dedented


def test_source_renders_as_a_python_block():
    src = show_source(nnlib.relu)
    assert repr(src) == src.text
    assert src._repr_markdown_() == f"```python\n{src.text}\n```"


# Every function nnlib exports, and the helpers the chapters call by module.
PUBLIC = [obj for obj in (getattr(nnlib, name) for name in nnlib.__all__) if inspect.isfunction(obj)] + [
    datasets.coffee_roasting, datasets.coffee_is_good, datasets.coffee_roasting_network,
    datasets.normalization_stats, datasets.normalize, datasets.two_moons, datasets.spirals,
    checks.check_dense, checks.run_cases]


@pytest.mark.parametrize("func", PUBLIC, ids=lambda f: f.__name__)
def test_every_public_function_shows_as_valid_python(func):
    full = show_source(func).text
    short = show_source(func, docstring=False).text
    for text in (full, short):
        tree = ast.parse(text)
        assert isinstance(tree.body[0], ast.FunctionDef) and tree.body[0].name == func.__name__
    assert ast.get_docstring(ast.parse(full).body[0]) == inspect.getdoc(func)
    assert ast.get_docstring(ast.parse(short).body[0]) is None
    assert len(short.splitlines()) < len(full.splitlines())


def test_objects_without_source_raise():
    with pytest.raises(TypeError):
        show_source(len)
