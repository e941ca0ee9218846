"""The tau-style environments as harness Environments: ``tau-retail`` and ``tau-airline``."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from harness.environment import Environment, StepResult
from harness.schemas import Sample, ToolCall, ToolSpec
from harness_apigen_mt.domain import Domain, db_hash, execute, load_domain


class TauEnvOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    data_dir: str | None = Field(
        default=None,
        description="tau2 domains directory (a user's copy); default: the bundled data.",
    )
    validate_arguments: bool = Field(
        default=False,
        description="Check tool arguments against the JSON Schemas before the call and refuse a "
        "mismatch with 'Error: invalid arguments ...' (tau2 does not: off gives tau2's texts).",
    )


class TauEnvironment(Environment):
    """A JSON database, read/write tools with JSON-Schema parameters, a policy and a state hash.
    ``transfer_to_human_agents`` ends the episode."""

    domain_name: ClassVar[str] = ""
    Options = TauEnvOptions

    def __init__(self, options: BaseModel | None = None) -> None:
        super().__init__(options)
        self.domain: Domain = load_domain(self.domain_name, self.options.data_dir)
        self.db: dict[str, Any] = self.domain.fresh_db()
        self.calls: list[dict[str, Any]] = []

    @property
    def policy(self) -> str:
        return self.domain.policy

    def reset(self, sample: Sample | None = None, seed: int | None = None) -> str:
        self.db = self.domain.fresh_db()
        self.calls = []
        self.done = False
        return ""

    def tools(self) -> list[ToolSpec]:
        return [t.spec() for t in self.domain.tools]

    async def step(self, call: ToolCall) -> StepResult:
        if call.parse_error:
            out = f"Error: arguments are not valid JSON ({call.parse_error})"
            self.calls.append({"name": call.name, "arguments": {}, "error": True})
            return StepResult(content=out, is_error=True)
        r = execute(
            self.domain, self.db, call.name, call.arguments, self.options.validate_arguments
        )
        self.calls.append({"name": r.name, "arguments": r.arguments, "error": r.error})
        if call.name == "transfer_to_human_agents" and not r.error:
            self.done = True
        return StepResult(content=r.output, is_error=r.error, done=self.done)

    def state(self) -> dict[str, Any]:
        return {"db_hash": db_hash(self.db), "calls": list(self.calls)}


class RetailEnvironment(TauEnvironment):
    name = "tau-retail"
    description = "tau2-compatible retail domain: orders, products, users; 15 tools."
    domain_name = "retail"


class AirlineEnvironment(TauEnvironment):
    name = "tau-airline"
    description = "tau2-compatible airline domain: flights, reservations, users; 14 tools."
    domain_name = "airline"
