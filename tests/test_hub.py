"""A real JupyterHub class (deploy/jupyterhub/jupyterhub_config.py) on loopback ports.

Three students log in through the login form, start their servers and run course code (a shipped
checkpoint translating a test sentence) in their own kernels over the kernel websocket, all through
the hub's proxy. Each gets the right translation, in their own home, with torch capped to the hub's
cpu_limit of 1 thread. Ada's token opens none of Bob's server, files or kernels. The servers and the
hub stop cleanly: exit code 0, no process left behind. Needs `jupyterhub` (dev extras) and
`configurable-http-proxy` (npm, `make hub-deps`).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tools import classhub

ROOT = Path(__file__).resolve().parent.parent

STUDENTS = ["ada", "bob", "cy"]
BUDGET_S = 180

COURSE_CODE = """
import os, torch
from transformer_lite.data import load_corpus
from transformer_lite.decode import translate
from transformer_lite.recipes import load_pretrained
corpus = load_corpus("fr")
model, _ = load_pretrained("transformer", "fr")
source = " ".join(corpus["test"][{index}].src)
words = translate(model, source, corpus.src_vocab, corpus.tgt_vocab)
open("notes.txt", "w").write("{secret}")
print(os.environ["JUPYTERHUB_USER"], os.getcwd(), torch.get_num_threads(), "|", " ".join(words), sep="\\t")
"""

pytestmark = pytest.mark.slow


def expected_translation(index: int) -> str:
    from transformer_lite.data import load_corpus
    from transformer_lite.decode import translate
    from transformer_lite.recipes import load_pretrained

    corpus = load_corpus("fr")
    model, _ = load_pretrained("transformer", "fr", device="cpu")
    return " ".join(translate(model, " ".join(corpus["test"][index].src), corpus.src_vocab, corpus.tgt_vocab))


def test_a_class_on_a_real_hub(tmp_path):
    psutil = pytest.importorskip("psutil")
    if not (classhub.PROXY_BIN / "configurable-http-proxy").exists():
        pytest.fail("configurable-http-proxy is missing: run `make hub-deps` (npm)")
    started = time.perf_counter()
    hub = classhub.ClassHub(tmp_path, STUDENTS, cpus=1)
    with hub:
        with pytest.raises(PermissionError):
            hub.login("ada", password="not-the-password")
        students = {name: hub.login(name) for name in STUDENTS}
        for student in students.values():  # everyone clicks "start" at once
            student.start()
        for student in students.values():
            student.wait_ready()
        print(f"servers up after {time.perf_counter() - started:.0f} s")

        kernels = {}
        for index, (name, student) in enumerate(students.items()):
            kernels[name] = student.kernel()
            out = kernels[name].run(COURSE_CODE.format(index=index, secret=f"{name}'s secret"))
            user, cwd, threads, _, words = out.strip().split("\t")
            assert (user, Path(cwd)) == (name, tmp_path / "homes" / name)
            assert threads == "1", "the hub's cpu_limit=1 should cap torch at one thread"
            assert words == expected_translation(index), name

        ada, bob = students["ada"], students["bob"]
        assert bob.request("GET", "api/contents/notes.txt").status_code == 200  # bob's own token works
        for method, path in (("GET", "api/contents/notes.txt"), ("GET", "files/notes.txt"), ("GET", "api/kernels")):
            r = bob.request(method, path, token=ada.token)
            assert r.status_code == 403, f"ada's token on bob's {path}: {r.status_code}"
            assert "bob's secret" not in r.text
        assert bob.request("POST", "api/kernels", token=ada.token, json={"name": "python3"}).status_code == 403
        with pytest.raises(Exception, match="403"):
            _open_channels(bob, kernels["bob"].id, token=ada.token)
        assert ada.hub_api("DELETE", "users/bob/server").status_code in (403, 404)

        processes = psutil.Process(hub.process.pid).children(recursive=True)
        assert len(processes) >= 1 + 2 * len(STUDENTS), "proxy, and a server and a kernel per student"
        for name, student in students.items():
            kernels[name].close()
            student.stop()
        code = hub.stop()
    assert code == 0, hub.log_tail()
    _, alive = psutil.wait_procs(processes, timeout=15)
    assert not alive, f"left running: {[p.pid for p in alive]}"
    took = time.perf_counter() - started
    print(f"hub test: {took:.0f} s for {len(STUDENTS)} students")
    assert took < BUDGET_S


def _open_channels(student, kernel_id: str, token: str):
    import websocket

    url = f"{student.url.replace('http', 'ws', 1)}api/kernels/{kernel_id}/channels"
    websocket.create_connection(url, header=[f"Authorization: token {token}"], timeout=30).close()


def test_make_lab_serves_localhost_with_a_token(tmp_path):
    """`make lab` wins over a user config that opens the server to the network without a token."""
    import re
    import signal
    import subprocess

    import requests

    config = tmp_path / "config"
    config.mkdir()
    (config / "jupyter_server_config.py").write_text('c.ServerApp.ip = "0.0.0.0"\nc.IdentityProvider.token = ""\n')
    port = classhub.free_port()
    env = {**classhub.os.environ, "JUPYTER_CONFIG_DIR": str(config), "JUPYTER_RUNTIME_DIR": str(tmp_path / "rt")}
    cmd = ["make", "-s", "-o", ".venv/.installed", "lab", f"LAB_PORT={port}"]
    lab = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
    )
    try:
        url = re.search(r"JupyterLab at (\S+)", lab.stdout.readline()).group(1)
        token = url.split("token=")[1]
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                status = requests.get(f"http://127.0.0.1:{port}/api/status", timeout=2)
                break
            except requests.RequestException:
                time.sleep(0.5)
        assert status.status_code == 403, "no token must mean no access"
        assert requests.get(f"http://127.0.0.1:{port}/api/status?token={token}", timeout=5).status_code == 200
        import psutil

        listening = {c.laddr.ip for c in psutil.net_connections("tcp") if c.laddr.port == port and c.status == "LISTEN"}
        assert listening == {"127.0.0.1"}, listening
    finally:
        classhub.os.killpg(lab.pid, signal.SIGTERM)
        lab.wait(30)


def test_cpu_quota_takes_the_smallest_limit(monkeypatch, tmp_path):
    """transformer_lite.config.cpu_quota: the variable, the hub's CPU_LIMIT, cgroup cpu.max, affinity."""
    from transformer_lite import config

    monkeypatch.delenv(config.THREADS_ENV_VAR, raising=False)
    monkeypatch.delenv(config.HUB_CPU_LIMIT_ENV_VAR, raising=False)
    cores = len(classhub.os.sched_getaffinity(0))
    assert 1 <= config.cpu_quota() <= cores
    monkeypatch.setenv(config.HUB_CPU_LIMIT_ENV_VAR, "0.5")  # half a core still gets one thread
    assert config.cpu_quota() == 1
    monkeypatch.setenv(config.HUB_CPU_LIMIT_ENV_VAR, "64")
    monkeypatch.setenv(config.THREADS_ENV_VAR, "1")
    assert config.cpu_quota() == 1
    monkeypatch.setenv(config.THREADS_ENV_VAR, "lots")
    with pytest.raises(ValueError, match="TRANSFORMER_LITE_THREADS='lots'"):
        config.cpu_quota()
    (tmp_path / "cpu.max").write_text("150000 100000\n")  # a container allowed 1.5 CPUs
    assert config._cgroup_cpus(tmp_path) == 2
    (tmp_path / "cpu.max").write_text("max 100000\n")
    assert config._cgroup_cpus(tmp_path) is None


