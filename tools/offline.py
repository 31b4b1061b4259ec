"""Pages that work with no network: the scripts nbconvert's pages load from CDNs, vendored next to them.

``vendor(out)`` copies reveal.js, MathJax 3, require.js, jQuery, the Jupyter widget manager and anywidget from
their npm packages into ``out/_static/`` (``npm pack`` fetches each once; npm's cache serves later
builds, so building needs the npm registry once and viewing never needs a network) and returns the
exporter settings that point the pages at them. nbconvert's templates configure MathJax 2; the
vendored MathJax 3 is started by ``mathjax-config.js`` below with the same TeX delimiters, and a
small ``MathJax.Hub`` stand-in keeps the reveal.js template's MathJax 2 calls harmless.
"""

from __future__ import annotations

import shutil
import subprocess
import tarfile
import tempfile
from importlib.metadata import version as installed_version
from pathlib import Path

STATIC = "_static"
# npm package -> (version, files or folders inside the package to copy, folder under _static/); a version of
# None is the installed Python package's of the same name, looked up when pages are built (tools.assignments
# imports this module in nbgrader's environment, which has no anywidget)
PACKAGES = {
    "reveal.js": ("4.0.2", ["dist", "plugin/notes"], "reveal.js"),  # the version nbconvert's template expects
    "mathjax": ("3.2.2", ["es5/tex-svg-full.js"], "mathjax"),  # SVG output: no font files to load
    "requirejs": ("2.3.7", ["require.js"], "requirejs"),
    "jquery": ("3.7.1", ["dist/jquery.min.js"], "jquery"),
    "@jupyter-widgets/html-manager": ("1.0.15", ["dist/embed-amd.js"], "html-manager"),  # ipywidgets 8
    # the front end of lab's keyboard widget (an AMD module); its version is the Python package's
    "anywidget": (None, ["dist/index.js"], "anywidget"),
}

MATHJAX_CONFIG = r"""// MathJax 3 with the delimiters notebooks use, loaded from the folder of this file (no network).
// nbconvert's templates call MathJax 2's API (MathJax.Hub) on slide changes and for widgets: harmless stand-ins.
var mathjax2 = {getAllJax: function () { return null; }, Rerender: function () {}, Queue: function () {}};
window.MathJax = {
  Hub: mathjax2,
  tex: {inlineMath: [['$', '$'], ['\\(', '\\)']], displayMath: [['$$', '$$'], ['\\[', '\\]']],
        processEscapes: true, processEnvironments: true, tags: 'ams'},
  svg: {fontCache: 'global'},
  startup: {ready: function () {
    MathJax.startup.defaultReady();
    MathJax.Hub = mathjax2;
  }}
};
(function () {
  var script = document.createElement('script');
  script.src = document.currentScript.src.replace(/[^\/]*$/, '') + 'mathjax/es5/tex-svg-full.js';
  script.async = true;
  document.head.appendChild(script);
})();
"""

# The widget manager asks require.js for a widget's front-end module before it tries a CDN: name the vendored
# ones, then load the manager itself (document.write keeps it synchronous, as a plain <script> tag would be).
WIDGETS_CONFIG = r"""// Widget front ends from the folder of this file (no network).
(function () {
  var here = document.currentScript.src.replace(/[^\/]*$/, '');
  require.config({paths: {anywidget: here + 'anywidget/dist/index'}});
  document.write('<script src="' + here + 'html-manager/dist/embed-amd.js"><\/script>');
})();
"""

# Notebooks here draw no mermaid diagrams; the templates import mermaid anyway, so give them a no-op module.
MERMAID_STUB = "data:text/javascript,export default {initialize() {}, run() {}, registerLayoutLoaders() {}};"


def _fetch(package: str, version: str, into: Path) -> Path:
    """The unpacked npm package (``npm pack`` from npm's cache or the registry)."""
    cmd = ["npm", "pack", "--silent", "--prefer-offline", f"{package}@{version}", "--pack-destination", str(into)]
    try:
        name = subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=300).stdout.split()[-1]
    except (OSError, subprocess.CalledProcessError) as err:
        raise RuntimeError(
            f"could not fetch {package}@{version} with npm for offline pages ({err}); install Node.js/npm "
            "and reach the npm registry once (its cache serves later builds)"
        ) from err
    with tarfile.open(into / name) as tar:
        tar.extractall(into / package.replace("/", "_"), filter="data")
    return into / package.replace("/", "_") / "package"


def _drop_web_fonts(folder: Path) -> None:
    """reveal.js themes @import Google Fonts; offline the system's fonts stand in, so drop the import."""
    for css in folder.rglob("*.css"):
        text = css.read_text(encoding="utf-8")
        kept = "\n".join(line for line in text.split("\n") if not line.startswith("@import url(https://"))
        if kept != text:
            css.write_text(kept, encoding="utf-8")


def vendor(out: Path) -> dict[str, str]:
    """Copy the vendored scripts into ``out/_static``; returns exporter trait values (relative URLs)."""
    static = Path(out) / STATIC
    with tempfile.TemporaryDirectory() as tmp:
        for package, (pinned, parts, folder) in PACKAGES.items():
            version = pinned or installed_version(package)
            target = static / folder
            stamp = target / f".version-{version}"
            if stamp.exists():
                continue
            shutil.rmtree(target, ignore_errors=True)
            unpacked = _fetch(package, version, Path(tmp))
            for part in parts:
                src, dst = unpacked / part, target / part
                dst.parent.mkdir(parents=True, exist_ok=True)
                shutil.copytree(src, dst) if src.is_dir() else shutil.copy(src, dst)
            _drop_web_fonts(target)
            stamp.touch()
    (static / "mathjax-config.js").write_text(MATHJAX_CONFIG, encoding="utf-8")
    (static / "widgets-config.js").write_text(WIDGETS_CONFIG, encoding="utf-8")
    return {
        "reveal_url_prefix": f"{STATIC}/reveal.js",
        "mathjax_url": f"{STATIC}/mathjax-config.js",
        "require_js_url": f"{STATIC}/requirejs/require.js",
        "jquery_url": f"{STATIC}/jquery/dist/jquery.min.js",
        "widget_renderer_url": f"{STATIC}/widgets-config.js",
        "mermaid_js_url": MERMAID_STUB,
        "mermaid_layout_elk_js_url": MERMAID_STUB,
    }


def configure(exporter, settings: dict[str, str]) -> None:
    """Point an nbconvert exporter at the vendored scripts (only the settings it has)."""
    for name, value in settings.items():
        if exporter.has_trait(name):
            setattr(exporter, name, value)
