"""Each validation stage on crafted bad blueprints, the committee rules, recombination."""

from __future__ import annotations

from harness_apigen_mt.committee import decide, parse_review
from harness_apigen_mt.domain import load_domain
from harness_apigen_mt.policy import check_policy
from harness_apigen_mt.recombine import combine
from harness_apigen_mt.schema import Blueprint
from harness_apigen_mt.validate import parse_blueprint, stage1

RETAIL = load_domain("retail")
AIRLINE = load_domain("airline")
AUTH = {
    "name": "find_user_id_by_name_zip",
    "arguments": {"first_name": "Yusuf", "last_name": "Rossi", "zip": "19122"},
}
ORDER = {"name": "get_order_details", "arguments": {"order_id": "#W2378156"}}
EXCHANGE = {
    "name": "exchange_delivered_order_items",
    "arguments": {
        "order_id": "#W2378156",
        "item_ids": ["4983901480"],
        "new_item_ids": ["7747408585"],
        "payment_method_id": "credit_card_9513926",
    },
}


def bp(
    actions,
    outputs=(),
    intent="You are Yusuf Rossi, zip 19122. Exchange the keyboard of order #W2378156.",
    domain="retail",
    **kw,
) -> Blueprint:
    return Blueprint(
        id="t", domain=domain, intent=intent, actions=actions, outputs=list(outputs), **kw
    )


def test_valid_blueprint_passes() -> None:
    assert stage1(RETAIL, bp([AUTH, ORDER, EXCHANGE])).ok


def test_unparsable_reply_and_bad_fields() -> None:
    assert parse_blueprint("no json here", "x", "retail") == "reply holds no JSON object"
    assert "field actions" in parse_blueprint('{"intent": "a", "actions": 3}', "x", "retail")


def test_unknown_tool_rejected_at_format() -> None:
    s = stage1(RETAIL, bp([AUTH, {"name": "refund_everything", "arguments": {}}]))
    assert s.stage == "format" and "unknown tool 'refund_everything'" in s.reasons[0]


def test_wrong_argument_type_rejected_at_format() -> None:
    s = stage1(RETAIL, bp([{"name": "get_order_details", "arguments": {"order_id": 12}}]))
    assert s.stage == "format" and "is not of type 'string'" in s.reasons[0]


def test_raising_action_rejected_at_execution() -> None:
    bad = {
        "name": "cancel_pending_order",
        "arguments": {"order_id": "#W2378156", "reason": "no longer needed"},
    }
    s = stage1(RETAIL, bp([AUTH, ORDER, bad]))
    assert s.stage == "execution" and "Non-pending order cannot be cancelled" in s.reasons[0]


def test_unsupported_output_and_no_effect_rejected_at_execution() -> None:
    s = stage1(RETAIL, bp([AUTH, ORDER], outputs=["999.99"]))
    assert s.stage == "execution" and "not supported" in s.reasons[0]
    s = stage1(RETAIL, bp([AUTH, ORDER]))
    assert s.stage == "execution" and "nothing to verify" in s.reasons[0]


def test_execution_produces_diff_patch() -> None:
    s = stage1(RETAIL, bp([AUTH, ORDER, EXCHANGE]))
    paths = {p["path"] for p in s.patch}
    assert "/orders/#W2378156/status" in paths
    assert any(p["new"] == "exchange requested" for p in s.patch)


def _rules(domain, actions, intent="You are Yusuf Rossi, zip 19122, order #W2378156.") -> set:
    return {p.split(":")[0] for p in check_policy(domain, actions, intent)}


def test_retail_policy_rules() -> None:
    assert _rules(RETAIL, [ORDER, EXCHANGE]) >= {"authenticate_first"}
    assert "order_checked_before_change" in _rules(RETAIL, [AUTH, EXCHANGE])
    other = {"name": "get_user_details", "arguments": {"user_id": "raj_sanchez_7340"}}
    assert "one_user" in _rules(RETAIL, [AUTH, other], "You are raj_sanchez_7340")
    assert "grounded_ids" in _rules(RETAIL, [AUTH, ORDER], "You are Yusuf Rossi, zip 19122.")
    ret = {
        "name": "return_delivered_order_items",
        "arguments": {
            "order_id": "#W2378156",
            "item_ids": ["4202497723"],
            "payment_method_id": "credit_card_9513926",
        },
    }
    assert "items_in_one_call" in _rules(RETAIL, [AUTH, ORDER, ret, ret])
    transfer = {"name": "transfer_to_human_agents", "arguments": {"summary": "x"}}
    assert "transfer_ends" in _rules(RETAIL, [AUTH, transfer, ORDER])
    assert _rules(RETAIL, [AUTH, ORDER, EXCHANGE]) == set()


