"""The ``--sample-timeout`` deadline, which stops while a sample waits its turn.

A sample's timeout should measure its own work, not the queue in front of it: on a serial
in-process engine (``llamacpp/``) the run's episodes take turns (``ctx.one_episode_at_a_time``)
and calls queue for the engine, and after a retry's backoff a sample queues for a run slot
again. :func:`sample_deadline` sets the deadline around a sample's solve;
:func:`deadline_paused` stops it for the length of a wait for a shared resource and restarts it
with the time that was left. Backoff sleeps and model calls still count: those are the sample's
own.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

_DEADLINE: contextvars.ContextVar[asyncio.Timeout | None] = contextvars.ContextVar(
    "harness_sample_deadline", default=None
)


@asynccontextmanager
async def sample_deadline(seconds: float | None) -> AsyncIterator[None]:
    """Raise :class:`TimeoutError` if the block runs longer than ``seconds`` of its own time."""
    if not seconds:
        yield
        return
    async with asyncio.timeout(seconds) as timeout:
        token = _DEADLINE.set(timeout)
        try:
            yield
        finally:
            _DEADLINE.reset(token)


@asynccontextmanager
async def deadline_paused() -> AsyncIterator[None]:
    """Stop the current sample's deadline during the block (a wait for a shared resource)."""
    timeout = _DEADLINE.get()
    when = timeout.when() if timeout is not None else None
    if timeout is None or when is None or timeout.expired():
        yield  # no deadline, or already paused by an enclosing wait
        return
    loop = asyncio.get_running_loop()
    left = when - loop.time()
    try:
        timeout.reschedule(None)
    except RuntimeError:  # the sample has ended (a task that outlived it)
        yield
        return
    try:
        yield
    finally:
        with suppress(RuntimeError):  # the sample has ended meanwhile
            timeout.reschedule(loop.time() + max(0.0, left))
