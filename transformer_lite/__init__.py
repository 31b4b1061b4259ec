"""transformer-lite: the small package behind the notebook course on the Transformer.

Four layers, each importing only the ones before it (checked by ``tests/test_layout.py``):

* ``model/``: what a student reads, the paper's model: ``attention`` (and the masks),
  ``layers``, ``transformer``, ``rnn`` (the RNN baselines), ``gpt``; the checks at its doors in
  ``_doors``. Only torch.
* top-level modules, the task and the training around the model: ``checks``, ``checkpoints``,
  ``config``, ``lexicon`` and ``grammar`` (the toy task), ``data`` (vocabularies, batches), ``train``,
  ``decode``, ``lm`` (the GPT as a translator), ``sample``, ``metrics``, ``recipes`` (the course's
  training settings), ``claims``, ``hosted``, ``i18n`` (every
  sentence a student reads, in English or Korean).
* ``measure/``: what the notebooks measure (``rnn_limits``, ``scaling``, ``stacks``,
  ``heads``, ``complexity``).
* ``lab/``: everything interactive (``viz``, ``canvas``, ``demos``, ``browse``, ``stepper``,
  ``explorer``); the only place that imports ipywidgets.

The exercise graders (``exercises/``, one module per notebook) may import all of them.
"""

from .config import budget, fast_mode, pick_device, seed_everything
from .i18n import say, tr, use_fonts

use_fonts()  # Hangul in figures (the Korean edition, and the Korean toy language in both editions)

__version__ = "0.1.0"
__all__ = ["budget", "fast_mode", "pick_device", "say", "seed_everything", "tr", "__version__"]
