"""Offline, deterministic SpecTool environments: one per domain, all over the bundled world."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from harness.environment import Environment, StepResult
from harness.schemas import Sample, ToolCall, ToolSpec
from harness_spectool.checks import check_call, feedback_text
from harness_spectool.names import DOMAINS, env_name
from harness_spectool.tools import ApiError, ToolDef, domain_tools
from harness_spectool.world import load_world

MAX_OBSERVATION = 3000


class SpecToolEnvOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    feedback: bool = Field(
        default=True,
        description="Report invalid name/argument/type errors "
        "back without executing the call (the paper's feedback mode).",
    )
    world_path: str | None = Field(default=None, description="Another world.json to serve.")


def tools_for(domain: str, world_path: str | None = None) -> list[ToolDef]:
    return domain_tools(load_world(world_path))[domain]


def tool_schemas(domain: str, world_path: str | None = None) -> dict[str, dict[str, Any]]:
    """Function name -> JSON-Schema parameters of a domain (what the scorer checks against)."""
    return {t.name: t.parameters for t in tools_for(domain, world_path)}


class SpecToolEnvironment(Environment):
    """Tools of one domain answering from the bundled world; errors look like the real APIs'."""

    domain = ""
    Options = SpecToolEnvOptions

    def __init__(self, options: BaseModel | None = None) -> None:
        super().__init__(options)
        self.world = load_world(self.options.world_path)
        self._tools = {t.name: t for t in domain_tools(self.world)[self.domain]}
        self.calls: list[dict[str, Any]] = []

    def reset(self, sample: Sample | None = None, seed: int | None = None) -> str:
        self.done = False
        self.calls = []
        return ""

    def tools(self) -> list[ToolSpec]:
        return [
            ToolSpec(name=t.name, description=t.description, parameters=t.parameters)
            for t in self._tools.values()
        ]

    async def step(self, call: ToolCall) -> StepResult:
        return self.execute(call.name, call.arguments)

    def execute(self, name: str, args: dict[str, Any]) -> StepResult:
        schemas = {n: t.parameters for n, t in self._tools.items()}
        problems = check_call(schemas, name, args)
        record: dict[str, Any] = {"name": name, "arguments": args, "executed": False}
        self.calls.append(record)
        if problems.any and self.options.feedback:
            return StepResult(
                content=feedback_text(name, problems, schemas),
                is_error=True,
                info={"executed": False},
            )
        record["executed"] = True
        tool = self._tools.get(name)
        if tool is None:
            body: Any = {"status": 404, "message": f"Not Found: no endpoint '{name}'"}
            return StepResult(content=json.dumps(body), is_error=True, info={"executed": True})
        try:
            result = tool.handler(self.world, dict(args))
        except ApiError as exc:
            return StepResult(content=_dump(exc.body), is_error=True, info={"executed": True})
        except Exception as exc:  # a badly typed or missing argument reaching the handler
            body = {
                "status": 500,
                "message": "Internal Server Error",
                "detail": f"{type(exc).__name__}: {exc}",
            }
            return StepResult(content=_dump(body), is_error=True, info={"executed": True})
        return StepResult(content=_dump(result), info={"executed": True})

    def state(self) -> dict[str, Any]:
        return {"calls": list(self.calls)}


def _dump(obj: Any) -> str:
    text = json.dumps(obj, ensure_ascii=False)
    if len(text) > MAX_OBSERVATION:
        text = text[:MAX_OBSERVATION] + " ...(truncated)"
    return text


def _make(domain: str) -> type[SpecToolEnvironment]:
    return type(
        f"{domain.title().replace('_', '')}Environment",
        (SpecToolEnvironment,),
        {
            "domain": domain,
            "name": env_name(domain),
            "description": DOMAINS[domain],
            "__module__": __name__,
        },
    )


MovieEnvironment = _make("movie")
WeatherEnvironment = _make("weather")
PatentEnvironment = _make("patent")
SpaceflightEnvironment = _make("spaceflight")
SportsEnvironment = _make("sports")
SocialEnvironment = _make("social")
MediaEnvironment = _make("media")
DataEnvironment = _make("data")
ToolsEnvironment = _make("tools")
VideoImagesEnvironment = _make("video_images")
TravelEnvironment = _make("travel")
MixedEnvironment = _make("mixed")
