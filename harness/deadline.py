"""The ``--sample-timeout`` deadline, which stops while a sample waits its turn.

A sample's timeout should measure its own work, not the queue in front of it: on a serial
in-process engine (``llamacpp/``) the run's episodes take turns (``ctx.one_episode_at_a_time``)
and calls queue for the engine, and after a retry's backoff a sample queues for a run slot
again. :class:`SampleDeadline` sets the deadline around a sample's solve;
:func:`deadline_paused` stops it for the length of a wait for a shared resource and restarts it
with the time that was left. Backoff sleeps and model calls still count: those are the sample's
own.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Any

_DEADLINE: contextvars.ContextVar[asyncio.Timeout | None] = contextvars.ContextVar(
    "harness_sample_deadline", default=None
)


class SampleDeadline:
    """Raise :class:`TimeoutError` if the block runs longer than ``seconds`` of its own time
    (no limit if ``seconds`` is None); :meth:`expired` tells that timeout from one raised by the
    code inside."""

    def __init__(self, seconds: float | None) -> None:
        self._timeout = asyncio.timeout(seconds) if seconds else None
        self._token: contextvars.Token[asyncio.Timeout | None] | None = None

    async def __aenter__(self) -> None:
        if self._timeout is not None:
            await self._timeout.__aenter__()
            self._token = _DEADLINE.set(self._timeout)

    async def __aexit__(self, *exc_info: Any) -> None:
        if self._timeout is None:
            return
        if self._token is not None:
            _DEADLINE.reset(self._token)
        await self._timeout.__aexit__(*exc_info)  # turns its own cancellation into TimeoutError

    def expired(self) -> bool:
        """Whether the deadline fired."""
        return self._timeout is not None and self._timeout.expired()


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
