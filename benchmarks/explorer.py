"""How fast does the attention explorer answer? p50/p95 per control.

What is timed, per interaction: the control's plain callback (e.g. ``explorer.set_head(2)``)
plus ``explorer.png()``, i.e. drawing the figure and encoding the PNG bytes the widget
shows. Not timed: the browser (sending ~20-60 kB to the page and painting it) and the
ipywidgets round trip. Controls that change what the model computes (sentence, model,
temperature, head ablation, beam search) include the decoding and forward pass the first
time a combination is seen; every such interaction here uses a value not seen before, so
they are measured cold, the worst case. Sentences: short test sentences and the 50-word
`long` split.

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

from transformer_lite.explorer import AttentionExplorer, load_or_train
from transformer_lite.recipes import checkpoint_path

OUT = Path(__file__).resolve().parent / "results" / "explorer.json"
TARGET_P95_MS = 150.0


def percentile(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, round(q / 100 * (len(xs) - 1))))]


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
    short = [p for p in fr["test"][:300] if 5 <= len(p.src) <= 20][:6]
    long = sorted(fr["long"], key=lambda p: -len(p.src))[:3]
    explorer = AttentionExplorer(models, sentence=" ".join(short[0].src))
    explorer.png()  # warm-up: fonts, first canvas

    times: dict[str, dict[str, list[float]]] = {}

    def timed(control: str, length: str, action) -> None:
        start = time.perf_counter()
        action()
        explorer.png()
        times.setdefault(control, {}).setdefault(length, []).append((time.perf_counter() - start) * 1000)

    temperatures = iter([0.5 + 0.01 * i for i in range(1000)])
    load_before = os.getloadavg()
    for pairs, length in ((short, "short (5-20 words)"), (long, "long (50 words)")):
        for pair in pairs:
            explorer.set_model("Transformer (fr)")
            explorer.set_search(1)
            explorer.set_ablated([])
            explorer.set_temperature(1.0)
            explorer.set_kind("cross")
            explorer.set_head(0)
            timed("sentence (new, decode + forward)", length, lambda p=pair: explorer.set_sentence(p.src))
            for h in (1, 2, 3, 0):
                timed("head", length, lambda h=h: explorer.set_head(h))
            for layer in (1, 0):
                timed("layer", length, lambda la=layer: explorer.set_layer(la))
            n_steps = len(explorer.reading().output) + 1
            for step in range(1, min(n_steps, 8)):
                timed("step", length, lambda s=step: explorer.set_step(s))
            timed("all heads grid", length, lambda: explorer.set_head("all"))
            for step in (1, 2):
                timed("step (grid)", length, lambda s=step: explorer.set_step(s))
            explorer.set_head(0)
            for kind in ("enc_self", "dec_self", "cross"):
                timed("attention kind", length, lambda k=kind: explorer.set_kind(k))
            for _ in range(2):
                timed("temperature (new value)", length, lambda: explorer.set_temperature(next(temperatures)))
            explorer.set_temperature(1.0)
            for h in (0, 1):
                timed("head ablation toggle (new)", length, lambda h=h: explorer.toggle_head("cross", 1, h))
            timed("beam search (beam 4)", length, lambda: explorer.set_search(4))
            explorer.set_search(1)
            timed("model (new)", length, lambda: explorer.set_model("Transformer (sov)"))
            timed("model (seen)", length, lambda: explorer.set_model("Transformer (fr)"))
    load_after = os.getloadavg()

    def stats(xs):
        return {
            "n": len(xs),
            "p50_ms": round(percentile(xs, 50), 1),
            "p95_ms": round(percentile(xs, 95), 1),
            "max_ms": round(max(xs), 1),
        }

    controls = {}
    for control, by_length in times.items():
        every = [x for xs in by_length.values() for x in xs]
        controls[control] = {"all": stats(every), **{k: stats(v) for k, v in by_length.items()}}
    result = {
        "what": __doc__.split("Run:")[0].strip(),
        "target": f"p95 <= {TARGET_P95_MS:.0f} ms per interaction",
        "controls": controls,
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
    width = max(len(c) for c in controls)
    for control, s in controls.items():
        a = s["all"]
        flag = "" if a["p95_ms"] <= TARGET_P95_MS else "  > target"
        print(f"{control:<{width}}  n={a['n']:3d}  p50 {a['p50_ms']:7.1f} ms  p95 {a['p95_ms']:7.1f} ms{flag}")
    print(f"load average before {load_before}, after {load_after}; written to {OUT}")
    return result


if __name__ == "__main__":
    main()
