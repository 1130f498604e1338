"""Problem kinds, and reading a problem file into the Problem of its kind.

Each kind module registers its Problem subclass with `problem_kind` when imported; one import
line below per module adds a kind."""

from __future__ import annotations

import tomllib
from pathlib import Path

from ..core.errors import ProblemFileError
from . import calculus, cnn, identities, matrix_calculus, network, regularisation, stepsize  # noqa: F401
from .base import KINDS, Fields, Problem, read_claims


def parse_text(text: str, path: str = "<string>") -> Problem:
    """Validate a problem file's text and build its Problem."""
    try:
        data = tomllib.loads(text, parse_float=str)
    except tomllib.TOMLDecodeError as exc:
        raise ProblemFileError(path, "(toml)", str(exc)) from None
    except RecursionError:
        raise ProblemFileError(path, "(toml)", "arrays or tables nested too deeply") from None
    except ValueError as exc:  # e.g. an integer of more than 4300 digits
        raise ProblemFileError(path, "(toml)", " ".join(str(exc).split())) from None
    doc = Fields(data, path)
    kind = doc.choice("kind", sorted(KINDS))
    cls = KINDS[kind]
    return cls.from_fields(doc, read_claims(doc, cls.claim_options, kind))


def load(path: str | Path) -> Problem:
    """Read and validate the problem file at `path`."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ProblemFileError(str(p), "(file)", exc.strerror or str(exc)) from None
    except UnicodeDecodeError:
        raise ProblemFileError(str(p), "(file)", "not UTF-8 text") from None
    return parse_text(text, str(p))
