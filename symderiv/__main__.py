"""`python -m symderiv` runs the command line."""

from .cli import run

run()
