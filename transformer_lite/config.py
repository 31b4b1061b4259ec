"""Run-time switches shared by the whole course: fast mode, seeds and the device.

Fast mode is the one switch that shrinks training so CI can execute every notebook
in minutes. It is read from the environment variable ``TRANSFORMER_LITE_FAST`` here,
and nowhere else. Students never need it: the default is the full course.
"""

from __future__ import annotations

import contextlib
import ctypes
import math
import os
import random
import sys
from pathlib import Path

import numpy as np
import torch

from . import checks as check

FAST_ENV_VAR = "TRANSFORMER_LITE_FAST"
THREADS_ENV_VAR = "TRANSFORMER_LITE_THREADS"
HUB_CPU_LIMIT_ENV_VAR = "CPU_LIMIT"  # set by JupyterHub's spawner from the hub's per-user cpu_limit
KEEP_MEMORY_ENV_VAR = "TRANSFORMER_LITE_KEEP_MEMORY"  # "0": leave glibc's allocator as it comes


def _data_dir() -> Path:
    """Where the corpus, vocabularies and checkpoints live. In a clone (or an editable install) that is
    the repository's top-level ``data/``, the source of truth; a regular ``pip install`` ships a copy of
    it inside the package as ``transformer_lite/_data`` (see setup.py)."""
    package = Path(__file__).resolve().parent
    repo_data = package.parent / "data"
    return repo_data if (repo_data / "corpus").is_dir() else package / "_data"


DATA_DIR = _data_dir()


FAST_ON, FAST_OFF = ("1", "true", "yes", "on"), ("", "0", "false", "no", "off")


def fast_mode() -> bool:
    """Whether ``TRANSFORMER_LITE_FAST`` asks for fast mode. Documented values (any case, spaces
    ignored): on "1", "true", "yes", "on"; off: unset, "", "0", "false", "no", "off". Anything else
    is a ``ValueError``: a typo must not silently switch the course's budgets."""
    value = os.environ.get(FAST_ENV_VAR, "").strip().lower()
    if value not in FAST_ON + FAST_OFF:
        raise ValueError(
            f"{FAST_ENV_VAR}={os.environ[FAST_ENV_VAR][:40]!r} is not understood: use 1/true/yes/on for fast "
            "mode, or 0/false/no/off (or unset it) for the full course"
        )
    return value in FAST_ON


LANG_ENV_VAR = "TRANSFORMER_LITE_LANG"
LANGUAGES = {"en": "English", "ko": "한국어 (Korean)"}


def language() -> str:
    """The language every string a student reads comes in: ``TRANSFORMER_LITE_LANG`` ("en", the default, or
    "ko"; any case, spaces ignored). Anything else is a ``ValueError`` naming the choices: a typo must not
    silently give the wrong edition. ``make lab-ko`` sets it for the Korean edition's kernels."""
    value = os.environ.get(LANG_ENV_VAR, "").strip().lower() or "en"
    if value not in LANGUAGES:
        raise ValueError(
            f"{LANG_ENV_VAR}={os.environ[LANG_ENV_VAR][:40]!r} is not a course language: use "
            + ", ".join(f"{code} ({name})" for code, name in LANGUAGES.items())
            + ", or unset it for English"
        )
    return value


GRADING_ENV_VAR = "NBGRADER_EXECUTION"  # nbgrader sets it ("autograde", "validate") in the kernel it grades in


def autograding() -> bool:
    """Whether nbgrader is executing this notebook (autograding or validating): the one place that
    asks. Then training cells load the shipped checkpoints and a failing exercise check raises
    ``AssertionError`` (nbgrader deducts its points) instead of only printing. Taught in TEACHING.md."""
    return bool(os.environ.get(GRADING_ENV_VAR, "").strip())


def budget(full, fast):
    """Pick ``full`` for the real course, ``fast`` under fast mode (CI)."""
    return fast if fast_mode() else full


def seed_everything(seed: int = 0) -> None:
    """Seed Python, NumPy and PyTorch (CPU and every GPU) so runs repeat. ``seed``: a whole number
    from 0 to 2**32 - 1 (checked before anything is seeded)."""
    seed = check.integer("seed", seed, minimum=0, maximum=2**32 - 1)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


