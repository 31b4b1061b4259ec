"""Naming a student's mistake: the "Likely cause: ..." line of a failed check.

Two kinds of :class:`Mistake`, both with a stable short ``key`` (the class report counts them) and a
``why``, the one sentence the student reads (placeholders as named ``{fields}``, for translation):

- an exercise's own mistakes carry ``variants``: the wrong answer written as a student writes it. The
  student's function is run on the exercise's probes (inputs chosen so the mistakes differ from the
  right answer and from each other); a mistake is named when one of its variants gives the same
  outcome as the student's function on every probe (equal values, or the same error raised);
- :data:`GENERIC` mistakes look only at the failing case's result against the expected one (a tensor
  returned for a number, a transposed or rescaled result, an inverted mask, ...). They are tried when no
  exercise mistake matched.
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
    if not isinstance(err, NotImplementedError):
        return False
    frames = traceback.extract_tb(err.__traceback__)
    line = (frames[-1].line or "").lstrip() if frames else ""
    return not line or line.startswith("raise")


def outcome(fn, args, call=None):
    """What ``fn`` does on ``args``: ("value", result), ("raised", error type, first line of its message), or
    ("stub",). Anything it prints is swallowed: a diagnosis runs quietly."""
    try:
        with contextlib.redirect_stdout(io.StringIO()), torch.no_grad():
            value = call(fn, fresh(args)) if call else fn(*fresh(args))
        return ("value", _plain(value))
    except Exception as err:  # noqa: BLE001 (a student's code may raise anything)
        if stub(err):
            return ("stub",)
        message = re.sub(r"'[^']*'", "'?'", str(err).split("\n")[0][:200])  # names in quotes vary, the error not
        return ("raised", type(err).__name__, message)


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


def diagnose(fn, known, probes: Sequence[tuple], call=None) -> Mistake | None:
    """The first mistake one of whose variants reproduces the student's result on every probe. Failing
    that, when the reference is known, the variant that reproduces it on the most probes and never
    contradicts it (a second mistake may show where the variant agrees with the reference, as a missing
    special case does), or None. ``known``: :func:`known_outcomes`."""
    variants, right = known
    if not probes or not variants:
        return None
    student = [outcome(fn, args, call) for args in probes]
    if all(o[0] == "stub" for o in student):
        return None
    best, best_matched = None, 0
    for mistake, wrong in variants:
        same = [same_outcome(w, s) for w, s in zip(wrong, student)]
        if all(same):
            return mistake
        if right is None:
            continue
        contradicted = any(not ok and not same_outcome(w, r) for ok, w, r in zip(same, wrong, right))
        if not contradicted and sum(same) > best_matched:
            best, best_matched = mistake, sum(same)
    return best


# ---- generic mistakes: the failing case's result against the expected one --------------------------
def _close(a: torch.Tensor, b: torch.Tensor) -> bool:
    return a.shape == b.shape and bool(torch.allclose(a.double(), b.double(), atol=1e-5, rtol=1e-4))


def _tensors(got, expected):
    if isinstance(got, torch.Tensor) and isinstance(expected, torch.Tensor):
        return got.detach().cpu(), expected.detach().cpu()
    return None


def _returned_none(got, expected):
    return {} if got is None and expected is not None else None


def _not_a_tuple(got, expected):
    if isinstance(expected, tuple) and got is not None and not isinstance(got, (tuple, list)):
        return {"n": len(expected)}
    return None


def _swapped(got, expected):
    if isinstance(expected, tuple) and isinstance(got, (tuple, list)) and len(got) == len(expected) > 1:
        if mismatch(tuple(reversed(tuple(got))), expected) is None:
            return {}
    return None


def _tensor_for_number(got, expected):
    if isinstance(expected, (int, float)) and not isinstance(expected, bool) and isinstance(got, torch.Tensor):
        return {"kind": "float" if isinstance(expected, float) else "int"}
    return None


def _float_for_int(got, expected):
    if type(expected) is int and isinstance(got, float):
        return {}
    return None


def _wrong_dtype(got, expected):
    pair = _tensors(got, expected)
    if pair and pair[0].shape == pair[1].shape and (pair[0].dtype == torch.bool) != (pair[1].dtype == torch.bool):
        return {"got": str(pair[0].dtype).replace("torch.", ""), "expected": str(pair[1].dtype).replace("torch.", "")}
    return None


def _transposed(got, expected):
    pair = _tensors(got, expected)
    if not pair or pair[1].dim() < 2 or pair[0].dim() < 2 or pair[0].dtype != pair[1].dtype:
        return None
    flipped = pair[0].transpose(-2, -1)
    return {} if _close(flipped, pair[1]) and not _close(pair[0], pair[1]) else None


def _extra_dimension(got, expected):
    pair = _tensors(got, expected)
    if (
        pair
        and pair[0].dtype == pair[1].dtype
        and pair[0].shape != pair[1].shape
        and pair[0].numel() == pair[1].numel()
    ):
        if _close(pair[0].squeeze(), pair[1].squeeze()):
            return {"got": tuple(pair[0].shape), "expected": tuple(pair[1].shape)}
    return None


def _inverted(got, expected):
    pair = _tensors(got, expected)
    if pair and pair[0].dtype == torch.bool == pair[1].dtype and pair[0].shape == pair[1].shape:
        return {} if bool((pair[0] == ~pair[1]).all()) else None
    return None


def _nan(got, expected):
    pair = _tensors(got, expected)
    if pair and pair[0].is_floating_point() and torch.isnan(pair[0]).any() and not torch.isnan(pair[1].double()).any():
        return {}
    return None


def _ratio(got, expected):
    """The constant c with got = c * expected, when there is one (and it is not 1)."""
    if isinstance(got, bool) or isinstance(expected, bool):
        return None
    if isinstance(got, (int, float)) and isinstance(expected, (int, float)):
        return got / expected if expected and not math.isclose(got, expected, rel_tol=1e-4) else None
    pair = _tensors(got, expected)
    if not pair or pair[0].shape != pair[1].shape or not pair[0].is_floating_point():
        return None
    g, e = pair[0].double(), pair[1].double()
    if not torch.isfinite(g).all() or not torch.isfinite(e).all() or float((e * e).sum()) == 0.0:
        return None
    c = float((g * e).sum() / (e * e).sum())
    if abs(c - 1) < 1e-4 or not torch.allclose(g, c * e, atol=1e-6, rtol=1e-4):
        return None
    return c


def _sign(got, expected):
    c = _ratio(got, expected)
    return {} if c is not None and abs(c + 1) < 1e-4 else None


# A scalar differs from the expected one by some factor whatever the mistake: only a round one says something.
ROUND_FACTORS = (2.0, 0.5, 4.0, 0.25, 10.0, 0.1, 100.0, 0.01)


def _factor(got, expected):
    c = _ratio(got, expected)
    if c is None or abs(c + 1) < 1e-4:
        return None
    if isinstance(got, (int, float)) and not any(math.isclose(c, f, rel_tol=1e-6) for f in ROUND_FACTORS):
        return None
    return {"factor": f"{c:.4g}"}


def _off_by_one(got, expected):
    if type(got) is int and type(expected) is int and abs(got - expected) == 1:
        return {"got": got, "expected": expected}
    return None


GENERIC = (
    Mistake("returned_none", "the function returns None: its last line needs a return statement.", test=_returned_none),
    Mistake(
        "not_a_tuple", "the function returns one value; it should return a tuple of {n} results.", test=_not_a_tuple
    ),
    Mistake("results_swapped", "the results are right but returned in the wrong order.", test=_swapped),
    Mistake(
        "returned_tensor",
        "the function returns a tensor where a Python {kind} is expected: convert it with {kind}(...) or .item().",
        test=_tensor_for_number,
    ),
    Mistake("returned_float", "the function returns a float where a Python int is expected.", test=_float_for_int),
    Mistake("wrong_dtype", "the result has dtype {got}; the check expects dtype {expected}.", test=_wrong_dtype),
    Mistake(
        "result_inverted",
        "every True should be False and every False True: the convention is reversed.",
        test=_inverted,
    ),
    Mistake(
        "result_transposed", "the result is the transpose of the expected one: two axes are swapped.", test=_transposed
    ),
    Mistake(
        "extra_dimension",
        "the values are right but the shape is {got} instead of {expected}: a dimension of size 1 is extra or missing.",
        test=_extra_dimension,
    ),
    Mistake(
        "nan_in_result", "the result contains NaN: a row with every score at -inf, or a division by zero.", test=_nan
    ),
    Mistake("sign_flipped", "the result has the right size but the opposite sign.", test=_sign),
    Mistake(
        "constant_factor",
        "the result is {factor} times the expected one: a constant factor is wrong or missing.",
        test=_factor,
    ),
    Mistake("off_by_one", "the result is {got} instead of {expected}: off by one.", test=_off_by_one),
)


def generic(got, expected) -> tuple[Mistake, dict] | None:
    """The first generic mistake that explains ``got`` against ``expected``, with its sentence's fields."""
    for mistake in GENERIC:
        try:
            fields = mistake.test(got, expected)
        except Exception:  # noqa: BLE001 (a strange result is simply not explained)
            fields = None
        if fields is not None:
            return mistake, fields
    return None
