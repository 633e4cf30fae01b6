"""Print the single-page build of the book to one PDF with headless Chromium (`python3 dev.py pdf`).

    python _ext/book_pdf.py SINGLEHTML_DIR OUTPUT.pdf

SINGLEHTML_DIR is a `jupyter-book build . --builder singlehtml` output. The page is served from
127.0.0.1 (nothing else is fetched: MathJax is in the book), every figure is loaded, every formula
typeset (_static/reader.js's `window.readerMathTypeset`), and the page is printed with the book's
print stylesheet (_static/reader.css, `@media print`: code wraps; solutions, buttons and menus are
left out). Chromium is the system's (`chromium` on PATH, or $CHROMIUM), driven by Playwright.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import sys
import threading
from pathlib import Path
from urllib.parse import urlparse

FOOTER = ('<div style="font-size: 8px; width: 100%; text-align: center; color: #555;">'
          '<span class="pageNumber"></span> / <span class="totalPages"></span></div>')

READY = """async () => {
  const images = [...document.images];
  images.forEach(img => { img.loading = 'eager'; });
  await Promise.all(images.map(img => img.complete ? 0 :
    new Promise(r => { img.addEventListener('load', r); img.addEventListener('error', r); })));
  if (window.readerMathTypeset) { await window.readerMathTypeset; }
  return {images: images.length, broken: images.filter(i => !i.naturalWidth).map(i => i.src),
          math: document.querySelectorAll('.math').length,
          untypeset: [...document.querySelectorAll('.math')].filter(m => !m.querySelector('mjx-container')).length};
}"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def chromium() -> str:
    for name in (os.environ.get("CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        if name and (path := shutil.which(name)):
            return path
    sys.exit("Chromium not found: install it (Debian/Ubuntu: `sudo apt-get install chromium`) "
             "or set CHROMIUM to a Chromium or Chrome binary.")


def print_pdf(site: Path, output: Path) -> None:
    from playwright.sync_api import sync_playwright

    page_name = "intro.html" if (site / "intro.html").exists() else "index.html"
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    output.parent.mkdir(parents=True, exist_ok=True)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium(), headless=True,
                                                 args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page()
            page.set_default_timeout(300_000)
            page.add_init_script("window.readerMathChunkMs = Infinity;")  # typeset in one pass
            page.route("**/*", lambda r: r.continue_() if urlparse(r.request.url).hostname == "127.0.0.1"
                       else r.abort())
            page.goto(f"http://127.0.0.1:{server.server_address[1]}/{page_name}", wait_until="load")
            state = page.evaluate(READY)
            if state["broken"] or state["untypeset"]:
                sys.exit(f"not ready to print: {state}")
            page.emulate_media(media="print")
            page.pdf(path=str(output), format="A4", print_background=True, outline=True, tagged=True,
                     display_header_footer=True, header_template="<span></span>", footer_template=FOOTER,
                     margin={"top": "18mm", "bottom": "18mm", "left": "16mm", "right": "16mm"})
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    print(f"{output} ({output.stat().st_size / 2**20:.1f} MiB, {state['images']} figures, "
          f"{state['math']} formulas)")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    print_pdf(Path(sys.argv[1]), Path(sys.argv[2]))
