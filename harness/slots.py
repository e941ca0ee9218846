"""Run slots: the runner's bound on samples in flight, and a way to give a slot back while waiting.

A sample holds one slot of the run's ``--max-concurrency`` while it is solved. Waiting that does
no work (a retry's backoff sleep) should not hold it: :func:`released_slot` gives the current
sample's slot back for the duration of a block and takes it again afterwards, so other samples run
meanwhile. Outside a run (no slot in this context) it does nothing.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

_CURRENT: contextvars.ContextVar[asyncio.Semaphore | None] = contextvars.ContextVar(
    "harness_run_slot", default=None
)


@asynccontextmanager
async def holding_slot(semaphore: asyncio.Semaphore) -> AsyncIterator[None]:
    """Hold one slot of ``semaphore`` for the current task (the runner, per sample)."""
    async with semaphore:
        token = _CURRENT.set(semaphore)
        try:
            yield
        finally:
            _CURRENT.reset(token)


@asynccontextmanager
async def released_slot() -> AsyncIterator[None]:
    """Give the current sample's slot back during the block (for waits that do no work)."""
    semaphore = _CURRENT.get()
    if semaphore is None:
        yield
        return
    semaphore.release()
    try:
        yield
    finally:
        await semaphore.acquire()
