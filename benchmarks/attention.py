"""Benchmark: our explicit scaled dot-product attention against PyTorch's fused kernel.

    .venv/bin/python benchmarks/attention.py            # writes benchmarks/results/attention.json
    .venv/bin/python benchmarks/attention.py --quick    # L up to 256, fewer repeats (a smoke test)

What is measured, for L = 16, 32, ..., 1024 (batch 8, 4 heads, d_k 32, float32, CPU, no mask):

* time: one forward + backward pass (``out.sum().backward()`` through q, k, v) of
  ``transformer_lite.model.attention.scaled_dot_product_attention`` and of
  ``torch.nn.functional.scaled_dot_product_attention``; the median of several repeats after a
  warm-up, the two implementations interleaved repeat by repeat (a busy spell hits both), with
  ``--threads`` intra-op threads (default 1: steadier on a shared machine).
  ``ratio`` = ours / PyTorch's; the course's target is ratio <= 2 for L <= 256.
* peak memory: each (implementation, L) runs once in a fresh subprocess, and we report the
  growth of the process's peak resident set size (VmHWM in /proc/self/status, reset just
  before the pass by writing 5 to /proc/self/clear_refs) during that one forward + backward,
  after inputs are allocated and a small warm-up has loaded the kernels. It counts everything
  the pass allocates (scores, weights, gradients, temporaries), so it is an honest upper bound
  with a resolution of a few pages; it is not tracemalloc (blind to torch) nor an estimate.
  Linux only. (``ru_maxrss`` would be wrong: it is inherited from the parent across exec.)
* ``weights_mib``: the exact size of one (batch, heads, L, L) float32 tensor, which our
  explicit path materialises (twice: scores and weights) and the fused kernel avoids.
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

from transformer_lite.model.attention import scaled_dot_product_attention

BATCH, HEADS, D_K = 8, 4, 32
LENGTHS = (16, 32, 64, 128, 256, 512, 1024)
OUT = Path(__file__).resolve().parent / "results" / "attention.json"


def ours(q, k, v):
    return scaled_dot_product_attention(q, k, v)[0]


def theirs(q, k, v):
    return F.scaled_dot_product_attention(q, k, v)


IMPLS = {"ours": ours, "torch": theirs}


def inputs(length: int, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(BATCH, HEADS, length, D_K, generator=g).requires_grad_() for _ in range(3)]


def step(fn, q, k, v) -> None:
    for t in (q, k, v):
        t.grad = None
    fn(q, k, v).sum().backward()


def time_pair(length: int, repeats: int) -> tuple[float, float]:
    """Median forward+backward seconds of ours and PyTorch's, the two interleaved repeat by
    repeat so that a busy spell on a shared machine hits both alike."""
    q, k, v = inputs(length)
    times = {name: [] for name in IMPLS}
    for fn in IMPLS.values():
        step(fn, q, k, v)  # warm-up
    for _ in range(repeats):
        for name, fn in IMPLS.items():
            t0 = time.perf_counter()
            step(fn, q, k, v)
            times[name].append(time.perf_counter() - t0)
    return statistics.median(times["ours"]), statistics.median(times["torch"])


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
    step(fn, *inputs(16))  # load the kernels at a tiny size
    q, k, v = inputs(length)
    Path("/proc/self/clear_refs").write_text("5")
    before = _peak_rss_bytes()
    step(fn, q, k, v)
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
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.child:
        peak_memory_child(args.child[0], int(args.child[1]))
        return

    lengths = [n for n in LENGTHS if n <= 256] if args.quick else LENGTHS
    rows = []
    for n in lengths:
        repeats = 3 if args.quick else (15 if n <= 128 else 7 if n <= 512 else 5)
        t_ours, t_torch = time_pair(n, repeats)
        row = {
            "L": n,
            "ours_ms": round(1000 * t_ours, 4),
            "torch_ms": round(1000 * t_torch, 4),
            "ratio": round(t_ours / t_torch, 3),
            "weights_mib": round(BATCH * HEADS * n * n * 4 / 2**20, 4),
        }
        if not args.quick:
            row["ours_peak_mib"] = round(peak_memory("ours", n, args.threads) / 2**20, 2)
            row["torch_peak_mib"] = round(peak_memory("torch", n, args.threads) / 2**20, 2)
        rows.append(row)
        print(json.dumps(row), flush=True)

    within = all(r["ratio"] <= 2 for r in rows if r["L"] <= 256)
    print(f"target (ours within 2x of PyTorch for L <= 256): {'met' if within else 'NOT met'}")
    if args.quick:
        return
    result = {
        "benchmark": "forward+backward of scaled dot-product attention, ours vs F.scaled_dot_product_attention",
        "config": {"batch": BATCH, "heads": HEADS, "d_k": D_K, "dtype": "float32", "device": "cpu", "mask": None},
        "method": {
            "time": "median of repeats (ours and torch interleaved) after one warm-up, in ms; ratio = ours / torch",
            "peak_mib": "growth of peak RSS (VmHWM, reset via /proc/self/clear_refs) over one forward+backward "
            "in a fresh subprocess, after the inputs are allocated",
            "weights_mib": "exact size of one (batch, heads, L, L) float32 tensor",
        },
        "target": {"max_ratio": 2.0, "for_L_at_most": 256, "met": within},
        "results": rows,
        "machine": {
            "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
            "cpu_count": os.cpu_count(),
            "torch_threads": args.threads,
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
