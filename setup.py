"""Packaging glue that pyproject.toml cannot express: the top-level ``data/`` folder (the source of truth
for the corpus, vocabularies, checkpoints and figures) is shipped inside the wheel as
``transformer_lite/_data``, so a regular ``pip install .`` finds it (``transformer_lite.config.DATA_DIR``); the
translation catalogs of ``i18n/`` likewise as ``transformer_lite/_i18n`` (``transformer_lite.i18n.I18N_DIR``)."""

from setuptools import find_namespace_packages, find_packages, setup

DATA = "transformer_lite._data"
DATA_PACKAGES = [DATA] + [f"{DATA}.{sub}" for sub in find_namespace_packages(where="data")]
DATA_FILES = ["*.md", "*.txt", "*.tsv", "*.pt", "*.png", "*.json"]
I18N = "transformer_lite._i18n"  # i18n/ (the translation catalogs) -> transformer_lite/_i18n
I18N_PACKAGES = [I18N] + [f"{I18N}.{sub}" for sub in find_namespace_packages(where="i18n")]

setup(
    packages=find_packages(include=["transformer_lite", "transformer_lite.*"]) + DATA_PACKAGES + I18N_PACKAGES,
    package_dir={DATA: "data", I18N: "i18n"},
    package_data={package: DATA_FILES for package in DATA_PACKAGES}
    | {package: ["*.po", "*.md"] for package in I18N_PACKAGES},
)
