"""The built book, read in a real browser.

Headless Chromium (Debian's package, found on PATH or via $CHROMIUM) is driven by
Playwright's Python API; Playwright never downloads a browser of its own. The book is
built once per session (the `book_build` fixture) and served from 127.0.0.1. Every
request to another host is blocked and recorded, so each page must work offline.

Each page is loaded once; what the browser saw is collected into a `PageReport` and the
tests below each assert one thing about it, so a failure names the page and the check.
axe-core (bundled in the `axe-playwright-python` package) audits every page. The
screenshots of two pages and an axe report of every violation, whatever its impact,
are written to `test-artifacts/`.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import threading
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, quote, urlparse

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
REPO_URL = CONFIG["repository"]["url"].rstrip("/")
REPO_PATH = urlparse(REPO_URL).path.strip("/")  # "owner/name"
BRANCH = CONFIG["repository"].get("branch", "main")
LAUNCH = CONFIG.get("launch_buttons", {})

# Flags that keep Chromium off the network and quiet; --no-sandbox because CI runs as root.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SERVER_LIFETIME_S = 20 * 60  # the static server shuts itself down after this, whatever happens
TIMEOUT_MS = 20_000
SERIOUS = {"serious", "critical"}


def _toc_files() -> list[str]:
    """Every document in _toc.yml, in reading order, without its suffix."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                yield re.sub(r"\.(md|ipynb)$", "", entry["file"])
            yield from walk(entry.get("sections"))
            yield from walk(entry.get("chapters"))

    return [re.sub(r"\.(md|ipynb)$", "", toc["root"])] + list(walk(toc.get("parts"))) + list(
        walk(toc.get("chapters")))


DOCUMENTS = _toc_files()
PAGES = [f"{doc}.html" for doc in DOCUMENTS] + ["genindex.html", "search.html"]
NOTEBOOK_PAGES = [f"{doc}.html" for doc in DOCUMENTS if (ROOT / f"{doc}.ipynb").exists()]
SCREENSHOTS = {PAGES[0]: "home", **({NOTEBOOK_PAGES[0]: "chapter"} if NOTEBOOK_PAGES else {})}


