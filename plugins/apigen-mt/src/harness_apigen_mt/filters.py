"""Phase-2 filters: what a simulated conversation must satisfy to be kept as training data.

Rejection sampling in the paper keeps a trajectory when the final database equals the blueprint
replay's and every expected output was said. A trajectory can pass both and still teach a model
bad calls: arguments that did not parse, calls the tool schemas refuse (tau2 answers them with an
error and the agent recovers), or calls the domain policy forbids. These filters check the agent's
calls first; the stages, in order (a rejection is counted at the first that fails):

``parse``    every tool call's arguments parsed as a JSON object;
``schema``   every call names a known tool and its arguments validate against its JSON Schema;
``policy``   the agent's calls break no policy rule (:mod:`harness_apigen_mt.policy`), ids being
             grounded in what the user said or an earlier tool output;
``state``    the final database equals the blueprint replay's;
``outputs``  every expected output appears in the agent's replies.
"""

from __future__ import annotations

from typing import Any

from harness.schemas import Message
from harness_apigen_mt.domain import Domain
from harness_apigen_mt.policy import check_policy
from harness_apigen_mt.toolkit import check_arguments

STAGES = ("parse", "schema", "policy", "state", "outputs")


def agent_calls(messages: list[Message]) -> list[Any]:
    return [c for m in messages if m.role == "assistant" for c in m.tool_calls or []]


def call_problems(domain: Domain, messages: list[Message]) -> list[tuple[str, str]]:
    """``(stage, reason)`` for every unparsable, schema-invalid or policy-breaking agent call."""
    out: list[tuple[str, str]] = []
    calls = agent_calls(messages)
    for i, c in enumerate(calls):
        if c.parse_error:
            out.append(("parse", f"call {i} ({c.name}): arguments do not parse: {c.parse_error}"))
    for i, c in enumerate(calls):
        if c.parse_error:
            continue
        tool = domain.by_name.get(c.name)
        if tool is None:
            out.append(("schema", f"call {i}: unknown tool '{c.name}'"))
            continue
        problem = check_arguments(tool, c.arguments)
        if problem:
            out.append(("schema", f"call {i} ({c.name}): {problem}"))
    if out:
        return out
    said = " ".join(m.content for m in messages if m.role == "user" and m.content)
    actions = [{"name": c.name, "arguments": c.arguments} for c in calls]
    out += [("policy", why) for why in check_policy(domain, actions, said)]
    return out
