"""The airline domain: tools that behave as tau2-bench's airline tools do (names, parameters,
outputs, errors, database effects), written from its documented behaviour.

The database is a dict ``{flights, users, reservations}`` in tau2's JSON layout; :func:`normalize`
brings it to the shape tau2's data model dumps, so the state hash is tau2's. The clock is fixed at
2024-05-15 15:00 EST, new reservation ids are HATHAT, HATHAU, HATHAV and new certificates
certificate_3221322.. as in tau2.
"""

from __future__ import annotations

import copy
from typing import Any, Literal

from pydantic import BaseModel

from harness_apigen_mt.calc import calculate
from harness_apigen_mt.toolkit import Tool, ToolError, integer, obj, string

NOW = "2024-05-15T15:00:00"
NEW_RESERVATION_IDS = ("HATHAT", "HATHAU", "HATHAV")
NEW_CERTIFICATE_IDS = ("certificate_3221322", "certificate_3221323", "certificate_3221324")
CABINS = ["business", "economy", "basic_economy"]
AIRPORTS = [
    ("SFO", "San Francisco"),
    ("JFK", "New York"),
    ("LAX", "Los Angeles"),
    ("ORD", "Chicago"),
    ("DFW", "Dallas"),
    ("DEN", "Denver"),
    ("SEA", "Seattle"),
    ("ATL", "Atlanta"),
    ("MIA", "Miami"),
    ("BOS", "Boston"),
    ("PHX", "Phoenix"),
    ("IAH", "Houston"),
    ("LAS", "Las Vegas"),
    ("MCO", "Orlando"),
    ("EWR", "Newark"),
    ("CLT", "Charlotte"),
    ("MSP", "Minneapolis"),
    ("DTW", "Detroit"),
    ("PHL", "Philadelphia"),
    ("LGA", "LaGuardia"),
]


# --------------------------------------------------------------------------- normalisation


def _method(p: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"source": p["source"], "id": p["id"]}
    if p["source"] == "credit_card":
        out.update(brand=p["brand"], last_four=p["last_four"])
    else:
        out["amount"] = float(p["amount"])
    return out


def _passenger(p: dict[str, Any]) -> dict[str, Any]:
    return {"first_name": p["first_name"], "last_name": p["last_name"], "dob": p["dob"]}


def _payment(p: dict[str, Any]) -> dict[str, Any]:
    return {"payment_id": p["payment_id"], "amount": int(p["amount"])}


def normalize(db: dict[str, Any]) -> dict[str, Any]:
    flights = {
        fn: {
            "flight_number": f["flight_number"],
            "origin": f["origin"],
            "destination": f["destination"],
            "scheduled_departure_time_est": f["scheduled_departure_time_est"],
            "scheduled_arrival_time_est": f["scheduled_arrival_time_est"],
            "dates": copy.deepcopy(f["dates"]),
        }
        for fn, f in db["flights"].items()
    }
    users = {}
    for uid, u in db["users"].items():
        a = u["address"]
        users[uid] = {
            "user_id": u["user_id"],
            "name": {"first_name": u["name"]["first_name"], "last_name": u["name"]["last_name"]},
            "address": {
                "address1": a["address1"],
                "address2": a.get("address2"),
                "city": a["city"],
                "country": a["country"],
                "state": a["state"],
                "zip": a["zip"],
            },
            "email": u["email"],
            "dob": u["dob"],
            "payment_methods": {k: _method(p) for k, p in u["payment_methods"].items()},
            "saved_passengers": [_passenger(p) for p in u["saved_passengers"]],
            "membership": u["membership"],
            "reservations": list(u["reservations"]),
        }
    reservations = {
        rid: {
            "reservation_id": r["reservation_id"],
            "user_id": r["user_id"],
            "origin": r["origin"],
            "destination": r["destination"],
            "flight_type": r["flight_type"],
            "cabin": r["cabin"],
            "flights": [
                {
                    "flight_number": f["flight_number"],
                    "origin": f["origin"],
                    "destination": f["destination"],
                    "date": f["date"],
                    "price": int(f["price"]),
                }
                for f in r["flights"]
            ],
            "passengers": [_passenger(p) for p in r["passengers"]],
            "payment_history": [_payment(p) for p in r["payment_history"]],
            "created_at": r["created_at"],
            "total_baggages": int(r["total_baggages"]),
            "nonfree_baggages": int(r["nonfree_baggages"]),
            "insurance": r["insurance"],
            "status": r.get("status"),
        }
        for rid, r in db["reservations"].items()
    }
    return {"flights": flights, "users": users, "reservations": reservations}


