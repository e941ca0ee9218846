"""Generators and trainers: plugins that write a dataset or a checkpoint into a run directory."""

from __future__ import annotations

import asyncio
import json
from abc import ABC, abstractmethod
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from harness.options import NoOptions
from harness.seeds import derive_seed

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

    def item_context(self, item_id: str) -> ItemContext:
        """The context one item of an :class:`ItemGenerator` is produced in, with this job's
        models."""
        return ItemContext(item_id, self.seed, self._roles, self.manager, self._generate_config)


class WorkItem(BaseModel):
    """One independent piece of an :class:`ItemGenerator`'s work. ``data`` must survive JSON
    (it is sent to Ray workers and kept nowhere else)."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(description="Unique within the job; names the item in the journal and logs.")
    data: Any = Field(default=None, description="What producing the item needs (JSON values).")


class ItemContext(JobContext):
    """What :meth:`ItemGenerator.produce` gets: the job's role models, seeded with the item's own
    seed (``derive_seed(job seed, item id, 0)``, so an item's calls do not depend on the order
    items run in, nor on the process), and a log the driver writes (``log()`` events are kept in
    :attr:`events` and appended to the job's log.jsonl by whoever ran the item). It has no
    ``out_dir``: only the driver writes files."""

    def __init__(
        self,
        item_id: str,
        job_seed: int,
        roles: Roles | None,
        manager: PluginManager,
        generate_config: Any = None,
    ) -> None:
        self.item_id = item_id
        self.job_seed = job_seed
        self.seed = derive_seed(job_seed, item_id, 0)
        self._roles = roles
        self.manager = manager
        self._generate_config = generate_config
        self.events: list[dict[str, Any]] = []

    @property
    def out_dir(self) -> Path:  # type: ignore[override]
        raise RuntimeError("an item is produced without a run directory: return what to write")

    def log(self, event: str, **fields: Any) -> None:
        self.events.append({"event": event, "item": self.item_id, **fields})

    def close(self) -> None:
        pass


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


class ItemGenerator(Generator):
    """A generator whose model work splits into independent items, so that ``harness generate``
    can journal each item as it finishes (``--resume RUN_DIR`` skips finished ones) and send items
    to Ray workers (``--executor ray``; see docs/scale-out.md). The job runs in three steps:

    1. :meth:`plan` (on the driver, with no models): validate, write set-up files, list the items;
    2. :meth:`produce` (anywhere: this process or a Ray worker that holds its own models): one
       item's output, a JSON value, from the item alone; it writes no file;
    3. :meth:`finish` (on the driver, with no models): every output, in the order :meth:`plan`
       gave the items, becomes the job's files and summary.

    :meth:`generate` runs the three in this process without a journal (what a direct call gets);
    ``harness generate`` runs them through :mod:`harness.run.items`."""

    def concurrency(self) -> int:
        """Items in flight at once (locally, and across all Ray workers)."""
        return 4

    def ray_unsupported(self) -> str | None:
        """Why these options cannot run with ``--executor ray`` (None: they can)."""
        return None

    @abstractmethod
    async def plan(self, ctx: JobContext) -> list[WorkItem]:
        """The items to produce (ids unique). Runs on the driver: ``ctx.role`` is not there."""

    @abstractmethod
    async def produce(self, ctx: ItemContext, item: WorkItem) -> Any:
        """One item's output (JSON values only)."""

    @abstractmethod
    async def finish(
        self, ctx: JobContext, items: list[WorkItem], outputs: list[Any]
    ) -> dict[str, Any]:
        """Write the job's files from every item's output; return the summary."""

    async def generate(self, ctx: JobContext) -> dict[str, Any]:
        items = await self.plan(ctx)
        gate = asyncio.Semaphore(self.concurrency())

        async def one(item: WorkItem) -> Any:
            async with gate:
                ictx = ctx.item_context(item.id)
                out = await self.produce(ictx, item)
            for ev in ictx.events:
                ctx.log(**ev)
            return json.loads(json.dumps(out))  # as the journal gives it back

        outputs = await asyncio.gather(*(one(i) for i in items))
        return await self.finish(ctx, items, list(outputs))


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
