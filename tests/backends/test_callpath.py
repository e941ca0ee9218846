"""The call path: argument split, retries with backoff, AIMD concurrency, rpm/tpm limits, and a
failing model ending as an error record."""

from __future__ import annotations

import asyncio
import random
import time
from pathlib import Path
from typing import Any

import pytest

from harness.callpath import CallArgs, default_wrappers, split_call_args
from harness.callpath.ratelimit import AdaptiveConcurrency, AimdLimiter, RateLimit
from harness.callpath.retry import RateLimited, Retry, backoff_delay, parse_retry_after
from harness.errors import ModelError, UserError
from harness.model import Model, WrappedModel
from harness.plugins.models import load_model
from harness.run.runner import Runner
from harness.schemas import GenerateConfig, Message, ModelResponse, RunConfig, ToolSpec, Usage

MSG = [Message(role="user", content="hello there")]


class Flaky(Model):
    """Fails its first ``fails`` calls with ``error()``, then answers; counts calls."""

    provider = "flaky"

    def __init__(self, fails: int, error: Any, delay: float = 0.0, **call: Any) -> None:
        super().__init__("test")
        self.fails, self.error, self.delay = fails, error, delay
        self.calls = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self.call_args = CallArgs(**call)

    async def generate(
        self, messages: list[Message], tools: list[ToolSpec] | None, config: GenerateConfig
    ) -> ModelResponse:
        self.calls += 1
        n = self.calls
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.delay:
                await asyncio.sleep(self.delay)
            if n <= self.fails:
                raise self.error()
            return ModelResponse(text="42", usage=Usage(input_tokens=10, output_tokens=10))
        finally:
            self.in_flight -= 1


def test_split_call_args_and_load_model() -> None:
    call, rest = split_call_args({"rpm": "600", "max_retries": "3", "responses": "[]"}, "x/y")
    assert call.rpm == 600 and call.max_retries == 3 and rest == {"responses": "[]"}
    model = load_model("scripted/echo", {"rpm": "60", "tpm": "1000"})
    assert model.call_args.rpm == 60 and model.call_args.tpm == 1000
    with pytest.raises(UserError, match=r"call-path arguments.*rpm"):
        load_model("scripted/echo", {"rpm": "-1"})
    with pytest.raises(UserError, match="unknown option 'bogus'"):
        load_model("scripted/echo", {"bogus": "1"})


def test_retry_after_parsing_and_backoff_bounds() -> None:
    assert parse_retry_after("2") == 2.0 and parse_retry_after(None) is None
    assert parse_retry_after("nonsense") is None
    assert 0 <= parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") <= 0.0  # in the past
    rng = random.Random(0)
    for attempt in range(8):
        d = backoff_delay(attempt, 1.0, 10.0, None, rng)
        step = min(10.0, 2.0**attempt)
        assert 0 <= d <= step  # full jitter
    draws = [backoff_delay(3, 1.0, 10.0, None, rng) for _ in range(4000)]
    assert max(draws) <= 8.0 and abs(sum(draws) / len(draws) - 4.0) < 0.2  # uniform on [0, 8]
    assert sum(d < 2.0 for d in draws) > 800  # not "equal jitter" (which never goes below 4)
    assert 3.0 <= backoff_delay(0, 1.0, 10.0, 3.0, rng) <= 3.31


async def _wrapped_call(model: Model, wrappers: list[Any]) -> ModelResponse:
    return await WrappedModel(model, wrappers).generate(MSG, None, GenerateConfig())


def test_retry_recovers_from_retryable_errors_and_honours_retry_after() -> None:
    model = Flaky(2, lambda: RateLimited("429", retry_after=0.3), retry_base=0.01)
    retry = Retry(seed=0)
    t0 = time.monotonic()
    assert asyncio.run(_wrapped_call(model, [retry])).text == "42"
    assert model.calls == 3 and retry.retries["flaky/test"] == 2
    assert time.monotonic() - t0 >= 0.6  # two Retry-After waits of 0.3 s


