"""Hedged requests: when a call to a remote model runs far past its usual latency, send it again
and take whichever answer comes first.

A server that hangs some requests holds each such sample until the client's timeout fires
(minutes, by default), and a retry only starts after that. Hedging bounds the tail instead ("The
Tail at Scale", Dean and Barroso, 2013; gRPC's hedging policy): once a call has run
``hedge_after`` seconds the same request goes out a second time, and again each time as long
passes with no answer, up to ``MAX_REQUESTS`` (4) in all; the first answer wins and the others
are cancelled. The sample still gets one answer and one record; the server may have done the
work twice, which is the price. Why four: a server that hangs a tenth of its requests hangs all
of three about once in a thousand calls, which in a run of a few thousand calls happens nearly
every run and then holds that sample until the client's timeout fires (the whole run's tail);
with four it is one in ten thousand, and the budget below still caps the extra load.

When (``-M hedge=...``):

- ``auto`` (default): a call is hedged only when it runs ``ALARM`` (3) times past the hedge
  delay, which is a sign that the server hangs requests. That sign, any other sign of trouble (a
  timed-out call, a 5xx answer, a dropped connection; not a 429), or a hedge that beats its
  original *arms* hedging for the model for ``hedge_window`` seconds: armed, calls are hedged
  after the plain delay. A healthy server is sent next to no duplicates; one that hangs
  requests is hedged promptly until it stops.
- ``on``: always after the plain delay; ``off``: never.

The plain delay is ``hedge_after`` seconds if set, else ``hedge_factor`` (default 1: Dean and
Barroso send the second request once the first has been out longer than the 95th-percentile
latency for its kind of request) times the 95th percentile of the model's
recent successful call latencies (no hedging until 20 are known). At most
``hedge_budget`` of the calls (a token bucket holding 10 hedges or half the run's concurrency,
default 0.2; 1 means no cap) are hedged, which caps the extra load; a call that finds the
bucket empty when a hedge is due looks again a delay later, as other calls refill it.
A failed request whose twin is still in flight waits for the twin, unless every request still
out has run past the plain delay (likely hung): then, as when all have failed, the error goes on
to the retry wrapper, which tries afresh after its backoff. Once a call is hedged, its original
request gives back its connection slot and the sample its run slot (as during a retry's backoff):
the request is probably hung, and the extra load of the hedges is bounded by the budget. Only
backends that talk to a server over the network (``Model.remote``) are hedged: duplicating work
on an in-process engine only slows it.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import time
from collections import Counter, deque
from typing import Any

from harness.callpath.args import call_args_of
from harness.callpath.retry import RateLimited
from harness.callpath.slots import released_slot
from harness.errors import ModelError
from harness.model import CallNext, Model, ModelWrapper
from harness.schemas import GenerateConfig, Message, ModelResponse, ToolSpec

#: set inside a hedge's own request: the concurrency limit lets it through (see
#: :class:`harness.callpath.ratelimit.AdaptiveConcurrency`), since the request it doubles may be
#: holding a slot on a connection the server has stopped answering
IS_HEDGE: contextvars.ContextVar[bool] = contextvars.ContextVar("harness_is_hedge", default=False)

ALARM = 3.0
#: the original request and up to three hedges
MAX_REQUESTS = 4


def _now() -> float:
    """The event loop's clock (monotonic), so that a test's fast-forwarding loop moves it; outside
    a loop, the monotonic clock itself."""
    try:
        return asyncio.get_running_loop().time()
    except RuntimeError:
        return time.monotonic()


class Lease:
    """The concurrency slot of one request, which the hedging wrapper may give back early.

    :class:`harness.callpath.ratelimit.AdaptiveConcurrency` binds the slot's release to the lease it
    finds in the request's context; the slot is released exactly once: early, when the request is
    hedged (it is probably hung, and holding a slot would keep a fresh request out), or when the
    request ends."""

    def __init__(self) -> None:
        self._release: Any = None
        self.done = False

    def bind(self, release: Any) -> None:
        self._release = release

    def release(self) -> None:
        if not self.done and self._release is not None:
            self.done = True
            self._release()


LEASE: contextvars.ContextVar[Lease | None] = contextvars.ContextVar("harness_lease", default=None)

MIN_OBSERVATIONS = 20
WINDOW = 200
RECOMPUTE_EVERY = 20
MIN_DELAY = 0.005
WARMUP_POLL = 0.05
#: a hedge this close to due counts as due: a wait shorter than the clock's resolution would wake
#: with the clock unmoved and spin
SLACK = 0.001
MIN_BUCKET = 10.0


class HedgeState:
    """One model's latency window, arming and hedge budget."""

    def __init__(self, args: Any, bucket: float = MIN_BUCKET) -> None:
        self.mode: str = args.hedge
        self.fixed: float | None = args.hedge_after
        self.factor: float = args.hedge_factor
        self.window: float = args.hedge_window
        self.budget: float = args.hedge_budget
        self.bucket = bucket
        self.tokens = bucket
        self.armed_until = -1.0
        self.latencies: deque[float] = deque(maxlen=WINDOW)
        self._since = 0
        self.estimate: float | None = None

    def plain(self) -> float | None:
        """The plain hedge delay; None until enough latencies are known."""
        return self.fixed if self.fixed is not None else self.estimate

    def delay(self) -> float | None:
        """Seconds after a request before the next hedge, now; None if not known yet."""
        plain = self.plain()
        if plain is None:
            return None
        if self.mode == "auto" and not self.armed():
            return ALARM * plain
        return plain

    def armed(self) -> bool:
        return _now() <= self.armed_until

    def observe(self, seconds: float) -> None:
        self.latencies.append(seconds)
        self._since += 1
        if self._since >= RECOMPUTE_EVERY and len(self.latencies) >= MIN_OBSERVATIONS:
            self._since = 0
            ordered = sorted(self.latencies)
            p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
            self.estimate = max(MIN_DELAY, self.factor * p95)

    def arm(self) -> None:
        self.armed_until = _now() + self.window