# --------------------------------------------------------------------------- lookups


def _user(db: dict[str, Any], user_id: str) -> dict[str, Any]:
    if user_id not in db["users"]:
        raise ToolError(f"User {user_id} not found")
    return db["users"][user_id]


def _reservation(db: dict[str, Any], reservation_id: str) -> dict[str, Any]:
    if reservation_id not in db["reservations"]:
        raise ToolError(f"Reservation {reservation_id} not found")
    return db["reservations"][reservation_id]


def _flight(db: dict[str, Any], flight_number: str) -> dict[str, Any]:
    if flight_number not in db["flights"]:
        raise ToolError(f"Flight {flight_number} not found")
    return db["flights"][flight_number]


def _instance(db: dict[str, Any], flight_number: str, date: str) -> dict[str, Any]:
    flight = _flight(db, flight_number)
    if date not in flight["dates"]:
        raise ToolError(f"Flight {flight_number} not found on date {date}")
    return flight["dates"][date]


def _direct(
    db: dict[str, Any],
    date: str,
    origin: str | None = None,
    destination: str | None = None,
    leave_after: str | None = None,
) -> list[dict[str, Any]]:
    found = []
    for f in db["flights"].values():
        if origin is not None and f["origin"] != origin:
            continue
        if destination is not None and f["destination"] != destination:
            continue
        if date not in f["dates"] or f["dates"][date]["status"] != "available":
            continue
        if leave_after is not None and f["scheduled_departure_time_est"] < leave_after:
            continue
        day = f["dates"][date]
        found.append(
            {
                "flight_number": f["flight_number"],
                "origin": f["origin"],
                "destination": f["destination"],
                "status": "available",
                "scheduled_departure_time_est": f["scheduled_departure_time_est"],
                "scheduled_arrival_time_est": f["scheduled_arrival_time_est"],
                "date": None,
                "available_seats": dict(day["available_seats"]),
                "prices": dict(day["prices"]),
            }
        )
    return found


def _charge_for_update(user: dict[str, Any], payment_id: str, total: int) -> dict[str, Any] | None:
    if payment_id not in user["payment_methods"]:
        raise ToolError("Payment method not found")
    method = user["payment_methods"][payment_id]
    if method["source"] == "certificate":
        raise ToolError("Certificate cannot be used to update reservation")
    if method["source"] == "gift_card" and method["amount"] < total:
        raise ToolError("Gift card balance is not enough")
    if method["source"] == "gift_card":
        method["amount"] -= total
    return {"payment_id": payment_id, "amount": total} if total != 0 else None


# --------------------------------------------------------------------------- read tools


def get_user_details(db: dict[str, Any], user_id: str) -> dict[str, Any]:
    return _user(db, user_id)


def get_reservation_details(db: dict[str, Any], reservation_id: str) -> dict[str, Any]:
    return _reservation(db, reservation_id)


def list_all_airports(db: dict[str, Any]) -> list[dict[str, str]]:
    return [{"iata": code, "city": city} for code, city in AIRPORTS]


def search_direct_flight(
    db: dict[str, Any], origin: str, destination: str, date: str
) -> list[dict[str, Any]]:
    return _direct(db, date, origin, destination)


def search_onestop_flight(
    db: dict[str, Any], origin: str, destination: str, date: str
) -> list[list[dict[str, Any]]]:
    pairs = []
    for first in _direct(db, date, origin, None):
        first["date"] = date
        # tau2 behaviour kept: the next day is written without zero padding.
        date2 = (
            f"2024-05-{int(date[-2:]) + 1}" if "+1" in first["scheduled_arrival_time_est"] else date
        )
        for second in _direct(
            db, date2, first["destination"], destination, first["scheduled_arrival_time_est"]
        ):
            second["date"] = date2
            pairs.append([first, second])
    return pairs


def get_flight_status(db: dict[str, Any], flight_number: str, date: str) -> str:
    return str(_instance(db, flight_number, date)["status"])


def transfer_to_human_agents(db: dict[str, Any], summary: str) -> str:
    return "Transfer successful"


# --------------------------------------------------------------------------- write tools


