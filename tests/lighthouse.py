"""Lighthouse (mobile) scores of the built book: `python3 dev.py lighthouse [PAGE ...]`.

Serves the built HTML (default `_build/html`) from a local server that compresses text with
gzip, as GitHub Pages (where the book is deployed, .github/workflows/deploy.yml) and every other
static host do, then runs Lighthouse from the npm registry with the system's Chromium on each
page, with Lighthouse's own mobile settings (simulated slow 4G, 4x slower CPU). Scores move by
10 points or more from one run to the next on the same page (the simulated CPU is the real one
timed and multiplied by 4), so each page is audited `--runs` times (default 5) and the run with
the median performance score is reported, as Lighthouse's documentation advises, with the range.
Exits with 1 if a page's median scores are below 80 in performance or 100 in accessibility.

`--plain` serves without compression (Python's `http.server`), to show what compression is worth.
Lighthouse is installed once with `npm install --prefix ~/.cache/nnlib-lighthouse lighthouse`
unless `LIGHTHOUSE` names its executable. Needs Node.js, npm and Chromium; not part of
`python3 dev.py test` (about 30 s a page).
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "_ext"))
from book_pdf import chromium  # noqa: E402  (the same Chromium the PDF is printed with)

PAGES = ["intro.html", "chapters/05_numeric_gradients.html", "chapters/07_keras.html"]
METRICS = ["first-contentful-paint", "largest-contentful-paint", "total-blocking-time",
           "cumulative-layout-shift", "speed-index"]
MIN_SCORES = {"performance": 80, "accessibility": 100}
COMPRESSED_TYPES = ("text/", "application/javascript", "application/json", "image/svg+xml")
NPM_PREFIX = Path.home() / ".cache" / "nnlib-lighthouse"


class GzipHandler(http.server.SimpleHTTPRequestHandler):
    """Static files, gzip-compressed for clients that accept it (text, scripts, SVG)."""

    def send_head(self):
        path = Path(self.translate_path(self.path))
        ctype = self.guess_type(str(path))
        if not path.is_file() or "gzip" not in self.headers.get("Accept-Encoding", "") \
                or not ctype.startswith(COMPRESSED_TYPES):
            return super().send_head()
        body = _gzipped(path, path.stat().st_mtime_ns)
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return _Bytes(body)

    def log_message(self, *args) -> None:
        pass


@functools.cache
def _gzipped(path: Path, mtime_ns: int) -> bytes:
    return gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)


class _Bytes:
    """The file-like object `send_head` returns, over bytes already in memory."""

    def __init__(self, data: bytes):
        self.data = data

    def read(self, *_):
        data, self.data = self.data, b""
        return data

    def close(self) -> None:
        pass


class PlainHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def serve(directory: Path, compress: bool) -> http.server.ThreadingHTTPServer:
    handler = functools.partial(GzipHandler if compress else PlainHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def lighthouse_command() -> list[str]:
    if os.environ.get("LIGHTHOUSE"):
        return [os.environ["LIGHTHOUSE"]]
    executable = NPM_PREFIX / "node_modules" / ".bin" / "lighthouse"
    if not executable.exists():
        if not shutil.which("npm"):
            sys.exit("Lighthouse needs Node.js and npm (e.g. `sudo apt-get install nodejs npm`).")
        subprocess.run(["npm", "install", "--prefix", str(NPM_PREFIX), "--no-audit", "--no-fund",
                        "lighthouse"], check=True)
    return [str(executable)]


def audit(url: str, command: list[str], chrome: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        subprocess.run([*command, url, "--form-factor=mobile", "--quiet",
                        "--only-categories=performance,accessibility",
                        "--chrome-flags=--headless --no-sandbox",
                        "--output=json", f"--output-path={report}"],
                       env={**os.environ, "CHROME_PATH": chrome}, check=True, timeout=600)
        return json.loads(report.read_text())


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="*", default=PAGES, help="pages, relative to the build")
    parser.add_argument("--build", type=Path, default=ROOT / "_build" / "html")
    parser.add_argument("--plain", action="store_true", help="serve without compression")
    parser.add_argument("--save", type=Path, help="a folder to keep each page's median JSON report in")
    parser.add_argument("--runs", type=int, default=5, help="audits per page (default 5)")
    args = parser.parse_args(argv)
    if not (args.build / "index.html").exists():
        sys.exit(f"No built book at {args.build}: run `python3 dev.py book` first.")
    command, chrome = lighthouse_command(), chromium()
    server = serve(args.build, compress=not args.plain)
    failed = False
    try:
        for page in args.pages:
            reports = [audit(f"http://127.0.0.1:{server.server_port}/{page}", command, chrome)
                       for _ in range(args.runs)]
            performance = sorted(round(r["categories"]["performance"]["score"] * 100) for r in reports)
            report = next(r for r in reports
                          if round(r["categories"]["performance"]["score"] * 100) == performance[len(reports) // 2])
            if args.save:
                args.save.mkdir(parents=True, exist_ok=True)
                (args.save / (Path(page).stem + ".json")).write_text(json.dumps(report))
            scores = {name: round(c["score"] * 100) for name, c in report["categories"].items()}
            metrics = ", ".join(f"{name.replace('-', ' ')} {report['audits'][name]['displayValue']}"
                                for name in METRICS)
            dom = report["audits"]["dom-size"]["displayValue"]
            accessibility = sorted({round(r["categories"]["accessibility"]["score"] * 100) for r in reports})
            print(f"{page}: performance {scores['performance']} (median of {len(reports)}: {performance}), "
                  f"accessibility {scores['accessibility']} (all runs: {accessibility}); median run: "
                  f"{metrics}; DOM {dom}; Lighthouse {report['lighthouseVersion']}", flush=True)
            failed |= any(scores[name] < least for name, least in MIN_SCORES.items())
            failed |= accessibility[0] < MIN_SCORES["accessibility"]
    finally:
        server.shutdown()
    return int(failed)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