def test_non_retryable_errors_pass_at_once_and_persistent_ones_give_up() -> None:
    model = Flaky(5, lambda: ModelError("bad request"), retry_base=0.01)
    with pytest.raises(ModelError, match="bad request"):
        asyncio.run(_wrapped_call(model, [Retry()]))
    assert model.calls == 1
    model = Flaky(
        99, lambda: ModelError("HTTP 500", retryable=True), retry_base=0.001, max_retries=3
    )
    with pytest.raises(ModelError, match=r"flaky/test: gave up after 4 attempts.*HTTP 500"):
        asyncio.run(_wrapped_call(model, [Retry()]))
    assert model.calls == 4


def test_aimd_halves_once_per_congestion_event_and_climbs_back() -> None:
    lim = AimdLimiter(16, cooldown=0.0)
    epoch = lim.cuts
    lim.on_rate_limited(epoch)
    lim.on_rate_limited(epoch)  # a second 429 from the same window does not cut again
    assert int(lim.limit) == 8 and lim.cuts == 1
    lim.on_rate_limited(lim.cuts)
    assert int(lim.limit) == 4
    for _ in range(200):
        lim.on_success()
    assert int(lim.limit) == 16
    assert [v for _, v in lim.curve][:3] == [16, 8, 4] and lim.curve[-1][1] == 16
    floor = AimdLimiter(4, floor=2, cooldown=0.0)
    slow = AimdLimiter(8)
    slow.on_rate_limited(0)
    slow.on_rate_limited(1)  # within the cooldown: no second cut
    assert int(slow.limit) == 4 and slow.cuts == 1
    for _ in range(5):
        floor.on_rate_limited(floor.cuts)
    assert int(floor.limit) == 2


def test_adaptive_concurrency_bounds_in_flight_requests() -> None:
    model = Flaky(0, None, delay=0.01, max_connections=5)

    async def go() -> None:
        wrapped = WrappedModel(model, [AdaptiveConcurrency(64)])
        await asyncio.gather(*(wrapped.generate(MSG, None, GenerateConfig()) for _ in range(40)))

    asyncio.run(go())
    assert model.calls == 40 and model.max_in_flight == 5


def test_rate_limited_burst_backs_off_then_everything_finishes() -> None:
    model = Flaky(8, lambda: RateLimited("429", retry_after=0.05), delay=0.005, retry_base=0.01)
    conc = AdaptiveConcurrency(32)

    async def go() -> list[ModelResponse]:
        wrapped = WrappedModel(model, [Retry(seed=1), conc])
        return await asyncio.gather(
            *(wrapped.generate(MSG, None, GenerateConfig()) for _ in range(64))
        )

    assert len(asyncio.run(go())) == 64
    lim = conc.limiters["flaky/test"]
    assert lim.cuts >= 1 and min(v for _, v in lim.curve) <= 16


def test_rpm_and_tpm_limits_space_requests() -> None:
    async def timed(model: Model, n: int) -> float:
        wrapped = WrappedModel(model, [RateLimit()])
        t0 = time.monotonic()
        await asyncio.gather(*(wrapped.generate(MSG, None, GenerateConfig()) for _ in range(n)))
        return time.monotonic() - t0

    # 600 rpm = 10/s with one second of burst: 11 at once, the other 9 spaced 0.1 s
    assert 0.8 <= asyncio.run(timed(Flaky(0, None, rpm=600), 20)) <= 1.6

    # each call reports 20 tokens; 1200 tpm = 20 tokens/s: after one second of burst, one call a
    # second (calls one after another: the estimate is corrected by each answer's usage)
    async def sequential(model: Model, n: int) -> float:
        wrapped = WrappedModel(model, [RateLimit()])
        t0 = time.monotonic()
        for _ in range(n):
            await wrapped.generate(MSG, None, GenerateConfig())
        return time.monotonic() - t0

    assert 1.5 <= asyncio.run(sequential(Flaky(0, None, tpm=1200), 4)) <= 3.0
    assert asyncio.run(timed(Flaky(0, None), 50)) < 0.3  # no limits: straight through


