"""Seeded synthesis of retail-style tool-use trajectories as core Trajectory records.

The bundled ``data/retail_trajectories.jsonl`` comes from ``python -m harness_actionstudio.synth``
(seed 7, 24 records): our own small retail world (users, orders, a cancel / return / lookup flow),
written for this plugin, no third-party data."""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path
from typing import Any

from harness.schemas import Message, ToolCall, ToolSpec, Trajectory

SYSTEM = (
    "You are a customer service agent for an online retail store. Authenticate the user by "
    "email before looking up orders. Only pending orders can be cancelled; only delivered "
    "orders can be returned. Confirm before any change. Make one tool call at a time."
)

TOOLS = [
    ToolSpec(
        name="find_user_id_by_email",
        description="Find a user's id from their email.",
        parameters={
            "type": "object",
            "properties": {"email": {"type": "string"}},
            "required": ["email"],
            "additionalProperties": False,
        },
    ),
    ToolSpec(
        name="get_order_details",
        description="Status and items of an order.",
        parameters={
            "type": "object",
            "properties": {"order_id": {"type": "string", "pattern": "^#W\\d{7}$"}},
            "required": ["order_id"],
            "additionalProperties": False,
        },
    ),
    ToolSpec(
        name="cancel_pending_order",
        description="Cancel a pending order.",
        parameters={
            "type": "object",
            "properties": {
                "order_id": {"type": "string", "pattern": "^#W\\d{7}$"},
                "reason": {"type": "string", "enum": ["no longer needed", "ordered by mistake"]},
            },
            "required": ["order_id", "reason"],
            "additionalProperties": False,
        },
    ),
    ToolSpec(
        name="return_delivered_order_items",
        description="Return items of a delivered order.",
        parameters={
            "type": "object",
            "properties": {
                "order_id": {"type": "string", "pattern": "^#W\\d{7}$"},
                "item_ids": {"type": "array", "items": {"type": "string"}, "minItems": 1},
                "payment_method_id": {"type": "string"},
            },
            "required": ["order_id", "item_ids", "payment_method_id"],
            "additionalProperties": False,
        },
    ),
]

FIRST = ["yusuf", "mei", "olga", "ravi", "lena", "tomas", "aisha", "noah", "sofia", "kenji"]
LAST = ["rossi", "tanaka", "okafor", "silva", "novak", "haddad", "berg", "kim"]
PRODUCTS = [
    "desk lamp",
    "water bottle",
    "hiking boots",
    "mechanical keyboard",
    "yoga mat",
    "coffee grinder",
    "backpack",
    "wireless earbuds",
]


class _Conv:
    def __init__(self) -> None:
        self.messages: list[Message] = [Message(role="system", content=SYSTEM)]
        self.n = 0

    def user(self, text: str) -> None:
        self.messages.append(Message(role="user", content=text))

    def say(self, text: str) -> None:
        self.messages.append(Message(role="assistant", content=text))

    def call(self, name: str, args: dict[str, Any], result: Any) -> None:
        cid = f"call_{self.n}"
        self.n += 1
        self.messages.append(
            Message(
                role="assistant",
                tool_calls=[
                    ToolCall(id=cid, name=name, arguments=args, raw_arguments=json.dumps(args))
                ],
            )
        )
        self.messages.append(
            Message(role="tool", tool_call_id=cid, name=name, content=json.dumps(result))
        )


def trajectory(rng: random.Random, index: int) -> Trajectory:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    email = f"{first}.{last}{rng.randint(1, 99)}@example.com"
    uid = f"{first}_{last}_{rng.randint(1000, 9999)}"
    order = f"#W{rng.randint(1000000, 9999999)}"
    product = rng.choice(PRODUCTS)
    item = str(rng.randint(10**9, 10**10 - 1))
    pay = f"credit_card_{rng.randint(100000, 999999)}"
    kind = rng.choice(["cancel", "return", "status"])
    c = _Conv()
    asks = {
        "cancel": f"I want to cancel my order for the {product}.",
        "return": f"I'd like to return the {product} I received.",
        "status": f"Where is my {product}? I ordered it last week.",
    }
    c.user(f"Hi, {asks[kind]}")
    c.say("I can help with that. First, what is the email address on your account?")
    c.user(f"It's {email}.")
    c.call("find_user_id_by_email", {"email": email}, uid)
    c.say("Thank you, you're verified. What is the order id?")
    c.user(f"The order id is {order}.")
    status = {"cancel": "pending", "return": "delivered", "status": "processed"}[kind]
    c.call(
        "get_order_details",
        {"order_id": order},
        {
            "order_id": order,
            "user_id": uid,
            "status": status,
            "items": [{"item_id": item, "name": product, "price": rng.randint(15, 300)}],
            "payment_method_id": pay,
        },
    )
    if kind == "cancel":
        reason = rng.choice(["no longer needed", "ordered by mistake"])
        c.say(
            f"Order {order} ({product}) is pending, so it can be cancelled. Why do you want to "
            "cancel: no longer needed, or ordered by mistake?"
        )
        c.user(f"{reason.capitalize()}. Yes, please cancel it.")
        c.call(
            "cancel_pending_order",
            {"order_id": order, "reason": reason},
            {"order_id": order, "status": "cancelled"},
        )
        c.say(f"Done: order {order} is cancelled and the refund goes back to {pay}.")
    elif kind == "return":
        c.say(
            f"Order {order} was delivered. I can return the {product} (item {item}) with the "
            f"refund to {pay}. Shall I go ahead?"
        )
        c.user("Yes, go ahead.")
        c.call(
            "return_delivered_order_items",
            {"order_id": order, "item_ids": [item], "payment_method_id": pay},
            {"order_id": order, "status": "return requested"},
        )
        c.say("The return is requested. You'll get an email with the return label.")
    else:
        c.say(
            f"Order {order} with the {product} has been processed and will ship soon. "
            "Anything else?"
        )
    c.user("No, that's all. Thanks!")
    c.say("You're welcome, have a nice day!")
    return Trajectory(
        id=f"retail-synth-{index:03d}",
        source="actionstudio/synth",
        task_instruction=f"You are {first} {last} ({email}). {asks[kind]}",
        system=None,
        tools=TOOLS,
        messages=c.messages,
        reward=1.0,
        metadata={"domain": "retail", "kind": kind},
    )


def generate(n: int, seed: int) -> list[Trajectory]:
    rng = random.Random(seed)
    return [trajectory(rng, i) for i in range(n)]


def write(path: Path, n: int = 24, seed: int = 7) -> Path:
    path.write_text(
        "".join(t.model_dump_json() + "\n" for t in generate(n, seed)), encoding="utf-8"
    )
    return path


if __name__ == "__main__":
    out = (
        Path(sys.argv[1])
        if len(sys.argv) > 1
        else Path(__file__).parent / "data" / "retail_trajectories.jsonl"
    )
    write(out)
    print(out)
