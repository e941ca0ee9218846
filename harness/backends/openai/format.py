"""The OpenAI chat-completions format: requests from harness types, responses into them.

Shared by the ``openai-compatible`` (raw HTTP) and ``litellm`` backends, so a tool call means the
same thing whichever path served it. A malformed tool call is kept: its text in ``raw_arguments``,
what is wrong in ``parse_error``, never dropped.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from harness.schemas import GenerateConfig, Message, ModelResponse, ToolCall, ToolSpec, Usage

_CORE_FIELDS = {
    "temperature",
    "top_p",
    "max_tokens",
    "stop",
    "seed",
    "json_schema",
    "tool_choice",
    "timeout",
}


def request_params(
    messages: list[Message], tools: list[ToolSpec] | None, config: GenerateConfig
) -> dict[str, Any]:
    """The body of a chat-completions request, minus ``model``."""
    body: dict[str, Any] = {"messages": [m.to_openai() for m in messages]}
    if config.temperature is not None:
        body["temperature"] = config.temperature
    if config.top_p is not None:
        body["top_p"] = config.top_p
    if config.max_tokens is not None:
        body["max_tokens"] = config.max_tokens
    if config.stop:
        body["stop"] = config.stop
    if config.seed is not None:
        body["seed"] = config.seed
    if config.json_schema:
        body["response_format"] = {
            "type": "json_schema",
            "json_schema": {"name": "response", "schema": config.json_schema, "strict": True},
        }
    if tools:
        body["tools"] = [t.to_openai() for t in tools]
        choice = config.tool_choice
        if choice in ("auto", "none", "required"):
            body["tool_choice"] = choice
        elif choice:
            body["tool_choice"] = {"type": "function", "function": {"name": choice}}
    extra = config.model_extra or {}
    for key, value in extra.items():
        if key not in _CORE_FIELDS:
            body[key] = value
    return body


def parse_tool_call(raw: Any, index: int, salt: str = "") -> ToolCall:
    """One entry of ``message.tool_calls`` (a dict) into a :class:`ToolCall`, malformed or not."""
    if not isinstance(raw, dict):
        raw = {}
    fn = raw.get("function") if isinstance(raw.get("function"), dict) else {}
    name: str = fn["name"] if isinstance(fn.get("name"), str) else ""
    arguments = fn.get("arguments")
    problems: list[str] = []
    if not name:
        problems.append("the call has no function name")
    parsed: dict[str, Any] = {}
    raw_text: str | None
    if isinstance(arguments, dict):  # some servers send an object instead of a JSON string
        parsed, raw_text = arguments, json.dumps(arguments)
    elif isinstance(arguments, str):
        raw_text = arguments
        if arguments.strip() == "":
            parsed = {}
        else:
            try:
                value = json.loads(arguments)
            except ValueError as exc:
                problems.append(f"arguments are not valid JSON: {exc}")
            else:
                if isinstance(value, dict):
                    parsed = value
                else:
                    problems.append(f"arguments are JSON but not an object: {type(value).__name__}")
    elif arguments is None:
        raw_text = None
    else:
        raw_text = str(arguments)
        problems.append(f"arguments are a {type(arguments).__name__}, not a JSON string")
    call_id = raw.get("id") if isinstance(raw.get("id"), str) and raw.get("id") else None
    if call_id is None:
        digest = hashlib.sha1(f"{salt}:{index}:{name}:{raw_text}".encode()).hexdigest()[:12]
        call_id = f"call_{digest}"
    return ToolCall(
        id=call_id,
        name=name,
        arguments=parsed,
        raw_arguments=raw_text,
        parse_error="; ".join(problems) or None,
    )


def parse_usage(raw: Any) -> Usage:
    if not isinstance(raw, dict):
        return Usage()
    return Usage(
        input_tokens=int(raw.get("prompt_tokens") or 0),
        output_tokens=int(raw.get("completion_tokens") or 0),
    )


def parse_chat_response(data: Any, spec: str, latency: float) -> ModelResponse:
    """A chat-completions response body (already JSON-decoded) into a :class:`ModelResponse`."""
    from harness.errors import ModelError

    choices = data.get("choices") if isinstance(data, dict) else None
    if not choices or not isinstance(choices[0], dict):
        raise ModelError(
            f"{spec}: the server's answer has no choices: {str(data)[:200]}", retryable=True
        )
    choice = choices[0]
    message = choice.get("message") or {}
    text = message.get("content") or ""
    if not isinstance(text, str):  # content parts
        text = "".join(p.get("text", "") for p in text if isinstance(p, dict))
    raw_calls = message.get("tool_calls") or []
    salt = str(data.get("id", ""))
    calls = [parse_tool_call(c, i, salt) for i, c in enumerate(raw_calls)]
    return ModelResponse(
        text=text,
        tool_calls=calls,
        usage=parse_usage(data.get("usage")),
        latency=latency,
        finish_reason=choice.get("finish_reason"),
        model=spec,
    )
