"""Augmentation: sentence splitting, the two transforms (property tests), the forms of a
problem, the neutrality check and the generator's files."""

from __future__ import annotations

import asyncio
import json
import random
from pathlib import Path

import pytest
from harness_mend.forms import FORMS, make_forms, neutral_pool
from harness_mend.generator import MendGenerator
from harness_mend.problems import (
    ARITHMETIC,
    Problem,
    load_distractors,
    load_problems,
    logic_problem,
)
from harness_mend.sentences import split_problem, split_sentences
from harness_mend.transforms import add_redundancy, neutral_for, permute
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.errors import UserError
from harness.jobs import JobContext
from harness.schemas import Trajectory

# ------------------------------------------------------------------ sentence splitting


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("A pen costs $3.50. Mr. Lee buys 2 pens. How much?", 3),
        ("Dr. J. Smith has 1,200 coins, e.g. old ones. He sells 3.5 kg. Why?", 3),
        ('Ana said, "Buy 4 apples." Tom bought 2. How many?', 3),
        ('"Stop!" she said to the 3 kids. They stopped. Who?', 3),
        ("The U.S. team won 2 games. vs. last year, more. Ok?", 2),
        ("No boundary in 3.14159 here", 1),
    ],
)
def test_split_survives_numbers_abbreviations_and_quotes(text: str, expected: int) -> None:
    assert len(split_sentences(text)) == expected


def test_split_keeps_the_text() -> None:
    text = 'Dr. Lane buys 4 muffins at $2.50. "Keep the change," Dr. Lane says. How much?'
    sents = split_sentences(text)
    assert sents == [
        "Dr. Lane buys 4 muffins at $2.50.",
        '"Keep the change," Dr. Lane says.',
        "How much?",
    ]
    assert " ".join(sents) == text


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Sam has 9 marbles. Sam wins 4 more.", "no final question"),
        ("Sam has 9 marbles and wins 4. How many?", "fewer than two premises"),
        ("Rosa buys 20 eggs. Then she uses 6. How many?", "order-dependent premise"),
        ("A pond has 30 ducks. Later, 12 fly away. How many?", "order-dependent premise"),
    ],
)
def test_unsplittable_problems_say_why(text: str, reason: str) -> None:
    split = split_problem(text)
    assert not split.ok and split.reason is not None and split.reason.startswith(reason)


# ------------------------------------------------------------------ property tests

WORDS = ["apples", "Mr.", "Dr.", "e.g.", "3.5", "$2.50", "1,200", "kg", "blue", "box", "sold"]
NAMES = ["Ana", "Ben", "Chen", "Dora", "Eli", "Fay"]


@st.composite
def premises(draw: st.DrawFn) -> list[str]:
    """Distinct premises that open with a name and mix in numbers, abbreviations and quotes."""
    n = draw(st.integers(min_value=2, max_value=8))
    out = []
    for i in range(n):
        words = draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=5))
        quote = draw(st.booleans())
        body = f"{NAMES[i % len(NAMES)]} has {i + 2} {' '.join(words)} (item {i})"
        out.append(f'{body}, "ok."' if quote else f"{body}.")
    return out


@settings(max_examples=60, deadline=None)
@given(premises(), st.integers(min_value=0, max_value=10**6))
def test_permutation_keeps_every_premise_once_and_the_question_last(
    ps: list[str], seed: int
) -> None:
    question = "How many apples are there?"
    split = split_problem(" ".join([*ps, question]))
    assert split.ok and list(split.premises) == ps and split.question == question
    order = permute(len(ps), random.Random(seed))
    assert sorted(order) == list(range(len(ps))) and order != list(range(len(ps)))
    text = " ".join([*(ps[i] for i in order), question])
    again = split_sentences(text)
    assert again[-1] == question
    assert sorted(again[:-1]) == sorted(ps)  # every premise exactly once


