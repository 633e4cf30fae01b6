"""Small fixes to the book's HTML pages, loaded as a local Sphinx extension (see _config.yml).

The browser test (tests/test_browser.py) fails on any console error, which is how these
were found.

- sphinx-thebe 0.3.1 adds its inline configuration script (`const THEBE_JS_URL = ...`) once
  to the app and once to the HTML builder, which Sphinx 7 keeps as two different scripts
  (one with filename None, one with ''). The second copy throws "Identifier 'THEBE_JS_URL'
  has already been declared" on every page. We keep one copy of each script.
- Keras's `model.summary()` prints through the `rich` library, which in a notebook also
  emits an empty HTML block (`<pre ...></pre>`) when it stops capturing. Stored as an
  output, it shows as an empty grey box above the summary. We drop such empty blocks.
- docutils marks the bibliography `<div role="list" class="citation-list">`, but its entries
  are `role="doc-biblioentry"`, not list items: a list role without list items is an ARIA
  error that screen readers announce as an empty list. We drop the list role.
- Every page gets `<meta name="description">` with the book's one-sentence description
  (`book_description`, set under `sphinx: config:` in _config.yml), for search engines and
  link previews.

Weight and speed (Lighthouse, on a phone), done on the written pages once the build has
finished, because the theme writes these parts from its own templates:

- Font Awesome: the theme loads a 1.5 MB script (`fontawesome.js`) that swaps each
  `<i class="fa-... fa-NAME">` for an SVG while the page loads. The book uses about twenty
  icons, so we write those SVGs into the pages (path data taken from that same script) and
  drop the script: the icons show at once, without any script. The theme's own templates also
  write a few icons as empty `<span class="fa-solid fa-bars">`, drawn by the icon font (a 150 kB
  download); those become SVGs too, so the font is never fetched.
- Search: pydata-sphinx-theme 0.16+ loads Sphinx's search scripts and the whole search index
  (~100 kB, render-blocking) on every page, for its optional search-as-you-type. With that
  option off (the default), only search.html needs them.
- Scripts that Sphinx extensions add in <head> are loaded with `defer` (they run, in the same
  order, once the page is parsed), except `documentation_options.js`, which inline scripts use
  straight away. MathJax is not loaded by a <script> tag: once the page has been painted,
  _static/reader.js starts _static/math-worker.js (URL in its `data-math-worker` attribute), which
  runs MathJax off the page's main thread, or, where workers cannot run, loads MathJax itself (URL
  in `data-mathjax`) and typesets a few formulas at a time. sphinx-design's CSS and JS (55 kB)
  are left out of pages that use none of its components.
- pydata-sphinx-theme makes each code block, output and table that scrolls keyboard-focusable in
  one sweep at `load`, asking every one of them for its size. reader.css leaves the code cells
  that are off screen unrendered (`content-visibility: auto`), and that sweep forced them all to
  be laid out (measured in Chromium with its CPU slowed 4x: without the sweep, chapter 5's total
  blocking time fell by half). The sweep is removed from the theme's script
  (`theme_tab_stop_sweep`) and _static/reader.js does the same job for each box as it comes near
  the screen, or for all of them at the reader's first press of Tab.
- Notebook figures (PNG) get their natural `width`/`height` (no layout shift while they load),
  `loading="lazy"`, `decoding="async"`, and `--figure-min-width`: the narrowest they may be
  shown with text of at least 8 CSS px (Matplotlib's 10 pt at the PNG's dpi). _static/reader.css
  lets a wider figure scroll sideways in its own box on a phone instead of shrinking it.
"""

from __future__ import annotations

import re
import struct
from html import escape
from pathlib import Path

from docutils import nodes

_EMPTY_PRE = re.compile(r"\s*<pre[^>]*>\s*</pre>\s*")
_CITATION_LIST = '<div role="list" class="citation-list">'


