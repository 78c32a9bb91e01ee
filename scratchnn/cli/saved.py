"""Load a saved model for a subcommand, with one-line errors for files that are not models."""

from __future__ import annotations

from scratchnn.cli.options import existing_file
from scratchnn.io import load
from scratchnn.nn.module import Module


def load_model(path: str) -> tuple[Module, dict]:
    """The model and its metadata from a file written by `scratchnn train`."""
    model = load(existing_file(path))
    return model, dict(getattr(model, "metadata", {}) or {})
