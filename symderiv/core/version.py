"""The version of symderiv (one place: the package, the proof cache and pyproject read it)."""

__version__ = "0.1.0"