class Reservation(BaseModel):
    """The new reservation's fields and types as tau2's data model declares them. tau2 builds its
    reservation as such a model before any flight is checked, so a wrongly typed argument
    (``cabin=["economy"]``, ``insurance=1``) fails there, with pydantic's text naming the model
    ``Reservation``, and lax conversions (``total_baggages="2"`` -> 2) are what it stores."""

    reservation_id: str
    user_id: str
    origin: str
    destination: str
    flight_type: Literal["round_trip", "one_way"]
    cabin: Literal["business", "economy", "basic_economy"]
    flights: list[Any]
    passengers: list[Any]
    payment_history: list[Any]
    created_at: str
    total_baggages: int
    nonfree_baggages: int
    insurance: Literal["yes", "no"]
    status: Literal["cancelled"] | None = None


def book_reservation(
    db: dict[str, Any],
    user_id: str,
    origin: str,
    destination: str,
    flight_type: str,
    cabin: str,
    flights: list[dict[str, Any]],
    passengers: list[dict[str, Any]],
    payment_methods: list[dict[str, Any]],
    total_baggages: int,
    nonfree_baggages: int,
    insurance: str,
) -> dict[str, Any]:
    user = _user(db, user_id)
    rid = next((r for r in NEW_RESERVATION_IDS if r not in db["reservations"]), None)
    if rid is None:
        raise ToolError("Too many reservations")
    people = [_passenger(p) for p in passengers]
    payments = [_payment(p) for p in payment_methods]
    checked = Reservation(
        reservation_id=rid,
        user_id=user_id,
        origin=origin,
        destination=destination,
        flight_type=flight_type,
        cabin=cabin,
        flights=[],
        passengers=people,
        payment_history=payments,
        created_at=NOW,
        total_baggages=total_baggages,
        nonfree_baggages=nonfree_baggages,
        insurance=insurance,
    )
    # what is stored is the model's (converted) values; the price below uses the arguments as
    # given, as tau2's does
    reservation: dict[str, Any] = {
        "reservation_id": rid,
        "user_id": checked.user_id,
        "origin": checked.origin,
        "destination": checked.destination,
        "flight_type": checked.flight_type,
        "cabin": checked.cabin,
        "flights": [],
        "passengers": people,
        "payment_history": copy.deepcopy(payments),
        "created_at": NOW,
        "total_baggages": checked.total_baggages,
        "nonfree_baggages": checked.nonfree_baggages,
        "insurance": checked.insurance,
        "status": None,
    }
    total = 0
    days = []
    for info in flights:
        flight = _flight(db, info["flight_number"])
        day = _instance(db, info["flight_number"], info["date"])
        if day["status"] != "available":
            raise ToolError(f"Flight {info['flight_number']} not available on date {info['date']}")
        if day["available_seats"][cabin] < len(people):
            raise ToolError(f"Not enough seats on flight {info['flight_number']}")
        price = day["prices"][cabin]
        reservation["flights"].append(
            {
                "flight_number": info["flight_number"],
                "origin": flight["origin"],
                "destination": flight["destination"],
                "date": info["date"],
                "price": price,
            }
        )
        days.append(day)
        total += price * len(people)
    if insurance == "yes":
        total += 30 * len(people)
    total += 50 * nonfree_baggages
    for pay in payments:
        if pay["payment_id"] not in user["payment_methods"]:
            raise ToolError(f"Payment method {pay['payment_id']} not found")
        method = user["payment_methods"][pay["payment_id"]]
        if method["source"] in ("gift_card", "certificate") and method["amount"] < pay["amount"]:
            raise ToolError(f"Not enough balance in payment method {pay['payment_id']}")
    paid = sum(p["amount"] for p in payments)
    if paid != total:
        raise ToolError(f"Payment amount does not add up, total price is {total}, but paid {paid}")
    for pay in payments:
        method = user["payment_methods"][pay["payment_id"]]
        if method["source"] == "gift_card":
            method["amount"] -= pay["amount"]
        elif method["source"] == "certificate":
            user["payment_methods"].pop(pay["payment_id"])
    for day in days:
        day["available_seats"][cabin] -= len(people)
    db["reservations"][rid] = reservation
    user["reservations"].append(rid)
    return reservation


def cancel_reservation(db: dict[str, Any], reservation_id: str) -> dict[str, Any]:
    reservation = _reservation(db, reservation_id)
    refunds = [
        {"payment_id": p["payment_id"], "amount": -p["amount"]}
        for p in reservation["payment_history"]
    ]
    reservation["payment_history"].extend(refunds)
    reservation["status"] = "cancelled"
    return reservation