@settings(max_examples=40, deadline=None)
@given(premises(), st.integers(min_value=0, max_value=5), st.integers(min_value=0, max_value=999))
def test_redundancy_only_adds_distractors(ps: list[str], k: int, seed: int) -> None:
    pool = load_distractors()
    red = add_redundancy(ps, k, pool, random.Random(seed))
    assert len(red.distractors) == k == len(set(red.distractors))
    assert [p for p in red.premises if p not in red.distractors] == ps  # order kept


@settings(max_examples=60, deadline=None)
@given(
    st.integers(min_value=1, max_value=5),
    st.integers(min_value=1, max_value=3),
    st.integers(min_value=0, max_value=50),
    st.integers(min_value=1, max_value=4),
)
def test_every_form_of_a_logic_problem_keeps_premises_and_question(
    chains: int, hops: int, seed: int, k: int
) -> None:
    p = logic_problem(seed, chains, hops, seed)
    forms = make_forms(p, load_distractors(), k, seed)
    original = forms.forms["original"].premises
    if len(original) < 2:
        assert forms.unsplit_reason == "fewer than two premises"
        return
    for name in FORMS:
        f = forms.forms[name]
        assert f.text.endswith(forms.question) and split_sentences(f.text)[-1] == forms.question
        assert sorted(x for x in f.premises if x not in f.distractors) == sorted(original)
        assert len(f.distractors) == (k if name in ("redundant", "combined") else 0)
        assert all(neutral_for(d, p.entities) is None for d in f.distractors)
    assert forms.forms["permuted"].premises != original


# ------------------------------------------------------------------ neutrality


def test_distractor_naming_an_entity_or_a_number_is_rejected() -> None:
    ents = ["Dr. Lane", "muffins", "red box"]
    assert neutral_for("The sky was clear.", ents) is None
    assert "entity 'muffins'" in str(neutral_for("A muffin cooled on the sill.", ents))
    assert "entity 'Dr. Lane'" in str(neutral_for("Lane walked home.", ents))
    assert "entity 'red box'" in str(neutral_for("The red kite flew.", ents))
    assert "entity 'apples'" in str(neutral_for("An apple fell.", ["apples"]))
    assert "entity 'box'" in str(neutral_for("Boxes were stacked.", ["box"]))
    assert "entity 'berries'" in str(neutral_for("A berry ripened.", ["berries"]))
    assert "entity 'Omar'" in str(neutral_for("Omar's dog slept.", ["Omar"]))
    assert neutral_for("The glass shone.", ["gas"]) is None
    assert neutral_for("Seven birds sang.", ents) == "has a number word (seven)"
    assert neutral_for("It rained for 3 days.", ents) == "has a number"


def test_the_pool_is_neutral_and_checked_per_problem() -> None:
    pool = load_distractors()
    assert len(pool) >= 30 and all(neutral_for(d, []) is None for d in pool)
    bakery = next(p for p in load_problems(ARITHMETIC) if "bakery" in p.entities)
    _ok, refused = neutral_pool(bakery, pool)
    assert [d for d, _ in refused] == ["The bakery across town smelled of cinnamon."]
    forms = make_forms(bakery, pool, 10, seed=3)
    assert all("bakery" not in d for d in forms.forms["redundant"].distractors)


def test_bundled_arithmetic_answers_and_unsplittable_items() -> None:
    problems = load_problems(ARITHMETIC)
    assert len(problems) >= 25
    reasons = [make_forms(p, load_distractors()).unsplit_reason for p in problems]
    assert sum(r is not None for r in reasons) == 3  # written so, and reported
    for p in problems:  # the chain ends on the answer
        assert p.chain.rstrip(".").split()[-2] == p.answer or p.answer in p.chain


def test_bad_problem_file_names_the_line_and_field(tmp_path: Path) -> None:
    f = tmp_path / "p.jsonl"
    good = {"id": "a", "kind": "arithmetic", "text": "x", "answer": "1", "chain": "c"}
    f.write_text(json.dumps(good) + "\n" + json.dumps({**good, "id": "b", "answer": ""}) + "\n")
    with pytest.raises(UserError, match=r"p.jsonl:2: field answer"):
        load_problems(f)
    f.write_text(json.dumps(good) + "\nnot json\n")
    with pytest.raises(UserError, match=r"p.jsonl:2 is not JSON"):
        load_problems(f)


