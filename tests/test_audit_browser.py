"""The audit's HTML report in a real headless browser (Debian's chromium and chromium-driver, driven by
Selenium; installed by scripts/install-browser.sh): the marks and the maths render from KaTeX inside the
page, nothing is fetched; and the audit's PDF compiles."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from symderiv.audit import audit
from symderiv.kinds import load
from symderiv.render.audit_report import audit_html, audit_latex, katex_dir

ROOT = Path(__file__).resolve().parents[1]
SOLUTION = ROOT / "derivations" / "solutions" / "seed002-p1-network.md"
PROBLEM = ROOT / "derivations" / "seed002-p1-network.toml"


def _browser_missing() -> str | None:
    """Why the browser test cannot run, or None."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[test]')"
    for tool in ("chromium", "chromedriver"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed"
    if katex_dir() is None:
        return "KaTeX (libjs-katex) is not installed"
    return None


def _install_browser() -> str | None:
    """Run the project's install script when something is missing; why the test still cannot run."""
    missing = _browser_missing()
    if missing is None or missing.startswith("selenium"):
        return missing
    proc = subprocess.run(["bash", str(ROOT / "scripts" / "install-browser.sh")], capture_output=True,
                          timeout=1800, text=True)
    still = _browser_missing()
    if still is not None:
        tail = " ".join((proc.stdout + proc.stderr).split()[-30:])
        return f"scripts/install-browser.sh could not install the browser ({still}): {tail}"
    return None


@pytest.fixture(scope="module")
def solution_audit():
    return audit(load(PROBLEM), SOLUTION.read_text(encoding="utf-8"), "md")


def open_page(path: Path, width: int = 1000, height: int = 2400):
    """A headless chromium showing `path` (the caller quits it)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     f"--window-size={width},{height}"):
        options.add_argument(argument)
    options.binary_location = shutil.which("chromium")
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    driver.set_page_load_timeout(60)
    driver.get(path.resolve().as_uri())
    return driver


@pytest.mark.slow
def test_html_report_renders_marks_and_maths_in_a_browser(tmp_path: Path, solution_audit) -> None:
    why = _install_browser()
    if why is not None:
        pytest.skip(why)
    page = tmp_path / "audit.html"
    page.write_text(audit_html(solution_audit, SOLUTION.name), encoding="utf-8")
    driver = open_page(page)
    try:
        blocks = [b for b in solution_audit.document.blocks if b.not_read is None]
        rendered = driver.find_elements("css selector", ".math .katex")
        assert len(rendered) >= len(blocks), f"{len(rendered)} maths rendered for {len(blocks)} blocks"
        assert driver.find_elements("css selector", ".katex-error") == []
        wrong = driver.find_elements("css selector", ".mark.incorrect")
        assert sorted(int(e.get_attribute("title").split()[1].rstrip(":")) for e in wrong) == [29, 41, 50]
        assert len(driver.find_elements("css selector", ".mark.correct")) >= 5
        notes = driver.find_elements("css selector", ".note")
        assert sorted(int(n.get_attribute("data-line")) for n in notes) == [31, 43, 51]
        assert all(n.find_elements("css selector", ".katex") for n in notes)  # the link typeset in each note
        text = driver.execute_script("return document.body.innerText")
        assert "$$" not in text and "\\frac" not in text  # no raw maths left on the page
        fetched = driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
        assert fetched == []  # KaTeX and its fonts are inside the page
        shot = tmp_path / "audit.png"
        assert driver.save_screenshot(str(shot))
        assert shot.stat().st_size > 50_000  # a page of typeset maths, not a blank one
    finally:
        driver.quit()


@pytest.mark.slow
def test_audit_pdf_compiles(tmp_path: Path, solution_audit) -> None:
    from symderiv.render.pdf import compile_pdf, engine

    if engine() is None:
        subprocess.run(["bash", str(ROOT / "scripts" / "install-tex.sh")], capture_output=True, timeout=1800)
    if engine() is None:
        pytest.skip("pdflatex could not be installed by scripts/install-tex.sh")
    out = tmp_path / "audit.pdf"
    compile_pdf(audit_latex(solution_audit, SOLUTION.name), out)
    assert out.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, timeout=60).stdout
        assert "line 31" in text and "INCORRECT" in text
