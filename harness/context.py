"""What a task gets while solving one sample: its models by role, seed, epoch and environments."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from typing import TYPE_CHECKING, Any

from harness.deadline import deadline_paused
from harness.model import Model, ModelHandle, WrappedModel
from harness.options import validate
from harness.schemas import GenerateConfig, Sample, Usage

if TYPE_CHECKING:
    from harness.environment import Environment
    from harness.plugins.manager import PluginManager


class Roles:
    """Role -> model. A role nobody named (``--model-role ROLE=...``) falls back to the default."""

    def __init__(self, default: WrappedModel, by_role: dict[str, WrappedModel] | None = None):
        self.default = default
        self.by_role = dict(by_role or {})
        self.asked: set[str] = set()  # roles the task asked for: a --model-role typo shows

    def get(self, role: str) -> WrappedModel:
        self.asked.add(role)
        return self.by_role.get(role, self.default)

    def members(self, role: str) -> list[str]:
        """``role`` and the further models given for it (``ROLE#2``, ``ROLE#3``, ... when
        ``--model-role ROLE=...`` is repeated), in order; just ``[role]`` if it was given at most
        once."""
        extra = sorted(
            (r for r in self.by_role if r.partition("#")[0] == role and r != role),
            key=lambda r: int(r.partition("#")[2] or 0),
        )
        return [role, *extra]

    def unused(self) -> list[str]:
        """Roles given with --model-role that nothing asked for (a typo, or the wrong task)."""
        return sorted(set(self.by_role) - self.asked)


class SolveContext:
    def __init__(
        self,
        sample: Sample,
        roles: Roles,
        generate: GenerateConfig,
        seed: int,
        epoch: int,
        manager: PluginManager | None = None,
    ) -> None:
        self.sample = sample
        self.seed = seed
        self.epoch = epoch
        self.generate_config = generate  # the handles add the seed
        self._roles = roles
        self._handles: dict[str, ModelHandle] = {}
        self._manager = manager
        self.model = self.role("agent")

    def has_role(self, name: str) -> bool:
        """Whether the user set this role's model (``--model-role NAME=...``), rather than it
        falling back to the default model."""
        self._roles.asked.add(name)
        return name in self._roles.by_role

    def role(self, name: str) -> ModelHandle:
        """The model for ``name`` (agent, user, reviewer, judge, generator, ...)."""
        if name not in self._handles:
            self._handles[name] = ModelHandle(
                self._roles.get(name), self.generate_config, name, self.seed
            )
        return self._handles[name]

    def one_episode_at_a_time(self, *roles: str) -> AbstractAsyncContextManager[Any]:
        """Wrap a multi-turn episode in this: if the agent's model, or that of any of ``roles``,
        is a serial in-process engine (:attr:`harness.model.Model.serial`, such as
        ``llamacpp/``), the run's episodes take turns; otherwise this does nothing.

        Such an engine runs one call at a time anyway, so concurrent episodes gain nothing, and
        their interleaved calls would evict each other's cached prompt prefix: every turn would
        re-read its whole conversation instead of only what is new."""
        serial = self._serial_models(roles)
        if not serial:
            return nullcontext()
        return _taking_turns(_episode_lock(min(serial, key=lambda m: m.spec)))

    def on_serial_engine(self, *roles: str) -> bool:
        """Whether the agent's model, or that of any of ``roles``, is a serial in-process engine
        (a CPU-sized budget may be in order: see userbench's and apigen-mt's ``budget``)."""
        return bool(self._serial_models(roles))

    def _serial_models(self, roles: tuple[str, ...]) -> list[Model]:
        models = [self._roles.get(r).model for r in ("agent", *roles)]
        return [m for m in models if m.serial]

    def environment(self, name: str, **options: Any) -> Environment:
        """A fresh instance of a registered environment."""
        if self._manager is None:
            raise RuntimeError("this SolveContext was built without a plugin manager")
        cls = self._manager.registry("environments").get(name)
        return cls(validate(cls.Options, options, f"options of environment {name}"))  # type: ignore[no-any-return]

    # ---- accounting, read by the runner
    @property
    def model_calls(self) -> int:
        return sum(h.calls for h in self._handles.values())

    @property
    def model_seconds(self) -> float:
        return sum(h.seconds for h in self._handles.values())

    @property
    def usage(self) -> Usage:
        handles = self._handles.values()
        costs = [h.cost for h in handles if h.cost is not None]
        return Usage(
            input_tokens=sum(h.input_tokens for h in handles),
            output_tokens=sum(h.output_tokens for h in handles),
            cost=sum(costs) if costs else None,
        )

    def usage_by_role(self) -> dict[str, dict[str, Any]]:
        return {
            r: {"calls": h.calls, **h.usage.model_dump()}
            for r, h in self._handles.items()
            if h.calls
        }


@asynccontextmanager
async def _taking_turns(lock: asyncio.Lock) -> AsyncIterator[None]:
    """Hold ``lock`` for the block; the wait for it does not count against the sample's
    ``--sample-timeout`` (it is the other episodes' time)."""
    async with deadline_paused():
        await lock.acquire()
    try:
        yield
    finally:
        lock.release()


def _episode_lock(model: Model) -> asyncio.Lock:
    """One lock per (serial model, event loop): a lock belongs to the loop it is used in."""
    locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
        model.__dict__.setdefault("_episode_locks", weakref.WeakKeyDictionary())
    )
    return locks.setdefault(asyncio.get_running_loop(), asyncio.Lock())
