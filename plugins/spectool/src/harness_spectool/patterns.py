"""The seven SpecTool error patterns, their per-query scores and the success rate.

Input: the steps an agent took (kept in ``SolveOutput.metadata["steps"]``), the tool signatures
and the accepted ground-truth trajectories. Nothing here calls a model, so ``harness score`` can
re-run it on saved transcripts.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal

from harness_spectool.checks import check_call
from harness_spectool.verify import OPTIONAL, answer_facts, same_value

PATTERNS = ["IFE", "IFN", "IAN", "IAT", "RAC", "IAC", "IAV"]
SCORE_ORDER = ["SR", "IAC", "RAC", "IAV", "IFE", "IAT", "IAN", "IFN"]  # the paper's table order
MissingAs = Literal["IAV", "IAN"]


@dataclass
class ArgSpec:
    """What a ground-truth argument accepts: ``allowed`` None = any value; ``may_omit``."""

    allowed: list[Any] | None
    may_omit: bool = False


GtCall = tuple[str, dict[str, ArgSpec]]
ValueEq = Any  # Callable[[Any, Any], bool]


def spectool_gt(trajectory: list[dict[str, Any]]) -> list[GtCall]:
    """A SpecTool trajectory: a value is required as given, ``"optional"`` is anything or none."""
    out = []
    for c in trajectory:
        specs = {
            k: ArgSpec(None, True) if v == OPTIONAL else ArgSpec([v])
            for k, v in c["arguments"].items()
        }
        out.append((c["name"], specs))
    return out


Values = Literal["lenient", "strict"]


def strict_value(a: Any, b: Any) -> bool:
    """The released code's equality: Python ``==`` (case, spaces and str/number all count;
    as in Python, ``1 == 1.0`` and ``True == 1``)."""
    return bool(a == b)


def call_matches(
    specs: dict[str, ArgSpec],
    args: dict[str, Any],
    eq: ValueEq = same_value,
    strict: bool = False,
) -> bool:
    """The model's arguments equal the ground truth's, "optional" ones aside; no extra ones.

    ``strict``: as the released code, which compares the model's argument dict with the ground
    truth's after dropping the ``"optional"`` entries, so an "optional" argument the model gave
    makes the call differ.
    """
    if any(k not in specs for k in args):
        return False
    for k, spec in specs.items():
        if strict and spec.allowed is None and k in args:
            return False
        if k not in args:
            if not spec.may_omit:
                return False
        elif spec.allowed is not None and not any(eq(args[k], a) for a in spec.allowed):
            return False
    return True


@dataclass
class Event:
    pattern: str
    step: int | None
    detail: str


@dataclass
class Analysis:
    counts: dict[str, int]
    scores: dict[str, float]
    events: list[Event] = field(default_factory=list)
    finished: bool = False
    answer: Any = None
    best_gt: int | None = None
    n_calls: int = 0
    answer_correct: bool | None = None


def _gt_errors(
    gt: list[GtCall], model_calls: list[tuple[str, dict[str, Any]]], eq: ValueEq, strict: bool
) -> tuple[int, int, list[str]]:
    """(missing calls, GT calls with no matching model call, details) for one trajectory."""
    want = Counter(name for name, _ in gt)
    have = Counter(name for name, _ in model_calls)
    missing = sum(max(n - have[name], 0) for name, n in want.items())
    details = [
        f"{max(n - have[name], 0)} call(s) to {name} missing"
        for name, n in want.items()
        if n > have[name]
    ]
    wrong = 0
    for name, specs in gt:
        if not any(call_matches(specs, args, eq, strict) for n, args in model_calls if n == name):
            wrong += 1
            shown = {
                k: ("optional" if s.allowed is None else s.allowed[0] if s.allowed else "(omit)")
                for k, s in specs.items()
            }
            details.append(f"no call {name}({shown})")
    return missing, wrong, details


def analyse(
    steps: list[dict[str, Any]],
    tools: dict[str, dict[str, Any]],
    ground_truth: list[list[GtCall]],
    answer: Any,
    goal_type: int,
    n: int = 10,
    missing_as: MissingAs = "IAV",
    eq: ValueEq = same_value,
    values: Values = "lenient",
) -> Analysis:
    """Count every pattern over the steps and score the query as the paper does.

    ``values="strict"`` compares argument values (IAV) and the goal_type-1 answer (SR) with
    Python ``==``, as the released code does, in place of ``eq`` and ``exact_answer``.
    """
    strict = values == "strict"
    if strict:
        eq = strict_value
    counts = dict.fromkeys(PATTERNS, 0)
    missing_arg_steps = 0
    events: list[Event] = []
    executed: list[tuple[str, str]] = []
    model_calls: list[tuple[str, dict[str, Any]]] = []
    finished, final = False, None
    for st in steps:
        i = st.get("step")
        kind = st.get("kind")
        if kind == "format_error":
            counts["IFE"] += 1
            events.append(Event("IFE", i, st.get("error") or "unparsable action"))
            continue
        name, args = st.get("name") or "", st.get("arguments") or {}
        if kind == "finish":
            finished, final = True, finish_answer(args)
            break
        problems = check_call(tools, name, args)
        if problems.unknown_function:
            counts["IFN"] += 1
            events.append(Event("IFN", i, f"no function named {name!r}"))
            continue
        model_calls.append((name, args))
        ian = list(problems.unknown_args)
        if problems.missing_args:
            if missing_as == "IAN":
                ian += [f"missing {m}" for m in problems.missing_args]
            else:
                missing_arg_steps += 1
                events.append(
                    Event(
                        "IAV",
                        i,
                        f"{name}: missing required argument(s) {list(problems.missing_args)}",
                    )
                )
        if ian:
            counts["IAN"] += 1
            events.append(Event("IAN", i, f"{name}: bad argument name(s) {ian}"))
        if problems.bad_types:
            counts["IAT"] += 1
            shown = [f"{a} expected {w} got {g}" for a, w, g in problems.bad_types]
            events.append(Event("IAT", i, f"{name}: {shown}"))
        key = (name, _canon(args))
        if key in executed:
            counts["RAC"] += 1
            events.append(Event("RAC", i, f"{name} repeated with the same input"))
        if st.get("executed", True):
            executed.append(key)
    best: tuple[int, int, int, list[str]] | None = None
    for k, gt in enumerate(ground_truth):
        missing, wrong, details = _gt_errors(gt, model_calls, eq, strict)
        if best is None or (missing, wrong) < (best[0], best[1]):
            best = (missing, wrong, k, details)
    if best is None or not ground_truth[best[2]]:
        counts["IAC"], wrong_calls, iac = 0, 0, 1.0
        best_index = best[2] if best else None
    else:
        missing, wrong_calls, best_index, details = best
        counts["IAC"] = missing
        size = len(ground_truth[best_index])
        iac = (size - missing) / size
        for d in details:
            events.append(Event("IAC" if d.endswith("missing") else "IAV", None, d))
    counts["IAV"] = wrong_calls + (missing_arg_steps if missing_as == "IAV" else 0)
    scores = {p: max(0.0, (n - counts[p]) / n) for p in ("IFE", "IFN", "IAN", "IAT", "RAC", "IAV")}
    scores["IAC"] = max(0.0, iac)
    correct = None
    if not finished:
        sr = 0.0
    elif goal_type == 1:
        facts = answer_facts(answer)
        same = strict_value if strict else exact_answer
        correct = len(facts) == 1 and final is not None and same(final, facts[0])
        sr = 1.0 if correct else 0.0
    else:
        sr = sum(scores[p] for p in PATTERNS) / len(PATTERNS)
    scores["SR"] = sr
    return Analysis(counts, scores, events, finished, final, best_index, len(model_calls), correct)


def finish_answer(args: dict[str, Any]) -> Any:
    """The answer of a finish action: its "answer", else its only value, else None."""
    if "answer" in args:
        return args["answer"]
    return next(iter(args.values())) if len(args) == 1 else None


def exact_answer(given: Any, expected: Any) -> bool:
    """Exact match of the finish answer: numbers numerically, text case/space/period-insensitive."""
    if (
        isinstance(given, str)
        and isinstance(expected, int | float)
        and not isinstance(expected, bool)
    ):
        try:
            given = float(given.strip().rstrip(".").replace(",", ""))
        except ValueError:
            return False
    if isinstance(given, str) and isinstance(expected, str):
        return same_value(given.strip().rstrip("."), expected.strip().rstrip("."))
    return same_value(given, expected)


def _canon(args: dict[str, Any]) -> str:
    import json

    return json.dumps(args, sort_keys=True, default=str)
