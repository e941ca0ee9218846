"""Each error pattern on hand-written transcripts, with hand-computed scores (N = 10)."""

from __future__ import annotations

import pytest
from harness_spectool.patterns import analyse, exact_answer, spectool_gt

TOOLS = {
    "search": {
        "type": "object",
        "properties": {"query": {"type": "string"}, "year": {"type": "integer"}},
        "required": ["query"],
    },
    "details": {
        "type": "object",
        "properties": {"id": {"type": "integer"}, "ratio": {"type": "number"}},
        "required": ["id"],
    },
}
GT = [
    spectool_gt(
        [
            {"name": "search", "arguments": {"query": "Up", "year": "optional"}},
            {"name": "details", "arguments": {"id": 7}},
        ]
    )
]


def call(i: int, name: str, executed: bool = True, **args: object) -> dict:
    return {"step": i, "kind": "call", "name": name, "arguments": args, "executed": executed}


def fin(i: int, answer: object) -> dict:
    return {"step": i, "kind": "finish", "name": "finish", "arguments": {"answer": answer}}


def ife(i: int) -> dict:
    return {"step": i, "kind": "format_error", "error": "no action"}


def test_perfect_run() -> None:
    a = analyse(
        [call(1, "search", query="Up"), call(2, "details", id=7), fin(3, "Pixar")],
        TOOLS,
        GT,
        "pixar",
        1,
    )
    assert all(v == 0 for v in a.counts.values())
    assert a.scores == {
        "IFE": 1.0,
        "IFN": 1.0,
        "IAN": 1.0,
        "IAT": 1.0,
        "RAC": 1.0,
        "IAV": 1.0,
        "IAC": 1.0,
        "SR": 1.0,
    }


def test_optional_argument_any_value_or_absent() -> None:
    for extra in ({}, {"year": 2009}, {"year": 1999}):
        a = analyse(
            [call(1, "search", query="up", **extra), call(2, "details", id=7)], TOOLS, GT, "x", 1
        )
        assert a.counts["IAV"] == 0 and a.counts["IAC"] == 0


def test_ife_and_ifn() -> None:
    a = analyse([ife(1), call(2, "serch", query="Up"), ife(3)], TOOLS, GT, "x", 1)
    assert a.counts["IFE"] == 2 and a.counts["IFN"] == 1
    assert a.scores["IFE"] == pytest.approx(0.8) and a.scores["IFN"] == pytest.approx(0.9)
    assert [(e.pattern, e.step) for e in a.events][:3] == [("IFE", 1), ("IFN", 2), ("IFE", 3)]
    # the unknown function is no call: both GT calls are missing
    assert a.counts["IAC"] == 2 and a.scores["IAC"] == 0.0 and a.scores["SR"] == 0.0


def test_ian_counts_once_per_step() -> None:
    a = analyse([call(1, "search", query="Up", title="x", lang="en")], TOOLS, GT, "x", 1)
    assert a.counts["IAN"] == 1 and a.scores["IAN"] == pytest.approx(0.9)


def test_iat_and_int_for_float() -> None:
    a = analyse(
        [
            call(1, "details", id="7"),
            call(2, "details", id=7, ratio=2),
            call(3, "details", id=True),
        ],
        TOOLS,
        GT,
        "x",
        1,
    )
    assert a.counts["IAT"] == 2  # "7" and True are not integers; 2 is a valid number
    assert [e.step for e in a.events if e.pattern == "IAT"] == [1, 3]


def test_repeated_identical_calls() -> None:
    steps = [
        call(1, "search", query="Up"),
        call(2, "search", query="Up"),
        call(3, "search", query="Up"),
        call(4, "search", query="Down"),
    ]
    a = analyse(steps, TOOLS, GT, "x", 1)
    assert a.counts["RAC"] == 2 and a.scores["RAC"] == pytest.approx(0.8)


def test_unexecuted_calls_are_not_repeats() -> None:
    # in feedback mode a mistyped call is not executed, so sending it again is no RAC
    steps = [call(1, "details", executed=False, id="7"), call(2, "details", executed=False, id="7")]
    a = analyse(steps, TOOLS, GT, "x", 1)
    assert a.counts["RAC"] == 0 and a.counts["IAT"] == 2


def test_iac_and_iav_against_the_ground_truth() -> None:
    a = analyse([call(1, "search", query="Down"), fin(2, "x")], TOOLS, GT, "y", 1)
    # details never called: 1 missing of 2; search has a wrong value; details has no call
    assert a.counts["IAC"] == 1 and a.scores["IAC"] == pytest.approx(0.5)
    assert a.counts["IAV"] == 2 and a.scores["IAV"] == pytest.approx(0.8)


def test_missing_required_argument_paper_vs_code() -> None:
    steps = [call(1, "search", query="Up"), call(2, "details")]
    paper = analyse(steps, TOOLS, GT, "x", 1, missing_as="IAV")
    code = analyse(steps, TOOLS, GT, "x", 1, missing_as="IAN")
    assert paper.counts["IAN"] == 0 and paper.counts["IAV"] == 2  # missing arg + unmatched GT
    assert code.counts["IAN"] == 1 and code.counts["IAV"] == 1


