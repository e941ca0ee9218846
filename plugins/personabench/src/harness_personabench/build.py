"""Plant a community's facts in code, then write them as sessions with templates.

Every answer, outdated value and supporting segment id is decided here before any text exists,
so the ground truth never depends on a model. A model may rewrite the wording later
(:mod:`harness_personabench.generator`), and only keeps a rewrite that still states the fact."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from harness_personabench import vocab as V

START = datetime(2023, 1, 1, 9, 0)


@dataclass
class Session:
    """One planned session: its kind, who it is with, when, and its turns or items."""

    kind: str  # conversation_data | user_ai_interaction_data | purchase_history_data
    day: int
    segment_id: str
    target: str | None = None
    turns: list[tuple[str, str]] = field(default_factory=list)
    items: list[dict[str, str]] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)  # words a rewrite must keep


@dataclass
class Person:
    name: str
    persona: str
    sessions: list[Session] = field(default_factory=list)
    questions: list[dict[str, Any]] = field(default_factory=list)
    gt: dict[str, dict[str, list[str]]] = field(default_factory=dict)


@dataclass
class Planted:
    seed: int
    people: list[Person]
    edges: list[dict[str, Any]]
    main: list[str]


class _Ids:
    def __init__(self, rng: random.Random) -> None:
        self.rng, self.used = rng, set[str]()

    def new(self) -> str:
        while True:
            s = f"{self.rng.getrandbits(32):08x}"
            if s not in self.used:
                self.used.add(s)
                return s


def _graph(rng: random.Random, n: int, n_main: int) -> tuple[list[Person], list[dict[str, Any]]]:
    firsts, lasts = rng.sample(V.FIRST, n), rng.sample(V.LAST, n)
    people = []
    for f, last in zip(firsts, lasts, strict=True):
        occ = rng.choice(V.OCCUPATIONS)
        people.append(Person(f"{f} {last}", f"A {occ} who likes {rng.choice(V.FILLER_TOPICS)}."))
    edges = []
    for i in range(n_main):
        others = [p for j, p in enumerate(people) if j != i]
        for rel, other in zip(rng.sample(V.RELATIONS, 3), rng.sample(others, 3), strict=True):
            edges.append(
                {
                    "source": people[i].name,
                    "target": other.name,
                    "properties": {
                        "relationship": rel,
                        "description": f"{other.name} is {people[i].name}'s {rel}.",
                    },
                }
            )
    return people, edges


def _ask(
    p: Person,
    q: str,
    answer: Any,
    typ: str,
    diff: str,
    gt: dict[str, list[str]],
    outdated: Any = None,
) -> None:
    qid = len(p.questions)
    p.questions.append(
        {
            "q_id": qid,
            "question": q,
            "answer": answer,
            "type": typ,
            "difficulty": diff,
            "outdated_value": outdated,
        }
    )
    p.gt[str(qid)] = gt


def plant(seed: int, n_people: int = 6, n_main: int = 3) -> Planted:
    """A community: a graph, and for each of ``n_main`` people planted facts and questions."""
    rng = random.Random(seed)
    ids = _Ids(rng)
    people, edges = _graph(rng, n_people, n_main)
    for i in range(n_main):
        p = people[i]
        rels = [
            (e["properties"]["relationship"], e["target"]) for e in edges if e["source"] == p.name
        ]
        _plant_basics(p, rng, ids, rels)
        _plant_preferences(p, rng, ids, rels)
        _plant_social(p, ids, rels)
        _plant_subjective(p, rng, ids)
        p.sessions += [_filler(p, rng, ids, rels, day=rng.randrange(700)) for _ in range(4)]
    return Planted(seed, people, edges, [people[i].name for i in range(n_main)])


def _first(name: str) -> str:
    return name.split()[0]


def _plant_basics(p: Person, rng: random.Random, ids: _Ids, rels: list[tuple[str, str]]) -> None:
    city, occ, year = rng.choice(V.CITIES), rng.choice(V.OCCUPATIONS), rng.randrange(1960, 2001)
    t1, t2 = rng.choice(rels)[1], rng.choice(rels)[1]
    s = Session("conversation_data", rng.randrange(700), ids.new(), t1, facts=[city])
    s.turns = [
        (t1, f"Are you going home for the holidays, {_first(p.name)}?"),
        (p.name, f"Yes, back to {city}. I was born there and still miss it."),
        (t1, f"{city} in winter sounds lovely."),
    ]
    _ask(p, f"Where was {p.name} born?", city, "Basic information", "easy", {city: [s.segment_id]})
    s2 = Session("user_ai_interaction_data", rng.randrange(700), ids.new(), facts=[occ])
    s2.turns = [
        ("user", f"I work as a {occ}. Can you help me plan my shifts for next week?"),
        ("assistant", f"Of course. Which days do you usually work as a {occ}?"),
    ]
    _ask(
        p,
        f"What is {p.name}'s occupation?",
        occ,
        "Basic information",
        "easy",
        {occ: [s2.segment_id]},
    )
    s3 = Session("conversation_data", rng.randrange(700), ids.new(), t2, facts=[str(year)])
    s3.turns = [
        (t2, f"Happy birthday! Hard to believe you were born in {year}."),
        (p.name, "Thank you! I feel younger than that."),
    ]
    _ask(
        p,
        f"In which year was {p.name} born?",
        year,
        "Basic information",
        "easy",
        {str(year): [s3.segment_id]},
    )
    p.sessions += [s, s2, s3]


def _plant_preferences(
    p: Person, rng: random.Random, ids: _Ids, rels: list[tuple[str, str]]
) -> None:
    old, new = rng.sample(V.CUISINES, 2)
    early = Session("user_ai_interaction_data", rng.randrange(150), ids.new(), facts=[old])
    early.turns = [
        ("user", f"I love {old} food. Suggest a dish I can cook tonight?"),
        ("assistant", f"A classic {old} stew would be a good start."),
    ]
    t = rng.choice(rels)[1]
    late = Session("conversation_data", 550 + rng.randrange(150), ids.new(), t, facts=[new])
    late.turns = [
        (t, f"Still cooking {old} dishes every weekend?"),
        (p.name, f"Not anymore. These days {new} is my favourite cuisine by far."),
    ]
    _ask(
        p,
        f"What is {p.name}'s favorite cuisine?",
        new,
        "Preference",
        "easy",
        {new: [late.segment_id]},
        outdated=[old],
    )
    sport = rng.choice(V.SPORTS)
    s = Session("user_ai_interaction_data", rng.randrange(700), ids.new(), facts=[sport])
    s.turns = [
        ("user", f"I play {sport} twice a week. How do I avoid sore shoulders?"),
        ("assistant", f"Warm up well before {sport} and stretch afterwards."),
    ]
    _ask(
        p, f"Which sport does {p.name} play?", sport, "Preference", "easy", {sport: [s.segment_id]}
    )
    p.sessions += [early, late, s]
    hobbies = rng.sample(sorted(V.HOBBIES), 2)
    gt: dict[str, list[str]] = {}
    for h in hobbies:
        for title, cat in V.HOBBIES[h]:
            b = Session("purchase_history_data", rng.randrange(700), ids.new(), facts=[h])
            desc = f"Essential kit for {h}."
            b.items = [
                {
                    "title": title,
                    "description": desc,
                    "brand": rng.choice(V.BRANDS),
                    "categories": cat,
                }
            ]
            gt.setdefault(h, []).append(b.segment_id)
            p.sessions.append(b)
    _ask(p, f"What hobbies does {p.name} have?", hobbies, "Preference", "hard", gt)
    _plant_music(p, rng, ids, rels)


def _plant_music(p: Person, rng: random.Random, ids: _Ids, rels: list[tuple[str, str]]) -> None:
    g1, g2 = rng.sample(V.GENRES, 2)
    t = rng.choice(rels)[1]
    a = Session("conversation_data", rng.randrange(700), ids.new(), t, facts=[g1])
    a.turns = [
        (p.name, f"That {g1} concert last night was wonderful."),
        (t, "Glad you went! I could hear you humming all the way home."),
    ]
    b = Session("user_ai_interaction_data", rng.randrange(700), ids.new(), facts=[g1])
    b.turns = [
        ("user", f"Recommend some {g1} albums for a long drive."),
        ("assistant", f"Here are five {g1} records that suit a drive."),
    ]
    c = Session("user_ai_interaction_data", rng.randrange(700), ids.new(), facts=[g2])
    c.turns = [
        ("user", f"Is there a {g2} festival near me this summer? I never miss one."),
        ("assistant", f"Several {g2} festivals run in July."),
    ]
    gt = {g1: [a.segment_id, b.segment_id], g2: [c.segment_id]}
    _ask(p, f"What kinds of music does {p.name} enjoy?", [g1, g2], "Preference", "hard", gt)
    p.sessions += [a, b, c]


def _plant_social(p: Person, ids: _Ids, rels: list[tuple[str, str]]) -> None:
    rng = random.Random(p.name)
    for rel, other in rels:
        s = Session(
            "conversation_data", rng.randrange(700), ids.new(), other, facts=[rel, _first(other)]
        )
        s.turns = [
            (other, f"Hi {_first(p.name)}, it's {_first(other)}. As your {rel}, I had to call."),
            (p.name, f"I'm glad you did, {_first(other)}. Let's meet on Sunday."),
        ]
        _ask(p, f"Who is {p.name}'s {rel}?", other, "Social", "easy", {other: [s.segment_id]})
        p.sessions.append(s)


def _plant_subjective(p: Person, rng: random.Random, ids: _Ids) -> None:
    a, b = rng.choice(V.TRAITS)
    pick = rng.choice("AB")
    trait = a if pick == "A" else b
    s = Session("user_ai_interaction_data", rng.randrange(700), ids.new())
    s.turns = [
        ("user", f"People say I {trait}. Is that a strength?"),
        ("assistant", "It can be, depending on the situation."),
    ]
    q = f"Which describes {p.name} better? A: {p.name} {a}. B: {p.name} {b}."
    _ask(p, q, pick, "Subjective", "easy", {pick: [s.segment_id]})
    p.sessions.append(s)


def _filler(
    p: Person, rng: random.Random, ids: _Ids, rels: list[tuple[str, str]], day: int
) -> Session:
    """A session with no planted fact; distractors also mention other people's facts."""
    kind = rng.choice(["conversation_data", "user_ai_interaction_data", "purchase_history_data"])
    topic = rng.choice(V.FILLER_TOPICS)
    if kind == "purchase_history_data":
        title, cat = rng.choice(V.FILLER_ITEMS)
        s = Session(kind, day, ids.new())
        s.items = [
            {
                "title": title,
                "description": f"A plain {title}.",
                "brand": rng.choice(V.BRANDS),
                "categories": cat,
            }
        ]
        return s
    if kind == "user_ai_interaction_data":
        s = Session(kind, day, ids.new())
        s.turns = [
            ("user", f"Tell me something about {topic}."),
            ("assistant", f"Here is a short note on {topic}."),
        ]
        return s
    t = rng.choice(rels)[1]
    s = Session(kind, day, ids.new(), t)
    s.turns = [(t, f"Did you hear about {topic}?"), (p.name, _confuser(rng))]
    return s


