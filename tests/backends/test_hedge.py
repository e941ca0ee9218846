"""Hedged requests: when they fire, who wins, that losers are cancelled, arming in auto mode, the
budget, and that in-process models are never hedged. (The real-server test is in
tests/servers/test_fault_server.py.)

Every test runs on a fast-forwarding event loop (looptime): sleeps, timeouts and the hedge's own
clock (the loop's) move in loop time, so the tests wait for nothing and their timings are exact."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

import looptime
import pytest

from harness.callpath import CallArgs
from harness.callpath.hedge import (
    ALARM,
    MAX_REQUESTS,
    MIN_BUCKET,
    MIN_OBSERVATIONS,
    Hedge,
    HedgeState,
)
from harness.callpath.retry import CallTimeout, RateLimited
from harness.errors import ModelError
from harness.model import Model, WrappedModel
from harness.schemas import GenerateConfig, Message, ModelResponse, ToolSpec

MSG = [Message(role="user", content="hi")]
T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run`` on a loop whose clock jumps to the next timer instead of waiting for it."""
    with asyncio.Runner(loop_factory=looptime.new_event_loop) as runner:
        return runner.run(coro)


def timed(coro: Coroutine[Any, Any, T]) -> tuple[T, float]:
    """The coroutine's result and the loop time it took."""

    async def go() -> tuple[T, float]:
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        result = await coro
        return result, loop.time() - t0

    return run(go())


class Server(Model):
    """A "remote" model: call k (1-based) follows ``plan[k]``, a (seconds, outcome) pair where the
    outcome is an answer text or an exception to raise; unplanned calls answer at once."""

    provider = "fake"
    remote = True

    def __init__(self, plan: dict[int, tuple[float, Any]] | None = None, **call: Any) -> None:
        super().__init__("server")
        self.plan = plan or {}
        self.calls = 0
        self.cancelled: list[int] = []
        self.call_args = CallArgs(**call)

    async def generate(
        self, messages: list[Message], tools: list[ToolSpec] | None, config: GenerateConfig
    ) -> ModelResponse:
        self.calls += 1
        n = self.calls
        seconds, outcome = self.plan.get(n, (0.0, f"answer {n}"))
        try:
            await asyncio.sleep(seconds)
        except asyncio.CancelledError:
            self.cancelled.append(n)
            raise
        if isinstance(outcome, BaseException):
            raise outcome
        return ModelResponse(text=outcome)


class Local(Server):
    remote = False


def _call(model: Model, hedge: Hedge) -> ModelResponse:
    async def go() -> ModelResponse:
        return await WrappedModel(model, [hedge]).generate(MSG, None, GenerateConfig())

    return run(go())


def test_a_slow_call_is_hedged_the_first_answer_wins_and_the_loser_is_cancelled() -> None:
    model = Server({1: (5.0, "slow")}, hedge="on", hedge_after=0.05)
    hedge = Hedge()
    assert _call(model, hedge).text == "answer 2"
    assert model.calls == 2 and model.cancelled == [1]
    assert hedge.hedges["fake/server"] == 1 and hedge.hedge_wins["fake/server"] == 1


def test_a_call_answering_before_the_delay_is_not_hedged() -> None:
    model = Server({1: (0.01, "quick")}, hedge="on", hedge_after=0.5)
    hedge = Hedge()
    assert _call(model, hedge).text == "quick"
    assert model.calls == 1 and hedge.hedges.total() == 0


def test_the_first_request_may_still_win() -> None:
    model = Server({1: (0.1, "first"), 2: (5.0, "second")}, hedge="on", hedge_after=0.05)
    hedge = Hedge()
    assert _call(model, hedge).text == "first"
    assert model.cancelled == [2] and hedge.hedge_wins.total() == 0


def test_a_failed_original_waits_for_a_fresh_hedge() -> None:
    boom = ModelError("boom", retryable=True)
    model = Server(
        {1: (0.25, boom), 2: (0.15, "second"), 3: (1.0, "third")}, hedge="on", hedge_after=0.2
    )  # the original fails at 0.25 s; the hedge sent at 0.2 s answers at 0.35 s
    assert _call(model, Hedge()).text == "second"


