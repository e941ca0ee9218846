"""The OpenAI chat format of the remote backends: requests out, responses and tool calls in."""

from __future__ import annotations

import pytest

from harness.backends.openai.format import parse_chat_response, parse_tool_call, request_params
from harness.errors import ModelError
from harness.schemas import GenerateConfig, Message, ToolCall, ToolSpec


def _call(arguments: object, name: object = "add", id_: object = "c1") -> ToolCall:
    return parse_tool_call(
        {"id": id_, "type": "function", "function": {"name": name, "arguments": arguments}}, 0
    )


def test_well_formed_call_parses() -> None:
    call = _call('{"a": 1, "b": 2}')
    assert call.arguments == {"a": 1, "b": 2} and call.parse_error is None
    assert call.raw_arguments == '{"a": 1, "b": 2}' and call.id == "c1"


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        ('{"a": 1,', "not valid JSON"),
        ("[1, 2]", "not an object"),
        ("42", "not an object"),
    ],
)
def test_malformed_arguments_are_kept_not_dropped(raw: str, why: str) -> None:
    call = _call(raw)
    assert call.raw_arguments == raw and call.arguments == {}
    assert call.parse_error is not None and why in call.parse_error


def test_missing_name_and_id_and_object_arguments() -> None:
    call = parse_tool_call({"function": {"arguments": {"x": 1}}}, 3, salt="resp")
    assert call.name == "" and "no function name" in (call.parse_error or "")
    assert call.arguments == {"x": 1} and call.raw_arguments == '{"x": 1}'
    assert call.id.startswith("call_")
    assert parse_tool_call({"function": {"arguments": {"x": 1}}}, 3, salt="resp").id == call.id
    assert parse_tool_call("garbage", 0).parse_error


def test_response_parsing_keeps_every_call() -> None:
    data = {
        "id": "r1",
        "choices": [
            {
                "finish_reason": "tool_calls",
                "message": {
                    "content": None,
                    "tool_calls": [
                        {"id": "a", "function": {"name": "add", "arguments": '{"a": 1, "b": 2}'}},
                        {"id": "b", "function": {"name": "mul", "arguments": "{oops"}},
                    ],
                },
            }
        ],
        "usage": {"prompt_tokens": 7, "completion_tokens": 3},
    }
    r = parse_chat_response(data, "openai-compatible/x", 0.5)
    assert [c.name for c in r.tool_calls] == ["add", "mul"]
    assert r.tool_calls[1].parse_error and r.tool_calls[1].raw_arguments == "{oops"
    assert r.usage.input_tokens == 7 and r.usage.output_tokens == 3
    assert r.text == "" and r.finish_reason == "tool_calls" and r.model == "openai-compatible/x"
    with pytest.raises(ModelError):
        parse_chat_response({"choices": []}, "openai-compatible/x", 0.1)


def test_request_params() -> None:
    tools = [ToolSpec(name="add", parameters={"type": "object", "properties": {}})]
    cfg = GenerateConfig(
        temperature=0.0,
        max_tokens=8,
        seed=5,
        stop=["\n"],
        tool_choice="add",
        json_schema={"type": "object"},
        timeout=3,
        repeat_penalty=1.0,
    )
    body = request_params([Message(role="user", content="hi")], tools, cfg)
    assert body["messages"] == [{"role": "user", "content": "hi"}]
    assert body["tool_choice"] == {"type": "function", "function": {"name": "add"}}
    assert body["seed"] == 5 and body["max_tokens"] == 8 and body["stop"] == ["\n"]
    assert body["response_format"]["json_schema"]["schema"] == {"type": "object"}
    assert body["repeat_penalty"] == 1.0 and "timeout" not in body
    assert "tools" not in request_params([], None, GenerateConfig(tool_choice="auto"))
