"""tools/nbrun.py fails fast, with a diagnostic, when kernel and client both sit idle (issue 13); the course's
kernel client (transformer_lite.exercises.autograde, nbgrader's too) re-arms the wake-up a raw send swallows."""

import asyncio
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import zmq
import zmq.asyncio
from jupyter_client.channels import AsyncZMQSocketChannel
from jupyter_client.session import Session

from tools import nbrun
from transformer_lite.exercises.autograde import RearmedChannel

ROOT = Path(__file__).resolve().parent.parent

# The kernel sends its first execute_reply, then drops every later one: the next cell runs, the
# kernel goes idle, and the client waits for a reply that never comes (the shape of the stall).
DROP_REPLIES = """\
_kernel = get_ipython().kernel
_send, _replies = _kernel.session.send, []
def _dropping_send(stream, msg_or_type, *args, **kwargs):
    if msg_or_type == "execute_reply":
        _replies.append(1)
        if len(_replies) > 1:
            return None
    return _send(stream, msg_or_type, *args, **kwargs)
_kernel.session.send = _dropping_send"""


def notebook(tmp_path, *sources) -> Path:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    path = tmp_path / "stalls.ipynb"
    nbformat.write(nb, path)
    return path


# In its own process: the stalled run is abandoned mid-cell, and once that left pytest's interpreter
# unable to parse (a CPython 3.11 "AST constructor recursion depth mismatch" at session end).
RUN_ONE = """
import sys
from tools import nbrun
try:
    nbrun.run_notebook(sys.argv[1], idle_limit=3, timeout=120)
except nbrun.NotebookStalled as stalled:
    print(stalled)
    sys.exit(3)
"""


def test_a_stall_fails_fast_with_a_diagnostic(tmp_path):
    path = notebook(tmp_path, DROP_REPLIES, "answer = 6 * 7  # its reply is dropped", "print('never reached')")
    start = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", RUN_ONE, str(path)],
        cwd=ROOT,  # python -c imports from the working directory: tools/
        capture_output=True,
        text=True,
        timeout=120,
    )
    elapsed = time.monotonic() - start
    report = done.stdout
    assert done.returncode == 3, f"no NotebookStalled (rc {done.returncode}): {done.stderr[-2000:]}"
    assert elapsed < 30, f"the stall took {elapsed:.0f} s to report (cell timeout 120 s)"
    assert "stalls.ipynb: stalled at cell 1" in report
    assert "answer = 6 * 7" in report  # the cell's source
    assert "'status', 'idle'" in report  # the last messages: the kernel went idle
    assert "kernel pid" in report and "client stacks" in report


def test_a_busy_kernel_is_not_a_stall(tmp_path):
    path = notebook(tmp_path, "import time\ntime.sleep(5)  # silent, busy", "print('done')")
    ran = nbrun.run_notebook(path, idle_limit=1.5, timeout=60)
    assert ran.nb.cells[1].outputs[0]["text"] == "done\n"
    client = ran.kernel_manager_class().client()  # how the run made its kernel client
    assert isinstance(client, nbrun.WatchedKernelClient) and issubclass(client.shell_channel_class, RearmedChannel)


async def _reply_waits(rearm: bool, timeout_ms: int = 3000) -> tuple[int, float]:
    """The root cause on a kernel's socket and a client's channel: the client polls its DEALER for a reply;
    the reply lands while the loop is busy; then the channel sends on the same socket (Session.send's raw
    send, as for nbclient's Output-widget comm_msg), which consumes the wake-up unless the channel re-arms
    it (RearmedChannel). Returns (events, seconds the poll still took)."""
    ctx = zmq.asyncio.Context()
    kernel = zmq.Context.instance().socket(zmq.ROUTER)
    port = kernel.bind_to_random_port("tcp://127.0.0.1")
    client = ctx.socket(zmq.DEALER)
    client.connect(f"tcp://127.0.0.1:{port}")
    try:
        await client.send(b"execute_request")
        ident, _ = kernel.recv_multipart()
        waiting = asyncio.ensure_future(client.poll(timeout_ms))
        await asyncio.sleep(0.1)
        kernel.send_multipart([ident, b"execute_reply"])
        time.sleep(0.2)  # the reply arrives while the loop is busy elsewhere
        session = Session()
        channel = (RearmedChannel if rearm else AsyncZMQSocketChannel)(client, session)
        channel.send(session.msg("comm_msg", {}))
        start = time.monotonic()
        events = await waiting
        return events, time.monotonic() - start
    finally:
        client.close(0)
        kernel.close(0)
        ctx.term()


def test_a_raw_send_swallows_the_reply_wakeup_and_rearming_restores_it():
    events, took = asyncio.run(_reply_waits(rearm=False))
    assert events and took > 2, f"the raw send no longer hides the reply ({took:.2f} s): pyzmq changed?"
    events, took = asyncio.run(_reply_waits(rearm=True))
    assert events and took < 0.5, f"re-armed, the reply still waited {took:.2f} s"