def test_a_failed_hedge_gives_up_on_a_hung_original() -> None:
    model = Server(
        {1: (5.0, "hung"), 2: (0.0, ModelError("boom", retryable=True))},
        hedge="on",
        hedge_after=0.05,
    )

    async def go() -> float:
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        with pytest.raises(ModelError, match="boom") as info:
            await WrappedModel(model, [Hedge()]).generate(MSG, None, GenerateConfig())
        assert info.value.retryable
        return loop.time() - t0

    # the hedge fails at once when sent at 0.05 s: the hung original is given up on then (the
    # retry wrapper's turn), not waited out for 5 s
    assert run(go()) == pytest.approx(0.05, abs=0.01)
    assert model.cancelled == [1]


def test_both_failing_raise_a_retryable_error() -> None:
    model = Server(
        {1: (0.1, ModelError("one", retryable=True)), 2: (0.0, ModelError("two", retryable=True))},
        hedge="on",
        hedge_after=0.05,
    )
    with pytest.raises(ModelError) as info:
        _call(model, Hedge())
    assert info.value.retryable


def test_a_refused_request_is_not_waited_out() -> None:
    model = Server(
        {1: (5.0, "slow"), 2: (0.0, ModelError("HTTP 400"))}, hedge="on", hedge_after=0.05
    )
    with pytest.raises(ModelError, match="HTTP 400"):
        _call(model, Hedge())
    assert model.cancelled == [1]


def test_a_third_request_goes_out_when_two_hang() -> None:
    model = Server({1: (5.0, "a"), 2: (5.0, "b")}, hedge="on", hedge_after=0.05)
    hedge = Hedge()
    assert _call(model, hedge).text == "answer 3"
    assert sorted(model.cancelled) == [1, 2] and hedge.hedges.total() == 2


def test_at_most_four_requests_go_out_then_the_call_waits() -> None:
    assert MAX_REQUESTS == 4
    plan: dict[int, tuple[float, Any]] = {k: (0.5, f"late {k}") for k in range(1, 6)}
    model = Server(plan, hedge="on", hedge_after=0.05)
    hedge = Hedge()
    response, took = timed(WrappedModel(model, [hedge]).generate(MSG, None, GenerateConfig()))
    assert response.text == "late 1"  # nobody answers sooner than the original
    assert took == pytest.approx(0.5, abs=0.01)
    assert model.calls == 4 and hedge.hedges.total() == 3 and sorted(model.cancelled) == [2, 3, 4]


