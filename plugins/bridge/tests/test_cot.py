"""Chain-of-thought: every variant keeps the gold answer and correct arithmetic; the injections
appear under their knobs; the checker catches a wrong step."""

from __future__ import annotations

import random

from harness_bridge.cot import BRIDGE, PLAIN, Knobs, check_cot, topological_order, write_cot
from harness_bridge.dag import Shape, generate_problem
from hypothesis import given, settings
from hypothesis import strategies as st

FAST = settings(max_examples=30, deadline=None)


@FAST
@given(
    seed=st.integers(0, 2**32),
    ops=st.integers(1, 20),
    modulus=st.sampled_from([None, 23]),
    reflection=st.floats(0, 1),
    level=st.sampled_from([0, 1, 2, 3]),
    detailed=st.booleans(),
    shuffled=st.booleans(),
)
def test_injections_keep_answer_and_arithmetic(
    seed: int,
    ops: int,
    modulus: int | None,
    reflection: float,
    level: int,
    detailed: bool,
    shuffled: bool,
) -> None:
    rng = random.Random(seed)
    prob, _ = generate_problem(rng, ops, Shape(modulus=modulus))
    order = topological_order(prob, rng if shuffled else None)
    assert sorted(order) == sorted(prob.ancestors())
    for pos, i in enumerate(order):  # inputs always come first
        assert all(order.index(p) < pos for p in prob.nodes[i].parents)
    cot = write_cot(prob, Knobs(reflection, level, detailed), rng, order)
    assert check_cot(cot, prob) == []
    assert cot.endswith(f"<answer>\\boxed{{{prob.answer}}}</answer>")


def test_bridge_injects_exploration_and_exploitation() -> None:
    rng = random.Random(0)
    seen = {"wait": 0, "know": 0, "remember": 0, "detailed": 0}
    for _ in range(20):
        prob, _ = generate_problem(rng, 8, Shape(modulus=23))
        cot = write_cot(prob, Knobs(reflection_prob=1.0, analysis_level=3, detailed=True), rng)
        assert check_cot(cot, prob) == []
        seen["wait"] += cot.count("Wait, ")
        seen["know"] += cot.count("We know that ")
        seen["remember"] += cot.count("has been denoted as")
        seen["detailed"] += sum(line.count(" = ") >= 3 for line in cot.splitlines())
        plain = write_cot(prob, PLAIN, rng)
        assert "Wait" not in plain and "We know" not in plain and "denoted" not in plain
        assert check_cot(plain, prob) == []
    assert all(v > 0 for v in seen.values()), seen


def test_locked_attempt_names_an_unknown_input() -> None:
    rng = random.Random(3)
    prob, _ = generate_problem(rng, 10, Shape(modulus=23))
    cot = write_cot(prob, Knobs(reflection_prob=1.0), rng)
    defined: list[str] = []
    for line in cot.splitlines():
        if line.startswith("Define "):
            defined.append(line.split(" as ")[0][len("Define ") :])
        if "Wait, " in line:
            missing = line.split("Wait, ")[1].split(" is not known yet")[0]
            assert missing not in defined  # backed off from a quantity not computed yet


def test_checker_catches_wrong_steps() -> None:
    rng = random.Random(1)
    prob, _ = generate_problem(rng, 5, Shape(modulus=None))
    cot = write_cot(prob, BRIDGE, rng)
    assert check_cot(cot, prob) == []
    last = [ln for ln in cot.splitlines() if ln.startswith("Define ")][-1]
    value = last.rsplit(" = ", 1)[1].rstrip(".")
    bad = cot.replace(last, last[: -len(value) - 1] + f"{int(value) + 1}.")
    assert any("does not equal" in e or "the answer says" in e for e in check_cot(bad, prob))
    wrong_box = cot.replace(f"\\boxed{{{prob.answer}}}", f"\\boxed{{{prob.answer + 1}}}")
    assert any("boxed" in e for e in check_cot(wrong_box, prob))
    assert "no boxed answer at the end" in check_cot(cot.split("<answer>")[0], prob)
