"""ActionStudio's unified trajectory format, and its one-to-one mapping to the core Trajectory.

ActionStudio field   <->  core ``harness.schemas.Trajectory``
unique_trajectory_id      id
task_instruction          task_instruction
tools[].function          tools[] (ToolSpec: name, description, parameters)
conversation[]            messages[] (user / assistant / tool; tool_calls, tool_call_id, name)
system, source, reward,   system, source, reward, metadata (our extensions, so a round trip
metadata                  loses nothing; ActionStudio's own files simply omit them)

A core system message at the head of ``messages`` becomes ``system`` (ActionStudio conversations
have no system role); if the record also sets ``system``, the two must be equal. Tool-call
arguments must be a JSON object: a call whose arguments did not parse is rejected, not trained on.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from harness.schemas import Message, ToolCall, ToolSpec, Trajectory

SCHEMA_PATH = Path(__file__).parent / "data" / "unified_trajectory.schema.json"


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FunctionSpec(_M):
    name: str = Field(min_length=1, description="Function name.")
    description: str = Field(default="", description="What the function does.")
    parameters: dict[str, Any] = Field(
        default_factory=lambda: {"type": "object", "properties": {}},
        description="JSON Schema (type object) of the arguments.",
    )


class Tool(_M):
    type: Literal["function"] = Field(default="function", description="Always 'function'.")
    function: FunctionSpec = Field(description="The OpenAI function spec.")


class FunctionCall(_M):
    name: str = Field(min_length=1, description="Function called.")
    arguments: dict[str, Any] = Field(default_factory=dict, description="Arguments, a JSON object.")


class UnifiedToolCall(_M):
    type: Literal["function"] = Field(default="function", description="Always 'function'.")
    function: FunctionCall = Field(description="Name and arguments.")
    id: str = Field(min_length=1, description="Call id; tool turns answer it via tool_call_id.")


class Turn(_M):
    role: Literal["user", "assistant", "tool"] = Field(description="Who speaks.")
    content: str = Field(default="", description="Text of the turn.")
    tool_calls: list[UnifiedToolCall] | None = Field(
        default=None, description="Calls an assistant turn makes."
    )
    name: str | None = Field(default=None, description="For tool turns: the function's name.")
    tool_call_id: str | None = Field(
        default=None, description="For tool turns: the id of the call answered."
    )


class UnifiedRecord(_M):
    """One trajectory in ActionStudio's unified format (Unified Format 2.0 field names)."""

    unique_trajectory_id: str = Field(min_length=1, description="Unique trajectory id.")
    task_instruction: str = Field(default="", description="The task / instruction.")
    tools: list[Tool] = Field(default_factory=list, description="OpenAI function specs.")
    conversation: list[Turn] = Field(min_length=1, description="user/assistant/tool turns.")
    system: str | None = Field(default=None, description="Extension: the agent's system prompt.")
    source: str = Field(default="", description="Extension: what produced the trajectory.")
    reward: float | None = Field(default=None, description="Extension: outcome reward.")
    metadata: dict[str, Any] = Field(default_factory=dict, description="Extension: free-form.")

    def openai_messages(self) -> list[dict[str, Any]]:
        """The conversation as chat-template messages (arguments stay dicts)."""
        out: list[dict[str, Any]] = []
        for t in self.conversation:
            m: dict[str, Any] = {"role": t.role, "content": t.content}
            if t.tool_calls:
                m["tool_calls"] = [c.model_dump() for c in t.tool_calls]
            if t.role == "tool":
                m["tool_call_id"] = t.tool_call_id
                if t.name:
                    m["name"] = t.name
            out.append(m)
        return out

    def openai_tools(self) -> list[dict[str, Any]]:
        return [t.model_dump() for t in self.tools]


class RecordError(ValueError):
    """A record that cannot be converted: carries its id and the reason."""

    def __init__(self, record_id: str, reason: str) -> None:
        super().__init__(f"{record_id}: {reason}")
        self.record_id = record_id
        self.reason = reason


def from_trajectory(traj: Trajectory) -> UnifiedRecord:
    """Core Trajectory -> unified record (one to one)."""
    system = traj.system
    turns: list[Turn] = []
    for i, m in enumerate(traj.messages):
        if m.role == "system":
            if i != 0:
                raise RecordError(traj.id, f"messages[{i}]: a system message after the start")
            if system is not None and system != m.content:
                raise RecordError(traj.id, "messages[0]: system message differs from `system`")
            system = m.content
            continue
        calls = None
        if m.tool_calls:
            calls = []
            for c in m.tool_calls:
                if c.parse_error:
                    raise RecordError(
                        traj.id, f"messages[{i}]: tool call {c.id} arguments: {c.parse_error}"
                    )
                calls.append(
                    UnifiedToolCall(
                        id=c.id, function=FunctionCall(name=c.name, arguments=c.arguments)
                    )
                )
        turns.append(
            Turn(
                role=m.role,
                content=m.content,
                tool_calls=calls,
                name=m.name if m.role == "tool" else None,
                tool_call_id=m.tool_call_id if m.role == "tool" else None,
            )
        )
    if not turns:
        raise RecordError(traj.id, "messages: no user/assistant/tool turns")
    return UnifiedRecord(
        unique_trajectory_id=traj.id,
        task_instruction=traj.task_instruction,
        tools=[
            Tool(
                function=FunctionSpec(
                    name=t.name, description=t.description, parameters=t.parameters
                )
            )
            for t in traj.tools
        ],
        conversation=turns,
        system=system,
        source=traj.source,
        reward=traj.reward,
        metadata=dict(traj.metadata),
    )


def to_trajectory(rec: UnifiedRecord) -> Trajectory:
    """Unified record -> core Trajectory (one to one; the inverse of :func:`from_trajectory`)."""
    messages = []
    for t in rec.conversation:
        calls = [
            ToolCall(
                id=c.id,
                name=c.function.name,
                arguments=c.function.arguments,
                raw_arguments=json.dumps(c.function.arguments),
            )
            for c in t.tool_calls or []
        ]
        messages.append(
            Message(
                role=t.role,
                content=t.content,
                tool_calls=calls,
                tool_call_id=t.tool_call_id,
                name=t.name,
            )
        )
    return Trajectory(
        id=rec.unique_trajectory_id,
        source=rec.source or "actionstudio",
        task_instruction=rec.task_instruction,
        system=rec.system,
        tools=[
            ToolSpec(
                name=t.function.name,
                description=t.function.description,
                parameters=t.function.parameters,
            )
            for t in rec.tools
        ],
        messages=messages,
        reward=rec.reward,
        metadata=dict(rec.metadata),
    )


def json_schema() -> dict[str, Any]:
    """The published JSON Schema of a unified record (data/unified_trajectory.schema.json)."""
    schema = UnifiedRecord.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "harness-actionstudio/unified-trajectory/1"
    return schema


def write_schema(path: Path = SCHEMA_PATH) -> None:
    path.write_text(json.dumps(json_schema(), indent=2) + "\n", encoding="utf-8")
