"""Argument checks shared by the package's public entry points.

Every check raises a ``ValueError`` or ``TypeError`` whose message names the argument, shows its
value (shortened) and says what would work. Checks on types, dtypes, shapes and Python numbers cost
nanoseconds; a scan of tensor values (``finite``, ``ids``) costs a pass over the data, so it runs once
where the data enters, never per layer or per decoding step.

The model checks its own doors with the primitives of ``model/_doors.py`` (``model/`` imports only
torch and itself); they are the same functions here, so a rule is written once.
"""

from __future__ import annotations

import torch

from .model._doors import (  # noqa: F401 - the shared primitives, re-exported
    MAX_TEMPERATURE,
    MIN_TEMPERATURE,
    bool_mask,
    flag,
    ids,
    integer,
    key_mask,
    number,
    probability,
    show,
    temperature,
    tensor,
    translation_inputs,
)


def show_list(items, limit: int = 5) -> str:
    """The first ``limit`` items, then how many more."""
    items = list(items)
    shown = ", ".join(show(x, 40) for x in items[:limit])
    return shown + (f" and {len(items) - limit:,} more" if len(items) > limit else "")


def optional_integer(name: str, value, minimum: int = 1) -> int | None:
    """None (use the default) or :func:`integer`."""
    return None if value is None else integer(name, value, minimum)


def seed(value, name: str = "seed") -> int:
    """A random seed: a whole number from 0 to 2**32 - 1 (what NumPy and torch accept). None is
    refused: it would give a different result on every call."""
    if value is None:
        raise TypeError(f"{name} must be a whole number from 0 to 2**32 - 1; got None (pass e.g. {name}=0)")
    return integer(name, value, minimum=0, maximum=2**32 - 1)


def finite(name: str, value: torch.Tensor) -> None:
    """No NaN or inf (a scan of the values: entry points only)."""
    if not bool(torch.isfinite(value).all()):
        raise ValueError(f"{name} holds NaN or inf values; fix the input first")
