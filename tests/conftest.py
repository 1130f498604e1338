"""Shared test settings: a bounded hypothesis profile for CI, paths to the bundled files."""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parent.parent
DERIVATIONS = ROOT / "derivations"

settings.register_profile(
    "ci", max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=10, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# Proofs are cached on disk (symderiv.netproof.cache_dir): the tests use a private cache, so
# they neither read a user's cache nor leave one behind. Subprocesses inherit it.
if "SYMDERIV_CACHE_DIR" not in os.environ:
    import atexit
    import shutil
    import tempfile

    _cache = tempfile.mkdtemp(prefix="symderiv-test-cache-")
    os.environ["SYMDERIV_CACHE_DIR"] = _cache
    atexit.register(shutil.rmtree, _cache, ignore_errors=True)
