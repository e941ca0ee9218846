"""Scenario files: the bundled set, the generator's consistency, schema rejection, the released
format."""

from __future__ import annotations

import asyncio
import gzip
import json
from collections import Counter
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from harness_userbench.aspects import DOMAINS, PREFERENCES
from harness_userbench.build import build_scenario, check_consistency, constraint_of
from harness_userbench.generator import BUNDLE_SEED, ScenarioGenerator, ScenarioOptions
from harness_userbench.scenario import (
    BUNDLED,
    PAPER_TEST_COUNTS,
    SCHEMA_FILE,
    json_schema,
    load_scenarios,
)

from harness.errors import UserError


def test_bundled_set_has_the_paper_sizes() -> None:
    scenarios = load_scenarios()
    assert len(scenarios) == 471
    assert Counter(s.config for s in scenarios) == PAPER_TEST_COUNTS
    for s in scenarios:
        assert [len(s.aspects[a].preferences) for a in s.dimensions] == [int(d) for d in s.config]


def test_bundled_set_is_reproducible_from_its_seed() -> None:
    data = json.loads(gzip.decompress(BUNDLED.read_bytes()))
    for sc in data["scenarios"][::40]:
        config, index = sc["config"], int(sc["id"].rsplit("-", 1)[1])
        assert build_scenario(config, index, BUNDLE_SEED) == sc


def test_shipped_schema_is_current_and_validates_the_bundle() -> None:
    assert json.loads(SCHEMA_FILE.read_text()) == json_schema()
    data = json.loads(gzip.decompress(BUNDLED.read_bytes()))
    jsonschema.validate({**data, "scenarios": data["scenarios"][:20]}, json_schema())


@pytest.mark.parametrize("config", ["22", "444", "2222", "334"])
def test_generator_consistency(config: str) -> None:
    for i in range(15):
        sc = build_scenario(config, i, seed=7)
        assert check_consistency(sc) == []
        for aspect in sc["dimensions"]:
            spec = sc["aspects"][aspect]
            cons = [constraint_of(p) for p in spec["preferences"]]
            by_id = {o["id"]: o["attributes"] for o in spec["options"]}
            assert all(c.holds(by_id[spec["best_id"]]) for c in cons)
            for o in spec["options"]:
                if o["kind"] in ("wrong", "noise"):
                    assert not all(c.holds(o["attributes"]) for c in cons)
            best_cost = by_id[spec["best_id"]]["cost"]
            assert all(
                by_id[i]["cost"] > best_cost for i in spec["correct_ids"] if i != spec["best_id"]
            )


def test_check_consistency_catches_a_broken_scenario() -> None:
    sc = build_scenario("22", 0, seed=1)
    aspect = sc["dimensions"][0]
    wrong = next(o for o in sc["aspects"][aspect]["options"] if o["kind"] == "wrong")
    wrong["kind"] = "correct"  # a wrong option relabelled as correct
    assert any("breaks a preference" in p for p in check_consistency(sc))


def test_every_preference_kind_can_be_met_and_broken() -> None:
    import random

    rng = random.Random(3)
    for aspect, kinds in PREFERENCES.items():
        for kind in kinds:
            c, text, implicit = kind.draw(rng)
            attrs = DOMAINS[aspect].option(rng)
            c.satisfy(attrs, rng, DOMAINS[aspect])
            assert c.holds(attrs)
            c.violate(attrs, rng, DOMAINS[aspect])
            assert not c.holds(attrs)
            assert len(kind.implicit) >= 3 and text and implicit


def _write(tmp_path: Path, data: Any, name: str = "s.json") -> Path:
    p = tmp_path / name
    p.write_text(json.dumps(data))
    return p


def test_a_bad_file_is_rejected_with_the_reason(
    tmp_path: Path, scenario_dict: dict[str, Any]
) -> None:
    bad = json.loads(json.dumps(scenario_dict))
    bad["aspects"]["hotel"]["best_id"] = "H9"
    with pytest.raises(UserError, match=r"scenario 'hand-1'.*best_id: H9 is not in correct_ids"):
        load_scenarios(_write(tmp_path, {"format_version": 1, "scenarios": [bad]}))
    bad = json.loads(json.dumps(scenario_dict))
    bad["aspects"]["flight"]["options"][0]["id"] = "flight-1"
    with pytest.raises(UserError, match=r"scenario 'hand-1' field 'aspects.flight.options.0.id'"):
        load_scenarios(_write(tmp_path, {"format_version": 1, "scenarios": [bad]}))
    with pytest.raises(UserError, match="not valid JSON"):
        (tmp_path / "x.json").write_text("{")
        load_scenarios(tmp_path / "x.json")
    with pytest.raises(UserError, match="does not exist"):
        load_scenarios(tmp_path / "missing.json")


