"""What the runner reports progress to. The CLI supplies a bar (:mod:`harness.cli.progress`);
a runner built without one reports nowhere."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol


class RunProgress(Protocol):
    def advance(self, ok: bool = True) -> None:
        """One more sample finished (``ok`` False: it ended in an error)."""

    def close(self) -> None:
        """The run is over."""


#: ``factory(total, already_done, label)``, called once per run
ProgressFactory = Callable[[int, int, str], RunProgress]


class _Silent:
    def advance(self, ok: bool = True) -> None:
        pass

    def close(self) -> None:
        pass


def silent_progress(total: int, done: int, label: str) -> RunProgress:
    return _Silent()
