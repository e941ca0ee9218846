"""The simulated user's roles: judge a search, classify an utterance, reveal, volunteer, chat.

``RuleUser`` is deterministic (keywords and templates) for offline tests and cheap runs;
``ModelUser`` fills every role with any harness model (``ctx.role("user")``), asking for JSON.
A role that fails raises :class:`UserSimError`; the episode logs it apart from the agent's
mistakes and falls back the way the released environment does.
"""

from __future__ import annotations

import json
import random
import re
from abc import ABC, abstractmethod
from typing import Any

from harness_userbench.aspects import ASPECT_WORDS, ASPECTS, PREFERENCES
from harness_userbench.scenario import Preference, Scenario

History = list[dict[str, str]]


class UserSimError(Exception):
    """The simulated user failed at one role (bad JSON, refusal, unknown id...)."""

    def __init__(self, role: str, reason: str, raw: str = "") -> None:
        super().__init__(f"{role}: {reason}")
        self.role, self.reason, self.raw = role, reason, raw


class UserSimulator(ABC):
    kind: str = ""

    @abstractmethod
    async def judge_search(
        self, query: str, scenario: Scenario, history: History
    ) -> tuple[str, str | None]:
        """("True" | "False" | "N/A", aspect or None)."""

    @abstractmethod
    async def classify(
        self,
        utterance: str,
        scenario: Scenario,
        history: History,
        available: list[tuple[str, Preference]],
    ) -> tuple[int, str | None]:
        """(type 1-4, preference id for type 2)."""

    @abstractmethod
    async def reveal(self, aspect: str, pref: Preference, history: History, utterance: str) -> str:
        """Answer a question that matches ``pref``, hinting at it indirectly."""

    @abstractmethod
    async def volunteer(
        self, aspect: str, pref: Preference, history: History, utterance: str
    ) -> str:
        """Reply to an off-topic turn and bring up ``pref`` unasked."""

    @abstractmethod
    async def chat(self, history: History, utterance: str) -> str:
        """Small talk."""


# ------------------------------------------------------------------ rule-based

QUESTION_START = re.compile(
    r"^(what|which|how|do|does|did|would|will|are|is|can|could|should|any|when|where|who|"
    r"shall|may|have|has)\b"
)
ASKING = [
    "tell me",
    "let me know",
    "share",
    "describe",
    "prefer",
    "would you like",
    "i wonder",
    "could you",
    "please specify",
]
SPECIFIC_WORDS = [
    "budget",
    "price",
    "cost",
    "cheap",
    "expensive",
    "date",
    "color",
    "colour",
    "view",
    "floor",
    "brand",
    "size",
    "music",
    "wine",
    "dessert",
    "smoking",
    "balcony",
    "spa",
    "shuttle",
    "bluetooth",
    "mileage",
    "duration",
    "window",
]


def _has_word(text: str, word: str) -> bool:
    return re.search(r"\b" + re.escape(word) + r"(s|es)?\b", text) is not None


def aspects_named(text: str) -> list[str]:
    low = text.lower()
    return [a for a in ASPECTS if any(_has_word(low, w) for w in ASPECT_WORDS[a])]


def _keywords(aspect: str, subcategory: str) -> list[str]:
    for kind in PREFERENCES.get(aspect, []):
        if kind.subcategory == subcategory:
            return kind.keywords
    return [w for w in re.split(r"[_\s/-]+", subcategory.lower()) if len(w) > 2]


ALL_KEYWORDS = sorted({k for kinds in PREFERENCES.values() for p in kinds for k in p.keywords})


def is_question(text: str) -> bool:
    low = text.lower().strip()
    return "?" in low or bool(QUESTION_START.match(low)) or any(a in low for a in ASKING)


REVEAL_LEADS = ["Hmm, good question. ", "Let me think. ", "Well, ", "Honestly? ", "Ah, ", ""]
VOLUNTEER_LEADS = [
    "Sure. By the way, ",
    "Okay. Oh, and one more thing: ",
    "Right. Also, ",
    "Fair enough. Something I forgot to mention: ",
]
CHAT_REPLIES = [
    "That sounds good to me.",
    "Thanks, I appreciate the help.",
    "Okay, sounds reasonable.",
    "Great, I'm looking forward to this trip.",
    "Sure, go ahead.",
    "Thanks! Let's keep going.",
]
NO_SUCH_PREFERENCE = (
    "Good question, but I don't have anything particular in mind about that "
    "(or I've told you already). Feel free to ask me about other specifics."
)
TOO_VAGUE = (
    "That's a bit too broad for me to answer. Could you ask about something concrete, "
    "one detail of the trip at a time?"
)


