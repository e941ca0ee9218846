"""Chain-of-thought answers for a :class:`~harness_bridge.dag.Problem`, plain or with BRIDGE's
behaviour injections (arXiv 2505.18917, Algorithm 1), and a checker for any such answer.

A plain answer names each needed quantity with a variable and computes it, in a topological order.
BRIDGE adds, under its knobs:

* **exploration** (``reflection_prob``): after a step, try a *locked* quantity (a later needed one,
  or with probability 0.3 a redundant one, whose inputs are not all known yet), then back off
  ("Wait, ... is not known yet, so it cannot be computed now.");
* **exploitation** (``analysis_level``): restate the condition before computing a quantity
  ("We know that ... is ..."), with a probability that grows with its number of inputs
  (:data:`ANALYSIS_PROBS`); recall the variable name of an input defined earlier; and
  (``detailed``) write the arithmetic out step by step ("3 + 5 + 6 = 8 + 6 = 14").

The wording is ours. :func:`check_cot` re-reads an answer and checks every arithmetic step, every
variable's value against the problem, and the boxed final answer.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass

from harness_bridge.dag import Node, Problem, expression

#: probability of restating a quantity's condition, by its number of inputs, for each analysis
#: level. Level 2 is the released code's list ([0, .1, .4, .8, 1, ...]); 0, 1 and 3 are ours.
ANALYSIS_PROBS: dict[int, list[float]] = {
    0: [0.0],
    1: [0.0, 0.05, 0.2, 0.4, 0.5],
    2: [0.0, 0.1, 0.4, 0.8, 1.0],
    3: [1.0],
}
SYMBOLS = {"add": "+", "sub": "-", "mul": "*", "sum": "+", "diff": "-", "prod": "*"}


@dataclass(frozen=True)
class Knobs:
    """BRIDGE's knobs (the paper's setting: reflection 0.1, analysis level 2, detailed)."""

    reflection_prob: float = 0.0
    analysis_level: int = 0
    detailed: bool = False
    redundant_share: float = 0.3  # a locked attempt picks a redundant node this often

    def analysis_prob(self, inputs: int) -> float:
        probs = ANALYSIS_PROBS[self.analysis_level]
        return probs[min(inputs, len(probs) - 1)]


PLAIN = Knobs()
BRIDGE = Knobs(reflection_prob=0.1, analysis_level=2, detailed=True)


def variable_names(n: int, rng: random.Random) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    pool = list(letters) + [a + b for a in letters for b in letters]
    return rng.sample(pool[: max(26, n)] if n <= 26 else pool, n)


def topological_order(problem: Problem, rng: random.Random | None = None) -> list[int]:
    """The needed nodes in an order where inputs come first: by index (the generation order), or
    a uniformly drawn ready node at each step when ``rng`` is given (answer augmentation)."""
    need = problem.ancestors()
    if rng is None:
        return sorted(need)
    done: list[int] = []
    left = set(need)
    while left:
        ready = sorted(i for i in left if all(p in done for p in problem.nodes[i].parents))
        pick = rng.choice(ready)
        done.append(pick)
        left.discard(pick)
    return done


def write_cot(
    problem: Problem, knobs: Knobs, rng: random.Random, order: Sequence[int] | None = None
) -> str:
    """The answer: ``<think>`` steps ``</think>`` then ``<answer>\\boxed{N}</answer>``."""
    nodes = problem.nodes
    order = list(order) if order is not None else topological_order(problem)
    var = dict(zip(order, variable_names(len(order), rng), strict=True))
    known: dict[int, int] = {}
    lines: list[str] = []
    for step, i in enumerate(order):
        node = nodes[i]
        if knobs.analysis_level and rng.random() < knobs.analysis_prob(len(node.parents)):
            lines.append(f"We know that {node.name} is {expression(node, nodes)}.")
            for p in node.parents:
                if p in known and order.index(p) < step - 1:
                    lines.append(f"Remember that {nodes[p].name} has been denoted as {var[p]}.")
        lines.append(_step(node, problem, var, known, knobs.detailed))
        known[i] = node.value
        if knobs.reflection_prob and i != problem.query and rng.random() < knobs.reflection_prob:
            locked = _locked_attempt(problem, order[step + 1 :], known, knobs, rng)
            if locked:
                lines.append(locked)
    answer = problem.answer
    lines.append(f"So {nodes[problem.query].name} is {answer}.")
    think = "\n".join(lines)
    return f"<think>\n{think}\n</think>\n<answer>\\boxed{{{answer}}}</answer>"


def _step(
    node: Node, problem: Problem, var: dict[int, str], known: dict[int, int], detailed: bool
) -> str:
    v = var[node.index]
    head = f"Define {node.name} as {v}."
    if node.kind == "const":
        return f"{head} So {v} = {node.value}."
    sym = SYMBOLS[node.kind]
    if node.kind in ("add", "sub", "mul"):
        p = node.parents[0]
        symbolic = f"{var[p]} {sym} {node.const}"
        numbers = [known[p], node.const]
    else:
        symbolic = f" {sym} ".join(var[p] for p in node.parents)
        numbers = [known[p] for p in node.parents]
    chain = [symbolic]
    if detailed:
        chain.extend(_partials(numbers, sym, problem))
    chain.append(str(node.value))
    if chain[-1] == chain[-2]:
        chain.pop()
    return f"{head} So {v} = {' = '.join(chain)}."


def _partials(numbers: list[int], sym: str, problem: Problem) -> list[str]:
    """'3 + 5 + 6', '8 + 6': each step folds the first two numbers (reduced by the modulus)."""
    out = []
    nums = list(numbers)
    while len(nums) > 1:
        out.append(f" {sym} ".join(str(n) for n in nums))
        a, b = nums[0], nums[1]
        folded = a + b if sym == "+" else a - b if sym == "-" else a * b
        nums = [problem.reduce(folded), *nums[2:]]
    return out


def _locked_attempt(
    problem: Problem,
    later: Sequence[int],
    known: dict[int, int],
    knobs: Knobs,
    rng: random.Random,
) -> str | None:
    """Try a node whose inputs are not all known, and back off."""
    need = problem.ancestors()

    def locked(i: int) -> bool:
        return any(p not in known for p in problem.nodes[i].parents)

    needed = [i for i in later if locked(i)]
    redundant = [
        n.index
        for n in problem.nodes
        if n.index not in need and n.index not in known and locked(n.index)
    ]
    pools = [redundant, needed] if rng.random() < knobs.redundant_share else [needed, redundant]
    pool = pools[0] or pools[1]
    if not pool:
        return None
    target = problem.nodes[rng.choice(pool)]
    missing = problem.nodes[next(p for p in target.parents if p not in known)]
    return (
        f"Can we compute {target.name} now? It is {expression(target, problem.nodes)}. "
        f"Wait, {missing.name} is not known yet, so it cannot be computed now."
    )


# --------------------------------------------------------------------------- checking

_DEFINE = re.compile(r"Define (the number of .+? in each .+?) as ([a-z]+)\. So \2 = (.+?)\.$")
_BOXED = re.compile(r"<answer>\\boxed\{(-?\d+)\}</answer>\s*$")


def _eval_numbers(expr: str, modulus: int | None) -> int:
    """A numeric expression 'a op b op c' with one operator kind, folded left to right."""
    tokens = expr.split()
    acc = int(tokens[0])
    for op, num in zip(tokens[1::2], tokens[2::2], strict=True):
        b = int(num)
        acc = acc + b if op == "+" else acc - b if op == "-" else acc * b
        acc = acc % modulus if modulus else acc
    return acc


def check_cot(text: str, problem: Problem) -> list[str]:
    """Errors in an answer (empty when right): each step's arithmetic, each variable's value
    against the problem's node of that name, and the boxed answer against the gold answer."""
    errors: list[str] = []
    by_name = {n.name: n for n in problem.nodes}
    values: dict[str, int] = {}
    for line in text.splitlines():
        for sentence in re.findall(r"Define .+?\. So [a-z]+ = .+?\.(?= |$)", line):
            m = _DEFINE.match(sentence)
            if not m:
                errors.append(f"unreadable step: {sentence}")
                continue
            name, v, rhs = m.groups()
            parts = rhs.split(" = ")
            first = parts[0]
            for sym_var in re.findall(r"[a-z]+", first):
                if sym_var not in values:
                    errors.append(f"{v}: uses {sym_var} before it is defined")
            substituted = re.sub(r"[a-z]+", lambda mm: str(values.get(mm.group(0), 0)), first)
            result = _eval_numbers(substituted, problem.modulus)
            for part in parts[1:]:
                if _eval_numbers(part, problem.modulus) != result:
                    errors.append(f"{v}: '{part}' does not equal {result}")
            values[v] = result
            node = by_name.get(name)
            if node is None:
                errors.append(f"{v}: no quantity called {name}")
            elif node.value != result:
                errors.append(f"{v}: {name} is {node.value}, the answer says {result}")
    m = _BOXED.search(text)
    if m is None:
        errors.append("no boxed answer at the end")
    elif int(m.group(1)) != problem.answer:
        errors.append(f"boxed {m.group(1)}, gold {problem.answer}")
    return errors
