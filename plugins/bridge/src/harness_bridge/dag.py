"""iGSM-style problems: a random dependency DAG of named quantities, rendered as a word problem.

The rules follow the behaviour-injection paper's iGSM setting (arXiv 2505.18917, after Ye et al.'s
iGSM): every quantity is "the number of ITEM in each PLACE"; a quantity is a given constant or is
computed from other quantities; arithmetic is modulo 23 (or plain integers); the difficulty is the
number of arithmetic operations needed to reach the asked quantity. Quantities the question does
not need are left in the text as distractors (the "redundant" nodes BRIDGE's exploration may try).

Two evaluators check every problem and must agree:

* :func:`evaluate_graph` evaluates the generator's own graph in topological order (Kahn's
  algorithm over node indices);
* :func:`solve_text` reads only the rendered question text back into equations (regular
  expressions) and evaluates the asked quantity recursively with memoisation. It is where a
  problem is found *not unique*: names are drawn with replacement, so two conditions can define
  the same quantity (or a definition can refer to itself through a shared name); such a problem
  is rejected, and the generator draws another one and counts it.
"""

from __future__ import annotations

import random
import re
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["const", "add", "sub", "mul", "sum", "diff", "prod"]

ITEMS = (
    "red apples", "green pears", "ripe plums", "glass jars", "tin cans", "wool scarves",
    "paper kites", "brass bells", "clay pots", "oak chairs", "silk ribbons", "blue pens",
    "river stones", "pine cones", "copper coins", "felt hats", "cotton bags", "lemon tarts",
    "honey cakes", "maple leaves", "snow globes", "chess sets", "toy boats", "wax candles",
    "straw baskets", "linen towels", "steel forks", "bamboo flutes", "marble tiles", "cedar boxes",
)  # fmt: skip
PLACES = (
    "Harbor Market", "Willow School", "Granite Library", "Sunset Bakery", "Maple Clinic",
    "Cobalt Studio", "Falcon Garage", "Meadow Farm", "Quartz Museum", "Ember Cafe",
    "Juniper Hall", "Lantern Shop", "Orchid Hotel", "Pebble Park", "Raven Theater",
    "Saffron Kitchen", "Thistle Inn", "Velvet Lounge", "Walnut Mill", "Yarrow Pharmacy",
    "Birch Depot", "Coral Gallery", "Dune Station", "Fern Nursery", "Hazel Office",
    "Iris Chapel", "Jade Arcade", "Kestrel Dock", "Lotus Spa", "Nectar Bar",
)  # fmt: skip

#: operations a node of each kind costs (a constant costs none)
OPS: dict[Kind, int] = {"const": 0, "add": 1, "sub": 1, "mul": 1, "diff": 1, "prod": 1}


class NotUnique(ValueError):
    """The rendered conditions do not define the asked quantity exactly once."""


@dataclass
class Node:
    """One quantity: its name, how it is computed, and its value."""

    index: int
    item: str
    place: str
    kind: Kind
    parents: list[int] = field(default_factory=list)
    const: int = 0  # the constant of const/add/sub/mul
    value: int = 0

    @property
    def name(self) -> str:
        return f"the number of {self.item} in each {self.place}"

    @property
    def ops(self) -> int:
        return len(self.parents) - 1 if self.kind == "sum" else OPS[self.kind]


@dataclass
class Problem:
    """A generated problem: nodes (required and redundant), the asked node, the modulus."""

    nodes: list[Node]
    query: int
    modulus: int | None
    order: list[int]  # order the conditions are written in

    def ancestors(self) -> set[int]:
        """The query and every node it needs."""
        seen: set[int] = set()
        stack = [self.query]
        while stack:
            i = stack.pop()
            if i not in seen:
                seen.add(i)
                stack.extend(self.nodes[i].parents)
        return seen

    @property
    def ops(self) -> int:
        return sum(self.nodes[i].ops for i in self.ancestors())

    @property
    def answer(self) -> int:
        return self.nodes[self.query].value

    def reduce(self, v: int) -> int:
        return v % self.modulus if self.modulus else v


# --------------------------------------------------------------------------- rendering


def expression(node: Node, nodes: Sequence[Node]) -> str:
    """The right-hand side of a node's condition, in words."""
    refs = [nodes[p].name for p in node.parents]
    c = node.const
    if node.kind == "const":
        return str(c)
    if node.kind == "add":
        return f"{c} more than {refs[0]}"
    if node.kind == "sub":
        return f"{c} less than {refs[0]}"
    if node.kind == "mul":
        return f"{c} times {refs[0]}"
    if node.kind == "sum":
        return "the sum of " + ", ".join(refs[:-1]) + " and " + refs[-1]
    if node.kind == "diff":
        return f"{refs[0]} minus {refs[1]}"
    return f"the product of {refs[0]} and {refs[1]}"


def condition(node: Node, nodes: Sequence[Node]) -> str:
    name = node.name
    return f"{name[0].upper()}{name[1:]} is {expression(node, nodes)}."


