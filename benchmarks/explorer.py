"""How fast does the attention explorer answer? p50/p95 per control.

What is timed, per interaction: everything the kernel does when a student moves one
control of the widget (``ExplorerWidget``): setting the control's value runs its callback
(e.g. ``explorer.set_head(2)``), re-syncs the other controls, draws the picture
(``canvas.AttentionCanvas``), encodes the PNG and writes the summary under it. Not timed:
the browser (sending ~10-80 kB to the page and painting it). Controls that change what
the model computes (sentence, model, temperature, head ablation, beam search) include the
decoding and forward pass: every such interaction here uses a combination not seen
before, so they are measured cold, the worst case. Sentences: twelve short test sentences
and six of the longest (50-word) sentences of the `long` split. A second table times the
same controls called as plain explorer methods plus ``explorer.png()`` (no widget). The
whole tour runs ``ROUNDS`` times, each with a fresh explorer, and the figures pool them.

Run: ``python benchmarks/explorer.py`` (writes benchmarks/results/explorer.json).
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import sys
import time
from pathlib import Path

import torch

from transformer_lite.lab.explorer import AttentionExplorer, load_or_train
from transformer_lite.lab.explorer_widget import ExplorerWidget
from transformer_lite.recipes import checkpoint_path

OUT = Path(__file__).resolve().parent / "results" / "explorer.json"
TARGET_P95_MS = 150.0
ROUNDS = 3  # the whole tour, each time with a fresh explorer (empty caches): more samples for the p95


def percentile(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, round(q / 100 * (len(xs) - 1))))]


def stats(xs) -> dict:
    """n, p50, p95 and max of a list of milliseconds."""
    return {
        "n": len(xs),
        "p50_ms": round(percentile(xs, 50), 1),
        "p95_ms": round(percentile(xs, 95), 1),
        "max_ms": round(max(xs), 1),
    }


def main() -> dict:
    torch.set_num_threads(min(2, os.cpu_count() or 1))
    device = torch.device("cpu")
    specs = {
        "Transformer (fr)": ("transformer", "fr"),
        "Transformer (sov)": ("transformer", "sov"),
        "Seq2Seq+attention (fr)": ("seq2seq_attention", "fr"),
    }
    sources = {label: "checkpoint" if checkpoint_path(*s).exists() else "trained briefly" for label, s in specs.items()}
    models = {label: load_or_train(*s, device=device) for label, s in specs.items()}
    fr = models["Transformer (fr)"][1]
    short = [p for p in fr["test"][:300] if 5 <= len(p.src) <= 20][:12]
    long = sorted(fr["long"], key=lambda p: -len(p.src))[:6]
    explorer = AttentionExplorer(models, sentence=" ".join(short[0].src))
    widget = ExplorerWidget(explorer)  # draws once: fonts, first picture
    times: dict[str, dict[str, dict[str, list[float]]]] = {"widget": {}, "method": {}}

    def timed(how: str, control: str, length: str, action) -> None:
        start = time.perf_counter()
        action()
        if how == "method":
            explorer.png()
        elapsed = (time.perf_counter() - start) * 1000
        times[how].setdefault(control, {}).setdefault(length, []).append(elapsed)
        assert not widget.message.value, f"{control}: {widget.message.value}"

    def widget_tour(pairs, length, temperatures):
        def move(control, value):
            return lambda: setattr(control, "value", value)

        for pair in pairs:
            widget.model.value = "Transformer (fr)"
            widget.search.value = "greedy"
            widget.reset.click()
            widget.temperature.value = 1.0
            widget.kind.value, widget.layer.value, widget.head.value = "cross", 0, 0
            timed("widget", "sentence (new, decode + forward)", length, move(widget.text, " ".join(pair.src)))
            for h in (1, 2, 3, 0):
                timed("widget", "head", length, move(widget.head, h))
            for layer in (1, 0):
                timed("widget", "layer", length, move(widget.layer, layer))
            for step in range(1, min(widget.step.max + 1, 8)):
                timed("widget", "step", length, move(widget.step, step))
            timed("widget", "all heads grid", length, move(widget.head, "all"))
            for step in (1, 2):
                timed("widget", "step (grid)", length, move(widget.step, step))
            widget.head.value = 0
            for kind in ("enc_self", "dec_self", "cross"):
                timed("widget", "attention kind", length, move(widget.kind, kind))
            for _ in range(2):
                timed("widget", "temperature (new value)", length, move(widget.temperature, next(temperatures)))
            widget.temperature.value = 1.0
            widget.layer.value = 1
            for h in (0, 1):
                timed("widget", "head ablation toggle (new)", length, move(widget._toggles[h], True))
            timed("widget", "all heads on (seen)", length, widget.reset.click)
            timed("widget", "beam search (beam 4)", length, move(widget.search, "beam"))
            widget.search.value = "greedy"
            timed("widget", "model (new)", length, move(widget.model, "Transformer (sov)"))
            timed("widget", "model (seen)", length, move(widget.model, "Transformer (fr)"))

    def method_tour(pairs, length, temperatures):
        for pair in pairs:
            explorer.set_model("Transformer (fr)")
            explorer.set_search(1)
            explorer.set_ablated([])
            explorer.set_temperature(1.0)
            explorer.set_kind("cross")
            explorer.set_head(0)
            timed("method", "sentence (new, decode + forward)", length, lambda p=pair: explorer.set_sentence(p.src))
            for h in (1, 2, 3, 0):
                timed("method", "head", length, lambda h=h: explorer.set_head(h))
            timed("method", "all heads grid", length, lambda: explorer.set_head("all"))
            explorer.set_head(0)
            for kind in ("enc_self", "dec_self", "cross"):
                timed("method", "attention kind", length, lambda k=kind: explorer.set_kind(k))
            timed("method", "temperature (new value)", length, lambda: explorer.set_temperature(next(temperatures)))
            explorer.set_temperature(1.0)
            timed("method", "head ablation toggle (new)", length, lambda: explorer.toggle_head("cross", 1, 2))
            explorer.set_ablated([])
            timed("method", "beam search (beam 3)", length, lambda: explorer.set_search(3))
            explorer.set_search(1)
            timed("method", "model (new)", length, lambda: explorer.set_model("Seq2Seq+attention (fr)"))

    load_before = os.getloadavg()
    for _ in range(ROUNDS):
        for tour in (widget_tour, method_tour):
            explorer = AttentionExplorer(models, sentence=" ".join(short[0].src))  # fresh: nothing read yet
            if tour is widget_tour:
                widget = ExplorerWidget(explorer)
            explorer.png()
            # The slider's own values, then values between them: always a temperature not seen before.
            temperatures = iter([2 ** (k / 4) for k in range(-8, 9) if k] + [0.3 + 0.01 * i for i in range(500)])
            for pairs, length in ((short, "short (5-20 words)"), (long, "long (50 words)")):
                tour(pairs, length, temperatures)
    load_after = os.getloadavg()

    tables = {}
    for how, by_control in times.items():
        tables[how] = {}
        for control, by_length in by_control.items():
            every = [x for xs in by_length.values() for x in xs]
            tables[how][control] = {"all": stats(every), **{k: stats(v) for k, v in by_length.items()}}
    worst = max(c["all"]["p95_ms"] for t in tables.values() for c in t.values())
    result = {
        "what": __doc__.split("Run:")[0].strip(),
        "target": f"p95 <= {TARGET_P95_MS:.0f} ms per interaction",
        "worst_p95_ms": worst,
        "target_met": worst <= TARGET_P95_MS,
        "controls": tables["widget"],
        "explorer_methods": tables["method"],
        "models": sources,
        "machine": {
            "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
            "cpu_count": os.cpu_count(),
            "torch_threads": torch.get_num_threads(),
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in load_after],
        },
        "python": sys.version.split()[0],
        "torch": torch.__version__,
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2) + "\n")
    for how, title in (("widget", "moving a widget control"), ("method", "explorer method + png()")):
        print(f"-- {title}")
        width = max(len(c) for c in tables[how])
        for control, st in tables[how].items():
            a = st["all"]
            flag = "" if a["p95_ms"] <= TARGET_P95_MS else "  > target"
            print(f"{control:<{width}}  n={a['n']:3d}  p50 {a['p50_ms']:7.1f} ms  p95 {a['p95_ms']:7.1f} ms{flag}")
    print(f"load average before {load_before}, after {load_after}; written to {OUT}")
    return result


if __name__ == "__main__":
    main()
