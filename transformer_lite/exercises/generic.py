"""Generic mistakes: what a failing case's result (or the error it raised) says by itself, whatever the
exercise. A check names one when none of the exercise's own mistakes matched (:mod:`.diagnosis`).

Each is a :class:`~.diagnosis.Mistake` with a ``test(got, expected) -> dict | None``: the fields of its
sentence when it applies. A sentence names a cause only when the result proves it (the transpose of the
expected tensor, a float where a size must be an int); a scalar's factor or offset is named only when the
exercise's probes show the same one (:func:`confirmed`), since any wrong number is some multiple of the
right one.
"""

from __future__ import annotations

import math
import re

import torch

from .compare import mismatch
from .diagnosis import Mistake, same_outcome


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


VALUE_MISTAKES = (
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


# ---- errors: the message of what the student's code raised says what went wrong -------------------------
def _raised(*patterns: str):
    def test(got, expected):
        if isinstance(got, BaseException) and any(re.search(p, str(got)) for p in patterns):
            return {}
        return None

    return test


ERROR_MISTAKES = (
    Mistake(
        "float_size",
        "a size or an index is a float: `/` always gives a float in Python; use `//` (or int(...)) for sizes and "
        "indices.",
        test=_raised(
            r"found element of type float", r"'float' object cannot be interpreted as an integer", r"got float"
        ),
    ),
    Mistake(
        "view_after_transpose",
        "view cannot follow a transpose or a permute (the tensor is no longer contiguous): use reshape, or "
        ".contiguous().view(...).",
        test=_raised(r"view size is not compatible with input tensor's size and stride"),
    ),
    Mistake(
        "float_as_index",
        "a float tensor is used where indices (word ids) are needed: an index comes from argmax or "
        "topk(...).indices, not from the values themselves.",
        test=_raised(r"indices' to have one of the following scalar types", r"used as indices must be long"),
    ),
    Mistake(
        "float_as_mask",
        "a float tensor is used as a mask: &, |, ~ and masked_fill need booleans (dtype=torch.bool, or a "
        "comparison such as ids != 0).",
        test=_raised(
            r"bitwise_(and|or|not)\w*\"? not implemented for '(Float|Double)'",
            r"only supports boolean masks",
            r"operator.invert\) is only implemented on integer and Boolean",
        ),
    ),
    Mistake(
        "caret_for_power",
        "^ is bitwise XOR in Python, not a power: write x ** 2, or x ** -0.5 for 1/sqrt(x).",
        test=_raised(r"unsupported operand type\(s\) for \^", r"bitwise_xor\w*\"? not implemented for"),
    ),
    Mistake(
        "tensor_as_truth_value",
        "a tensor of several numbers is used where Python needs one True or False (if, and, or, Python's "
        "min/max): use torch.minimum/maximum, & and |, or torch.where.",
        test=_raised(r"Boolean value of Tensor with more than one value is ambiguous"),
    ),
)
RANDOM_RESULT = Mistake(
    "result_random",
    "the function gives a different result each time on the same input: something in it is drawn at random.",
)
GENERIC = VALUE_MISTAKES + ERROR_MISTAKES + (RANDOM_RESULT,)
# Results that are a number: any wrong one is a multiple of (and an offset from) the right one.
SCALAR_CLAIMS = ("sign_flipped", "constant_factor", "off_by_one")


def generic(got, expected) -> tuple[Mistake, dict] | None:
    """The first generic mistake that explains ``got`` (a result or a raised error) against ``expected``,
    with its sentence's fields."""
    for mistake in ERROR_MISTAKES if isinstance(got, BaseException) else VALUE_MISTAKES:
        try:
            fields = mistake.test(got, expected)
        except Exception:  # noqa: BLE001 (a strange result is simply not explained)
            fields = None
        if fields is not None:
            return mistake, fields
    return None


def confirmed(mistake: Mistake, fields: dict, got, student, right) -> bool:
    """A generic claim about a number (a factor, a sign, an offset) holds when the probes show it too:
    wherever the student's outcome differs from the reference's, the same test gives the same factor.
    Claims about tensors, and exercises without probes and a reference, are taken as they are."""
    if mistake.key not in SCALAR_CLAIMS or isinstance(got, (torch.Tensor, bool)) or not right:
        return True
    for s, r in zip(student, right):
        if same_outcome(s, r):
            continue
        if s[0] != "value" or r[0] != "value":
            return False
        shown = mistake.test(s[1], r[1])
        if shown is None or shown.get("factor") != fields.get("factor"):
            return False
    return True