def _confuser(rng: random.Random) -> str:
    """Someone else's fact: words a lexical retriever may match for the wrong reason."""
    who = rng.choice(["My uncle", "A coworker", "Our new neighbour", "My old teacher"])
    return rng.choice(
        [
            f"{who} was born in {rng.choice(V.CITIES)}, by the way.",
            f"{who} says {rng.choice(V.CUISINES)} is the best cuisine.",
            f"{who} plays {rng.choice(V.SPORTS)} every weekend.",
            f"{who} works as a {rng.choice(V.OCCUPATIONS)} now.",
            f"{who} listens to {rng.choice(V.GENRES)} all day.",
        ]
    )


def with_noise(planted: Planted, person: Person, noise: float) -> list[Session]:
    """The person's sessions plus distractors, so distractors are ``noise`` of all sessions."""
    rng = random.Random(f"{planted.seed}-{person.name}-{noise}")
    ids = _Ids(rng)
    ids.used = {s.segment_id for p in planted.people for s in p.sessions}
    rels = [
        (e["properties"]["relationship"], e["target"])
        for e in planted.edges
        if e["source"] == person.name
    ]
    n = len(person.sessions)
    extra = round(n * noise / (1 - noise)) if noise < 1 else 0
    return person.sessions + [
        _filler(person, rng, ids, rels, rng.randrange(700)) for _ in range(extra)
    ]


