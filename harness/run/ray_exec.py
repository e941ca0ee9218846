"""Samples on a Ray cluster: ``harness run --executor ray [--ray-address ADDR]``.

The driver (the ``harness run`` process) keeps everything that makes a run a run: it picks the
samples still to do from the run index, bounds the samples in flight with ``--max-concurrency``,
and alone appends each record to the journal and the index as it comes back. Ray only runs
samples: each worker is an actor that holds the task and its own models (one in-process engine per
actor: llamacpp, hf or vllm on that actor's node and GPU) and solves a sample with the same code as
a local run (:meth:`harness.run.runner.Runner._solve_one`), so records, per-sample seeds, metrics
and ``--resume`` are those of a local run.

A worker that dies (killed, its node lost) fails the samples it was solving; the driver sends
them again, to a live worker, up to :data:`MAX_ATTEMPTS` times; Ray restarts the dead actor
meanwhile. A record is written only when a worker returns it, so a finished sample is never lost
nor written twice.

Limits across the cluster: remote models' ``-M rpm`` / ``-M tpm`` are booked in one limiter actor
(:class:`GlobalLimits`) that every worker asks before a request; ``--max-concurrency`` (samples
in flight) is held by the driver, so it is global too; each worker's adaptive concurrency (AIMD
on 429s) stays its own, its ceiling that worker's share of ``-M max_connections``.

``import ray`` happens only inside functions: ``harness --help`` does not pay for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import socket
from dataclasses import dataclass, field
from typing import Any

from harness.callpath.args import call_args_of
from harness.callpath.ratelimit import AdaptiveConcurrency, AimdLimiter, Gcra, estimate_tokens
from harness.errors import UserError
from harness.model import CallNext, Model, ModelWrapper
from harness.plugins.manager import PluginManager
from harness.schemas import (
    GenerateConfig,
    Message,
    ModelResponse,
    RunConfig,
    Sample,
    SampleRecord,
    ToolSpec,
)

#: how many times one sample is sent to a worker before the run stops with an error
MAX_ATTEMPTS = 3
#: seconds to reach a given --ray-address before calling it unreachable
CONNECT_TIMEOUT = 5.0


def _import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise UserError(
            "--executor ray needs Ray: pip install 'agentharness[ray]' (or pip install ray)"
        ) from None
    return ray


def check_address(address: str) -> None:
    """An address that no Ray head answers on is one error before anything is written (Ray's own
    connect would retry for a minute and print its traceback)."""
    if address == "auto":
        return
    rest = address.split("://", 1)[-1]
    host, sep, port = rest.rpartition(":")
    if not sep or not port.isdigit() or not host:
        raise UserError(f"--ray-address {address}: expected HOST:PORT (or ray://HOST:PORT)")
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=CONNECT_TIMEOUT):
            pass
    except OSError as exc:
        raise UserError(
            f"--ray-address {address}: no Ray cluster answers there ({exc.strerror or exc}). "
            "Start one with `ray start --head`, or leave --ray-address out to start a local one"
        ) from None


def needed_plugins(
    config: RunConfig, manager: PluginManager, kind: str = "tasks"
) -> dict[str, str]:
    """The plugins a worker must be able to load for this run: plugin name -> its distribution
    (or module), for the task (or generator: ``kind``) and every model provider."""
    from harness.plugins.models import split_spec

    out: dict[str, str] = {}

    def add(plugin: str) -> None:
        info = manager.plugins.get(plugin)
        if info is not None and plugin not in ("core", "user-tasks"):
            out[plugin] = info.distribution or info.module

    tasks = manager.registry(kind)
    if config.task in tasks:
        add(tasks.entry(config.task).plugin)
    models = manager.registry("models")
    for spec in [config.model, *config.model_roles.values()]:
        provider = split_spec(spec)[0]
        if provider in models:
            add(models.entry(provider).plugin)
    return out


# ---------------------------------------------------------------------------- cluster-wide limits


class GlobalLimits:
    """The cluster's one rpm/tpm book (a Ray actor): each worker reserves here before a request to
    a model with ``-M rpm`` or ``-M tpm`` and sleeps the wait it is given."""

    def __init__(self) -> None:
        self._books: dict[str, tuple[Gcra | None, Gcra | None]] = {}

    def reserve(self, spec: str, rpm: float | None, tpm: float | None, tokens: int) -> float:
        if spec not in self._books:
            self._books[spec] = (Gcra(rpm) if rpm else None, Gcra(tpm) if tpm else None)
        r, t = self._books[spec]
        wait = r.reserve(1) if r is not None else 0.0
        if t is not None:
            wait = max(wait, t.reserve(tokens))
        return wait

    def adjust(self, spec: str, tokens: int) -> None:
        t = self._books.get(spec, (None, None))[1]
        if t is not None:
            t.adjust(tokens)


class ClusterRateLimit(ModelWrapper):
    """:class:`harness.callpath.ratelimit.RateLimit` with its books in the :class:`GlobalLimits`
    actor; a model with neither ``rpm`` nor ``tpm`` passes straight through (no remote call)."""

    def __init__(self, limits: Any) -> None:
        self.limits = limits

    async def __call__(
        self,
        model: Model,
        messages: list[Message],
        tools: list[ToolSpec] | None,
        config: GenerateConfig,
        call_next: CallNext,
    ) -> ModelResponse:
        a = call_args_of(model)
        if not a.rpm and not a.tpm:
            return await call_next(messages, tools, config)
        estimate = estimate_tokens(messages, tools) if a.tpm else 0
        wait = await self.limits.reserve.remote(model.spec, a.rpm, a.tpm, estimate)
        if wait > 0:
            await asyncio.sleep(wait)
        response = await call_next(messages, tools, config)
        if a.tpm:
            used = response.usage.input_tokens + response.usage.output_tokens
            self.limits.adjust.remote(model.spec, used - estimate)
        return response


class SharedConcurrency(AdaptiveConcurrency):
    """Adaptive concurrency per worker, its ceiling this worker's share of the model's
    ``-M max_connections`` (rounded up), so the cluster stays near the cap the user gave."""

    def __init__(self, default_ceiling: int, workers: int) -> None:
        super().__init__(default_ceiling)
        self.workers = max(1, workers)

    def limiter(self, model: Model) -> AimdLimiter:
        lim = self._by_id.get(id(model))
        if lim is None:
            a = call_args_of(model)
            ceiling = (
                math.ceil(a.max_connections / self.workers)
                if a.max_connections
                else self.default_ceiling
            )
            lim = AimdLimiter(ceiling, a.min_connections, a.adaptive)
            self._by_id[id(model)] = lim
            self.limiters[model.spec] = lim
        return lim


# ---------------------------------------------------------------------------- the worker actor


class SampleWorker:
    """One Ray actor: the task and its models, built once; solves samples it is sent. Or, for
    ``harness generate`` (``job``: the generator's name and options), the generator and its
    models; produces items it is sent. A setup error is kept and reported by :meth:`ready` (not
    raised: Ray would bury it in a traceback)."""

    def __init__(
        self,
        config_json: str,
        share: int,
        workers: int,
        needed: dict[str, str],
        task_paths: list[str],
        plugin_env: dict[str, str],
        limits_name: str,
        job_json: str | None = None,
    ) -> None:
        self.error: str | None = None
        self.models: list[Any] = []
        self.generator: Any = None
        try:
            config = RunConfig.model_validate_json(config_json)
            import ray

            limits = ray.get_actor(limits_name)
            self._setup(config, share, workers, needed, task_paths, plugin_env, limits, job_json)
        except UserError as exc:
            self.error = str(exc)
        except Exception as exc:
            self.error = f"{type(exc).__name__}: {exc}"

    def _setup(
        self,
        config: RunConfig,
        share: int,
        workers: int,
        needed: dict[str, str],
        task_paths: list[str],
        plugin_env: dict[str, str],
        limits: Any,
        job_json: str | None,
    ) -> None:
        from harness.callpath.chain import default_wrappers
        from harness.callpath.ratelimit import RateLimit
        from harness.callpath.slots import RunSlots
        from harness.plugins.manager import get_manager
        from harness.plugins.taskfiles import resolve_task
        from harness.run.roles import build_roles
        from harness.run.runner import Runner

        os.environ.update(plugin_env)
        manager = get_manager(task_paths)
        for plugin, dist in sorted(needed.items()):
            info = manager.plugins.get(plugin)
            if info is None:
                raise UserError(
                    f"plugin '{plugin}' ({dist}) is not installed on this Ray worker; install it "
                    "on every node of the cluster"
                )
            if info.error:
                raise UserError(f"plugin '{plugin}' ({dist}) cannot load here: {info.error}")
        local = config.model_copy(update={"max_concurrency": share})
        wrappers: list[ModelWrapper] = []
        for w in default_wrappers(local, None):
            if isinstance(w, AdaptiveConcurrency):
                w = SharedConcurrency(share, workers)
            elif isinstance(w, RateLimit):
                w = ClusterRateLimit(limits)
            wrappers.append(w)
        self.config, self.manager = config, manager
        if job_json is not None:
            import json

            from harness.options import validate

            job = json.loads(job_json)
            cls = manager.registry("generators").get(job["name"])
            self.generator = cls(validate(cls.Options, job["params"], f"options of {job['name']}"))
        else:
            self.task = resolve_task(config.task, config.task_params, manager)
        self.roles, self.models = build_roles(local, wrappers, manager)
        # the driver's config (seed, generation settings, sample timeout) makes the records
        self.runner = Runner(config, manager=manager)
        self.slots = RunSlots(share)

    async def ready(self) -> dict[str, Any]:
        return {"error": self.error, "pid": os.getpid(), "node": socket.gethostname()}

    async def solve(self, sample: Sample, epoch: int) -> SampleRecord:
        from harness.callpath.slots import holding_slot

        if self.error is not None:
            raise RuntimeError(self.error)
        async with holding_slot(self.slots):
            return await self.runner._solve_one(self.task, sample, epoch, self.roles)

    async def produce(self, item_json: str) -> tuple[str, list[dict[str, Any]]]:
        """One generator item: its output as JSON text, and the events it logged."""
        import json

        from harness.callpath.slots import holding_slot
        from harness.jobs import ItemContext, WorkItem

        if self.error is not None:
            raise RuntimeError(self.error)
        item = WorkItem.model_validate_json(item_json)
        ctx = ItemContext(item.id, self.config.seed, self.roles, self.manager, self.config.generate)
        async with holding_slot(self.slots):
            out = await self.generator.produce(ctx, item)
        return json.dumps(out), ctx.events

    async def roles_report(self) -> tuple[list[str], list[str]]:
        if self.error is not None:
            return [], []
        return sorted(self.roles.asked), self.roles.unused()

    async def close(self) -> None:
        for m in self.models:
            await m.aclose()


# ---------------------------------------------------------------------------- the driver's side


@dataclass
class _Worker:
    handle: Any
    in_flight: int = 0
    healthy: bool = True
    pid: int = 0


@dataclass
class RayExecutor:
    """Runs a :class:`harness.run.runner.Runner`'s samples on Ray workers (see the module doc).

    ``address``: a running cluster's ``HOST:PORT`` (or ``auto``); None starts a local cluster
    (or uses one this process already joined). ``workers``: actors to start (default: one per CPU
    of the cluster, or per GPU with ``gpus_per_worker``)."""

    address: str | None = None
    workers: int | None = None
    task_paths: list[str] = field(default_factory=list)
    cpus_per_worker: float = 1.0
    gpus_per_worker: float = 0.0
    max_attempts: int = MAX_ATTEMPTS
    #: for ``harness generate``: {"name": generator, "params": its options}; None for a run
    job: dict[str, Any] | None = None
    retried: int = 0  # samples (items) sent again after their worker died
    pool: list[_Worker] = field(default_factory=list)
    _limits: Any = None
    _owns_ray: bool = False

    def start(self, config: RunConfig, manager: PluginManager) -> None:
        """Join (or start) the cluster, start the workers and wait until each holds the task and
        its models. Any failure here is one :class:`UserError` and nothing is written yet."""
        if self.address:
            check_address(self.address)
        ray = _import_ray()
        if not ray.is_initialized():
            import logging

            os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
            kwargs: dict[str, Any] = {"log_to_driver": False, "logging_level": logging.WARNING}
            if self.address:
                kwargs["address"] = self.address
            else:
                kwargs.update(include_dashboard=False, _node_ip_address="127.0.0.1")
            try:
                ray.init(**kwargs)
            except (ConnectionError, RuntimeError) as exc:
                raise UserError(f"cannot join the Ray cluster: {exc}") from None
            except Exception as exc:
                if "timed out during startup" not in str(exc):
                    raise
                ray.shutdown()
                raise UserError(
                    "the local Ray cluster did not start within Ray's 30 seconds (a busy "
                    "machine?); try again, or start one with `ray start --head` and pass "
                    "--ray-address"
                ) from None
            self._owns_ray = True
        try:
            self._start_workers(ray, config, manager)
        except BaseException:
            self.close()
            raise

    def _start_workers(self, ray: Any, config: RunConfig, manager: PluginManager) -> None:
        resources = ray.cluster_resources()
        if self.workers is None:
            if self.gpus_per_worker:
                n = int(resources.get("GPU", 0) // self.gpus_per_worker)
            else:
                n = int(resources.get("CPU", 1) // max(self.cpus_per_worker, 1e-9))
            self.workers = max(1, n)
        if self.workers < 1:
            raise UserError("--ray-workers must be at least 1")
        n = self.workers
        share = max(1, math.ceil(config.max_concurrency / n))
        plugin_env = {
            k: os.environ[k]
            for k in ("HARNESS_PLUGINS", "HARNESS_DISABLE_PLUGINS")
            if k in os.environ
        }
        import secrets

        # a named actor, looked up by name in the workers: an actor handle among the workers'
        # constructor arguments would put them in the object store (Ray then warns that a
        # restart could fail)
        limits_name = f"harness-limits-{secrets.token_hex(6)}"
        self._limits = ray.remote(num_cpus=0)(GlobalLimits).options(name=limits_name).remote()
        actor = ray.remote(SampleWorker).options(
            num_cpus=self.cpus_per_worker,
            num_gpus=self.gpus_per_worker,
            max_restarts=self.max_attempts,
            max_concurrency=share + 4,  # its samples, plus ready/report calls beside them
        )
        kind = "tasks" if self.job is None else "generators"
        needed = needed_plugins(config, manager, kind)
        cfg_json = config.model_dump_json()
        job_json = None if self.job is None else json.dumps(self.job)
        handles = [
            # the config as JSON: a small string is inlined, so Ray can restart the actor from it
            actor.remote(
                cfg_json, share, n, needed, list(self.task_paths), plugin_env, limits_name, job_json
            )
            for _ in range(n)
        ]
        self.pool = [_Worker(h) for h in handles]
        for w, info in zip(self.pool, ray.get([h.ready.remote() for h in handles]), strict=True):
            if info["error"]:
                node, why = info["node"], info["error"]
                what = "task" if self.job is None else "generator"
                raise UserError(f"a Ray worker on {node} cannot run this {what}: {why}")
            w.pid = info["pid"]

    async def solve(self, sample: Sample, epoch: int) -> SampleRecord:
        """The record of one sample, from whichever worker; a worker that dies under it is
        replaced by another (Ray restarts it) and the sample is sent again."""
        record: SampleRecord = await self._call(
            "solve", (sample, epoch), f"sample '{sample.id}' (epoch {epoch})", "run"
        )
        return record

    async def produce(self, item: Any) -> tuple[str, list[dict[str, Any]]]:
        """One generator item (a :class:`harness.jobs.WorkItem`): its output as JSON text and
        its log events, from whichever worker, sent again if its worker dies."""
        out: tuple[str, list[dict[str, Any]]] = await self._call(
            "produce", (item.model_dump_json(),), f"item '{item.id}'", "generate"
        )
        return out

    async def _call(self, method: str, args: tuple[Any, ...], what: str, command: str) -> Any:
        ray = _import_ray()
        from ray.exceptions import ActorUnavailableError, RayActorError, RayTaskError

        last: Exception | None = None
        for _attempt in range(self.max_attempts):
            w = await self._pick()
            w.in_flight += 1
            try:
                return await getattr(w.handle, method).remote(*args)
            except RayTaskError as exc:
                # the worker is alive and the code raised: the worker's error, not Ray's wrapper
                cause = getattr(exc, "cause", None)
                if isinstance(cause, Exception):
                    raise cause from None
                raise
            except (RayActorError, ActorUnavailableError) as exc:
                last = exc
                self.retried += 1
                w.healthy = False
                asyncio.get_running_loop().create_task(self._watch(ray, w))
            finally:
                w.in_flight -= 1
        raise UserError(
            f"{what}: its Ray worker died {self.max_attempts} times "
            f"({type(last).__name__}). The records written so far are kept; finish with "
            f"`harness {command} --resume RUN_DIR --executor ray`"
        )

    async def _pick(self) -> _Worker:
        for _ in range(600):
            live = [w for w in self.pool if w.healthy]
            if live:
                return min(live, key=lambda w: w.in_flight)
            await asyncio.sleep(0.1)
        raise UserError("no Ray worker came back within a minute; the records so far are kept")

    async def _watch(self, ray: Any, w: _Worker) -> None:
        """Mark a worker healthy again once Ray has restarted it (its ``ready`` answers)."""
        for _ in range(120):
            try:
                info = await w.handle.ready.remote()
            except Exception:
                await asyncio.sleep(0.5)
                continue
            if info["error"] is None:
                w.pid = info["pid"]
                w.healthy = True
            return

    def roles_report(self) -> tuple[set[str], list[str]]:
        """The roles the task asked for on any worker, and the --model-role names none asked."""
        ray = _import_ray()
        asked: set[str] = set()
        unused: set[str] | None = None
        for w in self.pool:
            try:
                a, u = ray.get(w.handle.roles_report.remote(), timeout=30)
            except Exception:
                continue
            asked |= set(a)
            unused = set(u) if unused is None else unused & set(u)
        return asked, sorted(unused or ())

    def close(self) -> None:
        """Stop the workers (their models closed first) and leave a cluster this run started."""
        try:
            import ray
        except ImportError:
            return
        if not ray.is_initialized():
            return
        for w in self.pool:
            with contextlib.suppress(Exception):
                ray.get(w.handle.close.remote(), timeout=30)
            ray.kill(w.handle, no_restart=True)
        if self._limits is not None:
            ray.kill(self._limits, no_restart=True)
        self.pool = []
        self._limits = None
        if self._owns_ray:
            ray.shutdown()
            self._owns_ray = False
