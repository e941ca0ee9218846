"""Problems: the record every form is built from, the bundled arithmetic set and the generated
logic set (our own; see data/README.md)."""

from __future__ import annotations

import itertools
import json
import random
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from harness.errors import UserError

DATA = Path(__file__).parent / "data"
ARITHMETIC = DATA / "arithmetic.jsonl"
DISTRACTORS = DATA / "distractors.txt"


class Query(BaseModel):
    """The premise a linear probe asks about: the thing it names and the value it gives it."""

    model_config = ConfigDict(extra="forbid")
    subject: str = Field(description="What the queried premise is about (the key).")
    value: str = Field(description="The value that premise gives it (the box it is in).")


class Problem(BaseModel):
    """One problem in its original form, with what its variants need."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(description="Stable id, unique within the set.")
    kind: Literal["arithmetic", "logic"] = Field(description="Arithmetic word problem or logic.")
    text: str = Field(min_length=1, description="Premises, then the question last.")
    answer: str = Field(min_length=1, description="The reference answer (a number or a word).")
    chain: str = Field(min_length=1, description="The reasoning chain, never augmented.")
    entities: list[str] = Field(
        default_factory=list,
        description="People, objects and places the problem names (distractors must avoid them).",
    )
    candidates: list[str] = Field(
        default_factory=list, description="Logic problems: the answers the question allows."
    )
    query: Query | None = Field(default=None, description="The premise a probe asks about.")
    hops: int | None = Field(default=None, description="Logic problems: premises on the path.")
    source: str = Field(default="", description="Where the problem comes from.")


def load_problems(path: Path) -> list[Problem]:
    """Problems from a JSONL file; a bad line is one error naming the line and the field."""
    out: list[Problem] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise UserError(f"mend: cannot read problems file {path}: {exc.strerror}") from None
    for i, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            out.append(Problem.model_validate(json.loads(line)))
        except json.JSONDecodeError as exc:
            raise UserError(f"mend: {path}:{i} is not JSON ({exc.msg})") from None
        except ValidationError as exc:
            err = exc.errors()[0]
            field = ".".join(str(x) for x in err["loc"]) or "(record)"
            raise UserError(f"mend: {path}:{i}: field {field}: {err['msg']}") from None
    ids = [p.id for p in out]
    dup = next((x for x in ids if ids.count(x) > 1), None)
    if dup is not None:
        raise UserError(f"mend: {path}: problem id {dup!r} appears twice")
    return out


def load_distractors(path: Path = DISTRACTORS) -> list[str]:
    """One distractor a line (``#`` starts a comment line)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UserError(f"mend: cannot read distractor file {path}: {exc.strerror}") from None
    return [x.strip() for x in text.splitlines() if x.strip() and not x.startswith("#")]


# ------------------------------------------------------------------ generated logic problems

OBJECTS = ["key", "coin", "ring", "pen", "stamp", "marble", "button", "shell", "ticket", "spoon"]
CONTAINERS = [
    "red box",
    "blue bag",
    "green jar",
    "small tin",
    "wooden chest",
    "paper envelope",
    "glass bowl",
    "yellow basket",
    "black case",
    "silver pot",
    "brown sack",
    "white drawer",
]
ROOMS = ["kitchen", "garden", "attic", "cellar", "garage", "library", "hallway", "bedroom"]


def logic_problem(idx: int, chains: int, hops: int, seed: int) -> Problem:
    """A containment problem: ``chains`` objects, each ``hops`` links from its room (the object
    is in a container, which is in ... , which is in a room). Every premise is one edge of a
    forest (a DAG), so any order of the premises says the same; the answer is the room of the
    queried object; the candidates are the rooms named (chance = 1 / chains)."""
    if not 1 <= chains <= len(ROOMS) or hops < 1 or chains * (hops - 1) > len(CONTAINERS):
        raise UserError(
            f"mend: logic difficulty chains={chains}, hops={hops} is out of range "
            f"(1 <= chains <= {len(ROOMS)}, hops >= 1, chains*(hops-1) <= {len(CONTAINERS)})"
        )
    rng = random.Random(f"mend-logic/{seed}/{chains}/{hops}/{idx}")
    objects = rng.sample(OBJECTS, chains)
    rooms = rng.sample(ROOMS, chains)
    boxes = rng.sample(CONTAINERS, chains * (hops - 1))
    premises: list[str] = []
    paths: list[list[str]] = []
    for c in range(chains):
        path = [objects[c], *boxes[c * (hops - 1) : (c + 1) * (hops - 1)], rooms[c]]
        paths.append(path)
        for a, b in itertools.pairwise(path):
            premises.append(f"The {a} is in the {b}.")
    q = rng.randrange(chains)
    target = paths[q]
    steps = " ".join(f"The {a} is in the {b}." for a, b in itertools.pairwise(target))
    chain = steps if hops == 1 else f"{steps} So the {target[0]} is in the {target[-1]}."
    return Problem(
        id=f"logic-c{chains}-h{hops}-{idx}",
        kind="logic",
        text=" ".join(premises) + f" In which room is the {target[0]}?",
        answer=target[-1],
        chain=chain,
        entities=[*objects, *boxes, *rooms],
        candidates=sorted(rooms),
        query=Query(subject=target[0], value=target[1]),
        hops=hops,
        source=f"generated (chains={chains}, hops={hops}, seed={seed})",
    )


def logic_problems(n: int, chains: int, hops: int, seed: int = 0) -> list[Problem]:
    return [logic_problem(i, chains, hops, seed) for i in range(n)]
