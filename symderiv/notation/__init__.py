"""The notation layer: parse a student's LaTeX, bind it to a model, judge it."""

from .parse import parse

__all__ = ["parse"]
