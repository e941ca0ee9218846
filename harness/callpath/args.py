"""The model arguments the call path consumes, taken out before the backend sees its own.

Call-path settings arrive as ordinary ``-M key=value`` model arguments (``-M rpm=600
-M tpm=100000 -M max_retries=6``). :func:`split_call_args` takes them out before the backend sees
its own arguments, and :func:`harness.plugins.models.load_model` keeps them on ``model.call_args``.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from harness.options import validate


class CallArgs(BaseModel):
    """Model arguments the call path consumes (``-M key=value``); the backend never sees them."""

    model_config = ConfigDict(extra="forbid")

    max_retries: int | None = Field(
        default=None,
        ge=0,
        description="Most retries of a failed call (429/5xx/timeout); default: no count, the "
        "retry_budget bounds them.",
    )
    retry_budget: float = Field(
        default=30.0,
        ge=0,
        description="Seconds a failing call keeps being retried, from its first failure: an "
        "outage shorter than this is ridden out, however the jittered backoffs fall.",
    )
    retry_base: float = Field(
        default=0.05,
        gt=0,
        description="First backoff in seconds; doubles each retry (jittered).",
    )
    retry_max_wait: float = Field(default=60.0, gt=0, description="Longest backoff in seconds.")
    rpm: float | None = Field(default=None, gt=0, description="Requests per minute to this model.")
    tpm: float | None = Field(default=None, gt=0, description="Tokens per minute to this model.")
    max_connections: int | None = Field(
        default=None,
        ge=1,
        description="Most requests in flight to this model (default: --max-concurrency).",
    )
    adaptive: bool = Field(
        default=True, description="Halve the requests in flight on 429, then climb back."
    )
    min_connections: int = Field(default=1, ge=1, description="Adaptive concurrency floor.")
    hedge: Literal["auto", "on", "off"] = Field(
        default="auto",
        description="Resend a call that runs far past the usual latency: auto = when it runs "
        "3 x the hedge delay, or after the model shows trouble (timeout, 5xx), on = always, "
        "off = never (remote backends only).",
    )
    hedge_after: float | None = Field(
        default=None, gt=0, description="Seconds before a hedge (default: hedge_factor x p95)."
    )
    hedge_factor: float = Field(
        default=1.0, gt=0, description="Hedge after this many times the p95 latency."
    )
    hedge_budget: float = Field(
        default=0.2,
        ge=0,
        le=1,
        description="Most calls hedged, as a share of all calls (1: no cap).",
    )
    hedge_window: float = Field(
        default=60.0,
        gt=0,
        description="Seconds hedge=auto stays armed after the last sign of trouble.",
    )
    cache_ttl_days: float | None = Field(
        default=None, gt=0, description="Cache entries older than this are not served (days)."
    )


CALL_ARG_NAMES = frozenset(CallArgs.model_fields)


def split_call_args(args: dict[str, Any], spec: str) -> tuple[CallArgs, dict[str, Any]]:
    """(the call path's settings, what is left for the backend)."""
    mine = {k: v for k, v in args.items() if k in CALL_ARG_NAMES}
    rest = {k: v for k, v in args.items() if k not in CALL_ARG_NAMES}
    call = validate(CallArgs, mine, f"call-path arguments (-M) for {spec}")
    return call, rest  # type: ignore[return-value]


def call_args_of(model: Any) -> CallArgs:
    """The model's call-path settings (defaults for a model built without :func:`load_model`)."""
    args = getattr(model, "call_args", None)
    return args if isinstance(args, CallArgs) else DEFAULT_CALL_ARGS


DEFAULT_CALL_ARGS = CallArgs()
