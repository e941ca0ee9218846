"""The problem generator: exact operation counts, the two evaluators agree, non-unique problems
are found from the text alone, rejected and counted."""

from __future__ import annotations

import random

import pytest
from harness_bridge.dag import (
    Node,
    NotUnique,
    Problem,
    Shape,
    evaluate_graph,
    generate_problem,
    question_text,
    solve_text,
)
from hypothesis import given, settings
from hypothesis import strategies as st

FAST = settings(max_examples=30, deadline=None)


@FAST
@given(
    seed=st.integers(0, 2**32),
    ops=st.integers(1, 25),
    modulus=st.sampled_from([None, 23, 7]),
)
def test_evaluators_agree_and_ops_exact(seed: int, ops: int, modulus: int | None) -> None:
    rng = random.Random(seed)
    prob, rejected = generate_problem(rng, ops, Shape(modulus=modulus))
    assert prob.ops == ops
    assert rejected >= 0
    gold = evaluate_graph(prob)
    assert solve_text(question_text(prob)) == gold == prob.answer
    if modulus:
        assert 0 <= gold < modulus
    else:
        assert all(0 <= n.value <= 99 for n in prob.nodes)
    # shuffled conditions (question augmentation) keep the answer
    order = list(prob.order)
    rng.shuffle(order)
    assert solve_text(question_text(prob, order)) == gold
    # every needed quantity is named once in the text: the answer is unique
    names = [prob.nodes[i].name for i in range(len(prob.nodes))]
    assert len(set(names)) == len(names)


def _node(i: int, item: str, place: str, kind: str, parents: list[int], const: int = 0) -> Node:
    return Node(i, item, place, kind, parents=parents, const=const)  # type: ignore[arg-type]


def test_hand_computed_problem() -> None:
    nodes = [
        _node(0, "red apples", "Harbor Market", "const", [], 7),
        _node(1, "green pears", "Willow School", "mul", [0], 3),  # 21
        _node(2, "tin cans", "Ember Cafe", "sum", [0, 1]),  # 28 -> 5 mod 23
        _node(3, "oak chairs", "Meadow Farm", "diff", [0, 2]),  # 7 - 5 = 2
    ]
    prob = Problem(nodes=nodes, query=3, modulus=23, order=[3, 1, 0, 2])
    text = question_text(prob)
    assert "The number of green pears in each Willow School is 3 times" in text
    assert evaluate_graph(prob) == 2
    assert solve_text(text) == 2
    assert prob.ops == 3
    plain = Problem(nodes=nodes, query=3, modulus=None, order=[0, 1, 2, 3])
    assert evaluate_graph(plain) == 7 - 28
    assert solve_text(question_text(plain)) == -21


def test_duplicate_and_circular_names_are_not_unique() -> None:
    nodes = [
        _node(0, "red apples", "Harbor Market", "const", [], 7),
        _node(1, "red apples", "Harbor Market", "const", [], 4),  # the same name, defined twice
        _node(2, "tin cans", "Ember Cafe", "add", [0], 1),
    ]
    with pytest.raises(NotUnique, match="two conditions define"):
        solve_text(question_text(Problem(nodes=nodes, query=2, modulus=None, order=[0, 1, 2])))
    # a child named like its parent's parent: the text defines it through itself
    loop = [
        _node(0, "red apples", "Harbor Market", "const", [], 7),
        _node(1, "tin cans", "Ember Cafe", "add", [0], 1),
        _node(2, "red apples", "Ember Cafe", "add", [1], 1),
    ]
    loop[2].item, loop[2].place = "tin cans", "Ember Cafe"
    del loop[1]  # keep only the self-referring definition
    loop[1].parents = [1]
    loop[1].index = 1
    with pytest.raises(NotUnique):
        solve_text(question_text(Problem(nodes=loop, query=1, modulus=None, order=[0, 1])))


def test_non_unique_draws_are_rejected_and_counted() -> None:
    # a pool of 3 items x 3 places: names collide often; every returned problem is still unique
    rng = random.Random(5)
    shape = Shape(modulus=23, name_pool=3)
    total = 0
    for _ in range(5):
        prob, rejected = generate_problem(rng, 3, shape)
        total += rejected
        assert solve_text(question_text(prob)) == evaluate_graph(prob)
    assert total > 0
    with pytest.raises(RuntimeError, match="no unique problem"):
        generate_problem(random.Random(0), 12, Shape(name_pool=2), max_tries=20)
