"""One writer per run directory: an advisory ``flock`` on ``RUN_DIR/run.lock``.

Two ``harness run --resume R`` at once would both run every unfinished sample (twice the model
calls, duplicate records). The lock is taken by whichever process writes the run and refused to
the second. The kernel drops an ``flock`` when its process dies, kill -9 included, so a crashed
run never leaves the directory stuck; the pid written into the file only names the holder in the
refusal.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType

from harness.errors import UserError

LOCK_NAME = "run.lock"

#: run directories whose lock this process holds (``flock`` conflicts between two descriptors
#: of one process too, so the lock file alone cannot tell "held by me" from "held by another")
_HELD: set[Path] = set()


def is_locked(run_dir: Path) -> bool:
    """True while any process, this one included, holds ``run_dir``'s write lock: the run is
    being written (readers such as the viewer and ``harness export`` treat it as running)."""
    return run_dir.resolve() in _HELD or held_elsewhere(run_dir)


def held_elsewhere(run_dir: Path) -> bool:
    """True while another process holds ``run_dir``'s write lock (it is running or resuming)."""
    if run_dir.resolve() in _HELD:
        return False
    try:
        fd = os.open(run_dir / LOCK_NAME, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


class RunLock:
    """``with RunLock(run_dir):`` hold the run directory's write lock, or raise
    :class:`UserError` naming the pid that holds it."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir
        self.path = run_dir / LOCK_NAME
        self._fd: int | None = None

    def acquire(self) -> None:
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise UserError(
                f"{self.run_dir}: cannot write to the run directory ({exc.strerror}); "
                "copy it somewhere writable and resume the copy"
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "?"
            os.close(fd)
            raise UserError(f"{self.run_dir} is being written by pid {holder}") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd
        _HELD.add(self.run_dir.resolve())

    def release(self) -> None:
        if self._fd is not None:
            _HELD.discard(self.run_dir.resolve())
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()
