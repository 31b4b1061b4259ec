"""Every notebook runs top to bottom in a fresh kernel, in FULL mode, exactly as a student runs it, and every
claim of docs/claims.md holds on the values it records (issue 11); every notebook is committed clean.

TRANSFORMER_LITE_NOTEBOOKS_FAST=1 runs them in fast mode for local iteration only: the claims are then not checked."""

import json
import os
from pathlib import Path

import nbformat
import pytest

from tools import nbrun  # the one notebook runner: watchdog + stall fix (issue 13)
from transformer_lite.claims import failed_claims, load_claims_table, read_claims

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
CLAIMS_TABLE = ROOT / "docs" / "claims.md"
RECORDS: dict[str, dict] = {}  # notebook number -> the claims it recorded in this session (for cross-notebook claims)
NOTEBOOKS_FAST = os.environ.get("TRANSFORMER_LITE_NOTEBOOKS_FAST", "").strip().lower() not in ("", "0", "false", "no")


def student_env() -> dict:
    """The kernel's environment: what a student has. No fast mode (conftest sets it for the unit tests) and
    no MPLBACKEND=Agg (it would hide every figure), unless the local fast switch is on."""
    env = {k: v for k, v in os.environ.items() if k not in ("TRANSFORMER_LITE_FAST", "MPLBACKEND")}
    if NOTEBOOKS_FAST:
        env["TRANSFORMER_LITE_FAST"] = "1"
    return env


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks found in notebooks/"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_without_outputs(path):
    nb = json.loads(path.read_text())
    dirty = [
        i
        for i, c in enumerate(nb["cells"])
        if c["cell_type"] == "code" and (c.get("outputs") or c.get("execution_count"))
    ]
    assert not dirty, f"{path.name}: cells {dirty} carry outputs; clear them before committing"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_top_to_bottom(path, artifacts):
    nb = nbformat.read(path, as_version=4)
    nbrun.run_notebook(path, nb=nb, env=student_env(), timeout=600)  # fails fast on a stall (issue 13)
    errors = [
        o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.get("output_type") == "error"
    ]
    assert not errors, errors
    # The solutions in the notebook pass their own checks (a package change can break them); ✗ = exercises.FAILED.
    failed = [
        o["text"] for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if "✗" in o.get("text", "")
    ]
    assert not failed, failed
    nbformat.write(nb, artifacts / f"executed-{path.name}")
    # Every claim of docs/claims.md for this notebook holds on what it recorded (full mode only).
    RECORDS[path.name[:2]] = read_claims(nb)
    if not NOTEBOOKS_FAST:
        problems = failed_claims(load_claims_table(CLAIMS_TABLE), path.name[:2], read_claims(nb))
        assert not problems, "\n".join(problems)


# Claims two notebooks make about the same measurement: the records must agree (issue 20: 01 and 09 once
# answered "is self-attention faster than recurrence at d = 128?" oppositely).
SHARED_CLAIMS = {("01", "09"): ["attention_faster_than_recurrent_16_to_256"]}


@pytest.mark.slow
@pytest.mark.parametrize("pair", list(SHARED_CLAIMS), ids=lambda p: "-".join(p))
def test_notebooks_agree_where_they_measure_the_same_thing(pair):
    missing = [n for n in pair if n not in RECORDS]
    if missing:
        pytest.skip(f"notebooks {missing} did not run in this session")
    for name in SHARED_CLAIMS[pair]:
        values = {n: RECORDS[n].get(name) for n in pair}
        assert len(set(map(repr, values.values()))) == 1, f"{name} differs between notebooks: {values}"
