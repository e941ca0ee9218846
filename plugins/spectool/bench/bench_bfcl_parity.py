"""Parity of spectool's BFCL AST checker with BFCL's released checker (bfcl-eval).

    python -m venv /tmp/bfcl-venv
    /tmp/bfcl-venv/bin/pip install --no-deps bfcl-eval==2026.3.23   # a throwaway venv
    nice -n 19 python plugins/spectool/bench/bench_bfcl_parity.py --venv /tmp/bfcl-venv

bfcl-eval is never imported here: its data files are read from the venv's site-packages and its
checker runs in that venv's python (``_bfcl_official.py``, in a subprocess). For every record of
every BFCL category the plugin scores, model-like outputs are built: the exact answer and eleven
kinds of mutation (seeded). Both checkers judge each output; the script prints agreement overall,
per category and per mutation kind, lists every disagreement, and checks the goals (>= 99.9%
overall, >= 99.5% in every cell of >= 200 cases). Exit status 1 if a goal is missed.
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from harness_spectool.bfcl import CATEGORY_FILES, ast_check, read_category  # noqa: E402

KINDS = [
    "exact",
    "alt_option",
    "reorder_calls",
    "string_case",
    "string_format",
    "type_change",
    "drop_param",
    "extra_param",
    "wrong_name",
    "value_change",
    "array_items",
    "call_count",
]
Call = tuple[str, dict[str, Any]]


def pick(options: Any) -> tuple[bool, Any]:
    """(present, value): the first possible answer that is not "" (omission)."""
    if not isinstance(options, list):
        return True, options
    for o in options:
        if o != "":
            return True, o
    return False, None


def concrete(value: Any) -> Any:
    """A concrete value from a possible answer (dicts inside hold lists of options)."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            present, chosen = pick(v)
            if present:
                out[k] = concrete(chosen)
        return out
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        return [concrete(v) for v in value]
    return value


def exact_calls(answer: list[dict[str, Any]]) -> list[Call]:
    calls = []
    for entry in answer:
        ((name, params),) = entry.items()
        args = {}
        for k, options in params.items():
            present, chosen = pick(options)
            if present:
                args[k] = concrete(chosen)
        calls.append((name, args))
    return calls


def _strings(args: dict[str, Any]) -> list[tuple[str, int | None]]:
    """(param, index in list or None) of every string value."""
    out: list[tuple[str, int | None]] = []
    for k, v in args.items():
        if isinstance(v, str):
            out.append((k, None))
        elif isinstance(v, list):
            out.extend((k, i) for i, x in enumerate(v) if isinstance(x, str))
    return out


def _set_string(args: dict[str, Any], where: tuple[str, int | None], fn: Any) -> None:
    k, i = where
    if i is None:
        args[k] = fn(args[k])
    else:
        args[k][i] = fn(args[k][i])


CASE_FNS = [str.upper, str.lower, str.title, str.swapcase, str.capitalize]
FORMAT_FNS = [
    lambda s: s.replace(" ", "_"),
    lambda s: s.replace(" ", "-"),
    lambda s: s.replace(" ", ""),
    lambda s: s + ".",
    lambda s: " " + s + " ",
    lambda s: s.replace(" ", "\t"),
    lambda s: "'" + s + "'",
    lambda s: '"' + s + '"',
    lambda s: s.replace(",", ""),
    lambda s: s.replace("-", " "),
    lambda s: s + "!",
    lambda s: s.replace("'", '"'),
]