def original_record() -> dict[str, Any]:
    """A record in the released TravelGym layout (made up here, not copied)."""
    return {
        "trip-7": {
            "scenario": "Two nights in Austin.",
            "dimensions": ["hotel"],
            "wanted_num": "2",
            "initial_description": "I need a hotel in Austin.",
            "hotel": {
                "preferences": [
                    ["hotel", "pool", "Wants a pool", "The kids love to swim."],
                    ["hotel", "rating", "Rating 8+", "I read every review."],
                ],
                "options": {
                    "correct": [
                        {"id": "H4", "name": "Cedar Inn", "type": "correct", "reason": "fits"}
                    ],
                    "wrong": [{"id": "H5", "name": "Atlas Lodge"}],
                    "noise": [],
                },
                "correct_ids": ["H4"],
                "best_id": "H4",
                "arguments": {"city": "Austin", "check_in": "2025-03-01"},
            },
        }
    }


def test_the_released_format_loads(tmp_path: Path) -> None:
    p = _write(tmp_path, original_record(), "travelgym_data_2.json")
    [sc] = load_scenarios(p)
    assert sc.id == "trip-7" and sc.config == "2"
    assert sc.aspects["hotel"].preferences[1].implicit == "I read every review."
    opts = {o.id: o for o in sc.aspects["hotel"].options}
    assert opts["H4"].kind == "correct" and "reason" not in opts["H4"].attributes
    broken = original_record()
    del broken["trip-7"]["hotel"]["best_id"]
    with pytest.raises(UserError, match=r"scenario 'trip-7' field 'best_id'"):
        load_scenarios(_write(tmp_path, broken, "travelgym_data_2.json"), "original")


def test_generator_plugin_writes_a_valid_file(tmp_path: Path) -> None:
    from harness.jobs import JobContext
    from harness.plugins.manager import get_manager

    ctx = JobContext(tmp_path, 0, None, get_manager())
    gen = ScenarioGenerator(ScenarioOptions(configs="22,333", per_config=3, data_seed=5))
    summary = asyncio.run(gen.generate(ctx))
    ctx.close()
    assert summary["scenarios"] == 6
    loaded = load_scenarios(tmp_path / "scenarios.json")
    assert [s.config for s in loaded] == ["22"] * 3 + ["333"] * 3


def test_paraphrase_uses_the_role_model_and_keeps_templates_on_failure(tmp_path: Path) -> None:
    from harness.backends.scripted.model import ScriptedModel
    from harness.context import Roles
    from harness.jobs import JobContext
    from harness.model import WrappedModel
    from harness.plugins.manager import get_manager

    def generate(reply: str, out: Path) -> dict[str, Any]:
        model = ScriptedModel.create("p", {"responses": [reply]})
        out.mkdir()
        ctx = JobContext(out, 0, Roles(WrappedModel(model)), get_manager())
        opts = ScenarioOptions(configs="22", per_config=1, paraphrase=True)
        summary = asyncio.run(ScenarioGenerator(opts).generate(ctx))
        ctx.close()
        return summary

    summary = generate('{"text": "Some comforts matter a lot to me."}', tmp_path / "a")
    assert summary["paraphrased"] == 4 and summary["paraphrase_failures"] == 0
    [sc] = load_scenarios(tmp_path / "a" / "scenarios.json")
    assert all(
        p.implicit == "Some comforts matter a lot to me."
        for p in sc.aspects[sc.dimensions[0]].preferences
    )
    summary = generate("not json", tmp_path / "b")
    assert summary["paraphrased"] == 0 and summary["paraphrase_failures"] == 4
    [sc] = load_scenarios(tmp_path / "b" / "scenarios.json")
    template = build_scenario("22", 0, BUNDLE_SEED)["aspects"][sc.dimensions[0]]["preferences"]
    assert [p.implicit for p in sc.aspects[sc.dimensions[0]].preferences] == [
        p["implicit"] for p in template
    ]
    assert "paraphrase_failed" in (tmp_path / "b" / "log.jsonl").read_text()
