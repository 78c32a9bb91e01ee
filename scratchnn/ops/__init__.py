"""Differentiable operations on arrays, one file per family."""
