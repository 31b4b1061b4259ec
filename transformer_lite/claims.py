"""Claim records: the numbers a notebook's prose rests on, emitted where tests can read them.

Every notebook ends its measurements with one ``record_claims(...)`` call. It displays a
``application/json`` output ``{"claims": {name: value, ...}}``, which the notebook tests read
from the executed notebook and check against ``docs/claims.md``. A student sees only a short
line saying what was recorded.
"""

from __future__ import annotations

import json
import math
from numbers import Real

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


def claims_bundle(**values) -> dict:
    """The display bundle ``{"application/json": {"claims": {...}}, "text/plain": ...}``."""
    if not values:
        raise ValueError("record_claims() needs at least one name=value")
    claims = {name: _plain(name, v) for name, v in values.items()}
    json.dumps(claims)  # fails here, not in the notebook file, if something is not JSON
    names = ", ".join(sorted(claims))
    return {CLAIMS_MIME: {"claims": claims}, "text/plain": f"claims recorded: {names}"}


def record_claims(**values) -> dict:
    """Display this notebook's claim values so the tests can check them (every notebook).

    Returns the claims dict. Outside IPython it only returns them.
    """
    bundle = claims_bundle(**values)
    try:
        from IPython.display import display
    except ImportError:  # plain Python: nothing to display
        return bundle[CLAIMS_MIME]["claims"]
    display(bundle, raw=True)
    return bundle[CLAIMS_MIME]["claims"]


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
