"""Per-model adaptive concurrency (AIMD) and requests/tokens-per-minute limits.

:class:`AdaptiveConcurrency` keeps, per model, a limit on requests in flight: it starts at the
ceiling (``-M max_connections``, default the run's ``--max-concurrency``), halves on a 429 (once
per congestion event: a 429 from a request sent before the last cut does not cut again) and climbs
back by one request per window of successful requests (additive increase, ``1/limit`` per success).
After a cut, further 429s are ignored for one second (or the server's Retry-After, if longer): a
burst of 429s from one overload is one congestion event, not a collapse to the floor.
``curve`` records ``(seconds since start, limit)`` at each change, for the benchmark to print.

:class:`RateLimit` spaces requests by ``-M rpm`` and tokens by ``-M tpm`` with the generic cell rate
algorithm (one second of burst allowed). A request's tokens are estimated before it goes (prompt
characters / 4) and corrected with the usage the answer reports.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque

from harness.callpath.args import call_args_of
from harness.callpath.hedge import IS_HEDGE, LEASE
from harness.callpath.retry import RateLimited
from harness.model import CallNext, Model, ModelWrapper
from harness.schemas import GenerateConfig, Message, ModelResponse, ToolSpec


class AimdLimiter:
    """A semaphore whose size moves: multiplicative decrease, additive increase."""

    def __init__(
        self, ceiling: int, floor: int = 1, adaptive: bool = True, cooldown: float = 1.0
    ) -> None:
        self.cooldown = cooldown
        self._last_cut = -1e9
        self.ceiling = max(1, ceiling)
        self.floor = max(1, min(floor, self.ceiling))
        self.adaptive = adaptive
        self.limit = float(self.ceiling)
        self.in_flight = 0
        self.cuts = 0
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._t0 = time.monotonic()
        self.curve: list[tuple[float, int]] = [(0.0, self.ceiling)]

    async def acquire(self) -> int:
        """Take a slot; returns the congestion epoch the request is sent in."""
        if self.in_flight < int(self.limit) and not self._waiters:
            self.in_flight += 1
            return self.cuts
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(fut)
        try:
            await fut  # release() hands the slot over (in_flight already counted)
        except BaseException:
            if fut.done() and not fut.cancelled():
                self.release()
            else:
                self._waiters.remove(fut)
            raise
        return self.cuts

    def release(self) -> None:
        self.in_flight -= 1
        self._wake()

    def _wake(self) -> None:
        while self._waiters and self.in_flight < int(self.limit):
            fut = self._waiters.popleft()
            if not fut.done():
                self.in_flight += 1
                fut.set_result(None)

    def on_success(self) -> None:
        if self.adaptive and self.limit < self.ceiling:
            before = int(self.limit)
            self.limit = min(float(self.ceiling), self.limit + 1.0 / self.limit)
            if int(self.limit) != before:
                self._record()
                self._wake()

    def on_rate_limited(self, epoch: int, retry_after: float | None = None) -> None:
        """Halve the limit, once per congestion event: not for a request sent before the last
        cut, and not again within ``cooldown`` seconds (or the server's Retry-After) of it."""
        if not self.adaptive or epoch != self.cuts:
            return  # already cut for this congestion event
        now = time.monotonic()
        if now - self._last_cut < max(self.cooldown, retry_after or 0.0):
            return
        self._last_cut = now
        self.cuts += 1
        new = max(float(self.floor), self.limit / 2.0)
        if int(new) != int(self.limit):
            self.limit = new
            self._record()
        else:
            self.limit = new

    def _record(self) -> None:
        self.curve.append((round(time.monotonic() - self._t0, 3), int(self.limit)))


class AdaptiveConcurrency(ModelWrapper):
    """One :class:`AimdLimiter` per model; ``limiters[spec]`` for inspection."""

    def __init__(self, default_ceiling: int) -> None:
        self.default_ceiling = default_ceiling
        self.limiters: dict[str, AimdLimiter] = {}
        self._by_id: dict[int, AimdLimiter] = {}

    def limiter(self, model: Model) -> AimdLimiter:
        lim = self._by_id.get(id(model))
        if lim is None:
            a = call_args_of(model)
            lim = AimdLimiter(
                a.max_connections or self.default_ceiling, a.min_connections, a.adaptive
            )
            self._by_id[id(model)] = lim
            self.limiters[model.spec] = lim
        return lim

    async def __call__(
        self,
        model: Model,
        messages: list[Message],
        tools: list[ToolSpec] | None,
        config: GenerateConfig,
        call_next: CallNext,
    ) -> ModelResponse:
        lim = self._by_id.get(id(model)) or self.limiter(model)
        if IS_HEDGE.get():  # a hedge doubles a request that is holding a slot: let it through
            lim.in_flight += 1
            epoch = lim.cuts
        else:
            epoch = await lim.acquire()
        lease = LEASE.get()  # the hedging wrapper may give the slot back early
        if lease is not None:
            lease.bind(lim.release)
        try:
            response = await call_next(messages, tools, config)
        except RateLimited as exc:
            lim.on_rate_limited(epoch, exc.retry_after)
            raise
        finally:
            if lease is None:
                lim.release()
            else:
                lease.release()
        lim.on_success()
        return response


class Gcra:
    """Generic cell rate algorithm: ``rate`` units per second with ``burst`` seconds of slack."""

    def __init__(self, per_minute: float, burst_seconds: float = 1.0) -> None:
        self.interval = 60.0 / per_minute
        self.tau = burst_seconds
        self.tat = time.monotonic()

    def reserve(self, units: float) -> float:
        """Book ``units`` now; returns how long to wait before sending."""
        now = time.monotonic()
        start = max(self.tat, now)
        wait = start - now - self.tau
        self.tat = start + units * self.interval
        return max(0.0, wait)

    def adjust(self, units: float) -> None:
        self.tat += units * self.interval


def estimate_tokens(messages: list[Message], tools: list[ToolSpec] | None) -> int:
    chars = sum(len(m.text) for m in messages)
    if tools:
        chars += sum(len(t.description) + len(str(t.parameters)) for t in tools)
    return chars // 4 + 4 * len(messages)


class RateLimit(ModelWrapper):
    """``-M rpm=N`` and ``-M tpm=N`` per model; a model with neither passes straight through."""

    def __init__(self) -> None:
        self._state: dict[int, tuple[Gcra | None, Gcra | None]] = {}

    def _limits(self, model: Model) -> tuple[Gcra | None, Gcra | None]:
        state = self._state.get(id(model))
        if state is None:
            a = call_args_of(model)
            state = (Gcra(a.rpm) if a.rpm else None, Gcra(a.tpm) if a.tpm else None)
            self._state[id(model)] = state
        return state

    async def __call__(
        self,
        model: Model,
        messages: list[Message],
        tools: list[ToolSpec] | None,
        config: GenerateConfig,
        call_next: CallNext,
    ) -> ModelResponse:
        rpm, tpm = self._state.get(id(model)) or self._limits(model)
        if rpm is None and tpm is None:
            return await call_next(messages, tools, config)
        wait = rpm.reserve(1) if rpm is not None else 0.0
        estimate = 0
        if tpm is not None:
            estimate = estimate_tokens(messages, tools)
            wait = max(wait, tpm.reserve(estimate))
        if wait > 0:
            await asyncio.sleep(wait)
        response = await call_next(messages, tools, config)
        if tpm is not None:
            used = response.usage.input_tokens + response.usage.output_tokens
            tpm.adjust(used - estimate)
        return response
