"""Stress the notebook runs to catch the rare stall of issue 13 (kernel idle, client waiting).

One process executes notebooks back to back, like one pytest session of tests/test_notebooks.py
(fast mode, the same NotebookClient settings), and writes one JSON line per execution:
notebook, seconds, outcome (ok / error / stall), and for a stall the diagnostic.

  nice -n 10 .venv/bin/python -m tools.stress_notebooks --runs 100 --shape test --out runs.jsonl

--shape test:  ``NotebookClient(...).execute()`` exactly as the test did before tools/nbrun.py; a
               watchdog thread reports a stall when no message has arrived for --idle seconds while
               the kernel answers a second client; the run then waits for the cell timeout (a missed
               wake-up then recovers at the timeout's final poll, a lost message does not).
--shape nbrun: tools/nbrun.run_notebook; --no-harden turns its sliced polling off.
"""

import argparse
import asyncio
import itertools
import json
import os
import threading
import time
from pathlib import Path

import nbformat
import zmq

from . import nbrun

ROOT = Path(__file__).resolve().parent.parent

LIGHT = ("03", "04", "05", "00")


# A light notebook with the message shapes of notebook 03 (an inline figure, widgets with comm
# traffic, many small outputs) but no torch: many more executions per minute of the same protocol.
PROTOCOL_CELLS = (
    "import ipywidgets as w\nimport matplotlib.pyplot as plt\n%matplotlib inline",
    "fig, ax = plt.subplots()\nax.imshow([[1, 0], [0, 1]])\nplt.show()",
    "s = w.IntSlider(3, 1, 9)\nout = w.Output()\nbox = w.VBox([s, out, w.HTML('<b>mask</b>')])\n"
    "def show(change=None):\n    with out:\n        out.clear_output(wait=True)\n        print(s.value)\n"
    "s.observe(show, 'value')\nshow()\nbox",
    "for i in range(50):\n    print(i)",
    "s.value = 5\nx = 1",
    "x + 1",
)


def notebook(prefix: str) -> Path:
    if prefix == "protocol":
        path = Path("/tmp/stress_protocol.ipynb")
        if not path.exists():
            nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in PROTOCOL_CELLS]), path)
        return path
    return next((ROOT / "notebooks").glob(f"{prefix}_*.ipynb"))


def errors_of(nb) -> list:
    return [
        o.get("ename")
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if o.get("output_type") == "error"
    ]


