"""Show nnlib's own source code in a chapter, so the text never drifts from the library."""

from __future__ import annotations

import ast
import inspect
import textwrap


class Source:
    """Source code that renders as a highlighted Python block in notebooks and the book."""

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return self.text

    def _repr_markdown_(self) -> str:
        return f"```python\n{self.text}\n```"


def show_source(obj, docstring: bool = True) -> Source:
    """Return the source of a function or class from the installed library.

    Parameters
    ----------
    obj : function or class
        E.g. ``nnlib.dense_loop``.
    docstring : bool
        Set to False to leave out the docstring when the text explains the code itself.
    """
    text = textwrap.dedent(inspect.getsource(obj)).rstrip()
    if not docstring:
        text = _without_docstring(text)
    return Source(text)


def _without_docstring(text: str) -> str:
    node = ast.parse(text).body[0]
    first = node.body[0]
    if not (isinstance(first, ast.Expr) and isinstance(getattr(first, "value", None), ast.Constant)
            and isinstance(first.value.value, str)):
        return text
    lines = text.splitlines()
    del lines[first.lineno - 1:first.end_lineno]
    return "\n".join(lines)
