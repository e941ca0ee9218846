"""Building scenarios from a seed: preferences as constraints, options drawn to meet or break them.

For each aspect with ``n`` preferences: ``n`` distinct preference kinds are drawn; *correct* options
satisfy every constraint; *wrong* options satisfy all but exactly one (several are cheaper than the
best, as traps); *noise* options are random and break at least one. The best option is the cheapest
correct one, and the opening message says the user wants the cheapest option that fits.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from harness_userbench.aspects import (
    ASPECTS,
    CITIES,
    DOMAINS,
    NEEDS,
    OCCASIONS,
    ORIGINS,
    PREFERENCES,
    PREFIX,
    Constraint,
)

N_CORRECT = 3
N_WRONG = 10
N_NOISE = 5


def constraint_of(pref: dict[str, Any]) -> Constraint | None:
    c = pref.get("constraint")
    return Constraint(c["attribute"], c["op"], c["value"]) if c else None


def _dates(rng: random.Random) -> tuple[str, str]:
    start = dt.date(2025, 1, 1) + dt.timedelta(days=rng.randint(0, 330))
    end = start + dt.timedelta(days=rng.randint(2, 7))
    return start.isoformat(), end.isoformat()


def _arguments(aspect: str, city: str, origin: str, start: str, end: str) -> dict[str, Any]:
    if aspect == "flight":
        return {"origin": origin, "destination": city, "departure_date": start, "return_date": end}
    if aspect in ("hotel", "apartment"):
        return {"city": city, "check_in": start, "check_out": end}
    if aspect == "rental_car":
        return {"city": city, "pickup_date": start, "return_date": end}
    return {"city": city, "date": start}


def _options(
    aspect: str, constraints: list[Constraint], rng: random.Random, n_wrong: int, n_noise: int
) -> tuple[list[dict[str, Any]], list[str], str]:
    domain = DOMAINS[aspect]
    numbers = rng.sample(range(1, 100), N_CORRECT + n_wrong + n_noise)
    correct: list[dict[str, Any]] = []
    for _ in range(N_CORRECT):
        attrs = domain.option(rng)
        for c in constraints:
            c.satisfy(attrs, rng, domain)
        correct.append(attrs)
    cheapest = min(a["cost"] for a in correct)
    budget = next((c for c in constraints if c.attribute == "cost"), None)
    # make the best unique: every other correct option costs strictly more
    best = min(range(N_CORRECT), key=lambda i: correct[i]["cost"])
    for i, a in enumerate(correct):
        if i != best and a["cost"] <= cheapest:
            a["cost"] = cheapest + rng.randint(1, 4) * (5 if aspect != "restaurant" else 1)
    if budget is not None and not all(budget.holds(a) for a in correct):
        raise RuntimeError("budget constraint broken while separating costs")
    wrong = []
    for k in range(n_wrong):
        attrs = domain.option(rng)
        for c in constraints:
            c.satisfy(attrs, rng, domain)
        broken = constraints[k % len(constraints)]
        broken.violate(attrs, rng, domain)
        if k % 2 == 0 and broken.attribute != "cost":  # a tempting trap: cheaper than the best
            attrs["cost"] = max(
                1, cheapest - rng.randint(1, 10) * (5 if aspect != "restaurant" else 1)
            )
        wrong.append(attrs)
    noise = []
    for _ in range(n_noise):
        attrs = domain.option(rng)
        if all(c.holds(attrs) for c in constraints):
            rng.choice(constraints).violate(attrs, rng, domain)
        noise.append(attrs)
    options = []
    for kind, group in (("correct", correct), ("wrong", wrong), ("noise", noise)):
        for attrs in group:
            options.append(
                {
                    "id": f"{PREFIX[aspect]}{numbers[len(options)]}",
                    "kind": kind,
                    "attributes": attrs,
                }
            )
    correct_ids = [o["id"] for o in options if o["kind"] == "correct"]
    return options, correct_ids, correct_ids[best]


def build_scenario(
    config: str, index: int, seed: int, n_wrong: int = N_WRONG, n_noise: int = N_NOISE
) -> dict[str, Any]:
    """One scenario (a dict valid under the scenario schema), fully determined by its arguments."""
    rng = random.Random(f"userbench:{seed}:{config}:{index}")
    counts = [int(d) for d in config]
    dims = rng.sample(ASPECTS, len(counts))
    city, origin = rng.choice(CITIES), rng.choice(ORIGINS)
    start, end = _dates(rng)
    aspects: dict[str, Any] = {}
    for aspect, n in zip(dims, counts, strict=True):
        kinds = rng.sample(PREFERENCES[aspect], n)
        prefs, constraints = [], []
        for j, kind in enumerate(kinds):
            c, text, implicit = kind.draw(rng)
            constraints.append(c)
            prefs.append(
                {
                    "id": f"{aspect}-{j + 1}",
                    "subcategory": kind.subcategory,
                    "text": text,
                    "implicit": implicit,
                    "constraint": c.to_json(),
                }
            )
        options, correct_ids, best_id = _options(aspect, constraints, rng, n_wrong, n_noise)
        aspects[aspect] = {
            "arguments": _arguments(aspect, city, origin, start, end),
            "preferences": prefs,
            "options": options,
            "correct_ids": correct_ids,
            "best_id": best_id,
        }
    needs = [NEEDS[a].format(origin=origin) for a in dims]
    need_text = needs[0] if len(needs) == 1 else ", ".join(needs[:-1]) + " and " + needs[-1]
    occasion = rng.choice(OCCASIONS)
    opening = (
        f"I'm planning {occasion} to {city} from {start} to {end}. I need {need_text}. "
        "Money is tight, so once my preferences are met I'd like the cheapest option "
        "for each."
    )
    return {
        "id": f"travel{config}-{index:04d}",
        "config": config,
        "scenario": f"{occasion.capitalize()} to {city} ({', '.join(dims)}).",
        "initial_description": opening,
        "dimensions": dims,
        "aspects": aspects,
    }


def build_set(counts: dict[str, int], seed: int) -> list[dict[str, Any]]:
    return [build_scenario(cfg, i, seed) for cfg, n in counts.items() for i in range(n)]


def check_consistency(scenario: dict[str, Any]) -> list[str]:
    """Problems with a generated scenario: best/correct must meet every constraint, wrong and noise
    must break at least one, and the best must be the unique cheapest correct option."""
    problems = []
    for aspect, spec in scenario["aspects"].items():
        cons = [c for c in (constraint_of(p) for p in spec["preferences"]) if c]
        if not cons:
            continue
        by_id = {o["id"]: o for o in spec["options"]}
        for o in spec["options"]:
            ok = all(c.holds(o["attributes"]) for c in cons)
            if o["kind"] == "correct" and not ok:
                problems.append(f"{aspect}: correct option {o['id']} breaks a preference")
            if o["kind"] != "correct" and ok:
                problems.append(f"{aspect}: {o['kind']} option {o['id']} meets every preference")
        if sorted(spec["correct_ids"]) != sorted(
            o["id"] for o in spec["options"] if o["kind"] == "correct"
        ):
            problems.append(f"{aspect}: correct_ids do not match the correct options")
        best = by_id[spec["best_id"]]["attributes"]["cost"]
        others = [
            by_id[i]["attributes"]["cost"] for i in spec["correct_ids"] if i != spec["best_id"]
        ]
        if any(c <= best for c in others):
            problems.append(f"{aspect}: best option {spec['best_id']} is not the unique cheapest")
    return problems
