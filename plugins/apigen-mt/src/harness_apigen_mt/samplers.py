"""The five context samplers of APIGen-MT's blueprint generator: API (a chain from the dependency
graph), Policy (excerpts of the policy document), Domain-Data (a real user and their records),
Persona (a seeded synthetic persona) and Example (validated blueprints, growing as tasks pass)."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from typing import Any

from harness_apigen_mt.domain import Domain
from harness_apigen_mt.graph import sample_chain
from harness_apigen_mt.schema import Blueprint

TRAITS = [
    "patient",
    "in a hurry",
    "detail-oriented",
    "polite but firm",
    "easily confused",
    "chatty",
    "skeptical",
    "very direct",
    "anxious about money",
    "formal",
]
OCCUPATIONS = [
    "nurse",
    "teacher",
    "software engineer",
    "retired accountant",
    "student",
    "chef",
    "small-business owner",
    "truck driver",
    "photographer",
    "pharmacist",
]
STYLES = ["short sentences", "long explanations", "casual language", "precise wording"]


@dataclass
class Context:
    api_chain: list[str]
    policy: str
    data: dict[str, Any]
    user_id: str
    persona: str
    examples: list[dict[str, Any]] = field(default_factory=list)


def sample_policy(domain: Domain, rng: random.Random, k: int = 2) -> str:
    sections = [s.strip() for s in domain.policy.split("\n## ") if s.strip()]
    head, rest = sections[0], sections[1:]
    picked = rng.sample(rest, min(k, len(rest))) if rest else []
    return "\n\n## ".join([head[:1200], *[s[:1200] for s in picked]])


def sample_user(
    domain: Domain, rng: random.Random, max_records: int = 3
) -> tuple[str, dict[str, Any]]:
    """A random user and a compact view of their records (orders or reservations)."""
    db = domain.db
    user_id = rng.choice(sorted(db["users"]))
    user = db["users"][user_id]
    view: dict[str, Any] = {
        "user_id": user_id,
        "name": user["name"],
        "zip": user["address"]["zip"],
        "email": user["email"],
        "payment_methods": sorted(user["payment_methods"]),
    }
    if domain.name == "retail":
        records = []
        for oid in user["orders"][:max_records]:
            o = db["orders"][oid]
            records.append(
                {
                    "order_id": oid,
                    "status": o["status"],
                    "items": [
                        {
                            "item_id": i["item_id"],
                            "product_id": i["product_id"],
                            "name": i["name"],
                            "options": i["options"],
                        }
                        for i in o["items"][:3]
                    ],
                }
            )
        view["orders"] = records
    else:
        records = []
        for rid in user["reservations"][:max_records]:
            r = db["reservations"][rid]
            records.append(
                {
                    k: r[k]
                    for k in (
                        "reservation_id",
                        "origin",
                        "destination",
                        "flight_type",
                        "cabin",
                        "created_at",
                        "insurance",
                        "total_baggages",
                    )
                }
                | {"flights": [(f["flight_number"], f["date"]) for f in r["flights"]]}
            )
        view["reservations"] = records
    return user_id, view


def sample_persona(rng: random.Random) -> str:
    return (
        f"A {rng.choice(OCCUPATIONS)} who is {rng.choice(TRAITS)} and writes in "
        f"{rng.choice(STYLES)}."
    )


def sample_examples(pool: list[Blueprint], rng: random.Random, k: int = 1) -> list[dict[str, Any]]:
    picked = rng.sample(pool, min(k, len(pool))) if pool else []
    return [
        {"intent": b.intent, "actions": [a.model_dump() for a in b.actions], "outputs": b.outputs}
        for b in picked
    ]


def sample_context(domain: Domain, pool: list[Blueprint], rng: random.Random) -> Context:
    user_id, data = sample_user(domain, rng)
    return Context(
        api_chain=sample_chain(domain, rng),
        policy=sample_policy(domain, rng),
        data=data,
        user_id=user_id,
        persona=sample_persona(rng),
        examples=sample_examples(pool, rng),
    )


def render_context(ctx: Context) -> str:
    return "\n\n".join(
        [
            f"Suggested API chain: {' -> '.join(ctx.api_chain)}",
            f"Policy excerpt:\n{ctx.policy}",
            f"Customer data:\n{json.dumps(ctx.data)}",
            f"Customer persona: {ctx.persona}",
            *(f"Example of a valid task:\n{json.dumps(e)}" for e in ctx.examples),
        ]
    )