# ------------------------------------------------------------------ generator


def _generate(tmp_path: Path, **options: object) -> dict:
    tmp_path.mkdir(parents=True)
    gen = MendGenerator(MendGenerator.Options(**options))
    ctx = JobContext(tmp_path, 0, None, None)  # type: ignore[arg-type]
    try:
        return asyncio.run(gen.generate(ctx))
    finally:
        ctx.close()


def test_generator_writes_forms_and_trajectories_with_and_without_augmentation(
    tmp_path: Path,
) -> None:
    plain = _generate(tmp_path / "plain", n_logic=6, augment="none")
    mend = _generate(tmp_path / "mend", n_logic=6, augment="mend", copies=3)
    n = 6 + len(load_problems(ARITHMETIC))
    assert plain["problems"] == mend["problems"] == n
    assert plain["trajectories"] == n
    assert mend["trajectories"] == n + 3 * (n - 3)  # 3 items keep the original only
    assert mend["original_form_only"] == 3
    rows = [json.loads(x) for x in (tmp_path / "mend/trajectories.jsonl").read_text().splitlines()]
    trajs = [Trajectory.model_validate(r) for r in rows]
    by_problem: dict[str, set[str]] = {}
    for t in trajs:
        by_problem.setdefault(t.metadata["problem_id"], set()).add(t.messages[-1].content)
    assert all(len(targets) == 1 for targets in by_problem.values())  # the chain never changes
    queries = {t.messages[0].content for t in trajs if t.metadata["problem_id"] == "arith-01"}
    assert len(queries) == 4
    unsplit = (tmp_path / "mend/unsplit.jsonl").read_text().splitlines()
    assert {json.loads(x)["id"] for x in unsplit} == {"arith-25", "arith-26", "arith-27"}
    rejected = [json.loads(x) for x in (tmp_path / "mend/rejected_distractors.jsonl").open()]
    assert {
        "id": "arith-05",
        "distractor": "The bakery across town smelled of cinnamon.",
        "reason": "names the problem's entity 'bakery'",
    } in rejected


def test_logic_problem_is_a_dag_with_a_known_answer() -> None:
    p = logic_problem(0, chains=3, hops=3, seed=1)
    edges = [
        s.removeprefix("The ").removesuffix(".").split(" is in the ")
        for s in split_problem(p.text).premises
    ]
    parent = dict(edges)
    assert len(parent) == len(edges) == 9  # each thing is in exactly one place
    x = p.query.subject if p.query else ""
    for _ in range(3):
        x = parent[x]
    assert x == p.answer and p.answer in p.candidates and len(p.candidates) == 3
    assert isinstance(p, Problem)
    with pytest.raises(UserError, match="out of range"):
        logic_problem(0, chains=9, hops=1, seed=0)


def test_published_schemas_are_current_and_validate_the_output(tmp_path: Path) -> None:
    import jsonschema
    from harness_mend.forms import published_schemas
    from harness_mend.problems import DATA

    for name, schema in published_schemas().items():
        on_disk = json.loads((DATA / "schemas" / f"{name}.schema.json").read_text())
        assert on_disk == schema, f"regenerate data/schemas/{name}.schema.json"
    _generate(tmp_path / "g", n_logic=2, augment="none")
    schemas = published_schemas()
    for line in (tmp_path / "g/forms.jsonl").read_text().splitlines():
        row = json.loads(line)
        jsonschema.validate(row.pop("problem"), schemas["problem"])
        row.pop("distribution")
        jsonschema.validate(row, schemas["forms"])


def test_generator_with_a_bad_problem_file_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "kind": "logic"}\n')
    with pytest.raises(UserError, match=r"bad.jsonl:1: field text"):
        _generate(tmp_path / "out", problems_file=str(bad))
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["log.jsonl"]
