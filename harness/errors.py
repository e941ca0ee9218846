"""Errors a user can cause. The CLI prints their message and exits 2, never a traceback."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class UserError(Exception):
    """A mistake in what the user asked for: bad config, unknown name, bad data."""

    exit_code = 2


class ModelError(Exception):
    """A model call failed; ``retryable`` tells the retry wrapper whether to try again."""

    def __init__(self, message: str, *, retryable: bool = False, retry_after: float | None = None):
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after


class ImageInputError(ModelError):
    """The messages hold an image the model cannot take (a text-only backend or checkpoint)."""


class ContextOverflowError(ModelError):
    """The prompt does not fit the model's context window."""


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """' Did you mean: a, b?' for the closest names, or '' when none is close."""
    close = difflib.get_close_matches(name, list(choices), n=3, cutoff=0.5)
    return f" Did you mean: {', '.join(close)}?" if close else ""


def unknown(kind: str, name: str, choices: Iterable[str]) -> UserError:
    choices = sorted(choices)
    hint = did_you_mean(name, choices)
    known = ", ".join(choices[:20]) + (" ..." if len(choices) > 20 else "")
    return UserError(f"unknown {kind} '{name}'.{hint} Known {kind}s: {known or '(none)'}")