class Hedge(ModelWrapper):
    """Per model :class:`HedgeState`; counts ``hedges`` sent and ``hedge_wins`` per model."""

    def __init__(self, concurrency: int = 0) -> None:
        #: the token bucket holds this many hedges: enough for the burst when hedging arms with
        #: many requests hanging at once
        self.bucket = max(MIN_BUCKET, concurrency / 2)
        self.states: dict[int, HedgeState | None] = {}
        self.hedges: Counter[str] = Counter()
        self.hedge_wins: Counter[str] = Counter()
        #: hedges not sent because the budget was spent
        self.over_budget: Counter[str] = Counter()

    def state(self, model: Model) -> HedgeState | None:
        key = id(model)
        if key not in self.states:
            args = call_args_of(model)
            hedged = model.remote and args.hedge != "off"
            self.states[key] = HedgeState(args, self.bucket) if hedged else None
        return self.states[key]

    async def __call__(
        self,
        model: Model,
        messages: list[Message],
        tools: list[ToolSpec] | None,
        config: GenerateConfig,
        call_next: CallNext,
    ) -> ModelResponse:
        st = self.state(model)
        if st is None:
            return await call_next(messages, tools, config)
        st.tokens = min(st.bucket, st.tokens + st.budget)
        return await self._hedged(model, st, messages, tools, config, call_next)

    async def _hedged(
        self,
        model: Model,
        st: HedgeState,
        messages: list[Message],
        tools: list[ToolSpec] | None,
        config: GenerateConfig,
        call_next: CallNext,
    ) -> ModelResponse:
        """The original request, and a hedge each :meth:`HedgeState.delay` while none has
        answered (at most ``MAX_REQUESTS`` in all, within the budget). The first answer wins."""
        start = _now()
        lease = Lease()
        first_context = contextvars.copy_context()
        first_context.run(LEASE.set, lease)
        first: asyncio.Future[ModelResponse] = asyncio.get_running_loop().create_task(
            _call(call_next, messages, tools, config), context=first_context
        )
        tasks = [first]
        slot = contextlib.AsyncExitStack()
        sent_at = {first: start}
        pending: set[asyncio.Future[ModelResponse]] = {first}
        last_sent = start
        error: BaseException | None = None
        over_budget = False
        budget_check = 0.0  # when over budget: when to look at the bucket again
        try:
            while pending:
                may_hedge = len(tasks) < MAX_REQUESTS
                wait: float | None = None
                if may_hedge:
                    delay, plain = st.delay(), st.plain()
                    if delay is None:
                        wait = WARMUP_POLL  # no latencies known yet: look again soon
                    else:  # look again within the plain delay: another call may arm meanwhile
                        due = max(last_sent + delay, budget_check)
                        wait = min(max(0.0, due - _now()), plain or delay)
                done, pending = await asyncio.wait(
                    pending, timeout=wait, return_when=asyncio.FIRST_COMPLETED
                )
                for task in done:
                    exc = task.exception()
                    if exc is None:
                        if task is not first:
                            self.hedge_wins[model.spec] += 1
                            st.arm()
                        return self._settle(st, task, sent_at[task])
                    if is_trouble(exc):
                        st.arm()
                    if not (isinstance(exc, ModelError) and exc.retryable):
                        raise exc  # a request the server refuses: its twin would fare no better
                    error = exc
                if error is not None and pending and self._all_suspect(st, pending, sent_at):
                    raise error  # what is still out has run past the delay: retry afresh
                if done or not may_hedge:
                    continue
                delay = st.delay()
                if delay is None or _now() + SLACK < max(last_sent + delay, budget_check):
                    continue  # not due yet
                if st.tokens < 1.0 and st.budget < 1.0:
                    # no hedge now; other calls refill the bucket, so look again a delay later
                    budget_check = _now() + (st.plain() or delay)
                    if not over_budget:
                        over_budget = True
                        self.over_budget[model.spec] += 1
                    continue
                st.tokens -= 1.0
                self.hedges[model.spec] += 1
                if len(tasks) == 1:  # the original is likely hung: give back its slots
                    lease.release()
                    await slot.enter_async_context(released_slot())
                if st.mode == "auto" and not st.armed():
                    st.arm()  # this call ran ALARM x past the usual: the server hangs requests
                context = contextvars.copy_context()
                context.run(IS_HEDGE.set, True)
                hedge: asyncio.Future[ModelResponse] = asyncio.get_running_loop().create_task(
                    _call(call_next, messages, tools, config), context=context
                )
                last_sent = sent_at[hedge] = _now()
                tasks.append(hedge)
                pending.add(hedge)
            assert error is not None
            raise error
        finally:  # the losers (or all, if this call is itself cancelled) must not linger
            unfinished = [t for t in tasks if not t.done()]
            for task in unfinished:
                task.cancel()
            if unfinished:
                await asyncio.gather(*unfinished, return_exceptions=True)
            for task in tasks:  # mark every outcome seen, so asyncio does not warn about it
                if not task.cancelled():
                    task.exception()
            await slot.aclose()  # take the run slot again (if it was given back)

    @staticmethod
    def _all_suspect(
        st: HedgeState,
        pending: set[asyncio.Future[ModelResponse]],
        sent_at: dict[asyncio.Future[ModelResponse], float],
    ) -> bool:
        """Whether every request still out has run past the plain delay (likely hung)."""
        plain = st.plain()
        if plain is None:
            return False
        now = _now()
        return all(now - sent_at[t] >= plain for t in pending)

    @staticmethod
    def _settle(st: HedgeState, task: asyncio.Future[ModelResponse], start: float) -> ModelResponse:
        """The answer of a request that succeeded; its latency joins the estimate."""
        response = task.result()
        st.observe(_now() - start)
        return response


def is_trouble(exc: BaseException) -> bool:
    """A sign that the server is failing requests (a timeout, a 5xx, a dropped connection), which
    arms ``hedge=auto``. A 429 is not: hedging a server that asks for less would only add load."""
    return isinstance(exc, ModelError) and exc.retryable and not isinstance(exc, RateLimited)


async def _call(
    call_next: CallNext,
    messages: list[Message],
    tools: list[ToolSpec] | None,
    config: GenerateConfig,
) -> ModelResponse:
    return await call_next(messages, tools, config)
