from __future__ import annotations

import json

import jsonschema
import pytest
from pydantic import BaseModel, ConfigDict, ValidationError

from harness.errors import UserError
from harness.options import parse_pairs, parse_value, validate
from harness.schemas import FORMAT_VERSION, SCHEMAS, Message, RunFile, SampleRecord, ToolCall


def test_every_written_file_schema_has_a_version_and_described_fields() -> None:
    for name in ("run", "sample-record", "results", "trajectory", "job"):
        schema = SCHEMAS[name].model_json_schema()
        assert "format_version" in schema["properties"], name
        for field, spec in schema["properties"].items():
            assert spec.get("description"), f"{name}.{field} has no description"


def test_sample_record_round_trips_and_validates_against_its_json_schema() -> None:
    rec = SampleRecord(
        sample_id="a", status="ok", input=[Message(role="user", content="hi")], target="x"
    )
    data = json.loads(rec.model_dump_json())
    jsonschema.validate(data, SampleRecord.model_json_schema())
    assert data["format_version"] == FORMAT_VERSION
    assert SampleRecord.model_validate(data) == rec


def test_run_file_rejects_unknown_fields() -> None:
    valid = {
        "run_id": "x",
        "created": "2026-12-01T00:00:00+00:00",
        "config": {"task": "sanity", "model": "scripted/echo"},
        "harness_version": "0.1.0",
        "python_version": "3.11.7",
        "data_hash": "0" * 64,
        "n_samples": 1,
    }
    RunFile.model_validate(valid)  # the fixture is complete: only the unknown field can fail
    with pytest.raises(ValidationError) as info:
        RunFile.model_validate({**valid, "bogus": 1})
    [error] = info.value.errors()
    assert error["type"] == "extra_forbidden" and error["loc"] == ("bogus",)


def test_malformed_tool_call_is_kept_verbatim_in_openai_shape() -> None:
    call = ToolCall(id="c1", name="f", raw_arguments="{not json", parse_error="invalid")
    msg = Message(role="assistant", tool_calls=[call]).to_openai()
    assert msg["tool_calls"][0]["function"]["arguments"] == "{not json"


class Opts(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = "a"
    count: int = 1
    ratio: float = 0.5
    flag: bool = False
    tags: list[str] = []


def test_values_are_typed_by_the_options_model() -> None:
    raw = parse_pairs(["name=007", "count=3", "ratio=1e-3", "flag=true", 'tags=["x","y"]'], "-T")
    opts = validate(Opts, raw, "options")
    assert opts.model_dump() == {
        "name": "007",
        "count": 3,
        "ratio": 0.001,
        "flag": True,
        "tags": ["x", "y"],
    }


@pytest.mark.parametrize(
    "pairs,needle",
    [
        (["count=abc"], "count"),
        (["nope=1"], "unknown option 'nope'"),
        (["flag"], "key=value"),
    ],
)
def test_bad_values_give_one_clear_error(pairs: list[str], needle: str) -> None:
    with pytest.raises(UserError, match=needle):
        validate(Opts, parse_pairs(pairs, "-T"), "options")


def test_parse_value() -> None:
    assert parse_value("3") == 3
    assert parse_value("null") is None
    assert parse_value("hello world") == "hello world"
    assert parse_value('{"a": 1}') == {"a": 1}


def test_option_flags_help_survives_a_percent_sign() -> None:
    import argparse

    from pydantic import Field

    from harness.options import add_option_flags

    class Pct(BaseModel):
        warmup: float = Field(default=0.1, description="Warm-up, at most 10% of the steps.")

    parser = argparse.ArgumentParser()
    add_option_flags(parser, Pct, "options")
    assert "at most 10% of the steps" in parser.format_help()
