"""Everything interactive: pictures (``viz``, ``canvas``), the notebook widgets (``demos``,
``browse``, ``stepper``), the attention explorer (``explorer`` and its ``explorer_widget``
shell) and the corpus data card (``datacard``). The only package that imports ipywidgets.

Layering: lab sits on top; it may import ``measure``, the top-level modules and ``model``,
and nothing imports it (except the exercises).
"""

from .access import name_figures

name_figures()  # in a notebook, figures carry an alt text (JupyterLab's image renderer gives none)
