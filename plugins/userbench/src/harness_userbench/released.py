"""The released TravelGym test set (SalesforceAIResearch/UserBench at b05d86b, Apache-2.0).

The release has two halves:

* ``data/travel<config>_multiturn[_onechoice]/{train,test}.parquet``: one verl-style row per
  scenario: the agent's system prompt and the user's opening message (``prompt``), the scenario
  id (``reward_model.id``, e.g. ``apartment:2-86|rental_car:2-60``: aspect, preference count,
  index) and the best option ids (``reward_model.ground_truth``, a Python list literal). The two
  variants differ only in the system prompt (one answer per aspect or not). The test parquet
  files (471 rows) are bundled under ``data/released/`` with attribution.
* ``travelgym/data/travelgym_data_<config>.json``: the scenarios themselves (preferences,
  options, correct ids, search arguments), keyed by the same id. These files are listed in the
  repository's tree but their contents were not in the snapshot we could read, so they are not
  bundled. Give a copy of the repository (``-T released_root=PATH`` or ``$USERBENCH_RELEASED``)
  and the task joins both halves; without them it runs our synthetic set (the README says so).
"""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from harness.errors import UserError
from harness_userbench.aspects import ASPECTS, ID_PATTERN
from harness_userbench.scenario import DATA_DIR, Scenario, convert_original

BUNDLED_DIR = DATA_DIR / "released"
ENV_VAR = "USERBENCH_RELEASED"
RELEASED_CONFIGS = ["22", "33", "44", "233", "334", "2222", "333", "444"]
_PART = re.compile(r"^(?P<aspect>[a-z_]+):(?P<count>[1-9])-(?P<index>\d+)$")