def test_cancelling_the_call_cancels_every_request() -> None:
    plan: dict[int, tuple[float, Any]] = {k: (5.0, "hung") for k in range(1, 5)}
    model = Server(plan, hedge="on", hedge_after=0.02)

    async def go() -> None:
        task = asyncio.ensure_future(
            WrappedModel(model, [Hedge()]).generate(MSG, None, GenerateConfig())
        )
        await asyncio.sleep(0.1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    run(go())
    assert sorted(model.cancelled) == [1, 2, 3, 4]


def test_auto_mode_hedges_only_alarming_calls_until_armed() -> None:
    # plain delay 0.06 s: unarmed, a call is hedged only past ALARM x 0.06 = 0.18 s
    plan: dict[int, tuple[float, Any]] = {
        1: (0.1, "medium, not hedged"),
        2: (5.0, "hung"),  # hedged at 0.18 s (call 3 answers), which arms
        4: (0.1, "medium, now hedged"),  # armed: hedged at 0.06 s (call 5 answers)
    }
    model = Server(plan, hedge_after=0.06)
    assert model.call_args.hedge == "auto" and ALARM == 3.0
    hedge = Hedge()

    async def go() -> list[str]:
        wrapped = WrappedModel(model, [hedge])
        return [(await wrapped.generate(MSG, None, GenerateConfig())).text for _ in range(3)]

    assert run(go()) == ["medium, not hedged", "answer 3", "answer 5"]
    assert model.cancelled == [2, 4] and hedge.hedges.total() == 2


@pytest.mark.parametrize(
    ("error", "arms"),
    [
        (CallTimeout("no answer within 1 s"), True),
        (ModelError("HTTP 500: internal error", retryable=True), True),
        (RateLimited("HTTP 429: slow down"), False),  # hedging would only add load
        (ModelError("HTTP 400: bad request"), False),
    ],
)
def test_signs_of_trouble_arm_auto_mode(error: ModelError, arms: bool) -> None:
    plan: dict[int, tuple[float, Any]] = {1: (0.0, error), 2: (0.1, "medium")}
    model = Server(plan, hedge_after=0.05)  # unarmed, hedged only past 3 x 0.05 s
    hedge = Hedge()

    async def go() -> str:
        wrapped = WrappedModel(model, [hedge])
        with pytest.raises(ModelError):
            await wrapped.generate(MSG, None, GenerateConfig())
        return (await wrapped.generate(MSG, None, GenerateConfig())).text

    assert run(go()) == ("answer 3" if arms else "medium")
    assert model.cancelled == ([2] if arms else [])


def test_the_delay_is_a_multiple_of_the_recent_p95_latency() -> None:
    state = HedgeState(CallArgs(hedge="on", hedge_factor=1.5))
    for _ in range(MIN_OBSERVATIONS - 1):
        state.observe(0.1)
    assert state.delay() is None  # too few observations
    for k in range(100):
        state.observe(0.1 if k % 10 else 1.0)  # 90% at 0.1 s, 10% at 1.0 s: p95 = 1.0
    assert state.delay() == pytest.approx(1.5)
    for _ in range(300):
        state.observe(0.2)  # the window moves on
    assert state.delay() == pytest.approx(0.3)
    default = HedgeState(CallArgs(hedge="on"))  # the p95 itself, after Dean and Barroso
    for _ in range(MIN_OBSERVATIONS):
        default.observe(0.1)
    assert default.delay() == pytest.approx(0.1)


def test_the_budget_caps_hedges() -> None:
    calls = int(MIN_BUCKET) + 3
    plan: dict[int, tuple[float, Any]] = {k: (1.0, "slow") for k in range(1, calls + 1)}
    model = Server(plan, hedge="on", hedge_after=0.01, hedge_budget=0.0)
    hedge = Hedge()

    async def go() -> None:
        wrapped = WrappedModel(model, [hedge])
        await asyncio.gather(*(wrapped.generate(MSG, None, GenerateConfig()) for _ in range(calls)))

    run(go())
    assert hedge.hedges.total() == int(MIN_BUCKET)


def test_a_call_over_budget_hedges_once_other_calls_refill_the_bucket() -> None:
    model = Server({1: (5.0, "hung")}, hedge="on", hedge_after=0.02, hedge_budget=0.5)
    hedge = Hedge()
    state = hedge.state(model)
    assert state is not None

    async def go() -> str:
        wrapped = WrappedModel(model, [hedge])
        state.tokens = -0.5  # spent: the bucket is empty when the hung call comes due
        stuck = asyncio.ensure_future(wrapped.generate(MSG, None, GenerateConfig()))
        await asyncio.sleep(0.1)
        assert model.calls == 1 and hedge.over_budget.total() == 1
        for _ in range(3):  # other samples' calls: each adds half a hedge to the bucket
            await wrapped.generate(MSG, None, GenerateConfig())
        return (await asyncio.wait_for(stuck, 1.0)).text

    text, took = timed(go())
    assert text == "answer 5"  # calls 2-4 were the others', 5 the hedge
    assert took < 0.2 and hedge.hedges.total() == 1  # the hung call did not wait out its 5 s
    assert hedge.over_budget.total() == 1  # counted once per call, however often it looked


def test_hedge_off_and_in_process_models_are_never_hedged() -> None:
    for model in (
        Server({1: (0.2, "slow")}, hedge="off", hedge_after=0.01),
        Local({1: (0.2, "slow")}, hedge="on", hedge_after=0.01),
    ):
        hedge = Hedge()
        assert _call(model, hedge).text == "slow"
        assert model.calls == 1 and hedge.hedges.total() == 0


def test_a_hedged_original_gives_back_its_connection_and_run_slots() -> None:
    from harness.callpath.ratelimit import AdaptiveConcurrency
    from harness.callpath.slots import RunSlots, holding_slot

    plan: dict[int, tuple[float, Any]] = {1: (5.0, "hung"), 2: (0.3, "b"), 3: (0.3, "c")}
    plan[4] = (0.3, "d")
    model = Server(plan, hedge="on", hedge_after=0.05)
    limits = AdaptiveConcurrency(4)
    slots = RunSlots(1)
    seen: dict[str, int] = {}

    async def sample() -> str:
        async with holding_slot(slots):
            wrapped = WrappedModel(model, [Hedge(), limits])
            return (await wrapped.generate(MSG, None, GenerateConfig())).text

    async def main() -> str:
        task = asyncio.ensure_future(sample())
        await asyncio.sleep(0.2)  # three hedges out, the original still hanging
        seen["connections"] = limits.limiters["fake/server"].in_flight
        seen["free run slots"] = slots.free
        return await task

    assert run(main()) == "b"
    assert seen == {"connections": 3, "free run slots": 1}  # the hung original holds neither
    assert limits.limiters["fake/server"].in_flight == 0 and slots.free == 1
