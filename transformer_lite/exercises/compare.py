"""How a check shows and compares values: 4 significant digits, the first differing positions, and
one clause saying how a result differs from the expected one (or None when it matches). Each clause is a
message of the catalog, filled with named fields (the numbers, shapes and type names stay as they are)."""

from __future__ import annotations

import math

import torch

from ..i18n import N_, tr

AT = N_("at {where}: expected {expected}, got {got}")  # one of the first differing positions
EXPECTED_GOT = N_("expected {expected}, got {got}")


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
            return tr("shape {shape}, {values}", shape=tuple(x.shape), values=_nested(body.tolist()))
        return tr(
            "shape {shape}, values like {values} ...", shape=tuple(x.shape), values=_nested(body.flatten()[:6].tolist())
        )
    if isinstance(x, float):
        return _num(x)
    return repr(x)


def _first_differences(got: torch.Tensor, expected: torch.Tensor, bad: torch.Tensor, shown: int = 3) -> str:
    where = bad.nonzero()[:shown].tolist()
    lines = [
        "    " + tr(AT, where=tuple(i), expected=_num(expected[tuple(i)].item()), got=_num(got[tuple(i)].item()))
        for i in where
    ]
    return tr("{bad} of {n} values differ; the first:", bad=int(bad.sum()), n=bad.numel()) + "\n" + "\n".join(lines)


def _tensor_mismatch(got, expected: torch.Tensor, atol: float) -> str | None:
    if not isinstance(got, torch.Tensor):
        return tr("expected a tensor, got a {type}", type=type(got).__name__)
    if tuple(got.shape) != tuple(expected.shape):
        return tr("expected shape {expected}, got shape {got}", expected=tuple(expected.shape), got=tuple(got.shape))
    if expected.dtype == torch.bool or got.dtype == torch.bool:
        if got.dtype != expected.dtype:
            return tr("expected dtype {expected}, got {got}", expected=expected.dtype, got=got.dtype)
        bad = got.cpu() != expected.cpu()
        return _first_differences(got.cpu(), expected.cpu(), bad) if bad.any() else None
    got_f, exp_f = got.detach().cpu().double(), expected.detach().cpu().double()
    if torch.isnan(got_f).any() and not torch.isnan(exp_f).any():
        return tr("your result contains NaN ({bad} of {n} values)", bad=int(torch.isnan(got_f).sum()), n=got_f.numel())
    bad = ~torch.isclose(got_f, exp_f, atol=atol, rtol=1e-4, equal_nan=True)
    return _first_differences(got_f, exp_f, bad) if bad.any() else None


def mismatch(got, expected, atol: float = 1e-5) -> str | None:
    """None if ``got`` matches ``expected``, else a sentence saying how they differ."""
    if isinstance(expected, torch.Tensor):
        return _tensor_mismatch(got, expected, atol)
    if isinstance(expected, tuple) and not isinstance(got, (tuple, list)):
        return tr("expected a tuple of {n} results, got a {type}", n=len(expected), type=type(got).__name__)
    if isinstance(expected, tuple):
        if len(got) != len(expected):
            return tr("expected {expected} results, got {got}", expected=len(expected), got=len(got))
        for i, (g, e) in enumerate(zip(got, expected)):
            problem = mismatch(g, e, atol)
            if problem:
                return tr("result {i}: {problem}", i=i, problem=problem)
        return None
    if isinstance(expected, bool) or not isinstance(expected, (int, float)):
        try:
            same = bool(got == expected) and type(got) is type(expected)
        except (TypeError, RuntimeError):
            same = False
        return None if same else tr(EXPECTED_GOT, expected=repr(expected), got=describe(got))
    kind = "float" if isinstance(expected, float) else "int"
    if isinstance(got, torch.Tensor):
        return tr(
            "expected a Python {kind}, got a tensor ({got}): convert it with {kind}(...) or .item()",
            kind=kind,
            got=describe(got),
        )
    if isinstance(got, bool) or not isinstance(got, (int, float)) or (kind == "int" and isinstance(got, float)):
        return tr(
            "expected a Python {kind}, got a {type}: {value}", kind=kind, type=type(got).__name__, value=f"{got!r:.60}"
        )
    if math.isnan(got) and math.isnan(expected):  # two wrong answers compared while diagnosing
        return None
    if math.isclose(got, expected, rel_tol=1e-4, abs_tol=atol):
        return None
    return tr(EXPECTED_GOT, expected=_num(expected), got=_num(got))
