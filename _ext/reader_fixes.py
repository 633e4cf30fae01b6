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
"""

from __future__ import annotations

import re
from html import escape

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


def setup(app):
    app.add_config_value("book_description", "", "html", types=[str])
    app.connect("html-page-context", _add_meta_description)
    app.connect("html-page-context", _drop_repeated_scripts, priority=900)
    app.connect("html-page-context", _drop_citation_list_role)
    app.connect("doctree-read", _drop_empty_html_outputs)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
