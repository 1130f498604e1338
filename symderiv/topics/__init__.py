"""Derivations beyond backprop: identities, step sizes, calculus, regularisation, CNN shapes."""
