"""Run a notebook with nbclient and never wait silently (issue 13: notebook runs never stall).

``run_notebook(path)`` executes a notebook top to bottom in a fresh kernel, like nbclient's
``NotebookClient.execute``, with two additions:

- the fix: the kernel client re-arms the shell socket's wake-up after each send
  (:class:`transformer_lite.exercises.autograde.RearmedChannel`, which nbgrader's autograder uses too: the
  cause of the stall seen on notebook 03, where a reply sat unread in the client's socket while the client
  slept until the 600 s cell timeout), and it reads its shell and iopub sockets in slices of ``poll_slice``
  seconds: a zmq.asyncio poll ends with a plain ``poll(0)`` when it times out, so any other missed wake-up
  costs at most one slice.
- a watchdog: when no message has arrived for ``idle_limit`` seconds it asks the kernel, from a
  second client, for ``kernel_info``. A reply means the kernel is idle while the client still waits
  for its cell: a stall. The run then fails at once with :class:`NotebookStalled`, whose message
  names the notebook, the cell index and the head of its source, the last messages seen, the
  kernel's state, whether a message sat unread in the client's sockets, and py-spy dumps of the
  kernel and of this process when py-spy is installed. A kernel that does not answer is busy
  computing: the watchdog lets it be (the cell timeout still bounds it).

``poll_slice=None`` turns both off (the stress script uses that to reproduce the stall).
"""

from __future__ import annotations

import asyncio
import collections
import faulthandler
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import zmq
import zmq.asyncio
from jupyter_client import AsyncKernelClient, AsyncKernelManager
from jupyter_core.utils import run_sync
from nbclient import NotebookClient
from traitlets import Type, default

from transformer_lite.exercises.autograde import CourseKernelClient, RearmedChannel

IDLE_LIMIT = 60.0  # seconds without any message, kernel idle -> stall
POLL_SLICE = 1.0  # seconds; longest wait on one socket poll


class NotebookStalled(RuntimeError):
    """The kernel is idle and the client waits for a message that does not come."""


class WatchedChannel(RearmedChannel):
    """A kernel channel that tells its :class:`WatchedClient` about every message it reads and, when the client
    hardens its reads (``poll_slice`` set), re-arms after sends and polls in slices."""

    watcher = None  # the WatchedClient reading this channel, once its kernel client has started
    name = ""

    def watch(self, watcher: WatchedClient, name: str) -> None:
        self.watcher, self.name = watcher, name

    @property
    def rearm(self) -> bool:
        return self.watcher is None or self.watcher.poll_slice is not None

    async def get_msg(self, timeout=None):
        watcher = self.watcher
        if watcher is None or watcher.poll_slice is None:
            msg = await super().get_msg(timeout=timeout)
        else:
            msg = await self._sliced(watcher, timeout)
        if watcher is not None:
            watcher.note(self.name, msg)
        return msg

    async def _sliced(self, watcher, timeout):
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            step = watcher.poll_slice if left is None else min(watcher.poll_slice, left)
            start = time.monotonic()
            if await self.socket.poll(int(step * 1000)):
                waited = time.monotonic() - start
                if step == watcher.poll_slice and waited >= 0.999 * step:
                    watcher.late_wakeups.append((self.name, round(waited, 3)))
                return await self._recv()
            if left is not None and left <= step:
                from queue import Empty

                raise Empty


class WatchedKernelClient(CourseKernelClient):
    """The course's kernel client with watched shell and iopub channels."""

    shell_channel_class = Type(WatchedChannel)
    iopub_channel_class = Type(WatchedChannel)


class WatchedKernelManager(AsyncKernelManager):
    """A kernel manager whose clients are :class:`WatchedKernelClient`."""

    @default("client_factory")
    def _watched_client(self):
        return WatchedKernelClient


class WatchedClient(NotebookClient):
    """NotebookClient that records every message it reads and the cell it is running."""

    def __init__(self, nb, *, poll_slice=POLL_SLICE, **kw):
        kw.setdefault("kernel_manager_class", WatchedKernelManager)
        super().__init__(nb, **kw)
        self.poll_slice = poll_slice
        self.last_messages = collections.deque(maxlen=8)
        self.last_seen = time.monotonic()
        self.cell_index = None
        self.late_wakeups = []  # (channel, seconds) a sliced poll found a message only at its end
        self.on_cell_execute = self._note_cell

    def _note_cell(self, cell, cell_index, **_):
        self.cell_index = cell_index
        self.last_seen = time.monotonic()

    def note(self, channel: str, msg: dict) -> None:
        """A message read on ``channel`` (its channel calls this)."""
        self.last_seen = time.monotonic()
        content = msg.get("content", {})
        self.last_messages.append(
            (round(time.time(), 3), channel, msg["header"]["msg_type"], content.get("execution_state", ""))
        )

    async def async_start_new_kernel_client(self):
        kc = await super().async_start_new_kernel_client()
        for name in ("shell", "iopub"):
            getattr(kc, f"{name}_channel").watch(self, name)
        return kc


