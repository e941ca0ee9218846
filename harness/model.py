"""Models: the backend interface, the wrapper point around every call, and role resolution.

A backend subclasses :class:`Model` and implements :meth:`Model.generate`. Every call the harness
makes goes through a chain of :class:`ModelWrapper` objects (cache, retries, rate limits live there)
and then through a per-sample :class:`ModelHandle` that counts calls, tokens and time.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, ClassVar

from pydantic import BaseModel

from harness.errors import ImageInputError, UserError
from harness.options import NoOptions, validate
from harness.schemas import GenerateConfig, Message, ModelResponse, ToolSpec, Usage, has_images

DEFAULT_MODEL = "llamacpp/smollm2"

CallNext = Callable[
    [list[Message], list[ToolSpec] | None, GenerateConfig], Awaitable[ModelResponse]
]


class Model(ABC):
    """A model backend. Subclasses set ``provider`` and may declare ``Args`` (pydantic), the
    ``-M key=value`` arguments."""

    provider: ClassVar[str] = ""
    description: ClassVar[str] = ""
    Args: ClassVar[type[BaseModel]] = NoOptions
    #: calls go over the network to a server that may hang them: the call path may hedge them
    #: (:mod:`harness.callpath.hedge`); in-process engines leave this False
    remote: ClassVar[bool] = False
    #: an in-process engine that runs one call at a time (llamacpp): multi-turn tasks run their
    #: episodes one after another on it (:meth:`harness.context.SolveContext.one_episode_at_a_time`)
    serial: ClassVar[bool] = False
    #: the backend takes image parts in messages; a call with an image to a backend that does
    #: not is refused before it reaches the backend (:func:`refuse_images`)
    accepts_images: ClassVar[bool] = False

    def __init__(self, name: str, args: BaseModel | None = None) -> None:
        self.name = name
        self.args = args if args is not None else self.Args()
        #: the call path's settings (retries, rate limits, ...): see :mod:`harness.callpath.args`
        self.call_args: Any = None

    @property
    def spec(self) -> str:
        return f"{self.provider}/{self.name}"

    @classmethod
    def create(cls, name: str, raw_args: dict[str, Any]) -> Model:
        from harness.secrets import redact, redact_args

        redact(raw_args)  # remembered before validation can echo a value in an error
        args = validate(cls.Args, raw_args, f"model arguments (-M) for {cls.provider}/{name}")
        redact_args(args)  # the fields the backend marks secret, remembered for scrubbing
        return cls(name, args)

    def check(self) -> None:
        """Raise :class:`UserError` at start-up for what can be detected then (missing key, ...)."""

    @abstractmethod
    async def generate(
        self, messages: list[Message], tools: list[ToolSpec] | None, config: GenerateConfig
    ) -> ModelResponse:
        """One chat completion."""

    def prepare(self, concurrency: int) -> None:
        """Told before a run how many samples may be in flight (to size connection pools)."""

    async def aclose(self) -> None:
        """Release resources (servers, sessions)."""

    def cache_key_fields(self) -> dict[str, Any]:
        """What, besides the request, decides the answer (used by the response cache)."""
        from harness.secrets import redact_args

        return {"model": self.spec, "args": redact_args(self.args)}  # a key does not answer


class ModelWrapper(ABC):
    """Something around every model call; ``await call_next(messages, tools, config)`` passes
    the call on."""

    @abstractmethod
    async def __call__(
        self,
        model: Model,
        messages: list[Message],
        tools: list[ToolSpec] | None,
        config: GenerateConfig,
        call_next: CallNext,
    ) -> ModelResponse: ...


class WrappedModel:
    """A model with its wrapper chain applied; shared by all samples of a run."""

    def __init__(self, model: Model, wrappers: Sequence[ModelWrapper] = ()) -> None:
        self.model = model
        self.wrappers = list(wrappers)
        call: CallNext = model.generate
        for wrapper in reversed(self.wrappers):
            call = _bind(wrapper, model, call)
        self._call = call

    @property
    def spec(self) -> str:
        return self.model.spec

    async def generate(
        self, messages: list[Message], tools: list[ToolSpec] | None, config: GenerateConfig
    ) -> ModelResponse:
        if not self.model.accepts_images and has_images(messages):
            raise refuse_images(self.model.spec)
        return await self._call(messages, tools, config)


def refuse_images(spec: str, why: str = "a text-only backend") -> ImageInputError:
    """The one error a model that cannot see images gives a message holding one (not retried;
    the sample's error record)."""
    return ImageInputError(
        f"{spec} cannot take images ({why}): the messages hold an image part; use a "
        "vision-language model (hf/<checkpoint with an image processor>, vllm/, litellm/, "
        "openai-compatible/)"
    )


def _bind(wrapper: ModelWrapper, model: Model, call_next: CallNext) -> CallNext:
    async def call(
        messages: list[Message], tools: list[ToolSpec] | None, config: GenerateConfig
    ) -> ModelResponse:
        return await wrapper(model, messages, tools, config, call_next)

    return call


class ModelHandle:
    """What a task sees: a model bound to one sample, counting its calls, tokens and time.

    ``seed`` (the sample's seed) is put into every call's config; this is the per-sample hot path,
    so it makes one config copy per call and keeps its counters as plain numbers."""

    def __init__(
        self, wrapped: WrappedModel, base_config: GenerateConfig, role: str, seed: int | None = None
    ) -> None:
        self.wrapped = wrapped
        self.base_config = base_config
        self.role = role
        self.seed = seed
        self.calls = 0
        self.seconds = 0.0
        self.input_tokens = 0
        self.output_tokens = 0
        self.cost: float | None = None
        self._seeded: GenerateConfig | None = None

    @property
    def spec(self) -> str:
        return self.wrapped.spec

    @property
    def serial(self) -> bool:
        """Whether the model is a serial in-process engine (:attr:`Model.serial`)."""
        return self.wrapped.model.serial

    @property
    def usage(self) -> Usage:
        return Usage(
            input_tokens=self.input_tokens, output_tokens=self.output_tokens, cost=self.cost
        )

    def _config(self, config: GenerateConfig | None, overrides: dict[str, Any]) -> GenerateConfig:
        if config is not None:
            return config.model_copy(update=overrides) if overrides else config
        if self.seed is None:
            return self.base_config.model_copy(update=overrides) if overrides else self.base_config
        if overrides:
            return self.base_config.model_copy(update={"seed": self.seed, **overrides})
        if self._seeded is None:
            self._seeded = self.base_config.model_copy(update={"seed": self.seed})
        return self._seeded

    async def generate(
        self,
        messages: list[Message],
        tools: list[ToolSpec] | None = None,
        config: GenerateConfig | None = None,
        **overrides: Any,
    ) -> ModelResponse:
        cfg = self._config(config, overrides)
        start = time.perf_counter()
        try:
            response = await self.wrapped.generate(messages, tools or None, cfg)
        finally:
            self.calls += 1
            self.seconds += time.perf_counter() - start
        usage = response.usage
        self.input_tokens += usage.input_tokens
        self.output_tokens += usage.output_tokens
        if usage.cost is not None:
            self.cost = (self.cost or 0.0) + usage.cost
        return response


def split_spec(spec: str) -> tuple[str, str]:
    provider, sep, name = spec.partition("/")
    if not sep or not provider or not name:
        raise UserError(
            f"model '{spec}' is not PROVIDER/NAME (for example {DEFAULT_MODEL}, "
            "litellm/openai/gpt-4o-mini, openai-compatible/my-model)"
        )
    return provider, name
