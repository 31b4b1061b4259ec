"""The benchmarks: each writes ``benchmarks/results/<name>.json``. Run one from the repository root as a
module, ``python -m benchmarks.class_load`` (those that use ``tools/`` or a sibling need it; the others also
run as scripts)."""