def test_thread_cap_applies_at_import():
    import subprocess
    import sys

    code = "import torch, transformer_lite; print(torch.get_num_threads())"
    env = {**classhub.os.environ, "TRANSFORMER_LITE_THREADS": "1"}
    assert subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True).stdout.strip() == "1"


def test_teaching_guide_quotes_the_measured_sizing():
    """The sizing lines of notebooks/TEACHING.md are the ones benchmarks/class_load.py derives from its JSON."""
    import json

    from benchmarks import class_load

    result = json.loads(class_load.OUT.read_text())
    assert [r["students"] for r in result["runs"] if r["capped"]] == list(class_load.CLASS_SIZES)
    assert class_load.sizing_note(result) in (ROOT / "notebooks" / "TEACHING.md").read_text()


def test_zero_to_jupyterhub_values_are_the_measured_limits():
    """deploy/jupyterhub/zero-to-jupyterhub/config.yaml gives each student the CPU and memory limits the class
    ran under in containers of the course image (benchmarks/class_load.py --containers), with room above what
    a student's container used, and names an image built from deploy/jupyterhub/Dockerfile."""
    import json

    import yaml

    from benchmarks import class_load

    measured = json.loads(class_load.OUT.read_text())["containers"]
    text = (ROOT / "deploy/jupyterhub/zero-to-jupyterhub/config.yaml").read_text()
    single = yaml.safe_load(text)["singleuser"]
    units = {"G": 2**30, "M": 2**20}
    limit, guarantee = (int(single["memory"][k][:-1]) * units[single["memory"][k][-1]] for k in ("limit", "guarantee"))
    assert single["cpu"]["limit"] == measured["cpu_limit"] == 1
    assert single["memory"]["limit"] == measured["memory_limit"]
    assert measured["container_peak_mb"]["max"] < 0.6 * 1024  # "peaked under 0.6 GB" (the values' comment)
    assert measured["container_peak_mb"]["max"] * 2**20 < guarantee <= limit
    assert single["image"]["name"].endswith("/transformer-lite") and "deploy/jupyterhub/Dockerfile" in text
