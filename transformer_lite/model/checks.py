"""Argument checks shared by the package's public entry points (torch and stdlib only).

Every check raises a ``ValueError`` or ``TypeError`` whose message names the argument, shows
its value (shortened) and says what would work. Checks on types, dtypes, shapes and Python
numbers cost nanoseconds; a scan of tensor values (``finite``, ``ids``) costs a pass over the
data, so it runs once at a public entry point, never per layer or per decoding step.
"""

from __future__ import annotations

import math
import numbers
import os
import pickle
from pathlib import Path

import torch

# Below MIN_TEMPERATURE every map is one-hot already, and far below it the scores overflow to
# inf and the softmax returns NaN; above MAX_TEMPERATURE every map is uniform.
MIN_TEMPERATURE, MAX_TEMPERATURE = 0.01, 1e6


def show(value, limit: int = 60) -> str:
    """repr(value), cut to ``limit`` characters with a count of what was left out."""
    text = repr(value)
    if len(text) <= limit:
        return text
    size = f"{len(value):,} characters" if isinstance(value, str) else f"{len(text):,} characters of repr"
    return f"{text[: limit - 3]}... ({size})"


def show_list(items, limit: int = 5) -> str:
    """The first ``limit`` items, then how many more."""
    items = list(items)
    shown = ", ".join(show(x, 40) for x in items[:limit])
    return shown + (f" and {len(items) - limit:,} more" if len(items) > limit else "")


def integer(name: str, value, minimum: int | None = 1, maximum: int | None = None) -> int:
    """An int (not a bool, not a float) in [minimum, maximum] (None: no bound)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        at_least = "" if minimum is None else f" >= {minimum}"
        raise TypeError(f"{name} must be a whole number{at_least}; got {show(value)} ({type(value).__name__})")
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        bound = f"between {minimum} and {maximum}" if maximum is not None else f">= {minimum}"
        raise ValueError(f"{name} must be {bound}; got {value}")
    return int(value)


def optional_integer(name: str, value, minimum: int = 1) -> int | None:
    """None (use the default) or :func:`integer`."""
    return None if value is None else integer(name, value, minimum)


def number(name: str, value, low: float, high: float, low_open: bool = False, high_open: bool = False) -> float:
    """A finite real number in the interval low..high (ends closed unless ``*_open``)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number; got {show(value)} ({type(value).__name__})")
    v = float(value)
    too_low = v <= low if low_open else v < low
    too_high = v >= high if high_open else v > high
    if not math.isfinite(v) or too_low or too_high:
        interval = f"{'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
        raise ValueError(f"{name} must be a finite number in {interval}; got {value}")
    return v


def probability(name: str, value) -> float:
    """A dropout-style probability in [0, 1)."""
    return number(name, value, 0.0, 1.0, high_open=True)


def temperature(value, name: str = "temperature") -> float:
    """None means 1 (no change); otherwise a number in [MIN_TEMPERATURE, MAX_TEMPERATURE]."""
    if value is None:
        return 1.0
    if isinstance(value, float) and MIN_TEMPERATURE <= value <= MAX_TEMPERATURE:
        return value  # the common case, checked in nanoseconds
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number; got {show(value)} ({type(value).__name__})")
    if not MIN_TEMPERATURE <= value <= MAX_TEMPERATURE:  # NaN fails this too
        raise ValueError(
            f"{name} must be positive and finite, from {MIN_TEMPERATURE:g} (sharp) to {MAX_TEMPERATURE:g} "
            f"(uniform); got {value}"
        )
    return float(value)


def flag(name: str, value) -> bool:
    """True or False, nothing truthy: ``"no"`` would read as True."""
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False; got {show(value)} ({type(value).__name__})")
    return value


def tensor(name: str, value, dims: tuple[int, ...] | None = None, floating: bool = True) -> torch.Tensor:
    """A tensor of floating dtype (or integer dtype when ``floating`` is False) with a number of
    dimensions in ``dims``."""
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor; got {type(value).__name__} (try torch.tensor({name}))")
    if floating and not value.is_floating_point():
        raise TypeError(f"{name} must hold floating-point numbers; got dtype {value.dtype} (try {name}.float())")
    if not floating and (value.is_floating_point() or value.is_complex() or value.dtype == torch.bool):
        raise TypeError(f"{name} must hold integer ids; got dtype {value.dtype} (try {name}.long())")
    if dims is not None and value.dim() not in dims:
        want = " or ".join(str(d) for d in dims)
        raise ValueError(f"{name} must have {want} dimensions; got shape {tuple(value.shape)}")
    return value