def _drop_repeated_scripts(app, pagename, templatename, context, doctree) -> None:
    seen, unique = set(), []
    for script in context.get("script_files", []):
        key = (script.filename or "", script.priority, tuple(sorted(script.attributes.items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def _drop_citation_list_role(app, pagename, templatename, context, doctree) -> None:
    if _CITATION_LIST in context.get("body", ""):
        context["body"] = context["body"].replace(_CITATION_LIST, '<div class="citation-list">')


def _add_meta_description(app, pagename, templatename, context, doctree) -> None:
    description = " ".join(app.config.book_description.split())
    if description and 'name="description"' not in context.get("metatags", ""):
        context["metatags"] = (context.get("metatags", "")
                               + f'\n<meta name="description" content="{escape(description)}" />')


def _drop_empty_html_outputs(app, doctree) -> None:
    for node in list(doctree.findall(nodes.raw)):
        if "html" in node.get("format", "").split() and _EMPTY_PRE.fullmatch(node.astext()):
            node.parent.remove(node)


# --- Weight and speed --------------------------------------------------------------------------

# Scripts in <head> that inline scripts need at once (DOCUMENTATION_OPTIONS.pagename = ...).
_KEEP_BLOCKING = {"documentation_options.js"}
FIGURE_MIN_TEXT_PX = 8  # smallest text a figure may show, in CSS px
FIGURE_FONT_PT = 10  # Matplotlib's default font size; tick labels and most text use it


_SPHINX_DESIGN = {"sphinx-design.min.css", "design-tabs.js"}
_USES_SPHINX_DESIGN = re.compile(r'class="[^"]*\bsd-')


def _asset_name(asset) -> str:
    return Path((asset.filename or "").split("?")[0]).name


def _with(script, **attributes):
    """A copy of a Sphinx script entry with more attributes (the entries are shared by all pages)."""
    return type(script)(script.filename, priority=script.priority, **{**script.attributes, **attributes})


def _lighten_head(app, pagename, templatename, context, doctree) -> None:
    """Defer head scripts; hand MathJax to reader.js; drop sphinx-design where nothing uses it."""
    scripts = list(context.get("script_files", []))
    mathjax_path = app.config.mathjax_path
    mathjax = [s for s in scripts if s.filename
               and s.filename.split("?")[0] in (mathjax_path, f"_static/{mathjax_path}")]
    if mathjax and any(_asset_name(s) == "reader.js" for s in scripts):
        # reader.js typesets the math once the page has been painted, in a worker (or loads MathJax).
        url = context["pathto"](mathjax[0].filename.split("?")[0], 1)
        worker = context["pathto"](f"_static/{MATH_WORKER}", 1)
        scripts = [_with(s, **{"data-mathjax": url, "data-math-worker": worker})
                   if _asset_name(s) == "reader.js" else s for s in scripts if s not in mathjax]
    if not _USES_SPHINX_DESIGN.search(context.get("body", "")):
        scripts = [s for s in scripts if _asset_name(s) not in _SPHINX_DESIGN]
        context["css_files"] = [c for c in context.get("css_files", []) if _asset_name(c) not in _SPHINX_DESIGN]
    if pagename == "search":
        return  # the search page's own scripts (searchtools.js, in its body) need doctools.js at once
    context["script_files"] = [
        _with(s, defer="defer") if (s.filename and _asset_name(s) not in _KEEP_BLOCKING
                                    and not {"async", "defer"} & set(s.attributes)) else s
        for s in scripts]


_FA_SCRIPT = re.compile(r'[ \t]*<script defer src="[^"]*_static/scripts/fontawesome\.js[^"]*"></script>\n?')
_SEARCH_SCRIPTS = re.compile(
    r'[ \t]*<script src="[^"]*(?:_static/searchtools|_static/language_data|searchindex)\.js"></script>\n?')
_ICON = re.compile(r'<(i|span) class="([^"]*\bfa-[^"]*)"([^>]*)></\1>')
_PACKS = {"fab": "fab", "fa-brands": "fab", "far": "far", "fa-regular": "far",
          "fas": "fas", "fa-solid": "fas", "fa": "fas"}
_ICON_DEF = re.compile(r'(?:"([a-z0-9-]+)"|([a-z0-9]+)):\[(\d+),(\d+),\[([^\]]*)\],"[0-9a-f]+","([^"]+)"\]')
_PACK_CALL = re.compile(r'\b[A-Za-z_$][\w$]*\("(fab|far|fas)",[A-Za-z_$][\w$]*\)')


def font_awesome_icons(script: str) -> dict[str, dict[str, tuple[int, int, str]]]:
    """{pack: {name or alias: (width, height, path)}} from Font Awesome's `fontawesome.js`.

    The script defines each pack as an object literal of `name:[w,h,[aliases],"unicode","path"]`
    followed by a call such as `d("fab",p)`; an icon belongs to the first pack call after it.
    """
    calls = [(m.start(), m.group(1)) for m in _PACK_CALL.finditer(script)]
    packs: dict[str, dict[str, tuple[int, int, str]]] = {}
    for m in _ICON_DEF.finditer(script):
        pack = next((name for start, name in calls if start > m.start()), None)
        if pack is None:
            continue
        icon = (int(m.group(3)), int(m.group(4)), m.group(6))
        names = [m.group(1) or m.group(2)] + re.findall(r'"([a-z0-9-]+)"', m.group(5))
        for name in names:
            packs.setdefault(pack, {}).setdefault(name, icon)
    return packs


def _inline_icons(html: str, icons) -> tuple[str, bool]:
    """Replace each empty Font Awesome <i> or <span> with its SVG; report whether every one was found."""
    complete = True

    def svg(match):
        nonlocal complete
        classes, rest = match.group(2).split(), match.group(3)
        pack = next((_PACKS[c] for c in classes if c in _PACKS), "fas")
        names = [c[3:] for c in classes if c.startswith("fa-") and c[3:] in icons.get(pack, {})]
        if not names:
            complete = False
            return match.group(0)
        width, height, path = icons[pack][names[0]]
        return (f'<svg class="{" ".join(classes)} svg-inline--fa"{rest} aria-hidden="true" '
                f'focusable="false" role="img" xmlns="http://www.w3.org/2000/svg" '
                f'viewBox="0 0 {width} {height}"><path fill="currentColor" d="{path}"/></svg>')

    return _ICON.sub(svg, html), complete


def png_size_and_dpi(path: Path) -> tuple[int, int, float]:
    """A PNG's width and height in pixels and its dpi (from the pHYs chunk; 100 if absent)."""
    data = path.read_bytes()
    width, height = struct.unpack(">II", data[16:24])
    at = data.find(b"pHYs")
    dpi = 100.0
    if at > 0:
        x_per_unit, _, unit = struct.unpack(">IIB", data[at + 4:at + 13])
        if unit == 1 and x_per_unit:  # pixels per metre
            dpi = x_per_unit * 0.0254
    return width, height, dpi


def figure_min_width(width: int, dpi: float) -> int:
    """The narrowest display width (CSS px) at which `FIGURE_FONT_PT` text in the figure is
    still `FIGURE_MIN_TEXT_PX` tall: scale = shown / natural width, text px = scale * pt * dpi/72."""
    return -(-width * FIGURE_MIN_TEXT_PX * 72 // round(FIGURE_FONT_PT * dpi))


# `.fa-rocket:before,.fa-...:before{content:"\f135"}`: the icon font's classes, unused once every
# icon is an inline SVG (~90 kB of the theme's 400 kB render-blocking stylesheet).
_FA_ICON_RULE = re.compile(r'(?<=[}\n])(?:\.fa-[a-z0-9-]+:before,)*\.fa-[a-z0-9-]+:before\{content:"[^"]*"\}')


def _drop_icon_font_rules(outdir: Path) -> None:
    for sheet in (outdir / "_static").glob("styles/*.css"):
        css = sheet.read_text(encoding="utf-8")
        lighter = _FA_ICON_RULE.sub("", css)
        if lighter != css:
            sheet.write_text(lighter, encoding="utf-8")


_IMG = re.compile(r'<img ([^>]*?)src="([^"]*_images/[^"/]+\.png)"([^>]*?)\s*/?>')


def _size_figures(html: str, page: Path, outdir: Path) -> str:
    def attributes(match):
        before, src, after = match.groups()
        if "width=" in before + after or "loading=" in before + after:
            return match.group(0)  # already done (an incremental build keeps unchanged pages)
        file = (page.parent / src).resolve()
        if outdir.resolve() not in file.parents or not file.exists():
            return match.group(0)
        width, height, dpi = png_size_and_dpi(file)
        style = f' style="--figure-min-width: {figure_min_width(width, dpi)}px"'
        return (f'<img {before}src="{src}"{after} width="{width}" height="{height}" '
                f'loading="lazy" decoding="async"{style} />')

    return _IMG.sub(attributes, html)


# The minified theme script: `function I(){const e=()=>{document.querySelectorAll(["pre",...
# ...e.tabIndex=e.scrollWidth>e.clientWidth||...}` (0.16-0.17; 0.15: `querySelectorAll("pre, ...`)
# started by `"complete"===document.readyState?I():window.addEventListener("load",I)`.
_TAB_STOP_FUNCTION = re.compile(
    r'function ([\w$]+)\(\)\{const [\w$]+=\(\)=>\{document\.querySelectorAll\(\[?"pre[",]')
THEME_SCRIPT = Path("_static") / "scripts" / "pydata-sphinx-theme.js"


def theme_tab_stop_sweep(script: str) -> re.Pattern | None:
    """The statement in pydata-sphinx-theme's script that starts its tab-stop sweep at load, or None."""
    function = _TAB_STOP_FUNCTION.search(script)
    if not function:
        return None
    name = re.escape(function.group(1))
    return re.compile(rf'"complete"===document\.readyState\?{name}\(\):window\.addEventListener\("load",{name}\)')


def _drop_theme_tab_stop_sweep(outdir: Path) -> None:
    script = outdir / THEME_SCRIPT
    if not script.exists():
        return
    text = script.read_text(encoding="utf-8")
    sweep = theme_tab_stop_sweep(text)
    if sweep and len(sweep.findall(text)) == 1:
        text = sweep.sub("void 0/* tab stops: _static/reader.js */", text)
        # its source map no longer matches (browsers' developer tools would say so)
        text = re.sub(r"\n//# sourceMappingURL=\S+\s*$", "\n", text)
        script.write_text(text, encoding="utf-8")


def _lighten_pages(app, exception) -> None:
    """Post-process every written page: inline icons, search scripts, figure sizes."""
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    fa_script = outdir / "_static" / "scripts" / "fontawesome.js"
    icons = font_awesome_icons(fa_script.read_text(encoding="utf-8")) if fa_script.exists() else {}
    all_inlined = bool(icons)
    for page in outdir.rglob("*.html"):
        if page.relative_to(outdir).parts[0] in {"_static", "_sources", "_images"}:
            continue
        html = original = page.read_text(encoding="utf-8")
        if icons:
            html, complete = _inline_icons(html, icons)
            all_inlined &= complete
            if complete:
                html = _FA_SCRIPT.sub("", html)
        if page.name != "search.html" and "DOCUMENTATION_OPTIONS.search_as_you_type = true" not in html:
            html = _SEARCH_SCRIPTS.sub("", html)
        html = _size_figures(html, page, outdir)
        if html != original:
            page.write_text(html, encoding="utf-8")
    if all_inlined:
        _drop_icon_font_rules(outdir)
    _drop_theme_tab_stop_sweep(outdir)


MATH_WORKER = "math-worker.js"


def _configure_math(app, config) -> None:
    """sphinx-mathjax-offline points `mathjax_path` at its combined `tex-chtml.js` (1.16 MB, with
    the right-click menu); the book loads `startup.js` beside it, which fetches the components that
    _config.yml's `mathjax3_config.loader.load` lists (the worker loads the same ones).
    Jupyter Book adds every .js file in _static/ to every page; the worker must not run as one."""
    if config.mathjax_path.endswith("mathjax/tex-chtml.js"):
        config.mathjax_path = config.mathjax_path[: -len("tex-chtml.js")] + "startup.js"
    config.html_js_files = [f for f in config.html_js_files
                            if Path(f[0] if isinstance(f, tuple) else f).name != MATH_WORKER]


def _skip_node(translator, node):
    raise nodes.SkipNode


def setup(app):
    # The single-page build (`python3 dev.py pdf`): sphinx-jupyterbook-latex replaces hidden cells
    # with a node it teaches the html and LaTeX writers to skip, but not the singlehtml one.
    try:
        from sphinx_jupyterbook_latex.nodes import HiddenCellNode
    except ImportError:
        pass
    else:
        app.add_node(HiddenCellNode, override=True, singlehtml=(_skip_node, None))
    app.add_config_value("book_description", "", "html", types=[str])
    app.connect("config-inited", _configure_math)
    app.connect("html-page-context", _add_meta_description)
    app.connect("html-page-context", _drop_repeated_scripts, priority=900)
    app.connect("html-page-context", _drop_citation_list_role)
    app.connect("html-page-context", _lighten_head, priority=950)
    app.connect("doctree-read", _drop_empty_html_outputs)
    app.connect("build-finished", _lighten_pages)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
