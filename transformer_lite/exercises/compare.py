"""How a check shows and compares values: 4 significant digits, the first differing positions, and
one clause saying how a result differs from the expected one (or None when it matches)."""

from __future__ import annotations

import math

import torch


def _num(x) -> str:
    """A number with 4 significant digits (booleans and integers as they are)."""
    if isinstance(x, bool) or isinstance(x, int):
        return str(x)
    if isinstance(x, float):
        text = "nan" if math.isnan(x) else f"{x:.4g}"
        return text if any(c in text for c in ".ein") else text + ".0"
    return str(x)


def _nested(values) -> str:
    if isinstance(values, list):
        return "[" + ", ".join(_nested(v) for v in values) + "]"
    return _num(values)


def describe(x) -> str:
    """A short description of a value: a tensor's shape and (small) values, with 4 significant digits."""
    if isinstance(x, torch.Tensor):
        body = x.detach().cpu()
        if body.numel() <= 12:
            return f"shape {tuple(x.shape)}, {_nested(body.tolist())}"
        return f"shape {tuple(x.shape)}, values like {_nested(body.flatten()[:6].tolist())} ..."
    if isinstance(x, float):
        return _num(x)
    return repr(x)


def _first_differences(got: torch.Tensor, expected: torch.Tensor, bad: torch.Tensor, shown: int = 3) -> str:
    where = bad.nonzero()[:shown].tolist()
    lines = [
        f"    at {tuple(i)}: expected {_num(expected[tuple(i)].item())}, got {_num(got[tuple(i)].item())}"
        for i in where
    ]
    return f"{int(bad.sum())} of {bad.numel()} values differ; the first:\n" + "\n".join(lines)


def _tensor_mismatch(got, expected: torch.Tensor, atol: float) -> str | None:
    if not isinstance(got, torch.Tensor):
        return f"expected a tensor, got a {type(got).__name__}"
    if tuple(got.shape) != tuple(expected.shape):
        return f"expected shape {tuple(expected.shape)}, got shape {tuple(got.shape)}"
    if expected.dtype == torch.bool or got.dtype == torch.bool:
        if got.dtype != expected.dtype:
            return f"expected dtype {expected.dtype}, got {got.dtype}"
        bad = got.cpu() != expected.cpu()
        return _first_differences(got.cpu(), expected.cpu(), bad) if bad.any() else None
    got_f, exp_f = got.detach().cpu().double(), expected.detach().cpu().double()
    if torch.isnan(got_f).any() and not torch.isnan(exp_f).any():
        return f"your result contains NaN ({int(torch.isnan(got_f).sum())} of {got_f.numel()} values)"
    bad = ~torch.isclose(got_f, exp_f, atol=atol, rtol=1e-4, equal_nan=True)
    return _first_differences(got_f, exp_f, bad) if bad.any() else None


def mismatch(got, expected, atol: float = 1e-5) -> str | None:
    """None if ``got`` matches ``expected``, else a sentence saying how they differ."""
    if isinstance(expected, torch.Tensor):
        return _tensor_mismatch(got, expected, atol)
    if isinstance(expected, tuple) and not isinstance(got, (tuple, list)):
        return f"expected a tuple of {len(expected)} results, got a {type(got).__name__}"
    if isinstance(expected, tuple):
        if len(got) != len(expected):
            return f"expected {len(expected)} results, got {len(got)}"
        for i, (g, e) in enumerate(zip(got, expected)):
            problem = mismatch(g, e, atol)
            if problem:
                return f"result {i}: {problem}"
        return None
    if isinstance(expected, bool) or not isinstance(expected, (int, float)):
        try:
            same = bool(got == expected) and type(got) is type(expected)
        except (TypeError, RuntimeError):
            same = False
        return None if same else f"expected {expected!r}, got {describe(got)}"
    kind = "float" if isinstance(expected, float) else "int"
    if isinstance(got, torch.Tensor):
        return f"expected a Python {kind}, got a tensor ({describe(got)}): convert it with {kind}(...) or .item()"
    if isinstance(got, bool) or not isinstance(got, (int, float)) or (kind == "int" and isinstance(got, float)):
        return f"expected a Python {kind}, got a {type(got).__name__}: {got!r:.60}"
    if math.isnan(got) and math.isnan(expected):  # two wrong answers compared while diagnosing
        return None
    if math.isclose(got, expected, rel_tol=1e-4, abs_tol=atol):
        return None
    return f"expected {_num(expected)}, got {_num(got)}"
