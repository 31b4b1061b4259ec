"""transformer-lite: the small package behind the notebook course on the Transformer.

One concept per module: ``data`` (the toy translation task), ``attention``, ``layers``,
``models`` (``rnn``, ``transformer``), ``train``, ``decode``, ``metrics``, ``viz``,
``checks`` (exercise auto-checks) and ``recipes`` (the course's training settings).
"""

from .config import budget, fast_mode, pick_device, seed_everything

__version__ = "0.1.0"
__all__ = ["budget", "fast_mode", "pick_device", "seed_everything", "__version__"]
