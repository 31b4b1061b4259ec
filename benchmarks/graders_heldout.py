"""How many plausible wrong answers do the graders name? Issue 20's target: at least 90%, measured on a list the
graders were not written from.

``benchmarks/heldout/mistakes_b.py`` (list B, 194 wrong answers to the 24 exercises of notebooks 01-10) was written
from the notebooks and the model code only, by someone who had not read the graders or an earlier list. Each wrong
answer is run through its exercise's check, visible and hidden cases; it counts as *accepted* when both pass (a
grader must never do that) and as *named* when the failing check's record names a mistake ("Likely cause: ...").
Writes ``benchmarks/results/graders_heldout.json``: the totals, per exercise, and every answer not named.

    python -m benchmarks.graders_heldout
"""

from __future__ import annotations

import collections
import contextlib
import datetime
import importlib
import io
import json
import math
import os
import platform
from pathlib import Path

import torch
import torch.nn.functional as F

from benchmarks.heldout.mistakes_b import MISTAKES

RESULTS = Path(__file__).resolve().parent / "results"


def run_one(mistake: dict) -> dict:
    """The wrong answer through its check: accepted?, named?, the key it was named by."""
    namespace = {"torch": torch, "math": math, "F": F}
    exec(mistake["source"], namespace)  # the list's own code, a function named like the notebook's my_*
    answer = [v for k, v in namespace.items() if k.startswith("my_") and callable(v)][-1]
    grader = getattr(importlib.import_module(f"transformer_lite.exercises.nb{mistake['notebook']}"), mistake["check"])
    verdicts = []
    for hidden in (False, True):
        with contextlib.redirect_stdout(io.StringIO()) as printed:
            verdicts.append((grader(answer, hidden=hidden), printed.getvalue()))
    failing = [(v, text) for v, text in verdicts if not bool(v)]
    record = (failing[0][0].record or {}).get("check", {}) if failing else {}
    return dict(
        notebook=mistake["notebook"],
        exercise=mistake["exercise"],
        mistake=mistake["name"],
        accepted=not failing,
        named=bool(record.get("mistake")),
        key=record.get("mistake"),
        verdict=failing[0][1].strip().splitlines()[0] if failing else "",
    )


def main() -> dict:
    os.environ.pop("NBGRADER_EXECUTION", None)
    rows = [run_one(m) for m in MISTAKES]
    per = collections.defaultdict(lambda: {"answers": 0, "named": 0})
    for r in rows:
        per[f"{r['notebook']} {r['exercise']}"]["answers"] += 1
        per[f"{r['notebook']} {r['exercise']}"]["named"] += r["named"]
    named = sum(r["named"] for r in rows)
    result = {
        "what": __doc__.split("\n\n")[0],
        "target": "named >= 90%, accepted == 0",
        "answers": len(rows),
        "accepted": sum(r["accepted"] for r in rows),
        "named": named,
        "named_share": round(named / len(rows), 4),
        "per_exercise": dict(sorted(per.items())),
        "not_named": [r for r in rows if not r["named"]],
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count()},
        "torch": torch.__version__,
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "graders_heldout.json").write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    print(f"{len(rows)} held-out wrong answers: accepted {result['accepted']}, named {named} ({named / len(rows):.1%})")
    return result


if __name__ == "__main__":
    main()
