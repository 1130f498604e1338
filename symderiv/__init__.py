"""symderiv: derive, evaluate and check the gradients of machine-learning derivations."""

__version__ = "0.1.0"
