"""Chat templates: detect one that cannot render tools or tool calls, and the tool-aware ChatML
template the plugin ships for that case. Tools are never dropped silently."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from harness.errors import UserError

CHATML_TOOLS = (Path(__file__).parent / "data" / "chatml_tools.jinja").read_text(encoding="utf-8")
CHATML_SPECIAL = ["<|im_start|>", "<|im_end|>"]

_PROBE_TOOL = "zqprobe_lookup_widget"
_PROBE_CALL_ARG = "zqprobe_serial"
_PROBE_RESULT = "zqprobe_result_text"


def _probe() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    tools = [
        {
            "type": "function",
            "function": {
                "name": _PROBE_TOOL,
                "description": "Look a widget up.",
                "parameters": {
                    "type": "object",
                    "properties": {_PROBE_CALL_ARG: {"type": "string"}},
                    "required": [_PROBE_CALL_ARG],
                },
            },
        }
    ]
    messages = [
        {"role": "system", "content": "You help."},
        {"role": "user", "content": "Find widget 7."},
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [
                {
                    "type": "function",
                    "id": "call_0",
                    "function": {"name": _PROBE_TOOL, "arguments": {_PROBE_CALL_ARG: "w-7"}},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_0", "name": _PROBE_TOOL, "content": _PROBE_RESULT},
        {"role": "assistant", "content": "Found it."},
    ]
    return tools, messages


def template_problem(tokenizer: Any, template: str | None = None) -> str | None:
    """None if the template renders the tool specs, the tool calls (name and arguments) and the
    tool results of a probe conversation; otherwise what it fails to render."""
    tmpl = template if template is not None else getattr(tokenizer, "chat_template", None)
    if not tmpl:
        return "the tokenizer has no chat template"
    tools, messages = _probe()
    try:
        text = tokenizer.apply_chat_template(
            messages, tools=tools, tokenize=False, chat_template=tmpl
        )
    except Exception as exc:  # a template raising on tools is exactly what we detect
        return f"rendering a conversation with tools fails ({type(exc).__name__}: {exc})"
    missing = []
    if text.count(_PROBE_TOOL) < 2:
        missing.append("the tool specs" if _PROBE_TOOL not in text else "the tool calls")
    if _PROBE_CALL_ARG not in text or "w-7" not in text:
        missing.append("the tool-call arguments")
    if _PROBE_RESULT not in text:
        missing.append("the tool results")
    return ("it drops " + ", ".join(missing)) if missing else None


def choose_template(tokenizer: Any, mode: str) -> tuple[str, str]:
    """(template text, which: 'model' or 'builtin') for ``mode`` auto | model | builtin.
    ``auto`` keeps the model's template when it renders tools, else uses the shipped ChatML one;
    a tokenizer with no template at all is an error unless ``builtin`` is asked for."""
    if mode == "builtin":
        return CHATML_TOOLS, "builtin"
    problem = template_problem(tokenizer)
    if problem == "the tokenizer has no chat template":
        raise UserError(
            "the tokenizer has no chat template: pass --chat-template builtin to use "
            "the plugin's tool-aware ChatML template"
        )
    if problem is None:
        return tokenizer.chat_template, "model"
    if mode == "model":
        raise UserError(
            f"the model's chat template cannot render tool use ({problem}); pass "
            "--chat-template builtin (or auto) to use the plugin's tool-aware ChatML "
            "template instead"
        )
    return CHATML_TOOLS, "builtin"
