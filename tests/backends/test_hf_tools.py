"""Tool-call rendering and parsing shared by the local engines (hf/, offline vllm/)."""

from __future__ import annotations

import json

from harness.backends.hf.tiny import PLAIN_TEMPLATE, TOOLS_TEMPLATE
from harness.backends.hf.tools import (
    call_json,
    fallback_messages,
    parse_tool_calls,
    template_supports_tools,
    tools_prompt,
)
from harness.schemas import Message, ToolCall, ToolSpec

ADD = ToolSpec(
    name="add",
    description="Add two numbers.",
    parameters={"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}}},
)


def test_fallback_format_round_trip() -> None:
    """What the fallback prompt asks for is exactly what the parser reads back."""
    call = ToolCall(id="c1", name="add", arguments={"a": 2, "b": 3})
    text, calls = parse_tool_calls(call_json(call))
    assert text == ""
    assert [(c.name, c.arguments, c.parse_error) for c in calls] == [
        ("add", {"a": 2, "b": 3}, None)
    ]
    assert calls[0].id.startswith("call_")


def test_bare_json_call_with_surrounding_text_and_fence() -> None:
    out = 'Let me add.\n```json\n{"name": "add", "arguments": {"a": 1, "b": 2}}\n```'
    text, calls = parse_tool_calls(out)
    assert text == "Let me add."
    assert calls[0].name == "add" and calls[0].arguments == {"a": 1, "b": 2}


def test_tagged_calls_parameters_key_and_string_arguments() -> None:
    out = (
        '<tool_call>{"name": "add", "parameters": {"a": 1}}</tool_call>\n'
        '<tool_call>{"name": "mul", "arguments": "{\\"x\\": 4}"}</tool_call>'
    )
    _, calls = parse_tool_calls(out)
    assert [(c.name, c.arguments) for c in calls] == [("add", {"a": 1}), ("mul", {"x": 4})]
    assert calls[1].raw_arguments == '{"x": 4}'
    assert len({c.id for c in calls}) == 2


def test_mistral_style_list() -> None:
    out = '[TOOL_CALLS][{"name": "add", "arguments": {"a": 5, "b": 6}}]'
    text, calls = parse_tool_calls(out)
    assert text == "" and calls[0].arguments == {"a": 5, "b": 6}


def test_malformed_call_is_kept_with_its_error() -> None:
    out = '{"name": "add", "arguments": {"a": 1, "b": }'
    _text, calls = parse_tool_calls(out)
    assert len(calls) == 1
    assert calls[0].name == "add" and calls[0].arguments == {}
    assert calls[0].parse_error and calls[0].raw_arguments == out
    tagged = "<tool_call>{not json</tool_call>"
    _, calls = parse_tool_calls(tagged)
    assert calls[0].parse_error and calls[0].raw_arguments == "{not json"


def test_plain_text_and_unrelated_json_are_not_calls() -> None:
    assert parse_tool_calls("The answer is 5.") == ("The answer is 5.", [])
    text, calls = parse_tool_calls('{"answer": 5}')
    assert calls == [] and json.loads(text) == {"answer": 5}


def test_template_tool_detection() -> None:
    assert template_supports_tools(TOOLS_TEMPLATE)
    assert not template_supports_tools(PLAIN_TEMPLATE)
    assert not template_supports_tools(None)


def test_fallback_messages_render_history() -> None:
    msgs = [
        Message(role="user", content="What is 2 + 3?"),
        Message(role="assistant", tool_calls=[ToolCall(id="c", name="add", arguments={"a": 2})]),
        Message(role="tool", content="5", tool_call_id="c", name="add"),
    ]
    out = fallback_messages(msgs, [ADD], "required", default_system="Be brief.")
    assert [m["role"] for m in out] == ["system", "user", "assistant", "user"]
    assert out[0]["content"].startswith("Be brief.\n\n# Tools")
    assert "You must call one of the tools" in out[0]["content"]
    assert json.loads(out[2]["content"]) == {"name": "add", "arguments": {"a": 2}}
    assert out[3]["content"] == "Result of add:\n5"
    assert "## add" in tools_prompt([ADD]) and '"type": "object"' in tools_prompt([ADD])