class RuleUser(UserSimulator):
    """Keyword rules and templates; deterministic for a given seed."""

    kind = "rule"

    def __init__(self, seed: int = 0) -> None:
        self.rng = random.Random(seed)

    async def judge_search(
        self, query: str, scenario: Scenario, history: History
    ) -> tuple[str, str | None]:
        named = aspects_named(query)
        if not named:
            return "N/A", None
        if len(named) > 1:
            return "False", None
        aspect = named[0]
        if aspect not in scenario.dimensions:
            return "N/A", aspect
        args = scenario.aspects[aspect].arguments  # type: ignore[index]
        place = args.get("destination") or args.get("city")
        if isinstance(place, str) and place.lower() not in query.lower():
            return "False", aspect
        return "True", aspect

    async def classify(
        self,
        utterance: str,
        scenario: Scenario,
        history: History,
        available: list[tuple[str, Preference]],
    ) -> tuple[int, str | None]:
        text = utterance.strip()
        if not text:
            return 4, None
        if not is_question(text):
            return 1, None
        low = text.lower()
        named = aspects_named(low)
        for aspect, pref in available:
            if named and aspect not in named:
                continue
            if any(k in low for k in _keywords(aspect, pref.subcategory)):
                return 2, pref.id
        if any(k in low for k in ALL_KEYWORDS) or any(_has_word(low, w) for w in SPECIFIC_WORDS):
            return 3, None
        return 4, None

    async def reveal(self, aspect: str, pref: Preference, history: History, utterance: str) -> str:
        return self.rng.choice(REVEAL_LEADS) + pref.implicit

    async def volunteer(
        self, aspect: str, pref: Preference, history: History, utterance: str
    ) -> str:
        lead, text = self.rng.choice(VOLUNTEER_LEADS), pref.implicit
        keep = re.match(r"^(I\b|I'|[A-Z]{2})", text) is not None
        return lead + (text if keep else text[0].lower() + text[1:])

    async def chat(self, history: History, utterance: str) -> str:
        return self.rng.choice(CHAT_REPLIES)


# ------------------------------------------------------------------ any harness model

SEARCH_SYSTEM = (
    "You check one database search request from a travel agent against the correct search "
    "arguments of the trip's travel aspects. Be strict. Verdict 'True' only when the request is "
    "one clear request about exactly one listed aspect AND it states every argument listed for "
    "that aspect, each with the right value. 'False': any listed argument is missing or has a "
    "wrong value, or the request is vague, ambiguous, or asks for several things at once. "
    "'N/A': it concerns none of the listed aspects. Reply with JSON only: "
    '{"verdict": "True" | "False" | "N/A", "aspect": "<aspect name or empty>"}.'
)
CLASSIFY_SYSTEM = (
    "You play a traveller with hidden preferences, talking to a travel agent. Classify the "
    "agent's latest message. 1: small talk, or a statement that asks nothing specific. 2: a "
    "specific question that one of your listed preferences answers; give that preference's id. "
    "3: a specific question, but about something none of your listed preferences covers. 4: a "
    "vague, general question such as 'any preferences?'. Reply with JSON only: "
    '{"type": 1 | 2 | 3 | 4, "preference_id": "<id, or empty>"}.'
)
REVEAL_SYSTEM = (
    "You play a traveller talking to a travel agent, who just asked about something you care "
    "about. Answer in one to three natural sentences that hint at the preference indirectly, "
    "in the spirit of the hint you are given. Never state it outright as a rule, a number or "
    'a product feature. Reply with JSON only: {"response": "..."}.'
)
VOLUNTEER_SYSTEM = (
    "You play a traveller talking to a travel agent. The conversation has drifted away from "
    "what you need. Reply to the agent's message in one to three natural sentences and, along "
    "the way, bring up the hint you are given indirectly, without stating the preference "
    'outright. Reply with JSON only: {"response": "..."}.'
)
CHAT_SYSTEM = (
    "You play a traveller talking to a travel agent. Reply to the agent's latest message "
    "naturally and briefly (one or two sentences). Do not volunteer any preferences. Reply "
    'with JSON only: {"response": "..."}.'
)
REFUSAL = re.compile(
    r"\b(i can(no|')t (help|assist)|as an ai\b|i'm sorry, but i\b|i(?: am|'m) (unable|not able)"
    r" to (help|assist))",
    re.I,
)


def render_history(history: History, last: int = 12) -> str:
    names = {"agent": "Agent", "user": "You", "database": "Database"}
    lines = [f"{names.get(h['role'], h['role'])}: {h['content']}" for h in history[-last:]]
    return "\n".join(lines) or "(nothing yet)"


def _schema(props: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": props,
        "required": list(props),
        "additionalProperties": False,
    }


def _parse(role: str, text: str) -> dict[str, Any]:
    match = re.search(r"\{.*\}", text, re.DOTALL)
    if not match:
        raise UserSimError(role, "no JSON object in the reply", text)
    try:
        obj = json.loads(match.group(0))
    except ValueError as exc:
        raise UserSimError(role, f"invalid JSON ({exc})", text) from None
    if not isinstance(obj, dict):
        raise UserSimError(role, "the JSON is not an object", text)
    return obj


