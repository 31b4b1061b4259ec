"""How many students can one machine serve? A simulated class on a real JupyterHub.

For each class size n, n students log in to a JupyterHub (deploy/jupyterhub/jupyterhub_config.py,
tools/classhub.py), start their servers and a kernel each, load notebook 08's attention explorer
(the shipped Transformer checkpoint, the ipywidgets shell) and then, all at once:

1. *shipped-checkpoints plan*: everyone tours the explorer: TOUR (a new sentence, heads, layers,
   decoding steps, attention kinds, a new temperature), one control at a time with a think time of
   THINK_S seconds between moves;
2. *live-training plan*: half the class runs a short training loop (TRAIN_STEPS steps of the
   Transformer recipe, notebook 07) while the other half tours the explorer, then the halves swap.

An explorer latency is the round trip a student waits for: from sending the control change to the
kernel (through the hub's proxy and the kernel websocket) to the kernel going idle with the new
picture drawn (the browser's painting is not included; benchmarks/explorer_browser.py measures it).
Each kernel reports its peak RSS and its CPU-seconds per phase (getrusage); the hub's process tree
gives each server's RSS. Threads: capped (the hub's cpu_limit=1 -> CPU_LIMIT -> torch uses 1 thread,
transformer_lite.config.cpu_quota) and uncapped (torch's default: a thread per core), for every n.

The same class of 10 runs again with every student's server in a container of the course image
(deploy/jupyterhub/Dockerfile, DockerSpawner, ``--containers``): docker enforces 1 CPU and CONTAINER_MEMORY
per student, and each container's memory peak (its cgroup's: server, kernel and page cache, what the limit
counts) is the per-student memory.

The machine is shared with other work while this runs: the load average before and after each run
is recorded, and latencies are an upper bound for a dedicated machine of the same size.

Run: ``nice -n 10 python -m benchmarks.class_load`` (writes benchmarks/results/class_load.json);
``python -m benchmarks.class_load --containers`` (builds the image with tools/image.py, adds "containers").
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import random
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import torch

from benchmarks.explorer import percentile, stats
from tools import classhub

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "results" / "class_load.json"

CLASS_SIZES = (1, 5, 10, 20)
UNCAPPED_AT = 10
TARGET_P95_MS = 300.0
THINK_S = (0.5, 1.5)
CONTAINER_MEMORY = "2G"
TRAIN_STEPS = 60

SETUP = """
import json, resource, time, torch
from transformer_lite.lab.explorer import AttentionExplorer, load_or_train
from transformer_lite.lab.explorer_widget import ExplorerWidget

def _cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime

