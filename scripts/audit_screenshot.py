"""Audit a typed solution and screenshot its HTML report in headless chromium (the README's image).

Usage: python scripts/audit_screenshot.py [SOLUTION PROBLEM OUT.png]; by default the Markdown solution
derivations/solutions/seed002-p1-network.md against its problem, written to docs/audit-page.png.
Needs chromium, chromium-driver and KaTeX (bash scripts/install-browser.sh) and selenium.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service

from symderiv.audit import audit
from symderiv.kinds import load
from symderiv.render.audit_report import audit_html

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = (ROOT / "derivations" / "solutions" / "seed002-p1-network.md",
           ROOT / "derivations" / "seed002-p1-network.toml", ROOT / "docs" / "audit-page.png")


def main(argv: list[str]) -> int:
    solution, problem, out = (Path(a) for a in argv) if len(argv) == 3 else DEFAULT
    result = audit(load(problem), solution.read_text(encoding="utf-8"), solution.suffix[1:])
    options = Options()
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=900,1900", "--hide-scrollbars"):
        options.add_argument(argument)
    options.binary_location = shutil.which("chromium")
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "audit.html"
        page.write_text(audit_html(result, solution.name), encoding="utf-8")
        driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
        try:
            driver.get(page.as_uri())
            driver.save_screenshot(str(out))
        finally:
            driver.quit()
    print(f"{out}: {result.summary()}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