def question_text(problem: Problem, order: Sequence[int] | None = None) -> str:
    """The word problem: the conditions in ``order`` (default: the problem's), then the question."""
    order = problem.order if order is None else order
    lines = [condition(problem.nodes[i], problem.nodes) for i in order]
    if problem.modulus:
        lines.append(
            f"Every quantity is computed modulo {problem.modulus}, so each one is a whole number "
            f"from 0 to {problem.modulus - 1}."
        )
    lines.append(f"Question: what is {problem.nodes[problem.query].name}?")
    return " ".join(lines)


# --------------------------------------------------------------------------- evaluator A


def apply(kind: Kind, const: int, args: Sequence[int], modulus: int | None) -> int:
    """A node's value from its parents' values (the one arithmetic rule both evaluators share)."""
    if kind == "const":
        v = const
    elif kind == "add":
        v = args[0] + const
    elif kind == "sub":
        v = args[0] - const
    elif kind == "mul":
        v = args[0] * const
    elif kind == "sum":
        v = sum(args)
    elif kind == "diff":
        v = args[0] - args[1]
    else:
        v = args[0] * args[1]
    return v % modulus if modulus else v


def evaluate_graph(problem: Problem) -> int:
    """Evaluator A: every node in topological order (Kahn), from the graph; the query's value."""
    n = len(problem.nodes)
    indeg = [len(node.parents) for node in problem.nodes]
    children: list[list[int]] = [[] for _ in range(n)]
    for node in problem.nodes:
        for p in node.parents:
            children[p].append(node.index)
    queue = deque(i for i in range(n) if indeg[i] == 0)
    values: dict[int, int] = {}
    while queue:
        i = queue.popleft()
        node = problem.nodes[i]
        values[i] = apply(node.kind, node.const, [values[p] for p in node.parents], problem.modulus)
        for c in children[i]:
            indeg[c] -= 1
            if indeg[c] == 0:
                queue.append(c)
    if len(values) != n:
        raise ValueError("the graph has a cycle")
    return values[problem.query]


# --------------------------------------------------------------------------- evaluator B (text)

_REF = r"the number of ([a-z ]+?) in each ([A-Z][A-Za-z ]+?)"
_COND = re.compile(r"The number of ([a-z ]+?) in each ([A-Z][A-Za-z ]+?) is (.+?)\.(?= |$)")
_QUESTION = re.compile(r"Question: what is " + _REF + r"\?$")
_MOD = re.compile(r"computed modulo (\d+)")
_PATTERNS: list[tuple[Kind, re.Pattern[str]]] = [
    ("const", re.compile(r"^(\d+)$")),
    ("add", re.compile(r"^(\d+) more than (.+)$")),
    ("sub", re.compile(r"^(\d+) less than (.+)$")),
    ("mul", re.compile(r"^(\d+) times (.+)$")),
    ("sum", re.compile(r"^the sum of (.+)$")),
    ("prod", re.compile(r"^the product of (.+)$")),
    ("diff", re.compile(r"^(.+) minus (.+)$")),
]
_ONE_REF = re.compile(r"^" + _REF + r"$")


def _refs(text: str) -> list[tuple[str, str]]:
    """Split 'A, B and C' (each A = 'the number of X in each Y') into (item, place) pairs."""
    parts = re.split(r", | and (?=the number of )", text)
    out = []
    for part in parts:
        m = _ONE_REF.match(part)
        if not m:
            raise ValueError(f"cannot read the quantity {part!r}")
        out.append((m.group(1), m.group(2)))
    return out


Equation = tuple[Kind, int, list[tuple[str, str]]]


def parse_text(text: str) -> tuple[dict[tuple[str, str], Equation], tuple[str, str], int | None]:
    """The conditions as equations keyed by (item, place), the asked quantity and the modulus.

    Raises :class:`NotUnique` when a quantity is defined twice."""
    eqs: dict[tuple[str, str], Equation] = {}
    for m in _COND.finditer(text):
        key = (m.group(1), m.group(2))
        if key in eqs:
            raise NotUnique(f"two conditions define the number of {key[0]} in each {key[1]}")
        eqs[key] = _equation(m.group(3))
    q = _QUESTION.search(text)
    if q is None:
        raise ValueError("the text has no question")
    mod = _MOD.search(text)
    return eqs, (q.group(1), q.group(2)), int(mod.group(1)) if mod else None


def _equation(rhs: str) -> Equation:
    for kind, pat in _PATTERNS:
        m = pat.match(rhs)
        if not m:
            continue
        if kind == "const":
            return kind, int(m.group(1)), []
        if kind in ("add", "sub", "mul"):
            return kind, int(m.group(1)), _refs(m.group(2))
        if kind == "diff":
            return kind, 0, _refs(m.group(1)) + _refs(m.group(2))
        return kind, 0, _refs(m.group(1))
    raise ValueError(f"cannot read the condition {rhs!r}")