def send_certificate(db: dict[str, Any], user_id: str, amount: int) -> str:
    user = _user(db, user_id)
    for cid in NEW_CERTIFICATE_IDS:
        if cid not in user["payment_methods"]:
            user["payment_methods"][cid] = {
                "source": "certificate",
                "id": cid,
                "amount": float(amount),
            }
            return f"Certificate {cid} added to user {user_id} with amount {amount}."
    raise ToolError("Too many certificates")


def update_reservation_baggages(
    db: dict[str, Any],
    reservation_id: str,
    total_baggages: int,
    nonfree_baggages: int,
    payment_id: str,
) -> dict[str, Any]:
    reservation = _reservation(db, reservation_id)
    user = _user(db, reservation["user_id"])
    total = 50 * max(0, nonfree_baggages - reservation["nonfree_baggages"])
    payment = _charge_for_update(user, payment_id, total)
    if payment is not None:
        reservation["payment_history"].append(payment)
    reservation["total_baggages"] = total_baggages
    reservation["nonfree_baggages"] = nonfree_baggages
    return reservation


def update_reservation_flights(
    db: dict[str, Any],
    reservation_id: str,
    cabin: str,
    flights: list[dict[str, Any]],
    payment_id: str,
) -> dict[str, Any]:
    reservation = _reservation(db, reservation_id)
    user = _user(db, reservation["user_id"])
    n = len(reservation["passengers"])
    total = 0
    new_flights = []
    for info in flights:
        same = next(
            (
                f
                for f in reservation["flights"]
                if f["flight_number"] == info["flight_number"]
                and f["date"] == info["date"]
                and cabin == reservation["cabin"]
            ),
            None,
        )
        if same is not None:
            total += same["price"] * n
            new_flights.append(same)
            continue
        flight = _flight(db, info["flight_number"])
        day = _instance(db, info["flight_number"], info["date"])
        if day["status"] != "available":
            raise ToolError(f"Flight {info['flight_number']} not available on date {info['date']}")
        if day["available_seats"][cabin] < n:
            raise ToolError(f"Not enough seats on flight {info['flight_number']}")
        seg = {
            "flight_number": info["flight_number"],
            "origin": flight["origin"],
            "destination": flight["destination"],
            "date": info["date"],
            "price": day["prices"][cabin],
        }
        total += seg["price"] * n
        new_flights.append(seg)
    total -= sum(f["price"] for f in reservation["flights"]) * n
    payment = _charge_for_update(user, payment_id, total)
    if payment is not None:
        reservation["payment_history"].append(payment)
    reservation["flights"] = new_flights
    reservation["cabin"] = cabin
    return reservation


def update_reservation_passengers(
    db: dict[str, Any], reservation_id: str, passengers: list[dict[str, Any]]
) -> dict[str, Any]:
    people = [_passenger(p) for p in passengers]
    reservation = _reservation(db, reservation_id)
    if len(people) != len(reservation["passengers"]):
        raise ToolError("Number of passengers does not match")
    reservation["passengers"] = people
    return reservation


# --------------------------------------------------------------------------- the tool table

_RES = string("The reservation id, such as 'ZFA04Y'.")
_USER = string("The user id, such as 'sara_doe_496'.")
_CABIN = {"type": "string", "enum": CABINS, "description": "Cabin class."}
_FLIGHT_INFO = obj(
    {
        "flight_number": string("Flight number, such as 'HAT001'."),
        "date": string("Date, 'YYYY-MM-DD'."),
    }
)
_PASSENGER = obj(
    {
        "first_name": string("First name."),
        "last_name": string("Last name."),
        "dob": string("Date of birth, 'YYYY-MM-DD'."),
    }
)
_PAYMENT = obj(
    {
        "payment_id": string("A payment method id of the user."),
        "amount": integer("Amount in dollars charged to it."),
    }
)
_PAY_ID = string(
    "A payment method id of the user, such as 'credit_card_7815826' or 'gift_card_7815826'."
)
_ROUTE = {
    "origin": string("Origin airport code, such as 'JFK'."),
    "destination": string("Destination airport code, such as 'LAX'."),
    "date": string("Date, 'YYYY-MM-DD', such as '2024-05-01'."),
}
_CONFIRM = " Ask the user for an explicit yes before calling it."

