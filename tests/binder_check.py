"""Launch the book as Binder would, on this machine, and run every chapter through it.

    python3 dev.py binder [--venv DIR] [--keep]

What a BinderHub does with this repository, minus Docker: repo2docker reads `binder/`,
makes a Python (`binder/runtime.txt`) environment, runs `pip install -r
binder/requirements.txt` from the repository root and starts JupyterLab. This script:

1. creates a fresh virtual environment (in a temporary folder, or --venv DIR) and installs
   `binder/requirements.txt` into it, from the repository root, exactly so;
2. checks that JupyterLab has the jupyterlab-myst extension enabled;
3. starts that environment's JupyterLab headless on 127.0.0.1 (random port and token);
4. for every chapter, opens a session on the server (its kernel starts in `chapters/`, as
   for a reader), runs each code cell over the kernel's websocket and compares the text it
   prints with the output stored in the notebook (cells tagged nbval-ignore-output are run
   but not compared), like nbval does;
5. if Chromium is available, opens the first chapter in JupyterLab and checks that MyST
   directives are rendered (exercises as boxes, no raw `:::{exercise}` left);
6. prints the time taken and the size of the environment, shuts the server down, and
   deletes the environment unless --keep or --venv was given.

It takes a few minutes (TensorFlow is a large download), so it is not part of
`python3 dev.py test`. Run it after changing `binder/`, `pyproject.toml` or a chapter's imports.
"""

from __future__ import annotations

import argparse
import asyncio
import difflib
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

import nbformat
from tornado.websocket import websocket_connect

ROOT = Path(__file__).resolve().parent.parent
BINDER = ROOT / "binder"
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
CELL_TIMEOUT_S = 300
SERVER_START_TIMEOUT_S = 120


def log(message: str) -> None:
    print(f"[binder-check] {message}", flush=True)


def folder_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


# --- 1-2. The environment --------------------------------------------------------------------

def make_environment(venv: Path) -> Path:
    runtime = (BINDER / "runtime.txt").read_text().strip()
    wanted = runtime.removeprefix("python-")
    here = f"{sys.version_info.major}.{sys.version_info.minor}"
    if wanted != here:
        log(f"note: binder/runtime.txt asks for Python {wanted}; this check uses {here}")
    if not (venv / "bin" / "python").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=True)
    # repo2docker runs this command from the repository root.
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "-r", "binder/requirements.txt"],
                   check=True, cwd=ROOT)
    return python


def check_myst_extension(venv: Path) -> None:
    listing = subprocess.run([str(venv / "bin" / "jupyter"), "labextension", "list"],
                             capture_output=True, text=True, check=True)
    text = listing.stdout + listing.stderr
    line = next((ln for ln in text.splitlines() if "jupyterlab-myst" in ln), "")
    if "enabled" not in line or "OK" not in line:  # "X" instead of "OK": incompatible with this JupyterLab
        raise SystemExit(f"jupyterlab-myst is not an enabled, compatible JupyterLab extension:\n{text}")
    log(f"JupyterLab extension: {line.strip()}")


# --- 3. The server ---------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# JupyterLab user settings for the check: render every cell (no windowing, so the page can
# be inspected whole), never autosave, never fetch news.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false"},
}


