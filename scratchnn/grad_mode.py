"""Whether operations record a graph for backward: `no_grad()` switches it off."""

from __future__ import annotations

import functools


class _GradState:
    __slots__ = ("enabled",)

    def __init__(self) -> None:
        self.enabled = True


state = _GradState()


def is_grad_enabled() -> bool:
    """True when new operations record how they were made."""
    return state.enabled


class _GradSwitch:
    """Context manager and decorator that sets grad recording for its body."""

    mode = True

    def __enter__(self) -> None:
        self._previous = state.enabled
        state.enabled = self.mode

    def __exit__(self, *exc) -> None:
        state.enabled = self._previous

    def __call__(self, function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return function(*args, **kwargs)

        return wrapper


class no_grad(_GradSwitch):
    """Inside `with no_grad():` operations build no graph (inference, optimizer steps)."""

    mode = False


class enable_grad(_GradSwitch):
    """Inside `with enable_grad():` operations record a graph again."""

    mode = True