TOOLS: list[Tool] = [
    Tool(
        "book_reservation",
        "Book a reservation for a user: flights, passengers, payments (their sum must equal "
        "the price), bags and insurance. Returns the reservation." + _CONFIRM,
        obj(
            {
                "user_id": _USER,
                "origin": string("Origin airport code, such as 'SFO'."),
                "destination": string("Destination airport code, such as 'JFK'."),
                "flight_type": {
                    "type": "string",
                    "enum": ["round_trip", "one_way"],
                    "description": "one_way or round_trip.",
                },
                "cabin": _CABIN,
                "flights": {
                    "type": "array",
                    "items": _FLIGHT_INFO,
                    "description": "Every flight segment.",
                },
                "passengers": {
                    "type": "array",
                    "items": _PASSENGER,
                    "description": "Every passenger.",
                },
                "payment_methods": {
                    "type": "array",
                    "items": _PAYMENT,
                    "description": "Payments and the amount of each.",
                },
                "total_baggages": integer("Total checked bags."),
                "nonfree_baggages": integer("Checked bags that are paid for."),
                "insurance": {
                    "type": "string",
                    "enum": ["yes", "no"],
                    "description": "Travel insurance: yes or no.",
                },
            }
        ),
        "write",
        book_reservation,
    ),
    Tool(
        "calculate",
        "Evaluate an arithmetic expression (numbers, + - * /, parentheses).",
        obj({"expression": string("The expression, such as '2 + 2'.")}),
        "generic",
        calculate,
    ),
    Tool(
        "cancel_reservation",
        "Cancel a whole reservation and refund its payments. Returns the reservation." + _CONFIRM,
        obj({"reservation_id": _RES}),
        "write",
        cancel_reservation,
    ),
    Tool(
        "get_reservation_details",
        "Details of a reservation.",
        obj({"reservation_id": _RES}),
        "read",
        get_reservation_details,
    ),
    Tool(
        "get_user_details",
        "A user's profile: payment methods, saved passengers, membership, reservations.",
        obj({"user_id": _USER}),
        "read",
        get_user_details,
    ),
    Tool(
        "list_all_airports", "Every airport code and its city.", obj({}), "read", list_all_airports
    ),
    Tool(
        "search_direct_flight",
        "Direct flights between two airports on a date that can be booked.",
        obj(dict(_ROUTE)),
        "read",
        search_direct_flight,
    ),
    Tool(
        "search_onestop_flight",
        "Pairs of flights with one stop between two airports on a date.",
        obj(dict(_ROUTE)),
        "read",
        search_onestop_flight,
    ),
    Tool(
        "send_certificate",
        "Give a user a travel certificate of some amount." + _CONFIRM,
        obj({"user_id": _USER, "amount": integer("Amount in dollars.")}),
        "write",
        send_certificate,
    ),
    Tool(
        "transfer_to_human_agents",
        "Hand the user over to a human agent with a summary; only when the user asks for one or "
        "the request cannot be handled under the policy with these tools.",
        obj({"summary": string("A summary of the user's issue.")}),
        "generic",
        transfer_to_human_agents,
    ),
    Tool(
        "update_reservation_baggages",
        "Change the checked bags of a reservation; added paid bags "
        "cost $50 each. Returns the reservation." + _CONFIRM,
        obj(
            {
                "reservation_id": _RES,
                "total_baggages": integer("New total of checked bags."),
                "nonfree_baggages": integer("New number of paid bags."),
                "payment_id": _PAY_ID,
            }
        ),
        "write",
        update_reservation_baggages,
    ),
    Tool(
        "update_reservation_flights",
        "Change the flights (give every segment of the new "
        "itinerary, changed or not) and cabin of a reservation; the difference is charged or "
        "refunded. Returns the reservation." + _CONFIRM,
        obj(
            {
                "reservation_id": _RES,
                "cabin": _CABIN,
                "flights": {
                    "type": "array",
                    "items": _FLIGHT_INFO,
                    "description": "Every segment of the new itinerary.",
                },
                "payment_id": _PAY_ID,
            }
        ),
        "write",
        update_reservation_flights,
    ),
    Tool(
        "update_reservation_passengers",
        "Replace the passengers of a reservation (same number). "
        "Returns the reservation." + _CONFIRM,
        obj(
            {
                "reservation_id": _RES,
                "passengers": {
                    "type": "array",
                    "items": _PASSENGER,
                    "description": "Every passenger.",
                },
            }
        ),
        "write",
        update_reservation_passengers,
    ),
    Tool(
        "get_flight_status",
        "The status of a flight on a date.",
        obj(
            {
                "flight_number": string("Flight number, such as 'HAT001'."),
                "date": string("Date, 'YYYY-MM-DD'."),
            }
        ),
        "read",
        get_flight_status,
    ),
]
