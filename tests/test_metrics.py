"""The built-in metrics on hand-computed examples; answer_match's extraction rules one by one."""

from __future__ import annotations

import pytest

from harness.metric import AnswerMatch, ExactMatch, Includes, extract_answer
from harness.schemas import Sample, SolveOutput


def score(metric: object, reply: str, target: object) -> float | None:
    sample = Sample(id="s", input="q", target=target)
    return metric.score(sample, SolveOutput(completion=reply)).value  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "reply,numeric,answer",
    [
        ("12 * 3 = 36 ...", True, "36"),  # the number after the last '='
        ("x = 3, so y = -4.5", True, "-4.5"),
        ("I think 5 + 7 is 12", True, "12"),  # no marker, no '=': the last number
        ("The answer is 42. (I checked 41 first)", True, "42"),  # a marker beats the last number
        ("Answer: 7", True, "7"),
        ("final answer = 1,234", True, "1,234"),
        ("no digits here", True, ""),
        ("", True, ""),
        ("Reversed: 'elppa'", False, "elppa"),  # the last quoted word
        ('Upper case: "RIVER" (from "river")', False, "river"),
        ("**tiger**", False, "tiger"),
        ("The answer is: RIVER.", False, "RIVER"),
        ("ELPPA", False, "ELPPA"),  # nothing quoted: the first word
        ("tiger, I believe", False, "tiger"),
    ],
)
def test_extract_answer_rules(reply: str, numeric: bool, answer: str) -> None:
    assert extract_answer(reply, numeric) == answer


def test_answer_match_is_lenient_where_exact_match_is_not() -> None:
    assert score(AnswerMatch(), "12 * 3 = 36", "36") == 1.0
    assert score(ExactMatch(), "12 * 3 = 36", "36") == 0.0
    assert score(AnswerMatch(), "36.0", "36") == 1.0  # numbers compared as numbers
    assert score(AnswerMatch(), "1,234", "1234") == 1.0
    assert score(AnswerMatch(), "12 * 3 = 35", "36") == 0.0
    assert score(AnswerMatch(), "It is 'Elppa'.", "elppa") == 1.0  # text without case
    assert score(AnswerMatch(), "apple", "elppa") == 0.0
    assert score(AnswerMatch(), "", "36") == 0.0
    assert score(AnswerMatch(), "The answer is 8", ["7", "8"]) == 1.0  # any of several targets


def test_exact_match_and_includes() -> None:
    assert score(ExactMatch(), "  Paris. ", "paris") == 1.0
    assert score(Includes(), "It is Paris, France", "paris") == 1.0
    assert score(Includes(), "Lyon", "paris") == 0.0