def test_several_ground_truths_pick_the_best() -> None:
    gts = [
        spectool_gt(
            [
                {"name": "search", "arguments": {"query": "Up"}},
                {"name": "details", "arguments": {"id": 7}},
            ]
        ),
        spectool_gt([{"name": "details", "arguments": {"id": 7}}]),
    ]
    a = analyse([call(1, "details", id=7)], TOOLS, gts, "x", 1)
    assert a.best_gt == 1 and a.counts["IAC"] == 0 and a.scores["IAC"] == 1.0
    b = analyse([call(1, "details", id=8)], TOOLS, gts, "x", 1)
    assert b.best_gt == 1 and b.counts["IAV"] == 1  # (0 missing, 1 wrong) beats (1, 2)


def test_finish_as_first_action() -> None:
    a = analyse([fin(1, "Pixar")], TOOLS, GT, "Pixar", 1)
    assert a.finished and a.n_calls == 0 and a.scores["SR"] == 1.0
    assert a.counts["IAC"] == 2 and a.scores["IAC"] == 0.0
    g = analyse([fin(1, "whatever")], TOOLS, GT, ["a", "b"], 0)
    assert g.scores["SR"] == pytest.approx((5 * 1.0 + 0.0 + 0.8) / 7)  # IAC 0, IAV 0.8


def test_empty_ground_truth() -> None:
    for gts in ([], [[]]):
        a = analyse([call(1, "search", query="Up"), fin(2, "x")], TOOLS, gts, "x", 1)
        assert a.scores["IAC"] == 1.0 and a.scores["IAV"] == 1.0 and a.scores["SR"] == 1.0


def test_not_finished_is_zero_success() -> None:
    a = analyse([call(1, "search", query="Up"), call(2, "details", id=7)], TOOLS, GT, "x", 0)
    assert not a.finished and a.scores["SR"] == 0.0


def test_goal_type_zero_is_mean_of_scores() -> None:
    a = analyse(
        [ife(1), call(2, "search", query="Up"), call(3, "details", id=7), fin(4, "x")],
        TOOLS,
        GT,
        ["x"],
        0,
    )
    assert a.scores["SR"] == pytest.approx((6 * 1.0 + 0.9) / 7)


def test_steps_after_finish_are_ignored() -> None:
    a = analyse([fin(1, "x"), ife(2)], TOOLS, GT, "x", 1)
    assert a.counts["IFE"] == 0


def test_exact_answer_rules() -> None:
    assert exact_answer("142", 142) and exact_answer("142.0", 142)
    assert exact_answer("Marrow Medical Devices.", "marrow  medical devices")
    assert not exact_answer("about 142 minutes", 142)
    assert exact_answer(True, True) and not exact_answer("yes", True)


def test_finish_without_answer_key_uses_its_only_value() -> None:
    step = {"step": 1, "kind": "finish", "name": "finish", "arguments": {"result": "Pixar"}}
    assert analyse([step], TOOLS, [], "pixar", 1).scores["SR"] == 1.0
    step["arguments"] = {"a": "Pixar", "b": 1}
    assert analyse([step], TOOLS, [], "pixar", 1).scores["SR"] == 0.0


def test_strict_values_follow_the_released_code() -> None:
    """The README's example: lenient and strict differ on case, on an "optional" argument given,
    on a number as text, and on the answer's case."""
    steps = [
        call(1, "search", query="up", year=2009),  # case differs; optional year given
        call(2, "details", id="7"),  # a number as text (also an IAT)
        fin(3, "PIXAR"),
    ]
    lenient = analyse(steps, TOOLS, GT, "Pixar", 1)
    strict = analyse(steps, TOOLS, GT, "Pixar", 1, values="strict")
    assert lenient.counts["IAV"] == 0 and lenient.scores["SR"] == 1.0
    assert strict.counts["IAV"] == 2 and strict.scores["IAV"] == 0.8 and strict.scores["SR"] == 0.0
    assert lenient.counts["IAT"] == strict.counts["IAT"] == 1
    # each difference alone
    for s in (
        [call(1, "search", query="up"), call(2, "details", id=7)],
        [call(1, "search", query="Up", year=2009), call(2, "details", id=7)],
        [call(1, "search", query="Up"), call(2, "details", id="7")],
    ):
        assert analyse(s, TOOLS, GT, None, 0).counts["IAV"] == 0
        assert analyse(s, TOOLS, GT, None, 0, values="strict").counts["IAV"] == 1
    # Python ==: an int equals the same float, exact text passes
    s = [call(1, "search", query="Up"), call(2, "details", id=7.0), fin(3, "Pixar")]
    a = analyse(s, TOOLS, GT, "Pixar", 1, values="strict")
    assert a.counts["IAV"] == 0 and a.scores["SR"] == 1.0
