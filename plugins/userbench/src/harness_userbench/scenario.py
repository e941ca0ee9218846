"""The scenario file: pydantic models, its JSON Schema, and loading (ours or the released JSON).

Our file is ``{"format_version": 1, "scenarios": [Scenario, ...]}``. The released TravelGym files
(``travelgym_data_<config>.json``, Apache-2.0) are objects keyed by scenario id; ``load_original``
converts them. Every file is validated at load; a bad one is rejected naming the scenario and field.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from harness.errors import UserError
from harness_userbench.aspects import ASPECTS, ID_PATTERN, PREFIX

DATA_DIR = Path(__file__).parent / "data"
BUNDLED = DATA_DIR / "scenarios-test.json.gz"
SCHEMA_FILE = DATA_DIR / "scenario-file.schema.json"
CONFIGS = ["22", "33", "44", "233", "334", "2222", "333", "444"]
PAPER_TEST_COUNTS = {
    "22": 101,
    "33": 87,
    "44": 67,
    "233": 61,
    "334": 47,
    "2222": 17,
    "333": 53,
    "444": 38,
}

Aspect = Literal["flight", "hotel", "apartment", "rental_car", "restaurant"]


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ConstraintModel(_M):
    attribute: str = Field(description="Option attribute the preference is about.")
    op: Literal["eq", "ne", "le", "ge", "has", "lacks"] = Field(description="Comparison.")
    value: Any = Field(description="Value compared against.")


class Preference(_M):
    id: str = Field(description="Unique within the scenario, e.g. 'hotel-2'.")
    subcategory: str = Field(description="What the preference is about (stops, rating, ...).")
    text: str = Field(min_length=1, description="The preference stated plainly (hidden).")
    implicit: str = Field(min_length=1, description="How the user hints at it, indirectly.")
    constraint: ConstraintModel | None = Field(
        default=None, description="Machine-checkable form; absent for released scenarios."
    )


class Option(_M):
    id: str = Field(pattern=ID_PATTERN, description="Option id, e.g. 'H12'.")
    kind: Literal["correct", "wrong", "noise"] = Field(description="Hidden class of the option.")
    attributes: dict[str, Any] = Field(description="What the agent sees besides the id.")


class AspectSpec(_M):
    arguments: dict[str, Any] = Field(description="The search arguments a valid search names.")
    preferences: list[Preference] = Field(min_length=1, description="Hidden preferences.")
    options: list[Option] = Field(min_length=1, description="All options a valid search shows.")
    correct_ids: list[str] = Field(min_length=1, description="Options meeting every preference.")
    best_id: str = Field(description="The best correct option (the cheapest, in our data).")


class Scenario(_M):
    id: str = Field(min_length=1, description="Unique scenario id.")
    config: str = Field(pattern=r"^[1-9]+$", description="Preferences per aspect, e.g. '233'.")
    scenario: str = Field(description="One-line summary of the trip (not shown to the agent).")
    initial_description: str = Field(min_length=1, description="The user's opening message.")
    dimensions: list[Aspect] = Field(min_length=1, description="Aspects, in order.")
    aspects: dict[Aspect, AspectSpec] = Field(description="Aspect -> its arguments, options...")

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        if set(self.dimensions) != set(self.aspects) or len(set(self.dimensions)) != len(
            self.dimensions
        ):
            raise ValueError("dimensions must list each key of aspects exactly once")
        pref_ids: set[str] = set()
        for name, spec in self.aspects.items():
            ids = [o.id for o in spec.options]
            if len(ids) != len(set(ids)):
                raise ValueError(f"aspects.{name}.options: duplicate option ids")
            bad = [i for i in ids if not i.startswith(PREFIX[name])]
            if bad:
                raise ValueError(
                    f"aspects.{name}.options: id {bad[0]} does not start with {PREFIX[name]}"
                )
            missing = [i for i in spec.correct_ids if i not in ids]
            if missing:
                raise ValueError(f"aspects.{name}.correct_ids: {missing[0]} is not an option")
            if spec.best_id not in spec.correct_ids:
                raise ValueError(f"aspects.{name}.best_id: {spec.best_id} is not in correct_ids")
            for p in spec.preferences:
                if p.id in pref_ids:
                    raise ValueError(f"aspects.{name}.preferences: duplicate id {p.id}")
                pref_ids.add(p.id)
        return self


class ScenarioFile(_M):
    format_version: Literal[1] = Field(default=1, description="Schema version of this file.")
    scenarios: list[Scenario] = Field(description="The scenarios.")


def json_schema() -> dict[str, Any]:
    """The JSON Schema of our scenario file (also shipped as data/scenario-file.schema.json)."""
    schema = ScenarioFile.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "UserBench scenario file"
    return schema


def _where(err: dict[str, Any]) -> str:
    return ".".join(str(x) for x in err["loc"]) or "(top level)"


def validate_scenarios(data: Any, source: str) -> list[Scenario]:
    """Validate a parsed scenario file; UserError naming the scenario and field on failure."""
    if not isinstance(data, dict) or "scenarios" not in data:
        raise UserError(
            f"{source}: not a UserBench scenario file (expected an object with "
            "'scenarios'; for the released JSON use scenario_format=original)"
        )
    if data.get("format_version") != 1:
        raise UserError(f"{source}: format_version must be 1, got {data.get('format_version')!r}")
    items = data["scenarios"]
    if not isinstance(items, list):
        raise UserError(f"{source}: field 'scenarios' must be a list")
    out, seen = [], set()
    for i, item in enumerate(items):
        sid = item.get("id", f"#{i}") if isinstance(item, dict) else f"#{i}"
        try:
            sc = Scenario.model_validate(item)
        except ValidationError as exc:
            err = exc.errors()[0]
            raise UserError(
                f"{source}: scenario '{sid}' field '{_where(err)}': {err['msg']}"
            ) from None
        if sc.id in seen:
            raise UserError(f"{source}: scenario '{sid}' field 'id': duplicate id")
        seen.add(sc.id)
        out.append(sc)
    return out


def _read_json(path: Path) -> Any:
    if not path.is_file():
        raise UserError(f"scenario file {path} does not exist")
    try:
        raw = path.read_bytes()
        if path.suffix == ".gz":
            import gzip

            raw = gzip.decompress(raw)
        return json.loads(raw.decode("utf-8"))
    except ValueError as exc:
        raise UserError(f"{path}: not valid JSON ({exc})") from None


def load_scenarios(path: Path | str | None = None, fmt: str = "auto") -> list[Scenario]:
    """Our format, the released one, or (``path`` None) the bundled test set."""
    p = Path(path) if path else BUNDLED
    if p.is_dir():
        files = sorted([*p.glob("*.json"), *p.glob("*.json.gz")])
        if not files:
            raise UserError(f"{p}: no .json scenario files in this directory")
        out: list[Scenario] = []
        for f in files:
            out.extend(load_scenarios(f, fmt))
        return out
    data = _read_json(p)
    if fmt == "auto":
        fmt = "harness" if isinstance(data, dict) and "scenarios" in data else "original"
    if fmt == "original":
        return convert_original(data, str(p), _config_from_name(p.name))
    return validate_scenarios(data, str(p))


def _config_from_name(name: str) -> str | None:
    m = re.search(r"_(\d+)\.json(\.gz)?$", name)
    return m.group(1) if m else None


# ------------------------------------------------------------------ the released format


class _OrigAspect(BaseModel):
    model_config = ConfigDict(extra="allow")
    preferences: list[list[Any]] = Field(min_length=1)
    options: dict[str, list[dict[str, Any]]]
    correct_ids: list[str] = Field(min_length=1)
    best_id: str
    arguments: Any = None


class _OrigScenario(BaseModel):
    model_config = ConfigDict(extra="allow")
    scenario: str = ""
    dimensions: list[str] = Field(min_length=1)
    initial_description: str = Field(min_length=1)
    wanted_num: Any = None


def convert_original(data: Any, source: str, config: str | None = None) -> list[Scenario]:
    """Convert the released ``{id: {scenario, dimensions, <aspect>: {...}}}`` JSON."""
    if not isinstance(data, dict):
        raise UserError(f"{source}: the released scenario JSON is an object keyed by scenario id")
    out = []
    for sid, raw in data.items():
        try:
            sc = _convert_one(str(sid), raw, config)
        except ValidationError as exc:
            err = exc.errors()[0]
            raise UserError(
                f"{source}: scenario '{sid}' field '{_where(err)}': {err['msg']}"
            ) from None
        except (ValueError, KeyError, TypeError) as exc:
            raise UserError(f"{source}: scenario '{sid}': {exc}") from None
        out.append(sc)
    return out


def _convert_one(sid: str, raw: Any, config: str | None) -> Scenario:
    head = _OrigScenario.model_validate(raw)
    aspects: dict[str, Any] = {}
    counts = []
    for dim in head.dimensions:
        if dim not in ASPECTS:
            raise ValueError(f"field 'dimensions': unknown aspect {dim!r}")
        if dim not in raw:
            raise ValueError(f"field '{dim}': missing")
        spec = _OrigAspect.model_validate(raw[dim])
        prefs = []
        for j, row in enumerate(spec.preferences):
            if len(row) < 4:
                raise ValueError(f"field '{dim}.preferences.{j}': needs at least 4 entries")
            prefs.append(
                {
                    "id": f"{dim}-{j + 1}",
                    "subcategory": str(row[1]),
                    "text": str(row[2]),
                    "implicit": str(row[3]),
                }
            )
        options = []
        for kind in ("correct", "wrong", "noise"):
            for o in spec.options.get(kind, []):
                attrs = {k: v for k, v in o.items() if k not in ("id", "type", "reason")}
                options.append({"id": str(o.get("id", "")), "kind": kind, "attributes": attrs})
        args = spec.arguments if isinstance(spec.arguments, dict) else {"query": spec.arguments}
        aspects[dim] = {
            "arguments": args,
            "preferences": prefs,
            "options": options,
            "correct_ids": spec.correct_ids,
            "best_id": spec.best_id,
        }
        counts.append(str(len(prefs)))
    cfg = str(head.wanted_num) if head.wanted_num and str(head.wanted_num).isdigit() else None
    return Scenario.model_validate(
        {
            "id": sid,
            "config": cfg or config or "".join(counts),
            "scenario": head.scenario,
            "initial_description": head.initial_description,
            "dimensions": head.dimensions,
            "aspects": aspects,
        }
    )