class ModelUser(UserSimulator):
    """Every role played by a harness model (any provider), answers constrained to JSON."""

    kind = "llm"

    def __init__(self, handle: Any, max_tokens: int = 192) -> None:
        self.handle = handle
        self.max_tokens = max_tokens

    async def _ask(
        self, role: str, system: str, prompt: str, schema: dict[str, Any]
    ) -> dict[str, Any]:
        from harness.schemas import Message

        try:
            resp = await self.handle.generate(
                [Message(role="system", content=system), Message(role="user", content=prompt)],
                json_schema=schema,
                max_tokens=self.max_tokens,
                temperature=0.0,
            )
        except Exception as exc:  # a model error is the user's failure, not the agent's
            raise UserSimError(role, f"model call failed: {type(exc).__name__}: {exc}") from None
        return _parse(role, resp.text)

    async def judge_search(
        self, query: str, scenario: Scenario, history: History
    ) -> tuple[str, str | None]:
        args = "\n".join(
            f"Aspect {a}: {json.dumps(scenario.aspects[a].arguments)}"  # type: ignore[index]
            for a in scenario.dimensions
        )
        obj = await self._ask(
            "judge_search",
            SEARCH_SYSTEM,
            f"Correct arguments:\n{args}\n\nSearch request: {query}",
            _schema({"verdict": {"enum": ["True", "False", "N/A"]}, "aspect": {"type": "string"}}),
        )
        verdict = str(obj.get("verdict", "")).strip()
        if verdict not in ("True", "False", "N/A"):
            raise UserSimError("judge_search", f"unknown verdict {verdict!r}", json.dumps(obj))
        aspect = str(obj.get("aspect") or "").strip().lower().replace(" ", "_")
        aspect = {"car_rental": "rental_car", "car": "rental_car"}.get(aspect, aspect)
        return verdict, aspect or None

    async def classify(
        self,
        utterance: str,
        scenario: Scenario,
        history: History,
        available: list[tuple[str, Preference]],
    ) -> tuple[int, str | None]:
        prefs = "\n".join(f"- id {p.id} ({a}): {p.text}" for a, p in available) or "(none left)"
        prompt = (
            f"Trip: {scenario.scenario}\nConversation so far:\n{render_history(history)}"
            f"\n\nYour hidden preferences:\n{prefs}\n\nAgent's latest message: {utterance}"
        )
        ids = [p.id for _, p in available] + [""]
        obj = await self._ask(
            "classify",
            CLASSIFY_SYSTEM,
            prompt,
            _schema({"type": {"enum": [1, 2, 3, 4]}, "preference_id": {"enum": ids}}),
        )
        try:
            kind = int(str(obj.get("type")).strip())
        except ValueError:
            raise UserSimError(
                "classify", f"type {obj.get('type')!r} is not 1-4", json.dumps(obj)
            ) from None
        if kind not in (1, 2, 3, 4):
            raise UserSimError("classify", f"type {kind} is not 1-4", json.dumps(obj))
        pid = str(obj.get("preference_id") or "").strip() or None
        if kind == 2 and pid not in ids[:-1]:
            raise UserSimError(
                "classify", f"type 2 with unknown preference id {pid!r}", json.dumps(obj)
            )
        return kind, pid

    async def _say(self, role: str, system: str, prompt: str) -> str:
        obj = await self._ask(role, system, prompt, _schema({"response": {"type": "string"}}))
        text = str(obj.get("response") or "").strip()
        if not text:
            raise UserSimError(role, "empty response", json.dumps(obj))
        if REFUSAL.search(text):
            raise UserSimError(role, "refusal", text)
        return text

    async def reveal(self, aspect: str, pref: Preference, history: History, utterance: str) -> str:
        return await self._say(
            "reveal",
            REVEAL_SYSTEM,
            (
                f"Conversation so far:\n{render_history(history)}\n\nYour preference ({aspect}): "
                f"{pref.text}\nHint to convey: {pref.implicit}\n\nAgent's latest message: "
                f"{utterance}"
            ),
        )

    async def volunteer(
        self, aspect: str, pref: Preference, history: History, utterance: str
    ) -> str:
        return await self._say(
            "volunteer",
            VOLUNTEER_SYSTEM,
            (
                f"Conversation so far:\n{render_history(history)}\n\nYour preference ({aspect}): "
                f"{pref.text}\nHint to convey: {pref.implicit}\n\nAgent's latest message: "
                f"{utterance}"
            ),
        )

    async def chat(self, history: History, utterance: str) -> str:
        return await self._say(
            "chat",
            CHAT_SYSTEM,
            (
                f"Conversation so far:\n{render_history(history)}\n\nAgent's latest message: "
                f"{utterance}"
            ),
        )