def mutate(kind: str, rec: dict[str, Any], rng: random.Random) -> list[Call] | None:
    """One model-like output of ``kind`` for ``rec``, or None if the kind does not apply."""
    answer = rec["ground_truth"]
    calls = exact_calls(answer)
    if kind == "exact":
        return calls
    if kind == "reorder_calls":
        if len(calls) < 2:
            return None
        order = list(range(len(calls)))
        while order == sorted(order):
            rng.shuffle(order)
        return [calls[i] for i in order]
    if kind == "call_count":
        if len(calls) > 1 and rng.random() < 0.5:
            del calls[rng.randrange(len(calls))]
        else:
            calls.insert(rng.randrange(len(calls) + 1), copy.deepcopy(rng.choice(calls)))
        return calls
    ci = rng.randrange(len(calls))
    name, args = calls[ci]
    docs = {f["name"]: f for f in rec["function"]}
    props = docs.get(name, {}).get("parameters", {}).get("properties", {})
    if kind == "alt_option":
        ((_, params),) = answer[ci].items()
        multi = [k for k, o in params.items() if len([x for x in o if x != ""]) > 1]
        if not multi:
            return None
        k = rng.choice(multi)
        choices = [x for x in params[k][1:] if x != ""] + (["<omit>"] if "" in params[k] else [])
        alt = rng.choice(choices)
        if alt == "<omit>":
            args.pop(k, None)
        else:
            args[k] = concrete(alt)
        return calls
    if kind in ("string_case", "string_format"):
        spots = _strings(args)
        if not spots:
            return None
        fns = CASE_FNS if kind == "string_case" else FORMAT_FNS
        _set_string(args, rng.choice(spots), rng.choice(fns))
        return calls
    if kind == "type_change":
        if not args:
            return None
        k = rng.choice(sorted(args))
        v = args[k]
        if isinstance(v, bool):
            args[k] = rng.choice([str(v).lower(), int(v)])
        elif isinstance(v, int):
            args[k] = rng.choice([float(v), str(v)])
        elif isinstance(v, float):
            args[k] = rng.choice([int(v), str(v)] if v == int(v) else [str(v), round(v)])
        elif isinstance(v, str):
            try:
                args[k] = rng.choice([int(v), float(v)])
            except ValueError:
                args[k] = rng.choice([[v], {"value": v}, 0])
        elif isinstance(v, list):
            args[k] = rng.choice([json.dumps(v), v[0] if v else ""])
        elif isinstance(v, dict):
            args[k] = rng.choice([json.dumps(v), [v]])
        return calls
    if kind == "drop_param":
        if not args:
            return None
        del args[rng.choice(sorted(args))]
        return calls
    if kind == "extra_param":
        unused = sorted(set(props) - set(args))
        if unused and rng.random() < 0.6:
            k = rng.choice(unused)
            ptype = props[k].get("type")
            args[k] = {"integer": 1, "float": 1.5, "boolean": True, "array": []}.get(ptype, "x")
        else:
            args["extra_option"] = rng.choice(["yes", 1, True])
        return calls
    if kind == "wrong_name":
        others = [f["name"] for f in rec["function"] if f["name"] != name]
        calls[ci] = (rng.choice(others) if others and rng.random() < 0.6 else name + "_v2", args)
        return calls
    if kind == "value_change":
        if not args:
            return None
        k = rng.choice(sorted(args))
        v = args[k]
        if isinstance(v, bool):
            args[k] = not v
        elif isinstance(v, int | float):
            args[k] = v + rng.choice([1, -1, 10])
        elif isinstance(v, str):
            args[k] = v + rng.choice(["x", " extra", "2"]) if v else "x"
        elif isinstance(v, list):
            args[k] = [*v, v[0]] if v else ["x"]
        elif isinstance(v, dict):
            if v:
                key = rng.choice(sorted(v))
                sub = v[key]
                v[key] = (sub + "x") if isinstance(sub, str) else ("x" if sub is None else None)
            else:
                v["x"] = 1
        return calls
    if kind == "array_items":
        arrays = [k for k, v in args.items() if isinstance(v, list) and v]
        if not arrays:
            return None
        k = rng.choice(arrays)
        v = args[k]
        op = rng.choice(["reverse", "case", "drop", "retype"])
        if op == "reverse" and len(v) > 1:
            v.reverse()
        elif op == "case" and any(isinstance(x, str) for x in v):
            i = rng.choice([i for i, x in enumerate(v) if isinstance(x, str)])
            v[i] = rng.choice(CASE_FNS)(v[i])
        elif op == "drop":
            v.pop(rng.randrange(len(v)))
        else:
            i = rng.randrange(len(v))
            x = v[i]
            if isinstance(x, bool):
                v[i] = str(x)
            elif isinstance(x, int):
                v[i] = rng.choice([float(x), str(x)])
            elif isinstance(x, float):
                v[i] = int(x) if x == int(x) else str(x)
            elif isinstance(x, str):
                v[i] = int(x) if x.isdigit() else [x]
            else:
                v[i] = str(x)
        return calls
    raise ValueError(kind)


def build_cases(data: Path, per_kind: int, seed: int) -> list[dict[str, Any]]:
    cases = []
    for category in CATEGORY_FILES:
        for rec in read_category(data, category):
            for kind in KINDS:
                seen = set()
                for rep in range(per_kind if kind != "exact" else 1):
                    rng = random.Random(f"{seed}:{rec['id']}:{kind}:{rep}")
                    out = mutate(kind, copy.deepcopy(rec), rng)
                    if out is None:
                        break
                    blob = json.dumps(out, sort_keys=True)
                    if blob in seen:
                        continue
                    seen.add(blob)
                    cases.append(
                        {
                            "key": f"{rec['id']}|{kind}|{rep}",
                            "category": category,
                            "kind": kind,
                            "functions": rec["function"],
                            "answer": rec["ground_truth"],
                            "calls": out,
                        }
                    )
    return cases


