"""``litellm/<any litellm model string>``: every provider litellm supports (OpenAI, Anthropic,
Gemini, Bedrock, Ollama, vLLM servers, ...), keys from the environment.

litellm is imported on first use (it takes seconds), never at ``harness`` start-up; its remote
model-cost map stays off (``harness/__init__.py`` sets ``LITELLM_LOCAL_MODEL_COST_MAP``). It is
called with ``max_retries=0``: retries, backoff and rate limits belong to the harness call path
(:mod:`harness.callpath.retry`, :mod:`harness.callpath.ratelimit`). Cost is recorded per call when
litellm's local price table knows the model, ``None`` otherwise. Tool calls go through the same
normalisation as the ``openai-compatible`` path (:mod:`harness.backends.openai.format`).
"""

from __future__ import annotations

import time
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from harness.backends.openai.format import parse_chat_response, request_params
from harness.callpath.retry import CallTimeout, RateLimited, parse_retry_after
from harness.errors import ContextOverflowError, ModelError, UserError
from harness.model import Model
from harness.schemas import GenerateConfig, Message, ModelResponse, ToolSpec

_litellm: Any = None


def litellm_module() -> Any:
    """``import litellm`` once, quietly."""
    global _litellm
    if _litellm is None:
        try:
            import litellm
        except ImportError:
            raise UserError(
                "litellm models need litellm: pip install 'agentharness[remote]'"
            ) from None
        litellm.suppress_debug_info = True
        litellm.telemetry = False
        litellm.drop_params = False
        _litellm = litellm
    return _litellm


class LiteLLMArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    api_base: str | None = Field(default=None, description="Override the provider's endpoint.")
    api_key: str | None = Field(
        default=None,
        description="The key (default: the provider's environment variable); never written.",
        json_schema_extra={"secret": True},
    )
    api_version: str | None = Field(default=None, description="API version (Azure).")
    timeout: float = Field(default=600.0, gt=0, description="Seconds per call (-G timeout wins).")
    drop_params: bool = Field(
        default=False, description="Let litellm drop settings the provider does not support."
    )
    extra: dict[str, Any] = Field(
        default_factory=dict, description="More keyword arguments for litellm.acompletion."
    )


class LiteLLMModel(Model):
    """Any model litellm can reach (``litellm/openai/gpt-4o-mini``, ``litellm/anthropic/...``)."""

    provider = "litellm"
    remote = True
    accepts_images = True  # OpenAI image_url parts (data URLs); litellm maps them per provider
    description = "Any provider litellm supports: litellm/openai/gpt-4o-mini, litellm/anthropic/..."
    Args = LiteLLMArgs

    @property
    def a(self) -> LiteLLMArgs:
        return self.args  # type: ignore[return-value]

    def check(self) -> None:
        litellm = litellm_module()
        try:
            _, provider, _, _ = litellm.get_llm_provider(self.name, api_base=self.a.api_base)
        except Exception as exc:
            raise UserError(
                f"{self.spec}: litellm does not know this model string ({_first_line(exc)}). "
                "Write it as litellm/PROVIDER/MODEL, e.g. litellm/openai/gpt-4o-mini"
            ) from None
        if self.a.api_key:
            return
        env = litellm.validate_environment(
            model=self.name, api_base=self.a.api_base, api_version=self.a.api_version
        )
        missing = env.get("missing_keys") or []
        if missing:
            names = " and ".join(missing)
            raise UserError(
                f"{self.spec} needs {names} in the environment (provider '{provider}'): "
                f"export {missing[0]}=... or pass -M api_key=..."
            )

    def cache_key_fields(self) -> dict[str, Any]:
        a = self.a
        return {
            "model": self.spec,
            "api_base": a.api_base,
            "api_version": a.api_version,
            "extra": a.extra,
        }

    def _kwargs(
        self, messages: list[Message], tools: list[ToolSpec] | None, config: GenerateConfig
    ) -> dict[str, Any]:
        a = self.a
        kwargs = request_params(messages, tools, config)
        kwargs.update(
            model=self.name,
            max_retries=0,
            num_retries=0,
            timeout=config.timeout or a.timeout,
            **a.extra,
        )
        for key in ("api_base", "api_key", "api_version"):
            value = getattr(a, key)
            if value is not None:
                kwargs[key] = value
        if a.drop_params:
            kwargs["drop_params"] = True
        return kwargs

    async def generate(
        self, messages: list[Message], tools: list[ToolSpec] | None, config: GenerateConfig
    ) -> ModelResponse:
        litellm = litellm_module()
        kwargs = self._kwargs(messages, tools, config)
        start = time.perf_counter()
        try:
            raw = await litellm.acompletion(**kwargs)
        except Exception as exc:
            raise translate_error(self.spec, exc) from exc
        latency = time.perf_counter() - start
        data = raw.model_dump() if hasattr(raw, "model_dump") else dict(raw)
        response = parse_chat_response(data, self.spec, latency)
        cost = response_cost(litellm, raw)
        if cost is not None:
            response.usage.cost = cost
        return response


def response_cost(litellm: Any, raw: Any) -> float | None:
    """USD for one response when litellm's local price table knows the model, else None."""
    hidden = getattr(raw, "_hidden_params", None) or {}
    cost = hidden.get("response_cost") if isinstance(hidden, dict) else None
    if cost is None:
        try:
            cost = litellm.completion_cost(completion_response=raw)
        except Exception:  # local and unknown models: litellm raises, the cost is unknown
            return None
    try:
        return float(cost) if cost is not None else None
    except (TypeError, ValueError):
        return None


def translate_error(spec: str, exc: Exception) -> Exception:
    """litellm's exceptions into :class:`ModelError` s the retry wrapper understands."""
    if isinstance(exc, ModelError | UserError):
        return exc
    litellm = litellm_module()
    name = type(exc).__name__
    message = f"{spec}: {name}: {_first_line(exc)}"
    status = getattr(exc, "status_code", None)
    if isinstance(exc, litellm.ContextWindowExceededError):
        return ContextOverflowError(message)
    if isinstance(exc, litellm.RateLimitError) or status == 429:
        return RateLimited(message, _retry_after(exc))
    if isinstance(exc, litellm.Timeout | TimeoutError):
        return CallTimeout(message)
    if isinstance(exc, litellm.AuthenticationError | litellm.PermissionDeniedError):
        return ModelError(message + " (check the provider's API key)")
    if isinstance(
        exc,
        litellm.APIConnectionError
        | litellm.InternalServerError
        | litellm.ServiceUnavailableError
        | litellm.BadGatewayError,
    ):
        return ModelError(message, retryable=True, retry_after=_retry_after(exc))
    if isinstance(status, int) and (status >= 500 or status in (408, 409)):
        return ModelError(message, retryable=True, retry_after=_retry_after(exc))
    return ModelError(message)


def _retry_after(exc: Exception) -> float | None:
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    try:
        return parse_retry_after(headers.get("retry-after"))
    except Exception:
        return None


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__
