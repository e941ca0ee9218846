"""Stage 2, alignment validation: a committee of LLM reviewers (role ``reviewer``) reads the task
data, the intent and the diff patch, reflects, and judges four criteria (correctness, completeness,
satisfaction, creativity) and a 1-5 score. Acceptance is a majority vote (a reviewer votes yes
when correctness, completeness and satisfaction hold) or the average score against a threshold.
An unparsable reply counts as that reviewer abstaining, and is logged.

The committee is either one model sampled ``size`` times (temperature 0.7), or, when several
reviewer models are given (``--model-role reviewer=A --model-role reviewer=B ...``), those
distinct models, one review each at temperature 0; :func:`agreement` then says how often they
agree."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

from harness.model import ModelHandle
from harness.schemas import Message
from harness_apigen_mt.schema import Blueprint

CRITERIA = ("correctness", "completeness", "satisfaction", "creativity")

REVIEW_SYSTEM = """You review a generated customer-service task before it is used as training data.
You get the customer's intent, the tool calls that solve it, the outputs the agent must state, and
the database changes those calls make. Think briefly, then judge:
- correctness: the calls and the database changes do what the intent asks, no more and no less;
- completeness: every request in the intent is handled and the expected outputs are stated;
- satisfaction: a real customer with this intent would be satisfied;
- creativity: the task is realistic and not trivial.
Reply with a JSON object: {"reflection": str, "correctness": bool, "completeness": bool,
"satisfaction": bool, "creativity": bool, "score": integer 1-5, "reason": str}."""

REVIEW_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "reflection": {"type": "string", "maxLength": 200},
        **{c: {"type": "boolean"} for c in CRITERIA},
        "score": {"type": "integer", "minimum": 1, "maximum": 5},
        "reason": {"type": "string", "maxLength": 150},
    },
    "required": ["reflection", *CRITERIA, "score", "reason"],
}


@dataclass
class Review:
    reviewer: int
    vote: bool | None  # None = abstained
    score: float | None
    reason: str
    raw: str
    model: str = ""  # the reviewer's role name (reviewer, reviewer#2, ...)


@dataclass
class Verdict:
    accepted: bool
    reviews: list[Review] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    abstained: int = 0


def parse_review(i: int, text: str) -> Review:
    start, end = text.find("{"), text.rfind("}")
    try:
        obj = json.loads(text[start : end + 1]) if start >= 0 else None
    except ValueError:
        obj = None
    if not isinstance(obj, dict) or not all(isinstance(obj.get(c), bool) for c in CRITERIA[:3]):
        return Review(i, None, None, "unparsable review (abstain)", text[:500])
    score = obj.get("score")
    score = float(score) if isinstance(score, int | float) and 1 <= score <= 5 else None
    vote = all(obj[c] for c in CRITERIA[:3])
    return Review(i, vote, score, str(obj.get("reason", ""))[:500], text[:500])


def decide(
    reviews: list[Review], rule: Literal["majority", "average"], threshold: float
) -> Verdict:
    valid = [r for r in reviews if r.vote is not None]
    abstained = len(reviews) - len(valid)
    reasons = [f"reviewer {r.reviewer}: {r.reason}" for r in valid if not r.vote and r.reason]
    if not valid:
        return Verdict(False, reviews, ["every reviewer abstained"], abstained)
    if rule == "majority":
        yes = sum(bool(r.vote) for r in valid)
        ok = yes * 2 > len(valid)
        if not ok:
            reasons.insert(0, f"majority vote failed: {yes}/{len(valid)} yes")
    else:
        scores = [r.score for r in valid if r.score is not None]
        avg = sum(scores) / len(scores) if scores else 0.0
        ok = avg > threshold
        if not ok:
            reasons.insert(0, f"average score {avg:.2f} <= threshold {threshold}")
    return Verdict(ok, reviews, [] if ok else reasons, abstained)


async def review(
    models: ModelHandle | list[ModelHandle],
    bp: Blueprint,
    patch: list[dict[str, Any]],
    size: int,
    rule: Literal["majority", "average"],
    threshold: float,
    max_tokens: int = 256,
) -> Verdict:
    """Review ``bp``: one model ``size`` times, or each of several models once."""
    task = {
        "intent": bp.intent,
        "actions": [a.model_dump() for a in bp.actions],
        "outputs": bp.outputs,
        "database_changes": patch[:20],
    }
    messages = [
        Message(role="system", content=REVIEW_SYSTEM),
        Message(role="user", content=json.dumps(task, default=str)),
    ]
    handles = models if isinstance(models, list) else [models]
    panel = handles if len(handles) > 1 else handles * size
    reviews = []
    for i, model in enumerate(panel):
        reply = await model.generate(
            messages,
            max_tokens=max_tokens,
            json_schema=REVIEW_SCHEMA,
            temperature=0.7 if len(handles) == 1 and size > 1 else 0.0,
            seed=1000 + i,
        )
        r = parse_review(i, reply.text)
        r.model = model.role
        reviews.append(r)
    return decide(reviews, rule, threshold)


def agreement(ballots: list[dict[str, bool | None]]) -> dict[str, Any]:
    """How a committee of distinct models agreed, over ``ballots`` (one ``{model: vote}`` per
    reviewed blueprint; None = abstained): the share of blueprints on which every voting model
    gave the same vote, each pair's agreement over the blueprints both voted on, and each model's
    yes rate and abstentions."""
    models = sorted({m for b in ballots for m in b})
    voted = [{m: v for m, v in b.items() if v is not None} for b in ballots]
    multi = [b for b in voted if len(b) >= 2]
    pairs = {}
    for i, a in enumerate(models):
        for b in models[i + 1 :]:
            both = [v for v in voted if a in v and b in v]
            same = sum(v[a] == v[b] for v in both)
            pairs[f"{a} / {b}"] = {
                "blueprints": len(both),
                "agree": round(same / len(both), 3) if both else None,
            }
    per_model = {}
    for m in models:
        votes = [v[m] for v in voted if m in v]
        per_model[m] = {
            "votes": len(votes),
            "yes_rate": round(sum(votes) / len(votes), 3) if votes else None,
            "abstained": sum(1 for b in ballots if m in b and b[m] is None),
        }
    unanimous = sum(len(set(b.values())) == 1 for b in multi)
    return {
        "models": models,
        "blueprints": len(ballots),
        "unanimous": round(unanimous / len(multi), 3) if multi else None,
        "pairwise": pairs,
        "per_model": per_model,
    }