def _time(s: Session) -> str:
    minutes = int(s.segment_id[:4], 16) % (12 * 60)
    return (START + timedelta(days=s.day, minutes=minutes)).strftime("%Y-%m-%d %H:%M")


def to_documents(sessions: list[Session]) -> dict[str, Any]:
    """Sessions in the released document schema, numbered in time order within each document."""
    ordered = sorted(sessions, key=_time)
    convs: dict[str, list[dict[str, Any]]] = {}
    ai: list[dict[str, Any]] = []
    buys: list[dict[str, Any]] = []
    for s in ordered:
        turns = [{"role": r, "content": c} for r, c in s.turns]
        if s.kind == "conversation_data":
            target = s.target or ""
            rows = convs.setdefault(target, [])
            rows.append(
                {
                    "session": len(rows),
                    "time": _time(s),
                    "target_name": target,
                    "conversation": turns,
                    "segment_id": s.segment_id,
                }
            )
        elif s.kind == "user_ai_interaction_data":
            ai.append(
                {
                    "session": len(ai),
                    "time": _time(s),
                    "user_ai_interaction": turns,
                    "segment_id": s.segment_id,
                }
            )
        else:
            buys.append(
                {
                    "session": len(buys),
                    "time": _time(s),
                    "purchase_history": s.items,
                    "segment_id": s.segment_id,
                }
            )
    return {
        "conversation_data": [{"Target_name": t, "Conversations": c} for t, c in convs.items()],
        "user_ai_interaction_data": ai,
        "purchase_history_data": buys,
    }


def community_files(planted: Planted, noises: tuple[float, ...]) -> dict[str, Any]:
    """Relative path -> JSON content of one community in the released layout."""
    people = {p.name: p for p in planted.people}
    files: dict[str, Any] = {
        "graph_json/social_graph.json": {
            "nodes": [
                {"node": p.name, "properties": {"name": p.name, "persona": p.persona}}
                for p in planted.people
            ],
            "edges": planted.edges,
        },
        "eval_info/eval_info_all.json": [
            {"Name": n, "Eval_Info": {"qa": people[n].questions}} for n in planted.main
        ],
    }
    for noise in noises:
        for kind in ("conversation_data", "user_ai_interaction_data", "purchase_history_data"):
            files[f"private_data/noise_{noise}/{kind}_all.json"] = [
                {"Name": n, "Data": to_documents(with_noise(planted, people[n], noise))[kind]}
                for n in planted.main
            ]
        files[f"eval_info/qa_gt_context_all_noise_{noise}.json"] = [
            {
                "Name": n,
                "q_id": q["q_id"],
                "question": q["question"],
                "answer": q["answer"],
                "segment_id": people[n].gt[str(q["q_id"])],
            }
            for n in planted.main
            for q in people[n].questions
        ]
    return files
