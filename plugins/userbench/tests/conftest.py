"""Shared fixtures: a small hand-built scenario whose answers and preferences are known."""

from __future__ import annotations

from typing import Any

import pytest
from harness_userbench.scenario import Scenario


def make_scenario() -> dict[str, Any]:
    def opt(i: str, kind: str, cost: int) -> dict[str, Any]:
        return {"id": i, "kind": kind, "attributes": {"stops": 0, "cost": cost}}

    return {
        "id": "hand-1",
        "config": "21",
        "scenario": "Trip to Denver.",
        "initial_description": "I need a flight and a hotel in Denver.",
        "dimensions": ["flight", "hotel"],
        "aspects": {
            "flight": {
                "arguments": {"origin": "Boston", "destination": "Denver"},
                "preferences": [
                    {
                        "id": "flight-1",
                        "subcategory": "stops",
                        "text": "Wants nonstop.",
                        "implicit": "Connections wear me out.",
                    },
                    {
                        "id": "flight-2",
                        "subcategory": "baggage",
                        "text": "Wants a bag.",
                        "implicit": "I never pack light.",
                    },
                ],
                "options": [
                    opt("F1", "correct", 100),
                    opt("F2", "correct", 200),
                    opt("F3", "wrong", 50),
                    opt("F4", "noise", 80),
                ],
                "correct_ids": ["F1", "F2"],
                "best_id": "F1",
            },
            "hotel": {
                "arguments": {"city": "Denver"},
                "preferences": [
                    {
                        "id": "hotel-1",
                        "subcategory": "pool",
                        "text": "Wants a pool.",
                        "implicit": "My kids swim every evening.",
                    }
                ],
                "options": [
                    opt("H1", "correct", 300),
                    opt("H2", "correct", 250),
                    opt("H3", "wrong", 100),
                ],
                "correct_ids": ["H1", "H2"],
                "best_id": "H2",
            },
        },
    }


@pytest.fixture
def scenario_dict() -> dict[str, Any]:
    return make_scenario()


@pytest.fixture
def scenario() -> Scenario:
    return Scenario.model_validate(make_scenario())
