"""The ``personabench`` (retrieve, then answer) and ``personabench-retrieval`` tasks.

One model call per question: the question and the retrieved sessions go to ``ctx.model`` with
a fixed instruction to answer with entity names only. ``retriever=gt-context`` feeds the
ground-truth sessions instead (no retrieval metrics then). ``noise=all`` runs every level, and
results break down by ``category`` and ``noise`` (plus a noise x category table in ``extra``)."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from harness.context import SolveContext
from harness.errors import UserError
from harness.metric import Metric
from harness.schemas import Message, Sample, SampleRecord, SolveOutput
from harness.task import Task
from harness_personabench.data import BUNDLED, NOISE_LEVELS, Community, community_dirs
from harness_personabench.data import load_community as _load
from harness_personabench.metrics import all_metrics
from harness_personabench.retrieval import Retriever, make_retriever

SYSTEM = (
    "You answer questions about one person using excerpts from their private documents "
    "(chats with people, chats with an AI assistant, purchases). Reply with the answer only: "
    "the entity name or names, comma-separated, no explanation."
)


class PersonaBenchOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    noise: str = Field(default="0.5", description="0.0, 0.3, 0.5, 0.7, a comma list, or all.")
    data_dir: str | None = Field(
        default=None,
        description="A community folder, or a folder of community_* folders, in the released "
        "layout (default: the bundled synthetic community).",
    )
    retriever: Literal["dense", "bm25", "hybrid", "gt-context", "scripted"] = Field(
        default="dense", description="How sessions are chosen for the prompt."
    )
    embedding_model: str = Field(
        default="minilm",
        description="Dense model: minilm (all-MiniLM-L6-v2, packaged offline) or any "
        "sentence-transformers name or path.",
    )
    top_k: int = Field(default=5, ge=1, le=50, description="Sessions retrieved per question.")
    scripted_recall: float = Field(
        default=1.0, ge=0, le=1, description="retriever=scripted: share of answer items found."
    )
    include_subjective: bool = Field(
        default=False, description="Also run Subjective questions (never scored, as the paper)."
    )
    max_tokens: int = Field(default=48, ge=4, description="Tokens of the answer.")


def category(q_type: str, difficulty: str) -> str:
    """The original's category: only Preference keeps its difficulty (Social hard -> easy)."""
    diff = difficulty if q_type == "Preference" else "easy"
    return "_".join(q_type.split() + diff.split())


