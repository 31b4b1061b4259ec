"""Naming a student's mistake: the "Likely cause: ..." line of a failed check.

Two kinds of :class:`Mistake`, both with a stable short ``key`` (the class report counts them) and a
``why``, the one sentence the student reads (placeholders as named ``{fields}``; a string literal, which babel
extracts for the catalog since ``Mistake`` is one of tools/translate.py's keywords; translated when shown):

- an exercise's own mistakes carry ``variants``: the wrong answer written as a student writes it. The
  student's function is run on the exercise's probes (inputs chosen so the mistakes differ from the
  right answer and from each other); a mistake is named when one of its variants gives the same
  outcome as the student's function on every probe (equal values, the same error raised, or a result
  that changes from one random seed to the next: a variant that samples names every answer that does);
- generic mistakes (:mod:`.generic`) look only at the failing case's result, or error, against the
  expected one (a tensor returned for a number, a transposed or rescaled result, a float used as a
  size, ...). They are tried when no exercise mistake matched.
"""

from __future__ import annotations

import contextlib
import io
import math
import re
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch

from .compare import mismatch


@dataclass(frozen=True)
class Mistake:
    """A known wrong answer. ``variants``: functions with the exercise's signature that make it;
    ``test(got, expected) -> dict | None`` (generic mistakes): the fields of ``why`` when it applies."""

    key: str
    why: str
    variants: tuple[Callable, ...] = ()
    test: Callable | None = None

    def __init__(self, key: str, why: str, *variants: Callable, test: Callable | None = None):
        object.__setattr__(self, "key", key)
        object.__setattr__(self, "why", why)
        object.__setattr__(self, "variants", variants)
        object.__setattr__(self, "test", test)


def fresh(value):
    """A copy of probe arguments that a function may change in place (tensors cloned, modules kept)."""
    if isinstance(value, torch.Tensor):
        return value.clone()
    if isinstance(value, (tuple, list)):
        return type(value)(fresh(v) for v in value)
    return value


def _plain(value):
    """Results as compared while diagnosing: a list as a tuple, a 0-d tensor as a Python number (so a
    wrong formula is named even when it also returns a tensor)."""
    if isinstance(value, list):
        value = tuple(value)
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    if isinstance(value, torch.Tensor) and value.dim() == 0 and value.dtype != torch.bool:
        return value.item()
    return value


def stub(err: BaseException) -> bool:
    """A NotImplementedError the student's code raises itself (the stub's ``raise``), not one a library
    raises for them (torch: an operation a dtype does not support)."""
    if not isinstance(err, NotImplementedError) or "not implemented for '" in str(err):
        return False  # torch's own: '"bitwise_and_cpu" not implemented for 'Float''
    frames = traceback.extract_tb(err.__traceback__)
    line = (frames[-1].line or "").lstrip() if frames else ""
    return not line or line.startswith("raise")


def _run(fn, args, call, seed: int):
    try:
        with contextlib.redirect_stdout(io.StringIO()), torch.no_grad(), torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            value = call(fn, fresh(args)) if call else fn(*fresh(args))
        return ("value", _plain(value))
    except Exception as err:  # noqa: BLE001 (a student's code may raise anything)
        if stub(err):
            return ("stub",)
        message = re.sub(r"'[^']*'", "'?'", str(err).split("\n")[0][:200])  # names in quotes vary, the error not
        return ("raised", type(err).__name__, message)


def outcome(fn, args, call=None):
    """What ``fn`` does on ``args``: ("value", result), ("raised", error type, first line of its message),
    ("random",) when its result changes with the random seed (it samples), or ("stub",). Anything it
    prints is swallowed, and the caller's random state is left as it was: a diagnosis runs quietly."""
    first = _run(fn, args, call, seed=0)
    if first[0] == "value" and not same_outcome(first, _run(fn, args, call, seed=1)):
        return ("random",)
    return first


def _near(a, b) -> bool:
    """Equal up to rounding: 1e-3 of the expected value's scale (float32 against float64 sines of large
    angles differ by 1e-4; learning rates are 1e-4 themselves, so the scale is the value's own)."""
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(_near(x, y) for x, y in zip(a, b))
    if isinstance(b, torch.Tensor) and isinstance(a, torch.Tensor) and b.is_floating_point() and a.is_floating_point():
        if a.shape != b.shape or not torch.equal(torch.isnan(a), torch.isnan(b)):
            return False
        a, b = (
            torch.nan_to_num(a.double(), posinf=1e300, neginf=-1e300),
            torch.nan_to_num(b.double(), posinf=1e300, neginf=-1e300),
        )
        return bool((a - b).abs().max() <= 1e-3 * b.abs().max() + 1e-9) if b.numel() else True
    if type(a) is float and type(b) is float:
        return a == b or math.isnan(a) and math.isnan(b) or abs(a - b) <= 1e-3 * abs(b) + 1e-12
    return mismatch(a, b, atol=1e-6) is None


def same_outcome(a, b) -> bool:
    if a[0] != b[0]:
        return False
    if a[0] != "value":
        return a[1:] == b[1:]
    try:
        return _near(a[1], b[1])
    except Exception:  # noqa: BLE001 (values that cannot be compared are not the same)
        return False


def known_outcomes(mistakes: Sequence[Mistake], probes: Sequence[tuple], call=None, reference=None):
    """What every variant (and the reference) does on the probes: computed once per exercise."""
    variants = [(m, [outcome(v, args, call) for args in probes]) for m in mistakes for v in m.variants]
    right = [outcome(reference, args, call) for args in probes] if reference else None
    return variants, right


def diagnose(fn, known, probes: Sequence[tuple], call=None) -> tuple[Mistake | None, list]:
    """The first mistake one of whose variants reproduces the student's result on every probe. Failing
    that, when the reference is known, the variant that reproduces it on the most probes and never
    contradicts it (a second mistake may show where the variant agrees with the reference, as a missing
    special case does; where both raise, written another way, they may raise differently), or None; with
    the student's outcomes on the probes. ``known``: :func:`known_outcomes`."""
    variants, right = known
    if not probes:
        return None, []
    student = [outcome(fn, args, call) for args in probes]
    if all(o[0] == "stub" for o in student):
        return None, student
    best, best_matched = None, 0
    for mistake, wrong in variants:
        same = [same_outcome(w, s) for w, s in zip(wrong, student)]
        if all(same):
            return mistake, student
        if right is None:
            continue
        contradicted = any(
            not ok and not same_outcome(w, r) and not w[0] == s[0] == "raised"  # two errors: a shape, not a cause
            for ok, w, r, s in zip(same, wrong, right, student)
        )
        if not contradicted and sum(same) > best_matched:
            best, best_matched = mistake, sum(same)
    return best, student
