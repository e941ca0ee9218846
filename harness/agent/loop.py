"""The one agent loop: model, environment and simulated user take turns here and nowhere else.

A task describes its episode and the loop runs it:

* the **protocol** (:mod:`harness.agent.protocols`): native function calling or a text protocol;
* the **rules** (:class:`Rules`): step, user-turn, format-error and token limits, one call or all
  calls of a turn, what a plain-text turn means (an answer, words to the user, or an action the
  environment judges without executing a tool), whether the user opens, an answer tool, and the
  generation settings of each agent turn;
* the **environment** (tools, which may change between turns, and their execution) and an
  optional **simulated user** (its own model and generation settings live in it).

One step is one agent model call. Every episode ends with a stop reason (:data:`StopReason`).
:class:`AgentLoop` keeps its conversation between :meth:`AgentLoop.run` calls, so an episode can
span several sessions with the environment's state carried over.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from harness.agent.protocols import NativeTools, ParsedTurn, ToolProtocol
from harness.agent.tools import check_tools
from harness.environment import Environment, SimulatedUser, StepResult, UserTurn
from harness.errors import ContextOverflowError, UserError
from harness.model import ModelHandle
from harness.schemas import Message, ModelResponse, ToolCall, ToolSpec

StopReason = Literal[
    "answer",  # a plain-text answer, or a call to the answer tool
    "env_done",  # the environment ended the episode (a transfer, a terminal state, truncation)
    "user_stop",  # the simulated user ended the conversation
    "max_steps",  # the agent used its model calls
    "max_user_turns",  # the agent spoke to the user once more than the user may answer
    "context_overflow",  # a prompt no longer fits the model's context window
    "budget",  # the agent spent its token budget
    "format_errors",  # too many malformed turns in a row
]


@dataclass
class Rules:
    """How an episode is shaped and when it stops (the defaults suit a one-user-message task)."""

    max_steps: int = 10
    max_user_turns: int | None = None
    #: malformed turns in a row that are answered and retried; one more stops the episode
    max_format_errors: int | None = None
    #: agent tokens (prompt + generated, over the sample) before the episode stops on "budget"
    max_agent_tokens: int | None = None
    calls_per_turn: Literal["all", "first"] = "all"
    ignored_call_note: str = "Ignored: one call per turn is carried out."
    #: auto: to the user when there is one, else the answer; environment: Environment.text_turn
    text_turn: Literal["auto", "answer", "user", "environment"] = "auto"
    user_opens: bool = False
    #: a call to this tool ends the episode with its arguments as the answer (never executed)
    answer_tool: ToolSpec | None = None
    #: a native call whose arguments did not parse is a format error, not passed to the env
    reject_unparsed_calls: bool = True
    #: generation settings of every agent turn, or a function of the step number (1-based)
    generate: dict[str, Any] | Callable[[int], dict[str, Any]] = field(default_factory=dict)
    #: the plugin or task, named in errors (an invalid tool schema)
    where: str = "agent task"

    def settings(self, step: int) -> dict[str, Any]:
        return self.generate(step) if callable(self.generate) else dict(self.generate)


@dataclass
class CallOutcome:
    """What became of one call of a turn."""

    call: ToolCall
    kind: Literal["call", "format_error", "answer", "ignored"]
    result: StepResult | None = None
    error: str | None = None


@dataclass
class TurnRecord:
    """One agent step as the loop saw it, for a task to record in its own terms."""

    step: int
    response: ModelResponse
    parsed: ParsedTurn
    kind: Literal["calls", "format_error", "text"]
    outcomes: list[CallOutcome] = field(default_factory=list)
    feedback: StepResult | None = None  # the environment's answer to a plain-text turn
    user: UserTurn | None = None


@dataclass
class AgentResult:
    """The episode: its transcript (system prompt first), counts, stop reason and turns."""

    messages: list[Message]
    steps: int
    stop_reason: str
    final_text: str
    rewards: list[float] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    turns: list[TurnRecord] = field(default_factory=list)
    user_turns: int = 0
    sessions: list[str] = field(default_factory=list)  # each session's stop reason
    #: indices into ``messages`` of the user messages the simulated user wrote
    user_messages: list[int] = field(default_factory=list)
    #: indices into ``messages`` of the environment's answers to text turns (user messages)
    env_messages: list[int] = field(default_factory=list)

    def record(self, budget: str | None = None) -> dict[str, Any]:
        """What every agent task puts in its SolveOutput.metadata (``simulated_user``: the
        indices of the transcript's user messages a simulated user wrote, when there are any;
        ``harness view`` marks them; ``environment_turns`` likewise for the environment's answers
        to text turns, which a simulated user inside the environment may write)."""
        out: dict[str, Any] = {"stop_reason": self.stop_reason, "turns": self.steps}
        if budget is not None:
            out["budget"] = budget
        if self.user_messages:
            out["simulated_user"] = list(self.user_messages)
        if self.env_messages:
            out["environment_turns"] = list(self.env_messages)
        return out


class AgentLoop:
    """Runs one episode (maybe over several sessions) of ``model`` in ``env``."""

    def __init__(
        self,
        model: ModelHandle,
        env: Environment,
        protocol: ToolProtocol | None = None,
        rules: Rules | None = None,
        user: SimulatedUser | None = None,
        system: str | None = None,
        tools: Callable[[], list[ToolSpec]] | None = None,
    ) -> None:
        self.model = model
        self.env = env
        self.protocol = protocol or NativeTools()
        self.rules = rules or Rules()
        self.user = user
        self.system = system
        self._tool_source = tools or env.tools
        self.convo: list[Message] = []
        self.steps = self.total_steps = self.user_turns = 0
        self.final_text = ""
        self.rewards: list[float] = []
        self.events: list[dict[str, Any]] = []
        self.turns: list[TurnRecord] = []
        self.sessions: list[str] = []
        self._user_at: list[int] = []  # convo indices of the simulated user's messages
        self._env_at: list[int] = []  # convo indices of the environment's text-turn answers
        self._format_errors = 0
        self._checked: list[ToolSpec] | None = None
        self._system_text: str | None = None

    # ------------------------------------------------------------------ the episode

    async def run(
        self,
        messages: list[Message] | None = None,
        carry: Callable[[list[Message]], list[Message]] | None = None,
    ) -> AgentResult:
        """Run one session: ``messages`` open it, appended to what earlier sessions left, or to
        ``carry(previous conversation)`` (a summary, the last few turns) when given. The
        environment's state always carries over."""
        if carry is not None:
            self.convo = list(carry(self.convo))
            self._user_at, self._env_at = [], []  # a carried conversation is a new one
        self.convo.extend(messages or [])
        self.steps = 0
        self._format_errors = 0
        self._tools()  # checks the schemas before any model call
        self._check_text_turns()
        stop = await self._user_turn() if self.rules.user_opens else None
        while stop is None:
            stop = self._limit_reached() or await self._step()
        self.sessions.append(stop)
        return AgentResult(
            messages=self.transcript(),
            steps=self.total_steps,
            stop_reason=stop,
            final_text=self.final_text,
            rewards=list(self.rewards),
            events=list(self.events),
            turns=list(self.turns),
            user_turns=self.user_turns,
            sessions=list(self.sessions),
            user_messages=[i + bool(self._system_text) for i in self._user_at],
            env_messages=[i + bool(self._system_text) for i in self._env_at],
        )

    def transcript(self) -> list[Message]:
        system = [Message(role="system", content=self._system_text)] if self._system_text else []
        return [*system, *self.convo]

    def _current_user(self) -> SimulatedUser | None:
        return self.user if self.user is not None else self.env.user

    def _limit_reached(self) -> str | None:
        if self.env.done:
            return "env_done"
        if self.steps >= self.rules.max_steps:
            return "max_steps"
        cap = self.rules.max_agent_tokens
        if cap is not None and self.model.input_tokens + self.model.output_tokens >= cap:
            return "budget"
        return None

    def _tools(self) -> list[ToolSpec]:
        """The tools now (they may change during an episode), checked whenever they change."""
        tools = list(self._tool_source())
        if self.rules.answer_tool is not None:
            tools.append(self.rules.answer_tool)
        if tools != self._checked:
            check_tools(tools, self.rules.where)
            self._checked = tools
            self._system_text = self.protocol.system_prompt(self.system, tools)
        return tools

    async def _step(self) -> str | None:
        self.steps += 1
        self.total_steps += 1
        tools = self._tools()
        try:
            response = await self.model.generate(
                self.transcript(),
                tools if self.protocol.native else None,
                **self.rules.settings(self.total_steps),
            )
        except ContextOverflowError:
            return "context_overflow"
        message, turn = self._read(response)
        self.convo.append(message)
        if turn.error is not None:
            return self._format_error(response, turn)
        self._format_errors = 0
        if turn.calls:
            return await self._calls(response, turn)
        return await self._text_turn(response, turn)

    def _read(self, response: ModelResponse) -> tuple[Message, ParsedTurn]:
        """Whatever the reply, a transcript message and a turn: a reply the protocol cannot read
        (no text at all, a parser that raises) is a format-error turn, never a crash."""
        try:
            return self.protocol.assistant_message(response), self.protocol.parse(response)
        except Exception as exc:  # a reply the protocol could not read is the model's error
            text = response.text if isinstance(response.text, str) else ""
            error = f"unreadable reply ({type(exc).__name__}: {str(exc)[:200]})"
            return Message(role="assistant", content=text), ParsedTurn(error=error, text=text)

    def _format_error(self, response: ModelResponse, turn: ParsedTurn) -> str | None:
        assert turn.error is not None
        self.events.append({"step": self.total_steps, "type": "parse_error", "detail": turn.error})
        self.turns.append(TurnRecord(self.total_steps, response, turn, "format_error"))
        self.convo.append(self.protocol.error_message(turn.error, turn))
        self._format_errors += 1
        cap = self.rules.max_format_errors
        return "format_errors" if cap is not None and self._format_errors > cap else None

    # ------------------------------------------------------------------ calls

    async def _calls(self, response: ModelResponse, turn: ParsedTurn) -> str | None:
        record = TurnRecord(self.total_steps, response, turn, "calls")
        self.turns.append(record)
        for i, call in enumerate(turn.calls):
            outcome = await self._call(call, ignored=i > 0 and self.rules.calls_per_turn == "first")
            record.outcomes.append(outcome)
            if outcome.kind == "answer":
                self.final_text = turn.text
                return "answer"
        if self.env.done:
            self.final_text = turn.text
            return "env_done"
        return None

    async def _call(self, call: ToolCall, ignored: bool) -> CallOutcome:
        note = self.rules.ignored_call_note
        if ignored:
            self.convo.append(self.protocol.result_message(call, StepResult(content=note)))
            return CallOutcome(call, "ignored")
        if call.parse_error and self.rules.reject_unparsed_calls:
            self.events.append({"step": self.total_steps, "type": "parse_error", "name": call.name})
            self.convo.append(self.protocol.call_error_message(call, call.parse_error))
            return CallOutcome(call, "format_error", error=call.parse_error)
        answer = self.rules.answer_tool
        if answer is not None and call.name == answer.name:
            return CallOutcome(call, "answer")
        result = await self.env.step(call)
        self.rewards.append(result.reward)
        self.events.append(
            {
                "step": self.total_steps,
                "type": "tool",
                "name": call.name,
                "error": result.is_error,
                "reward": result.reward,
            }
        )
        self.convo.append(self.protocol.result_message(call, result))
        return CallOutcome(call, "call", result=result)

    # ------------------------------------------------------------------ text turns

    def _check_text_turns(self) -> None:
        """Rules that send text turns to the environment need one that judges them: say so
        before any model call, not at the first text turn."""
        if self.rules.text_turn == "environment" and (
            type(self.env).text_turn is Environment.text_turn
        ):
            raise UserError(
                f"{self.rules.where or 'this task'}: text turns go to the environment, but "
                f"environment {self.env.name!r} does not implement text_turn()"
            )

    async def _text_turn(self, response: ModelResponse, turn: ParsedTurn) -> str | None:
        record = TurnRecord(self.total_steps, response, turn, "text")
        self.turns.append(record)
        self.final_text = turn.text
        mode = self.rules.text_turn
        if mode == "auto":
            mode = "user" if self._current_user() is not None else "answer"
        if mode == "answer":
            return "answer"
        if mode == "environment":
            record.feedback = result = await self.env.text_turn(turn.text)
            self.rewards.append(result.reward)
            self.events.append({"step": self.total_steps, "type": "feedback", **result.info})
            self._env_at.append(len(self.convo))
            self.convo.append(self.protocol.feedback_message(result))
            return "env_done" if self.env.done else None
        cap = self.rules.max_user_turns
        if cap is not None and self.user_turns >= cap:
            return "max_user_turns"
        return await self._user_turn(record)

    async def _user_turn(self, record: TurnRecord | None = None) -> str | None:
        user = self._current_user()
        if user is None:
            raise ValueError(
                f"{self.rules.where}: the rules send a turn to a user, but none is set"
            )
        try:
            if self.convo or not self.rules.user_opens:
                said = await user.respond(self.convo)
            else:
                said = UserTurn(content=await user.start())
        except ContextOverflowError:
            return "context_overflow"
        self.user_turns += 1
        if record is not None:
            record.user = said
        self.events.append({"step": self.total_steps, "type": "user", **said.info})
        self._user_at.append(len(self.convo))
        self.convo.append(Message(role="user", content=said.content))
        return "user_stop" if said.done or self.env.done else None


async def run_agent(
    model: ModelHandle,
    env: Environment,
    messages: list[Message],
    protocol: ToolProtocol | None = None,
    system: str | None = None,
    max_steps: int = 10,
) -> AgentResult:
    """A one-session episode with default rules: until an answer, the environment or user ends
    it, or ``max_steps``. ``messages`` (without the system prompt) is extended in place with the
    conversation; the result's ``messages`` hold it without the system prompt too."""
    loop = AgentLoop(model, env, protocol, Rules(max_steps=max_steps), system=system)
    result = await loop.run(list(messages))
    messages[:] = loop.convo
    result.messages = list(loop.convo)
    return result