def sequences(widths: dict[str, tuple[str, int]], **tensors) -> None:
    """(batch, L, width) float tensors of one dtype; ``widths`` maps a name to its width's name
    and size, e.g. {"query": ("d_model", 8)} (names left out may have any width)."""
    for name, t in tensors.items():
        tensor(name, t)
        label, size = widths.get(name, ("E", None))
        if t.dim() != 3 or (size is not None and t.shape[-1] != size):
            raise ValueError(
                f"{name} must be (batch, L, {label}{'' if size is None else f'={size}'}); got {tuple(t.shape)}"
            )
    same_dtype(**tensors)


def finite(name: str, value: torch.Tensor) -> None:
    """No NaN or inf (a scan of the values: public entry points only)."""
    if not bool(torch.isfinite(value).all()):
        raise ValueError(f"{name} holds NaN or inf values; attention over them would be NaN: fix the input first")


def same_dtype(**tensors: torch.Tensor) -> None:
    dtypes = {t.dtype for t in tensors.values()}
    if len(dtypes) > 1:
        listed = ", ".join(f"{n} {t.dtype}" for n, t in tensors.items())
        raise TypeError(f"{', '.join(tensors)} need one dtype; got {listed} (convert with .to(q.dtype))")


def bool_mask(name: str, mask, target: tuple[int, ...], hint: str = "") -> torch.Tensor:
    """A bool mask (True = may attend) that broadcasts to ``target``. Plain loops, not
    torch.broadcast_shapes: this runs for every decoding step."""
    if not isinstance(mask, torch.Tensor):
        raise TypeError(f"{name} must be a bool torch.Tensor (True = may attend); got {type(mask).__name__}")
    if mask.dtype != torch.bool:
        raise TypeError(
            f"{name} must be a bool tensor (True = may attend); got dtype {mask.dtype}. Convert 0/1 numbers with "
            f"{name}.bool(), an additive float mask (0 = attend, -inf = blocked) with {name} == 0"
        )
    ok = mask.dim() <= len(target) and all(m in (1, t) for m, t in zip(reversed(mask.shape), reversed(target)))
    if not ok:
        raise ValueError(f"{name} of shape {tuple(mask.shape)} does not broadcast to {target}{hint}")
    return mask


def ids(name: str, value, vocab_size: int) -> torch.Tensor:
    """(batch, L) integer token ids in [0, vocab_size) (scans the values: entry points only)."""
    tensor(name, value, dims=(2,), floating=False)
    if value.numel() and (int(value.min()) < 0 or int(value.max()) >= vocab_size):
        raise ValueError(
            f"{name} holds ids from {int(value.min())} to {int(value.max())}; this model's vocabulary has "
            f"ids 0 to {vocab_size - 1} (encode words with the model's Vocab)"
        )
    return value


def key_mask(name: str, mask, ids_: torch.Tensor) -> torch.Tensor:
    """A (batch, L) bool mask, True for real tokens, the shape of the ids it belongs to."""
    if not isinstance(mask, torch.Tensor) or mask.dtype != torch.bool:
        bool_mask(name, mask, tuple(ids_.shape))  # raises with the conversion hint
    if mask.shape != ids_.shape:
        raise ValueError(f"{name} must have the shape of its ids {tuple(ids_.shape)}; got {tuple(mask.shape)}")
    return mask


class CheckpointError(ValueError):
    """A checkpoint file that cannot be loaded: empty, truncated, corrupt, foreign or unsafe."""


def read_checkpoint(path, map_location):
    """``torch.load(path, weights_only=True)`` with the package's own errors: a missing, empty,
    truncated, foreign or unsafe file is named as such, never with advice to load pickled code."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a checkpoint file (str or Path); got {show(path)}")
    file = Path(path)
    if not file.exists():
        raise FileNotFoundError(f"checkpoint {file} does not exist: check the path (shipped ones: data/checkpoints)")
    if file.is_dir():
        raise CheckpointError(f"checkpoint {file} is a folder; give the .pt file inside it")
    if file.stat().st_size == 0:
        raise CheckpointError(f"checkpoint {file} is empty (0 bytes): the save was cut short; save it again")
    try:
        return torch.load(file, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as e:
        if "Unsupported global" in str(e) or "GLOBAL" in str(e):
            raise CheckpointError(
                f"checkpoint {file} holds pickled Python objects, which could run code, so it was not loaded; "
                "load only files written by save_checkpoint"
            ) from None
        raise CheckpointError(f"checkpoint {file} is not a torch checkpoint, or is corrupt; not loaded") from None
    except (RuntimeError, EOFError, OSError, KeyError, ValueError, TypeError, IndexError, AttributeError) as e:
        raise CheckpointError(
            f"checkpoint {file} is truncated or corrupt ({type(e).__name__}); save it again or use a shipped one"
        ) from None
