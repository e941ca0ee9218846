"""Do two simulated users judge the same agent transcript alike?

A transcript is a scenario and the agent's action strings. It is replayed once with a reference
user (the rule user), which fixes the state at every step (history, preferences still
available); at each ``[search]`` and ``[action]`` step both users are asked the same question
with the same inputs: the search verdict (``True``/``False``/``N/A`` and, for ``True``, the
aspect) and the utterance type (1-4 and, for type 2, the preference). A user's failure at a role
(bad JSON, unknown id) counts as its verdict ``failed``. Used by the plugin's
``bench/user_agreement.py``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from harness_userbench.episode import Episode, Rules
from harness_userbench.scenario import Scenario
from harness_userbench.users import UserSimError, UserSimulator


@dataclass
class Verdicts:
    """Paired verdicts, one per decision: (role, reference verdict, other verdict)."""

    pairs: list[tuple[str, str, str]] = field(default_factory=list)

    def agreement(self, role: str | None = None) -> tuple[int, int]:
        """(agreeing, total) over ``role`` ('search' / 'classify') or all."""
        sel = [p for p in self.pairs if role is None or p[0] == role]
        return sum(a == b for _, a, b in sel), len(sel)

    def confusion(self, role: str) -> Counter[tuple[str, str]]:
        return Counter((a, b) for r, a, b in self.pairs if r == role)


async def _verdict(role: str, user: UserSimulator, ep: Episode, text: str) -> str:
    try:
        if role == "search":
            v, aspect = await user.judge_search(text, ep.sc, ep.history)
            return f"True:{aspect}" if v == "True" else v
        kind, pid = await user.classify(text, ep.sc, ep.history, ep.available)
        return f"2:{pid}" if kind == 2 else str(kind)
    except UserSimError:
        return "failed"


async def compare(
    scenario: Scenario,
    actions: list[str],
    reference: UserSimulator,
    other: UserSimulator,
    into: Verdicts | None = None,
    seed: int = 0,
) -> Verdicts:
    """Replay ``actions`` with ``reference`` and ask ``other`` the same questions."""
    out = into if into is not None else Verdicts()
    ep = Episode(scenario, reference, Rules(max_steps=max(1, len(actions))), seed)
    for action in actions:
        if ep.done:
            break
        text = action.strip()
        role = "search" if text.startswith("[search]") else "classify"
        judged = text.startswith("[action]") or (
            role == "search"
            and (ep.searches["attempts"] + 1) % ep.rules.search_failure_interval != 0
        )  # every Nth search fails before any judge is asked
        if judged:
            body = text.split("]", 1)[1].strip()
            mine = await _verdict(role, reference, ep, body)
            out.pairs.append((role, mine, await _verdict(role, other, ep, body)))
        await ep.step(text)
    return out


def probe_actions(scenario: Scenario) -> list[str]:
    """A probe transcript with known intent: a full and a partial search per aspect, a search
    for two aspects, an unrelated one; a specific question per preference kind, a vague one,
    small talk, and a question no preference answers. Not an agent: a fixed mix of the
    decisions the judges must make."""
    from harness_userbench.aspects import ASPECT_WORDS

    acts: list[str] = []
    for aspect in scenario.dimensions:
        spec = scenario.aspects[aspect]  # type: ignore[index]
        word = ASPECT_WORDS[aspect][0]
        values = ", ".join(f"{k} {v}" for k, v in spec.arguments.items())
        acts.append(f"[search] {word}: {values}")
        first = next(iter(spec.arguments.values()), "")
        acts.append(f"[search] {word} {first}")
    acts.append("[search] cheapest flights and hotels everywhere")
    acts.append("[search] museum tickets")
    acts.append("[action] Any preferences at all?")
    acts.append("[action] Thanks, this is going to be a great trip.")
    for aspect in scenario.dimensions:
        for pref in scenario.aspects[aspect].preferences:  # type: ignore[index]
            acts.append(
                f"[action] For the {aspect.replace('_', ' ')}, what about {pref.subcategory}?"
            )
    acts.append("[action] Do you need a wheelchair-accessible entrance at the museum?")
    return acts


def summary(v: Verdicts) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for role in (None, "search", "classify"):
        ok, n = v.agreement(role)
        out[role or "all"] = {"agree": ok, "n": n, "rate": ok / n if n else None}
    return out
