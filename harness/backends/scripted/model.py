"""``scripted/NAME``: a model that answers at once from a script, for tests and benchmarks.

* ``scripted/echo`` repeats the last user message.
* any other name plays ``-M responses=[...]`` in order: the reply to a conversation is the entry
  at the index of how many assistant turns it already has (so it is the same whatever order
  samples run in), the last entry repeating. An entry is a string, or an object
  ``{"text": ..., "tool_calls": [{"name": ..., "arguments": {...}}]}``.
* ``-M answers={"sample input": "reply"}`` answers by the first user message instead; a list of
  replies there is played in order like ``responses`` (one script per sample: an oracle agent).
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from harness.errors import UserError
from harness.model import Model
from harness.schemas import GenerateConfig, Message, ModelResponse, ToolCall, ToolSpec, Usage


class ScriptedArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    responses: list[str | dict[str, Any]] = Field(
        default_factory=list, description="Replies played in order (the last one repeats)."
    )
    answers: dict[str, str | dict[str, Any] | list[str | dict[str, Any]]] = Field(
        default_factory=dict,
        description="First user message -> reply (or replies in order, the last repeating).",
    )
    fail: str | None = Field(default=None, description="Raise this error on every call.")
    delay: float = Field(
        default=0.0, ge=0, description="Seconds each reply takes (tests of interrupts, locks)."
    )


class ScriptedModel(Model):
    """Answers at once from a script (for tests and benchmarks); no inference."""

    provider = "scripted"
    description = "Answers from a script at once: scripted/echo, or -M responses=[...]."
    Args = ScriptedArgs
    #: a script answers from the text; image parts are taken and ignored, so a task's logic
    #: with image samples can be tested with scripted agents
    accepts_images = True

    def check(self) -> None:
        """``scripted/ecoh`` with no script would answer "" to everything: a typo of echo."""
        import difflib

        a: ScriptedArgs = self.args  # type: ignore[assignment]
        if self.name == "echo" or a.responses or a.answers or a.fail:
            return
        if difflib.get_close_matches(self.name.lower(), ["echo"], cutoff=0.6):
            raise UserError(
                f"unknown scripted model '{self.name}'. Did you mean: echo? (any other name "
                "plays a script: -M responses=[...] or -M answers={...})"
            )

    async def generate(
        self, messages: list[Message], tools: list[ToolSpec] | None, config: GenerateConfig
    ) -> ModelResponse:
        delay = self.args.delay  # type: ignore[attr-defined]
        if delay:
            import asyncio

            await asyncio.sleep(delay)
        return self.reply(messages)

    def reply(self, messages: list[Message]) -> ModelResponse:
        a: ScriptedArgs = self.args  # type: ignore[assignment]
        if a.fail:
            raise RuntimeError(a.fail)
        users = [m for m in messages if m.role == "user"]
        entry: str | dict[str, Any]
        if self.name == "echo":
            entry = users[-1].text if users else ""
        elif a.answers and users and users[0].text in a.answers:
            found = a.answers[users[0].text]
            if isinstance(found, list):
                turn = sum(m.role == "assistant" for m in messages)
                found = found[min(turn, len(found) - 1)] if found else ""
            entry = found
        elif a.responses:
            turn = sum(m.role == "assistant" for m in messages)
            entry = a.responses[min(turn, len(a.responses) - 1)]
        else:
            entry = ""
        if isinstance(entry, str):
            text, calls = entry, []
        else:
            text = str(entry.get("text", ""))
            calls = [
                ToolCall(
                    id=f"call_{i}",
                    name=c["name"],
                    arguments=c.get("arguments", {}),
                    raw_arguments=json.dumps(c.get("arguments", {})),
                )
                for i, c in enumerate(entry.get("tool_calls", []))
            ]
        n_in = sum(len(m.text.split()) for m in messages)
        return ModelResponse(
            text=text,
            tool_calls=calls,
            model=self.spec,
            usage=Usage(input_tokens=n_in, output_tokens=len(text.split())),
            finish_reason="tool_calls" if calls else "stop",
        )
