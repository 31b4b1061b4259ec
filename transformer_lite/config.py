"""Run-time switches shared by the whole course: fast mode, seeds and the device.

Fast mode is the one switch that shrinks training so CI can execute every notebook
in minutes. It is read from the environment variable ``TRANSFORMER_LITE_FAST`` here,
and nowhere else. Students never need it: the default is the full course.
"""

from __future__ import annotations

import contextlib
import os
import random
from pathlib import Path

import numpy as np
import torch

FAST_ENV_VAR = "TRANSFORMER_LITE_FAST"
# Where the corpus, vocabularies and checkpoints live (one place; the install issue may move it).
DATA_DIR = Path(__file__).resolve().parent.parent / "data"


def fast_mode() -> bool:
    """True when ``TRANSFORMER_LITE_FAST`` is set to anything but "", "0" or "false"."""
    return os.environ.get(FAST_ENV_VAR, "").strip().lower() not in ("", "0", "false", "no")


def budget(full, fast):
    """Pick ``full`` for the real course, ``fast`` under fast mode (CI)."""
    return fast if fast_mode() else full


def seed_everything(seed: int = 0) -> None:
    """Seed Python, NumPy and PyTorch (CPU and every GPU) so runs repeat."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


def pick_device(prefer: str | None = None) -> torch.device:
    """The best device available: cuda, then mps, then cpu (or ``prefer`` if given)."""
    if prefer is not None:
        return torch.device(prefer)
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


@contextlib.contextmanager
def single_thread():
    """Run a block on one CPU thread, then restore the thread count. For one sentence at a
    time (the explorer) or timing small ops, more threads buy nothing, and on a busy machine
    their synchronisation can cost 100x."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)
