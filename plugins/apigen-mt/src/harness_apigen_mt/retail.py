"""The retail domain: tools that behave as tau2-bench's retail tools do (names, parameters,
outputs, errors, database effects), written from its documented behaviour.

The database is a dict ``{products, users, orders}`` in tau2's JSON layout. :func:`normalize`
brings a loaded database to the exact shape tau2's data model dumps (optional fields present as
null, prices as floats, fields in model order), so the state hash is tau2's.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from pydantic import BaseModel

from harness_apigen_mt.calc import calculate
from harness_apigen_mt.toolkit import Tool, ToolError, obj, string, strings

ORDER_ID = "The order id, starting with '#', such as '#W0000000'."
PAYMENT_ID = (
    "A payment method id of the user, such as 'credit_card_0000000' or 'gift_card_0000000'."
)
CANCEL_REASONS = ("no longer needed", "ordered by mistake")
_ADDRESS_KEYS = ("address1", "address2", "city", "country", "state", "zip")
_ORDER_OPTIONAL = (
    "cancel_reason",
    "exchange_items",
    "exchange_new_items",
    "exchange_payment_method_id",
    "exchange_price_difference",
    "return_items",
    "return_payment_method_id",
)


# --------------------------------------------------------------------------- normalisation


def _address(a: dict[str, Any]) -> dict[str, Any]:
    return {k: a.get(k) for k in _ADDRESS_KEYS}


def _payment_method(p: dict[str, Any]) -> dict[str, Any]:
    out = {"source": p["source"], "id": p["id"]}
    if p["source"] == "credit_card":
        out.update(brand=p["brand"], last_four=p["last_four"])
    elif p["source"] == "gift_card":
        out["balance"] = float(p["balance"])
    return out


def normalize(db: dict[str, Any]) -> dict[str, Any]:
    products = {
        pid: {
            "name": p["name"],
            "product_id": p["product_id"],
            "variants": {
                vid: {
                    "item_id": v["item_id"],
                    "options": dict(v["options"]),
                    "available": bool(v["available"]),
                    "price": float(v["price"]),
                }
                for vid, v in p["variants"].items()
            },
        }
        for pid, p in db["products"].items()
    }
    users = {
        uid: {
            "user_id": u["user_id"],
            "name": {"first_name": u["name"]["first_name"], "last_name": u["name"]["last_name"]},
            "address": _address(u["address"]),
            "email": u["email"],
            "payment_methods": {k: _payment_method(p) for k, p in u["payment_methods"].items()},
            "orders": list(u["orders"]),
        }
        for uid, u in db["users"].items()
    }
    orders = {}
    for oid, o in db["orders"].items():
        order = {
            "order_id": o["order_id"],
            "user_id": o["user_id"],
            "address": _address(o["address"]),
            "items": [
                {
                    "name": i["name"],
                    "product_id": i["product_id"],
                    "item_id": i["item_id"],
                    "price": float(i["price"]),
                    "options": dict(i["options"]),
                }
                for i in o["items"]
            ],
            "status": o["status"],
            "fulfillments": [
                {"tracking_id": list(f["tracking_id"]), "item_ids": list(f["item_ids"])}
                for f in o["fulfillments"]
            ],
            "payment_history": [
                {
                    "transaction_type": p["transaction_type"],
                    "amount": float(p["amount"]),
                    "payment_method_id": p["payment_method_id"],
                }
                for p in o["payment_history"]
            ],
        }
        for key in _ORDER_OPTIONAL:
            order[key] = o.get(key)
        if order["exchange_price_difference"] is not None:
            order["exchange_price_difference"] = float(order["exchange_price_difference"])
        orders[oid] = order
    return {"products": products, "users": users, "orders": orders}


class UserAddress(BaseModel):
    """An address as tau2's data model declares it (same name, fields, order and types). tau2's
    address tools build one from the arguments, so a wrongly typed field fails with pydantic's
    ``1 validation error for UserAddress ...``; ours validate the same way."""

    address1: str
    address2: str
    city: str
    country: str
    state: str
    zip: str


def _new_address(**fields: Any) -> dict[str, Any]:
    return UserAddress(**fields).model_dump()


# --------------------------------------------------------------------------- lookups


def _order(db: dict[str, Any], order_id: str) -> dict[str, Any]:
    if order_id not in db["orders"]:
        raise ToolError("Order not found")
    return db["orders"][order_id]


def _user(db: dict[str, Any], user_id: str) -> dict[str, Any]:
    if user_id not in db["users"]:
        raise ToolError("User not found")
    return db["users"][user_id]


def _product(db: dict[str, Any], product_id: str) -> dict[str, Any]:
    if product_id not in db["products"]:
        raise ToolError("Product not found")
    return db["products"][product_id]


def _variant(db: dict[str, Any], product_id: str, item_id: str) -> dict[str, Any]:
    product = _product(db, product_id)
    if item_id not in product["variants"]:
        raise ToolError("Variant not found")
    return product["variants"][item_id]


def _method(db: dict[str, Any], user_id: str, payment_method_id: str) -> dict[str, Any]:
    user = _user(db, user_id)
    if payment_method_id not in user["payment_methods"]:
        raise ToolError("Payment method not found")
    return user["payment_methods"][payment_method_id]


def _item(order: dict[str, Any], item_id: str) -> dict[str, Any] | None:
    return next((i for i in order["items"] if i["item_id"] == item_id), None)


def _count_ok(order: dict[str, Any], item_ids: list[str]) -> str | None:
    """The first item id asked for more often than the order holds it, or None."""
    held = [i["item_id"] for i in order["items"]]
    return next((x for x in item_ids if item_ids.count(x) > held.count(x)), None)


# --------------------------------------------------------------------------- read tools


def find_user_id_by_email(db: dict[str, Any], email: str) -> str:
    for uid, u in db["users"].items():
        if u["email"].lower() == email.lower():
            return uid
    raise ToolError("User not found")


def find_user_id_by_name_zip(db: dict[str, Any], first_name: str, last_name: str, zip: str) -> str:
    for uid, u in db["users"].items():
        if (
            u["name"]["first_name"].lower() == first_name.lower()
            and u["name"]["last_name"].lower() == last_name.lower()
            and u["address"]["zip"] == zip
        ):
            return uid
    raise ToolError("User not found")


def get_order_details(db: dict[str, Any], order_id: str) -> dict[str, Any]:
    return _order(db, order_id)


def get_product_details(db: dict[str, Any], product_id: str) -> dict[str, Any]:
    return _product(db, product_id)


def get_user_details(db: dict[str, Any], user_id: str) -> dict[str, Any]:
    return _user(db, user_id)


def list_all_product_types(db: dict[str, Any]) -> str:
    names = {p["name"]: p["product_id"] for p in db["products"].values()}
    return json.dumps(names, sort_keys=True)


def transfer_to_human_agents(db: dict[str, Any], summary: str) -> str:
    return "Transfer successful"


# --------------------------------------------------------------------------- write tools


def cancel_pending_order(db: dict[str, Any], order_id: str, reason: str) -> dict[str, Any]:
    order = _order(db, order_id)
    if order["status"] != "pending":
        raise ToolError("Non-pending order cannot be cancelled")
    if reason not in CANCEL_REASONS:
        raise ToolError("Invalid reason")
    refunds = []
    for payment in order["payment_history"]:
        refunds.append(
            {
                "transaction_type": "refund",
                "amount": payment["amount"],
                "payment_method_id": payment["payment_method_id"],
            }
        )
        method = _method(db, order["user_id"], payment["payment_method_id"])
        if method["source"] == "gift_card":
            method["balance"] = round(method["balance"] + payment["amount"], 2)
    order["status"] = "cancelled"
    order["cancel_reason"] = reason
    order["payment_history"].extend(refunds)
    return order


def _price_difference(
    db: dict[str, Any],
    order: dict[str, Any],
    item_ids: list[str],
    new_item_ids: list[str],
    forbid_same: bool,
) -> tuple[float, dict[str, Any]]:
    diff: float = 0
    variant: dict[str, Any] = {}
    for item_id, new_id in zip(item_ids, new_item_ids, strict=False):
        if forbid_same and item_id == new_id:
            raise ToolError("The new item id should be different from the old item id")
        item = _item(order, item_id)
        if item is None:
            raise ToolError(f"Item {item_id} not found")
        variant = _variant(db, item["product_id"], new_id)
        if not variant["available"]:
            raise ToolError(f"New item {new_id} not found or available")
        diff += variant["price"] - item["price"]
    return diff, variant


def exchange_delivered_order_items(
    db: dict[str, Any],
    order_id: str,
    item_ids: list[str],
    new_item_ids: list[str],
    payment_method_id: str,
) -> dict[str, Any]:
    order = _order(db, order_id)
    if order["status"] != "delivered":
        raise ToolError("Non-delivered order cannot be exchanged")
    missing = _count_ok(order, item_ids)
    if missing is not None:
        raise ToolError(f"Number of {missing} not found.")
    if len(item_ids) != len(new_item_ids):
        raise ToolError("The number of items to be exchanged should match.")
    diff, _ = _price_difference(db, order, item_ids, new_item_ids, forbid_same=False)
    diff = round(diff, 2)
    method = _method(db, order["user_id"], payment_method_id)
    if method["source"] == "gift_card" and method["balance"] < diff:
        raise ToolError("Insufficient gift card balance to pay for the price difference")
    order["status"] = "exchange requested"
    order["exchange_items"] = sorted(item_ids)
    order["exchange_new_items"] = sorted(new_item_ids)
    order["exchange_payment_method_id"] = payment_method_id
    order["exchange_price_difference"] = float(diff)
    return order


def modify_pending_order_address(
    db: dict[str, Any],
    order_id: str,
    address1: str,
    address2: str,
    city: str,
    state: str,
    country: str,
    zip: str,
) -> dict[str, Any]:
    order = _order(db, order_id)
    if "pending" not in order["status"]:
        raise ToolError("Non-pending order cannot be modified")
    order["address"] = _new_address(
        address1=address1, address2=address2, city=city, state=state, country=country, zip=zip
    )
    return order


def modify_pending_order_items(
    db: dict[str, Any],
    order_id: str,
    item_ids: list[str],
    new_item_ids: list[str],
    payment_method_id: str,
) -> dict[str, Any]:
    order = _order(db, order_id)
    if order["status"] != "pending":
        raise ToolError("Non-pending order cannot be modified")
    missing = _count_ok(order, item_ids)
    if missing is not None:
        raise ToolError(f"{missing} not found")
    if len(item_ids) != len(new_item_ids):
        raise ToolError("The number of items to be exchanged should match")
    diff, last_variant = _price_difference(db, order, item_ids, new_item_ids, forbid_same=True)
    method = _method(db, order["user_id"], payment_method_id)
    if method["source"] == "gift_card" and method["balance"] < diff:
        raise ToolError("Insufficient gift card balance to pay for the new item")
    order["payment_history"].append(
        {
            "transaction_type": "payment" if diff > 0 else "refund",
            "amount": float(abs(diff)),
            "payment_method_id": payment_method_id,
        }
    )
    if method["source"] == "gift_card":
        method["balance"] = round(method["balance"] - diff, 2)
    # tau2 quirk kept for compatibility: every modified item takes the price and options of the
    # last new variant looked up, and its own new item id.
    for item_id, new_id in zip(item_ids, new_item_ids, strict=False):
        item = _item(order, item_id)
        if item is None:
            raise ToolError(f"Item {item_id} not found")
        item["item_id"] = new_id
        item["price"] = last_variant["price"]
        item["options"] = copy.deepcopy(last_variant["options"])
    order["status"] = "pending (item modified)"
    return order


def modify_pending_order_payment(
    db: dict[str, Any], order_id: str, payment_method_id: str
) -> dict[str, Any]:
    order = _order(db, order_id)
    if "pending" not in order["status"]:
        raise ToolError("Non-pending order cannot be modified")
    method = _method(db, order["user_id"], payment_method_id)
    history = order["payment_history"]
    if len(history) != 1 or history[0]["transaction_type"] != "payment":
        raise ToolError("There should be exactly one payment for a pending order")
    old_id = history[0]["payment_method_id"]
    if old_id == payment_method_id:
        raise ToolError("The new payment method should be different from the current one")
    amount = history[0]["amount"]
    if method["source"] == "gift_card" and method["balance"] < amount:
        raise ToolError("Insufficient gift card balance to pay for the order")
    history.extend(
        [
            {
                "transaction_type": "payment",
                "amount": amount,
                "payment_method_id": payment_method_id,
            },
            {"transaction_type": "refund", "amount": amount, "payment_method_id": old_id},
        ]
    )
    if method["source"] == "gift_card":
        method["balance"] = round(method["balance"] - amount, 2)
    old = _method(db, order["user_id"], old_id)
    if old["source"] == "gift_card":
        old["balance"] = round(old["balance"] + amount, 2)
    return order


def modify_user_address(
    db: dict[str, Any],
    user_id: str,
    address1: str,
    address2: str,
    city: str,
    state: str,
    country: str,
    zip: str,
) -> dict[str, Any]:
    user = _user(db, user_id)
    user["address"] = _new_address(
        address1=address1, address2=address2, city=city, state=state, country=country, zip=zip
    )
    return user


def return_delivered_order_items(
    db: dict[str, Any], order_id: str, item_ids: list[str], payment_method_id: str
) -> dict[str, Any]:
    order = _order(db, order_id)
    if order["status"] != "delivered":
        raise ToolError("Non-delivered order cannot be returned")
    method = _method(db, order["user_id"], payment_method_id)
    if (
        method["source"] != "gift_card"
        and payment_method_id != order["payment_history"][0]["payment_method_id"]
    ):
        raise ToolError("Payment method should be the original payment method")
    if _count_ok(order, item_ids) is not None:
        raise ToolError("Some item not found")
    order["status"] = "return requested"
    order["return_items"] = sorted(item_ids)
    order["return_payment_method_id"] = payment_method_id
    return order


# --------------------------------------------------------------------------- the tool table

_ADDR = {
    "address1": string("First address line, such as '123 Main St'."),
    "address2": string("Second address line, such as 'Apt 1', or ''."),
    "city": string("City."),
    "state": string("State, such as 'CA'."),
    "country": string("Country, such as 'USA'."),
    "zip": string("Zip code, such as '12345'."),
}
_CONFIRM = " Ask the user for an explicit yes before calling it."

TOOLS: list[Tool] = [
    Tool(
        "calculate",
        "Evaluate an arithmetic expression (numbers, + - * /, parentheses).",
        obj({"expression": string("The expression, such as '2 + 2'.")}),
        "generic",
        calculate,
    ),
    Tool(
        "cancel_pending_order",
        "Cancel a pending order and refund its payments (gift cards at once, other methods in "
        "5-7 business days). Returns the order." + _CONFIRM,
        obj(
            {
                "order_id": string(ORDER_ID),
                "reason": string("Either 'no longer needed' or 'ordered by mistake'."),
            }
        ),
        "write",
        cancel_pending_order,
    ),
    Tool(
        "exchange_delivered_order_items",
        "Exchange items of a delivered order for other variants of the same products; allowed "
        "once per order. The price difference is charged or refunded to the payment method. "
        "Returns the order." + _CONFIRM,
        obj(
            {
                "order_id": string(ORDER_ID),
                "item_ids": strings("Item ids to exchange (repeats allowed)."),
                "new_item_ids": strings("New item ids, position by position, same product."),
                "payment_method_id": string(PAYMENT_ID),
            }
        ),
        "write",
        exchange_delivered_order_items,
    ),
    Tool(
        "find_user_id_by_name_zip",
        "Look a user id up by first name, last name and zip code (use when email is unknown).",
        obj(
            {
                "first_name": string("First name, such as 'John'."),
                "last_name": string("Last name, such as 'Doe'."),
                "zip": string("Zip code, such as '12345'."),
            }
        ),
        "read",
        find_user_id_by_name_zip,
    ),
    Tool(
        "find_user_id_by_email",
        "Look a user id up by email address.",
        obj({"email": string("Email, such as 'someone@example.com'.")}),
        "read",
        find_user_id_by_email,
    ),
    Tool(
        "get_order_details",
        "Status and details of an order.",
        obj({"order_id": string(ORDER_ID)}),
        "read",
        get_order_details,
    ),
    Tool(
        "get_product_details",
        "A product and all its variants (item ids, options, prices).",
        obj({"product_id": string("The product id, such as '6086499569' (not an item id).")}),
        "read",
        get_product_details,
    ),
    Tool(
        "get_user_details",
        "A user's profile: name, address, email, payment methods, orders.",
        obj({"user_id": string("The user id, such as 'sara_doe_496'.")}),
        "read",
        get_user_details,
    ),
    Tool(
        "list_all_product_types",
        "Names and product ids of all 50 product types, as JSON.",
        obj({}),
        "read",
        list_all_product_types,
    ),
    Tool(
        "modify_pending_order_address",
        "Change the shipping address of a pending order. Returns the order." + _CONFIRM,
        obj({"order_id": string(ORDER_ID), **_ADDR}),
        "write",
        modify_pending_order_address,
    ),
    Tool(
        "modify_pending_order_items",
        "Swap items of a pending order for other variants of the same products; allowed once "
        "per order. The price difference is charged or refunded to the payment method. "
        "Returns the order." + _CONFIRM,
        obj(
            {
                "order_id": string(ORDER_ID),
                "item_ids": strings("Item ids to modify (repeats allowed)."),
                "new_item_ids": strings("New item ids, position by position, same product."),
                "payment_method_id": string(PAYMENT_ID),
            }
        ),
        "write",
        modify_pending_order_items,
    ),
    Tool(
        "modify_pending_order_payment",
        "Pay a pending order with another of the user's payment methods. Returns the order."
        + _CONFIRM,
        obj({"order_id": string(ORDER_ID), "payment_method_id": string(PAYMENT_ID)}),
        "write",
        modify_pending_order_payment,
    ),
    Tool(
        "modify_user_address",
        "Change a user's default address. Returns the user." + _CONFIRM,
        obj({"user_id": string("The user id, such as 'sara_doe_496'."), **_ADDR}),
        "write",
        modify_user_address,
    ),
    Tool(
        "return_delivered_order_items",
        "Request the return of items of a delivered order; the refund goes to the original "
        "payment method or a gift card. Returns the order." + _CONFIRM,
        obj(
            {
                "order_id": string(ORDER_ID),
                "item_ids": strings("Item ids to return (repeats allowed)."),
                "payment_method_id": string(PAYMENT_ID),
            }
        ),
        "write",
        return_delivered_order_items,
    ),
    Tool(
        "transfer_to_human_agents",
        "Hand the user over to a human agent with a summary; only when the user asks for one or "
        "the request cannot be handled under the policy with these tools.",
        obj({"summary": string("A summary of the user's issue.")}),
        "generic",
        transfer_to_human_agents,
    ),
]
