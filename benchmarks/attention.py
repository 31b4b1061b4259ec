"""Benchmark: our explicit scaled dot-product attention against PyTorch's fused kernel.

    .venv/bin/python benchmarks/attention.py            # writes benchmarks/results/attention.json
    .venv/bin/python benchmarks/attention.py --quick    # L up to 256, fewer repeats (a smoke test)

What is measured, for L = 16, 32, ..., 1024 (batch 8, 4 heads, d_k 32, float32, CPU, no mask):

* time: one forward + backward pass through q, k, v of
  ``transformer_lite.model.attention.scaled_dot_product_attention`` and of
  ``torch.nn.functional.scaled_dot_product_attention``; the median of several repeats after a
  warm-up, the two implementations interleaved repeat by repeat (a busy spell hits both), with
  ``--threads`` intra-op threads (default 1: steadier on a shared machine). The backward pass is fed
  one fixed dense gradient (``randn_like`` of the output), as a training loss gives. (``out.sum()
  .backward()`` feeds an expanded gradient of stride 0, which sends the explicit path's batched
  matrix products into a loop over the (batch, head) matrices: at L = 16 that alone made ours 1.7x
  PyTorch's instead of 1.1x. No loss the course trains with does that.)
  ``ratio`` = ours / PyTorch's; the targets: ratio <= 1.6 for L <= 256, <= 2.0 up to L = 1024.
* memory: at import the package lets glibc keep freed memory for the next tensors
  (``transformer_lite.config.reuse_freed_memory``), so ``ratio`` is measured as the course runs.
  ``ratio_glibc_default`` is the same measurement in a child process with
  ``TRANSFORMER_LITE_KEEP_MEMORY=0``: the explicit path materialises (batch, heads, L, L) tensors
  (scores, weights and their gradients), 32 MB or more each from L = 512 on, which glibc then maps
  afresh at every call and faults in 4 KB page by page, which costs more than the arithmetic. The
  column shows how much of a gap is the allocator's.
* peak memory: each (implementation, L) runs once in a fresh subprocess, and we report the
  growth of the process's peak resident set size (VmHWM in /proc/self/status, reset just
  before the pass by writing 5 to /proc/self/clear_refs) during that one forward + backward,
  after inputs are allocated and a small warm-up has loaded the kernels. It counts everything
  the pass allocates (scores, weights, gradients, temporaries), so it is an honest upper bound
  with a resolution of a few pages; it is not tracemalloc (blind to torch) nor an estimate.
  Linux only. (``ru_maxrss`` would be wrong: it is inherited from the parent across exec.)
* ``weights_mib``: the exact size of one (batch, heads, L, L) float32 tensor, which our
  explicit path materialises (twice: scores and weights) and the fused kernel avoids.
* the machine's load average before and after the run: the machine may be shared.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from transformer_lite.config import KEEP_MEMORY_ENV_VAR
from transformer_lite.model.attention import scaled_dot_product_attention

BATCH, HEADS, D_K = 8, 4, 32
LENGTHS = (16, 32, 64, 128, 256, 512, 1024)
TARGETS = ((256, 1.6), (1024, 2.0))  # (L at most, ratio at most)
OUT = Path(__file__).resolve().parent / "results" / "attention.json"


def ours(q, k, v):
    return scaled_dot_product_attention(q, k, v)[0]


def theirs(q, k, v):
    return F.scaled_dot_product_attention(q, k, v)


IMPLS = {"ours": ours, "torch": theirs}


def inputs(length: int, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(BATCH, HEADS, length, D_K, generator=g).requires_grad_() for _ in range(3)]


def step(fn, q, k, v, grad) -> None:
    for t in (q, k, v):
        t.grad = None
    fn(q, k, v).backward(grad)


def time_pair(length: int, repeats: int) -> dict[str, float]:
    """Median forward+backward seconds of ours and PyTorch's, wall clock and this process's CPU
    time (which a neighbour's load on a shared machine does not inflate), the two implementations
    interleaved repeat by repeat so that a busy spell hits both alike."""
    q, k, v = inputs(length)
    grad = torch.randn(BATCH, HEADS, length, D_K, generator=torch.Generator().manual_seed(1))
    times = {f"{name}_{clock}": [] for name in IMPLS for clock in ("wall", "cpu")}
    for fn in IMPLS.values():
        step(fn, q, k, v, grad)  # warm-up
    for _ in range(repeats):
        for name, fn in IMPLS.items():
            wall, cpu = time.perf_counter(), time.process_time()
            step(fn, q, k, v, grad)
            times[f"{name}_cpu"].append(time.process_time() - cpu)
            times[f"{name}_wall"].append(time.perf_counter() - wall)
    return {key: statistics.median(values) for key, values in times.items()}


def repeats_for(length: int, quick: bool) -> int:
    return 3 if quick else (41 if length <= 128 else 21 if length <= 256 else 9 if length <= 512 else 7)


def times_with_glibc_default(lengths, quick: bool, threads: int) -> dict[int, dict[str, float]]:
    """:func:`time_pair` for each length in a child process that leaves glibc's allocator as it comes."""
    env = {**os.environ, KEEP_MEMORY_ENV_VAR: "0"}
    command = [sys.executable, __file__, "--thp-child", ",".join(map(str, lengths)), "--threads", str(threads)]
    out = subprocess.run(command + (["--quick"] if quick else []), check=True, capture_output=True, text=True, env=env)
    return {int(n): times for n, times in json.loads(out.stdout.strip().splitlines()[-1])}


def _peak_rss_bytes() -> int:
    """The process's peak resident set size (VmHWM), in bytes."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmHWM in /proc/self/status (Linux only)")


def peak_memory_child(impl: str, length: int) -> None:
    """Runs in a subprocess: prints the growth of peak RSS (bytes) over one forward+backward.

    ru_maxrss would be wrong here: Linux carries it over from the parent across fork/exec.
    We reset the high-water mark instead (writing 5 to /proc/self/clear_refs) and read VmHWM.
    """
    fn = IMPLS[impl]
    step(fn, *inputs(16), torch.ones(BATCH, HEADS, 16, D_K))  # load the kernels at a tiny size
    q, k, v = inputs(length)
    grad = torch.ones(BATCH, HEADS, length, D_K)
    Path("/proc/self/clear_refs").write_text("5")
    before = _peak_rss_bytes()
    step(fn, q, k, v, grad)
    print(_peak_rss_bytes() - before)


def peak_memory(impl: str, length: int, threads: int) -> int:
    out = subprocess.run(
        [sys.executable, __file__, "--child", impl, str(length), "--threads", str(threads)],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="L up to 256, 3 repeats, no file written")
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads (default 1)")
    parser.add_argument("--child", nargs=2, metavar=("IMPL", "L"), help=argparse.SUPPRESS)
    parser.add_argument("--thp-child", metavar="LENGTHS", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.child:
        peak_memory_child(args.child[0], int(args.child[1]))
        return
    if args.thp_child:
        lengths = [int(n) for n in args.thp_child.split(",")]
        print(json.dumps([(n, time_pair(n, repeats_for(n, args.quick))) for n in lengths]))
        return

    load_before = os.getloadavg()
    print(f"{KEEP_MEMORY_ENV_VAR}={os.environ.get(KEEP_MEMORY_ENV_VAR, '(unset: freed memory kept)')}", flush=True)
    lengths = [n for n in LENGTHS if n <= 256] if args.quick else LENGTHS
    rows = []
    for n in lengths:
        t = time_pair(n, repeats_for(n, args.quick))
        row = {
            "L": n,
            "ours_ms": round(1000 * t["ours_wall"], 4),
            "torch_ms": round(1000 * t["torch_wall"], 4),
            "ratio": round(t["ours_wall"] / t["torch_wall"], 3),
            "ours_cpu_ms": round(1000 * t["ours_cpu"], 4),
            "torch_cpu_ms": round(1000 * t["torch_cpu"], 4),
            "cpu_ratio": round(t["ours_cpu"] / t["torch_cpu"], 3),
            "weights_mib": round(BATCH * HEADS * n * n * 4 / 2**20, 4),
        }
        if not args.quick:
            row["ours_peak_mib"] = round(peak_memory("ours", n, args.threads) / 2**20, 2)
            row["torch_peak_mib"] = round(peak_memory("torch", n, args.threads) / 2**20, 2)
        rows.append(row)
        print(json.dumps(row), flush=True)
    for n, t in times_with_glibc_default(lengths, args.quick, args.threads).items():
        row = next(r for r in rows if r["L"] == n)
        row["ours_glibc_default_ms"] = round(1000 * t["ours_wall"], 4)
        row["torch_glibc_default_ms"] = round(1000 * t["torch_wall"], 4)
        row["ratio_glibc_default"] = round(t["ours_wall"] / t["torch_wall"], 3)
        row["cpu_ratio_glibc_default"] = round(t["ours_cpu"] / t["torch_cpu"], 3)
        keys = ("L", "ratio", "cpu_ratio", "ratio_glibc_default", "cpu_ratio_glibc_default")
        print(json.dumps({key: row[key] for key in keys}), flush=True)

    within = {limit: all(r["ratio"] <= bound for r in rows if r["L"] <= limit) for limit, bound in TARGETS}
    within_cpu = {limit: all(r["cpu_ratio"] <= bound for r in rows if r["L"] <= limit) for limit, bound in TARGETS}
    verdict = {True: "met", False: "NOT met"}
    for limit, bound in TARGETS:
        wall, cpu = verdict[within[limit]], verdict[within_cpu[limit]]
        print(f"target ours <= {bound}x PyTorch, L <= {limit}: wall {wall}, cpu {cpu}")
    if args.quick:
        return
    result = {
        "benchmark": "forward+backward of scaled dot-product attention, ours vs F.scaled_dot_product_attention",
        "config": {"batch": BATCH, "heads": HEADS, "d_k": D_K, "dtype": "float32", "device": "cpu", "mask": None},
        "method": {
            "time": "median of repeats (ours and torch interleaved) after one warm-up, in ms, the backward fed one "
            "fixed dense gradient (randn_like of the output); ratio = ours / torch on the wall clock, cpu_ratio on "
            "the process's CPU time (not inflated by other processes on a shared machine)",
            "memory": "glibc keeps freed memory for the next tensors, as the package sets at import "
            "(config.reuse_freed_memory); the *_glibc_default columns: the same in a child process with "
            "TRANSFORMER_LITE_KEEP_MEMORY=0",
            "peak_mib": "growth of peak RSS (VmHWM, reset via /proc/self/clear_refs) over one forward+backward "
            "in a fresh subprocess, after the inputs are allocated",
            "weights_mib": "exact size of one (batch, heads, L, L) float32 tensor",
        },
        "target": [
            {"max_ratio": bound, "for_L_at_most": limit, "met": within[limit], "met_on_cpu_time": within_cpu[limit]}
            for limit, bound in TARGETS
        ],
        "results": rows,
        "machine": {
            "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
            "cpu_count": os.cpu_count(),
            "torch_threads": args.threads,
            "glibc": " ".join(platform.libc_ver()),
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
        },
        "torch": torch.__version__,
        "python": platform.python_version(),
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "note": os.environ.get("BENCHMARK_NOTE", ""),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
