"""Progress display: a rich bar on a terminal, a plain line every few seconds otherwise."""

from __future__ import annotations

import sys
import time
from typing import Any

from harness.run.progress import ProgressFactory, RunProgress


class Progress:
    def __init__(self, total: int, done: int = 0, enabled: bool | None = None, label: str = ""):
        self.total = total
        self.done = done
        self.errors = 0
        self.label = label
        self._tty = sys.stderr.isatty() if enabled is None else enabled
        self._quiet = enabled is False
        self._last = 0.0
        self._bar: Any = None
        self._task: Any = None
        if self._tty and not self._quiet:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )
            from rich.progress import Progress as RichProgress

            self._bar = RichProgress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("errors: {task.fields[errors]}"),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                transient=False,
            )
            self._bar.start()
            self._task = self._bar.add_task(label, total=total, completed=done, errors=0)

    def advance(self, ok: bool = True) -> None:
        self.done += 1
        if not ok:
            self.errors += 1
        if self._bar is not None:
            self._bar.update(self._task, advance=1, errors=self.errors)
        elif not self._quiet:
            now = time.monotonic()
            if now - self._last >= 5.0 or self.done == self.total:
                self._last = now
                print(
                    f"[{self.label}] {self.done}/{self.total} samples, {self.errors} errors",
                    file=sys.stderr,
                    flush=True,
                )

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None


def progress_factory(enabled: bool | None) -> ProgressFactory:
    """What the CLI hands the runner: a rich bar on a terminal, plain lines otherwise, nothing
    when ``enabled`` is False."""

    def make(total: int, done: int, label: str) -> RunProgress:
        return Progress(total, done, enabled=enabled, label=label)

    return make
