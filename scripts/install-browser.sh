#!/usr/bin/env bash
# Install what the audit's HTML report and its browser test need (Debian/Ubuntu): KaTeX with its
# fonts (libjs-katex, fonts-katex: the report links or inlines these local files, nothing is fetched
# at view time) and a headless browser with its WebDriver (chromium, chromium-driver: Selenium opens
# the report in tests/test_audit_browser.py). Idempotent: does nothing when all are already there.
set -euo pipefail
KATEX_JS=/usr/share/javascript/katex/katex.min.js
if [ -f "$KATEX_JS" ] && command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
  echo "install-browser: KaTeX, chromium and chromedriver already installed"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends libjs-katex fonts-katex chromium chromium-driver
chromium --version