def test_airline_policy_rules() -> None:
    db = AIRLINE.db
    old = next(
        r
        for r in db["reservations"].values()
        if r["cabin"] == "basic_economy"
        and r["insurance"] == "no"
        and r["created_at"] < "2024-05-10"
        and r["status"] is None
    )
    uid, rid = old["user_id"], old["reservation_id"]
    cancel = {"name": "cancel_reservation", "arguments": {"reservation_id": rid}}
    assert "cancellation_eligibility" in _rules(AIRLINE, [cancel], rid)
    change = {
        "name": "update_reservation_flights",
        "arguments": {
            "reservation_id": rid,
            "cabin": "basic_economy",
            "flights": [{"flight_number": "HAT001", "date": "2024-05-20"}],
            "payment_id": "x",
        },
    }
    assert "basic_economy_no_change" in _rules(AIRLINE, [change], rid)
    bags = {
        "name": "update_reservation_baggages",
        "arguments": {
            "reservation_id": rid,
            "total_baggages": old["total_baggages"] - 1,
            "nonfree_baggages": 0,
            "payment_id": "x",
        },
    }
    if old["total_baggages"] > 0:
        assert "no_bag_removal" in _rules(AIRLINE, [bags], rid)
    people = [{"first_name": "A", "last_name": "B", "dob": "1990-01-01"}] * 6
    book = {
        "name": "book_reservation",
        "arguments": {
            "user_id": uid,
            "origin": "JFK",
            "destination": "LAX",
            "flight_type": "one_way",
            "cabin": "economy",
            "flights": [],
            "passengers": people,
            "payment_methods": [],
            "total_baggages": 0,
            "nonfree_baggages": 0,
            "insurance": "no",
        },
    }
    assert "max_five_passengers" in _rules(AIRLINE, [book], uid)
    other = next(u for u in db["users"] if u != uid)
    mixed = [{"name": "get_user_details", "arguments": {"user_id": other}}, cancel]
    assert "one_user" in _rules(AIRLINE, mixed, other)
    assert (
        len(
            {
                "one_user",
                "cancellation_eligibility",
                "basic_economy_no_change",
                "same_origin",
                "max_five_passengers",
                "payment_mix",
                "no_bag_removal",
            }
        )
        >= 5
    )


def test_committee_rules_and_abstention() -> None:
    yes = (
        '{"reflection": "ok", "correctness": true, "completeness": true, '
        '"satisfaction": true, "creativity": false, "score": 4, "reason": "fine"}'
    )
    no = yes.replace('"correctness": true', '"correctness": false').replace(
        '"score": 4', '"score": 2'
    )
    reviews = [parse_review(0, yes), parse_review(1, no), parse_review(2, "I think it is good")]
    assert reviews[2].vote is None  # abstains
    assert not decide(reviews, "majority", 3.5).accepted  # 1 yes of 2 valid: no majority
    assert decide([reviews[0], parse_review(1, yes), reviews[2]], "majority", 3.5).accepted
    assert not decide(reviews, "average", 3.5).accepted  # (4 + 2) / 2 = 3
    assert decide(reviews, "average", 2.5).accepted
    v = decide([reviews[2]], "majority", 3.5)
    assert not v.accepted and v.reasons == ["every reviewer abstained"] and v.abstained == 1


def test_recombination_keeps_validity() -> None:
    a = bp([AUTH, ORDER, EXCHANGE], user_id="yusuf_rossi_9620")
    addr = {
        "name": "modify_user_address",
        "arguments": {
            "user_id": "yusuf_rossi_9620",
            "address1": "1 Elm St",
            "address2": "",
            "city": "Austin",
            "state": "TX",
            "country": "USA",
            "zip": "78701",
        },
    }
    b = bp(
        [AUTH, addr],
        intent="You are Yusuf Rossi, zip 19122 (order #W2378156). Move to Austin.",
        user_id="yusuf_rossi_9620",
    )
    assert stage1(RETAIL, a).ok and stage1(RETAIL, b).ok
    c = combine(a, b, a.intent + " " + b.intent)
    assert [x.name for x in c.actions].count("find_user_id_by_name_zip") == 1
    assert c.origin == "recombined" and c.parents == ["t", "t"]
    assert stage1(RETAIL, c).ok


def test_reply_schema_admits_ground_truth_and_rejects_unknown_tools() -> None:
    import jsonschema
    from harness_apigen_mt.schema import blueprint_reply_schema

    domain = load_domain("retail")
    schema = blueprint_reply_schema([(t.name, t.parameters) for t in domain.tools])
    task = next(t for t in domain.tasks if 1 <= len(t.actions()) <= 6)
    reply = {
        "intent": "You want help with your order.",
        "actions": [{"name": a.name, "arguments": a.arguments} for a in task.actions()],
        "outputs": task.outputs()[:5],
    }
    jsonschema.validate(reply, schema)
    bad = {**reply, "actions": [{"name": "refund_all", "arguments": {}}]}
    try:
        jsonschema.validate(bad, schema)
        raise AssertionError("unknown tool accepted")
    except jsonschema.ValidationError:
        pass
    long_id = {
        **reply,
        "actions": [{"name": "get_order_details", "arguments": {"order_id": "#" * 81}}],
    }
    try:
        jsonschema.validate(long_id, schema)
        raise AssertionError("unbounded argument string accepted")
    except jsonschema.ValidationError:
        pass
