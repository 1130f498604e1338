#!/usr/bin/env bash
# Install the TeX engine and tools symderiv's --pdf and the render tests need (Debian/Ubuntu).
# (pdftoppm and pdftotext, from poppler-utils, render and read PDFs in tests/test_render_documents.py
# and tests/test_tex_safety.py.) Idempotent: does nothing when all three are already on PATH.
set -euo pipefail
if command -v pdflatex >/dev/null 2>&1 && command -v pdftoppm >/dev/null 2>&1 \
    && command -v pdftotext >/dev/null 2>&1; then
  echo "install-tex: pdflatex, pdftoppm and pdftotext already installed"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends \
  texlive-latex-base texlive-latex-recommended texlive-pictures poppler-utils
pdflatex --version | head -1