def find_chromium() -> str | None:
    for name in (os.environ.get("CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        if name and (path := shutil.which(name)):
            return path
    return None


# --- Fixtures: the site, the browser, one report per page ---------------------------------

class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def do_GET(self):
        # Browsers ask every site for /favicon.ico; the book has none, and a 404 for it is
        # no fault of the page (on GitHub Pages it would be the domain's, not the book's).
        if self.path == "/favicon.ico":
            self.send_response(204)
            self.end_headers()
            return
        super().do_GET()

    def log_message(self, *args):  # keep the test output readable
        pass


@pytest.fixture(scope="module")
def site(book_build):
    """The built HTML served on 127.0.0.1 (a free port) for as long as this module runs."""
    if not (book_build.html / "index.html").exists():
        pytest.fail(f"the book did not build, so there is nothing to browse:\n{book_build.log[-3000:]}")
    handler = functools.partial(_QuietHandler, directory=str(book_build.html))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    deadline = threading.Timer(SERVER_LIFETIME_S, server.shutdown)
    deadline.daemon = True
    deadline.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        deadline.cancel()
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser():
    chromium = find_chromium()
    if chromium is None:
        message = ("Chromium not found, so the browser test cannot run. Install it (Debian/Ubuntu: "
                   "`sudo apt-get install chromium`) or point $CHROMIUM at a Chromium or Chrome binary.")
        if os.environ.get("CI") == "true":
            pytest.fail(message + " In CI, `python3 dev.py test` installs it: see ensure_chromium().")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class PageReport:
    """What the browser saw on one page."""

    url: str
    console_errors: list[str] = field(default_factory=list)
    blocked_requests: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    math: dict = field(default_factory=dict)
    images: list[dict] = field(default_factory=list)
    axe_violations: list[dict] = field(default_factory=list)
    launch_links: dict = field(default_factory=dict)
    solutions: list[dict] = field(default_factory=list)
    widgets: list[dict] = field(default_factory=list)


@pytest.fixture(scope="module")
def reports(site, browser):
    """Load each page at most once, on first use; write the axe report at the end."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    cache: dict[str, PageReport] = {}

    def get(page_path: str) -> PageReport:
        if page_path not in cache:
            cache[page_path] = _visit(context, site, page_path)
        return cache[page_path]

    yield get
    context.close()
    ARTIFACTS.mkdir(exist_ok=True)
    summary = {path: report.axe_violations for path, report in cache.items()}
    (ARTIFACTS / "axe-report.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")


# --- Loading a page and collecting what it shows ------------------------------------------

# _static/reader.js typesets the math a few formulas at a time; window.readerMathTypeset says when done.
MATH_STATE = """async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) { await MathJax.startup.promise; }
  if (window.readerMathTypeset) { await window.readerMathTypeset; }
  const maths = [...document.querySelectorAll('.math')];
  const main = document.querySelector('main') || document.body;
  const prose = main.cloneNode(true);
  prose.querySelectorAll('pre, code, .cell_output, script, style, mjx-container').forEach(e => e.remove());
  return {
    count: maths.length,
    unrendered: maths.filter(m => !m.querySelector('mjx-container')).map(m => m.textContent.slice(0, 80)),
    tex_errors: [...document.querySelectorAll('mjx-merror')].map(e => e.getAttribute('data-mjx-error') || e.textContent)
      // MathJax shows an undefined macro such as \\foo as red text instead of failing
      .concat([...document.querySelectorAll('mjx-assistive-mml mtext[mathcolor="red"]')]
              .filter(e => e.textContent.startsWith('\\\\')).map(e => `undefined macro ${e.textContent}`)),
    raw_delimiters: prose.textContent.match(/\\$\\$|\\\\\\(|\\\\\\[|\\$[^$\\s][^$]*\\$/g) || [],
    // reader.js typesets in a Web Worker (engine "worker") or, where none can run, on the page
    typeset_by: window.readerMath ? window.readerMath.engine : null,
  };
}"""

IMAGE_STATE = """async () => {
  const images = [...document.images];
  images.forEach(img => { img.loading = 'eager'; });
  const settled = img => img.complete ? Promise.resolve() :
    new Promise(resolve => { img.addEventListener('load', resolve); img.addEventListener('error', resolve); });
  await Promise.race([Promise.all(images.map(settled)), new Promise(r => setTimeout(r, 10000))]);
  return images.map(img => ({src: img.getAttribute('src'), alt: (img.getAttribute('alt') || '').trim(),
                             loaded: img.complete && img.naturalWidth > 0}));
}"""


# A widget needs a live kernel; the page shows nothing for it and relies on a static
# figure that follows it in the same section.
WIDGET_STATE = """() => [...document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]')]
  .map(w => { const section = w.closest('section') || document.body;
              const after = [...section.querySelectorAll('img')]
                .filter(img => w.compareDocumentPosition(img) & Node.DOCUMENT_POSITION_FOLLOWING);
              return {section: section.id, fallback: after.length > 0 && after[0].naturalWidth > 0}; })"""


# reader.css leaves cells that are off screen unrendered, and their paint containment would hide
# a cell too wide for the column: the phone checks look at every cell rendered.
RENDER_EVERY_CELL = """() => { const style = document.createElement('style');
  style.textContent = '.bd-article .cell { content-visibility: visible !important; }';
  document.head.appendChild(style); }"""


def _visit(context, site: str, page_path: str) -> PageReport:
    from axe_playwright_python.sync_playwright import Axe

    report = PageReport(url=site + page_path)
    page = context.new_page()

    def route(r):
        if urlparse(r.request.url).hostname == "127.0.0.1":
            r.continue_()
        else:
            report.blocked_requests.append(r.request.url)
            r.abort()

    # Listen all the time except while axe-core runs: it re-fetches stylesheets on its own and
    # resolves a nested @import against the page, not the sheet (a 404 that is axe's, not the
    # book's).
    listening = True
    page.route("**/*", route)
    page.on("console", lambda m: listening and m.type == "error" and report.console_errors.append(m.text))
    page.on("pageerror", lambda e: listening and report.console_errors.append(f"uncaught: {e}"))
    page.on("requestfailed",
            lambda r: listening and report.failed_requests.append(f"{r.url} ({r.failure})"))
    page.on("response",
            lambda r: listening and r.status >= 400 and report.failed_requests.append(f"{r.url} (HTTP {r.status})"))
    response = page.goto(report.url, wait_until="load")
    assert response is not None and response.ok, f"{page_path}: HTTP {response and response.status}"
    page.evaluate("() => document.fonts.ready.then(() => true)")
    report.math = page.evaluate(MATH_STATE)
    report.images = page.evaluate(IMAGE_STATE)
    report.widgets = page.evaluate(WIDGET_STATE)
    if page_path in SCREENSHOTS:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"screenshot-{SCREENSHOTS[page_path]}.png"))

    listening = False
    # axe-core misjudges colours inside parts the browser has not rendered (axe-core #2768):
    # audit every cell rendered, as a reader sees each one on getting there. reader.js makes the
    # boxes that scroll keyboard-focusable as they come near the screen, and all of them at the
    # first press of Tab: audit the page as a keyboard user has it after that first press.
    page.evaluate(RENDER_EVERY_CELL)
    page.keyboard.press("Tab")
    results = Axe().run(page)
    report.axe_violations = [
        {"id": v["id"], "impact": v["impact"], "help": v["help"],
         "nodes": [", ".join(map(str, n["target"])) for n in v["nodes"]]}
        for v in results.response["violations"]]
    # That Tab focused the skip link, which some theme versions (pydata-sphinx-theme 0.15) then
    # show over the header, in the way of the clicks below.
    page.evaluate("() => document.activeElement && document.activeElement.blur()")

    listening = True

    # Interactions last, once the page has been audited as a reader first sees it.
    report.launch_links = _launch_links(page)
    report.solutions = _click_solutions(page)
    page.close()
    return report


def _launch_links(page) -> dict:
    """Click the rocket icon; return the menu's entries as {label: href} (a button's href is
    None), counting only the entries that became visible."""
    toggle = page.locator(".dropdown-launch-buttons button.dropdown-toggle")
    if toggle.count() == 0:
        return {}
    toggle.click()
    entries = page.locator(".dropdown-launch-buttons .dropdown-item")
    entries.first.wait_for(state="visible")
    links = {entries.nth(i).inner_text().strip(): entries.nth(i).get_attribute("href")
             for i in range(entries.count()) if entries.nth(i).is_visible()}
    page.keyboard.press("Escape")
    return links


def _click_solutions(page) -> list[dict]:
    """For each solution: is its body hidden at first, and shown after a click on its title?"""
    states = []
    solutions = page.locator(".solution.admonition")
    for i in range(solutions.count()):
        solution = solutions.nth(i)
        body = solution.locator(":scope > :not(.admonition-title)")
        label = solution.locator(".admonition-title").inner_text().strip()
        hidden_before = body.count() > 0 and not any(body.nth(j).is_visible() for j in range(body.count()))
        solution.locator(":scope > .admonition-title").click()
        body.first.wait_for(state="visible", timeout=5_000)
        states.append({"label": label, "hidden_before": hidden_before,
                       "shown_after": body.first.is_visible()})
    return states


# --- The tests ----------------------------------------------------------------------------

def test_every_built_page_is_checked(book_build, site):
    built = {str(p.relative_to(book_build.html)) for p in book_build.html.rglob("*.html")
             if not p.relative_to(book_build.html).parts[0].startswith("_")}
    built.discard("index.html")  # a redirect to the root document
    assert built == set(PAGES), f"built pages not in _toc.yml: {built - set(PAGES)}; missing: {set(PAGES) - built}"


@pytest.mark.parametrize("page_path", PAGES)
def test_no_console_errors_and_no_network(reports, page_path):
    report = reports(page_path)
    assert not report.blocked_requests, f"the page needs the network: {report.blocked_requests}"
    assert not report.failed_requests, f"requests failed: {report.failed_requests}"
    assert not report.console_errors, f"console errors: {report.console_errors}"


@pytest.mark.parametrize("page_path", PAGES)
def test_math_is_rendered(reports, page_path):
    math = reports(page_path).math
    assert not math["unrendered"], f"math left as TeX: {math['unrendered'][:5]}"
    assert not math["tex_errors"], f"MathJax could not typeset: {math['tex_errors'][:5]}"
    assert not math["raw_delimiters"], f"TeX left raw in the prose (not parsed as math): {math['raw_delimiters'][:5]}"
    if math["count"]:
        assert math["typeset_by"] == "worker", f"math typeset by {math['typeset_by']}, not the worker"


def test_math_is_typeset_on_the_page_where_no_worker_can_run(site, browser):
    """Where a Web Worker cannot run (a page opened from a file, an old browser), reader.js loads
    MathJax on the page itself and typesets every formula there."""
    context = browser.new_context()
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.add_init_script("delete window.Worker;")
    errors = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.goto(site + "chapters/06_backprop.html", wait_until="load")
    math = page.evaluate(MATH_STATE)
    context.close()
    assert math["count"] > 100 and math["typeset_by"] == "page", math["typeset_by"]
    assert not math["unrendered"] and not math["tex_errors"] and not errors, (math["unrendered"][:3], errors[:3])


def test_math_is_typeset_somewhere(reports):
    assert any(reports(p).math["count"] for p in PAGES), "no page has any math: is MathJax wired up?"


@pytest.mark.parametrize("page_path", PAGES)
def test_images_load_and_have_alt_text(reports, page_path):
    images = reports(page_path).images
    broken = [i["src"] for i in images if not i["loaded"]]
    no_alt = [i["src"] for i in images if not i["alt"]]
    assert not broken, f"images that did not load: {broken}"
    assert not no_alt, f"images without alt text (give the figure cell mystnb.image.alt metadata): {no_alt}"


@pytest.mark.parametrize("page_path", PAGES)
def test_no_serious_accessibility_violations(reports, page_path):
    serious = [v for v in reports(page_path).axe_violations if v["impact"] in SERIOUS]
    assert not serious, "axe-core found:\n" + "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']} at {v['nodes'][:3]}" for v in serious)


@pytest.mark.parametrize("page_path", NOTEBOOK_PAGES)
def test_launch_buttons(reports, page_path):
    """The rocket menu offers Binder, Colab and Live Code (Thebe), pointing at this notebook;
    a JupyterHub entry exactly when `launch_buttons.jupyterhub_url` is set."""
    links = reports(page_path).launch_links
    notebook = page_path.replace(".html", ".ipynb")
    assert links.get("Binder") == (
        f"{LAUNCH['binderhub_url'].rstrip('/')}/v2/gh/{REPO_PATH}/{BRANCH}?urlpath=lab/tree/{notebook}")
    assert links.get("Colab") == (
        f"{LAUNCH['colab_url'].rstrip('/')}/github/{REPO_PATH}/blob/{BRANCH}/{notebook}")
    assert ("Live Code" in links) == bool(LAUNCH.get("thebe"))
    hub = LAUNCH.get("jupyterhub_url") or ""
    if hub:  # an nbgitpuller link: clone or update the repository on the hub, open the notebook
        href = links.get("JupyterHub") or ""
        assert href.startswith(f"{hub.rstrip('/')}/hub/user-redirect/git-pull?"), href
        query = {k: v[0] for k, v in parse_qs(urlparse(href).query).items()}
        assert query == {"repo": REPO_URL, "branch": BRANCH,
                         "urlpath": f"lab/tree/{REPO_PATH.split('/')[-1]}/{notebook}"}, query
    else:
        assert "JupyterHub" not in links


@pytest.mark.parametrize("page_path", NOTEBOOK_PAGES)
def test_widgets_have_a_static_fallback(reports, page_path):
    missing = [w["section"] for w in reports(page_path).widgets if not w["fallback"]]
    assert not missing, f"widgets with no figure after them, in sections {missing}"


@pytest.mark.parametrize("page_path", NOTEBOOK_PAGES)
def test_solutions_hidden_until_clicked(reports, page_path):
    source = (ROOT / page_path.replace(".html", ".ipynb")).read_text(encoding="utf-8")
    solutions = reports(page_path).solutions
    assert len(solutions) == len(re.findall(r"\{solution(-start)?\}", source)), (
        "not every solution in the notebook was rendered as a solution")
    for state in solutions:
        assert state["hidden_before"], f"{state['label']!r} is visible before it is clicked"
        assert state["shown_after"], f"{state['label']!r} does not open when clicked"


@pytest.mark.parametrize("page_path", [p for p in PAGES if p not in {"genindex.html", "search.html"}])
def test_search_finds_the_page_by_its_title(site, browser, book_build, page_path):
    html = (book_build.html / page_path).read_text(encoding="utf-8")
    titles = [h for h in re.findall(r"<h1>(.*?)</h1>", html, re.S) if "headerlink" in h]
    assert titles, "the page has no <h1> title"
    heading = re.sub(r'<a class="headerlink".*?</a>|<span class="(section-number|math)[^"]*">.*?</span>',
                     "", titles[0])
    query = unescape(re.sub(r"<[^>]+>", "", heading)).strip()
    page = browser.new_page()
    try:
        page.goto(f"{site}search.html?q={quote(query)}", wait_until="load")
        # Sphinx adds results one at a time and only then reports "Search finished, found N ...";
        # reading them before that would miss the ones not yet shown.
        page.locator("#search-results p.search-summary").filter(
            has_text=re.compile("Search finished|did not match")).wait_for(timeout=TIMEOUT_MS)
        results = page.locator("#search-results ul.search li a")
        hrefs = [results.nth(i).get_attribute("href") for i in range(results.count())]
    finally:
        page.close()
    assert any(h.split("#")[0].split("?")[0] == page_path for h in hrefs), f"searching {query!r} gave {hrefs}"


# --- Page metadata, footer and the edit button ----------------------------------------------

DESCRIPTION = " ".join(CONFIG["sphinx"]["config"]["book_description"].split())
FAVICON = Path(CONFIG["html"]["favicon"]).name
SOURCE_SUFFIX = {doc: ".ipynb" if (ROOT / f"{doc}.ipynb").exists() else ".md" for doc in DOCUMENTS}


def _head(page, selector: str, attribute: str) -> list[str]:
    return page.eval_on_selector_all(selector, f"els => els.map(e => e.getAttribute('{attribute}'))")


@pytest.mark.parametrize("page_path", PAGES)
def test_every_page_has_the_description_favicon_and_licence(site, browser, page_path):
    """<meta name="description"> with the book's one sentence (for search engines and link
    previews), the favicon (which loads), and the licence in the footer, as a reader sees it."""
    page = browser.new_page()
    try:
        page.goto(site + page_path, wait_until="load")
        descriptions = _head(page, 'meta[name="description"]', "content")
        icons = _head(page, 'link[rel="icon"]', "href")
        licence = page.locator("footer .extra_footer")
        footer = licence.inner_text() if licence.count() == 1 and licence.is_visible() else ""
        favicon = page.request.get(page.url.rsplit("/", 1)[0] + "/" + icons[0]) if icons else None
    finally:
        page.close()
    assert descriptions == [DESCRIPTION], descriptions
    assert len(icons) == 1 and icons[0].endswith(f"_static/{FAVICON}"), icons
    assert favicon.ok and "image/svg+xml" in favicon.headers.get("content-type", ""), favicon.status
    assert "MIT license" in footer and "CC BY 4.0" in footer, footer


@pytest.mark.parametrize("page_path", [f"{doc}.html" for doc in DOCUMENTS])
def test_edit_button_points_at_the_pages_source(site, browser, page_path):
    """The GitHub menu's "Suggest edit" opens this page's source file on the configured branch."""
    page = browser.new_page()
    try:
        page.goto(site + page_path, wait_until="load")
        page.locator(".dropdown-source-buttons button.dropdown-toggle").click()
        edit = page.locator(".dropdown-source-buttons .btn-source-edit-button")
        edit.wait_for(state="visible")
        href = edit.get_attribute("href")
    finally:
        page.close()
    doc = page_path.removesuffix(".html")
    assert href == f"{REPO_URL}/edit/{BRANCH}/{doc}{SOURCE_SUFFIX[doc]}", href


# --- On a phone (390 CSS px wide) -----------------------------------------------------------

PHONE = {"width": 390, "height": 844}
FIGURE_MIN_TEXT_PX = 8  # no figure text below this, in CSS px
FIGURE_FONT_PT = 10  # Matplotlib's default font size (tick labels, most text)

PHONE_STATE = """async () => {
  if (window.readerMathTypeset) { await window.readerMathTypeset; }
  const images = [...document.querySelectorAll('.bd-article img')]
    .filter(i => i.getAttribute('src').includes('_images/'));
  images.forEach(img => { img.loading = 'eager'; });
  await Promise.race([Promise.all(images.map(img => img.complete ? 0 :
    new Promise(r => { img.addEventListener('load', r); img.addEventListener('error', r); }))),
    new Promise(r => setTimeout(r, 10000))]);
  // reader.js marks the boxes that scroll once the browser is idle after typesetting
  const idle = () => new Promise(r => window.requestIdleCallback ? requestIdleCallback(r, {timeout: 3000})
                                                                  : setTimeout(r, 200));
  await document.fonts.ready;
  await idle();
  await idle();
  const describe = e => `${e.tagName.toLowerCase()}.${[...e.classList].join('.')} `
    + `"${(e.textContent || e.getAttribute('alt') || '').trim().slice(0, 50)}"`;
  const clipper = e => {  // the nearest ancestor that does not let content overflow, and how
    for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
      const o = getComputedStyle(a).overflowX;
      if (o !== 'visible') return [a, o];
    }
    return [null, 'visible'];
  };
  const article = document.querySelector('.bd-article') || document.body;
  const wide = [], cut = [], scrollers = [];
  for (const e of article.querySelectorAll('*')) {
    const r = e.getBoundingClientRect();
    if (!r.width || e.closest('mjx-assistive-mml')) continue;
    const [box, overflow] = clipper(e);
    if (!box && r.right > innerWidth + 1) wide.push(describe(e));
    if (box && (overflow === 'hidden' || overflow === 'clip') && r.right > box.getBoundingClientRect().right + 1
        && !e.closest('mjx-container') && getComputedStyle(e).position !== 'absolute')
      cut.push(describe(e));
  }
  for (const e of article.querySelectorAll('*')) {
    const o = getComputedStyle(e).overflowX;
    if ((o === 'auto' || o === 'scroll') && e.scrollWidth > e.clientWidth + 1 && e.tagName !== 'PRE'
        && !e.closest('pre, .highlight')) {
      const s = getComputedStyle(e);
      const mask = s.maskImage || s.webkitMaskImage || 'none';
      scrollers.push({what: describe(e), focusable: e.tabIndex >= 0,
                      cue: s.backgroundImage.includes('gradient') || mask !== 'none'});
    }
  }
  return {
    scroll_width: document.documentElement.scrollWidth, inner_width: innerWidth, wide, cut, scrollers,
    figures: images.map(img => ({src: img.getAttribute('src'), natural: img.naturalWidth,
                                 shown: img.getBoundingClientRect().width})),
  };
}"""


@pytest.fixture(scope="module")
def phone_reports(site, browser):
    """What each page looks like 390 px wide: sideways overflow, cut-off content, scroll boxes, figures."""
    context = browser.new_context(viewport=PHONE, has_touch=True)
    context.set_default_timeout(TIMEOUT_MS)
    cache: dict[str, dict] = {}

    def get(page_path: str) -> dict:
        if page_path not in cache:
            page = context.new_page()
            page.route("**/*", lambda r: r.continue_() if urlparse(r.request.url).hostname == "127.0.0.1"
                       else r.abort())
            page.goto(site + page_path, wait_until="load")
            page.evaluate(RENDER_EVERY_CELL)
            page.keyboard.press("Tab")  # reader.js measures every scroll box at the first Tab
            cache[page_path] = page.evaluate(PHONE_STATE)
            page.close()
        return cache[page_path]

    yield get
    context.close()


@pytest.mark.parametrize("page_path", PAGES)
def test_no_page_scrolls_sideways_on_a_phone(phone_reports, page_path):
    """Long inline code, a long heading, wide equations and tables stay inside the column
    (or scroll in their own box): the page as a whole never scrolls sideways."""
    report = phone_reports(page_path)
    assert report["inner_width"] == PHONE["width"]
    assert report["scroll_width"] <= report["inner_width"], (
        f"the page is {report['scroll_width']} px wide on a {report['inner_width']} px phone; "
        f"too wide: {report['wide'][:5]}")


@pytest.mark.parametrize("page_path", PAGES)
def test_nothing_is_cut_off_on_a_phone(phone_reports, page_path):
    """No content (inline math or code in an exercise box, say) runs past the edge of a box that
    hides its overflow: what does not fit wraps or scrolls."""
    assert not phone_reports(page_path)["cut"], f"cut off at a box's edge: {phone_reports(page_path)['cut'][:5]}"


@pytest.mark.parametrize("page_path", PAGES)
def test_boxes_that_scroll_sideways_show_it_and_take_the_keyboard(phone_reports, page_path):
    """Every box that scrolls sideways on a phone (display math, tables, wide figures) has a
    visible cue (a shadow or a fade at the edge) and can be scrolled from the keyboard."""
    bad = [s for s in phone_reports(page_path)["scrollers"] if not (s["cue"] and s["focusable"])]
    assert not bad, f"scroll boxes without a cue or keyboard access: {bad[:5]}"


def _design_font_px(book_build, page_path: str, src: str) -> float:
    """The height in pixels of Matplotlib's 10 pt text in a figure's PNG, from the dpi it records."""
    from PIL import Image

    file = (book_build.html / page_path).parent / src
    with Image.open(file) as image:
        dpi = float(image.info.get("dpi", (100, 100))[0]) or 100.0
    return FIGURE_FONT_PT * dpi / 72


@pytest.mark.parametrize("page_path", NOTEBOOK_PAGES)
def test_figures_are_readable_on_a_phone(phone_reports, book_build, page_path):
    """Shown on a phone, no figure's text is smaller than 8 CSS px: the figure's rendered scale
    (shown width / natural width) times its 10 pt text's height in pixels. A figure too wide for
    that keeps its readable width and scrolls sideways in its own box."""
    figures = phone_reports(page_path)["figures"]
    assert figures and all(f["natural"] > 0 for f in figures), figures
    small = []
    for f in figures:
        text_px = f["shown"] / f["natural"] * _design_font_px(book_build, page_path, f["src"])
        if text_px < FIGURE_MIN_TEXT_PX - 0.05:
            small.append(f"{f['src']}: {f['natural']} px shown at {f['shown']:.0f} px, text {text_px:.1f} px")
    assert not small, "figures with text below 8 px on a phone:\n" + "\n".join(small)


# A code block far down chapter 5 that scrolls sideways on a phone: is its cell left unrendered,
# and is it measured (made keyboard-focusable) only once it comes near the screen, or at the first
# press of Tab?
FAR_CODE = """async (scroll) => {
  if (window.readerMathTypeset) { await window.readerMathTypeset; }
  const far = [...document.querySelectorAll('.bd-article .cell pre')].reverse()
    .find(p => p.getBoundingClientRect().top > 3 * innerHeight && p.scrollWidth > p.clientWidth + 1);
  if (!far) return null;
  const state = {content_visibility: getComputedStyle(far.closest('.cell')).contentVisibility,
                 before: far.getAttribute('tabindex')};
  far.dataset.testFar = '1';
  if (scroll) { far.scrollIntoView(); } else { document.body.focus(); }
  return state;
}"""
FAR_CODE_AFTER = """async () => {
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(r, 100))));
  return document.querySelector('[data-test-far]').getAttribute('tabindex');
}"""


@pytest.mark.parametrize("how", ["scroll", "tab"])
def test_far_code_is_measured_when_the_reader_gets_there(site, browser, how):
    """Cells far below the screen are left unrendered at load (reader.css), and nothing measures
    them then (the theme's load-time sweep is removed); a code block that scrolls sideways becomes
    keyboard-focusable once the reader scrolls near it, or at the first press of Tab."""
    context = browser.new_context(viewport=PHONE, has_touch=True)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(site + "chapters/05_numeric_gradients.html", wait_until="load")
    state = page.evaluate(FAR_CODE, how == "scroll")
    assert state is not None, "no code block far down chapter 5 scrolls sideways on a phone"
    assert state["content_visibility"] == "auto"
    assert state["before"] is None, "a far code block was measured at load"
    if how == "tab":
        page.keyboard.press("Tab")
    assert page.evaluate(FAR_CODE_AFTER) == "0"
    context.close()


def test_phone_navigation_buttons_open_their_drawers(site, browser):
    """On a phone, tapping the site-navigation button shows the book's chapters, and tapping the
    page-contents button shows the page's sections, on screen (sphinx-book-theme 1.3 with
    pydata-sphinx-theme 0.17 bound both to hidden copies; _static/reader.js passes taps on)."""
    context = browser.new_context(viewport=PHONE, has_touch=True)
    page = context.new_page()
    page_path = NOTEBOOK_PAGES[0]
    try:
        page.goto(site + page_path, wait_until="load")
        for toggle, contents in ((".primary-toggle", "nav.bd-docs-nav a.reference"),
                                 (".secondary-toggle", "nav.page-toc a")):
            buttons = page.locator(f"{toggle}:visible")
            assert buttons.count() == 1, f"{buttons.count()} visible {toggle} buttons"
            link = page.locator(f"{contents}:visible").first
            assert page.locator(f"{contents}:visible").count() == 0, f"{contents} shown before the tap"
            buttons.first.tap()
            link.wait_for(state="visible", timeout=5_000)
            box = link.bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] + 1 \
                and 0 <= box["y"] < PHONE["height"], f"{contents} is off screen: {box}"
            page.keyboard.press("Escape")
            page.locator(f"{contents}:visible").first.wait_for(state="hidden", timeout=5_000)
    finally:
        context.close()


# --- On paper ---------------------------------------------------------------------------------

PRINT_STATE = """() => {
  const shown = e => { const r = e.getBoundingClientRect(); return getComputedStyle(e).display !== 'none'
                                                                && r.width > 0 && r.height > 0; };
  return {
    solutions: [...document.querySelectorAll('.solution.admonition')].filter(shown).length,
    solution_count: document.querySelectorAll('.solution.admonition').length,
    exercises: [...document.querySelectorAll('.exercise.admonition')].filter(shown).length,
    buttons: [...document.querySelectorAll('button, .btn, .dropdown-launch-buttons')].filter(shown)
               .map(b => b.className || b.tagName),
    pre_white_space: [...new Set([...document.querySelectorAll('.bd-article pre')]
                                  .map(p => getComputedStyle(p).whiteSpace))],
    figure_min_widths: [...document.querySelectorAll('.bd-article img')].map(i => getComputedStyle(i).minWidth)
                         .filter(w => w !== '0px' && w !== 'auto'),
  };
}"""


def _print_state(browser, url: str) -> dict:
    page = browser.new_page(viewport=PHONE)
    try:
        page.goto(url, wait_until="load")
        page.emulate_media(media="print")
        return page.evaluate(PRINT_STATE)
    finally:
        page.close()


@pytest.mark.parametrize("page_path", NOTEBOOK_PAGES)
def test_print_leaves_out_solutions_and_buttons_and_wraps_code(site, browser, page_path):
    """Printed, a chapter keeps its exercises but not their solutions, shows no buttons or menus,
    wraps long code lines instead of cutting them at the margin, and fits figures to the page."""
    state = _print_state(browser, site + page_path)
    assert state["solutions"] == 0, f"{state['solutions']} of {state['solution_count']} solutions printed"
    assert state["solution_count"] == 0 or state["exercises"] > 0, "exercises are not printed"
    assert not state["buttons"], f"buttons printed: {state['buttons'][:5]}"
    assert state["pre_white_space"] in ([], ["pre-wrap"]), state["pre_white_space"]
    assert not state["figure_min_widths"], state["figure_min_widths"]


# --- Weight --------------------------------------------------------------------------------

@pytest.mark.parametrize("page_path", PAGES)
def test_pages_are_light(book_build, page_path):
    """No Font Awesome script (icons are inline SVG), no search index outside the search page,
    every script in <head> deferred except the one inline scripts need at once, and every figure
    with its size (no layout shift) and lazy loading."""
    html = (book_build.html / page_path).read_text(encoding="utf-8")
    assert "fontawesome.js" not in html
    assert not re.search(r'<script[^>]*src="[^"]*math-worker\.js', html), "the math worker runs as a page script"
    assert not re.search(r'<i class="[^"]*\bfa-', html), "Font Awesome <i> icons left (need its script)"
    if page_path != "search.html":
        assert "searchindex.js" not in html
    head = html.split("</head>")[0]
    if page_path == "search.html":
        return  # its scripts are its content (Sphinx's search), left as the theme writes them
    needed = ("documentation_options.js",)
    blocking = [src for attrs, src in re.findall(r'<script([^>]*?)src="([^"]+)"', head)
                if "defer" not in attrs and "async" not in attrs and not src.split("?")[0].endswith(needed)]
    assert not blocking, f"render-blocking scripts: {blocking}"
    for img in re.findall(r"<img [^>]*_images/[^>]*>", html):
        assert re.search(r'\bwidth="\d+"', img) and re.search(r'\bheight="\d+"', img), img[:120]
        assert 'loading="lazy"' in img, img[:120]
