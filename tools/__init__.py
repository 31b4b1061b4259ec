"""The repository's tools: the course's builders (``assignments``, ``editions``, ``offline``), the notebook
runner (``nbrun``), the class hub and the course image for tests and benchmarks (``classhub``, ``image``,
``lab``), the layout checker (``import_graph``) and a stress script.

Run them from the repository root as modules, ``python -m tools.assignments --out build/course``; the tests
and benchmarks import them (``from tools import nbrun``: pytest puts the root on ``sys.path``, see
pyproject.toml). They are not shipped with the ``transformer_lite`` package.
"""
