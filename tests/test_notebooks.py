"""Every notebook runs top to bottom in a fresh kernel, in FULL mode, exactly as a student runs it, and every
claim of docs/claims.md holds on the values it records (issue 11); every notebook is committed clean.

Both editions run: the English notebooks, and the Korean ones built from them and the catalogs (issue 21), in a
kernel whose language is Korean. The claims are numbers, not words: the same rows, the same margins. In the Korean
run a Hangul glyph missing from the figures' fonts is an error (matplotlib's warning is turned into one).

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


EDITIONS = [("en", path) for path in NOTEBOOKS] + [("ko", path) for path in NOTEBOOKS]
MISSING_GLYPH = "Glyph"  # matplotlib: "Glyph 44032 (\\N{HANGUL SYLLABLE GA}) missing from font(s) DejaVu Sans."


def _hangul(text: str) -> bool:
    return any("\uac00" <= ch <= "\ud7a3" for ch in text)


@pytest.fixture(scope="session")
def korean_notebooks(tmp_path_factory) -> Path:
    """The Korean edition's notebooks, built as `make ko-notebooks` builds them."""
    from tools import translate

    out = tmp_path_factory.mktemp("ko") / "notebooks"
    translate.build_notebooks(out, "ko")
    return out


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
@pytest.mark.parametrize(("edition", "path"), EDITIONS, ids=lambda v: v if isinstance(v, str) else v.stem)
def test_notebook_runs_top_to_bottom(edition, path, artifacts, request):
    env = student_env()
    if edition != "en":
        path = request.getfixturevalue("korean_notebooks") / path.name
        env["TRANSFORMER_LITE_LANG"] = edition
        env["PYTHONWARNINGS"] = f"error:{MISSING_GLYPH}:UserWarning"  # a Hangul glyph drawn as a box fails the cell
    nb = nbformat.read(path, as_version=4)
    nbrun.run_notebook(path, nb=nb, env=env, timeout=600)  # fails fast on a stall (issue 13)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    errors = [o for o in outputs if o.get("output_type") == "error"]
    assert not errors, errors
    missing = [o["text"] for o in outputs if "missing from font" in o.get("text", "")]
    assert not missing, missing
    # The solutions in the notebook pass their own checks (a package change can break them): every check's record.
    checks = [
        o["data"]["application/json"]["check"]
        for o in outputs
        if "check" in o.get("data", {}).get("application/json", {})
    ]
    assert all(c["status"] == "passed" for c in checks), [c for c in checks if c["status"] != "passed"]
    if edition == "ko":  # the Korean edition speaks Korean: its markdown, and what its code prints
        assert any(_hangul(c.source) for c in nb.cells if c.cell_type == "markdown"), "no Korean markdown"
        printed = [o.get("text", "") for o in outputs if o.get("name") == "stdout"]
        assert not printed or any(_hangul(t) for t in printed), "the kernel printed no Korean"
    nbformat.write(nb, artifacts / f"executed-{edition}-{path.name}")
    key = path.name[:2] if edition == "en" else f"{edition}-{path.name[:2]}"
    RECORDS[key] = read_claims(nb)
    # Every claim of docs/claims.md for this notebook holds on what it recorded (full mode only).
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
