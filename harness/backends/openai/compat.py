"""``openai-compatible/<name>``: any OpenAI-compatible chat-completions server over raw HTTP.

The throughput path: one aiohttp session per model with a connection pool sized for the run's
concurrency, JSON in and out, no SDK in between. ``-M base_url=http://host:port/v1`` (required),
``-M api_key=...`` or ``-M api_key_env=NAME`` (default ``OPENAI_API_KEY``, optional: local servers
need none). Errors become :class:`~harness.errors.ModelError` s the retry wrapper understands:
429 (with Retry-After), 5xx, timeouts and dropped connections are retryable; the rest are not.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from harness.backends.openai.format import parse_chat_response, request_params
from harness.callpath.retry import CallTimeout, RateLimited, parse_retry_after
from harness.errors import ContextOverflowError, ModelError, UserError
from harness.model import Model
from harness.schemas import GenerateConfig, Message, ModelResponse, ToolSpec

RETRYABLE_STATUS = {408, 409, 425, 500, 502, 503, 504, 520, 522, 524, 529}
OVERFLOW_HINTS = (
    "context length",
    "context_length",
    "maximum context",
    "too many tokens",
    "exceed context window",
    "context window",
)


class OpenAICompatArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    base_url: str | None = Field(
        default=None, description="The server's OpenAI API root, e.g. http://127.0.0.1:8000/v1."
    )
    api_key: str | None = Field(
        default=None,
        description="Bearer token (default: $api_key_env); never written to disk.",
        json_schema_extra={"secret": True},
    )
    api_key_env: str = Field(
        default="OPENAI_API_KEY", description="Environment variable holding the key, if any."
    )
    timeout: float = Field(default=600.0, gt=0, description="Seconds per call (-G timeout wins).")
    pool: int | None = Field(
        default=None,
        ge=1,
        description="Most connections open (default: 2 x the run's concurrency, room for hedges).",
    )
    check_server: bool = Field(default=True, description="Probe base_url at start-up.")


class OpenAICompatModel(Model):
    """Any OpenAI-compatible server over HTTP (aiohttp): the fast remote path."""

    provider = "openai-compatible"
    remote = True
    accepts_images = True  # images go as OpenAI image_url parts (data URLs)
    description = "Any OpenAI-compatible chat-completions server: -M base_url=http://host/v1."
    Args = OpenAICompatArgs

    def __init__(self, name: str, args: BaseModel | None = None) -> None:
        super().__init__(name, args)
        self._session: Any = None
        self._pool = 100
        self._url = ""
        self._headers: dict[str, str] = {}
        self._dumps = json.dumps

    @property
    def a(self) -> OpenAICompatArgs:
        return self.args  # type: ignore[return-value]

    def _base_url(self) -> str:
        if not self.a.base_url:
            raise UserError(
                f"{self.spec} needs the server's address: add -M base_url=http://HOST:PORT/v1"
            )
        url = self.a.base_url.rstrip("/")
        if not url.startswith(("http://", "https://")):
            raise UserError(
                f"{self.spec}: base_url must start with http:// or https://, "
                f"got '{self.a.base_url}'"
            )
        return url

    def check(self) -> None:
        import importlib.util

        base = self._base_url()
        if importlib.util.find_spec("aiohttp") is None:
            raise UserError(f"{self.spec} needs aiohttp: pip install 'agentharness[remote]'")
        if self.a.check_server:
            probe_server(base, self.spec, self._api_key())

    def _api_key(self) -> str | None:
        return self.a.api_key or os.environ.get(self.a.api_key_env) or None

    def prepare(self, concurrency: int) -> None:
        self._pool = self.a.pool or 2 * max(concurrency, 1)

    def cache_key_fields(self) -> dict[str, Any]:
        # where the server lives is not what answers: the model name and the URL path are
        return {"model": self.spec, "base_url": self.a.base_url}

    def _ensure_session(self) -> Any:
        import aiohttp

        connector = aiohttp.TCPConnector(
            limit=self._pool,
            limit_per_host=self._pool,
            ttl_dns_cache=300,
            enable_cleanup_closed=True,
        )
        self._url = self._base_url() + "/chat/completions"
        self._headers = {"Content-Type": "application/json"}
        key = self._api_key()
        if key:
            self._headers["Authorization"] = f"Bearer {key}"
        self._session = aiohttp.ClientSession(
            connector=connector, headers=self._headers, timeout=aiohttp.ClientTimeout(total=None)
        )
        return self._session

    async def generate(
        self, messages: list[Message], tools: list[ToolSpec] | None, config: GenerateConfig
    ) -> ModelResponse:
        import asyncio

        import aiohttp

        session = self._session or self._ensure_session()
        body = request_params(messages, tools, config)
        body["model"] = self.name
        timeout = config.timeout or self.a.timeout
        start = time.perf_counter()
        try:
            async with asyncio.timeout(timeout):
                async with session.post(self._url, data=self._dumps(body)) as resp:
                    payload = await resp.read()
                    status = resp.status
                    retry_after = resp.headers.get("Retry-After")
        except TimeoutError:
            raise CallTimeout(f"{self.spec}: no answer within {timeout:g} s") from None
        except aiohttp.ClientError as exc:
            raise ModelError(
                f"{self.spec}: connection to {self._url} failed: {type(exc).__name__}: {exc}",
                retryable=True,
            ) from None
        latency = time.perf_counter() - start
        if status != 200:
            raise status_error(self.spec, status, payload, retry_after)
        try:
            data = json.loads(payload)
        except ValueError:
            raise ModelError(
                f"{self.spec}: the server's answer is not JSON: {payload[:200]!r}", retryable=True
            ) from None
        return parse_chat_response(data, self.spec, latency)

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


def status_error(spec: str, status: int, payload: bytes, retry_after: str | None) -> ModelError:
    """The :class:`ModelError` for a non-200 answer."""
    text = payload[:500].decode("utf-8", "replace")
    try:
        err = json.loads(payload).get("error")
        if isinstance(err, dict) and err.get("message"):
            text = str(err["message"])
        elif isinstance(err, str):
            text = err
    except (ValueError, AttributeError):
        pass
    message = f"{spec}: HTTP {status}: {text}"
    if status == 429:
        return RateLimited(message, parse_retry_after(retry_after))
    if status in RETRYABLE_STATUS or status >= 500:
        return ModelError(message, retryable=True, retry_after=parse_retry_after(retry_after))
    if status == 400 and any(h in text.lower() for h in OVERFLOW_HINTS):
        return ContextOverflowError(message)
    if status in (401, 403):
        return ModelError(message + " (check -M api_key or the key's environment variable)")
    return ModelError(message)


def probe_server(base_url: str, spec: str, api_key: str | None, timeout: float = 5.0) -> None:
    """Raise :class:`UserError` if nothing answers at ``base_url`` (any HTTP answer will do)."""
    import urllib.error
    import urllib.request

    request = urllib.request.Request(base_url + "/models")
    if api_key:
        request.add_header("Authorization", f"Bearer {api_key}")
    try:
        with urllib.request.urlopen(request, timeout=timeout):
            return
    except urllib.error.HTTPError:
        return  # the server is there; it just does not list models (or wants a key)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise UserError(
            f"{spec}: cannot reach the server at {base_url} ({reason}). Start the server, or fix "
            "-M base_url=http://HOST:PORT/v1 (add -M check_server=false to skip this check)"
        ) from None
