"""A micro-batcher: concurrent ``generate`` calls become batches for a local engine.

The runner calls ``Model.generate`` once per sample, concurrently, from asyncio. A local engine
(transformers, vllm) is fastest when it sees many prompts at once, so requests are collected for a
short window (or until ``max_batch`` are waiting), then handed together to a blocking ``run_batch``
in a worker thread; each caller's future gets its own result. Requests with different batch keys
(for example different tool lists, which an engine renders once per batch) go to different batches.
While a batch runs, new requests queue up and form the next batch at once, without another window.

Used by the ``hf/`` and ``vllm/`` backends; nothing here imports an engine.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

Req = TypeVar("Req")
Res = TypeVar("Res")

# run_batch(items, slot) -> one result (or an exception to raise for that item) per item;
# slot is which of the ``parallel`` lanes runs the batch (a replica index for data parallelism).
RunBatch = Callable[[list[Req], int], Sequence["Res | BaseException"]]


@dataclass
class BatchStats:
    """What the batcher did: how many batches of which sizes (for tests and benchmarks)."""

    sizes: list[int] = field(default_factory=list)

    @property
    def batches(self) -> int:
        return len(self.sizes)

    @property
    def max_size(self) -> int:
        return max(self.sizes, default=0)

    @property
    def mean_size(self) -> float:
        return sum(self.sizes) / len(self.sizes) if self.sizes else 0.0


class MicroBatcher(Generic[Req, Res]):
    """Collects concurrent requests into batches for a blocking ``run_batch`` run off the loop."""

    def __init__(
        self,
        run_batch: RunBatch[Req, Res],
        *,
        max_batch: int = 8,
        window: float = 0.01,
        parallel: int = 1,
        key: Callable[[Req], Hashable] | None = None,
    ) -> None:
        if max_batch < 1 or parallel < 1 or window < 0:
            raise ValueError("max_batch and parallel must be >= 1 and window >= 0")
        self.run_batch = run_batch
        self.max_batch = max_batch
        self.window = window
        self.parallel = parallel
        self.key = key
        self.stats = BatchStats()
        self._pending: list[tuple[Req, asyncio.Future[Any]]] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self._lanes: list[asyncio.Task[None] | None] = [None] * parallel

    async def submit(self, item: Req) -> Res:
        """Queue one request and wait for its result (its exception is raised here)."""
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # a new event loop (a second asyncio.run): start afresh
            self._loop, self._wake = loop, asyncio.Event()
            self._pending = []
            self._lanes = [None] * self.parallel
        assert self._wake is not None
        future: asyncio.Future[Any] = loop.create_future()
        self._pending.append((item, future))
        if len(self._pending) >= self.max_batch:
            self._wake.set()
        self._start_lanes(loop)
        result: Res = await future
        return result

    def _start_lanes(self, loop: asyncio.AbstractEventLoop) -> None:
        busy = sum(1 for t in self._lanes if t is not None and not t.done())
        for slot, task in enumerate(self._lanes):
            if busy * self.max_batch >= len(self._pending) and busy:
                break
            if task is None or task.done():
                self._lanes[slot] = loop.create_task(self._lane(slot))
                busy += 1

    def _take(self) -> list[tuple[Req, asyncio.Future[Any]]]:
        live = [(i, f) for i, f in self._pending if not f.done()]  # drop cancelled callers
        if not live:
            self._pending = []
            return []
        first = self.key(live[0][0]) if self.key else None
        batch: list[tuple[Req, asyncio.Future[Any]]] = []
        rest: list[tuple[Req, asyncio.Future[Any]]] = []
        for entry in live:
            same = self.key is None or self.key(entry[0]) == first
            (batch if same and len(batch) < self.max_batch else rest).append(entry)
        self._pending = rest
        return batch

    async def _lane(self, slot: int) -> None:
        assert self._wake is not None
        waited = False
        while self._pending:
            if not waited and len(self._pending) < self.max_batch and self.window > 0:
                self._wake.clear()  # let concurrent callers arrive, up to the window
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.window)
                waited = True
            batch = self._take()
            if not batch:
                continue
            items = [item for item, _ in batch]
            self.stats.sizes.append(len(items))
            try:
                results = await asyncio.to_thread(self.run_batch, items, slot)
                if len(results) != len(items):
                    raise RuntimeError(
                        f"batch engine returned {len(results)} results for {len(items)} requests"
                    )
            except asyncio.CancelledError:
                for _, future in batch:
                    future.cancel()
                raise
            except Exception as exc:  # the whole batch failed: every caller learns why
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, future), result in zip(batch, results, strict=True):
                if future.done():
                    continue
                if isinstance(result, BaseException):
                    future.set_exception(result)
                else:
                    future.set_result(result)
