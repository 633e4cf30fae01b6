"""The book builds from the stored notebooks with zero warnings (-n -W --keep-going),
and the built pages need no network to show their math."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT_SRC = re.compile(r"""<script[^>]*\bsrc=["']([^"']+)["']""")
sys.path.insert(0, str(ROOT / "_ext"))
from reader_fixes import THEME_SCRIPT, theme_tab_stop_sweep  # noqa: E402


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


def test_mathjax_components_are_in_the_build(book_build):
    """reader.js loads MathJax's startup.js, which fetches the components _config.yml lists
    (`mathjax3_config.loader.load`) from beside it: each must be in the build."""
    import yaml

    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    components = config["sphinx"]["config"]["mathjax3_config"]["loader"]["load"]
    mathjax = book_build.html / "_static" / "mathjax"
    assert (mathjax / "startup.js").is_file()
    for name in ["core", *components, "output/chtml/fonts/tex"]:
        assert (mathjax / f"{name}.js").is_file(), f"MathJax component {name} is not in the build"


def test_theme_does_not_lay_out_the_whole_chapter_at_load(book_build):
    """pydata-sphinx-theme's tab-stop sweep at `load` (which asks every code block and output for
    its size, laying out the cells reader.css leaves unrendered) is removed from the built script;
    _static/reader.js measures each box as it comes near the screen."""
    script = (book_build.html / THEME_SCRIPT).read_text(encoding="utf-8")
    sweep = theme_tab_stop_sweep(script)
    assert sweep is not None, "the theme's tab-stop function is not where it was: has the theme changed?"
    assert not sweep.search(script), "the theme still runs its tab-stop sweep at load"
    assert "tab stops: _static/reader.js" in script
    assert "sourceMappingURL" not in script, "the patched script still points at a source map it no longer matches"


# The two minified forms of the sweep: pydata-sphinx-theme 0.16-0.17 (Python 3.11+ here) and 0.15
# (which pip picks with sphinx-book-theme 1.1 on Python 3.10).
THEME_SWEEPS = {
    "0.17": 'function I(){const e=()=>{document.querySelectorAll(["pre",".nboutput > .output_area"].join(", "))'
            '.forEach(e=>{e.tabIndex=0})}}X(),"complete"===document.readyState?I():window.addEventListener("load",I)',
    "0.15": 'function T(){const e=()=>{document.querySelectorAll("pre, .nboutput > .output_area").forEach((e=>'
            '{e.tabIndex=0}))}}"complete"===document.readyState?T():window.addEventListener("load",T)})();',
}


@pytest.mark.parametrize("version", THEME_SWEEPS)
def test_the_sweep_is_found_in_each_theme_version(version):
    script = THEME_SWEEPS[version]
    sweep = theme_tab_stop_sweep(script)
    assert sweep is not None and len(sweep.findall(script)) == 1
    assert theme_tab_stop_sweep(script.replace('"pre', '"code')) is None