def pick_device(prefer: str | None = None) -> torch.device:
    """CUDA if there is a GPU, else the CPU. Apple's ``"mps"`` only when asked for: other courses report
    wrong losses on it. Asking for a device that is not there (``"cuda"`` on a CPU machine, ``"cuda:3"``
    with two GPUs, ``"mps"`` off a Mac) is a ``ValueError`` that says what is available."""
    if prefer is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(prefer)
    except (RuntimeError, TypeError) as err:
        raise ValueError(
            f"pick_device(prefer={prefer!r}): not a device name; use 'cpu', 'cuda', 'cuda:0' or 'mps'"
        ) from err
    if not _device_exists(device):
        raise ValueError(
            f"pick_device(prefer={prefer!r}): this machine has no such device; available: {available_devices()}. "
            "Call pick_device() with no argument to take the best one."
        )
    return device


def available_devices() -> list[str]:
    """The devices this machine can run on, e.g. ``['cpu', 'cuda:0']``."""
    names = ["cpu"] + [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    mps = getattr(torch.backends, "mps", None)
    return names + (["mps"] if mps is not None and mps.is_available() else [])


def _device_exists(device: torch.device) -> bool:
    if device.type == "cuda":
        return torch.cuda.is_available() and (device.index or 0) < torch.cuda.device_count()
    return device.type == "cpu" or (device.type == "mps" and "mps" in available_devices())


def cpu_quota() -> int:
    """How many CPU threads this process should use: the smallest of ``TRANSFORMER_LITE_THREADS``,
    JupyterHub's ``CPU_LIMIT`` (the hub's per-user ``cpu_limit``), the cgroup quota (``cpu.max``, the
    container's or the systemd slice's limit) and the CPUs this process may run on (its affinity).
    On a shared machine, more threads than that only contend with each other (benchmarks/class_load.py)."""
    limits = [len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1]
    for var in (THREADS_ENV_VAR, HUB_CPU_LIMIT_ENV_VAR):
        value = os.environ.get(var, "").strip()
        if value:
            try:
                limits.append(math.ceil(float(value)))
            except ValueError:
                raise ValueError(f"{var}={value!r}: expected a number of CPUs, e.g. {var}=1") from None
    cgroup = _cgroup_cpus()
    if cgroup is not None:
        limits.append(cgroup)
    return max(1, min(limits))


def _cgroup_cpus(root: Path = Path("/sys/fs/cgroup")) -> int | None:
    """CPUs allowed by the cgroup quota (v2 ``cpu.max``, or v1 ``cpu.cfs_quota_us``), None if unlimited."""
    try:
        quota, period = (root / "cpu.max").read_text().split()[:2]
    except (OSError, ValueError):
        try:
            quota = (root / "cpu" / "cpu.cfs_quota_us").read_text().strip()
            period = (root / "cpu" / "cpu.cfs_period_us").read_text().strip()
        except OSError:
            return None
    if quota in ("max", "-1"):
        return None
    return max(1, math.ceil(int(quota) / int(period)))


def apply_thread_cap() -> int:
    """Lower torch's thread count to :func:`cpu_quota` (never raise it); called once when the package
    is imported. Returns the thread count in use."""
    threads = min(torch.get_num_threads(), cpu_quota())
    torch.set_num_threads(threads)
    return threads


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


# glibc's mallopt parameters (malloc.h): allocations up to this size come from the heap, and up to
# this much freed memory stays with the process instead of going back to the kernel.
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
HEAP_ALLOCATIONS_UP_TO, KEEP_FREED_UP_TO = 256 * 2**20, 1024 * 2**20


def reuse_freed_memory() -> bool:
    """Let the C allocator keep the memory of freed tensors for the next ones: allocations up to
    256 MiB come from the heap and up to 1 GiB of freed memory stays with the process. By default
    glibc maps every block over 32 MiB afresh and hands it back when freed, so a large tensor (an
    attention map of a long sentence) is faulted in 4 KB page by page at every call, which can cost
    more than the arithmetic: the explicit attention of notebooks 03 and 09 ran at 2.2x the time of
    PyTorch's fused kernel at L = 1024, 1.0-1.1x with this (benchmarks/attention.py). The price is
    memory: freed blocks are returned later, and a heap that cannot always reuse them grows (that
    attention's forward and backward peaked at 521 MiB instead of 396). Linux with glibc only, and
    not when ``TRANSFORMER_LITE_KEEP_MEMORY=0``. Returns whether it applied."""
    if os.environ.get(KEEP_MEMORY_ENV_VAR, "").strip() == "0" or not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
        return bool(libc.mallopt(_M_MMAP_THRESHOLD, HEAP_ALLOCATIONS_UP_TO)) and bool(
            libc.mallopt(_M_TRIM_THRESHOLD, KEEP_FREED_UP_TO)
        )
    except (OSError, AttributeError):  # another C library (musl): nothing to tune
        return False


apply_thread_cap()  # at package import: every notebook kernel starts within its CPU quota
reuse_freed_memory()
