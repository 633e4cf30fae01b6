"""The book builds from the stored notebooks with zero warnings (-n -W --keep-going),
and the built pages need no network to show their math."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT_SRC = re.compile(r"""<script[^>]*\bsrc=["']([^"']+)["']""")


def test_book_builds_without_warnings(book_build):
    assert book_build.returncode == 0, book_build.log[-5000:]
    assert "WARNING" not in book_build.log, book_build.log[-5000:]
    pages = {p.stem for p in (book_build.html / "chapters").glob("*.html")}
    notebooks = {p.stem for p in (ROOT / "chapters").glob("*.ipynb")}
    assert pages == notebooks, f"notebooks without a page (not in _toc.yml?): {sorted(notebooks - pages)}"


def test_math_is_served_from_the_book_itself(book_build):
    """MathJax comes from the book's own _static/ folder (the sphinx-mathjax-offline
    package), so math renders offline; no page loads any script from another host.
    (The browser test checks that the math is then typeset.)"""
    pages = sorted(book_build.html.rglob("*.html"))
    assert pages, "the build produced no HTML"
    pages_with_math = 0
    for page in pages:
        name, html = page.relative_to(book_build.html), page.read_text(encoding="utf-8")
        sources = SCRIPT_SRC.findall(html)
        remote = [s for s in sources if re.match(r"(https?:)?//", s)]
        assert not remote, f"{name} loads scripts from the network: {remote}"
        # reader.js loads MathJax once the page is painted, from its data-mathjax attribute
        mathjax = [s for s in sources if "mathjax" in s.lower()] + re.findall(r'data-mathjax="([^"]+)"', html)
        if 'class="math' in html:
            pages_with_math += 1
            assert mathjax, f"{name} has math but loads no MathJax"
        for src in mathjax:
            assert (page.parent / src.split("?")[0]).resolve().is_file(), f"{name}: {src} is not in the build"
    assert pages_with_math, "no page has math: is MathJax still switched on?"


def test_no_empty_output_blocks(book_build):
    """rich (behind Keras's `summary()`) stores an empty `<pre></pre>` display in notebooks;
    `_ext/reader_fixes.py` drops it, so no page shows an empty grey output box."""
    notebooks = sorted(ROOT.glob("chapters/*.ipynb"))
    assert any(re.search(r"<pre[^>]*></pre>", nb.read_text(encoding="utf-8")) for nb in notebooks), (
        "no notebook stores an empty <pre> any more: the fix and this test can go")
    for page in sorted((book_build.html / "chapters").glob("*.html")):
        assert not re.search(r"<pre[^>]*>\s*</pre>", page.read_text(encoding="utf-8")), page.name
