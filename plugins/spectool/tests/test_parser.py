"""The action parser: unit cases and hypothesis properties (never raises; round-trips)."""

from __future__ import annotations

import json
import string

from harness_spectool.parser import parse_action, parse_actions, parse_arguments
from hypothesis import given, settings
from hypothesis import strategies as st

NAMES = st.text(alphabet=string.ascii_letters + "_", min_size=1, max_size=20).filter(
    lambda s: "with" not in s.lower() and "action" not in s.lower()
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**9), 10**9),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
)
VALUES = st.recursive(
    SCALARS,
    lambda c: st.one_of(
        st.lists(c, max_size=3), st.dictionaries(st.text(max_size=8), c, max_size=3)
    ),
    max_leaves=8,
)
ARGS = st.dictionaries(st.text(max_size=12), VALUES, max_size=5)


def test_basic_call_and_thought() -> None:
    a = parse_action('Thought: x\nAction: search_movie with Action Input: {"query": "Up"}\n')
    assert a.ok and a.name == "search_movie" and a.arguments == {"query": "Up"}


def test_python_literal_dict_is_accepted_without_eval() -> None:
    a = parse_action("Action: f with Action Input: {'a': True, 'b': None, 'c': (1, 2)}")
    assert a.ok and a.arguments == {"a": True, "b": None, "c": [1, 2]}
    assert parse_action("Action: f with Action Input: {'a': {1, 2}}").error
    assert parse_action("Action: f with Action Input: {'a': 1j}").error
    bad = parse_action("Action: f with Action Input: {'a': __import__('os').getcwd()}")
    assert not bad.ok and bad.name == "f"


def test_format_errors_have_reasons() -> None:
    assert parse_action("I think the answer is 4").error
    assert parse_action("Action: f with Action Input: not json").error
    assert parse_action('Action:  with Action Input: {"a": 1}').error == "empty action name"
    assert parse_action("Action: f with Action Input: [1, 2]").error
    assert parse_action('Action: f with Action Input: {"a": 1').error


def test_trailing_text_after_object_is_ignored() -> None:
    a = parse_action('Action: finish with Action Input: {"answer": "42"}\nObservation: x')
    assert a.ok and a.arguments == {"answer": "42"}


def test_parse_actions_reads_parallel_calls() -> None:
    acts = parse_actions(
        'Action: f with Action Input: {"x": 1}\n'
        'Action: g with Action Input: {"y": "}{"}\nAction: broken'
    )
    assert [a.name for a in acts[:2]] == ["f", "g"] and acts[1].arguments == {"y": "}{"}
    assert not acts[2].ok


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_never_raises_on_any_text(text: str) -> None:
    a = parse_action(text)
    assert a.ok or a.error
    for b in parse_actions(text):
        assert b.ok or b.error


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_never_raises_after_an_action_prefix(tail: str) -> None:
    a = parse_action("Action: f with Action Input: " + tail)
    assert (a.ok and isinstance(a.arguments, dict)) or a.error


@settings(max_examples=200, deadline=None)
@given(NAMES, ARGS)
def test_json_round_trip(name: str, args: dict) -> None:
    a = parse_action(f"Thought: ok\nAction: {name} with Action Input: {json.dumps(args)}")
    assert a.ok and a.name == name and a.arguments == args


@settings(max_examples=200, deadline=None)
@given(NAMES, st.dictionaries(st.text(max_size=8), SCALARS, max_size=5))
def test_python_repr_round_trip(name: str, args: dict) -> None:
    a = parse_action(f"Action: {name} with Action Input: {args!r}")
    assert a.ok and a.arguments == args


def test_parse_arguments_rejects_huge_input() -> None:
    args, why = parse_arguments("{" + "x" * 30_000 + "}")
    assert args is None and "longer" in (why or "")
