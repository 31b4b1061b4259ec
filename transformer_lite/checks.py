"""Friendly auto-checks for the notebooks' "Your turn" exercises.

Each check runs the student's function on a few cases and prints a verdict: what passed,
the first case that failed (expected vs got), and a hint. It never shows a bare
traceback. A stub that raises ``NotImplementedError`` is reported as "not done yet".

Every check returns True when all cases pass, so tests can assert on it.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from dataclasses import dataclass

import torch


@dataclass
class Case:
    """One test case: ``run()`` returns (got, expected); ``compare`` decides if they match."""

    name: str
    run: Callable[[], tuple[object, object]]
    hint: str = ""
    atol: float = 1e-5


def _describe(x) -> str:
    if isinstance(x, torch.Tensor):
        body = x.detach().cpu()
        text = str(body.tolist()) if body.numel() <= 12 else f"tensor with values like {body.flatten()[:6].tolist()}"
        return f"shape {tuple(x.shape)}, {text}"
    return repr(x)


def _mismatch(got, expected, atol: float) -> str | None:
    """None if they match, else a sentence saying how they differ."""
    if isinstance(expected, torch.Tensor):
        if not isinstance(got, torch.Tensor):
            return f"expected a tensor, got {type(got).__name__}"
        if tuple(got.shape) != tuple(expected.shape):
            return f"expected shape {tuple(expected.shape)}, got shape {tuple(got.shape)}"
        if expected.dtype == torch.bool or got.dtype == torch.bool:
            if got.dtype != expected.dtype:
                return f"expected dtype {expected.dtype}, got {got.dtype}"
            if not torch.equal(got, expected):
                return f"values differ:\n    expected {_describe(expected)}\n    got      {_describe(got)}"
            return None
        got_f, exp_f = got.detach().double(), expected.detach().double()
        if torch.isnan(got_f).any():
            return "your result contains NaN"
        if not torch.allclose(got_f, exp_f, atol=atol, rtol=1e-4):
            err = (got_f - exp_f).abs().max().item()
            return (
                f"values differ (largest difference {err:.3g}):\n"
                f"    expected {_describe(expected)}\n    got      {_describe(got)}"
            )
        return None
    if isinstance(expected, (tuple, list)) and isinstance(got, (tuple, list)) and len(got) == len(expected):
        for i, (g, e) in enumerate(zip(got, expected)):
            m = _mismatch(g, e, atol)
            if m:
                return f"item {i}: {m}"
        return None
    return None if got == expected else f"expected {expected!r}, got {got!r}"


def run_cases(title: str, cases: list[Case], verbose: bool = True) -> bool:
    """Run cases in order; print a verdict; stop at the first failure. True if all pass."""
    say = print if verbose else (lambda *a, **k: None)
    for i, case in enumerate(cases):
        try:
            got, expected = case.run()
        except NotImplementedError as e:
            say(f"⏳ {title}: not done yet. {e}".rstrip())
            if case.hint:
                say(f"   Hint: {case.hint}")
            return False
        except Exception as e:  # the student's code raised: show where, briefly
            frame = traceback.extract_tb(e.__traceback__)[-1]
            say(f"❌ {title}: case '{case.name}' raised {type(e).__name__}: {e}")
            say(f"   (at line {frame.lineno}: {frame.line})")
            if case.hint:
                say(f"   Hint: {case.hint}")
            return False
        problem = _mismatch(got, expected, case.atol)
        if problem:
            say(f"❌ {title}: {i} of {len(cases)} cases passed; case '{case.name}' failed.")
            say(f"   {problem}")
            if case.hint:
                say(f"   Hint: {case.hint}")
            return False
    say(f"✅ {title}: all {len(cases)} cases passed.")
    return True


# ---- checks for the exercises, grouped by notebook ---------------------------------------
# Add new checks below, one function per exercise, each ending in run_cases(...).
