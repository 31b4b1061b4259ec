"""Claim records: the numbers a notebook's prose rests on, emitted where tests can read them.

Every notebook ends its measurements with one ``record_claims(...)`` call. It displays a
``application/json`` output ``{"claims": {name: value, ...}}``, which the notebook tests read
from the executed notebook and check against ``docs/claims.md``. A student sees one sentence
instead (its ``text/plain``): how many of the facts the notebook's text states were measured on
this run and held, with the claim's own words for any that did not (``docs/claims.md`` gives the
words and margins; without it, the sentence only says the numbers were recorded).
"""

from __future__ import annotations

import json
import math
from numbers import Real
from pathlib import Path

from .i18n import N_, tr

CLAIMS_MIME = "application/json"


def _plain(name: str, value):
    """A JSON-safe copy of one claim value, or a clear error naming the claim."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if hasattr(value, "item") and callable(value.item):  # 0-d tensors and numpy scalars
        value = value.item()
    if isinstance(value, Real):
        value = float(value) if not isinstance(value, int) else value
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"claim {name!r} is {value}: a claim must be a finite number")
        return value
    if isinstance(value, list | tuple):
        return [_plain(name, v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(f"{name}.{k}", v) for k, v in value.items()}
    raise TypeError(f"claim {name!r} has type {type(value).__name__}; use a number, bool, string, list or dict")


# The sentence a student reads, in the course's language (``summary``). A failed claim is named in
# docs/claims.md's words, which are English in both editions (the table is the tests' source of truth).
ALL_HELD = N_("The {n} measured facts this notebook's text states all hold on this run.")
SOME_FAILED = N_("{failed} of the {n} measured facts this notebook's text states did not hold on this run:")
FAILED_FACT = N_("- {claim}: measured {value}, needs {holds}.")
RECORDED = N_("The {n} measured facts this notebook's text states are recorded for the course's tests.")
TABLE = Path(__file__).resolve().parent.parent / "docs" / "claims.md"  # in a clone; absent from a wheel


class Claims(dict):
    """The recorded claims, as ``record_claims`` returns them: a dict that shows nothing as a cell's
    value (the sentence above it says what a student needs)."""

    def _ipython_display_(self) -> None:
        pass


def _show(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return json.dumps(value)


def summary(claims: dict, table=TABLE) -> str:
    """One sentence for a student about ``claims``: all held, or which did not (in the table's words)."""
    try:
        rows = [r for r in load_claims_table(table) if r["name"] in claims]
    except (OSError, ValueError):
        rows = []
    if not rows:
        return tr(RECORDED, n=len(claims))
    broken = [r for r in rows if not parse_condition(r["holds_when"])(claims[r["name"]])]
    if not broken:
        return tr(ALL_HELD, n=len(rows))
    lines = [tr(SOME_FAILED, failed=len(broken), n=len(rows))]
    for row in broken:
        claim = row["claim"].replace("`", "")
        lines.append(tr(FAILED_FACT, claim=claim, value=_show(claims[row["name"]]), holds=row["holds_when"]))
    return "\n".join(lines)


def claims_bundle(**values) -> dict:
    """The display bundle ``{"application/json": {"claims": {...}}, "text/plain": <summary>}``."""
    if not values:
        raise ValueError("record_claims() needs at least one name=value")
    claims = {name: _plain(name, v) for name, v in values.items()}
    json.dumps(claims)  # fails here, not in the notebook file, if something is not JSON
    return {CLAIMS_MIME: {"claims": claims}, "text/plain": summary(claims)}


def record_claims(**values) -> Claims:
    """Display this notebook's claim values so the tests can check them, with one sentence for the
    student. Taught in notebook 00; used in every notebook (its last measurement cell).

    Returns the claims (a dict that displays nothing). Outside IPython it only returns them.
    """
    bundle = claims_bundle(**values)
    claims = Claims(bundle[CLAIMS_MIME]["claims"])
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # plain Python: nothing to display
        return claims
    if get_ipython() is not None:
        display(bundle, raw=True)
    return claims


def read_claims(notebook) -> dict:
    """Merge every claims record found in an executed notebook (an nbformat node or a path)."""
    if not hasattr(notebook, "cells"):
        import nbformat

        notebook = nbformat.read(str(notebook), as_version=4)
    found: dict = {}
    for cell in notebook.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            record = data.get(CLAIMS_MIME)
            if isinstance(record, str):
                record = json.loads(record)
            if isinstance(record, dict) and "claims" in record:
                found.update(record["claims"])
    return found


# ---- the claims table (docs/claims.md) --------------------------------------------------------------
# One source of truth: the markdown table in docs/claims.md, between these two marker lines, is read by
# the notebook tests. Columns: notebook | name | claim | reference | holds when.
TABLE_BEGIN = "<!-- claims-table:begin -->"
TABLE_END = "<!-- claims-table:end -->"
_OPS = {
    ">=": lambda v, x: v >= x,
    "<=": lambda v, x: v <= x,
    ">": lambda v, x: v > x,
    "<": lambda v, x: v < x,
    "==": lambda v, x: v == x,
}


def parse_condition(text: str):
    """A ``holds when`` cell as a predicate: ``>= 95``, ``< 1``, ``== 30``, ``in 8..13`` (inclusive),
    ``true`` or ``false``. Raises ValueError naming the cell when it is none of these."""
    s = text.strip().strip("`").strip()
    if s in ("true", "false"):
        want = s == "true"
        return lambda v: v is want
    if s.startswith("in ") and ".." in s:
        lo, hi = (float(x) for x in s[3:].split(".."))
        return lambda v: not isinstance(v, bool) and lo <= v <= hi
    for op in (">=", "<=", "==", ">", "<"):
        if s.startswith(op):
            bound = float(s[len(op) :])
            return lambda v, op=op: not isinstance(v, bool) and isinstance(v, Real) and _OPS[op](v, bound)
    raise ValueError(
        f"claims table: cannot read the condition {text!r}; use >= x, <= x, > x, < x, == x, in a..b, true or false"
    )


def load_claims_table(path) -> list[dict]:
    """The rows of the claims table in ``path`` (docs/claims.md):
    [{"notebook": "07", "name": "test_bleu", "claim": ..., "reference": ..., "holds_when": ">= 95"}]."""
    text = Path(path).read_text(encoding="utf-8")
    if TABLE_BEGIN not in text or TABLE_END not in text:
        raise ValueError(f"{path}: no claims table between {TABLE_BEGIN} and {TABLE_END}")
    body = text.split(TABLE_BEGIN, 1)[1].split(TABLE_END, 1)[0]
    rows = []
    for line in body.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 5 or cells[0] in ("notebook", "") or set(cells[0]) <= set("-: "):
            continue
        notebook, name, claim, reference, holds = cells
        parse_condition(holds)  # a bad condition fails when the table is read, naming it
        rows.append(
            {"notebook": notebook, "name": name.strip("`"), "claim": claim, "reference": reference, "holds_when": holds}
        )
    return rows


def failed_claims(table_rows: list[dict], notebook: str, recorded: dict) -> list[str]:
    """Sentences for each claim of ``notebook`` in the table that its record misses or breaks."""
    problems = []
    for row in table_rows:
        if row["notebook"] != notebook:
            continue
        name = row["name"]
        if name not in recorded:
            problems.append(f"{notebook}: claim {name!r} ({row['claim']}) was not recorded")
        elif not parse_condition(row["holds_when"])(recorded[name]):
            problems.append(
                f"{notebook}: claim {name!r} ({row['claim']}) needs {row['holds_when']}, recorded {recorded[name]!r}"
                f" (reference run: {row['reference']})"
            )
    return problems
