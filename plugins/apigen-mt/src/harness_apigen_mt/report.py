"""The generation report: acceptance per stage, the feedback loop's gain, phase-2 success."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from harness_apigen_mt.committee import agreement

STAGES = ("format", "execution", "policy", "committee")


@dataclass
class Report:
    domain: str
    source: str
    attempts: int
    max_rounds: int
    acceptance: str
    committee_size: int
    tau2_data: str
    budget: str = "full"
    reviewer_models: list[str] = field(default_factory=lambda: ["reviewer"])
    counts: dict[str, int] = field(default_factory=dict)
    ballots: list[dict[str, bool | None]] = field(default_factory=list)
    rejections: dict[str, int] = field(default_factory=dict)
    accepted_rounds: list[int] = field(default_factory=list)
    reviewer_votes: dict[str, int] = field(
        default_factory=lambda: {"yes": 0, "no": 0, "abstain": 0}
    )
    wall_seconds: float = 0.0

    def count(self, key: str, n: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + n

    def reject(self, stage: str) -> None:
        self.rejections[stage] = self.rejections.get(stage, 0) + 1

    def stage_result(self, s1: Any) -> None:
        self.count("validated")
        for stage in STAGES[:3]:
            self.count(f"{stage}_entered")
            if s1.stage == stage:
                return
            self.count(f"{stage}_passed")

    def committee(self, verdict: Any) -> None:
        self.count("committee_entered")
        if verdict.accepted:
            self.count("committee_passed")
        for r in verdict.reviews:
            key = "abstain" if r.vote is None else ("yes" if r.vote else "no")
            self.reviewer_votes[key] += 1
        if len(self.reviewer_models) > 1:
            self.ballots.append({r.model: r.vote for r in verdict.reviews})

    def accept_round(self, rnd: int) -> None:
        self.accepted_rounds.append(rnd)

    def phase2_blueprint(self) -> None:
        self.count("phase2_blueprints")

    def phase2_episode(self, ok: bool) -> None:
        self.count("phase2_episodes")
        if ok:
            self.count("phase2_episodes_accepted")

    def trajectory(self) -> None:
        self.count("trajectories")

    def finish(self) -> dict[str, Any]:
        c = self.counts
        stages = {}
        for s in STAGES:
            entered, passed = c.get(f"{s}_entered", 0), c.get(f"{s}_passed", 0)
            if s == "format":  # replies that did not even parse are format failures too
                entered += self.rejections.get("format", 0) - (entered - passed)
            stages[s] = {
                "entered": entered,
                "passed": passed,
                "rate": round(passed / entered, 3) if entered else None,
            }
        first = sum(r == 0 for r in self.accepted_rounds)
        total = len(self.accepted_rounds)
        n = self.attempts
        p2b, p2e = c.get("phase2_blueprints", 0), c.get("phase2_episodes", 0)
        traj = c.get("trajectories", 0)
        return {
            "domain": self.domain,
            "source": self.source,
            "tau2_data": self.tau2_data,
            "budget": self.budget,
            "phase1": {
                "attempts": n,
                "generated_replies": c.get("generated", 0),
                "stages": stages,
                "accepted_blueprints": total,
                "acceptance_rate": round(total / n, 3) if n else None,
                "rejections_by_stage": {
                    k: v for k, v in sorted(self.rejections.items()) if not k.startswith("phase2")
                },
                "committee": self._committee(),
            },
            "feedback": {
                "max_rounds": self.max_rounds,
                "accepted_first_round": first,
                "accepted_after_feedback": total - first,
                "success_without_feedback": round(first / n, 3) if n else None,
                "success_with_feedback": round(total / n, 3) if n else None,
                "gain": round((total - first) / n, 3) if n else None,
            },
            "recombination": {
                "tried": c.get("recombination_tried", 0),
                "accepted": c.get("recombination_accepted", 0),
            },
            "phase2": {
                "blueprints": p2b,
                "episodes": p2e,
                "episodes_accepted": c.get("phase2_episodes_accepted", 0),
                "trajectories": traj,
                "rejections_by_stage": {
                    k.removeprefix("phase2-"): v
                    for k, v in sorted(self.rejections.items())
                    if k.startswith("phase2")
                },
                "success_rate": round(traj / p2b, 3) if p2b else None,
                "episode_success_rate": round(c.get("phase2_episodes_accepted", 0) / p2e, 3)
                if p2e
                else None,
            },
            "wall_seconds": self.wall_seconds,
        }

    def _committee(self) -> dict[str, Any]:
        distinct = len(self.reviewer_models) > 1
        out: dict[str, Any] = {
            "size": len(self.reviewer_models) if distinct else self.committee_size,
            "rule": self.acceptance,
            "votes": self.reviewer_votes,
            "models": self.reviewer_models if distinct else ["reviewer"],
        }
        if distinct:
            out["agreement"] = agreement(self.ballots)
        return out

    def table(self) -> str:
        s = self.finish()
        lines = [
            f"APIGen-MT report ({self.domain}, source={self.source}, budget={self.budget})",
            f"{'stage':<12}{'entered':>8}{'passed':>8}{'rate':>8}",
        ]
        for name, v in s["phase1"]["stages"].items():
            rate = "-" if v["rate"] is None else f"{v['rate']:.2f}"
            lines.append(f"{name:<12}{v['entered']:>8}{v['passed']:>8}{rate:>8}")
        f = s["feedback"]
        p = s["phase2"]
        lines += [
            f"accepted blueprints: {s['phase1']['accepted_blueprints']}/{self.attempts}"
            f" (first round {f['accepted_first_round']}, after feedback "
            f"{f['accepted_after_feedback']}; gain {f['gain']})",
            f"recombined: {s['recombination']['accepted']}/{s['recombination']['tried']}",
            f"phase 2: {p['trajectories']} trajectories from {p['blueprints']} blueprints "
            f"({p['episodes_accepted']}/{p['episodes']} episodes passed; rejected at "
            + (", ".join(f"{k} {v}" for k, v in p["rejections_by_stage"].items()) or "none")
            + ")",
        ]
        agree = s["phase1"]["committee"].get("agreement")
        if agree:
            pairs = "; ".join(
                f"{k} {v['agree']}" for k, v in agree["pairwise"].items() if v["agree"] is not None
            )
            lines.append(
                f"committee of {len(agree['models'])} models: unanimous on "
                f"{agree['unanimous']} of {agree['blueprints']} reviewed blueprints"
                + (f"; pairwise agreement {pairs}" if pairs else "")
            )
        return "\n".join(lines)
