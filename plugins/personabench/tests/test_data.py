"""The loader on a small hand-written community in the released schema, and the bundled data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from harness_personabench.build import community_files, plant
from harness_personabench.data import BUNDLED, NOISE_LEVELS, load_community
from harness_personabench.generator import write_files
from harness_personabench.schemas import json_schemas, write_schema_files

from harness.errors import UserError


def tiny(gt_id: str = "seg-2") -> dict[str, Any]:
    """One person, two sessions, two questions; the released layout with per-person files."""
    conv = [
        {
            "Target_name": "Ana Ruiz",
            "Conversations": [
                {
                    "session": 0,
                    "time": "2024-01-02 10:00",
                    "target_name": "Ana Ruiz",
                    "conversation": [
                        {"role": "Ana Ruiz", "content": "Hi sis!"},
                        {"role": "Bo Ruiz", "content": "I moved to Oslo, you know."},
                    ],
                    "segment_id": "seg-1",
                }
            ],
        }
    ]
    buys = [
        {
            "session": 0,
            "time": "2024-02-01 12:00",
            "purchase_history": [
                {"title": "chess clock", "description": "", "brand": "K", "categories": "Games"}
            ],
            "segment_id": "seg-2",
        }
    ]
    qa = [
        {
            "q_id": 0,
            "question": "Who is Bo Ruiz's sister?",
            "answer": "Ana Ruiz",
            "type": "Social",
            "difficulty": "easy",
            "outdated_value": None,
        },
        {
            "q_id": 1,
            "question": "Which game does Bo Ruiz like?",
            "answer": ["chess"],
            "type": "Preference",
            "difficulty": "hard",
            "outdated_value": None,
        },
    ]
    return {
        "graph_json/social_graph.json": {
            "nodes": [
                {"node": n, "properties": {"name": n, "persona": "p"}}
                for n in ("Bo Ruiz", "Ana Ruiz")
            ],
            "edges": [
                {
                    "source": "Bo Ruiz",
                    "target": "Ana Ruiz",
                    "properties": {"relationship": "sister", "description": ""},
                }
            ],
        },
        "private_data/noise_0.0/Bo Ruiz/conversation_data.json": conv,
        "private_data/noise_0.0/Bo Ruiz/purchase_history_data.json": buys,
        "eval_info/eval_info_all.json": [{"Name": "Bo Ruiz", "Eval_Info": {"qa": qa}}],
        "eval_info/qa_gt_context_all_noise_0.0.json": [
            {
                "q_id": 0,
                "question": "",
                "answer": "Ana Ruiz",
                "segment_id": {"Ana Ruiz": ["seg-1"]},
            },
            {"q_id": 1, "question": "", "answer": ["chess"], "segment_id": {"chess": [gt_id]}},
        ],
    }


def write(root: Path, files: dict[str, Any]) -> Path:
    for rel, content in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(json.dumps(content))
    return root


def test_released_schema_fixture_loads(tmp_path: Path) -> None:
    com = load_community(write(tmp_path, tiny()), 0.0)
    chunks = com.chunks["Bo Ruiz"]
    assert [c.segment_id for c in chunks] == ["seg-1", "seg-2"]
    assert "Bo Ruiz: I moved to Oslo" in chunks[0].text and "seg-1" not in chunks[0].text
    assert "session" not in chunks[0].text
    assert [i.gt for i in com.items] == [{"Ana Ruiz": ["seg-1"]}, {"chess": ["seg-2"]}]


def test_mismatched_segment_id_is_rejected_with_the_first_one(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"question 1 of Bo Ruiz.*'chess'.*'seg-9'"):
        load_community(write(tmp_path, tiny(gt_id="seg-9")), 0.0)


def test_missing_noise_level_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"noise 0\.5"):
        load_community(write(tmp_path, tiny()), 0.5)


def test_bad_field_names_the_record(tmp_path: Path) -> None:
    files = tiny()
    del files["eval_info/eval_info_all.json"][0]["Eval_Info"]["qa"][0]["type"]
    with pytest.raises(UserError, match=r"eval_info_all.json entry 0: field Eval_Info.qa.0.type"):
        load_community(write(tmp_path, files), 0.0)


def test_bundled_data_is_the_generators_output(tmp_path: Path) -> None:
    write_files(tmp_path, community_files(plant(2025), NOISE_LEVELS))
    for f in tmp_path.rglob("*.json"):
        rel = f.relative_to(tmp_path)
        assert f.read_bytes() == (BUNDLED / "community_0" / rel).read_bytes(), rel


def test_bundled_levels_grow_and_keep_ground_truth() -> None:
    sizes = []
    for noise in NOISE_LEVELS:
        com = load_community(BUNDLED / "community_0", noise)
        sizes.append(sum(len(v) for v in com.chunks.values()))
        kinds = {i.question.type for i in com.items}
        assert kinds == {"Basic information", "Preference", "Social", "Subjective"}
    assert sizes == sorted(sizes) and sizes[0] < sizes[-1]
    assert sum(f.stat().st_size for f in BUNDLED.rglob("*.json")) < 300_000


def test_bundled_data_validates_against_the_published_schemas() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schemas = json_schemas()
    root = BUNDLED / "community_0"
    jsonschema.validate(
        json.loads((root / "graph_json/social_graph.json").read_text()), schemas["social_graph"]
    )
    jsonschema.validate(
        json.loads((root / "eval_info/eval_info_all.json").read_text()), schemas["eval_info_all"]
    )
    gt = json.loads((root / "eval_info/qa_gt_context_all_noise_0.3.json").read_text())
    jsonschema.validate(gt, schemas["qa_gt_context"])


def test_published_schema_files_are_current(tmp_path: Path) -> None:
    for path in write_schema_files(tmp_path):
        assert path.read_text() == (BUNDLED / "schemas" / path.name).read_text(), path.name
