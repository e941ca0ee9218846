"""The oracle agent: it replays a query's accepted ground truth, one call per reply, then finishes
with the accepted answer. It is a scripted model (``scripted/`` with one script per query, keyed by
the query's opening message), so its episodes run through the ordinary task and agent loop: the
environment executes every call and every observation in the transcript is real.

``records_to_trajectories`` keeps the episodes the task itself scored as solved (SR 1, every
pattern score 1) and writes them as core ``Trajectory`` records; ``replay`` re-executes a
trajectory's calls in a fresh environment and checks observations and answer (re-verification).
"""

from __future__ import annotations

import json
from typing import Any, Literal

from harness.schemas import SampleRecord, ToolCall, Trajectory, unique_call_ids
from harness_spectool.patterns import SCORE_ORDER, exact_answer
from harness_spectool.verify import OPTIONAL

Protocol = Literal["text", "native"]


def gt_calls(query: dict[str, Any]) -> list[dict[str, Any]]:
    """The first accepted trajectory, ``"optional"`` arguments left out."""
    return [
        {"name": c["name"], "arguments": {k: v for k, v in c["arguments"].items() if v != OPTIONAL}}
        for c in query["ground_truth"][0]
    ]


def answer_text(query: dict[str, Any]) -> str:
    answer = query["additional_info"]["answer"]
    return answer if isinstance(answer, str) else json.dumps(answer, ensure_ascii=False)


def opening(query: dict[str, Any], protocol: Protocol) -> str:
    """The first user message the task sends (the oracle's script key)."""
    return f"Task: {query['goal']}" if protocol == "text" else str(query["goal"])


def replies(query: dict[str, Any], protocol: Protocol) -> list[str | dict[str, Any]]:
    """The oracle's replies: each ground-truth call, then finish with the answer."""
    calls = [*gt_calls(query), {"name": "finish", "arguments": {"answer": answer_text(query)}}]
    if protocol == "text":
        dump = json.dumps
        return [
            f"Action: {c['name']} with Action Input: {dump(c['arguments'], ensure_ascii=False)}"
            for c in calls
        ]
    return [{"text": "", "tool_calls": [c]} for c in calls]


def script(queries: list[dict[str, Any]], protocol: Protocol) -> dict[str, Any]:
    """``-M answers=...`` for ``scripted/oracle``: opening message -> replies."""
    return {opening(q, protocol): replies(q, protocol) for q in queries}


def solved(record: SampleRecord) -> bool:
    """The task scored the episode as a clean success: SR 1 and every pattern score 1."""
    if record.status != "ok" or record.output is None:
        return False
    return all(
        record.scores.get(k) is not None and record.scores[k].value == 1.0 for k in SCORE_ORDER
    )


def to_trajectory(record: SampleRecord, protocol: Protocol, tools: list[Any]) -> Trajectory:
    assert record.output is not None
    messages = unique_call_ids(list(record.output.messages))
    system = next((m.content for m in messages if m.role == "system"), None)
    md = record.metadata
    return Trajectory(
        id=f"spectool-{record.sample_id}-{protocol}",
        source=f"spectool-oracle/{protocol}",
        task_instruction=str(record.input),
        system=system,
        tools=tools if protocol == "native" else [],
        messages=messages,
        reward=1.0,
        metadata={
            "query_id": record.sample_id,
            "template": md.get("template"),
            "category": md.get("category"),
            "environment": md.get("environment"),
            "protocol": protocol,
            "answer": record.target,
            "goal_type": md.get("goal_type"),
        },
    )


def replay(traj: Trajectory, environment: Any) -> list[str]:
    """Re-execute the trajectory's tool calls in ``environment`` (reset for its query) and compare:
    every observation must be what the environment returns now, and the finish answer must be the
    query's accepted answer. Returns the problems (empty: verified)."""
    from harness_spectool.parser import parse_action

    problems: list[str] = []
    protocol = traj.metadata.get("protocol")
    calls: list[tuple[ToolCall, str | None]] = []
    msgs = traj.messages
    for i, m in enumerate(msgs):
        if m.role != "assistant":
            continue
        nxt = msgs[i + 1] if i + 1 < len(msgs) else None
        seen = nxt.content if nxt is not None and nxt.role in ("tool", "user") else None
        if protocol == "text":
            act = parse_action(m.content)
            if not act.ok or act.name is None:
                problems.append(f"message {i}: not a valid action")
                continue
            calls.append((ToolCall(id=f"r{i}", name=act.name, arguments=act.arguments), seen))
        else:
            if len(m.tool_calls) != 1:
                problems.append(f"message {i}: expected one call, got {len(m.tool_calls)}")
                continue
            calls.append((m.tool_calls[0], seen))
    if not calls or calls[-1][0].name != "finish":
        return [*problems, "the trajectory does not end with finish"]
    for call, seen in calls[:-1]:
        result = environment.execute(call.name, call.arguments)
        expected = f"Observation: {result.content}" if protocol == "text" else result.content
        if result.is_error:
            problems.append(f"call {call.name}: the environment reports an error now")
        if seen != expected:
            problems.append(f"call {call.name}: the recorded observation differs from a replay")
    got = calls[-1][0].arguments.get("answer")
    if not exact_answer(got, traj.metadata.get("answer")) and got != answer_text(
        {"additional_info": {"answer": traj.metadata.get("answer")}}
    ):
        problems.append(f"finish answer {got!r} is not the accepted answer")
    return problems
