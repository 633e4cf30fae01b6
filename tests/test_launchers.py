"""Where readers run the chapters, and how the book is published, stay wired up.

- Colab: every chapter opens with the standard set-up cell (`COLAB_CELL`, which
  `python3 dev.py execute` writes), installing the release tag v<nnlib.__version__> of the
  repository named in _config.yml (the one source of truth for the address) without
  dependencies, hidden on the web pages.
- Binder: binder/ pins the Python version and installs nnlib with Keras (tensorflow-cpu
  on Linux), JupyterLab and jupyterlab-myst, without the book's build and test tools.
  `python3 dev.py binder` goes further: it installs all this and runs every chapter.
- Publishing: the GitHub Actions workflows are valid, the pull-request build runs the
  README's test command, and pushes to main deploy the book to GitHub Pages.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import nnlib

from execute_notebooks import COLAB_CELL

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: pytest brings tomli, the same parser
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
REPO_URL = CONFIG["repository"]["url"]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))



def first_code_cell(path: Path) -> dict:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return next(c for c in nb["cells"] if c["cell_type"] == "code")


# --- Colab ---------------------------------------------------------------------------------

@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_first_code_cell_is_the_colab_setup(path):
    cell = first_code_cell(path)
    source = "".join(cell["source"]).strip()
    urls = re.findall(r"git\+(\S+?)\"", source)
    assert urls == [f"{REPO_URL}@v{nnlib.__version__}"], (
        f"the Colab cell installs from {urls}, but _config.yml's repository.url is {REPO_URL} "
        f"and this release is v{nnlib.__version__}")
    assert "--no-deps" in source, "Colab's own TensorFlow, NumPy and ipywidgets must stay as they are"
    assert source == COLAB_CELL, (
        f"the first code cell is not the standard Colab set-up cell (run `python3 dev.py execute`):\n{source}")
    assert cell["outputs"] == [], "the Colab cell must print nothing outside Colab"
    assert "remove-cell" in cell["metadata"].get("tags", []), "the web book must not show the Colab cell"


# --- Binder --------------------------------------------------------------------------------

def binder_requirements() -> list[str]:
    lines = (ROOT / "binder" / "requirements.txt").read_text(encoding="utf-8").splitlines()
    return [ln.split("#", 1)[0].strip() for ln in lines if ln.split("#", 1)[0].strip()]


def test_binder_pins_a_supported_python():
    runtime = (ROOT / "binder" / "runtime.txt").read_text(encoding="utf-8").strip()
    match = re.fullmatch(r"python-3\.(\d+)", runtime)
    assert match, f"binder/runtime.txt should read python-3.X, not {runtime!r}"
    low, high = map(int, re.findall(r"3\.(\d+)", PYPROJECT["project"]["requires-python"]))
    assert low <= int(match.group(1)) < high, f"{runtime} is outside requires-python"


def test_binder_installs_nnlib_with_keras_and_jupyterlab_myst():
    requirements = binder_requirements()
    assert "-e .[keras]" in requirements or ".[keras]" in requirements, requirements
    names = {re.split(r"[<>=!~;\[ ]", r, maxsplit=1)[0].lower() for r in requirements}
    assert {"jupyterlab", "jupyterlab-myst", "ipykernel"} <= names, requirements
    # Readers need neither the book's build tools nor the test suite.
    assert not any(re.search(r"\[.*\b(book|test)\b.*\]", r) for r in requirements), requirements


def test_keras_extra_uses_tensorflow_cpu_on_linux():
    keras = PYPROJECT["project"]["optional-dependencies"]["keras"]
    cpu = [r for r in keras if r.startswith("tensorflow-cpu")]
    assert cpu and "sys_platform == 'linux'" in cpu[0], keras


# --- JupyterHub ----------------------------------------------------------------------------

def test_jupyterhub_url_is_empty_or_a_hub_address():
    hub = CONFIG["launch_buttons"].get("jupyterhub_url", "")
    assert hub == "" or re.fullmatch(r"https://[^/\s]+(/[^\s]*)?", hub), (
        f"launch_buttons.jupyterhub_url should be empty or a hub's https:// address, not {hub!r}")


# --- Publishing ----------------------------------------------------------------------------

def load_workflow(name: str) -> dict:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / name).read_text(encoding="utf-8"))
    workflow["on"] = workflow.pop(True, workflow.get("on"))  # YAML 1.1 reads the key `on` as True
    return workflow


def test_workflows_are_valid():
    assert WORKFLOWS, "no GitHub Actions workflows in .github/workflows"
    result = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows",
         *map(str, WORKFLOWS)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_pull_requests_run_the_test_command():
    workflow = load_workflow("test.yml")
    assert "pull_request" in workflow["on"]
    runs = [step.get("run", "") for job in workflow["jobs"].values() for step in job["steps"]]
    assert "python3 dev.py test" in runs, runs


def test_pushes_to_main_deploy_the_book_to_pages():
    workflow = load_workflow("deploy.yml")
    assert workflow["on"]["push"]["branches"] == ["main"]
    steps = [step for job in workflow["jobs"].values() for step in job["steps"]]
    assert any(s.get("run") == "python3 dev.py book" for s in steps)
    uploads = [s for s in steps if s.get("uses", "").startswith("actions/upload-pages-artifact@")]
    assert uploads and uploads[0]["with"]["path"] == "_build/html"
    assert any(s.get("uses", "").startswith("actions/deploy-pages@") for s in steps)