_models = {"Transformer (fr)": load_or_train("transformer", "fr")}
_corpus = _models["Transformer (fr)"][1]
explorer = AttentionExplorer(_models)
widget = ExplorerWidget(explorer)
explorer.png()
print(json.dumps({"threads": torch.get_num_threads(), "cpu": _cpu()}))
"""

TRAIN = """
from transformer_lite.data import TranslationDataset
from transformer_lite.recipes import get_recipe
from transformer_lite.train import TrainConfig, fit
_before, _wall = _cpu(), time.perf_counter()
_recipe = get_recipe("transformer")
_model = _recipe.build(_corpus)
_train = TranslationDataset(_corpus["train"][:4000], _corpus.src_vocab, _corpus.tgt_vocab)
_config = TrainConfig(steps={steps}, batch_size=64, warmup=200)
fit(_model, _train, None, _config, progress=False, device="cpu")
print(json.dumps({{"cpu": _cpu() - _before, "wall": time.perf_counter() - _wall}}))
"""

REPORT = (
    """print(json.dumps({"cpu": _cpu(), "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))"""
)


def tour(student_index: int, round_index: int) -> list[tuple[str, str]]:
    """One explorer tour: (control, code that moves it). Sentences differ per student and round."""
    sentence = f'" ".join(_corpus["test"][{7 * student_index + 3 * round_index + 1}].src)'
    moves = [("sentence (new)", f"widget.text.value = {sentence}")]
    moves += [("head", f"widget.head.value = {h}") for h in (1, 2, 3, 0)]
    moves += [("layer", f"widget.layer.value = {layer}") for layer in (1, 0)]
    moves += [("step", f"widget.step.value = min({s}, widget.step.max)") for s in (1, 2, 3, 4)]
    moves += [("attention kind", f'widget.kind.value = "{k}"') for k in ("enc_self", "dec_self", "cross")]
    temperature = 0.5 + 0.01 * (student_index * 3 + round_index)
    moves += [("temperature (new)", f"widget.temperature.value = {temperature}")]
    return moves


def run_tour(kernel, student_index: int, round_index: int, rng: random.Random, phase: str, log: list) -> None:
    for control, code in tour(student_index, round_index):
        time.sleep(rng.uniform(*THINK_S))
        start = time.perf_counter()
        kernel.run(f"{code}\nassert not widget.message.value, widget.message.value")
        log.append({"phase": phase, "control": control, "ms": (time.perf_counter() - start) * 1000})


def simulate(n: int, capped: bool, image: str | None = None) -> dict:
    """One class of ``n``; ``image``: every server in a container of it (1 CPU, CONTAINER_MEMORY each)."""
    names = [f"student{i:02d}" for i in range(n)]
    work = Path(tempfile.mkdtemp(prefix=f"class-load-{n}-"))
    load_before = os.getloadavg()
    started = time.perf_counter()
    memory = CONTAINER_MEMORY if image else "1G"
    with classhub.ClassHub(work, names, cpus=1 if capped else 0, image=image, memory=memory) as hub:
        students = [hub.login(name) for name in names]
        for s in students:
            s.start()
        for s in students:
            s.wait_ready(timeout=600)
        spawned = time.perf_counter() - started
        kernels = [s.kernel() for s in students]
        setups = [None] * n

        def set_up(i):
            setups[i] = json.loads(kernels[i].run(SETUP, timeout=900).strip().splitlines()[-1])

        _together(set_up, range(n))
        ready = time.perf_counter() - started
        logs = [[] for _ in range(n)]
        rngs = [random.Random(i) for i in range(n)]
        trains = [None] * n

        def explore_all(i):
            run_tour(kernels[i], i, 0, rngs[i], "checkpoints", logs[i])

        def half_and_half(i):
            for turn in (0, 1):
                if i % 2 == turn:
                    out = kernels[i].run(TRAIN.format(steps=TRAIN_STEPS), timeout=900)
                    trains[i] = json.loads(out.strip().splitlines()[-1])
                else:
                    run_tour(kernels[i], i, 1 + turn, rngs[i], "training", logs[i])

        _together(explore_all, range(n))
        _together(half_and_half, range(n))
        reports = [json.loads(k.run(REPORT).strip().splitlines()[-1]) for k in kernels]
        servers = _container_peaks_mb(names) if image else _server_rss_mb(hub)
        for k, s in zip(kernels, students):
            k.close()
            s.stop()
    load_after = os.getloadavg()
    every = [e for log in logs for e in log]
    phase = {p: [e["ms"] for e in every if e["phase"] == p] for p in ("checkpoints", "training")}
    by_control = {}
    for e in every:
        by_control.setdefault(e["control"], []).append(e["ms"])
    tour_cpu = [r["cpu"] - s["cpu"] - t["cpu"] for r, s, t in zip(reports, setups, trains) if t is not None]
    return {
        "students": n,
        "threads_per_kernel": sorted({s["threads"] for s in setups}),
        "capped": capped,
        "explorer": {
            "all": stats([e["ms"] for e in every]),
            "shipped checkpoints (everyone explores)": stats(phase["checkpoints"]),
            "live training (half the class trains meanwhile)": stats(phase["training"]),
            "per control": {c: stats(xs) for c, xs in by_control.items()},
        },
        "peak_rss_mb_per_kernel": _spread([r["peak_rss_mb"] for r in reports]),
        **({"container_peak_mb": _spread(servers)} if image else {"rss_mb_per_server": _spread(servers)}),
        "cpu_seconds_per_student": {
            "start (imports, checkpoint, explorer's first picture)": _spread([s["cpu"] for s in setups]),
            f"explorer, 2 tours of {len(tour(0, 0))} moves (notebook 08)": _spread(tour_cpu),
            f"training loop, {TRAIN_STEPS} steps (notebook 07)": _spread([t["cpu"] for t in trains if t]),
        },
        "training_loop_wall_seconds": _spread([t["wall"] for t in trains if t]),
        "seconds": {"servers_up": round(spawned, 1), "kernels_ready": round(ready, 1)},
        "wall_seconds": round(time.perf_counter() - started, 1),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in load_after],
    }


def _together(fn, items) -> None:
    """Run fn(i) for every item in its own thread (students act at once); wait for all, then re-raise
    the first error in item order."""
    items = list(items)
    with ThreadPoolExecutor(max_workers=max(1, len(items))) as pool:
        futures = [pool.submit(fn, i) for i in items]  # leaving the block waits for every one
    for future in futures:
        future.result()


def _server_rss_mb(hub) -> list[float]:
    import psutil

    procs = psutil.Process(hub.process.pid).children(recursive=True)
    return [p.memory_info().rss / 2**20 for p in procs if "jupyterhub-singleuser" in " ".join(p.cmdline())]


def _container_peaks_mb(names: list[str]) -> list[float]:
    """Each student's container's memory peak, from its cgroup (v1 max_usage_in_bytes, v2 memory.peak)."""
    from tools.image import docker

    peaks = []
    for name in names:
        cid = docker("inspect", "--format", "{{.Id}}", f"jupyter-{name}").stdout.strip()
        for path in (
            f"/sys/fs/cgroup/memory/docker/{cid}/memory.max_usage_in_bytes",
            f"/sys/fs/cgroup/docker/{cid}/memory.peak",
            f"/sys/fs/cgroup/system.slice/docker-{cid}.scope/memory.peak",
        ):
            if Path(path).exists():
                peaks.append(int(Path(path).read_text()) / 2**20)
                break
        else:
            raise RuntimeError(f"no memory peak found for container jupyter-{name} ({cid[:12]})")
    return peaks


def _spread(xs: list[float]) -> dict:
    xs = sorted(xs)
    return {"median": round(percentile(xs, 50), 2), "max": round(xs[-1], 2)} if xs else {}


def served(runs: list[dict], plan: str) -> int:
    """The largest class size whose explorer p95 under ``plan`` met the target (0 if none)."""
    ok = [r["students"] for r in runs if r["explorer"][plan]["p95_ms"] <= TARGET_P95_MS]
    return max(ok, default=0)


def main(sizes=CLASS_SIZES) -> dict:
    runs, result = [], {}
    # Capped at every size; uncapped at 10 first (the comparison), then smaller sizes if time allows.
    configs = [(n, True) for n in sizes if n <= UNCAPPED_AT] + [(UNCAPPED_AT, False)] * (UNCAPPED_AT in sizes)
    configs += [(n, True) for n in sizes if n > UNCAPPED_AT] + [(n, False) for n in sizes if n < UNCAPPED_AT][::-1]
    for n, capped in configs:
        print(f"-- {n} students, {'capped' if capped else 'uncapped'} threads", flush=True)
        runs.append(simulate(n, capped))
        e = runs[-1]["explorer"]
        print(json.dumps({k: e[k] for k in e if k != "per control"}), flush=True)
        result = summarize(runs)  # written after every run: a long benchmark keeps what it measured
        out = OUT if tuple(sizes) == CLASS_SIZES else OUT.with_suffix(".json.tmp")  # trials stay out of git
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: result[k] for k in ("students_served", "at_10_students")}, indent=1))
    return result