def run_test_shape(path: Path, idle: float, timeout: int) -> dict:
    """The pre-nbrun test's call, observed by a watchdog thread (it only reads timestamps and probes)."""
    nb = nbformat.read(path, as_version=4)
    client = nbrun.WatchedClient(
        nb, poll_slice=None, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    stalls, done = [], threading.Event()

    def watch():
        while not done.wait(2.0):
            idle_for = time.monotonic() - client.last_seen
            if client.kc is not None and idle_for > idle and asyncio.run(nbrun._kernel_answers(client)):
                stalls.append(
                    {
                        "cell": client.cell_index,
                        "idle_s": round(idle_for, 1),
                        "last": list(client.last_messages),
                        "kernel_stack": nbrun._py_spy(client.km.provisioner.process.pid),
                        "client_stack": nbrun._py_spy(os.getpid()),
                    }
                )
                client.last_seen = time.monotonic() + 3600  # report once per run

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    try:
        client.execute()
    finally:
        done.set()
    return {"errors": errors_of(nb), "stalls": stalls}


def summarize(logs: list[Path], out: Path) -> dict:
    """Totals of JSON-line logs, one entry per log (its file stem names the setting): executions,
    outcomes, late wake-ups rescued by the sliced polls, median and max seconds per notebook."""
    import datetime
    import platform
    import statistics
    from importlib.metadata import version

    def totals(records):
        return {
            "executions": len(records),
            "stalls": sum(r["outcome"] == "stall" for r in records),
            "errors": sum(r["outcome"] in ("error", "exception") for r in records),
            "late_wakeups": sum(len(r.get("late_wakeups", [])) for r in records),
        }

    runs, everything = {}, {"fixed": [], "unfixed": []}
    for log in logs:
        records = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
        fixed = bool(records) and records[0]["shape"] == "nbrun" and records[0]["harden"]  # test shape: never
        everything["fixed" if fixed else "unfixed"] += records
        by_notebook = {}
        for r in records:
            by_notebook.setdefault(r["notebook"], []).append(r)
        runs[log.stem] = totals(records) | {
            "shape": records[0]["shape"] if records else None,
            "fixed": fixed,
            "seconds": {
                nb: {
                    "median": round(statistics.median(r["seconds"] for r in v), 2),
                    "max": max(x["seconds"] for x in v),
                }
                for nb, v in sorted(by_notebook.items())
            },
        }
    summary = {
        "what": "notebook executions back to back in one process per worker (at most 2 workers, nice 10), "
        "fast mode; stall = no message for 15-20 s while the kernel answers a second client (it is idle)",
        "unfixed": totals(everything["unfixed"]),
        "fixed": totals(everything["fixed"]),
        "runs": runs,
        "versions": {
            p: version(p)
            for p in ("ipykernel", "jupyter_client", "nbclient", "pyzmq", "tornado", "ipywidgets", "comm", "torch")
        }
        | {"python": platform.python_version(), "libzmq": zmq.zmq_version()},
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, shared with other jobs (timings noisy)",
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }
    out.write_text(json.dumps(summary, indent=1) + "\n")
    return summary


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--summarize", type=Path, nargs="+", help="JSON-line logs to total into --out (no runs)")
    ap.add_argument("--runs", type=int, default=100)
    ap.add_argument(
        "--notebooks", default=",".join(LIGHT), help="prefixes, cycled; 'protocol' = the light protocol notebook"
    )
    ap.add_argument("--shape", choices=("test", "nbrun"), default="test")
    ap.add_argument("--no-harden", action="store_true", help="nbrun shape without sliced polling")
    ap.add_argument("--idle", type=float, default=20.0, help="seconds of silence with an idle kernel = stall")
    ap.add_argument("--timeout", type=int, default=120, help="cell timeout (the test uses 600)")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    if args.summarize:
        print(json.dumps(summarize(args.summarize, args.out), indent=1))
        return
    os.environ["TRANSFORMER_LITE_FAST"] = "1"
    os.environ.setdefault("MPLBACKEND", "Agg")
    prefixes = itertools.cycle(args.notebooks.split(","))
    with args.out.open("a") as out:
        for i in range(args.runs):
            path = notebook(next(prefixes))
            start = time.perf_counter()
            record = {
                "i": i,
                "notebook": path.name,
                "shape": args.shape,
                "harden": args.shape == "nbrun" and not args.no_harden,
            }
            try:
                if args.shape == "test":
                    record.update(run_test_shape(path, args.idle, args.timeout))
                else:
                    ran = nbrun.run_notebook(
                        path,
                        timeout=args.timeout,
                        idle_limit=args.idle,
                        poll_slice=None if args.no_harden else nbrun.POLL_SLICE,
                    )
                    record.update(errors=errors_of(ran.nb), stalls=[], late_wakeups=ran.late_wakeups)
                record["outcome"] = "stall" if record["stalls"] else ("error" if record["errors"] else "ok")
            except nbrun.NotebookStalled as e:
                record.update(outcome="stall", stalls=[str(e)])
            except Exception as e:  # a timeout or a crash: record it, go on
                record.update(
                    outcome="exception", exception=f"{type(e).__name__} {getattr(e, 'ename', '')}: {str(e)[-400:]}"
                )
            record["seconds"] = round(time.perf_counter() - start, 2)
            out.write(json.dumps(record) + "\n")
            out.flush()


if __name__ == "__main__":
    main()