def parse_noise(text: str) -> list[float]:
    if text.strip() == "all":
        return list(NOISE_LEVELS)
    try:
        return [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise UserError(f"noise: {text!r} is not 'all' or a comma list of levels") from None


class PersonaBenchTask(Task):
    roles = ()
    name = "personabench"
    description = "PersonaBench: retrieve a user's private sessions, answer personal questions."
    Options = PersonaBenchOptions
    group_by = ["category", "noise"]
    answers = True

    def __init__(self, options: BaseModel | None = None) -> None:
        super().__init__(options)
        self._communities: dict[tuple[str, float], Community] = {}
        self._retrievers: dict[tuple[str, float], Retriever] = {}
        self._roots: dict[str, Path] = {}

    def community(self, name: str, noise: float) -> Community:
        if (name, noise) not in self._communities:
            if not self._roots:
                self._roots = {p.name: p for p in community_dirs(self._root())}
            self._communities[(name, noise)] = _load(self._roots[name], noise)
        return self._communities[(name, noise)]

    def _root(self) -> Path:
        o: PersonaBenchOptions = self.options
        root = Path(o.data_dir).expanduser() if o.data_dir else BUNDLED
        if not root.is_dir():
            raise UserError(f"personabench: data_dir {root} is not a folder")
        return root

    def samples(self) -> Iterable[Sample]:
        o: PersonaBenchOptions = self.options
        self._roots = {p.name: p for p in community_dirs(self._root())}
        for name in self._roots:
            for noise in parse_noise(o.noise):
                com = self.community(name, noise)
                for it in com.items:
                    q = it.question
                    if q.type == "Subjective" and not o.include_subjective:
                        continue
                    yield Sample(
                        id=f"{name}/{noise}/{it.person}/{q.q_id}",
                        input=q.question,
                        target=q.answer,
                        metadata={
                            "community": name,
                            "noise": noise,
                            "person": it.person,
                            "q_id": q.q_id,
                            "type": q.type,
                            "difficulty": q.difficulty,
                            "category": category(q.type, q.difficulty),
                            "gt": it.gt,
                            "outdated_value": q.outdated_value,
                        },
                    )

    def retriever(self, name: str, noise: float) -> Retriever:
        o: PersonaBenchOptions = self.options
        if (name, noise) not in self._retrievers:
            chunks = self.community(name, noise).chunks
            self._retrievers[(name, noise)] = make_retriever(
                o.retriever, chunks, o.embedding_model, o.scripted_recall
            )
        return self._retrievers[(name, noise)]

    async def context_ids(self, sample: Sample) -> tuple[list[str], bool]:
        """The segment ids to show, and whether they came from a retriever."""
        o: PersonaBenchOptions = self.options
        md = sample.metadata
        gt = md.get("gt") or {}
        if o.retriever == "gt-context":
            return list(dict.fromkeys(s for v in gt.values() for s in v)), False
        r = self.retriever(md["community"], md["noise"])
        ids = await asyncio.to_thread(r.retrieve, md["person"], str(sample.input), o.top_k, gt)
        return ids, True

    async def solve(self, sample: Sample, ctx: SolveContext) -> SolveOutput:
        md = sample.metadata
        ids, retrieved = await self.context_ids(sample)
        meta: dict[str, Any] = {"retrieved": ids if retrieved else None, "context_ids": ids}
        if not self.answers:
            return SolveOutput(completion="", metadata=meta)
        text = {
            c.segment_id: c.text
            for c in self.community(md["community"], md["noise"]).chunks[md["person"]]
        }
        excerpts = "\n\n".join(f"[{i + 1}]\n{text[s]}" for i, s in enumerate(ids) if s in text)
        user = (
            f"Documents of {md['person']}:\n\n{excerpts or '(none found)'}\n\n"
            f"Question: {sample.input}\nAnswer:"
        )
        messages = [Message(role="system", content=SYSTEM), Message(role="user", content=user)]
        reply = await ctx.model.generate(messages, max_tokens=self.options.max_tokens)
        answer = reply.text.strip()
        return SolveOutput(completion=answer, messages=[*messages, reply.message()], metadata=meta)

    def metrics(self) -> list[Metric]:
        retrieval = self.options.retriever != "gt-context"
        return all_metrics(retrieval=retrieval, answers=self.answers)

    def summarize(self, records: list[SampleRecord]) -> dict[str, Any]:
        """Rows "metric category" (and Overall), columns noise levels: the paper's main table."""
        sums: dict[str, dict[str, dict[str, list[float]]]] = defaultdict(
            lambda: defaultdict(lambda: defaultdict(list))
        )
        for r in records:
            if r.status != "ok":
                continue
            noise = str(r.metadata.get("noise"))
            for name, s in r.scores.items():
                if s.value is not None:
                    sums[name][str(r.metadata.get("category"))][noise].append(s.value)
                    sums[name]["Overall"][noise].append(s.value)
        table = {
            f"{m} {c}": {n: round(sum(v) / len(v), 3) for n, v in sorted(by_noise.items())}
            for m, cats in sums.items()
            for c, by_noise in sorted(cats.items())
        }
        return {"by_noise_and_category": table}


class PersonaBenchRetrievalTask(PersonaBenchTask):
    name = "personabench-retrieval"
    description = "PersonaBench retrieval alone: Recall@k and NDCG@k, no model call."
    answers = False

    def __init__(self, options: BaseModel | None = None) -> None:
        super().__init__(options)
        if self.options.retriever == "gt-context":
            raise UserError("personabench-retrieval needs a retriever, not gt-context")
