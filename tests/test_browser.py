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

MATH_STATE = """async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) { await MathJax.startup.promise; }
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
    mathjax_loaded: !!(window.MathJax && MathJax.version),
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
    results = Axe().run(page)
    report.axe_violations = [
        {"id": v["id"], "impact": v["impact"], "help": v["help"],
         "nodes": [", ".join(map(str, n["target"])) for n in v["nodes"]]}
        for v in results.response["violations"]]

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
        assert math["mathjax_loaded"]


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