def solve_text(text: str) -> int:
    """Evaluator B: the asked quantity's value from the problem text alone (recursive, memoised).

    Raises :class:`NotUnique` when the conditions define a needed quantity twice or circularly."""
    eqs, query, modulus = parse_text(text)
    memo: dict[tuple[str, str], int] = {}
    active: set[tuple[str, str]] = set()

    def value(key: tuple[str, str]) -> int:
        if key in memo:
            return memo[key]
        if key in active:
            raise NotUnique(f"the number of {key[0]} in each {key[1]} depends on itself")
        if key not in eqs:
            raise ValueError(f"no condition defines the number of {key[0]} in each {key[1]}")
        active.add(key)
        kind, const, refs = eqs[key]
        v = apply(kind, const, [value(r) for r in refs], modulus)
        active.discard(key)
        memo[key] = v
        return v

    return value(query)


# --------------------------------------------------------------------------- generation


@dataclass(frozen=True)
class Shape:
    """What to draw: operation count, modulus, constants, distractors."""

    modulus: int | None = 23
    const_max: int = 9  # constants of leaves are 0..const_max (1.. when plain)
    factor_max: int = 4  # the constant of an 'N times' node is 2..factor_max
    redundant: float = 0.3  # distractors as a share of the needed nodes
    max_parents: int = 3
    name_pool: int = 0  # draw items and places from the first N of each list (0: all)


def draw_graph(rng: random.Random, ops: int, shape: Shape) -> Problem:
    """A problem whose query needs exactly ``ops`` operations (drawn until it does)."""
    while True:
        p = _try_graph(rng, ops, shape)
        if p is not None:
            return p


def _try_graph(rng: random.Random, target: int, shape: Shape) -> Problem | None:
    nodes: list[Node] = []
    childless: list[int] = []
    while len(nodes) < 4 * target + 8:
        node = _new_node(rng, len(nodes), nodes, childless, shape)
        nodes.append(node)
        childless = [i for i in childless if i not in node.parents] + [node.index]
        prob = Problem(nodes=nodes, query=node.index, modulus=shape.modulus, order=[])
        have = prob.ops
        if have == target and (target == 0 or node.kind != "const"):
            _add_redundant(rng, prob, shape)
            prob.order = list(range(len(prob.nodes)))
            rng.shuffle(prob.order)
            return prob
        if have > target:
            return None
    return None


def _new_node(
    rng: random.Random, index: int, nodes: list[Node], childless: list[int], shape: Shape
) -> Node:
    k = shape.name_pool or len(ITEMS)
    item, place = rng.choice(ITEMS[:k]), rng.choice(PLACES[:k])  # with replacement: may collide
    if len(nodes) < 2 or rng.random() < 0.25:
        lo = 0 if shape.modulus else 1
        node = Node(index, item, place, "const", const=rng.randint(lo, shape.const_max))
    else:
        kind: Kind = rng.choice(["add", "sub", "mul", "sum", "sum", "diff", "prod"])
        arity = {"add": 1, "sub": 1, "mul": 1, "diff": 2, "prod": 2}.get(kind)
        if arity is None:
            arity = rng.randint(2, min(shape.max_parents, len(nodes)))
        pool = childless[-arity:] if rng.random() < 0.8 else []
        rest = [i for i in range(len(nodes)) if i not in pool]
        parents = pool + rng.sample(rest, arity - len(pool))
        rng.shuffle(parents)
        const = 0
        if kind in ("add", "sub"):
            const = rng.randint(1, shape.const_max)
        elif kind == "mul":
            const = rng.randint(2, shape.factor_max)
        node = Node(index, item, place, kind, parents=parents, const=const)
        if not shape.modulus and not _plain_ok(node, nodes):
            # out of 0..99: one input, plus or minus a constant, whichever stays in range
            a, c = nodes[parents[0]].value, rng.randint(1, shape.const_max)
            node = Node(index, item, place, "add" if a + c <= 99 else "sub", [parents[0]], c)
    node.value = apply(node.kind, node.const, [nodes[p].value for p in node.parents], shape.modulus)
    return node


def _plain_ok(node: Node, nodes: list[Node]) -> bool:
    """Plain integers: no negative values and no products beyond 99 (small-model friendly)."""
    args = [nodes[p].value for p in node.parents]
    v = apply(node.kind, node.const, args, None)
    return 0 <= v <= 99


def _add_redundant(rng: random.Random, prob: Problem, shape: Shape) -> None:
    """Distractors: nodes the query does not need, some computed from needed ones."""
    need = len(prob.ancestors())
    extra = sum(1 for _ in range(need) if rng.random() < shape.redundant)
    for _ in range(extra):
        nodes = prob.nodes
        node = _new_node(rng, len(nodes), nodes, [], shape)
        nodes.append(node)


def generate_problem(
    rng: random.Random, ops: int, shape: Shape, max_tries: int = 1000
) -> tuple[Problem, int]:
    """A problem with a unique answer that both evaluators agree on, and how many drawn problems
    were rejected as not unique on the way."""
    rejected = 0
    for _ in range(max_tries):
        prob = draw_graph(rng, ops, shape)
        try:
            b = solve_text(question_text(prob))
        except NotUnique:
            rejected += 1
            continue
        a = evaluate_graph(prob)
        if a != b or a != prob.answer:
            raise AssertionError(f"evaluators disagree: graph {a}, text {b}, drawn {prob.answer}")
        return prob, rejected
    raise RuntimeError(f"no unique problem with {ops} operations in {max_tries} draws")