def summarize(runs: list[dict]) -> dict:
    plans = list(PLANS.values())
    return {
        "what": __doc__.split("Run:")[0].strip(),
        "target": f"explorer p95 <= {TARGET_P95_MS:.0f} ms",
        "students_served": {
            threads: {p: served([r for r in runs if r["capped"] == (threads == "capped")], p) for p in plans}
            for threads in ("capped", "uncapped")
        },
        "at_10_students": {
            ("capped" if r["capped"] else "uncapped"): {
                "threads_per_kernel": r["threads_per_kernel"],
                **{p: r["explorer"][p] for p in plans},
            }
            for r in runs
            if r["students"] == UNCAPPED_AT
        },
        "runs": runs,
        "machine": {
            "platform": platform.platform(),
            "cpu_count": os.cpu_count(),
            "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
            "shared": "yes: other engineers' jobs ran at the same time; see each run's load averages",
        },
        "python": sys.version.split()[0],
        "torch": torch.__version__,
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }


PLANS = {
    "shipped checkpoints": "shipped checkpoints (everyone explores)",
    "live training": "live training (half the class trains meanwhile)",
}


def sizing_table(result: dict, class_sizes=(10, 20, 40, 80)) -> str:
    """notebooks/TEACHING.md's sizing table, from class_load.json (tests/test_hub.py checks they agree).

    Cores: the measured machine's cores times N over the most students it served within the target
    (capped threads), rounded up: a linear extrapolation, and an upper bound when every tested size met
    the target. Memory: N times (a kernel's peak RSS + its server's RSS), the largest medians measured; an
    upper bound (each RSS counts the shared libraries again). With a container run, from N times a container's
    median peak (its cgroup counts shared library pages once, in the container that read them first) to it."""
    cores = result["machine"]["cpu_count"]
    runs = result["runs"]
    per_student_gb = (
        max(r["peak_rss_mb_per_kernel"]["median"] for r in runs) + max(r["rss_mb_per_server"]["median"] for r in runs)
    ) / 1024
    low_gb, memory = per_student_gb, "Memory for the students' servers (processes' RSS)"
    if "containers" in result:  # what each container's cgroup counted: shared library pages once, not per student
        low_gb = result["containers"]["container_peak_mb"]["median"] / 1024
        memory = "Memory for the students' servers (containers' median peak - processes' RSS)"
    rows = [f"| Students | Plan | Cores (processes, threads capped) | {memory} |", "|---|---|---|---|"]
    for n in class_sizes:
        for plan, key in PLANS.items():
            served_n = result["students_served"]["capped"][key]
            need = "-" if not served_n else str(max(1, -(-cores * n // served_n)))
            gb = (
                f"{per_student_gb * n:.1f}"
                if low_gb == per_student_gb
                else f"{low_gb * n:.1f}-{per_student_gb * n:.1f}"
            )
            rows.append(f"| {n} | {plan} | {need} | {gb} GB |")
    return "\n".join(rows)


def _at_ten(runs: list[dict]) -> list[str]:
    """One line comparing capped and uncapped threads at UNCAPPED_AT students (if both ran)."""
    pair = {r["capped"]: r for r in runs if r["students"] == UNCAPPED_AT}
    if len(pair) < 2:
        return []
    live = PLANS["live training"]

    def one(r):
        return (
            f"{r['threads_per_kernel'][0]} thread(s) per kernel: explorer p95 {r['explorer'][live]['p95_ms']:.0f} ms "
            f"while half the class trains, training loop {r['training_loop_wall_seconds']['median']:.0f} s "
            f"(median wall), run {r['wall_seconds']:.0f} s"
        )

    return [f"- At {UNCAPPED_AT} students, capped: {one(pair[True])}; uncapped: {one(pair[False])}."]


def sizing_note(result: dict) -> str:
    """The measured lines of TEACHING.md's sizing section: what one machine served, per student costs,
    then :func:`sizing_table` (tests/test_hub.py checks that TEACHING.md quotes this text verbatim)."""
    runs, cores = result["runs"], result["machine"]["cpu_count"]
    served = result["students_served"]
    kernel = max(r["peak_rss_mb_per_kernel"]["median"] for r in runs)
    server = max(r["rss_mb_per_server"]["median"] for r in runs)
    cpu = {k: max(r["cpu_seconds_per_student"][k]["median"] for r in runs) for k in runs[0]["cpu_seconds_per_student"]}
    loads = [x for r in runs for x in (r["load_average_before"][0], r["load_average_after"][0])]

    def counts(plan):
        return " / ".join(str(served[threads][PLANS[plan]]) for threads in ("capped", "uncapped"))

    largest = {t: max(r["students"] for r in runs if r["capped"] == (t == "capped")) for t in ("capped", "uncapped")}
    lines = [
        f"Measured by `benchmarks/class_load.py` on a {cores}-core machine shared with other work (1-minute load "
        f"average {min(loads):.1f}-{max(loads):.1f} during the runs; {result['date'][:10]}): students on a real hub, "
        "each moving the attention explorer's controls about once a second, half of them training at times.",
        f"- Students served with the explorer's p95 round trip <= {TARGET_P95_MS:.0f} ms (threads capped to the CPU "
        f"quota / uncapped): shipped checkpoints {counts('shipped checkpoints')}, live training "
        f"{counts('live training')}. Largest class tested: {largest['capped']} capped, {largest['uncapped']} "
        "uncapped; a count equal to it is a lower bound.",
        f"- Memory per student: {kernel:.0f} MB (a kernel's peak, explorer and a training run) + {server:.0f} MB "
        "(their Jupyter server).",
        "- CPU-seconds per student: " + "; ".join(f"{k}: {v:.1f}" for k, v in cpu.items()) + ".",
        *_at_ten(runs),
        *_in_containers(result.get("containers"), result.get("containers_earlier", [])),
        "",
        sizing_table(result),
    ]
    return "\n".join(lines)


def _in_containers(run: dict | None, results_earlier: list[dict] = ()) -> list[str]:
    """The lines of the container runs (if any ran): p95s beside the same class as processes, memory."""
    if run is None:
        return []
    p95 = {plan: run["explorer"][key]["p95_ms"] for plan, key in PLANS.items()}
    same = run["same_hour_processes"]
    peak, kernel = run["container_peak_mb"], run["peak_rss_mb_per_kernel"]["median"]
    loads = [run["load_average_before"][0], run["load_average_after"][0]]
    loads += [same["load_average_before"][0], same["load_average_after"][0]]
    return [
        f"- In containers ({run['date'][:10]}, 1-minute load average {min(loads):.1f}-{max(loads):.1f}; the course "
        f"image, {run['image_size_mb']} MB, DockerSpawner, docker enforcing {run['cpu_limit']} CPU and "
        f"{run['memory_limit']} per student), {run['students']} students: explorer p95 "
        f"{p95['shipped checkpoints']:.0f} ms while everyone explores, {p95['live training']:.0f} ms while half the "
        f"class trains (training loop {run['training_loop_wall_seconds']['median']:.0f} s); the same class as "
        f"processes within the hour: {same['shipped checkpoints']['p95_ms']:.0f} ms and "
        f"{same['live training']['p95_ms']:.0f} ms (training loop {same['training_loop_wall_seconds']['median']:.0f}"
        f" s). Memory per student: {peak['median']:.0f} MB (median; max {peak['max']:.0f} MB), the container's "
        f"peak as its cgroup counts it (server, kernel, the page cache it brought in; library pages another "
        f"container read first count there); a kernel's peak RSS, which counts those pages, {kernel:.0f} MB.",
        *[
            f"- An earlier container run ({e['date'][:10]}): explorer p95 "
            f"{e['explorer'][PLANS['shipped checkpoints']]['p95_ms']:.0f} ms / "
            f"{e['explorer'][PLANS['live training']]['p95_ms']:.0f} ms (training loop "
            f"{e['training_loop_wall_seconds']['median']:.0f} s); as processes within the hour "
            f"{e['same_hour_processes']['shipped checkpoints']['p95_ms']:.0f} ms / "
            f"{e['same_hour_processes']['live training']['p95_ms']:.0f} ms."
            for e in results_earlier
        ],
    ]


def containers(image: str | None = None) -> dict:
    """The class of UNCAPPED_AT again in containers of the course image (built by tools/image.py unless
    ``image`` names one); merged into OUT under "containers"."""
    from tools import image as image_tools

    image_tools.engine()
    if image is None:
        image_tools.make_base()
        image_tools.wheelhouse()
        image = image_tools.build()["tag"]
    print(f"-- {UNCAPPED_AT} students in containers of {image}", flush=True)
    earlier = json.loads(OUT.read_text()).get("containers")
    run = simulate(UNCAPPED_AT, True, image=image)
    # The same class as processes (local spawner, capped threads) right after: a shared machine's load
    # changes by the hour, so the comparison that counts is within the hour.
    print(f"-- {UNCAPPED_AT} students as processes, for comparison", flush=True)
    processes = simulate(UNCAPPED_AT, True)
    run["same_hour_processes"] = {
        **{plan: processes["explorer"][key] for plan, key in PLANS.items()},
        "training_loop_wall_seconds": processes["training_loop_wall_seconds"],
        "load_average_before": processes["load_average_before"],
        "load_average_after": processes["load_average_after"],
    }
    run.update(
        image=image,
        image_size_mb=round(image_tools.size_bytes(image) / 1e6),
        cpu_limit=1,
        memory_limit=CONTAINER_MEMORY,
        date=datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        torch=torch.__version__,
    )
    result = json.loads(OUT.read_text())
    result["containers"] = run
    if earlier:  # the earlier run's headline figures stay beside the new one
        keep = ("date", "load_average_before", "load_average_after", "training_loop_wall_seconds", "container_peak_mb")
        summary = {k: earlier[k] for k in keep} | {"same_hour_processes": earlier["same_hour_processes"]}
        summary["explorer"] = {k: v for k, v in earlier["explorer"].items() if k != "per control"}
        result["containers_earlier"] = [summary, *result.get("containers_earlier", [])]
    OUT.write_text(json.dumps(result, indent=2) + "\n")
    print("\n".join(_in_containers(run)))
    return run


if __name__ == "__main__":
    if sys.argv[1:] == ["--note"]:
        print(sizing_note(json.loads(OUT.read_text())))
    elif sys.argv[1:2] == ["--containers"]:
        containers(*sys.argv[2:3])
    else:
        main(tuple(int(x) for x in sys.argv[1:]) or CLASS_SIZES)