def test_default_chain_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HARNESS_CACHE_DIR", str(tmp_path))
    names = [type(w).__name__ for w in default_wrappers(RunConfig(task="t", model="m"), None)]
    assert names == ["Retry", "Hedge", "AdaptiveConcurrency", "RateLimit"]
    cached = default_wrappers(RunConfig(task="t", model="m", cache=True), None)
    assert next(type(w).__name__ for w in cached) == "CacheWrapper"


def test_a_call_that_exhausts_its_retries_is_an_error_record(tmp_path: Path) -> None:
    # what --resume then does with error records is tests/test_runner.py's business
    cfg = RunConfig(task="sanity", model="flaky/test", limit=3)
    broken = Flaky(
        10**6,
        lambda: ModelError("HTTP 503: overloaded", retryable=True),
        retry_base=0.001,
        max_retries=2,
    )
    run_dir, result = Runner(cfg, tmp_path, model_overrides={"flaky/test": broken}).run()
    assert result.errors == 3 and broken.calls == 9
    import json

    recs = [json.loads(x) for x in (run_dir / "samples.jsonl").read_text().splitlines()]
    assert {r["status"] for r in recs} == {"error"}
    assert all(
        "gave up after 3 attempts" in r["error"]["message"] and "HTTP 503" in r["error"]["message"]
        for r in recs
    )


class Outage(Flaky):
    """Fails every call (HTTP 503) for ``seconds`` after its first call, then answers."""

    def __init__(self, seconds: float, **call: Any) -> None:
        super().__init__(0, None, **call)
        self.seconds = seconds
        self.first: float | None = None

    async def generate(
        self, messages: list[Message], tools: list[ToolSpec] | None, config: GenerateConfig
    ) -> ModelResponse:
        self.calls += 1
        now = time.monotonic()
        self.first = self.first if self.first is not None else now
        if now - self.first < self.seconds:
            raise ModelError("HTTP 503: down", retryable=True)
        return ModelResponse(text="42")


@pytest.mark.parametrize("seed", range(5))
def test_issue27_defect7_an_outage_shorter_than_the_retry_budget_is_ridden_out(seed: int) -> None:
    """Seven full-jitter backoffs can add up to very little: the budget, not the count, bounds
    retries, so a call survives an outage of any length under ``retry_budget``."""
    model = Outage(1.5, retry_base=0.01)  # every other setting at its default
    assert asyncio.run(_wrapped_call(model, [Retry(seed=seed)])).text == "42"
    assert model.calls > 2


def test_issue27_defect7_the_retry_budget_bounds_a_dead_model_in_time() -> None:
    model = Outage(99, retry_base=0.01, retry_budget=0.4)
    t0 = time.monotonic()
    with pytest.raises(ModelError, match=r"gave up after \d+ attempts in 0\.\d s.*retry_budget"):
        asyncio.run(_wrapped_call(model, [Retry(seed=0)]))
    assert 0.4 <= time.monotonic() - t0 < 1.0


def test_issue27_defect7_defaults_are_the_measured_ones_and_documented() -> None:
    """The README's fault figures were measured with retry_base=0.05 and a time budget; the
    defaults are those settings, and docs/remote-backends.md's table shows them."""
    defaults = CallArgs()
    assert defaults.retry_base == 0.05 and defaults.retry_budget == 30
    assert defaults.max_retries is None
    table = (Path(__file__).parents[2] / "docs" / "remote-backends.md").read_text()
    assert (
        "| `retry_budget` | 30 |" in table
        and "| `retry_base`, `retry_max_wait` | 0.05, 60 |" in table
    )
