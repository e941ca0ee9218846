"""Unified records -> training examples: one per assistant turn, rendered by the chat template
with the record's tools, prompt tokens masked to -100, and a length filter reporting its drops."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from harness.errors import UserError
from harness_actionstudio.unified import UnifiedRecord

IGNORE = -100
EMPTY_OUTPUTS = {"", "none", "null"}


@dataclass
class Example:
    id: str
    prompt: list[dict[str, Any]]
    target: dict[str, Any]
    tools: list[dict[str, Any]]


@dataclass
class Tokenized:
    id: str
    input_ids: list[int]
    labels: list[int]

    @property
    def n_prompt(self) -> int:
        return sum(1 for x in self.labels if x == IGNORE)


@dataclass
class LengthReport:
    kept: int = 0
    dropped: list[dict[str, Any]] = field(default_factory=list)


def system_prompt(rec: UnifiedRecord, mode: str) -> str:
    """The system message an example starts with. ``auto``: the record's system prompt when it has
    one (core trajectories keep the user's hidden goal in task_instruction, which the agent must not
    see), else ActionStudio's convention, the task instruction. ``system``, ``task_instruction``,
    ``both`` force a choice."""
    sys_text = rec.system or ""
    task = rec.task_instruction or ""
    if mode == "system":
        return sys_text
    if mode == "task_instruction":
        return task
    if mode == "both":
        return "\n\n".join(x for x in (sys_text, task) if x)
    return sys_text or task


def build_examples(rec: UnifiedRecord, system_mode: str = "auto") -> list[Example]:
    """One example per assistant turn i: the system message and turns [0, i) as the prompt, turn i
    as the target. Empty, 'none' or 'null' outputs without tool calls are skipped."""
    messages = rec.openai_messages()
    system = system_prompt(rec, system_mode)
    head = [{"role": "system", "content": system}] if system else []
    tools = rec.openai_tools()
    out = []
    for i, m in enumerate(messages):
        if m["role"] != "assistant":
            continue
        if not m.get("tool_calls") and m["content"].strip().lower() in EMPTY_OUTPUTS:
            continue
        out.append(
            Example(
                id=f"{rec.unique_trajectory_id}---{i}",
                prompt=head + messages[:i],
                target=m,
                tools=tools,
            )
        )
    return out


def render(tokenizer: Any, template: str, ex: Example) -> tuple[str, str]:
    """(prompt text ending with the assistant header, completion text)."""
    tools = ex.tools or None
    prompt = tokenizer.apply_chat_template(
        ex.prompt, tools=tools, chat_template=template, tokenize=False, add_generation_prompt=True
    )
    full = tokenizer.apply_chat_template(
        [*ex.prompt, ex.target], tools=tools, chat_template=template, tokenize=False
    )
    if not full.startswith(prompt):
        raise UserError(
            f"example {ex.id}: the chat template does not render the conversation "
            "with the answer as an extension of the prompt (so the prompt cannot be "
            "masked); use --chat-template builtin"
        )
    return prompt, full[len(prompt) :]


def tokenize(tokenizer: Any, template: str, ex: Example) -> Tokenized:
    prompt, completion = render(tokenizer, template, ex)
    p_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
    c_ids = tokenizer(completion, add_special_tokens=False)["input_ids"]
    if not c_ids:
        raise UserError(f"example {ex.id}: the answer renders to no tokens")
    return Tokenized(ex.id, list(p_ids) + list(c_ids), [IGNORE] * len(p_ids) + list(c_ids))


def filter_lengths(
    items: list[Tokenized], max_len: int, mode: str = "drop"
) -> tuple[list[Tokenized], LengthReport]:
    """Keep examples of at most ``max_len`` tokens. ``mode`` drop: report the dropped ones;
    error: stop at the first one with a clear message."""
    report = LengthReport()
    kept = []
    for t in items:
        n = len(t.input_ids)
        if n > max_len:
            if mode == "error":
                raise UserError(
                    f"example {t.id} is {n} tokens, longer than max_seq_length "
                    f"{max_len}; raise --max-seq-length or pass --overlong drop"
                )
            report.dropped.append({"id": t.id, "tokens": n})
            continue
        kept.append(t)
    report.kept = len(kept)
    return kept, report


def preview(tokenizer: Any, t: Tokenized) -> str:
    """Decoded input and the labels as the loss sees them (masked tokens shown as a count)."""
    n_mask = t.n_prompt
    full = tokenizer.decode(t.input_ids, skip_special_tokens=False)
    trained = tokenizer.decode([x for x in t.labels if x != IGNORE], skip_special_tokens=False)
    return (
        f"=== {t.id}: {len(t.input_ids)} tokens, {n_mask} masked (-100), "
        f"{len(t.input_ids) - n_mask} trained\n--- input\n{full}\n--- labels\n"
        f"[{n_mask} tokens masked]{trained}\n"
    )
