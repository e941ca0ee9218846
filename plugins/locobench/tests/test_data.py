"""The scenario schema, the published JSON Schemas and the loader of the released layout."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from harness_locobench.data import generated, load, write
from harness_locobench.schemas import CATEGORIES, Scenario, json_schemas

from harness.errors import UserError

SCHEMAS = Path(__file__).parents[1] / "src" / "harness_locobench" / "data" / "schemas"


def test_published_schemas_are_current() -> None:
    for name, schema in json_schemas().items():
        assert json.loads((SCHEMAS / f"{name}.schema.json").read_text()) == schema


def test_written_dataset_loads_back(tmp_path: Path) -> None:
    items = generated(["python"], 1500, 0)
    assert write(items, tmp_path) == {"scenarios": 8, "projects": 1}
    back = load(tmp_path)
    assert sorted(i.scenario.id for i in back) == sorted(i.scenario.id for i in items)
    back = sorted(back, key=lambda i: [x.scenario.id for x in items].index(i.scenario.id))
    assert {i.scenario.task_category for i in back} == set(CATEGORIES)
    a, b = items[0], back[0]
    assert b.project == a.project and b.hidden == a.hidden and b.reference == a.reference
    assert b.language == "python"


def test_missing_context_file_is_rejected_with_the_scenario_id(tmp_path: Path) -> None:
    write(generated(["python"], 1500, 0, ("bug_investigation",)), tmp_path)
    path = next((tmp_path / "data" / "output" / "scenarios").glob("*.json"))
    data = json.loads(path.read_text())
    data["context_files"].append("app/no_such_module.py")
    path.write_text(json.dumps(data))
    with pytest.raises(UserError) as e:
        load(tmp_path)
    assert data["id"] in str(e.value) and "app/no_such_module.py" in str(e.value)


def test_bad_fields_name_the_file_and_field(tmp_path: Path) -> None:
    write(generated(["python"], 1500, 0, ("bug_investigation",)), tmp_path)
    path = next((tmp_path / "data" / "output" / "scenarios").glob("*.json"))
    data = json.loads(path.read_text())
    data["task_category"] = "poetry"
    path.write_text(json.dumps(data))
    with pytest.raises(UserError, match="task_category"):
        load(tmp_path)


def test_a_context_path_outside_the_project_is_rejected(tmp_path: Path) -> None:
    write(generated(["python"], 1500, 0, ("bug_investigation",)), tmp_path)
    path = next((tmp_path / "data" / "output" / "scenarios").glob("*.json"))
    data = json.loads(path.read_text())
    data["context_files"] = ["../../etc/passwd"]
    path.write_text(json.dumps(data))
    with pytest.raises(UserError, match="leaves the project"):
        load(tmp_path)


def test_multi_session_prompts_are_ordered_sessions() -> None:
    s = Scenario.model_validate(
        {
            "id": "x",
            "task_category": "multi_session_development",
            "difficulty": "easy",
            "title": "t",
            "description": "d",
            "context_files": ["a.py"],
            "context_length": 1,
            "task_prompt": {"session_10": "c", "session_2": "b", "session_1": "a"},
            "metadata": {"context_length": 1, "files_count": 1, "information_coverage": 0.3},
        }
    )
    assert s.sessions() == ["a", "b", "c"]
