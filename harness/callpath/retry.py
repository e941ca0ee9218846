"""Retries with exponential backoff and jitter, honouring Retry-After.

Backends raise :class:`harness.errors.ModelError` with ``retryable=True`` (and ``retry_after``
when the server sent one) for 429s, 5xx answers, timeouts and dropped connections;
:class:`RateLimited` marks a 429 so the adaptive concurrency limit can back off. Anything else
passes straight through. A call that keeps failing ends in one :class:`ModelError` naming the
model, the attempts and the last cause: the runner records it as the sample's error, and
``harness run --resume`` tries the sample again.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter

from harness.callpath.args import call_args_of
from harness.callpath.slots import released_slot
from harness.errors import ModelError
from harness.model import CallNext, Model, ModelWrapper
from harness.schemas import GenerateConfig, Message, ModelResponse, ToolSpec


class RateLimited(ModelError):
    """HTTP 429 (or a provider's equivalent): retryable, and a signal to send less."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message, retryable=True, retry_after=retry_after)


class CallTimeout(ModelError):
    """The call took longer than its timeout."""

    def __init__(self, message: str) -> None:
        super().__init__(message, retryable=True)


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date); None if absent/bad."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        import email.utils
        import time

        when = email.utils.parsedate_to_datetime(value)
        return max(0.0, when.timestamp() - time.time())
    except (TypeError, ValueError, IndexError):
        return None


def backoff_delay(
    attempt: int, base: float, cap: float, retry_after: float | None, rng: random.Random
) -> float:
    """Seconds to wait before retry number ``attempt`` (0-based).

    With Retry-After: that long, plus up to 10% jitter so waiting callers do not return in one
    burst. Otherwise "full jitter": uniform in ``[0, min(cap, base * 2**attempt)]``, which spreads
    the retries of many callers as well as other schemes do and waits least on average (Brooker,
    "Exponential Backoff And Jitter", AWS Architecture Blog, 2015)."""
    if retry_after is not None:
        return retry_after + rng.uniform(0.0, 0.1 * retry_after + 0.01)
    step = min(cap, base * (2.0**attempt))
    return rng.uniform(0.0, step)


class Retry(ModelWrapper):
    """Retries retryable :class:`ModelError` s per the model's ``retry_budget`` (seconds from the
    first failure), ``max_retries`` (an optional count), ``retry_base`` and ``retry_max_wait``
    (``-M`` arguments). Counts retries per model in ``self.retries``."""

    def __init__(self, seed: int | None = None) -> None:
        self.rng = random.Random(seed)
        self.retries: Counter[str] = Counter()
        self.gave_up: Counter[str] = Counter()

    async def __call__(
        self,
        model: Model,
        messages: list[Message],
        tools: list[ToolSpec] | None,
        config: GenerateConfig,
        call_next: CallNext,
    ) -> ModelResponse:
        try:  # the fast path: no retry state at all
            return await call_next(messages, tools, config)
        except ModelError as exc:
            if not exc.retryable:
                raise
            first = exc
        return await self._retry(model, messages, tools, config, call_next, first)

    async def _retry(
        self,
        model: Model,
        messages: list[Message],
        tools: list[ToolSpec] | None,
        config: GenerateConfig,
        call_next: CallNext,
        exc: ModelError,
    ) -> ModelResponse:
        args = call_args_of(model)
        loop = asyncio.get_running_loop()
        start = loop.time()
        attempt = 0
        while args.max_retries is None or attempt < args.max_retries:
            left = args.retry_budget - (loop.time() - start)
            if left <= 0:
                break
            delay = backoff_delay(
                attempt, args.retry_base, args.retry_max_wait, exc.retry_after, self.rng
            )
            # the last retry lands at the budget's end, so any outage shorter than the budget
            # is ridden out: full-jitter backoffs alone can add up to very little
            delay = min(delay, left)
            attempt += 1
            self.retries[model.spec] += 1
            async with released_slot():  # a backoff does no work: let other samples run
                await asyncio.sleep(delay)
            try:
                return await call_next(messages, tools, config)
            except ModelError as again:
                if not again.retryable:
                    raise
                exc = again
        self.gave_up[model.spec] += 1
        raise ModelError(
            f"{model.spec}: gave up after {attempt + 1} attempts in "
            f"{loop.time() - start:.1f} s; last error: {exc} (raise -M retry_budget=SECONDS "
            "or -M max_retries=N, or finish later with `harness run --resume RUN_DIR`)"
        ) from exc
