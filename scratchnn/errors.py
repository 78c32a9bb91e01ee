"""The library's exceptions: each names what is wrong and where."""


class ShapeError(ValueError):
    """Layers or tensors whose shapes do not fit together."""


class ModelFormatError(ValueError):
    """A model file that is not a valid scratchnn model (truncated, wrong shapes, unknown layer)."""


class DataFormatError(ValueError):
    """A data file that does not hold what its format promises (names the file and the place)."""


class DatasetUnavailableError(OSError):
    """A data set neither found on disk nor downloadable; the message lists the ways to get it."""

    def __init__(self, reason: str, options: str = "") -> None:
        super().__init__(f"{reason} {options}".strip())
        self.reason, self.options = reason, options

    def short(self) -> str:
        """The reason alone, without the list of options."""
        return self.reason
