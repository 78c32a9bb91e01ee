"""The library's exceptions: each names what is wrong and where."""


class ShapeError(ValueError):
    """Layers or tensors whose shapes do not fit together."""


class ModelFormatError(ValueError):
    """A model file that is not a valid scratchnn model (truncated, wrong shapes, unknown layer)."""


class DataFormatError(ValueError):
    """A data file that does not hold what its format promises (names the file and the place)."""
