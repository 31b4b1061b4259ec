"""JupyterLab + headless Chromium, for the browser test and the browser benchmark.

``serve(notebook, workdir)`` starts JupyterLab on a free localhost port with a random token,
serving a temporary copy of the notebook (so autosave never writes outputs into the
committed file), and stops the server and its kernels afterwards. ``chromium(p)`` launches
Debian's Chromium through playwright with the flags this offline machine needs, and
``run_all(page, url)`` opens the notebook, runs every cell and waits until the kernel is idle.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve(notebook: Path, workdir: Path, fast: bool = True):
    """Yield the URL that opens ``notebook`` in a fresh JupyterLab (fast mode by default)."""
    import secrets

    served = workdir / "notebooks"
    served.mkdir(parents=True, exist_ok=True)
    shutil.copy(notebook, served / notebook.name)
    port, token = free_port(), secrets.token_hex(16)
    env = {
        **os.environ,
        "JUPYTER_RUNTIME_DIR": str(workdir / "runtime"),
        "JUPYTERLAB_WORKSPACES_DIR": str(workdir / "workspaces"),
        "JUPYTERLAB_SETTINGS_DIR": str(workdir / "settings"),
    }
    if fast:
        env["TRANSFORMER_LITE_FAST"] = "1"
    log_path = workdir / "jupyter.log"
    log = open(log_path, "wb")
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "jupyter"),
            "lab",
            "--no-browser",
            "--ip=127.0.0.1",
            f"--port={port}",
            f"--IdentityProvider.token={token}",
            f"--notebook-dir={served}",
            "--ServerApp.port_retries=0",
            "--LabApp.expose_app_in_browser=True",
            *(["--allow-root"] if os.geteuid() == 0 else []),
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.time() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if server.poll() is not None or time.time() > deadline:
                    raise RuntimeError("JupyterLab did not start:\n" + log_path.read_text()[-3000:]) from None
                time.sleep(0.5)
        yield f"http://127.0.0.1:{port}/lab/tree/{notebook.name}?reset&token={token}"
    finally:
        if server.poll() is None:
            stop_kernels(port, token)
            os.killpg(server.pid, signal.SIGTERM)  # the server and its kernels (one process group)
            try:
                server.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait(5)
        log.close()


def stop_kernels(port: int, token: str) -> None:
    """Shut every kernel of the server down through its REST API (kernels live in their own
    process groups, so stopping the server's group alone could leave them running)."""
    base = f"http://127.0.0.1:{port}/api/kernels"
    try:
        with urllib.request.urlopen(f"{base}?token={token}", timeout=5) as r:
            kernels = json.load(r)
        for k in kernels:
            req = urllib.request.Request(f"{base}/{k['id']}?token={token}", method="DELETE")
            urllib.request.urlopen(req, timeout=10).close()
    except OSError:
        pass


def chromium(playwright):
    """Debian's Chromium, headless, with no network of its own."""
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


NOTEBOOK_STATE = """() => {
  const nb = window.jupyterapp.shell.currentWidget;
  if (!nb || !nb.content || !nb.sessionContext.session || !nb.sessionContext.session.kernel) return null;
  const cells = nb.content.widgets.filter(c => c.model.type === 'code');
  const errors = [];
  cells.forEach((c, i) => {
    const outs = c.model.outputs.toJSON();
    outs.forEach(o => {
      const text = Array.isArray(o.text) ? o.text.join('') : (o.text || '');
      if (o.output_type === 'error') errors.push(`cell ${i}: ${o.ename}: ${o.evalue}`);
      if (o.name === 'stderr' && text.includes('Traceback')) errors.push(`cell ${i} stderr: ${text.slice(0, 500)}`);
    });
  });
  return {counts: cells.map(c => c.model.executionCount), status: nb.sessionContext.session.kernel.status, errors};
}"""

KERNEL_IDLE = (
    "() => { const s = window.jupyterapp && window.jupyterapp.shell.currentWidget;"
    " return s && s.sessionContext && s.sessionContext.session && s.sessionContext.session.kernel"
    " && s.sessionContext.session.kernel.status === 'idle'; }"
)


def run_all(page, url: str, timeout: float = 240, screenshot: Path | None = None) -> dict:
    """Open the notebook at ``url``, run all cells, wait until every cell has run (or one
    failed). Returns {"counts", "status", "errors"} of the notebook's code cells."""
    page.goto(url, timeout=60_000)
    page.wait_for_selector(".jp-Notebook", timeout=60_000)
    page.wait_for_function(KERNEL_IDLE, timeout=60_000)
    if screenshot is not None:
        page.screenshot(path=str(screenshot))
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    deadline = time.time() + timeout
    while True:
        state = page.evaluate(NOTEBOOK_STATE)
        if state and state["errors"]:
            return state
        if state and all(c is not None for c in state["counts"]) and state["status"] == "idle":
            return state
        if time.time() > deadline:
            raise TimeoutError(f"the notebook did not finish running: {state}")
        time.sleep(1)