def _pending(client) -> dict:
    """Messages sitting unread in the client's own sockets (a missed wake-up if any)."""
    out = {}
    for name in ("shell_channel", "iopub_channel"):
        channel = getattr(client.kc, name, None) if client.kc else None
        if channel is not None and channel.socket is not None and not channel.socket.closed:
            out[name.split("_")[0]] = bool(channel.socket.get(zmq.EVENTS) & zmq.POLLIN)
    return out


async def _kernel_answers(client, timeout=5.0) -> bool:
    """Does the kernel answer a second client's kernel_info on its shell channel (i.e. is it idle)?"""
    context = zmq.asyncio.Context()
    probe = AsyncKernelClient(context=context)
    probe.load_connection_info(client.km.get_connection_info())
    probe.start_channels(iopub=False, stdin=False, hb=False, control=False)
    try:
        await probe.kernel_info(reply=True, timeout=timeout)
        return True
    except Exception:  # no reply in time: the kernel is busy
        return False
    finally:
        probe.stop_channels()
        context.destroy(linger=0)


def _py_spy(pid) -> str:
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(spy).exists():
        return "(py-spy not installed)"
    try:
        done = subprocess.run([spy, "dump", "--pid", str(pid)], capture_output=True, text=True, timeout=20)
        return (done.stdout + done.stderr).strip()[-4000:]
    except Exception as e:  # a dump is a bonus; never hide the stall behind it
        return f"(py-spy failed: {e})"


def _own_stacks() -> str:
    with tempfile.TemporaryFile("w+") as f:
        faulthandler.dump_traceback(f, all_threads=True)
        f.seek(0)
        return f.read()[-3000:]


def diagnose(client, path, idle_for, alive) -> str:
    """The stall report: notebook, cell, last messages, kernel state, unread messages, stacks."""
    index = client.cell_index
    source = client.nb.cells[index].source[:200] if index is not None else "(no cell started)"
    provisioner = getattr(client.km, "provisioner", None)
    process = getattr(provisioner, "process", None)
    kernel_pid = getattr(process, "pid", None)
    lines = [
        f"{Path(path).name}: stalled at cell {index}: no message for {idle_for:.0f} s "
        "and the kernel answers a second client (it is idle)",
        f"cell {index} source: {source!r}",
        f"kernel pid {kernel_pid}, alive {alive}",
        f"unread messages in the client's sockets: {_pending(client)}",
        "last messages (time, channel, type, state):",
        *[f"  {m}" for m in client.last_messages],
    ]
    if kernel_pid:
        lines += ["kernel stacks (py-spy):", _py_spy(kernel_pid)]
    lines += ["client stacks:", _own_stacks()]
    return "\n".join(lines)


async def _watchdog(client, path, idle_limit, check_every):
    while True:
        await asyncio.sleep(check_every)
        idle_for = time.monotonic() - client.last_seen
        if client.cell_index is None or idle_for < idle_limit:
            continue  # kernel start-up has its own bound (startup_timeout)
        before = client.last_seen
        answers = await _kernel_answers(client)
        if answers and client.last_seen == before:  # idle kernel, and still nothing for the client
            alive = await client.km.is_alive()
            return diagnose(client, path, time.monotonic() - before, alive)
        client.last_seen = time.monotonic()  # the kernel is busy computing: look again later


async def _run(client, path, env, idle_limit):
    execute = asyncio.ensure_future(client.async_execute(**({} if env is None else {"env": env})))
    watch = asyncio.ensure_future(_watchdog(client, path, idle_limit, min(5.0, idle_limit / 4)))
    done, _ = await asyncio.wait({execute, watch}, return_when=asyncio.FIRST_COMPLETED)
    if execute in done:
        watch.cancel()
        return execute.result()
    report = watch.result()
    execute.cancel()
    try:
        await asyncio.wait_for(execute, 30)
    except BaseException:  # the cancelled run; its kernel is shut down below
        pass
    if client.km is not None and client.km.has_kernel:
        await client.km._async_shutdown_kernel(now=True)
    raise NotebookStalled(report)


def run_notebook(
    path,
    *,
    env=None,
    timeout=600,
    idle_limit=IDLE_LIMIT,
    poll_slice=POLL_SLICE,
    nb=None,
) -> WatchedClient:
    """Execute the notebook at ``path`` (or ``nb`` read from it) in a fresh kernel whose working
    directory is the notebook's folder; return the client (``client.nb`` holds the outputs).
    Raises NotebookStalled when kernel and client both sit idle for ``idle_limit`` seconds."""
    path = Path(path)
    nb = nb if nb is not None else nbformat.read(path, as_version=4)
    client = WatchedClient(
        nb,
        poll_slice=poll_slice,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    run_sync(_run)(client, path, env, idle_limit)  # the event loop handling of NotebookClient.execute
    return client


if __name__ == "__main__":  # python -m tools.nbrun NOTEBOOK...: run each, print the time taken
    for name in sys.argv[1:]:
        t0 = time.perf_counter()
        ran = run_notebook(name)
        print(f"{name}: {time.perf_counter() - t0:.1f} s, late wake-ups {ran.late_wakeups}")
