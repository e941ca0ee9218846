"""The API dependency graph of a domain: an edge A -> B when A's output supplies an argument of B
(a user id, an order id, an item id ...). The API sampler walks it to propose coherent chains."""

from __future__ import annotations

import random
from typing import Any

from harness_apigen_mt.domain import Domain

# What each read tool's output yields (argument names it can fill in later calls).
PROVIDES: dict[str, dict[str, set[str]]] = {
    "retail": {
        "find_user_id_by_email": {"user_id"},
        "find_user_id_by_name_zip": {"user_id"},
        "get_user_details": {"order_id", "payment_method_id", "address1"},
        "get_order_details": {"item_ids", "product_id", "payment_method_id", "order_id"},
        "list_all_product_types": {"product_id"},
        "get_product_details": {"new_item_ids"},
    },
    "airline": {
        "get_user_details": {
            "reservation_id",
            "payment_id",
            "payment_methods",
            "passengers",
            "user_id",
        },
        "get_reservation_details": {"reservation_id", "flights", "cabin", "user_id"},
        "search_direct_flight": {"flights", "origin", "destination"},
        "search_onestop_flight": {"flights", "origin", "destination"},
        "list_all_airports": {"origin", "destination"},
    },
}


def edges(domain: Domain) -> dict[str, list[str]]:
    """tool -> the tools whose arguments its output can supply."""
    provides = PROVIDES[domain.name]
    out: dict[str, list[str]] = {}
    for a, gives in provides.items():
        out[a] = sorted(
            t.name
            for t in domain.tools
            if t.name != a and gives & set(t.parameters.get("properties", {}))
        )
    return out


def entry_tools(domain: Domain) -> list[str]:
    """Tools a conversation can start with (no argument that another tool must supply)."""
    return (
        ["find_user_id_by_email", "find_user_id_by_name_zip"]
        if domain.name == "retail"
        else ["get_user_details"]
    )


def sample_chain(domain: Domain, rng: random.Random, max_len: int = 5) -> list[str]:
    """A random walk from an entry tool along dependency edges, ending at a write tool if one is
    reachable."""
    graph = edges(domain)
    writes = domain.write_tools()
    chain = [rng.choice(entry_tools(domain))]
    while len(chain) < max_len:
        nxt = graph.get(chain[-1], [])
        if not nxt:
            break
        options = [t for t in nxt if t not in chain or t in writes]
        if not options:
            break
        choice = rng.choice(options)
        chain.append(choice)
        if choice in writes:
            break
    return chain


def describe(domain: Domain) -> dict[str, Any]:
    return {"nodes": [t.name for t in domain.tools], "edges": edges(domain)}
