"""Tool calls for local engines (``hf/``, offline ``vllm/``): rendering and parsing.

Rendering: a chat template that reads a ``tools`` variable gets the tools natively
(``apply_chat_template(..., tools=...)``). A template that cannot render tools gets the
**fallback format**: the tool list is appended to the system prompt, with the instruction to
answer a call with one JSON object ``{"name": "<tool>", "arguments": {...}}`` and nothing else;
earlier calls in the conversation are shown to the model in that same JSON form, and tool results
come back as user turns beginning ``Result of <tool>:``.

Parsing (both cases): the output is searched for calls written as ``<tool_call>{...}</tool_call>``
(Hermes/Qwen style), ``[TOOL_CALLS][...]`` (Mistral style) or a bare JSON object (or list of
objects) with a string ``name`` and an ``arguments`` (or ``parameters``) object. A call whose JSON
does not parse is kept as a :class:`ToolCall` with ``parse_error`` set, never dropped.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from harness.schemas import ImagePart, Message, TextPart, ToolCall, ToolSpec

_TAGGED = re.compile(r"<tool_call>(.*?)(?:</tool_call>|$)", re.S)
_NAME = re.compile(r'"name"\s*:\s*"([^"\\]*)"')
_FENCE = re.compile(r"```(?:json)?\s*```", re.S)


# --------------------------------------------------------------------------- rendering


def template_supports_tools(template: str | None) -> bool:
    """True if a Jinja chat template reads the ``tools`` variable."""
    if not template:
        return False
    import jinja2
    from jinja2 import meta

    try:
        ast = jinja2.Environment().parse(template)
    except jinja2.TemplateSyntaxError:
        return "tools" in template
    return "tools" in meta.find_undeclared_variables(ast)


def tools_prompt(tools: list[ToolSpec], tool_choice: str | None = None) -> str:
    """The fallback description of ``tools`` appended to the system prompt."""
    lines = [
        "# Tools",
        "",
        "You can call the tools listed below. To call one, reply with exactly one JSON object "
        "and no other text:",
        '{"name": "<tool name>", "arguments": {<arguments as a JSON object>}}',
        "The result of the call comes back in the next message. "
        "To answer without calling a tool, reply in plain text.",
    ]
    if tool_choice == "required":
        lines.append("You must call one of the tools in this reply.")
    elif tool_choice and tool_choice not in ("auto", "none"):
        lines.append(f"You must call the tool {tool_choice} in this reply.")
    for tool in tools:
        lines += ["", f"## {tool.name}"]
        if tool.description:
            lines.append(tool.description)
        lines.append("Arguments (JSON Schema): " + json.dumps(tool.parameters, sort_keys=True))
    return "\n".join(lines)


def call_json(call: ToolCall) -> str:
    """An earlier call as the fallback format shows it to the model."""
    if call.parse_error is not None and call.raw_arguments is not None:
        args = call.raw_arguments
    else:
        args = json.dumps(call.arguments, ensure_ascii=False)
    return f'{{"name": {json.dumps(call.name)}, "arguments": {args}}}'


def fallback_messages(
    messages: list[Message],
    tools: list[ToolSpec] | None,
    tool_choice: str | None,
    default_system: str | None = None,
) -> list[dict[str, Any]]:
    """Plain role/content dicts for a template without tool support (see module docstring)."""
    out: list[dict[str, Any]] = []
    block = tools_prompt(tools, tool_choice) if tools else ""
    msgs = list(messages)
    if (block or default_system) and (not msgs or msgs[0].role != "system"):
        msgs.insert(0, Message(role="system", content=default_system or ""))
    for m in msgs:
        if m.role == "system":
            content = m.text + ("\n\n" + block if block and m.text else block)
            out.append({"role": "system", "content": content})
        elif m.role == "assistant":
            parts = [m.text] if m.text else []
            parts += [call_json(c) for c in m.tool_calls]
            out.append({"role": "assistant", "content": "\n".join(parts)})
        elif m.role == "tool":
            label = m.name or "the tool"
            out.append({"role": "user", "content": f"Result of {label}:\n{m.text}"})
        else:
            out.append({"role": m.role, "content": m.text})
    return _merge_same_role(out)


def vision_messages(
    messages: list[Message],
    tools: list[ToolSpec] | None,
    tool_choice: str | None,
    default_system: str | None = None,
) -> tuple[list[dict[str, Any]], list[ImagePart]]:
    """Messages for a vision-language model's processor: every content a list of parts
    (``{"type": "text", "text": ...}``, ``{"type": "image"}`` where an image stands, for the
    processor's chat template to place its image tokens), and the images in the order they
    appear. Tools take the fallback format (in the system prompt), as :func:`fallback_messages`."""
    out: list[dict[str, Any]] = []
    images: list[ImagePart] = []
    block = tools_prompt(tools, tool_choice) if tools else ""
    msgs = list(messages)
    if (block or default_system) and (not msgs or msgs[0].role != "system"):
        msgs.insert(0, Message(role="system", content=default_system or ""))

    def text(t: str) -> list[dict[str, Any]]:
        return [{"type": "text", "text": t}]

    for m in msgs:
        if m.role == "system":
            body = m.text + ("\n\n" + block if block and m.text else block)
            out.append({"role": "system", "content": text(body)})
        elif m.role == "assistant":
            said = [m.text] if m.text else []
            said += [call_json(c) for c in m.tool_calls]
            out.append({"role": "assistant", "content": text("\n".join(said))})
        elif m.role == "tool":
            label = m.name or "the tool"
            out.append({"role": "user", "content": text(f"Result of {label}:\n{m.text}")})
        elif isinstance(m.content, str):
            out.append({"role": m.role, "content": text(m.content)})
        else:
            parts: list[dict[str, Any]] = []
            for p in m.content:
                if isinstance(p, TextPart):
                    parts.append({"type": "text", "text": p.text})
                else:
                    parts.append({"type": "image"})
                    images.append(p)
            out.append({"role": m.role, "content": parts})
    return out, images


def pil_image(part: ImagePart) -> Any:
    """The image as an RGB ``PIL.Image`` (what processors take)."""
    import io

    from PIL import Image

    with Image.open(io.BytesIO(part.read_bytes())) as im:
        return im.convert("RGB")


def native_messages(
    messages: list[Message], default_system: str | None = None
) -> list[dict[str, Any]]:
    """OpenAI-shaped dicts as Hugging Face chat templates expect (arguments as objects)."""
    out: list[dict[str, Any]] = []
    if default_system and (not messages or messages[0].role != "system"):
        out.append({"role": "system", "content": default_system})
    for m in messages:
        d: dict[str, Any] = {"role": m.role, "content": m.content}
        if m.tool_calls:
            d["tool_calls"] = [
                {
                    "id": c.id,
                    "type": "function",
                    "function": {"name": c.name, "arguments": c.arguments},
                }
                for c in m.tool_calls
            ]
        if m.role == "tool":
            d["tool_call_id"] = m.tool_call_id
            if m.name:
                d["name"] = m.name
        out.append(d)
    return out


def _merge_same_role(msgs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Join consecutive user turns (tool results next to a user turn): many templates insist on
    alternating roles."""
    out: list[dict[str, Any]] = []
    for m in msgs:
        if out and m["role"] == "user" and out[-1]["role"] == "user":
            out[-1] = {"role": "user", "content": out[-1]["content"] + "\n\n" + m["content"]}
        else:
            out.append(m)
    return out


# --------------------------------------------------------------------------- parsing


def parse_tool_calls(text: str, id_seed: str = "") -> tuple[str, list[ToolCall]]:
    """Split a completion into its plain text and the tool calls written in it."""
    spans: list[tuple[int, int]] = []
    calls: list[ToolCall] = []

    for match in _TAGGED.finditer(text):
        body = match.group(1).strip()
        spans.append(match.span())
        calls.extend(_calls_from_body(body))
    if not calls and "[TOOL_CALLS]" in text:
        start = text.index("[TOOL_CALLS]")
        spans.append((start, len(text)))
        calls.extend(_calls_from_body(text[start + len("[TOOL_CALLS]") :].strip()))
    if not calls:
        found, found_spans = _bare_calls(text)
        calls.extend(found)
        spans.extend(found_spans)

    rest = text
    for start, end in sorted(spans, reverse=True):
        rest = rest[:start] + rest[end:]
    rest = _FENCE.sub("", rest).strip()
    digest = hashlib.sha1((id_seed + "\x00" + text).encode()).hexdigest()[:10]
    calls = [c.model_copy(update={"id": f"call_{digest}_{i}"}) for i, c in enumerate(calls)]
    return rest, calls


def _calls_from_body(body: str) -> list[ToolCall]:
    """The call(s) in a tagged block: an object or a list of objects, or one malformed call."""
    try:
        value, _ = json.JSONDecoder().raw_decode(body)
    except ValueError as exc:
        return [_malformed(body, f"invalid JSON: {exc}")]
    items = value if isinstance(value, list) else [value]
    calls = [c for c in (_call_from(x) for x in items if isinstance(x, dict)) if c is not None]
    return calls or [
        _malformed(body, "a tool call must be a JSON object with a string 'name' and arguments")
    ]


def _bare_calls(text: str) -> tuple[list[ToolCall], list[tuple[int, int]]]:
    decoder = json.JSONDecoder()
    calls: list[ToolCall] = []
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(text):
        if text[i] not in "{[":
            i += 1
            continue
        try:
            value, end = decoder.raw_decode(text, i)
        except ValueError:
            i += 1
            continue
        items = value if isinstance(value, list) else [value]
        found = [
            c
            for c in (_call_from(x) for x in items if isinstance(x, dict) and _looks_like_call(x))
            if c is not None
        ]
        if found and len(found) == len(items):
            calls.extend(found)
            spans.append((i, end))
            i = end
        else:
            i += 1
    if not calls and _NAME.search(text) and re.search(r'"(arguments|parameters)"\s*:', text):
        start = text.index("{") if "{" in text else 0
        calls.append(_malformed(text[start:].strip(), "invalid JSON in the tool call"))
        spans.append((start, len(text)))
    return calls, spans


def _looks_like_call(d: dict[str, Any]) -> bool:
    return isinstance(d.get("name"), str) and ("arguments" in d or "parameters" in d)


def _call_from(d: dict[str, Any]) -> ToolCall | None:
    if "function" in d and isinstance(d["function"], dict):  # OpenAI-shaped
        d = d["function"]
    name = d.get("name")
    if not isinstance(name, str):
        return None
    args = d.get("arguments", d.get("parameters", {}))
    error = None
    if isinstance(args, str):
        raw = args
        try:
            args = json.loads(raw)
        except ValueError as exc:
            args, error = {}, f"invalid JSON: {exc}"
    else:
        raw = json.dumps(args, ensure_ascii=False)
    if not isinstance(args, dict):
        args, error = {}, error or "arguments are not a JSON object"
    return ToolCall(id="", name=name, arguments=args, raw_arguments=raw, parse_error=error)


def _malformed(body: str, error: str) -> ToolCall:
    match = _NAME.search(body)
    return ToolCall(
        id="",
        name=match.group(1) if match else "",
        arguments={},
        raw_arguments=body,
        parse_error=error,
    )
