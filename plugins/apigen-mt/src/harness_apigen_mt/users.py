"""The simulated human: an LLM (role ``user``) that plays a customer from an instruction.

It sees the agent's messages as the other party and writes one short message per turn; it ends
the conversation by writing ``###STOP###``. Optional best-of-N: N candidate turns are sampled and a
critic (role ``user-critic``) scores each 0-10 for faithfulness to the instruction; the best wins.
"""

from __future__ import annotations

import re
from typing import Any

from harness.environment import SimulatedUser, UserTurn
from harness.model import ModelHandle
from harness.schemas import Message

STOP = "###STOP###"

USER_SYSTEM = """You are role-playing a customer who contacts a customer-service agent. Stay in \
character; you are the customer, never the agent.

Your situation and goal:
{instruction}
{persona}
How to behave:
- Write one short, natural message per turn, as a customer would.
- Give details (name, zip code, email, order or reservation ids) only when the agent asks \
for them, and only the ones written above. Never invent details that are not above.
- Say clearly what you want; confirm with "yes" when the agent lists exactly the change you want.
- When your goal is done, or it clearly cannot be done, write {stop} and nothing else."""

CRITIC_SYSTEM = """You judge a simulated customer's next message. The customer's instruction is:
{instruction}
Score the candidate message from 0 (unfaithful: invents facts, acts as the agent, off-goal) to 10 \
(faithful, natural, moves toward the goal). Reply with only the number."""


class LLMUser(SimulatedUser):
    """A customer played by a model from an instruction (and an optional persona)."""

    def __init__(
        self,
        model: ModelHandle,
        instruction: str,
        persona: str | None = None,
        best_of: int = 1,
        critic: ModelHandle | None = None,
        max_tokens: int = 96,
    ) -> None:
        self.model = model
        self.instruction = instruction
        self.persona = persona
        self.best_of = max(1, best_of)
        self.critic = critic
        self.max_tokens = max_tokens
        self.log: list[dict[str, Any]] = []

    def _system(self) -> str:
        persona = f"\nYour persona: {self.persona}\n" if self.persona else ""
        return USER_SYSTEM.format(instruction=self.instruction, persona=persona, stop=STOP)

    def _flip(self, messages: list[Message]) -> list[Message]:
        """The conversation from the customer's side: agent text is 'user', ours 'assistant'."""
        out = [Message(role="system", content=self._system())]
        for m in messages:
            if m.role == "assistant" and m.content and not m.tool_calls:
                out.append(Message(role="user", content=m.content))
            elif m.role == "user":
                out.append(Message(role="assistant", content=m.content))
        if len(out) == 1 or out[-1].role != "user":
            out.append(Message(role="user", content="Hi! How can I help you today?"))
        return out

    async def start(self) -> str:
        return (await self.respond([])).content

    async def respond(self, messages: list[Message]) -> UserTurn:
        prompt = self._flip(messages)
        if self.best_of == 1:
            text = (await self.model.generate(prompt, max_tokens=self.max_tokens)).text
            scores: list[float] = []
        else:
            cands = [
                (
                    await self.model.generate(
                        prompt, max_tokens=self.max_tokens, temperature=0.8, seed=i
                    )
                ).text
                for i in range(self.best_of)
            ]
            scores = [await self._score(prompt, c) for c in cands]
            text = cands[max(range(len(cands)), key=lambda i: scores[i])]
        text = text.strip() or STOP
        done = STOP in text
        self.log.append({"text": text, "candidate_scores": scores})
        return UserTurn(content=text, done=done, info={"best_of_scores": scores})

    async def _score(self, prompt: list[Message], candidate: str) -> float:
        judge = self.critic or self.model
        last = prompt[-1].content if prompt else ""
        reply = await judge.generate(
            [
                Message(role="system", content=CRITIC_SYSTEM.format(instruction=self.instruction)),
                Message(
                    role="user",
                    content=f"Agent said: {last}\nCandidate customer message: "
                    f"{candidate}\nScore 0-10:",
                ),
            ],
            max_tokens=4,
        )
        match = re.search(r"\d+(\.\d+)?", reply.text)
        return min(10.0, float(match.group(0))) if match else 0.0
