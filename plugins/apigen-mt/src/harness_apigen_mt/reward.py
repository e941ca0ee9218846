"""tau-bench's reward: 1 only if the final database equals the ground-truth replay's and every
expected output appears in the agent's replies."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from harness.schemas import Message
from harness_apigen_mt.domain import Domain, db_hash, execute


def replay(domain: Domain, actions: Iterable[Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Run ground-truth actions on a fresh database (failing calls are kept, as tau2 does).
    ``actions`` are objects or dicts with ``name`` and ``arguments``."""
    db = domain.fresh_db()
    trace = []
    for a in actions:
        name = a["name"] if isinstance(a, dict) else a.name
        args = a.get("arguments", {}) if isinstance(a, dict) else a.arguments
        r = execute(domain, db, name, args)
        trace.append({"name": name, "arguments": args, "output": r.output, "error": r.error})
    return db, trace


def gold_hash(domain: Domain, actions: Iterable[Any]) -> str:
    """The final-state hash of replaying ``actions``, memoised per domain (every metric of every
    epoch of a sample asks for the same one)."""
    acts = [
        a if isinstance(a, dict) else {"name": a.name, "arguments": a.arguments} for a in actions
    ]
    key = json.dumps(acts, sort_keys=True, default=str)
    if key not in domain.gold_hashes:
        domain.gold_hashes[key] = db_hash(replay(domain, acts)[0])
    return domain.gold_hashes[key]


def outputs_found(outputs: list[str], messages: list[Message]) -> dict[str, bool]:
    """Each expected output -> whether some assistant reply contains it (case-insensitive, commas
    removed from the reply), as tau2-bench checks communicate_info."""
    replies = [
        m.content.lower().replace(",", "") for m in messages if m.role == "assistant" and m.content
    ]
    return {o: any(o.lower() in r for r in replies) for o in outputs}


def reward(
    domain: Domain,
    actions: Iterable[Any],
    outputs: list[str],
    final_hash: str,
    messages: list[Message],
) -> dict[str, Any]:
    expected = gold_hash(domain, actions)
    found = outputs_found(outputs, messages)
    db_ok = expected == final_hash
    out_ok = all(found.values())
    return {
        "reward": 1.0 if db_ok and out_ok else 0.0,
        "db_match": db_ok,
        "outputs_match": out_ok,
        "outputs_found": found,
        "gold_hash": expected,
        "final_hash": final_hash,
    }
