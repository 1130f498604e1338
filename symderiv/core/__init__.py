"""The core layer: numbers, operations (the registry), networks and backprop, bounds, verdict data.

Imports SymPy and NumPy, nothing from the layers above (notation, kinds, render)."""
