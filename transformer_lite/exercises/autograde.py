"""The kernel client the course's notebooks are run with outside a browser: by nbgrader's autograder and by
tools/nbrun.py (tests, benchmarks, editions). Never imported by a notebook.

nbclient (under nbgrader and nbconvert) can miss a kernel's reply and wait for the cell timeout (issue 13).
Session.send writes on a blocking shadow of the asyncio shell socket; that raw send lets libzmq consume the
socket's edge-triggered wake-up, so a reply that arrives meanwhile sits unread while the client's poll sleeps.
nbclient sends on the shell channel in the middle of a cell when an ipywidgets Output widget changes (it
answers with a comm_msg), so widget cells hit it. :class:`RearmedChannel` reads ``zmq.EVENTS`` through the
asyncio socket after each send, which makes pyzmq look again and wake the poll.

nbgrader selects it by configuration, with no code of its own (tools/assignments.py writes this line into
the course's nbgrader_config.py)::

    c.AsyncKernelManager.client_class = "transformer_lite.exercises.autograde.CourseKernelClient"
"""

from __future__ import annotations

import zmq
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.channels import AsyncZMQSocketChannel
from traitlets import Type

CLIENT_CLASS = f"{__name__}.CourseKernelClient"


class RearmedChannel(AsyncZMQSocketChannel):
    """A shell channel that re-arms its socket's wake-up after every send (see the module docstring)."""

    rearm = True

    def send(self, msg: dict) -> None:
        super().send(msg)
        if self.rearm:
            self.socket.get(zmq.EVENTS)


class CourseKernelClient(AsyncKernelClient):
    """jupyter_client's asyncio kernel client with a :class:`RearmedChannel` for its shell channel."""

    shell_channel_class = Type(RearmedChannel)
