"""Every problem kind, imported once so that each registers itself with `problem_kind`."""

# One import per module that defines kinds; add a line here to add a kind.
from . import network_problem  # noqa: F401
from .topics import (
    calculus,  # noqa: F401
    cnn,  # noqa: F401
    identities,  # noqa: F401
    matrix_calculus,  # noqa: F401
    regularisation,  # noqa: F401
    stepsize,  # noqa: F401
)
