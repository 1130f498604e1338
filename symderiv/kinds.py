"""Every problem kind, imported once so that each registers itself with `problem_kind`."""

# One import per module that defines kinds; add a line here to add a kind.
from .topics import stepsize  # noqa: F401
from . import network_problem  # noqa: F401
from .topics import cnn  # noqa: F401
from .topics import regularisation  # noqa: F401
from .topics import identities  # noqa: F401
from .topics import calculus  # noqa: F401