class ReleasedRow(BaseModel):
    """One row of a released parquet file, validated."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(description="Scenario id, e.g. 'apartment:2-86|rental_car:2-60'.")
    env_name: str = Field(pattern=r"^travel[1-9]+$", description="e.g. travel233")
    config: str = Field(pattern=r"^[1-9]+$")
    index: int = Field(ge=0)
    split: str
    system_prompt: str = Field(min_length=1)
    opening: str = Field(min_length=1)
    gold: list[str] = Field(min_length=1, description="Best option ids, one per aspect.")
    aspects: list[tuple[str, int]] = Field(min_length=1, description="(aspect, preferences).")

    @field_validator("gold")
    @classmethod
    def _ids(cls, v: list[str]) -> list[str]:
        bad = [i for i in v if not re.match(ID_PATTERN, i)]
        if bad:
            raise ValueError(f"{bad[0]!r} is not an option id")
        return v


def parse_id(sid: str) -> list[tuple[str, int]]:
    """``flight:3-114|hotel:2-36`` -> [("flight", 3), ("hotel", 2)]."""
    out = []
    for part in sid.split("|"):
        m = _PART.match(part)
        if not m or m["aspect"] not in ASPECTS:
            raise ValueError(f"scenario id part {part!r} is not '<aspect>:<count>-<index>'")
        out.append((m["aspect"], int(m["count"])))
    return out


def _row(raw: dict[str, Any], env_name: str, source: str, n: int) -> ReleasedRow:
    try:
        rm, extra, prompt = raw["reward_model"], raw["extra_info"], raw["prompt"]
        roles = [m["role"] for m in prompt]
        if roles != ["system", "user"]:
            raise ValueError(f"prompt roles {roles}, expected ['system', 'user']")
        sid = str(rm["id"])
        gold = ast.literal_eval(str(rm["ground_truth"]))
        if not isinstance(gold, list):
            raise ValueError("reward_model.ground_truth is not a list")
        aspects = parse_id(sid)
        config = env_name.removeprefix("travel")
        counts = "".join(sorted(str(c) for _, c in aspects))
        if counts != "".join(sorted(config)):
            raise ValueError(f"id {sid!r} has preference counts {counts}, not those of {env_name}")
        if len(gold) != len(aspects):
            raise ValueError(f"{len(gold)} gold ids for {len(aspects)} aspects")
        return ReleasedRow(
            id=sid,
            env_name=env_name,
            config=config,
            index=int(extra["index"]),
            split=str(extra.get("split", "")),
            system_prompt=str(prompt[0]["content"]),
            opening=str(prompt[1]["content"]).strip(),
            gold=[str(g) for g in gold],
            aspects=aspects,
        )
    except (KeyError, TypeError, IndexError, SyntaxError, ValueError) as exc:
        if isinstance(exc, ValidationError):
            err = exc.errors()[0]
            exc = ValueError(f"{'.'.join(map(str, err['loc']))}: {err['msg']}")
        raise UserError(f"{source}: row {n}: {exc}") from None


def parquet_dir(root: Path | None) -> Path:
    """Where the parquet folders are: ``root/data`` (a repository copy), ``root`` itself, or
    the bundled test files."""
    if root is None:
        return BUNDLED_DIR
    for cand in (root / "data", root):
        if any(cand.glob("travel*_multiturn*/*.parquet")):
            return cand
    raise UserError(f"{root}: no travel*_multiturn*/<split>.parquet files here or under data/")


def read_rows(
    root: Path | str | None = None,
    one_choice: bool = True,
    split: str = "test",
    configs: list[str] | None = None,
) -> list[ReleasedRow]:
    """The released rows of ``split``, configuration by configuration (the eval's order)."""
    import pyarrow.parquet as pq

    base = parquet_dir(Path(root) if root else None)
    rows: list[ReleasedRow] = []
    for config in configs or RELEASED_CONFIGS:
        env = f"travel{config}"
        folder = base / (f"{env}_multiturn_onechoice" if one_choice else f"{env}_multiturn")
        path = folder / f"{split}.parquet"
        if not path.is_file():
            raise UserError(f"released data: {path} does not exist")
        try:
            table = pq.read_table(path).to_pylist()
        except Exception as exc:  # pyarrow raises several kinds for a broken file
            raise UserError(f"{path}: not a readable parquet file ({exc})") from None
        rows += [_row(r, env, str(path), n) for n, r in enumerate(table)]
    seen: set[str] = set()
    for r in rows:
        if r.id in seen:
            raise UserError(f"released data: scenario id {r.id!r} appears twice")
        seen.add(r.id)
    return rows


def scenario_dir(root: Path | None) -> Path | None:
    """``root/travelgym/data`` (or ``root``) when it holds ``travelgym_data_<config>.json``."""
    if root is None:
        return None
    for cand in (root / "travelgym" / "data", root):
        if any(cand.glob("travelgym_data_*.json")):
            return cand
    return None


def default_root() -> Path | None:
    value = os.environ.get(ENV_VAR, "").strip()
    return Path(value) if value else None


def load_released(
    root: Path | str | None,
    one_choice: bool = True,
    configs: list[str] | None = None,
    split: str = "test",
) -> list[tuple[ReleasedRow, Scenario]]:
    """Join the parquet rows of ``root`` (or the bundled ones, if ``root`` holds no parquet)
    with the scenario JSON under ``root``; UserError naming what is missing."""
    import json

    base = Path(root) if root else None
    if base is not None and not base.exists():
        raise UserError(f"released_root: {base} does not exist")
    sdir = scenario_dir(base)
    if sdir is None:
        raise UserError(
            f"released data: no travelgym_data_<config>.json under {base} (or its "
            "travelgym/data); the released scenarios are needed to run the released test set"
        )
    try:
        pq_root: Path | None = parquet_dir(base) if base is not None else None
    except UserError:
        pq_root = None  # only the scenario JSON given: the bundled parquet rows
    rows = read_rows(pq_root, one_choice, split, configs)
    scenarios: dict[str, Scenario] = {}
    for config in configs or RELEASED_CONFIGS:
        path = sdir / f"travelgym_data_{config}.json"
        if not path.is_file():
            raise UserError(f"released data: {path} does not exist")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise UserError(f"{path}: not valid JSON ({exc})") from None
        for sc in convert_original(data, str(path), config):
            scenarios[sc.id] = sc
    out = []
    for row in rows:
        sc = scenarios.get(row.id)
        if sc is None:
            raise UserError(f"released data: scenario {row.id!r} ({row.env_name}) not in {sdir}")
        best = sorted(sc.aspects[a].best_id for a in sc.dimensions)  # type: ignore[index]
        if best != sorted(row.gold):
            raise UserError(
                f"released data: scenario {row.id!r}: best ids {best} in the JSON, "
                f"{sorted(row.gold)} in the parquet"
            )
        out.append((row, sc))
    return out
