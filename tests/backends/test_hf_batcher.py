"""The micro-batcher that hands concurrent requests to a local engine in batches."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Sequence

import pytest

from harness.backends.hf.batcher import MicroBatcher


class Engine:
    """A stand-in for the GPU engine only: records each batch, answers item * 10."""

    def __init__(self, delay: float = 0.02) -> None:
        self.batches: list[list[int]] = []
        self.slots: list[int] = []
        self.delay = delay
        self.active = 0
        self.max_active = 0
        self._lock = threading.Lock()

    def __call__(self, items: list[int], slot: int) -> Sequence[int | BaseException]:
        with self._lock:
            self.batches.append(list(items))
            self.slots.append(slot)
            self.active += 1
            self.max_active = max(self.max_active, self.active)
        time.sleep(self.delay)
        with self._lock:
            self.active -= 1
        return [ValueError(f"bad {i}") if i < 0 else i * 10 for i in items]


def test_concurrent_requests_share_a_batch_and_get_their_own_result() -> None:
    engine = Engine()
    batcher: MicroBatcher[int, int] = MicroBatcher(engine, max_batch=8, window=0.05)

    async def go() -> list[int]:
        return await asyncio.gather(*(batcher.submit(i) for i in range(8)))

    assert asyncio.run(go()) == [i * 10 for i in range(8)]
    assert engine.batches == [list(range(8))]


def test_max_batch_splits_and_later_arrivals_form_the_next_batch() -> None:
    engine = Engine(delay=0.05)
    batcher: MicroBatcher[int, int] = MicroBatcher(engine, max_batch=4, window=0.01)

    async def go() -> list[int]:
        return await asyncio.gather(*(batcher.submit(i) for i in range(10)))

    assert asyncio.run(go()) == [i * 10 for i in range(10)]
    assert [len(b) for b in engine.batches] == [4, 4, 2]
    assert sorted(x for b in engine.batches for x in b) == list(range(10))  # none lost or doubled
    assert batcher.stats.sizes == [4, 4, 2]


def test_per_item_errors_and_whole_batch_failure() -> None:
    engine = Engine()
    batcher: MicroBatcher[int, int] = MicroBatcher(engine, max_batch=4, window=0.02)

    async def go() -> list[object]:
        return await asyncio.gather(
            batcher.submit(1), batcher.submit(-1), batcher.submit(2), return_exceptions=True
        )

    ok1, bad, ok2 = asyncio.run(go())
    assert (ok1, ok2) == (10, 20) and isinstance(bad, ValueError)

    def broken(items: list[int], slot: int) -> list[int]:
        raise RuntimeError("engine died")

    failing: MicroBatcher[int, int] = MicroBatcher(broken, max_batch=4, window=0.01)

    async def go2() -> list[object]:
        return await asyncio.gather(*(failing.submit(i) for i in range(3)), return_exceptions=True)

    assert all(isinstance(r, RuntimeError) for r in asyncio.run(go2()))


def test_keys_separate_batches() -> None:
    engine = Engine()
    batcher: MicroBatcher[int, int] = MicroBatcher(
        engine, max_batch=8, window=0.03, key=lambda i: i % 2
    )

    async def go() -> list[int]:
        return await asyncio.gather(*(batcher.submit(i) for i in range(6)))

    assert asyncio.run(go()) == [i * 10 for i in range(6)]
    assert sorted(sorted(b) for b in engine.batches) == [[0, 2, 4], [1, 3, 5]]


def test_parallel_lanes_run_batches_at_once_on_different_slots() -> None:
    engine = Engine(delay=0.3)
    batcher: MicroBatcher[int, int] = MicroBatcher(engine, max_batch=2, window=0.01, parallel=2)

    async def go() -> list[int]:
        return await asyncio.gather(*(batcher.submit(i) for i in range(4)))

    assert asyncio.run(go()) == [0, 10, 20, 30]
    # both batches were inside the engine at the same time, on different lanes (replicas)
    assert engine.max_active == 2 and sorted(engine.slots) == [0, 1]


def test_cancelled_caller_is_skipped_and_a_new_loop_works() -> None:
    engine = Engine(delay=0.05)
    batcher: MicroBatcher[int, int] = MicroBatcher(engine, max_batch=8, window=0.02)

    async def go() -> int:
        doomed = asyncio.ensure_future(batcher.submit(7))
        await asyncio.sleep(0)
        doomed.cancel()
        return await batcher.submit(3)

    assert asyncio.run(go()) == 30
    assert 7 not in [x for b in engine.batches for x in b]
    assert asyncio.run(go()) == 30  # a second event loop


def test_invalid_settings() -> None:
    with pytest.raises(ValueError):
        MicroBatcher(Engine(), max_batch=0)
