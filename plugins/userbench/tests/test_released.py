"""The released TravelGym test set: the bundled parquet rows (real records) and the join with the
scenario JSON (which the release lists but we could not read, so a file shaped as the released
loader reads it stands in for it here)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from harness_userbench.released import load_released, parse_id, read_rows
from harness_userbench.scenario import PAPER_TEST_COUNTS
from harness_userbench.task import UserBenchOptions, data_choice, system_prompt

from harness.errors import UserError


def test_bundled_rows_are_the_released_test_set() -> None:
    rows = read_rows()
    assert len(rows) == 471
    assert Counter(r.config for r in rows) == PAPER_TEST_COUNTS
    assert len({r.id for r in rows}) == 471
    first = rows[0]
    assert first.id == "apartment:2-86|rental_car:2-60" and first.gold == ["C16", "A17"]
    assert first.opening.startswith("I am planning a family trip to Austin")
    for r in rows:  # one gold id per aspect, with that aspect's initial
        initials = sorted(g[0] for g in r.gold)
        assert initials == sorted(LETTER[a] for a, _ in r.aspects)
        assert r.split == "test"


def test_the_two_variants_differ_only_in_the_answer_rule() -> None:
    one = read_rows(one_choice=True, configs=["233"])
    many = read_rows(one_choice=False, configs=["233"])
    assert [(r.id, r.opening, r.gold) for r in one] == [(r.id, r.opening, r.gold) for r in many]
    assert "only one option per aspect" in one[0].system_prompt
    assert "only one option per aspect" not in many[0].system_prompt
    assert len({r.system_prompt for r in one}) == 1


def test_ids_parse_and_bad_rows_are_refused(tmp_path: Path) -> None:
    assert parse_id("flight:3-114|hotel:2-36") == [("flight", 3), ("hotel", 2)]
    with pytest.raises(ValueError, match="boat:2-1"):
        parse_id("boat:2-1")
    import pyarrow as pa
    import pyarrow.parquet as pq

    src = Path(__file__).parents[1] / "src/harness_userbench/data/released"
    raw = pq.read_table(src / "travel22_multiturn_onechoice/test.parquet").to_pylist()[:2]
    raw[1]["reward_model"]["ground_truth"] = "['C16']"  # one id for two aspects
    folder = tmp_path / "data" / "travel22_multiturn_onechoice"
    folder.mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist(raw), folder / "test.parquet")
    with pytest.raises(UserError, match=r"row 1: 1 gold ids for 2 aspects"):
        read_rows(tmp_path, configs=["22"])


LETTER = {"flight": "F", "hotel": "H", "apartment": "A", "rental_car": "C", "restaurant": "R"}


def _aspect(best: str, n_prefs: int, aspect: str) -> dict[str, Any]:
    letter = best[0]
    return {
        "preferences": [
            [aspect, f"sub{i}", f"Wants thing {i}.", f"I hint at thing {i}."]
            for i in range(n_prefs)
        ],
        "options": {
            "correct": [{"id": best, "price": 10, "type": "correct", "reason": "fits"}],
            "wrong": [{"id": f"{letter}90", "price": 5, "type": "wrong", "reason": "no"}],
            "noise": [{"id": f"{letter}91", "price": 50}],
        },
        "correct_ids": [best],
        "best_id": best,
        "arguments": {"city": "Austin"},
    }


def released_copy(tmp_path: Path, n: int = 2, break_best: bool = False) -> Path:
    """A repository copy: the real parquet rows of travel22 and scenario JSON in the shape the
    released loader reads (our stand-in: the released JSON contents were not available)."""
    rows = read_rows(configs=["22"])[:n]
    data = {}
    for r in rows:
        sc: dict[str, Any] = {
            "scenario": "A trip.",
            "dimensions": [a for a, _ in r.aspects],
            "wanted_num": "22",
            "initial_description": r.opening,
        }
        for aspect, count in r.aspects:
            gold = next(g for g in r.gold if g[0] == LETTER[aspect])
            sc[aspect] = _aspect(gold[0] + "99" if break_best else gold, count, aspect)
        data[r.id] = sc
    folder = tmp_path / "travelgym" / "data"
    folder.mkdir(parents=True)
    (folder / "travelgym_data_22.json").write_text(json.dumps(data), encoding="utf-8")
    return tmp_path


def test_join_with_the_scenario_json(tmp_path: Path) -> None:
    root = released_copy(tmp_path, n=101)
    pairs = load_released(root, configs=["22"])
    assert [row.id for row, _ in pairs] == [r.id for r in read_rows(configs=["22"])][: len(pairs)]
    row, sc = pairs[0]
    assert sc.id == row.id and sc.config == "22"
    assert sorted(sc.aspects[a].best_id for a in sc.dimensions) == sorted(row.gold)
    assert all(len(sc.aspects[a].options) == 3 for a in sc.dimensions)


def test_join_refuses_missing_and_mismatched_scenarios(tmp_path: Path) -> None:
    root = released_copy(tmp_path / "a", n=2)
    with pytest.raises(UserError, match=r"not in .*travelgym/data"):
        load_released(root, configs=["22"])  # 101 rows, 2 scenarios
    bad = released_copy(tmp_path / "b", n=101, break_best=True)
    with pytest.raises(UserError, match=r"best ids \['A99', 'C99'\] in the JSON"):
        load_released(bad, configs=["22"])
    with pytest.raises(UserError, match="no travelgym_data_"):
        load_released(tmp_path / "a" / "travelgym", configs=["22"])


def test_data_auto_falls_back_to_synthetic_and_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("USERBENCH_RELEASED", raising=False)
    kind, root, why = data_choice(UserBenchOptions())
    assert kind == "synthetic" and root is None and "not bundled" in why
    with pytest.raises(UserError, match="released_root"):
        data_choice(UserBenchOptions(data="released"))
    monkeypatch.setenv("USERBENCH_RELEASED", str(tmp_path))
    assert data_choice(UserBenchOptions())[0] == "synthetic"  # nothing there
    released_copy(tmp_path, n=101)
    assert data_choice(UserBenchOptions())[:2] == ("released", str(tmp_path))


def test_one_choice_prompt_follows_the_option() -> None:
    assert "only one option per travel aspect" in system_prompt(True)
    assert "only one option per travel aspect" not in system_prompt(False)
    assert "several times" in system_prompt(False)


def test_the_task_runs_the_released_rows_when_given_a_copy(tmp_path: Path) -> None:
    from harness_userbench.task import UserBenchTask

    released_copy(tmp_path, n=101)
    opts = UserBenchOptions(released_root=str(tmp_path), configs="22", one_choice=False)
    samples = list(UserBenchTask(opts).samples())
    rows = read_rows(one_choice=False, configs=["22"])
    assert [s.id for s in samples] == [r.id for r in rows]
    first = samples[0]
    assert first.input == rows[0].opening and first.metadata["data"] == "released"
    assert first.metadata["system_prompt"] == rows[0].system_prompt
    assert "each answer should include only one option ID" in first.metadata["system_prompt"]


def test_a_released_eval_run_end_to_end(tmp_path: Path) -> None:
    """Runner, released rows joined with the stand-in JSON, released-eval rules: the gold ids in
    one answer pay their sum and end the episode; the record names data, rules and user."""
    import json as _json

    from harness.backends.scripted.model import ScriptedModel
    from harness.run.runner import Runner
    from harness.schemas import RunConfig, SampleRecord

    released_copy(tmp_path / "repo", n=101)
    row = read_rows(configs=["22"])[0]
    answer = {"thought": "t", "choice": "answer", "content": ", ".join(row.gold)}
    agent = ScriptedModel.create(
        "agent",
        {"responses": [{"tool_calls": [{"name": "interact_with_env", "arguments": answer}]}]},
    )
    config = RunConfig(
        task="userbench",
        task_params={
            "released_root": str(tmp_path / "repo"),
            "configs": "22",
            "rules": "released-eval",
            "user": "rule",
        },
        model="scripted/agent",
        sample_ids=[row.id],
    )
    run_dir, result = Runner(
        config, tmp_path / "runs", model_overrides={"scripted/agent": agent}
    ).run()
    [line] = (run_dir / "samples.jsonl").read_text().splitlines()
    r = SampleRecord.model_validate(_json.loads(line))
    md = r.output.metadata
    assert md["data"] == "released" and md["rules"] == "released-eval"
    assert md["user_simulator"] == "rule" and md["stop_reason"] == "terminated"
    assert md["state"]["rewards"] == [2.0]
    assert (
        r.scores["userbench_micro_max"].value == 2.0 and r.scores["userbench_all_best"].value == 1.0
    )
    assert r.output.messages[0].content == row.system_prompt
    assert result.extra["data"] == ["released"] and result.extra["rules"] == ["released-eval"]
