"""Generators and trainers: plugins that write a dataset or a checkpoint into a run directory."""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel

from harness.options import NoOptions

if TYPE_CHECKING:
    from harness.context import Roles
    from harness.model import ModelHandle
    from harness.plugins.manager import PluginManager


class JobContext:
    """What a generator or trainer gets: its options, output directory, seed and role models."""

    def __init__(
        self,
        out_dir: Path,
        seed: int,
        roles: Roles | None,
        manager: PluginManager,
        generate_config: Any = None,
    ) -> None:
        self.out_dir = out_dir
        self.seed = seed
        self._roles = roles
        self.manager = manager
        self._generate_config = generate_config
        self._log = (out_dir / "log.jsonl").open("a", encoding="utf-8")

    def role(self, name: str) -> ModelHandle:
        """The model for a role (generator, reviewer, user, agent, critic, ...)."""
        from harness.errors import UserError
        from harness.model import ModelHandle
        from harness.schemas import GenerateConfig

        if self._roles is None:
            raise UserError("this job needs a model: pass --model PROVIDER/NAME")
        cfg = self._generate_config or GenerateConfig()
        return ModelHandle(self._roles.get(name), cfg, name, self.seed)

    def role_members(self, name: str) -> list[str]:
        """The role names given for ``name``: ``[name]``, or ``[name, name#2, ...]`` when
        ``--model-role`` named several models for it (a committee of distinct models); pass
        each to :meth:`role`."""
        return [name] if self._roles is None else self._roles.members(name)

    def environment(self, name: str, **options: Any) -> Any:
        from harness.options import validate

        cls = self.manager.registry("environments").get(name)
        return cls(validate(cls.Options, options, f"options of environment {name}"))

    def log(self, event: str, **fields: Any) -> None:
        """Append one event to the run's log.jsonl (flushed at once)."""
        self._log.write(json.dumps({"event": event, **fields}, default=str) + "\n")
        self._log.flush()

    def close(self) -> None:
        self._log.close()


class Generator(ABC):
    """Produces a dataset. Write files under ``ctx.out_dir``; return a summary for run.json."""

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    #: the roles it asks for (``ctx.role(...)``); declared, an unknown ``--model-role`` is refused
    roles: ClassVar[tuple[str, ...] | None] = None
    Options: ClassVar[type[BaseModel]] = NoOptions
    needs_model: ClassVar[bool] = True

    def __init__(self, options: BaseModel | None = None) -> None:
        self.options: Any = options if options is not None else self.Options()

    @abstractmethod
    async def generate(self, ctx: JobContext) -> dict[str, Any]:
        """Generate the dataset into ``ctx.out_dir``."""


class Trainer(ABC):
    """Turns a dataset into a checkpoint under ``ctx.out_dir``; returns a summary."""

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    #: the roles it asks for (``ctx.role(...)``); declared, an unknown ``--model-role`` is refused
    roles: ClassVar[tuple[str, ...] | None] = None
    Options: ClassVar[type[BaseModel]] = NoOptions
    needs_model: ClassVar[bool] = False

    def __init__(self, options: BaseModel | None = None) -> None:
        self.options: Any = options if options is not None else self.Options()

    @abstractmethod
    def train(self, ctx: JobContext) -> dict[str, Any]:
        """Train; may be long-running and synchronous."""
