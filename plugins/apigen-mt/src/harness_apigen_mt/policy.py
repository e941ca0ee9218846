"""Policy rules as code: rules from each domain's policy document that the tools do not enforce.

A rule sees one action, the database just before it, and the actions and outputs before it; it
returns why the action breaks the policy, or None. :func:`check_policy` replays a blueprint on a
fresh database and applies every rule of the domain to every action.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from harness_apigen_mt.domain import Domain, execute


@dataclass
class Ctx:
    """What a rule may look at: earlier actions, their outputs, the authenticated user."""

    intent: str
    previous: list[dict[str, Any]] = field(default_factory=list)
    user_id: str | None = None


Rule = Callable[[dict[str, Any], dict[str, Any], Ctx], str | None]


@dataclass(frozen=True)
class PolicyRule:
    name: str
    source: str  # the policy sentence it encodes, paraphrased
    check: Rule


# --------------------------------------------------------------------------- shared rules


def _grounded(action: dict[str, Any], db: dict[str, Any], ctx: Ctx) -> str | None:
    """Ids used in an action must come from the user (the intent) or an earlier tool output."""
    seen = ctx.intent + " " + " ".join(p["output"] for p in ctx.previous)
    for key, value in action["arguments"].items():
        if not key.endswith("_id") or key == "product_id":  # products are public (listable)
            continue
        if isinstance(value, str) and value and value not in seen:
            return f"{key}={value!r} appears neither in the intent nor in an earlier tool output"
    return None


def _transfer_last(action: dict[str, Any], db: dict[str, Any], ctx: Ctx) -> str | None:
    if any(p["name"] == "transfer_to_human_agents" for p in ctx.previous):
        return "no action may follow transfer_to_human_agents"
    return None


# --------------------------------------------------------------------------- retail

_RETAIL_PUBLIC = {
    "list_all_product_types",
    "get_product_details",
    "calculate",
    "find_user_id_by_email",
    "find_user_id_by_name_zip",
    "transfer_to_human_agents",
}


def _retail_auth_first(action: dict[str, Any], db: dict[str, Any], ctx: Ctx) -> str | None:
    if action["name"] in _RETAIL_PUBLIC:
        return None
    if ctx.user_id is None:
        return (
            f"{action['name']} before the user was authenticated (find_user_id_by_email or "
            "find_user_id_by_name_zip)"
        )
    return None


def _retail_one_user(action: dict[str, Any], db: dict[str, Any], ctx: Ctx) -> str | None:
    if ctx.user_id is None:
        return None
    args = action["arguments"]
    if "user_id" in args and args["user_id"] != ctx.user_id:
        return f"acts on user {args['user_id']} but the authenticated user is {ctx.user_id}"
    order = db["orders"].get(args.get("order_id", ""))
    if order is not None and order["user_id"] != ctx.user_id:
        return f"order {order['order_id']} belongs to another user than {ctx.user_id}"
    return None


def _retail_order_checked(action: dict[str, Any], db: dict[str, Any], ctx: Ctx) -> str | None:
    """Before changing an order the agent must have looked at it (its status decides what is
    allowed)."""
    tool = action["name"]
    if tool.startswith(("cancel_", "modify_pending", "exchange_", "return_")):
        oid = action["arguments"].get("order_id")
        if not any(
            p["name"] == "get_order_details" and p["arguments"].get("order_id") == oid
            for p in ctx.previous
        ):
            return f"{tool} on {oid} without get_order_details on it first"
    return None


def _retail_items_once(action: dict[str, Any], db: dict[str, Any], ctx: Ctx) -> str | None:
    """All items to exchange/return/modify in one order must go into a single call."""
    tool = action["name"]
    if tool in (
        "exchange_delivered_order_items",
        "return_delivered_order_items",
        "modify_pending_order_items",
    ):
        oid = action["arguments"].get("order_id")
        if any(
            p["name"] == tool and p["arguments"].get("order_id") == oid and not p["error"]
            for p in ctx.previous
        ):
            return f"{tool} called twice on {oid}: collect every item into one call"
    return None


RETAIL_RULES = [
    PolicyRule(
        "authenticate_first",
        "Authenticate the user by email or name + zip before anything about their account.",
        _retail_auth_first,
    ),
    PolicyRule(
        "one_user",
        "Help only the authenticated user; deny requests about others.",
        _retail_one_user,
    ),
    PolicyRule(
        "order_checked_before_change",
        "Check an order's status and items before "
        "cancelling, modifying, returning or exchanging it.",
        _retail_order_checked,
    ),
    PolicyRule(
        "items_in_one_call",
        "Collect all items to be modified/exchanged/returned into one list before the call.",
        _retail_items_once,
    ),
    PolicyRule(
        "grounded_ids",
        "Do not make up information: ids come from the user or the tools.",
        _grounded,
    ),
    PolicyRule("transfer_ends", "Transfer to a human agent ends the agent's part.", _transfer_last),
]


# --------------------------------------------------------------------------- airline

NOW = _dt.datetime(2024, 5, 15, 15, 0, 0)


def _reservation(db: dict[str, Any], action: dict[str, Any]) -> dict[str, Any] | None:
    return db["reservations"].get(action["arguments"].get("reservation_id", ""))  # type: ignore[no-any-return]


def _airline_one_user(action: dict[str, Any], db: dict[str, Any], ctx: Ctx) -> str | None:
    args = action["arguments"]
    if "user_id" in args:
        if ctx.user_id is not None and args["user_id"] != ctx.user_id:
            return f"acts on user {args['user_id']} and also on {ctx.user_id}"
        ctx.user_id = ctx.user_id or args["user_id"]
    res = _reservation(db, action)
    if res is not None:
        if ctx.user_id is not None and res["user_id"] != ctx.user_id:
            return f"reservation {res['reservation_id']} belongs to another user than {ctx.user_id}"
        ctx.user_id = ctx.user_id or res["user_id"]
    return None


def _flown(db: dict[str, Any], res: dict[str, Any]) -> bool:
    for seg in res["flights"]:
        day = db["flights"].get(seg["flight_number"], {}).get("dates", {}).get(seg["date"], {})
        if day.get("status") in ("landed", "flying"):
            return True
    return False


def _airline_cancel(action: dict[str, Any], db: dict[str, Any], ctx: Ctx) -> str | None:
    if action["name"] != "cancel_reservation":
        return None
    res = _reservation(db, action)
    if res is None:
        return None
    if _flown(db, res):
        return "part of the trip was already flown: cannot cancel (transfer instead)"
    created = _dt.datetime.fromisoformat(res["created_at"])
    airline_cancelled = any(
        db["flights"].get(s["flight_number"], {}).get("dates", {}).get(s["date"], {}).get("status")
        == "cancelled"
        for s in res["flights"]
    )
    if (
        NOW - created <= _dt.timedelta(hours=24)
        or airline_cancelled
        or res["cabin"] == "business"
        or res["insurance"] == "yes"
    ):
        return None
    return (
        "cancellation not allowed: booked more than 24h ago, not business, no insurance, "
        "no flight cancelled by the airline"
    )


def _airline_basic_economy(action: dict[str, Any], db: dict[str, Any], ctx: Ctx) -> str | None:
    if action["name"] != "update_reservation_flights":
        return None
    res = _reservation(db, action)
    if res is None or res["cabin"] != "basic_economy":
        return None
    old = [(f["flight_number"], f["date"]) for f in res["flights"]]
    new = [(f.get("flight_number"), f.get("date")) for f in action["arguments"].get("flights", [])]
    if old != new:
        return "basic economy flights cannot be modified (only the cabin may change)"
    return None


def _airline_same_route(action: dict[str, Any], db: dict[str, Any], ctx: Ctx) -> str | None:
    if action["name"] != "update_reservation_flights":
        return None
    res = _reservation(db, action)
    flights = action["arguments"].get("flights", [])
    if res is None or not flights:
        return None
    first = db["flights"].get(flights[0].get("flight_number", ""))
    if first is not None and first["origin"] != res["origin"]:
        return f"origin changes from {res['origin']} to {first['origin']}: not allowed"
    return None


def _airline_passengers(action: dict[str, Any], db: dict[str, Any], ctx: Ctx) -> str | None:
    if action["name"] == "book_reservation" and len(action["arguments"]["passengers"]) > 5:
        return "at most five passengers per reservation"
    return None


def _airline_payment_mix(action: dict[str, Any], db: dict[str, Any], ctx: Ctx) -> str | None:
    if action["name"] != "book_reservation":
        return None
    user = db["users"].get(action["arguments"]["user_id"])
    if user is None:
        return None
    kinds: dict[str, int] = {}
    for p in action["arguments"]["payment_methods"]:
        src = user["payment_methods"].get(p["payment_id"], {}).get("source", "unknown")
        kinds[src] = kinds.get(src, 0) + 1
    if (
        kinds.get("certificate", 0) > 1
        or kinds.get("credit_card", 0) > 1
        or kinds.get("gift_card", 0) > 3
    ):
        return f"payment mix {kinds}: at most 1 certificate, 1 credit card, 3 gift cards"
    return None


def _airline_bags(action: dict[str, Any], db: dict[str, Any], ctx: Ctx) -> str | None:
    if action["name"] != "update_reservation_baggages":
        return None
    res = _reservation(db, action)
    if res is not None and action["arguments"]["total_baggages"] < res["total_baggages"]:
        return "checked bags cannot be removed"
    return None


AIRLINE_RULES = [
    PolicyRule("one_user", "Act only for the user who identified themselves.", _airline_one_user),
    PolicyRule(
        "cancellation_eligibility",
        "Cancel only if booked within 24h, airline-cancelled, "
        "business, or insured; never after part of the trip was flown.",
        _airline_cancel,
    ),
    PolicyRule(
        "basic_economy_no_change",
        "Basic economy flights cannot be modified.",
        _airline_basic_economy,
    ),
    PolicyRule(
        "same_origin",
        "A flight change keeps origin, destination and trip type.",
        _airline_same_route,
    ),
    PolicyRule(
        "max_five_passengers", "At most five passengers per reservation.", _airline_passengers
    ),
    PolicyRule(
        "payment_mix",
        "At most one certificate, one credit card and three gift cards.",
        _airline_payment_mix,
    ),
    PolicyRule("no_bag_removal", "Checked bags cannot be removed.", _airline_bags),
    PolicyRule("transfer_ends", "Transfer to a human agent ends the agent's part.", _transfer_last),
]

RULES = {"retail": RETAIL_RULES, "airline": AIRLINE_RULES}


def check_policy(domain: Domain, actions: list[dict[str, Any]], intent: str) -> list[str]:
    """Every policy violation of a blueprint's actions, as 'rule: action i (name): why'."""
    db = domain.fresh_db()
    ctx = Ctx(intent=intent)
    problems = []
    for i, action in enumerate(actions):
        for rule in RULES[domain.name]:
            why = rule.check(action, db, ctx)
            if why:
                problems.append(f"{rule.name}: action {i} ({action['name']}): {why}")
        r = execute(domain, db, action["name"], action["arguments"])
        if (
            domain.name == "retail"
            and not r.error
            and action["name"] in ("find_user_id_by_email", "find_user_id_by_name_zip")
        ):
            ctx.user_id = r.output
        ctx.previous.append({**action, "output": r.output, "error": r.error})
    return problems
