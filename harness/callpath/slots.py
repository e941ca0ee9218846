"""Run slots: the runner's bound on samples in flight, and a way to give a slot back while waiting.

A sample holds one slot of the run's ``--max-concurrency`` while it is solved. Waiting that does
no work (a retry's backoff sleep) should not hold it: :func:`released_slot` gives the current
sample's slot back for the duration of a block and takes it again afterwards, so other samples run
meanwhile. A sample coming back goes ahead of samples that have not started: otherwise it would
queue behind every sample of the run still waiting to start, and a run with retries would end in
a long tail of samples that had a slot once. Outside a run (no slots in this context) it does
nothing.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from harness.deadline import deadline_paused


class RunSlots:
    """A counting semaphore with two queues: samples coming back from a wait before new ones."""

    def __init__(self, size: int) -> None:
        self.free = max(1, size)
        self._new: deque[asyncio.Future[None]] = deque()
        self._back: deque[asyncio.Future[None]] = deque()

    async def acquire(self, returning: bool = False) -> None:
        if self.free > 0 and not self._back and (returning or not self._new):
            self.free -= 1
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        queue = self._back if returning else self._new
        queue.append(fut)
        try:
            await fut  # release() hands its slot over
        except BaseException:
            if fut.done() and not fut.cancelled():
                self.release()  # handed a slot just as we were cancelled: pass it on
            else:
                queue.remove(fut)
            raise

    def release(self) -> None:
        for queue in (self._back, self._new):
            while queue:
                fut = queue.popleft()
                if not fut.done():
                    fut.set_result(None)
                    return
        self.free += 1


_CURRENT: contextvars.ContextVar[RunSlots | None] = contextvars.ContextVar(
    "harness_run_slot", default=None
)


@asynccontextmanager
async def holding_slot(slots: RunSlots, held: bool = False) -> AsyncIterator[None]:
    """Hold one of ``slots`` for the current task (the runner, per sample); ``held``: the slot
    was acquired already (by the runner's feeder, which starts a sample only when it has one)."""
    if not held:
        await slots.acquire()
    token = _CURRENT.set(slots)
    try:
        yield
    finally:
        _CURRENT.reset(token)
        slots.release()


@asynccontextmanager
async def released_slot() -> AsyncIterator[None]:
    """Give the current sample's slot back during the block (for waits that do no work)."""
    slots = _CURRENT.get()
    if slots is None:
        yield
        return
    slots.release()
    try:
        yield
    finally:
        async with deadline_paused():  # queueing for a slot is not the sample's own time
            await slots.acquire(returning=True)
