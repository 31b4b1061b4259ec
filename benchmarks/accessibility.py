"""axe-core over what the course renders: notebook 08 in JupyterLab with the explorer open (its
table view on), the HTML reading copy and the slides. Also records the colour figures of
tests/test_colour.py.

axe-core is the engine web developers use (Deque's, from npm; installed into .venv/node by the
Makefile, version pinned there). Each page is audited in headless Chromium; a violation counts
when it is serious or critical and lies in what this project renders. In JupyterLab that is the
notebook's cells (their rendered markdown and outputs, widgets included); violations in
JupyterLab's own interface (menus, side bars, toolbars, the cell prompts and editors) are listed
in the results, not counted.

Run: ``python benchmarks/accessibility.py [--html build/html] [--slides build/slides]`` after
``make html slides`` (writes benchmarks/results/accessibility.json).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
import tempfile
from pathlib import Path

from benchmarks.colour import colour_figures
from tools import lab

ROOT = Path(__file__).resolve().parent.parent
AXE = ROOT / ".venv" / "node" / "node_modules" / "axe-core" / "axe.min.js"
OUT = ROOT / "benchmarks" / "results" / "accessibility.json"
COUNTED = ("serious", "critical")
# In JupyterLab, what the notebook's author renders: rendered markdown and outputs (widgets included).
OURS_IN_LAB = ".jp-MarkdownOutput, .jp-OutputArea-output"


RUN_AXE = """async ([ours]) => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => {
      const el = document.querySelector(n.target[0]);
      return {target: n.target.join(' '), html: n.html.slice(0, 160),
              ours: ours === '*' || !!(el && el.closest(ours)), summary: n.failureSummary.slice(0, 200)};
    }),
  }));
}"""


def audit(page, ours: str = "*") -> dict:
    """Run axe-core on the open page. Returns {"counted": [...], "not_counted": [...]}: one entry
    per (rule, node); counted = serious or critical and inside ``ours`` (a CSS selector)."""
    if not AXE.exists():
        raise FileNotFoundError(
            f"{AXE} is missing: `make test` (or make .venv/node/node_modules/axe-core/axe.min.js) installs it"
        )
    page.add_script_tag(path=str(AXE))
    counted, not_counted = [], []
    for v in page.evaluate(RUN_AXE, [ours]):
        for node in v["nodes"]:
            entry = {"rule": v["id"], "impact": v["impact"], "help": v["help"], **node}
            (counted if v["impact"] in COUNTED and node["ours"] else not_counted).append(entry)
    return {"counted": counted, "not_counted": not_counted}


def audit_explorer(url: str, browser) -> dict:
    """Notebook 08 run in JupyterLab, the explorer open with its table view on."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    state = lab.run_all(page, url)
    if state["errors"]:
        raise RuntimeError("notebook 08 failed:\n" + "\n".join(state["errors"]))
    explorer = page.locator(".attention-explorer")
    explorer.scroll_into_view_if_needed()
    explorer.locator("img.attention-explorer-figure").wait_for(timeout=30_000)
    explorer.locator(".widget-checkbox input").check()
    explorer.locator("table.tl-weights").wait_for(timeout=30_000)
    result = audit(page, OURS_IN_LAB)
    page.close()
    return result


def audit_file(path: Path, browser) -> dict:
    """A static page (HTML reading copy or slides) from file://, everything on it ours."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:")) else r.abort())
    page.goto(path.as_uri(), wait_until="load", timeout=60_000)
    page.wait_for_timeout(500)  # MathJax and reveal.js lay the page out
    result = audit(page)
    page.close()
    return result


def main(argv: list[str] | None = None) -> dict:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--html", default=str(ROOT / "build" / "html"), help="the reading copy (make html)")
    parser.add_argument("--slides", default=str(ROOT / "build" / "slides"), help="the slides (make slides)")
    args = parser.parse_args(argv)
    pages = {
        "html": sorted(Path(args.html).glob("[0-9][0-9]_*.html")),
        "slides": sorted(Path(args.slides).glob("*.html")),
    }
    for kind, found in pages.items():
        if not found:
            sys.exit(f"no {kind} pages found: build them first (make {kind})")
    load_before = os.getloadavg()
    audits = {}
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = lab.chromium(p)
        try:
            with lab.serve(ROOT / "notebooks" / "08_exploring_attention.ipynb", Path(tmp)) as url:
                audits["jupyterlab: 08 with the explorer open"] = audit_explorer(url, browser)
            for kind, found in pages.items():
                for path in found:
                    audits[f"{kind}: {path.name}"] = audit_file(path, browser)
            version = browser.version
        finally:
            browser.close()
    colour = colour_figures()
    result = {
        "what": __doc__.split("Run:")[0].strip(),
        "counted_violations": sum(len(a["counted"]) for a in audits.values()),
        "pages": {
            name: {"counted": len(a["counted"]), "not_counted": len(a["not_counted"]), **a}
            for name, a in audits.items()
        },
        "colour": colour,
        "axe_core": json.loads((AXE.parent / "package.json").read_text())["version"],
        "browser": f"Chromium {version} (headless)",
        "load_average_before": [round(x, 2) for x in load_before],
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }
    OUT.write_text(json.dumps(result, indent=2) + "\n")
    for name, a in audits.items():
        rules = sorted({v["rule"] for v in a["not_counted"]})
        print(f"{name:55s} counted {len(a['counted'])}  not counted {len(a['not_counted'])} {rules}")
    print(f"counted violations: {result['counted_violations']}; written to {OUT}")
    return result


if __name__ == "__main__":
    main()
