"""Pydantic models of the released PersonaBench schema (inferred from its v1 data and README).

The same models check our generated communities and a user's copy of the released data, so one
loader reads both. ``json_schemas()`` publishes them as JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

SegmentId = str | int
Answer = str | int | list[Any] | None


class _Loose(BaseModel):
    """Released records may carry fields we do not use: keep them, validate the ones we read."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)


class Node(_Loose):
    node: str = Field(description="The person's name (the node id).")
    properties: dict[str, Any] = Field(description="name and persona (a one-line seed).")


class Edge(_Loose):
    source: str = Field(description="Name of one person.")
    target: str = Field(description="Name of the other person.")
    properties: dict[str, Any] = Field(
        description="relationship (sister, colleague ...) and description."
    )


class SocialGraph(_Loose):
    nodes: list[Node] = Field(description="People of the community.")
    edges: list[Edge] = Field(default_factory=list, description="Typed relationships.")


class Turn(_Loose):
    role: str = Field(description="Speaker: a person's name, or user / assistant.")
    content: str = Field(description="What was said.")


class ConversationSession(_Loose):
    session: int | str = Field(description="Session number within the document.")
    time: str = Field(description="When the session took place.")
    target_name: str | None = Field(default=None, description="Who the person talks with.")
    conversation: list[Turn] = Field(description="The turns of the conversation.")
    segment_id: SegmentId = Field(description="Id the questions' ground truth refers to.")


class Conversations(_Loose):
    Target_name: str = Field(description="The other person of these sessions.")
    Conversations: list[ConversationSession] = Field(description="Sessions with that person.")


class InteractionSession(_Loose):
    session: int | str = Field(description="Session number within the document.")
    time: str = Field(description="When the session took place.")
    user_ai_interaction: list[Turn] = Field(description="user / assistant turns.")
    segment_id: SegmentId = Field(description="Id the questions' ground truth refers to.")


class PurchaseItem(_Loose):
    title: str = Field(description="Product title.")
    description: str = Field(default="", description="Product description.")
    brand: str = Field(default="", description="Brand.")
    categories: str | list[str] = Field(default="", description="Product categories.")


class PurchaseSession(_Loose):
    session: int | str = Field(description="Session number within the document.")
    time: str = Field(description="When the purchase happened.")
    purchase_history: list[PurchaseItem] = Field(description="Items bought in this session.")
    segment_id: SegmentId = Field(description="Id the questions' ground truth refers to.")


class PersonDocuments(_Loose):
    """One person's private documents at one noise level."""

    conversation_data: list[Conversations] = Field(default_factory=list, description="Chats.")
    user_ai_interaction_data: list[InteractionSession] = Field(
        default_factory=list, description="Sessions with an AI assistant."
    )
    purchase_history_data: list[PurchaseSession] = Field(
        default_factory=list, description="Purchases."
    )


QuestionType = Literal["Basic information", "Preference", "Social", "Subjective"]


class Question(_Loose):
    q_id: int | str = Field(description="Question id, unique per person.")
    question: str = Field(description="The question about the person.")
    answer: Answer = Field(description="str, int, list of str, or list of dicts.")
    type: QuestionType = Field(description="Basic information, Preference, Social or Subjective.")
    difficulty: str = Field(default="easy", description="easy or hard.")
    outdated_value: Answer = Field(default=None, description="Stale values, or null.")


class QAInfo(_Loose):
    qa: list[Question] = Field(description="The person's questions.")


class PersonQuestions(_Loose):
    Name: str = Field(description="The person the questions are about.")
    Eval_Info: QAInfo = Field(description="Wrapper of the questions, as released.")


class GroundTruth(_Loose):
    """Which segments support each answer item (any one id of an item suffices)."""

    q_id: int | str = Field(description="The question's id.")
    Name: str | None = Field(default=None, description="The person (ours; optional in release).")
    question: str = Field(default="", description="The question text.")
    answer: Answer = Field(default=None, description="The answer.")
    segment_id: dict[str, list[SegmentId]] = Field(
        description="answer item -> segment ids that state it."
    )


def json_schemas() -> dict[str, dict[str, Any]]:
    """The JSON Schemas of every file the plugin reads or writes."""
    return {
        "social_graph": SocialGraph.model_json_schema(),
        "person_documents": PersonDocuments.model_json_schema(),
        "eval_info_all": TypeAdapter(list[PersonQuestions]).json_schema(),
        "qa_gt_context": TypeAdapter(list[GroundTruth]).json_schema(),
    }


def write_schema_files(folder: Path) -> list[Path]:
    """Write ``<name>.schema.json`` for every schema (bundled in data/schemas; tested current)."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name, schema in json_schemas().items():
        path = folder / f"{name}.schema.json"
        path.write_text(json.dumps(schema, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        out.append(path)
    return out