class Server:
    """A headless JupyterLab on 127.0.0.1, like Binder's, serving a copy of the chapters.

    The copy (in `scratch`) keeps the check from ever writing to the real notebooks; the
    kernel still imports the nnlib installed from this repository.
    """

    def __init__(self, venv: Path, scratch: Path, log_path: Path):
        self.port, self.token = free_port(), secrets.token_hex(16)
        self.base = f"http://127.0.0.1:{self.port}"
        self.root = scratch / "repo"
        shutil.copytree(ROOT / "chapters", self.root / "chapters",
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        for name, settings in LAB_SETTINGS.items():
            (scratch / "settings" / name).parent.mkdir(parents=True, exist_ok=True)
            (scratch / "settings" / name).write_text(json.dumps(settings))
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONHASHSEED": "0",
               "JUPYTER_CONFIG_DIR": str(scratch / "config"), "JUPYTER_DATA_DIR": str(scratch / "data"),
               "JUPYTER_RUNTIME_DIR": str(scratch / "runtime"),
               "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"}
        self.log_file = open(log_path, "w")  # noqa: SIM115 -- stays open for the server's lifetime; stop() closes it
        self.process = subprocess.Popen(
            [str(venv / "bin" / "jupyter"), "lab", "--no-browser", "--ip=127.0.0.1",
             f"--port={self.port}", f"--IdentityProvider.token={self.token}",
             f"--ServerApp.root_dir={self.root}", f"--LabApp.user_settings_dir={scratch / 'settings'}",
             f"--LabApp.workspaces_dir={scratch / 'workspaces'}",
             "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate", "--allow-root"],
            stdout=self.log_file, stderr=subprocess.STDOUT, env=env, cwd=self.root)
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while True:
            try:
                self.api("GET", "/api/status")
                return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise SystemExit(f"JupyterLab did not start; see {log_path}") from None
                time.sleep(0.5)

    def api(self, method: str, path: str, body: dict | None = None) -> dict:
        request = urllib.request.Request(
            self.base + path, method=method, data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            data = response.read()
        return json.loads(data) if data else {}

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.log_file.close()


# --- 4. Running a chapter through the server -------------------------------------------------

def _message(session: str, code: str) -> dict:
    return {"header": {"msg_id": uuid.uuid4().hex, "username": "binder-check", "session": session,
                       "msg_type": "execute_request", "version": "5.3"},
            "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
            "content": {"code": code, "silent": False, "store_history": True,
                        "user_expressions": {}, "allow_stdin": False, "stop_on_error": True}}


def comparable(outputs) -> dict:
    """The text of a cell's outputs, as nbval compares it (images are not compared)."""
    text = {"stdout": "", "stderr": "", "results": [], "errors": []}
    for out in outputs:
        kind = out.get("output_type") or out.get("msg_type")
        if kind == "stream":
            text[out["name"]] += out["text"]
        elif kind in ("execute_result", "display_data"):
            plain = out.get("data", {}).get("text/plain")
            if plain is not None:
                text["results"].append(plain if isinstance(plain, str) else "".join(plain))
        elif kind == "error":
            text["errors"].append(f"{out['ename']}: {out['evalue']}")
    return text


async def run_cells(server: Server, kernel_id: str, cells) -> list[list[dict]]:
    """Execute the cells in order over the kernel's websocket; return each one's outputs."""
    url = f"ws://127.0.0.1:{server.port}/api/kernels/{kernel_id}/channels?token={server.token}"
    connection = await websocket_connect(url)
    session, results = uuid.uuid4().hex, []
    try:
        for cell in cells:
            request = _message(session, cell.source)
            await connection.write_message(json.dumps(request))
            outputs, idle, replied = [], False, False
            while not (idle and replied):
                raw = await asyncio.wait_for(connection.read_message(), CELL_TIMEOUT_S)
                if raw is None:
                    raise SystemExit("the kernel's websocket closed")
                msg = json.loads(raw)
                if msg.get("parent_header", {}).get("msg_id") != request["header"]["msg_id"]:
                    continue
                kind = msg["header"]["msg_type"]
                if kind == "status" and msg["content"]["execution_state"] == "idle":
                    idle = True
                elif kind == "execute_reply":
                    replied = True
                elif kind in ("stream", "execute_result", "display_data", "error"):
                    outputs.append({"msg_type": kind, **msg["content"]})
            results.append(outputs)
    finally:
        connection.close()
    return results


def run_chapter(server: Server, path: Path) -> list[str]:
    """Run one chapter in a fresh kernel on the server; return the differences found."""
    nb = nbformat.read(path, as_version=4)
    cells = [c for c in nb.cells if c.cell_type == "code"]
    relative = path.relative_to(ROOT).as_posix()
    session = server.api("POST", "/api/sessions", {"path": relative, "name": path.name,
                                                   "type": "notebook", "kernel": {"name": "python3"}})
    try:
        fresh = asyncio.run(run_cells(server, session["kernel"]["id"], cells))
    finally:
        server.api("DELETE", f"/api/sessions/{session['id']}")
    problems = []
    for index, (cell, outputs) in enumerate(zip(cells, fresh), start=1):
        got, stored = comparable(outputs), comparable(cell.outputs)
        if got["errors"] or got["stderr"]:
            problems.append(f"code cell {index}: {got['errors'] or got['stderr'][:300]}")
        elif "nbval-ignore-output" not in cell.metadata.get("tags", []) and got != stored:
            diff = difflib.unified_diff(json.dumps(stored, indent=1).splitlines(),
                                        json.dumps(got, indent=1).splitlines(), "stored", "fresh", lineterm="", n=1)
            problems.append(f"code cell {index}: output differs from the stored one\n    "
                            + "\n    ".join(list(diff)[:20]))
    return problems


# --- 5. MyST in JupyterLab -------------------------------------------------------------------

def check_myst_rendering(server: Server, chapter: Path) -> str:
    """Open the chapter in JupyterLab; every markdown cell with a MyST directive must render
    (exercises and solutions as boxes), with no raw `:::{` or ```{ left on screen."""
    from execute_notebooks import solution_cells  # this script's folder is on sys.path
    from test_browser import CHROMIUM_ARGS, find_chromium

    chromium = find_chromium()
    if chromium is None:
        return "not checked: Chromium not found"
    from playwright.sync_api import sync_playwright

    cells = nbformat.read(chapter, as_version=4).cells
    directive_cells = [i for i, c in enumerate(cells) if c.cell_type == "markdown"
                       and (":::{" in c.source or "```{" in c.source)]
    boxed = [i for i in directive_cells if "{exercise}" in cells[i].source or "{solution-start}" in cells[i].source]
    url = f"{server.base}/lab/tree/{chapter.relative_to(ROOT).as_posix()}?token={server.token}"
    hidden = solution_cells(nbformat.read(chapter, as_version=4))
    raw, missing_boxes, shown = [], [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(url, wait_until="load", timeout=60_000)
            dom_cells = page.locator(".jp-Notebook .jp-Cell")
            dom_cells.nth(len(cells) - 1).wait_for(state="attached", timeout=60_000)
            for i in directive_cells:
                cell = dom_cells.nth(i)
                cell.scroll_into_view_if_needed()  # JupyterLab renders markdown once it is visible
                cell.locator(".myst").first.wait_for(timeout=15_000)
                text = cell.locator(".myst").first.inner_text()
                if ":::{" in text or "```{" in text:
                    raw.append(i)
                if i in boxed and cell.locator(".myst-exercise").count() == 0:
                    missing_boxes.append(i)
            for i in hidden:  # solutions start collapsed: JupyterLab shows a placeholder instead
                cell = dom_cells.nth(i)
                cell.scroll_into_view_if_needed()
                if cell.locator(".jp-InputPlaceholder").count() == 0:
                    shown.append(i)
            # ...and the exercises themselves do not: the placeholder marks only collapsed cells
            shown += [f"exercise cell {i} collapsed" for i in boxed
                      if dom_cells.nth(i).locator(".jp-InputPlaceholder").count() > 0]
            dom_cells.nth(boxed[0] if boxed else 0).scroll_into_view_if_needed()
            page.screenshot(path=str(ROOT / "test-artifacts" / "binder-jupyterlab.png"))
        finally:
            browser.close()
    if raw or missing_boxes or not directive_cells or shown or not hidden:
        raise RuntimeError(f"MyST is not rendered in JupyterLab: cells with raw directives {raw}, "
                           f"exercise/solution cells without a box {missing_boxes}, "
                           f"{len(directive_cells)} directive cells; solution cells shown open "
                           f"{shown} of {len(hidden)}")
    return (f"{len(directive_cells)} markdown cells with MyST directives rendered, "
            f"{len(boxed)} of them exercise/solution boxes, no raw directive; "
            f"all {len(hidden)} solution cells collapsed")


# --- Putting it together ---------------------------------------------------------------------

def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--venv", type=Path, help="environment folder to create or reuse (kept)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary environment")
    args = parser.parse_args(argv)
    (ROOT / "test-artifacts").mkdir(exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="binder-check-"))
    venv = args.venv or scratch / "venv"
    started = time.monotonic()
    failures: dict[str, list[str]] = {}
    try:
        log(f"installing binder/requirements.txt into {venv}")
        make_environment(venv)
        installed = time.monotonic()
        size = folder_size(venv) / 2**20
        log(f"environment ready in {installed - started:.0f} s, {size:.0f} MiB")
        check_myst_extension(venv)
        server = Server(venv, scratch, ROOT / "test-artifacts" / "binder-jupyterlab.log")
        try:
            log(f"JupyterLab is up at {server.base}")
            for path in CHAPTERS:
                t0 = time.monotonic()
                problems = run_chapter(server, path)
                log(f"{path.name}: {'as stored' if not problems else 'FAILED'} in {time.monotonic() - t0:.1f} s")
                if problems:
                    failures[path.name] = problems
            if CHAPTERS:
                try:
                    log(f"MyST in JupyterLab ({CHAPTERS[0].name}): {check_myst_rendering(server, CHAPTERS[0])}")
                except Exception as err:  # report it with the others
                    failures["MyST in JupyterLab"] = [str(err)]
        finally:
            server.stop()
        for name, problems in failures.items():
            print(f"\n{name}:\n  " + "\n  ".join(problems))
        log(f"{len(CHAPTERS) - len(failures)} of {len(CHAPTERS)} chapters ran as stored; "
            f"install {installed - started:.0f} s, total {time.monotonic() - started:.0f} s, "
            f"environment {size:.0f} MiB")
    finally:
        if args.keep:
            log(f"kept {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    if failures or not CHAPTERS:
        raise SystemExit(1)


if __name__ == "__main__":
    main(sys.argv[1:])
