"""Reverse task recombination: join validated blueprints of the same user into a harder one.

The actions are concatenated (an action already present is not repeated), the outputs joined, the
intent merged by the generator model (a plain join of both intents if its reply is empty), and the
result goes through every validation stage again."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from harness.errors import ModelError
from harness.jobs import JobContext
from harness.schemas import Message
from harness_apigen_mt.domain import Domain
from harness_apigen_mt.schema import Blueprint

MERGE_SYSTEM = """Merge two customer requests of the same customer into one message, written to \
the customer in second person ("You are ... You want to ..."). Keep every detail of both: names, \
ids, choices, conditions. Reply with only the merged text."""


def combine(a: Blueprint, b: Blueprint, intent: str) -> Blueprint:
    actions = list(a.actions)
    for act in b.actions:
        if act not in actions:
            actions.append(act)
    outputs = list(dict.fromkeys([*a.outputs, *b.outputs]))
    return Blueprint(
        id=f"recombined-{a.id}+{b.id}",
        domain=a.domain,
        intent=intent,
        actions=actions,
        outputs=outputs,
        user_id=a.user_id,
        persona=a.persona,
        origin="recombined",
        parents=[a.id, b.id],
    )


def pairs(blueprints: list[Blueprint]) -> list[tuple[Blueprint, Blueprint]]:
    by_user: dict[str, list[Blueprint]] = defaultdict(list)
    for bp in blueprints:
        if bp.user_id and bp.origin != "recombined":
            by_user[bp.user_id].append(bp)
    out = []
    for group in by_user.values():
        for i in range(len(group)):
            for j in range(i + 1, len(group)):
                out.append((group[i], group[j]))
    return out


async def recombine(
    ctx: JobContext,
    domain: Domain,
    accepted: list[Blueprint],
    o: Any,
    rep: Any,
    validate: Callable[..., Any],
) -> list[Blueprint]:
    """``validate(ctx, domain, bp, rep, attempt)`` is the generator's full validation."""
    out: list[Blueprint] = []
    for a, b in pairs(accepted)[: o.recombine]:
        rep.count("recombination_tried")
        try:
            reply = await ctx.role("generator").generate(
                [
                    Message(role="system", content=MERGE_SYSTEM),
                    Message(role="user", content=f"Request 1: {a.intent}\n\nRequest 2: {b.intent}"),
                ],
                max_tokens=256,
            )
            intent = reply.text.strip()
        except ModelError:
            intent = ""
        bp = combine(a, b, intent or f"{a.intent}\n\nAlso: {b.intent}")
        validated, _ = await validate(ctx, domain, bp, rep, bp.id)
        if validated is not None:
            rep.count("recombination_accepted")
            out.append(validated)
    return out
