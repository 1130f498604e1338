"""The notation layer: parse a student's LaTeX, bind it to a model, judge it."""

from .bind import NotationTable, bind, parse_expression, parse_relation, read_notation
from .judge import judge_claim, judge_formula, judge_shape
from .parse import parse
from .scope import FreeScope, GraphScope

__all__ = ["FreeScope", "GraphScope", "NotationTable", "bind", "judge_claim", "judge_formula",
           "judge_shape", "parse", "parse_expression", "parse_relation", "read_notation"]
