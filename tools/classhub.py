"""A real JupyterHub for tests/test_hub.py and benchmarks/class_load.py, driven like a class would.

``ClassHub(workdir, students)`` starts ``jupyterhub`` with deploy/jupyterhub/jupyterhub_config.py
on free loopback ports (a shared password, each student's home under ``workdir/homes``), and
``configurable-http-proxy`` from ``.venv/node`` (``make hub-deps``). ``accounts={name: password}``
instead: students are system accounts, logged in by PAM, each server run as its student;
``image=TAG``: each server is a container of the course image (DockerSpawner). ``hub.login(name)`` logs a
student in through the login form and asks the hub for an API token; ``Student.start()`` then
``Student.wait_ready()`` start their server; ``Student.kernel()`` opens a kernel on it and
``Kernel.run(code)`` runs code over the kernel's websocket, all through the hub's proxy, as a browser would.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import requests

from .lab import free_port  # a free loopback port (tests/test_hub.py uses it too)

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "deploy" / "jupyterhub" / "jupyterhub_config.py"
PROXY_BIN = ROOT / ".venv" / "node" / "node_modules" / ".bin"


class KernelError(RuntimeError):
    """Code run in a student's kernel raised; the message carries the kernel's traceback name and value."""


class Kernel:
    """One kernel on a student's server, driven over its websocket (Jupyter's JSON protocol)."""

    def __init__(self, student: Student, kernel_id: str):
        import websocket

        self.student, self.id, self.session = student, kernel_id, uuid.uuid4().hex
        url = f"{student.url.replace('http', 'ws', 1)}api/kernels/{kernel_id}/channels"
        self.ws = websocket.create_connection(url, header=[f"Authorization: token {student.token}"], timeout=120)

    def run(self, code: str, timeout: float = 300) -> str:
        """Run ``code``; returns what it printed (stdout). Raises KernelError if it raised."""
        msg_id = uuid.uuid4().hex
        header = {"msg_id": msg_id, "msg_type": "execute_request", "username": self.student.name}
        header.update(session=self.session, version="5.3", date="")
        content = {"code": code, "silent": False, "store_history": False, "user_expressions": {}}
        content.update(allow_stdin=False, stop_on_error=True)
        message = {"header": header, "parent_header": {}, "metadata": {}, "content": content, "channel": "shell"}
        self.ws.send(json.dumps(message))
        out, error, deadline = [], None, time.time() + timeout
        while time.time() < deadline:
            raw = self.ws.recv()
            if isinstance(raw, bytes):  # a message with binary buffers: widget updates (the picture) for the page
                continue
            reply = json.loads(raw)
            if reply.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, body = reply["msg_type"], reply["content"]
            if kind == "stream" and body["name"] == "stdout":
                out.append(body["text"])
            elif kind == "error":
                error = f"{body['ename']}: {body['evalue']}"
            elif kind == "status" and body["execution_state"] == "idle":
                if error:
                    raise KernelError(f"{self.student.name}'s kernel: {error}")
                return "".join(out)
        raise TimeoutError(f"{self.student.name}'s kernel did not finish in {timeout} s")

    def close(self) -> None:
        self.ws.close()
        self.student.request("DELETE", f"api/kernels/{self.id}")


class Student:
    """A logged-in student: a browser session with the hub's cookies, and an API token."""

    def __init__(self, hub: ClassHub, name: str, session: requests.Session, token: str):
        self.hub, self.name, self.session, self.token = hub, name, session, token
        self.url = f"{hub.url}user/{name}/"

    def request(self, method: str, path: str, token: str | None = None, **kwargs) -> requests.Response:
        """A request to this student's server with a token (``token`` to try someone else's)."""
        headers = {"Authorization": f"token {token or self.token}"}
        return requests.request(method, self.url + path, headers=headers, timeout=60, allow_redirects=False, **kwargs)

    def hub_api(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = {"Authorization": f"token {self.token}"}
        return requests.request(method, f"{self.hub.url}hub/api/{path}", headers=headers, timeout=60, **kwargs)

    def start(self, timeout: float = 600) -> None:
        """Ask the hub to start the student's server (returns at once; see :meth:`wait_ready`). When
        too many servers are starting (the hub's concurrent_spawn_limit: 429), try again when it says."""
        deadline = time.time() + timeout
        while True:
            r = self.hub_api("POST", f"users/{self.name}/server")
            if r.status_code != 429 or time.time() > deadline:
                break
            time.sleep(float(r.headers.get("Retry-After", 5)))
        assert r.status_code in (201, 202), f"spawn {self.name}: {r.status_code} {r.text}"

    def wait_ready(self, timeout: float = 120) -> None:
        """Wait until the server is up; fail at once when its spawn failed (the hub drops the server)."""

        def ready(server):
            if not server:
                raise RuntimeError(f"{self.name}'s server failed to start:\n{self.hub.log_tail()}")
            return server.get("ready")

        self._wait(ready, timeout, "start")

    def stop(self, timeout: float = 60) -> None:
        r = self.hub_api("DELETE", f"users/{self.name}/server")
        assert r.status_code in (202, 204), f"stop {self.name}: {r.status_code} {r.text}"
        self._wait(lambda server: not server, timeout, "stop")

    def _wait(self, done, timeout: float, what: str) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            server = self.hub_api("GET", f"users/{self.name}").json()["servers"].get("")
            if done(server):
                return
            time.sleep(0.3)
        raise TimeoutError(f"{self.name}'s server did not {what} in {timeout} s:\n{self.hub.log_tail()}")

    def kernel(self) -> Kernel:
        r = self.request("POST", "api/kernels", json={"name": "python3"})
        assert r.status_code == 201, f"{self.name}: new kernel: {r.status_code} {r.text}"
        return Kernel(self, r.json()["id"])


class ClassHub:
    """A running hub on loopback ports; a context manager that stops it (and every server) on exit."""

    def __init__(
        self,
        workdir: Path,
        students: list[str],
        cpus: float = 1,
        *,
        accounts: dict[str, str] | None = None,
        image: str | None = None,
        memory: str = "1G",
        env: dict[str, str] | None = None,
    ):
        self.workdir, self.students = Path(workdir), list(students)
        self.accounts = accounts
        self.password = secrets.token_hex(12)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        extra_env = env
        env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTERHUB_", "CONFIGPROXY_", "CLASS_HUB_"))}
        env.update(
            PATH=os.pathsep.join([str(PROXY_BIN), str(Path(sys.executable).parent), env.get("PATH", "")]),
            CLASS_HUB_STATE=str(self.workdir / "state"),
            CLASS_HUB_URL=self.url.rstrip("/"),
            CLASS_HUB_API_URL=f"http://127.0.0.1:{free_port()}",
            CLASS_HUB_PROXY_API=f"http://127.0.0.1:{free_port()}",
            CLASS_HUB_STUDENTS=",".join(self.students),
            CLASS_HUB_CPUS=str(cpus),
            CLASS_HUB_MEMORY=memory,
            CLASS_HUB_MAX_SERVERS=str(max(40, len(self.students))),
        )
        if accounts is None:  # a workshop: one shared password; homes in the work folder unless in containers
            env["CLASS_HUB_PASSWORD"] = self.password
            if image is None:
                env["CLASS_HUB_HOMES"] = str(self.workdir / "homes")
        if image is not None:
            env["CLASS_HUB_IMAGE"] = image
        env.update(extra_env or {})
        self.env = env
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> ClassHub:
        self.log_path = self.workdir / "jupyterhub.log"
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            [str(Path(sys.executable).parent / "jupyterhub"), "-f", str(CONFIG)],
            cwd=self.workdir,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.time() + 90
        while True:
            try:
                if requests.get(f"{self.url}hub/api/", timeout=2).ok:
                    return self
            except requests.RequestException:
                pass
            if self.process.poll() is not None or time.time() > deadline:
                self.__exit__(None, None, None)
                raise RuntimeError(f"JupyterHub did not start:\n{self.log_tail()}")
            time.sleep(0.5)

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self, timeout: float = 60) -> int | None:
        """Interrupt the hub (it stops the proxy and any server still running); returns its exit code."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        self._log.close()
        return self.process.returncode

    def log_tail(self, chars: int = 4000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:]

    def login(self, name: str, password: str | None = None) -> Student:
        """Log in through the hub's login form, as a browser does, then ask the hub for a token."""
        session = requests.Session()
        page = session.get(f"{self.url}hub/login", timeout=30)
        xsrf = re.search(r'name="_xsrf" value="([^"]+)"', page.text).group(1)
        if password is None:
            password = self.accounts[name] if self.accounts is not None else self.password
        form = {"username": name, "password": password, "_xsrf": xsrf}
        r = session.post(f"{self.url}hub/login", data=form, timeout=30, allow_redirects=False)
        if r.status_code != 302:
            raise PermissionError(f"login as {name}: {r.status_code}")
        headers = {"X-XSRFToken": session.cookies.get("_xsrf", path="/hub/") or xsrf}
        r = session.post(f"{self.url}hub/api/users/{name}/tokens", json={"note": "class"}, headers=headers, timeout=30)
        assert r.status_code == 201, f"token for {name}: {r.status_code} {r.text}"
        return Student(self, name, session, r.json()["token"])