def run_official(python: Path, cases: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    payload = "".join(
        json.dumps(
            {
                "key": c["key"],
                "category": c["category"],
                "functions": c["functions"],
                "answer": c["answer"],
                "output": [{n: a} for n, a in c["calls"]],
            }
        )
        + "\n"
        for c in cases
    )
    proc = subprocess.run(
        [str(python), str(HERE / "_bfcl_official.py")],
        input=payload,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        sys.exit(f"the official checker failed:\n{proc.stderr[-3000:]}")
    rows = [json.loads(x) for x in proc.stdout.splitlines()]
    return {r["key"]: r for r in rows}


def venv_data(python: Path) -> Path:
    proc = subprocess.run(
        [
            str(python),
            "-c",
            "import importlib.util as u, os; "
            "print(os.path.dirname(u.find_spec('bfcl_eval').origin))",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0 or not proc.stdout.strip():
        sys.exit(f"bfcl_eval is not installed in {python}: {proc.stderr.strip()[-500:]}")
    return Path(proc.stdout.strip()) / "data"


def _strip(value: Any) -> Any:
    """A function description without its prose (the checker reads names and types only)."""
    if isinstance(value, dict):
        return {
            k: _strip(v) for k, v in value.items() if k != "description" or not isinstance(v, str)
        }
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def pin(path: Path, cases: list[dict[str, Any]], official: dict[str, dict[str, Any]]) -> None:
    """Outputs where the official and documented rules differ, plus 2 of every (category, kind,
    verdict), each with only the function descriptions the checker reads."""
    rows, taken = [], Counter()
    for c in cases:
        off = official[c["key"]]["valid"]
        if off is None:
            continue
        doc, _ = ast_check(c["calls"], c["answer"], c["functions"], c["category"], "documented")
        cell = (c["category"], c["kind"], off)
        if doc != off or taken[cell] < 2:
            taken[cell] += 1
            names = {n for a in c["answer"] for n in a}
            funcs = [
                _strip(f) for i, f in enumerate(c["functions"]) if i == 0 or f["name"] in names
            ]
            keep = {k: c[k] for k in ("key", "category", "answer", "calls")}
            rows.append({**keep, "functions": funcs, "official": off, "documented": doc})
    path.write_text(json.dumps(rows, ensure_ascii=False, separators=(",", ":")) + "\n")
    print(f"pinned {len(rows)} outputs to {path}")


def pct(a: int, n: int) -> str:
    return f"{100 * a / n:.2f}%" if n else "-"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--venv", type=Path, default=Path("/tmp/bfcl-venv"))
    ap.add_argument("--per-kind", type=int, default=2, help="mutated outputs per record and kind")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--rules", choices=["official", "documented"], default="official")
    ap.add_argument("--show", type=int, default=10_000, help="list at most this many disagreements")
    ap.add_argument(
        "--pin",
        type=Path,
        help="write the outputs where the two rule sets differ, plus a sample of the rest, with "
        "the official verdicts (the test fixture tests/data/bfcl_official_verdicts.json)",
    )
    args = ap.parse_args()
    python = args.venv / "bin" / "python"
    if not python.exists():
        sys.exit(f"no python in {args.venv}; create the throwaway venv first (see --help)")
    t0 = time.time()
    cases = build_cases(venv_data(python), args.per_kind, args.seed)
    official = run_official(python, cases)
    t1 = time.time()
    cells: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    disagreements = []
    crashes = []
    for c in cases:
        off = official[c["key"]]
        ok, why = ast_check(c["calls"], c["answer"], c["functions"], c["category"], args.rules)
        if off["valid"] is None:
            crashes.append((c, off["error"], ok))
            continue
        agree = ok == off["valid"]
        for cell in (("all", "all"), ("category", c["category"]), ("kind", c["kind"])):
            cells[cell]["n"] += 1
            cells[cell]["agree"] += agree
            cells[cell]["valid"] += off["valid"]
        if not agree:
            disagreements.append((c, off, ok, why))
    t2 = time.time()
    if args.pin:
        pin(args.pin, cases, official)
    print(
        f"{len(cases)} outputs over {len(CATEGORY_FILES)} categories; rules={args.rules}; "
        f"official checker {t1 - t0:.1f} s (incl. building), ours {t2 - t1:.1f} s"
    )
    goal_ok = True
    for group in ("all", "category", "kind"):
        title = "overall" if group == "all" else f"by {group}"
        print(f"\n{title:<26}{'n':>7}{'valid':>8}{'agree':>10}")
        for (g, name), cnt in sorted(cells.items()):
            if g != group:
                continue
            n, agree = cnt["n"], cnt["agree"]
            rate = agree / n
            need = 0.999 if g == "all" else (0.995 if n >= 200 else None)
            flag = "" if need is None else ("  ok" if rate >= need else f"  BELOW {need:.1%}")
            goal_ok &= need is None or rate >= need
            print(f"  {name:<24}{n:>7}{cnt['valid']:>8}{pct(agree, n):>10}{flag}")
    print(f"\ndisagreements: {len(disagreements)}")
    for c, off, ok, why in disagreements[: args.show]:
        print(
            f"  {c['key']} [{c['category']}] official={off['valid']} ({off['error']}) "
            f"ours={ok} ({why})\n    output={json.dumps(c['calls'])[:400]}\n"
            f"    answer={json.dumps(c['answer'])[:400]}"
        )
    if crashes:
        print(f"\nthe official checker crashed on {len(crashes)} output(s) (not counted):")
        for c, err, ok in crashes[: args.show]:
            print(f"  {c['key']}: {err}; ours={ok}")
    print(
        "\ngoals (>= 99.9% overall, >= 99.5% per cell of >= 200):", "MET" if goal_ok else "MISSED"
    )
    sys.exit(0 if goal_ok else 1)


if __name__ == "__main__":
    main()
